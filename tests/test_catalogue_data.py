"""The catalogue as a reviewed data file: loading, schema checks, codes with sources."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from dmt_timeline.catalogue import CATALOGUE, Code, TherapyClass, load_catalogue
from dmt_timeline.errors import InvalidValueError
from dmt_timeline.io.fhir import SNOMED_SYSTEM, cohort_from_fhir
from tests.leaks import assert_own_error


def test_the_shipped_file_is_the_catalogue() -> None:
    assert CATALOGUE == load_catalogue()


def test_the_data_file_ships_inside_the_package() -> None:
    assert resources.files("dmt_timeline").joinpath("data/therapies.toml").is_file()


def test_every_code_carries_its_source() -> None:
    for therapy in CATALOGUE:
        for code in therapy.codes:
            assert code.source.strip(), (therapy.name, code)


def test_every_therapy_but_two_has_an_atc_code() -> None:
    without = {t.name for t in CATALOGUE if t.atc is None}
    assert {"interferon beta", "monomethyl fumarate"} == without


def test_monomethyl_fumarate_is_a_fumarate() -> None:
    therapy = CATALOGUE.get("Bafiertam")
    assert ("monomethyl fumarate", TherapyClass.FUMARATE) == (therapy.name, therapy.therapy_class)


def test_mmf_is_not_an_alias_because_it_means_mycophenolate_too() -> None:
    assert "MMF" not in CATALOGUE


def test_atc_codes_resolve_in_both_index_revisions() -> None:
    assert CATALOGUE.by_code("ATC", "L04AA23") is CATALOGUE.by_code("ATC", "L04AG03")
    assert "natalizumab" == str(CATALOGUE.by_code("ATC", "L04AG03"))


def test_rxnorm_code_lookup() -> None:
    assert "ocrelizumab" == str(CATALOGUE.by_code("RxNorm", "1876366"))
    assert CATALOGUE.by_code("RxNorm", "0") is None


def test_an_unconfirmed_code_is_kept_but_not_looked_up(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        '[[therapy]]\nname = "x"\nlabel = "X"\nclass = "fumarate"\nroutes = ["oral"]\n'
        'rxnorm = { code = "123", source = "a guess", confirmed = false }\n',
        encoding="utf-8",
    )
    catalogue = load_catalogue(path)
    assert (None, None) == (catalogue.get("x").rxnorm, catalogue.by_code("RxNorm", "123"))
    assert (Code("RxNorm", "123", "a guess", confirmed=False),) == catalogue.get("x").codes


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('name = "x"\nlabel = "X"\nclass = "nope"\nroutes = ["oral"]\n', "class 'nope' is not one of"),
        ('name = "x"\nlabel = "X"\nclass = "fumarate"\n', "routes is missing"),
        ('name = "x"\nlabel = "X"\nclass = "fumarate"\nroutes = ["oral"]\ncolour = 1\n', "unknown field"),
        (
            'name = "x"\nlabel = "X"\nclass = "fumarate"\nroutes = ["oral"]\natc = { code = "L" }\n',
            "source must be non-empty",
        ),
        (
            'name = "x"\nlabel = "X"\nclass = "fumarate"\nroutes = ["oral"]\ndosing_interval_days = 0\n',
            "dosing_interval_days",
        ),
        ('name = "x"\nlabel = ""\nclass = "fumarate"\nroutes = ["oral"]\n', "must be non-empty"),
    ],
)
def test_schema_problems_name_the_entry_and_field(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "t.toml"
    path.write_text("[[therapy]]\n" + body, encoding="utf-8")
    with pytest.raises(InvalidValueError) as info:
        load_catalogue(path)
    assert_own_error(info.value)
    assert expected in str(info.value)
    assert "entry 1 ('x')" in str(info.value)


def test_invalid_toml_is_refused_without_quoting_it(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text("[[therapy]\nsecret = 'SENTINEL'", encoding="utf-8")
    with pytest.raises(InvalidValueError) as info:
        load_catalogue(path)
    assert "SENTINEL" not in str(info.value)
    assert info.value.__context__ is None


SNOMED_SUBSTANCES = [
    ("129472003", "alemtuzumab"),
    ("724035008", "dimethyl fumarate"),
    ("449000008", "fingolimod"),
    ("108755008", "glatiramer acetate"),
    ("386902004", "interferon beta-1a"),
    ("386903009", "interferon beta-1b"),
    ("414805007", "natalizumab"),
    ("444607009", "ofatumumab"),
    ("386919002", "rituximab"),
    ("703785006", "teriflunomide"),
    # The Swiss substance list.
    ("386916009", "cladribine"),
    ("386913001", "mitoxantrone"),
    ("733464008", "ocrelizumab"),
]
# UK dm+d brands and moieties, and rituximab's international product, from the pc4 MS DMT list.
SNOMED_PRODUCTS = [
    ("9218501000001109", "interferon beta-1a"),
    ("9322401000001109", "interferon beta-1a"),
    ("9222901000001105", "interferon beta-1b"),
    ("10105201000001101", "interferon beta-1b"),
    ("12222201000001108", "peginterferon beta-1a"),
    ("9246601000001104", "glatiramer acetate"),
    ("13083901000001102", "glatiramer acetate"),
    ("12089801000001100", "teriflunomide"),
    ("24056811000001108", "dimethyl fumarate"),
    ("12086301000001102", "dimethyl fumarate"),
    ("13083101000001100", "cladribine"),
    ("12091201000001101", "alemtuzumab"),
    ("35058611000001103", "ocrelizumab"),
    ("13096001000001106", "ocrelizumab"),
    ("108809004", "rituximab"),
]


@pytest.mark.parametrize(("code", "name"), SNOMED_SUBSTANCES + SNOMED_PRODUCTS)
def test_snomed_codes_resolve_to_their_therapy(code: str, name: str) -> None:
    assert name == str(CATALOGUE.by_code("SNOMED CT", code))


@pytest.mark.parametrize(("code", "name"), SNOMED_SUBSTANCES + SNOMED_PRODUCTS)
def test_the_fhir_reader_maps_a_snomed_coding(code: str, name: str) -> None:
    statement = {
        "resourceType": "MedicationStatement",
        "status": "completed",
        "medicationCodeableConcept": {"coding": [{"system": SNOMED_SYSTEM, "code": code}]},
        "subject": {"reference": "Patient/P01"},
        "effectivePeriod": {"start": "2019-03", "end": "2020"},
    }
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": statement}]}
    (episode,) = cohort_from_fhir(bundle)["P01"].episodes
    assert name == episode.therapy.name


def test_every_snomed_code_is_listed_in_one_of_the_tests() -> None:
    held = {c.code for t in CATALOGUE for c in t.codes if c.system == "SNOMED CT"}
    assert held == {code for code, _ in SNOMED_SUBSTANCES + SNOMED_PRODUCTS}


def test_a_snomed_code_is_never_read_as_a_name() -> None:
    # SNOMED CT and RxNorm codes are both digits: only look-ups by system may find them.
    assert not any(code in CATALOGUE for code, _ in SNOMED_SUBSTANCES + SNOMED_PRODUCTS)


def test_atc_codes_another_source_gives_resolve_too() -> None:
    found = (str(CATALOGUE.by_code("ATC", "N07XX09")), str(CATALOGUE.by_code("ATC", "L01XC10")))
    assert ("dimethyl fumarate", "ofatumumab") == found
    assert "L04AX07" == CATALOGUE.get("DMF").atc
