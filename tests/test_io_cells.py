"""Stop cells: dates, words for ongoing, blanks for not recorded, and nothing guessed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import InvalidDateError, InvalidValueError
from dmt_timeline.io.cells import ONGOING_WORDS, read_stop
from dmt_timeline.model import NOT_RECORDED, ONGOING
from dmt_timeline.strategies import partial_dates


def respelled(word: str, cases: list[bool], pad: str) -> str:
    letters = [c.upper() if up else c for c, up in zip(word, cases + [False] * len(word), strict=False)]
    return pad + "".join(letters).replace(" ", " " + pad) + pad


@given(st.sampled_from(ONGOING_WORDS), st.lists(st.booleans(), max_size=12), st.sampled_from(["", " ", "\t"]))
def test_ongoing_words_in_any_case_and_spacing(word: str, cases: list[bool], pad: str) -> None:
    assert ONGOING is read_stop(respelled(word, cases, pad))


@pytest.mark.parametrize("cell", ["", "   ", None])
def test_blank_is_not_recorded(cell: str | None) -> None:
    assert NOT_RECORDED is read_stop(cell)


@given(partial_dates())
def test_a_date_is_the_stop(date: PartialDate) -> None:
    assert date == read_stop(str(date))


def test_dates_in_other_forms_read_as_partial_date_read_does() -> None:
    expected = (PartialDate(2007, 3), PartialDate(2012, 5, 12))
    assert expected == (read_stop("Mar 2007"), read_stop("12/05/2012", day_first=True))


def test_words_are_configurable() -> None:
    assert (ONGOING, NOT_RECORDED) == (
        read_stop("still on it", ongoing=["still on it"]),
        read_stop("unknown", not_recorded=["", "unknown"]),
    )


def test_configured_words_replace_the_defaults() -> None:
    with pytest.raises(InvalidDateError, match="not a word for ongoing"):
        read_stop("ongoing", ongoing=["still on it"])


@pytest.mark.parametrize("cell", ["NA", "unknown", "stopped", "?"])
def test_other_words_are_refused_by_name(cell: str) -> None:
    with pytest.raises(InvalidDateError) as info:
        read_stop(cell)
    assert f"stop {cell!r}: not a date, and not a word for ongoing" in str(info.value)


def test_a_word_cannot_mean_both() -> None:
    with pytest.raises(InvalidValueError, match="both ongoing and not recorded"):
        read_stop("x", ongoing=["NA"], not_recorded=["na"])


def test_a_bad_date_names_the_date_forms() -> None:
    with pytest.raises(InvalidDateError, match="accepted forms"):
        read_stop("2007-13")


def test_long_cells_are_refused_unread() -> None:
    with pytest.raises(InvalidDateError, match="longer than 64"):
        read_stop("ongoing " * 100)
