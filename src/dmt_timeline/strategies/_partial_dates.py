"""Strategies for partial dates, their refinements and month ranges, and the date bounds the
other strategies share."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Collection
from typing import Final

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from dmt_timeline.dates import MAX_YEAR, MIN_YEAR, MonthRange, PartialDate, Precision

_EARLIEST: Final = dt.date(MIN_YEAR, 1, 1)
_LATEST: Final = dt.date(MAX_YEAR, 12, 31)
_PRECISIONS: Final = (Precision.YEAR, Precision.MONTH, Precision.DAY)  # simplest first


def _unit(precision: Precision, day: dt.date) -> int:
    """The index of the year, month or day that contains ``day``."""
    if precision is Precision.YEAR:
        return day.year
    if precision is Precision.MONTH:
        return day.year * 12 + day.month - 1
    return day.toordinal()


def _date_of(precision: Precision, unit: int) -> PartialDate:
    if precision is Precision.YEAR:
        return PartialDate(unit)
    if precision is Precision.MONTH:
        return PartialDate(unit // 12, unit % 12 + 1)
    return PartialDate.from_date(dt.date.fromordinal(unit))


def _unit_range(
    precision: Precision,
    lo: dt.date,
    hi: dt.date,
    *,
    ends_from: dt.date | None = None,
    starts_until: dt.date | None = None,
) -> tuple[int, int] | None:
    """The units of ``precision`` that lie wholly in ``lo..hi``, whose last day is not before
    ``ends_from`` and whose first day is not after ``starts_until``; None when there are none."""
    first, last = _unit(precision, lo), _unit(precision, hi)
    if _date_of(precision, first).first_day < lo:
        first += 1
    if _date_of(precision, last).last_day > hi:
        last -= 1
    if ends_from is not None:
        first = max(first, _unit(precision, ends_from))
    if starts_until is not None:
        last = min(last, _unit(precision, starts_until))
    return (first, last) if first <= last else None


def _builder(precision: Precision) -> Callable[[int], PartialDate]:
    def build(unit: int) -> PartialDate:
        return _date_of(precision, unit)

    return build


@functools.lru_cache(maxsize=4096)  # built per draw; a new strategy costs a validation each time
def _dates(
    lo: dt.date,
    hi: dt.date,
    precisions: tuple[Precision, ...],
    *,
    ends_from: dt.date | None = None,
    starts_until: dt.date | None = None,
) -> st.SearchStrategy[PartialDate] | None:
    """Partial dates as :func:`_unit_range` describes them, coarsest precision first."""
    branches: list[st.SearchStrategy[PartialDate]] = []
    for precision in precisions:
        found = _unit_range(precision, lo, hi, ends_from=ends_from, starts_until=starts_until)
        if found is not None:
            branches.append(st.integers(*found).map(_builder(precision)))
    return st.one_of(branches) if branches else None


def _day_bound(value: object, name: str, *, latest: bool) -> dt.date:
    if isinstance(value, PartialDate):
        day = value.last_day if latest else value.first_day
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    else:
        raise InvalidArgument(f"{name}={value!r} must be a PartialDate or a date")
    if not _EARLIEST <= day <= _LATEST:
        raise InvalidArgument(f"{name}={value!r} is outside the years {MIN_YEAR}..{MAX_YEAR}")
    return day


def _day_range(min_value: object, max_value: object) -> tuple[dt.date, dt.date]:
    lo = _EARLIEST if min_value is None else _day_bound(min_value, "min_value", latest=False)
    hi = _LATEST if max_value is None else _day_bound(max_value, "max_value", latest=True)
    if lo > hi:
        raise InvalidArgument(f"min_value={min_value} is after max_value={max_value}")
    return lo, hi


def _precisions(precisions: Collection[Precision] | None) -> tuple[Precision, ...]:
    if precisions is None:
        return _PRECISIONS
    chosen = set(precisions)
    if not chosen:
        raise InvalidArgument("precisions=() is empty: give at least one Precision")
    for item in chosen:
        if not isinstance(item, Precision):
            raise InvalidArgument(f"precisions contains {item!r}, which is not a Precision")
    return tuple(p for p in _PRECISIONS if p in chosen)


def _checked_dates(
    lo: dt.date, hi: dt.date, precisions: tuple[Precision, ...]
) -> st.SearchStrategy[PartialDate]:
    found = _dates(lo, hi, precisions)
    if found is None:
        names = ", ".join(p.value for p in precisions)
        raise InvalidArgument(f"no partial date of precision {names} lies wholly within {lo}..{hi}")
    return found


def partial_dates(
    *,
    min_value: PartialDate | dt.date | None = None,
    max_value: PartialDate | dt.date | None = None,
    precisions: Collection[Precision] | None = None,
) -> st.SearchStrategy[PartialDate]:
    """Partial dates whose every reading lies between ``min_value`` and ``max_value``.

    A generated date ``d`` satisfies ``d.first_day >= min_value`` and ``d.last_day <= max_value``
    (a partial-date bound counts from its first day, or up to its last day). Dates shrink
    towards the coarsest allowed precision and the earliest day.

    Args:
        min_value: The earliest day any reading may mean; default 1 January of ``MIN_YEAR``.
        max_value: The latest day any reading may mean; default 31 December of ``MAX_YEAR``.
        precisions: The precisions to generate; default all three.

    Raises:
        InvalidArgument: when the bounds are not dates, are outside the supported years,
            are out of order, or leave no whole year, month or day of the allowed precisions.

    Example::

        @given(partial_dates(min_value=PartialDate(2000), precisions=[Precision.YEAR]))
        def test_years(date):
            assert date.precision is Precision.YEAR and date.year >= 2000
    """
    lo, hi = _day_range(min_value, max_value)
    return _checked_dates(lo, hi, _precisions(precisions))


def refinements(date: PartialDate, *, strict: bool = False) -> st.SearchStrategy[PartialDate]:
    """Partial dates that refine ``date``: each of its readings is one of ``date``'s readings.

    A year refines to itself, one of its months or one of its days; a month to itself or one
    of its days; a day only to itself. The strategy shrinks towards ``date`` itself.

    Args:
        date: The date to refine.
        strict: Leave ``date`` itself out (only strictly more precise dates).

    Raises:
        InvalidArgument: when ``date`` is not a PartialDate, or ``strict`` is asked of a day.

    Example::

        @given(refinements(PartialDate(2007)))
        def test_refines(refined):
            assert PartialDate(2007).covers(refined)
    """
    if not isinstance(date, PartialDate):
        raise InvalidArgument(f"date={date!r} must be a PartialDate")
    coarsest = _PRECISIONS.index(date.precision) + (1 if strict else 0)
    if coarsest >= len(_PRECISIONS):
        raise InvalidArgument(f"date={date} is day-precise: nothing refines it strictly")
    return _checked_dates(date.first_day, date.last_day, _PRECISIONS[coarsest:])


def month_ranges(
    *, min_value: int | None = None, max_value: int | None = None
) -> st.SearchStrategy[MonthRange]:
    """Month ranges ``low..high`` with both ends between ``min_value`` and ``max_value``.

    Example::

        @given(month_ranges(min_value=0))
        def test_non_negative(months):
            assert 0 <= months.low <= months.high
    """
    for name, value in (("min_value", min_value), ("max_value", max_value)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise InvalidArgument(f"{name}={value!r} must be an integer or None")
    if min_value is not None and max_value is not None and min_value > max_value:
        raise InvalidArgument(f"min_value={min_value} is above max_value={max_value}")

    @st.composite
    def build(draw: st.DrawFn) -> MonthRange:
        low = draw(st.integers(min_value, max_value))
        return MonthRange(low, draw(st.integers(low, max_value)))

    return build()
