"""Therapy text as EHRs and pharmacies write it: one rule (Catalogue.resolve) for every reader."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline.batch import exposure_transitions
from dmt_timeline.catalogue import CATALOGUE, Therapy
from dmt_timeline.errors import UnknownTherapyError
from dmt_timeline.io.exposures import read_exposures_rows

# Which aliases count as words is the catalogue's rule: names, and brand-like aliases.
WORD_TERMS = [
    (term, therapy)
    for therapy in CATALOGUE
    for term in (therapy.name, *therapy.aliases)
    if term == therapy.name or (len(term) >= 4 and any(c.islower() for c in term))
]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Tysabri 300 MG in 15 ML Injection", "natalizumab"),
        ("Copaxone 40mg/ml", "glatiramer acetate"),
        ("Ocrevus 300 mg", "ocrelizumab"),
        ("natalizumab 20 MG/ML Injectable Solution", "natalizumab"),
        ("GILENYA 0.5 mg hard capsules", "fingolimod"),
        ("Tecfidera 240 mg gastro-resistant capsules", "dimethyl fumarate"),
    ],
)
def test_a_product_string_resolves_to_its_one_therapy(text: str, name: str) -> None:
    assert CATALOGUE.resolve(text).name == name


def test_a_name_resolves_as_get_does() -> None:
    for therapy in CATALOGUE:
        for name in therapy.names:
            assert CATALOGUE.resolve(name) is CATALOGUE.get(name)


def test_text_naming_two_therapies_is_refused_naming_both() -> None:
    with pytest.raises(UnknownTherapyError, match="names 'natalizumab' and 'ocrelizumab'"):
        CATALOGUE.resolve("Tysabri then Ocrevus 300 mg")


def test_abbreviations_are_not_found_inside_text() -> None:
    # 'DMF' alone is a name; inside other text it is too likely to be something else.
    assert CATALOGUE.resolve("DMF").name == "dimethyl fumarate"
    with pytest.raises(UnknownTherapyError):
        CATALOGUE.resolve("DMF 240 mg")


def test_text_naming_nothing_is_refused_with_suggestions() -> None:
    with pytest.raises(UnknownTherapyError, match="did you mean 'natalizumab'"):
        CATALOGUE.resolve("natalizumib 300 mg")


def test_a_name_inside_a_longer_word_is_not_found() -> None:
    with pytest.raises(UnknownTherapyError):
        CATALOGUE.resolve("Ocrevusplus 300 mg")


@given(
    st.sampled_from(WORD_TERMS),
    st.sampled_from(["", "Rx: ", "inj. "]),
    st.sampled_from(["", " 300 mg", " 40mg/ml", " (brand)", ", 0.5 MG Oral Capsule"]),
    st.booleans(),
)
def test_any_name_or_brand_with_strength_text_resolves_to_its_therapy(
    term_therapy: tuple[str, Therapy], before: str, after: str, upper: bool
) -> None:
    term, therapy = term_therapy
    text = f"{before}{term.upper() if upper else term}{after}"
    assert CATALOGUE.resolve(text) is therapy


def test_the_exposure_reader_reads_product_strings() -> None:
    header = ["person_id", "drug", "start", "end"]
    rows = [
        ["P1", "Tysabri 300 MG in 15 ML Injection", "2012-01-03", "2012-01-03"],
        ["P1", "Ocrevus 300 mg", "2013-02-01", "2013-02-01"],
        ["P2", "Tysabri and Ocrevus", "2013-02-01", "2013-02-01"],
    ]
    read = read_exposures_rows([dict(zip(header, row, strict=True)) for row in rows], skip_bad_rows=True)
    assert [(e.person_id, e.drug) for e in read] == [("P1", "natalizumab"), ("P1", "ocrelizumab")]
    assert len(read.skipped) == 1
    problem = read.skipped[0]
    assert problem.row == 4
    assert "names 'natalizumab' and 'ocrelizumab'" in problem.message


def test_the_batch_engine_reads_product_strings_as_the_object_path_does() -> None:
    table = pa.table(
        {
            "person_id": ["P1", "P1"],
            "drug": ["Tysabri 300 MG in 15 ML Injection", "Ocrevus 300 mg"],
            "start": ["2012-01-03", "2013-02-01"],
            "end": ["2012-01-03", "2013-02-01"],
        }
    )
    result = exposure_transitions(table)
    assert sorted(result.episodes.column("therapy").to_pylist()) == ["natalizumab", "ocrelizumab"]
    assert result.unknown == ()
