"""How messages quote values: escaped, bounded, never a container's contents."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import QUOTE_LIMIT, InvalidDateError, UnknownTherapyError, describe_value, quoted


def test_a_newline_in_an_id_cannot_forge_a_line() -> None:
    assert "'P\\n01'" == quoted("P\n01")


def test_a_lone_surrogate_is_escaped() -> None:
    assert "'\\ud800'" == quoted("\ud800")
    quoted("\ud800").encode("utf-8")  # printable and encodable


def test_a_long_value_is_elided_and_its_length_said() -> None:
    text = quoted("a" * 30 + "SECRET" + "b" * 64)
    assert "SECRET" not in text
    assert text.endswith("(100 characters)")


def test_a_huge_number_is_named_not_printed() -> None:
    assert "a whole number too large to hold" == describe_value(10**5000)


def test_containers_are_named_not_shown() -> None:
    assert "an object" == describe_value({"name": "x"})
    assert "a list" == describe_value(["x"])


@given(st.text())
def test_quoted_is_one_bounded_encodable_line(text: str) -> None:
    shown = quoted(text)
    assert "\n" not in shown
    assert "\r" not in shown
    shown.encode("utf-8")
    assert len(shown) <= QUOTE_LIMIT + 40


def test_a_long_date_text_is_elided_in_its_message() -> None:

    with pytest.raises(InvalidDateError) as caught:
        PartialDate.parse("2007" + "x" * 5000)
    assert len(str(caught.value)) < 200
    assert "(5004 characters)" in str(caught.value)


def test_a_long_unknown_therapy_name_is_elided_in_its_message() -> None:

    with pytest.raises(UnknownTherapyError) as caught:
        CATALOGUE.get("Jane-Roe-0917 " * 50)
    assert "(700 characters)" in str(caught.value)
    assert len(str(caught.value)) < 200
