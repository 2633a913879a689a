"""Switch reasons: standard categories, the study's codes, spellings, crosswalks and suggestions."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline.errors import CohortFormatError, InvalidValueError
from dmt_timeline.model import SwitchReason, parse_reasons
from dmt_timeline.reasons import (
    MAX_REASON_TEXT,
    ReasonReader,
    StopCategory,
    _load,
    read_reasons,
    reason_spellings,
)
from dmt_timeline.strategies import switch_reasons

R = SwitchReason
C = StopCategory
SPELLINGS = reason_spellings()


def test_every_reason_has_a_category_and_a_meaning() -> None:
    assert all(isinstance(r.category, StopCategory) and r.meaning for r in SwitchReason)


def test_every_standard_category_has_the_reason_that_says_it() -> None:
    # Reading a category's own name gives a reason in that category: all eight are expressible.
    assert {c: c for c in StopCategory} == {c: read_reasons(c.value)[0].category for c in StopCategory}


def test_the_study_codes_keep_what_they_say() -> None:
    expected = {
        "LOE": (R.LOSS_OF_EFFECTIVENESS, C.LACK_OF_EFFICACY),
        "tlrb": (R.INTOLERANCE, C.ADVERSE_EVENT),
        "Ps": (R.COMORBIDITY_WORSENING, C.ADVERSE_EVENT),
        "JCV+": (R.SAFETY_RISK, C.INCREASED_RISK_OF_ADVERSE_EVENT),
        "Pregn": (R.PREGNANCY, C.PREGNANCY),
    }
    actual = {code: (read_reasons(code)[0], read_reasons(code)[0].category) for code in expected}
    assert expected == actual
    assert "PML" in R.SAFETY_RISK.meaning
    assert "worsening of a comorbidity" in R.COMORBIDITY_WORSENING.meaning


@pytest.mark.parametrize("cell", ["NA", "n/a", "N / A", "not applicable", "", "  "])
def test_not_applicable_and_blank_are_no_reasons(cell: str) -> None:
    assert () == read_reasons(cell)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("intolerance", R.INTOLERANCE),
        ("side effects", R.ADVERSE_EVENT),
        ("Side-effects", R.ADVERSE_EVENT),
        ("AE", R.ADVERSE_EVENT),
        ("lack of efficacy", R.LOSS_OF_EFFECTIVENESS),
        ("progression", R.DISEASE_PROGRESSION),
        ("patient decision", R.PATIENT_CHOICE),
        ("planning pregnancy", R.PREGNANCY),
        ("JCV positive", R.SAFETY_RISK),
        ("PML risk", R.PML_RISK),
        ("Psoriasis", R.COMORBIDITY_WORSENING),
        ("pregnancy/pre-conceptual care", R.PREGNANCY),
        ("unknown", R.UNKNOWN),
    ],
)
def test_common_spellings(cell: str, reason: SwitchReason) -> None:
    assert (reason,) == read_reasons(cell)


@given(
    st.sampled_from(sorted(SPELLINGS)),
    st.sampled_from([str.lower, str.upper, str.title]),
    st.sampled_from(["", " ", "  "]),
)
def test_every_spelling_in_any_case_and_spacing(spelling: str, case: object, pad: str) -> None:
    assert callable(case)
    assert (SPELLINGS[spelling],) == read_reasons(pad + case(spelling) + pad)


@given(st.lists(switch_reasons(), unique=True, min_size=1), st.sampled_from([", ", ";", " / "]))
def test_several_codes_read_in_order(reasons: list[SwitchReason], sep: str) -> None:
    text = sep.join(r.value for r in reasons)
    assert (tuple(reasons), tuple(reasons)) == (read_reasons(text), parse_reasons(text))


def test_a_footnote_marker_is_not_the_reason() -> None:
    assert (R.SAFETY_RISK,) == read_reasons("JCV+*")


def test_crosswalk_to_a_spelling_a_category_or_a_reason() -> None:
    reader = ReasonReader(
        {"GI side effects": "adverse event", "rash": C.ADVERSE_EVENT, "moved away": R.OTHER}
    )
    expected = ((R.ADVERSE_EVENT,), (R.ADVERSE_EVENT, R.OTHER), (R.INTOLERANCE,))
    assert expected == (reader("gi side-effects"), reader("Rash; moved away"), reader("intolerance"))


def test_crosswalk_overrides_the_vocabulary() -> None:
    assert (R.OTHER,) == read_reasons("psoriasis", crosswalk={"Psoriasis": "other"})


def test_crosswalk_target_must_be_a_reason() -> None:
    with pytest.raises(InvalidValueError) as info:
        ReasonReader({"GI": "adverse evnt"})
    assert "reason crosswalk 'GI': 'adverse evnt' is not a reason; did you mean 'adverse event'" in str(
        info.value
    )


def test_unknown_reason_suggests_close_spellings() -> None:
    with pytest.raises(InvalidValueError) as info:
        read_reasons("LOE, intolernce")
    assert "stop reason 'intolernce' is not known; did you mean 'intolerance'" in str(info.value)


def test_unknown_reason_without_a_close_spelling_says_how_to_map_it() -> None:
    with pytest.raises(InvalidValueError) as info:
        read_reasons("bored")
    assert "stop reason 'bored' is not known (map it to a reason with a crosswalk)" == str(info.value)


def test_unknown_reason_suggests_the_crosswalk_keys_too() -> None:
    with pytest.raises(InvalidValueError, match="did you mean 'GI side effects'"):
        read_reasons("GI side efects x", crosswalk={"GI side effects": "AE"})


def test_long_cells_are_refused_quickly() -> None:
    start = time.perf_counter()
    for text in ("*" * 100_000 + "x", "a," * 100_000, "LOE" * (MAX_REASON_TEXT + 1)):
        with pytest.raises(InvalidValueError, match="longer than"):
            read_reasons(text)
    assert time.perf_counter() - start < 0.5


def test_a_spelling_naming_two_reasons_is_a_bug_in_the_data_file() -> None:
    data = {
        "not_applicable": ["NA"],
        "reason": [
            {"code": "LOE", "category": "lack of efficacy", "meaning": "x", "spellings": ["failure"]},
            {"code": "tlrb", "category": "adverse event", "meaning": "x", "spellings": ["Failure"]},
        ],
    }
    with pytest.raises(CohortFormatError, match="spelling 'Failure' names two reasons"):
        _load(data)
