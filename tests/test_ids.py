"""One rule for patient ids across readers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline.errors import InvalidValueError
from dmt_timeline.ids import patient_id


@pytest.mark.parametrize("value", [1, 1.0, "1", " 1 "])
def test_one_patient_however_the_id_is_typed(value: object) -> None:
    assert "1" == patient_id(value)


@pytest.mark.parametrize("value", ["", "  ", 1.5, float("nan"), float("inf"), True, None, b"1", [1]])
def test_what_is_not_an_id_is_refused(value: object) -> None:
    with pytest.raises(InvalidValueError, match="patient id"):
        patient_id(value)


@given(st.integers())
def test_an_integer_and_its_text_are_one_id(value: int) -> None:
    assert patient_id(value) == patient_id(str(value))
