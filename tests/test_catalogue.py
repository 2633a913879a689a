"""The therapy catalogue: entries, aliases, look-up errors, extension."""

from __future__ import annotations

import re

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline.catalogue import CATALOGUE, Catalogue, MarketStatus, Route, Therapy, TherapyClass
from dmt_timeline.errors import DmtTimelineError, InvalidValueError, UnknownTherapyError

C = TherapyClass
SC, IM, IV, PO = Route.SUBCUTANEOUS, Route.INTRAMUSCULAR, Route.INTRAVENOUS, Route.ORAL

# (canonical name, class, ATC code, a route it is given by, market status)
ENTRIES = [
    ("interferon beta-1a", C.INTERFERON_BETA, "L03AB07", IM, MarketStatus.APPROVED),
    ("interferon beta-1b", C.INTERFERON_BETA, "L03AB08", SC, MarketStatus.APPROVED),
    ("peginterferon beta-1a", C.INTERFERON_BETA, "L03AB13", SC, MarketStatus.APPROVED),
    ("glatiramer acetate", C.GLATIRAMER_ACETATE, "L03AX13", SC, MarketStatus.APPROVED),
    ("teriflunomide", C.PYRIMIDINE_SYNTHESIS_INHIBITOR, "L04AA31", PO, MarketStatus.APPROVED),
    ("dimethyl fumarate", C.FUMARATE, "L04AX07", PO, MarketStatus.APPROVED),
    ("diroximel fumarate", C.FUMARATE, "L04AX09", PO, MarketStatus.APPROVED),
    ("fingolimod", C.S1P_MODULATOR, "L04AA27", PO, MarketStatus.APPROVED),
    ("siponimod", C.S1P_MODULATOR, "L04AA42", PO, MarketStatus.APPROVED),
    ("ozanimod", C.S1P_MODULATOR, "L04AA38", PO, MarketStatus.APPROVED),
    ("ponesimod", C.S1P_MODULATOR, "L04AA50", PO, MarketStatus.APPROVED),
    ("cladribine", C.PURINE_ANALOGUE, "L04AA40", PO, MarketStatus.APPROVED),
    ("natalizumab", C.ANTI_ALPHA4_INTEGRIN, "L04AA23", IV, MarketStatus.APPROVED),
    ("alemtuzumab", C.ANTI_CD52, "L04AA34", IV, MarketStatus.APPROVED),
    ("ocrelizumab", C.ANTI_CD20, "L04AA36", IV, MarketStatus.APPROVED),
    ("ofatumumab", C.ANTI_CD20, "L04AA52", SC, MarketStatus.APPROVED),
    ("ublituximab", C.ANTI_CD20, "L04AG14", IV, MarketStatus.APPROVED),
    ("rituximab", C.ANTI_CD20, "L01XC02", IV, MarketStatus.OFF_LABEL),
    ("mitoxantrone", C.ANTHRACENEDIONE, "L01DB07", IV, MarketStatus.APPROVED),
    ("daclizumab", C.ANTI_CD25, "L04AC01", SC, MarketStatus.WITHDRAWN),
]


def a_therapy(name: str = "vidofludimus", *aliases: str, label: str = "VIDO") -> Therapy:
    return Therapy(name, label, C.PYRIMIDINE_SYNTHESIS_INHIBITOR, None, (PO,), aliases)


# -- entries ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "therapy_class", "atc", "route", "status"), ENTRIES)
def test_catalogue_entry(
    name: str, therapy_class: TherapyClass, atc: str, route: Route, status: MarketStatus
) -> None:
    therapy = CATALOGUE.get(name)
    assert (name, therapy_class, atc, True, status) == (
        therapy.name,
        therapy.therapy_class,
        therapy.atc,
        route in therapy.routes,
        therapy.status,
    )


def test_natalizumab_is_anti_alpha4_integrin_with_its_atc_code() -> None:
    natalizumab = CATALOGUE["natalizumab"]
    assert (C.ANTI_ALPHA4_INTEGRIN, "L04AA23") == (natalizumab.therapy_class, natalizumab.atc)


def test_unspecified_interferon_beta_is_an_entry_without_atc_code() -> None:
    therapy = CATALOGUE["interferon beta"]
    assert (C.INTERFERON_BETA, None) == (therapy.therapy_class, therapy.atc)


def test_every_therapy_class_has_a_therapy() -> None:
    assert set(TherapyClass) == {t.therapy_class for t in CATALOGUE}


def test_canonical_names_are_unique() -> None:
    names = [t.name for t in CATALOGUE]
    assert len(set(names)) == len(names)


# -- look-up ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "expected"),
    [
        ("IFNb", "interferon beta"),
        ("ifnb", "interferon beta"),
        ("IFN-beta", "interferon beta"),
        ("GA", "glatiramer acetate"),
        ("ga", "glatiramer acetate"),
        ("DMF", "dimethyl fumarate"),
        ("dmf", "dimethyl fumarate"),
        ("Fing", "fingolimod"),
        ("FING", "fingolimod"),
        ("Nat", "natalizumab"),
        ("NAT", "natalizumab"),
        ("NATALIZUMAB", "natalizumab"),
        ("interferon beta 1a", "interferon beta-1a"),
        ("Avonex", "interferon beta-1a"),
        ("rebif", "interferon beta-1a"),
        ("Betaseron", "interferon beta-1b"),
        ("BETAFERON", "interferon beta-1b"),
        ("Plegridy", "peginterferon beta-1a"),
        ("copaxone", "glatiramer acetate"),
        ("Aubagio", "teriflunomide"),
        ("TECFIDERA", "dimethyl fumarate"),
        ("vumerity", "diroximel fumarate"),
        ("Gilenya", "fingolimod"),
        ("mayzent", "siponimod"),
        ("Zeposia", "ozanimod"),
        ("Ponvory", "ponesimod"),
        ("Mavenclad", "cladribine"),
        ("tysabri", "natalizumab"),
        ("Lemtrada", "alemtuzumab"),
        ("Ocrevus", "ocrelizumab"),
        ("Kesimpta", "ofatumumab"),
        ("Briumvi", "ublituximab"),
        ("Rituxan", "rituximab"),
        ("Novantrone", "mitoxantrone"),
        ("Zinbryta", "daclizumab"),
        ("l04aa23", "natalizumab"),
        ("L04AG03", "natalizumab"),
    ],
)
def test_aliases_and_brand_names_resolve_case_insensitively(alias: str, expected: str) -> None:
    assert expected == CATALOGUE.get(alias).name


def test_getitem_is_get() -> None:
    assert CATALOGUE.get("Nat") is CATALOGUE["Nat"]


def test_get_passes_a_therapy_through() -> None:
    natalizumab = CATALOGUE["natalizumab"]
    assert natalizumab is CATALOGUE.get(natalizumab)  # type: ignore[arg-type]  # accepted at run time


@pytest.mark.parametrize(
    ("name", "expected"), [("Nat", True), ("tysabri", True), ("natalizumb", False), (5, False)]
)
def test_contains(name: object, expected: bool) -> None:
    assert expected == (name in CATALOGUE)


@given(st.sampled_from([name for t in CATALOGUE for name in t.names]), st.data())
def test_every_name_resolves_in_any_case(name: str, data: st.DataObject) -> None:
    cased = "".join(c.upper() if data.draw(st.booleans()) else c.lower() for c in name)
    assert CATALOGUE.get(name) is CATALOGUE.get(cased)


# -- unknown names ----------------------------------------------------------------------------


def test_unknown_name_suggests_a_close_match() -> None:
    with pytest.raises(
        UnknownTherapyError, match=r"unknown therapy 'natalizumb'; did you mean 'natalizumab'"
    ):
        CATALOGUE.get("natalizumb")


def test_each_suggestion_is_named_once() -> None:
    with pytest.raises(UnknownTherapyError) as info:
        CATALOGUE.get("fingolimd")
    assert 1 == str(info.value).count("'fingolimod'")


def test_unknown_name_without_close_match_says_how_to_add_it() -> None:
    with pytest.raises(UnknownTherapyError, match=r"'zzzzzz'.*Catalogue\.extend\(\)"):
        CATALOGUE.get("zzzzzz")


@pytest.mark.parametrize(("name", "named"), [(5, "5"), (None, "None")])
def test_a_name_that_is_not_text_is_refused_naming_it(name: object, named: str) -> None:
    with pytest.raises(UnknownTherapyError, match=f"therapy {named}:"):
        CATALOGUE.get(name)  # type: ignore[arg-type]  # the point of the test


def test_unknown_therapy_error_is_a_lookup_error_and_a_library_error() -> None:
    with pytest.raises(LookupError) as info:
        CATALOGUE.get("natalizumb")
    assert isinstance(info.value, DmtTimelineError)


# -- extending --------------------------------------------------------------------------------


def test_extend_adds_an_entry() -> None:
    extended = CATALOGUE.extend(a_therapy("vidofludimus", "IMU-838"))
    assert "vidofludimus" == extended.get("imu-838").name


def test_extend_does_not_change_the_catalogue() -> None:
    before = len(CATALOGUE)
    CATALOGUE.extend(a_therapy())
    assert (before, False) == (len(CATALOGUE), "vidofludimus" in CATALOGUE)


def test_extend_accepts_an_iterable_of_therapies() -> None:
    extended = CATALOGUE.extend([a_therapy("one", label="ONE"), a_therapy("two", label="TWO")])
    assert len(CATALOGUE) + 2 == len(extended)


@pytest.mark.parametrize("alias", ["Nat", "NAT", "tysabri", "L04AA23"])
def test_extend_refuses_a_name_clash_naming_it(alias: str) -> None:
    with pytest.raises(
        InvalidValueError, match=rf"name '{alias}' of 'vidofludimus' is already used by 'natalizumab'"
    ):
        CATALOGUE.extend(a_therapy("vidofludimus", alias))


def test_extend_refuses_a_repeated_entry() -> None:
    with pytest.raises(InvalidValueError, match="'natalizumab'"):
        CATALOGUE.extend(CATALOGUE["natalizumab"])


def test_extend_refuses_a_clash_between_new_entries() -> None:
    with pytest.raises(InvalidValueError, match="'VIDO'"):
        CATALOGUE.extend(a_therapy("one"), a_therapy("two"))


def test_a_catalogue_is_built_from_therapies() -> None:
    catalogue = Catalogue((a_therapy(),))
    assert ["vidofludimus"] == [t.name for t in catalogue]


# -- classes, therapies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("therapy_class", "expected"),
    [
        (C.ANTI_CD20, {"ocrelizumab", "ofatumumab", "ublituximab", "rituximab"}),
        (C.S1P_MODULATOR, {"fingolimod", "siponimod", "ozanimod", "ponesimod"}),
        (C.FUMARATE, {"dimethyl fumarate", "diroximel fumarate", "monomethyl fumarate"}),
        (
            C.INTERFERON_BETA,
            {"interferon beta", "interferon beta-1a", "interferon beta-1b", "peginterferon beta-1a"},
        ),
        (C.ANTI_ALPHA4_INTEGRIN, {"natalizumab"}),
    ],
)
def test_of_class(therapy_class: TherapyClass, expected: set[str]) -> None:
    assert expected == {t.name for t in CATALOGUE.of_class(therapy_class)}


@pytest.mark.parametrize(("field", "value"), [("name", ""), ("label", "  "), ("name", 5)])
def test_therapy_refuses_empty_names_naming_the_value(field: str, value: object) -> None:
    fields: dict[str, object] = {
        "name": "x",
        "label": "X",
        "therapy_class": C.ANTI_CD20,
        "atc": None,
        "routes": (IV,),
    }
    fields[field] = value
    with pytest.raises(InvalidValueError, match=re.escape(f"therapy {field} {value!r}")):
        Therapy(**fields)  # type: ignore[arg-type]  # wrong types are part of the table


def test_therapy_names_are_name_label_codes_and_aliases() -> None:
    expected = (
        "natalizumab",
        "Nat",
        "L04AA23",
        "354770",
        "NTZ",
        "Tysabri",
        "Tyruko",
        "L04AG03",
        "natalizumab-sztn",
    )
    assert expected == CATALOGUE["natalizumab"].names


def test_therapy_str_is_its_name() -> None:
    assert "glatiramer acetate" == str(CATALOGUE["GA"])


def test_therapy_is_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(CATALOGUE["Nat"], "name", "other")  # noqa: B010  # assignment must be refused
