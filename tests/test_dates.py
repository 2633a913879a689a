"""Partial dates, three-valued chronology, Truth, and the one definition of whole months."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence

import pendulum
import pytest
from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]  # no stubs installed
from hypothesis import given, settings
from hypothesis import strategies as st

from dmt_timeline.dates import (
    MAX_YEAR,
    MIN_YEAR,
    MonthRange,
    Order,
    PartialDate,
    Precision,
    Truth,
    _month_range,
    months_between,
    whole_months,
)
from dmt_timeline.errors import DmtTimelineError, InvalidDateError

# -- local strategies and independent references ------------------------------------------


@st.composite
def partial_dates(
    draw: st.DrawFn,
    *,
    min_year: int = MIN_YEAR,
    max_year: int = MAX_YEAR,
    precisions: Sequence[Precision] = tuple(Precision),
) -> PartialDate:
    year = draw(st.integers(min_year, max_year))
    precision = draw(st.sampled_from(precisions))
    if precision is Precision.YEAR:
        return PartialDate(year)
    month = draw(st.integers(1, 12))
    if precision is Precision.MONTH:
        return PartialDate(year, month)
    return PartialDate(year, month, draw(st.integers(1, calendar.monthrange(year, month)[1])))


def days(start: dt.date, stop: dt.date) -> st.SearchStrategy[dt.date]:
    return st.dates(min_value=start, max_value=stop)


def days_of(date: PartialDate) -> list[dt.date]:
    """Every day a partial date can mean, enumerated from the calendar (not from first/last_day)."""
    months = [date.month] if date.month is not None else list(range(1, 13))
    out: list[dt.date] = []
    for month in months:
        numbers = (
            [date.day]
            if date.day is not None
            else list(range(1, calendar.monthrange(date.year, month)[1] + 1))
        )
        out.extend(dt.date(date.year, month, n) for n in numbers)
    return out


def brute_order(a: PartialDate, b: PartialDate) -> Order:
    pairs = [(x, y) for x in days_of(a) for y in days_of(b)]
    if all(x < y for x, y in pairs):
        return Order.BEFORE
    if all(x > y for x, y in pairs):
        return Order.AFTER
    if all(x == y for x, y in pairs):
        return Order.SAME
    return Order.UNDETERMINED


def brute_before(a: PartialDate, b: PartialDate) -> Truth:
    answers = {x < y for x in days_of(a) for y in days_of(b)}
    if answers == {True}:
        return Truth.TRUE
    if answers == {False}:
        return Truth.FALSE
    return Truth.UNDETERMINED


def endpoint_order(a: PartialDate, b: PartialDate) -> Order:
    """The same answer from the extreme days alone: every pair is ordered iff the extremes are."""
    a_days, b_days = days_of(a), days_of(b)
    if max(a_days) < min(b_days):
        return Order.BEFORE
    if min(a_days) > max(b_days):
        return Order.AFTER
    if len(a_days) == len(b_days) == 1 and a_days == b_days:
        return Order.SAME
    return Order.UNDETERMINED


def endpoint_before(a: PartialDate, b: PartialDate) -> Truth:
    a_days, b_days = days_of(a), days_of(b)
    if max(a_days) < min(b_days):
        return Truth.TRUE
    if min(a_days) >= max(b_days):
        return Truth.FALSE
    return Truth.UNDETERMINED


def reference_whole_months(start: dt.date, stop: dt.date) -> int:
    """The largest n whose n-months-later (same day number, as a tuple) is not after ``stop``.

    Counted by stepping, truncated towards zero for a stop before the start.
    """
    if stop < start:
        return -reference_whole_months(stop, start)
    n = 0
    while True:
        ordinal = start.year * 12 + (start.month - 1) + n + 1
        year, month = divmod(ordinal, 12)
        if (year, month + 1, start.day) <= (stop.year, stop.month, stop.day):
            n += 1
        else:
            return n


@st.composite
def refinements(draw: st.DrawFn, date: PartialDate) -> PartialDate:
    """``date`` itself or a more precise date inside it."""
    if date.precision is Precision.DAY or draw(st.booleans()):
        return date
    month = date.month if date.month is not None else draw(st.integers(1, 12))
    if date.month is None and draw(st.booleans()):
        return PartialDate(date.year, month)
    return PartialDate(date.year, month, draw(st.integers(1, calendar.monthrange(date.year, month)[1])))


SMALL = partial_dates(min_year=2006, max_year=2008, precisions=(Precision.MONTH, Precision.DAY))
NEAR = partial_dates(min_year=2005, max_year=2009)
D = PartialDate.parse


# -- building -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2007", PartialDate(2007)),
        ("2007-03", PartialDate(2007, 3)),
        ("2007-03-14", PartialDate(2007, 3, 14)),
        ("1900-01-01", PartialDate(1900, 1, 1)),
        ("2100-12-31", PartialDate(2100, 12, 31)),
        ("2008-02-29", PartialDate(2008, 2, 29)),
    ],
)
def test_parse_reads_each_precision(text: str, expected: PartialDate) -> None:
    assert expected == PartialDate.parse(text)


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (PartialDate(2007), Precision.YEAR),
        (PartialDate(2007, 3), Precision.MONTH),
        (PartialDate(2007, 3, 14), Precision.DAY),
    ],
)
def test_precision(date: PartialDate, expected: Precision) -> None:
    assert expected is date.precision


@pytest.mark.parametrize("day", [dt.date(2007, 3, 14), pendulum.date(2007, 3, 14)])
def test_from_date_accepts_standard_and_pendulum_dates(day: dt.date) -> None:
    assert PartialDate(2007, 3, 14) == PartialDate.from_date(day)


@pytest.mark.parametrize(
    "value",
    [PartialDate(2007, 3), "2007-03"],
)
def test_coerce_accepts_partial_dates_and_text(value: PartialDate | str) -> None:
    assert PartialDate(2007, 3) == PartialDate.coerce(value)


def test_coerce_accepts_a_date() -> None:
    assert PartialDate(2007, 3, 14) == PartialDate.coerce(dt.date(2007, 3, 14))


def test_equality_is_structural() -> None:
    assert PartialDate(2007) != PartialDate(2007, 1)


def test_there_is_no_less_than() -> None:
    with pytest.raises(TypeError):
        _ = PartialDate(2007) < PartialDate(2008)  # type: ignore[operator]  # deliberately absent


# -- refusing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("2007-13", "'2007-13'"),
        ("2007-00", "'2007-00'"),
        ("2007-02-30", "'2007-02-30'"),
        ("2007-02-29", "'2007-02-29'"),
        ("07", "'07'"),
        ("20007", "'20007'"),
        ("", "''"),
        ("2007-3", "'2007-3'"),
        ("2007/03", "'2007/03'"),
        ("1899", "1899"),
        ("2101", "2101"),
        ("\uff12\uff10\uff10\uff17", "'\uff12\uff10\uff10\uff17'"),  # fullwidth digits are not a year
    ],
)
def test_parse_refuses_naming_the_text(text: str, named: str) -> None:
    with pytest.raises(InvalidDateError, match=re.escape(named)):
        PartialDate.parse(text)


def test_parse_refuses_none_naming_it() -> None:
    with pytest.raises(InvalidDateError, match="None"):
        PartialDate.parse(None)  # type: ignore[arg-type]  # the point of the test


@pytest.mark.parametrize(
    ("year", "month", "day", "named"),
    [
        (1899, None, None, "1899"),
        (2101, None, None, "2101"),
        (2007, 13, None, "13"),
        (2007, 2, 30, "30"),
        (2007, None, 14, "2007-??-14"),
        (True, None, None, "True"),
        (2007, True, None, "True"),
        (2007, 3, False, "False"),
        (2007.0, None, None, "2007.0"),
    ],
)
def test_constructor_refuses_naming_the_value(year: object, month: object, day: object, named: str) -> None:
    with pytest.raises(InvalidDateError, match=re.escape(named)):
        PartialDate(year, month, day)  # type: ignore[arg-type]  # wrong types are part of the table


@pytest.mark.parametrize(
    "moment",
    [dt.datetime(2007, 3, 14, 9, 30), pendulum.datetime(2007, 3, 14, 9, 30)],
)
def test_from_date_refuses_a_datetime_naming_it(moment: dt.datetime) -> None:
    with pytest.raises(InvalidDateError, match=r"2007, 3, 14, 9, 30"):
        PartialDate.from_date(moment)


@pytest.mark.parametrize(
    ("value", "named"), [(None, "None"), (2007, "2007"), (True, "True"), (2007.5, "2007.5")]
)
def test_coerce_refuses_other_types_naming_the_value(value: object, named: str) -> None:
    with pytest.raises(InvalidDateError, match=re.escape(named)):
        PartialDate.coerce(value)  # type: ignore[arg-type]  # the point of the test


def test_invalid_date_error_is_a_value_error_and_a_library_error() -> None:
    with pytest.raises(InvalidDateError) as info:
        PartialDate.parse("2007-13")
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, DmtTimelineError)


# -- what a partial date means --------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "earliest", "latest"),
    [
        (PartialDate(2007), pendulum.date(2007, 1, 1), pendulum.date(2007, 12, 31)),
        (PartialDate(2007, 2), pendulum.date(2007, 2, 1), pendulum.date(2007, 2, 28)),
        (PartialDate(2008, 2), pendulum.date(2008, 2, 1), pendulum.date(2008, 2, 29)),
        (PartialDate(2007, 4), pendulum.date(2007, 4, 1), pendulum.date(2007, 4, 30)),
        (PartialDate(2007, 3, 14), pendulum.date(2007, 3, 14), pendulum.date(2007, 3, 14)),
    ],
)
def test_earliest_and_latest(date: PartialDate, earliest: pendulum.Date, latest: pendulum.Date) -> None:
    assert (earliest, latest) == (date.earliest, date.latest)


def test_earliest_and_latest_are_pendulum_dates() -> None:
    date = PartialDate(2007)
    assert (pendulum.Date, pendulum.Date) == (type(date.earliest), type(date.latest))


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (PartialDate(2007), (PartialDate(2007, 1), PartialDate(2007, 12))),
        (PartialDate(2007, 3), (PartialDate(2007, 3), PartialDate(2007, 3))),
        (PartialDate(2007, 3, 14), (PartialDate(2007, 3), PartialDate(2007, 3))),
    ],
)
def test_month_range(date: PartialDate, expected: tuple[PartialDate, PartialDate]) -> None:
    assert expected == date.month_range


@given(partial_dates())
def test_earliest_and_latest_bound_every_day(date: PartialDate) -> None:
    all_days = days_of(date)
    assert (min(all_days), max(all_days)) == (date.earliest, date.latest)


@given(partial_dates(), st.data())
def test_a_partial_date_contains_its_days(date: PartialDate, data: st.DataObject) -> None:
    day = data.draw(st.sampled_from(days_of(date)))
    assert day in date


@pytest.mark.parametrize(
    ("coarse", "fine", "expected"),
    [
        (PartialDate(2007), PartialDate(2007, 3, 14), True),
        (PartialDate(2007, 3), PartialDate(2007, 3, 14), True),
        (PartialDate(2007, 3), PartialDate(2007), False),
        (PartialDate(2007), PartialDate(2008, 1), False),
    ],
)
def test_covers(coarse: PartialDate, fine: PartialDate, expected: bool) -> None:
    assert expected == coarse.covers(fine)


def test_sort_key_orders_by_first_day_then_last_day_then_coarser_first() -> None:
    dates = [PartialDate(2007, 3), PartialDate(2007), PartialDate(2007, 1), PartialDate(2007, 1, 1)]
    expected = [PartialDate(2007, 1, 1), PartialDate(2007, 1), PartialDate(2007), PartialDate(2007, 3)]
    assert expected == sorted(dates, key=lambda d: d.sort_key)


@pytest.mark.parametrize("text", ["2007", "2007-03", "2007-03-14", "1900-01-01"])
def test_str_is_the_text_it_was_parsed_from(text: str) -> None:
    assert text == str(PartialDate.parse(text))


@given(partial_dates())
def test_str_round_trips(date: PartialDate) -> None:
    assert date == PartialDate.parse(str(date))


# -- Truth ----------------------------------------------------------------------------------

T, F, U = Truth.TRUE, Truth.FALSE, Truth.UNDETERMINED


@pytest.mark.parametrize("truth", list(Truth))
def test_truth_refuses_bool_naming_itself(truth: Truth) -> None:
    with pytest.raises(TypeError, match=truth.name):
        bool(truth)


@pytest.mark.parametrize(
    ("truth", "certain", "possible"), [(T, True, True), (U, False, True), (F, False, False)]
)
def test_certain_and_possible(truth: Truth, certain: bool, possible: bool) -> None:
    assert (certain, possible) == (truth.certain, truth.possible)


@pytest.mark.parametrize(("truth", "expected"), [(T, F), (F, T), (U, U)])
def test_not(truth: Truth, expected: Truth) -> None:
    assert expected is ~truth


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(T, T, T), (T, U, U), (T, F, F), (U, T, U), (U, U, U), (U, F, F), (F, T, F), (F, U, F), (F, F, F)],
)
def test_and(a: Truth, b: Truth, expected: Truth) -> None:
    assert expected is (a & b)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(T, T, T), (T, U, T), (T, F, T), (U, T, T), (U, U, U), (U, F, U), (F, T, T), (F, U, U), (F, F, F)],
)
def test_or(a: Truth, b: Truth, expected: Truth) -> None:
    assert expected is (a | b)


@pytest.mark.parametrize(
    ("always", "never", "expected"), [(True, False, T), (False, True, F), (False, False, U)]
)
def test_from_bounds(always: bool, never: bool, expected: Truth) -> None:
    assert expected is Truth.from_bounds(always=always, never=never)


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (Order.BEFORE, Order.AFTER),
        (Order.AFTER, Order.BEFORE),
        (Order.SAME, Order.SAME),
        (Order.UNDETERMINED, Order.UNDETERMINED),
    ],
)
def test_order_converse(order: Order, expected: Order) -> None:
    assert expected is order.converse


# -- three-valued chronology ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2007", "2008", Order.BEFORE),
        ("2008", "2007", Order.AFTER),
        ("2007-03-14", "2007-03-14", Order.SAME),
        ("2007", "2007", Order.UNDETERMINED),
        ("2007", "2007-03", Order.UNDETERMINED),
        ("2007-03-31", "2007-04", Order.BEFORE),
        ("2007-12", "2007", Order.UNDETERMINED),
        ("2007-03", "2007-03-31", Order.UNDETERMINED),
    ],
)
def test_compare_examples(a: str, b: str, expected: Order) -> None:
    assert expected is D(a).compare(D(b))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2007", "2008", T),
        ("2007-12-31", "2008", T),
        ("2008", "2007", F),
        ("2007-03-14", "2007-03-14", F),
        ("2007-03", "2007-03-01", F),
        ("2007", "2007", U),
        ("2007-03-01", "2007-03", U),
    ],
)
def test_is_before_examples(a: str, b: str, expected: Truth) -> None:
    assert expected is D(a).is_before(D(b))


@settings(max_examples=60, deadline=None)
@given(SMALL, SMALL)
def test_compare_agrees_with_every_pair_of_days(a: PartialDate, b: PartialDate) -> None:
    assert brute_order(a, b) is a.compare(b)


@settings(max_examples=60, deadline=None)
@given(SMALL, SMALL)
def test_is_before_agrees_with_every_pair_of_days(a: PartialDate, b: PartialDate) -> None:
    assert brute_before(a, b) is a.is_before(b)


@given(NEAR, NEAR)
def test_compare_agrees_with_the_extreme_days(a: PartialDate, b: PartialDate) -> None:
    assert endpoint_order(a, b) is a.compare(b)


@given(NEAR, NEAR)
def test_is_before_agrees_with_the_extreme_days(a: PartialDate, b: PartialDate) -> None:
    assert endpoint_before(a, b) is a.is_before(b)


@given(NEAR, NEAR)
def test_is_after_agrees_with_the_extreme_days(a: PartialDate, b: PartialDate) -> None:
    assert endpoint_before(b, a) is a.is_after(b)


@given(NEAR, NEAR)
def test_compare_converses_agree(a: PartialDate, b: PartialDate) -> None:
    assert a.compare(b) is b.compare(a).converse


@given(NEAR, NEAR)
def test_before_and_after_converses_agree(a: PartialDate, b: PartialDate) -> None:
    assert a.is_before(b) is b.is_after(a)


@given(NEAR, NEAR, st.data())
def test_refining_never_flips_a_certain_order(a: PartialDate, b: PartialDate, data: st.DataObject) -> None:
    coarse = a.compare(b)
    fine = data.draw(refinements(a)).compare(data.draw(refinements(b)))
    assert fine is coarse or coarse is Order.UNDETERMINED


@given(NEAR, NEAR, st.data())
def test_refining_never_flips_a_certain_is_before(
    a: PartialDate, b: PartialDate, data: st.DataObject
) -> None:
    coarse = a.is_before(b)
    fine = data.draw(refinements(a)).is_before(data.draw(refinements(b)))
    assert fine is coarse or coarse is Truth.UNDETERMINED


@given(NEAR, st.data())
def test_a_refinement_is_covered_by_the_coarse_date(date: PartialDate, data: st.DataObject) -> None:
    assert date.covers(data.draw(refinements(date)))


# -- whole months ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "stop", "expected"),
    [
        (dt.date(2015, 3, 27), dt.date(2015, 9, 26), 5),
        (dt.date(2015, 3, 27), dt.date(2015, 9, 27), 6),
        (dt.date(2015, 1, 31), dt.date(2015, 2, 28), 0),
        (dt.date(2016, 1, 31), dt.date(2016, 2, 29), 0),
        (dt.date(2015, 1, 31), dt.date(2015, 3, 1), 1),
        (dt.date(2015, 3, 14), dt.date(2015, 3, 14), 0),
        (dt.date(2007, 1, 1), dt.date(2007, 12, 31), 11),
        (dt.date(2007, 1, 1), dt.date(2008, 1, 1), 12),
        (dt.date(2015, 9, 26), dt.date(2015, 3, 27), -5),
        (dt.date(2015, 9, 27), dt.date(2015, 3, 27), -6),
    ],
)
def test_whole_months_examples(start: dt.date, stop: dt.date, expected: int) -> None:
    assert expected == whole_months(start, stop)


def test_whole_months_accepts_pendulum_dates() -> None:
    assert 5 == whole_months(pendulum.date(2015, 3, 27), pendulum.date(2015, 9, 26))


WIDE = days(dt.date(1990, 1, 1), dt.date(2030, 12, 31))


@given(WIDE, WIDE)
def test_whole_months_is_antisymmetric(a: dt.date, b: dt.date) -> None:
    assert whole_months(a, b) == -whole_months(b, a)


@given(WIDE, WIDE)
def test_whole_months_agrees_with_the_reference_definition(start: dt.date, stop: dt.date) -> None:
    assert reference_whole_months(start, stop) == whole_months(start, stop)


@given(WIDE.filter(lambda d: d.day <= 28), WIDE)
def test_whole_months_agrees_with_dateutil_when_the_start_day_exists_in_every_month(
    start: dt.date, stop: dt.date
) -> None:
    delta = relativedelta(stop, start)
    assert delta.years * 12 + delta.months == whole_months(start, stop)


@given(WIDE, WIDE, WIDE)
def test_whole_months_never_decreases_as_the_stop_moves_later(start: dt.date, a: dt.date, b: dt.date) -> None:
    early, late = sorted((a, b))
    assert whole_months(start, early) <= whole_months(start, late)


@given(WIDE, WIDE, WIDE)
def test_whole_months_never_increases_as_the_start_moves_later(stop: dt.date, a: dt.date, b: dt.date) -> None:
    early, late = sorted((a, b))
    assert whole_months(early, stop) >= whole_months(late, stop)


# -- months between partial dates -------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "stop", "expected"),
    [
        ("2007", "2008", MonthRange(0, 23)),
        ("2007", "2007", MonthRange(-11, 11)),
        ("2007-03", "2007-09", MonthRange(5, 6)),
        ("2015-03-27", "2015-09-26", MonthRange(5, 5)),
        ("2008", "2007", MonthRange(-23, 0)),
    ],
)
def test_months_between_examples(start: str, stop: str, expected: MonthRange) -> None:
    assert expected == months_between(D(start), D(stop))


def test_months_until_is_months_between() -> None:
    assert months_between(D("2007"), D("2008-06")) == D("2007").months_until(D("2008-06"))


@given(NEAR, NEAR, st.data())
def test_months_between_contains_every_reading(a: PartialDate, b: PartialDate, data: st.DataObject) -> None:
    x = data.draw(st.sampled_from(days_of(a)))
    y = data.draw(st.sampled_from(days_of(b)))
    assert whole_months(x, y) in months_between(a, b)


@given(NEAR, NEAR)
def test_months_between_bounds_are_attained_by_readings(a: PartialDate, b: PartialDate) -> None:
    # The extreme readings are the last day of a with the first of b, and the reverse.
    a_days, b_days = days_of(a), days_of(b)
    attained = (whole_months(max(a_days), min(b_days)), whole_months(min(a_days), max(b_days)))
    found = months_between(a, b)
    assert attained == (found.low, found.high)


@settings(max_examples=40, deadline=None)
@given(SMALL, SMALL)
def test_months_between_is_the_range_over_every_pair_of_days(a: PartialDate, b: PartialDate) -> None:
    counts = [whole_months(x, y) for x in days_of(a) for y in days_of(b)]
    assert MonthRange(min(counts), max(counts)) == months_between(a, b)


@given(NEAR, NEAR, st.data())
def test_refining_narrows_the_month_range(a: PartialDate, b: PartialDate, data: st.DataObject) -> None:
    fine = months_between(data.draw(refinements(a)), data.draw(refinements(b)))
    assert months_between(a, b).contains_range(fine)


# -- MonthRange -------------------------------------------------------------------------------


def test_month_range_refuses_low_above_high_naming_both() -> None:
    with pytest.raises(InvalidDateError, match=re.escape("5..3")):
        MonthRange(5, 3)


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        (MonthRange(3, 3), "3 months"),
        (MonthRange(0, 23), "0..23 months"),
        (MonthRange(-2, 1), "-2..1 months"),
    ],
)
def test_month_range_str(months: MonthRange, expected: str) -> None:
    assert expected == str(months)


def test_exact_holds_one_value() -> None:
    assert MonthRange(4, 4) == MonthRange.exact(4)


@pytest.mark.parametrize(("months", "expected"), [(MonthRange(4, 4), True), (MonthRange(4, 5), False)])
def test_is_exact(months: MonthRange, expected: bool) -> None:
    assert expected == months.is_exact


@pytest.mark.parametrize(
    ("value", "expected"), [(0, True), (2, True), (3, False), (-1, False), (1.0, False), (True, False)]
)
def test_contains_only_whole_months_inside(value: object, expected: bool) -> None:
    assert expected == (value in MonthRange(0, 2))


@pytest.mark.parametrize(
    ("inner", "expected"), [(MonthRange(1, 2), True), (MonthRange(0, 3), True), (MonthRange(2, 4), False)]
)
def test_contains_range(inner: MonthRange, expected: bool) -> None:
    assert expected == MonthRange(0, 3).contains_range(inner)


def test_subtracting_ranges_gives_every_difference() -> None:
    assert MonthRange(-1, 6) == MonthRange(3, 8) - MonthRange(2, 4)


@given(st.integers(-2000, 2000), st.integers(0, 2000))
def test_shared_month_ranges_are_month_ranges(low: int, width: int) -> None:
    # Derived gaps and latencies share their MonthRange values; sharing must not change one.
    shared = _month_range(low, low + width)
    assert MonthRange(low, low + width) == shared
    assert (low, low + width) == (shared.low, shared.high)


def test_shared_month_ranges_refuse_what_month_range_refuses() -> None:
    with pytest.raises(InvalidDateError, match="low is above high"):
        _month_range(3, 2)
