"""Partial dates (year, month or day precision), three-valued comparison and month ranges.

A partial date is the set of days it could mean. Every comparison between two of them is
therefore answered for all readings at once: certainly before, certainly after, or
undetermined. Months are counted in one way everywhere, by :func:`whole_months`.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import math
import re
from calendar import isleap
from typing import Final

import attrs
import pendulum

from dmt_timeline.errors import InvalidDateError, InvalidValueError, describe_value, quoted

__all__ = [
    "DATE_FORMS",
    "MAX_DATE_TEXT",
    "MAX_YEAR",
    "MIN_YEAR",
    "MonthRange",
    "Order",
    "PartialDate",
    "Precision",
    "Truth",
    "data_cut",
    "months_between",
    "whole_months",
]

MIN_YEAR: Final = 1900
MAX_YEAR: Final = 2100

# ASCII only: \d would also read other scripts' digits (fullwidth, Arabic-Indic) as a year.
_ISO = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", re.ASCII)


class Precision(enum.Enum):
    """How much of a date is known."""

    YEAR = "year"
    MONTH = "month"
    DAY = "day"


class Truth(enum.Enum):
    """A three-valued (Kleene) answer: certainly true, certainly false, or undetermined.

    It refuses to be used as a ``bool`` so that ``if a.is_before(b):`` cannot silently treat
    *undetermined* as an answer; say which you mean with :attr:`certain` or :attr:`possible`.
    """

    TRUE = "true"
    FALSE = "false"
    UNDETERMINED = "undetermined"

    @property
    def certain(self) -> bool:
        """True only when the answer holds on every reading."""
        return self is Truth.TRUE

    @property
    def possible(self) -> bool:
        """True when the answer holds on at least one reading."""
        return self is not Truth.FALSE

    def __invert__(self) -> Truth:
        return _NOT[self]

    def __and__(self, other: Truth) -> Truth:
        if Truth.FALSE in (self, other):
            return Truth.FALSE
        if self is Truth.TRUE and other is Truth.TRUE:
            return Truth.TRUE
        return Truth.UNDETERMINED

    def __or__(self, other: Truth) -> Truth:
        return ~(~self & ~other)

    def __bool__(self) -> bool:
        raise TypeError(f"Truth.{self.name} is three-valued; use .certain or .possible to choose a reading")

    @classmethod
    def from_bounds(cls, *, always: bool, never: bool) -> Truth:
        """The answer for a statement that holds on all readings (``always``) or none (``never``)."""
        if always:
            return cls.TRUE
        if never:
            return cls.FALSE
        return cls.UNDETERMINED


_NOT: Final = {
    Truth.TRUE: Truth.FALSE,
    Truth.FALSE: Truth.TRUE,
    Truth.UNDETERMINED: Truth.UNDETERMINED,
}


class Order(enum.Enum):
    """How two partial dates lie on every reading of both."""

    BEFORE = "before"
    SAME = "same"
    AFTER = "after"
    UNDETERMINED = "undetermined"

    @property
    def converse(self) -> Order:
        """The order seen from the other date."""
        if self is Order.BEFORE:
            return Order.AFTER
        if self is Order.AFTER:
            return Order.BEFORE
        return self


def whole_months(start: dt.date, stop: dt.date) -> int:
    """Whole (completed) calendar months from ``start`` to ``stop``; negative when ``stop`` is earlier.

    This is the library's single definition of a month count: the difference of month
    ordinals (``year * 12 + month``), less one when the day of the month has not yet come
    round again. 2015-03-27 to 2015-09-26 is 5 months; to 2015-09-27 it is 6. The count is
    truncated towards zero, so it is antisymmetric: ``whole_months(a, b) == -whole_months(b, a)``.
    """
    return _whole_months(_code(start), _code(stop))


@attrs.frozen
class MonthRange:
    """An inclusive integer range of months, ``low <= high``: what every reading of the dates allows."""

    low: int
    high: int

    def __attrs_post_init__(self) -> None:
        if self.low > self.high:
            raise InvalidDateError(f"month range {self.low}..{self.high}: low is above high")

    @classmethod
    def exact(cls, months: int) -> MonthRange:
        """A range holding one value (a latency stated in whole months)."""
        return cls(months, months)

    @property
    def is_exact(self) -> bool:
        """True when the data decide the number of months."""
        return self.low == self.high

    def __contains__(self, months: object) -> bool:
        return isinstance(months, int) and not isinstance(months, bool) and self.low <= months <= self.high

    def contains_range(self, other: MonthRange) -> bool:
        """True when ``other`` lies wholly inside this range."""
        return self.low <= other.low and other.high <= self.high

    def __sub__(self, other: MonthRange) -> MonthRange:
        """The range of ``x - y`` for ``x`` in this range and ``y`` in ``other``."""
        return MonthRange(self.low - other.high, self.high - other.low)

    def __str__(self) -> str:
        if self.is_exact:
            return f"{self.low} month" if abs(self.low) == 1 else f"{self.low} months"
        return f"{self.low}..{self.high} months"


# Month ranges shared by value (they are immutable): derived ranges such as gaps and latencies
# repeat a few thousand values across a cohort, and sharing one is cheaper than building it.
# Bounded, so that no cohort can grow it without limit.
_month_range: Final = functools.lru_cache(maxsize=1 << 16)(MonthRange)


_MONTH_DAYS: Final = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    # calendar.monthrange also computes the weekday; this is a hot path of bulk loading.
    return 29 if month == 2 and isleap(year) else _MONTH_DAYS[month]


def _check_year(year: int, text: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidDateError(
            f"partial date {describe_value(text)}: year {year} is outside {MIN_YEAR}..{MAX_YEAR}"
        )


@attrs.frozen(order=False)
class PartialDate:
    """A date known to the year, the month or the day.

    Build one with ``PartialDate(2007)``, ``PartialDate(2007, 3)``, ``PartialDate(2007, 3, 14)``,
    :meth:`parse` (``"2007"``, ``"2007-03"``, ``"2007-03-14"``), :meth:`from_date` or
    :meth:`coerce`. Equality is structural: ``2007`` and ``2007-01`` are different partial dates.

    There is deliberately no ``<``: chronology between partial dates is three-valued, see
    :meth:`compare`, :meth:`is_before` and :meth:`is_after`. For sorting, use :attr:`sort_key`,
    a documented total order that is not a claim about chronology.
    """

    year: int
    month: int | None = None
    day: int | None = None
    # Derived from the three fields above once, at construction (the class is frozen): the
    # first and last day as day codes (see _code), so that comparing dates builds no date.
    # Left out of equality, hashing and repr: a partial date stays what its fields say.
    _lo: int = attrs.field(init=False, eq=False, repr=False)
    _hi: int = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # The text is only built for an error message: bulk loading builds millions of dates.
        for name, value in (("year", self.year), ("month", self.month), ("day", self.day)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise InvalidDateError(f"partial date {self._text()!r}: {name} {value!r} is not an integer")
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            _check_year(self.year, self._text())
        year, month, day = self.year, self.month, self.day
        if month is None:
            if day is not None:
                raise InvalidDateError(f"partial date {self._text()!r}: a day needs a month")
            _put(self, "_lo", (year * 12 + 1) << 5 | 1)
            _put(self, "_hi", (year * 12 + 12) << 5 | 31)
            return
        if not 1 <= month <= 12:
            raise InvalidDateError(f"partial date {self._text()!r}: month {month} is not in 1..12")
        last = _days_in_month(year, month)
        months = (year * 12 + month) << 5
        if day is None:
            _put(self, "_lo", months | 1)
            _put(self, "_hi", months | last)
            return
        if not 1 <= day <= last:
            raise InvalidDateError(
                f"partial date {self._text()!r}: day {day} is not in 1..{last} for {year:04d}-{month:02d}"
            )
        _put(self, "_lo", months | day)
        _put(self, "_hi", months | day)

    def _text(self) -> str:
        parts = [f"{self.year:04d}" if isinstance(self.year, int) else repr(self.year)]
        if self.month is not None:
            parts.append(f"{self.month:02d}" if isinstance(self.month, int) else repr(self.month))
        elif self.day is not None:
            parts.append("??")
        if self.day is not None:
            parts.append(f"{self.day:02d}" if isinstance(self.day, int) else repr(self.day))
        return "-".join(parts)

    # -- other ways in -------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; anything else raises :class:`InvalidDateError`."""
        if not isinstance(text, str):
            raise InvalidDateError(f"partial date {describe_value(text)}: expected text such as '2007-03'")
        match = _ISO.fullmatch(text.strip())
        if match is None:
            raise InvalidDateError(
                f"partial date {describe_value(text)}: expected YYYY, YYYY-MM or YYYY-MM-DD"
            )
        year, month, day = (int(g) if g is not None else None for g in match.groups())
        assert year is not None  # the pattern requires it
        return cls(year, month, day)

    @classmethod
    def from_date(cls, date: dt.date) -> PartialDate:
        """A day-precise partial date from a ``datetime.date`` or ``pendulum.Date``."""
        if isinstance(date, dt.datetime):
            raise InvalidDateError(f"partial date {date!r}: expected a date, not a datetime")
        return cls(date.year, date.month, date.day)

    @classmethod
    def coerce(cls, value: PartialDate | dt.date | str) -> PartialDate:
        """Accept a partial date, a date, or text; refuse anything else with :class:`InvalidDateError`."""
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, dt.date):
            return cls.from_date(value)
        if isinstance(value, str):
            return cls.parse(value)
        raise InvalidDateError(
            f"partial date {describe_value(value)}: expected a PartialDate, a date or text such as '2007-03'"
        )

    @classmethod
    def read(
        cls,
        value: PartialDate | dt.date | str | int | float,
        *,
        day_first: bool | None = None,
        excel_serial: bool = False,
    ) -> PartialDate:
        """Read a date as real tables write it, at the precision it was written.

        Besides ISO ``YYYY``, ``YYYY-MM`` and ``YYYY-MM-DD``, it reads the forms listed in
        :data:`DATE_FORMS`: ``YYYY-M``, ``YYYY/MM``, ``MM/YYYY`` and ``M/YYYY``; month names and
        their abbreviations in English, in any case (``Mar 2007``, ``march 2007``, ``2007 Mar``,
        ``14 Mar 2007``); date-times (``2015-03-11T12:43:21-04:00``, ``2015-03-11 12:43``) as
        the day written, whatever the offset; and ``datetime``/``date`` objects (Excel date
        cells) as their day. ``Mar 2007`` is month precision, ``2007`` year precision.

        A whole date written with numbers only (``12/05/2012``, ``12.05.2012``, ``12-05-2012``)
        is read only when ``day_first`` says the order: ``True`` for day/month/year, ``False``
        for month/day/year. Without it every such date is refused, even ``25/05/2012``, which
        only one order can read: a column whose order is guessed row by row can read its
        ambiguous rows the other way without a word.

        A number is a year (``2007`` or ``2007.0``, as a spreadsheet types a year column)
        unless ``excel_serial`` says the cell is an Excel serial day number (1900 date system,
        as ``openpyxl`` and ``python-calamine`` give an unformatted date cell): then ``39155``
        is 2007-03-14. Excel's 1900 system counts a 29 February 1900 that never was (serial 60):
        it is refused, and serials from 61 on are read one day earlier than their count.

        Args:
            value: The cell: text, a date or datetime, a partial date, or a number.
            day_first: The order of whole numeric dates; None (the default) refuses them.
            excel_serial: Read a number as an Excel serial day number.

        Raises:
            InvalidDateError: naming the value and listing the forms accepted.
        """
        return _read_date(value, day_first=day_first, excel_serial=excel_serial)

    # -- what it can mean ----------------------------------------------------------------

    @property
    def precision(self) -> Precision:
        """How much of the date is known."""
        if self.month is None:
            return Precision.YEAR
        if self.day is None:
            return Precision.MONTH
        return Precision.DAY

    @property
    def first_day(self) -> dt.date:
        """The earliest day the date can mean, as a standard-library date (cheap)."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def last_day(self) -> dt.date:
        """The latest day the date can mean, as a standard-library date (cheap)."""
        month = self.month or 12
        return dt.date(self.year, month, self.day or _days_in_month(self.year, month))

    @property
    def earliest(self) -> pendulum.Date:
        """The earliest day the date can mean."""
        first = self.first_day
        return pendulum.date(first.year, first.month, first.day)

    @property
    def latest(self) -> pendulum.Date:
        """The latest day the date can mean."""
        last = self.last_day
        return pendulum.date(last.year, last.month, last.day)

    @property
    def month_range(self) -> tuple[PartialDate, PartialDate]:
        """The first and last calendar month the date can fall in, as month-precise dates."""
        if self.month is not None:
            month = PartialDate(self.year, self.month)
            return month, month
        return PartialDate(self.year, 1), PartialDate(self.year, 12)

    @property
    def sort_key(self) -> tuple[int, int, int]:
        """A total order for sorting: earliest day, then latest day, then coarser first.

        Sorting by it is deterministic; it says nothing certain about chronology.
        """
        month = self.month
        if month is None:
            first = _ordinal(self.year, 1, 1)
            return first, first + 364 + isleap(self.year), 0
        first = _ordinal(self.year, month, self.day or 1)
        if self.day is None:
            return first, first + _days_in_month(self.year, month) - 1, 1
        return first, first, 2

    def covers(self, other: PartialDate) -> bool:
        """True when every day ``other`` can mean is a day this date can mean (``other`` refines it)."""
        return self._lo <= other._lo and other._hi <= self._hi

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.first_day <= day <= self.last_day

    # -- three-valued chronology ----------------------------------------------------------

    def compare(self, other: PartialDate) -> Order:
        """How this date lies against ``other`` on every reading of both."""
        if self._hi < other._lo:
            return Order.BEFORE
        if self._lo > other._hi:
            return Order.AFTER
        if self._lo == self._hi == other._lo == other._hi:
            return Order.SAME
        return Order.UNDETERMINED

    def is_before(self, other: PartialDate) -> Truth:
        """Is this date strictly before ``other``?"""
        return Truth.from_bounds(always=self._hi < other._lo, never=self._lo >= other._hi)

    def is_after(self, other: PartialDate) -> Truth:
        """Is this date strictly after ``other``?"""
        return other.is_before(self)

    def months_until(self, other: PartialDate) -> MonthRange:
        """Whole months from this date to ``other``, over every reading of both."""
        return months_between(self, other)

    def __str__(self) -> str:
        return self._text()


def data_cut(value: object, field: str = "as_of") -> dt.date | None:
    """``value`` checked as a data cut: None, or a calendar day.

    A ``datetime`` is refused as well as text: a cut is a day, and Python will not compare a
    ``datetime`` with a ``date``.

    Raises:
        InvalidValueError: naming the field and the value.
    """
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    raise InvalidValueError(
        f"{field}: must be a day as a datetime.date (such as datetime.date(2020, 12, 31)), "
        f"got {describe_value(value)}"
    )


def months_between(start: PartialDate, stop: PartialDate) -> MonthRange:
    """Whole months from ``start`` to ``stop`` (see :func:`whole_months`) over every reading.

    :func:`whole_months` never decreases as its stop moves later or its start moves earlier,
    so the extremes come from the extreme days.
    """
    return MonthRange(_whole_months(start._hi, stop._lo), _whole_months(start._lo, stop._hi))


# -- day codes ---------------------------------------------------------------------------------
#
# A day code is ``(year * 12 + month) * 32 + day``: one integer per day that orders days as the
# calendar does (so comparing codes is comparing days) and from which whole_months can be read
# without building a date. Partial dates hold the codes of their first and last day.


def _code(date: dt.date) -> int:
    """The day code of a date."""
    return ((date.year * 12 + date.month) << 5) | date.day


def _whole_months(start: int, stop: int) -> int:
    """:func:`whole_months` between two day codes: the one place the rule is written."""
    if stop < start:
        return -_whole_months(stop, start)
    months = (stop >> 5) - (start >> 5)
    return months - 1 if (stop & 31) < (start & 31) else months


_CUMULATIVE_DAYS: Final = (0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)


def _ordinal(year: int, month: int, day: int) -> int:
    """``datetime.date(year, month, day).toordinal()``, for a valid date, without building it."""
    y = year - 1
    before = _CUMULATIVE_DAYS[month] + (1 if month > 2 and isleap(year) else 0)
    return y * 365 + y // 4 - y // 100 + y // 400 + before + day


_put: Final = object.__setattr__  # sets a derived field of a frozen instance, once


def _code_key(date: PartialDate) -> tuple[int, int, int]:
    """:attr:`PartialDate.sort_key` with day codes for ordinals: the same order, built cheaper."""
    return date._lo, date._hi, 0 if date.month is None else 1 if date.day is None else 2


# -- dates as real tables write them ------------------------------------------------------------

MAX_DATE_TEXT: Final = 64
"""The longest date text :meth:`PartialDate.read` reads (longer cells are refused unread)."""

DATE_FORMS: Final = (
    "YYYY",
    "YYYY-MM",
    "YYYY-M",
    "YYYY-MM-DD",
    "YYYY/MM",
    "MM/YYYY",
    "M/YYYY",
    "Mar 2007",
    "March 2007",
    "2007 Mar",
    "14 Mar 2007",
    "2007-03-14T12:43:21-04:00",
    "2007-03-14 12:43",
    "DD/MM/YYYY (day_first=True)",
    "MM/DD/YYYY (day_first=False)",
)
"""The forms :meth:`PartialDate.read` accepts, as its error messages list them."""

_MONTHS: Final = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# Full names and their first three letters; "sept" too, which is how many tables abbreviate it.
_MONTH_NAMES: Final = {
    **{name: i for i, name in enumerate(_MONTHS, start=1)},
    **{name[:3]: i for i, name in enumerate(_MONTHS, start=1)},
    "sept": 9,
}
# Every pattern is anchored (fullmatch) with no nested repetition, on text of bounded length:
# each match is linear in the text. [0-9] and [A-Za-z], not \d and \w: ASCII only.
_YEAR_MONTH = re.compile(r"([0-9]{4})[-/]([0-9]{1,2})")
_MONTH_YEAR = re.compile(r"([0-9]{1,2})/([0-9]{4})")
_NAME_YEAR = re.compile(r"([A-Za-z]{3,9})\.?[ -]?([0-9]{4})")
_YEAR_NAME = re.compile(r"([0-9]{4})[ -]([A-Za-z]{3,9})\.?")
_DAY_NAME_YEAR = re.compile(r"([0-9]{1,2})[ -]?([A-Za-z]{3,9})\.?[ -]?([0-9]{4})")
_DATE_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,][0-9]{1,9})?)?"
    r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)
_NUMERIC_DAY = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4})")
# Excel's 1900 date system: serial 1 is 1900-01-01, and serial 60 is the 29 February 1900 that
# Lotus 1-2-3 counted and Excel kept for compatibility. Serials from 61 on are one day later
# than a true day count from 1899-12-31, so they are counted from 1899-12-30.
_EXCEL_LEAP_BUG: Final = 60
_EXCEL_EPOCH: Final = dt.date(1899, 12, 31)
_EXCEL_EPOCH_AFTER_BUG: Final = dt.date(1899, 12, 30)
_FORMS_TEXT: Final = ", ".join(DATE_FORMS)


def _refuse(value: object, why: str) -> InvalidDateError:
    return InvalidDateError(f"date {quoted(value)}: {why}; accepted forms: {_FORMS_TEXT}")


def _in_range(value: object, year: int, month: int | None = None, day: int | None = None) -> PartialDate:
    """The partial date, or the error naming ``value`` (not the partial date's own message)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _refuse(value, f"year {year} is outside {MIN_YEAR}..{MAX_YEAR}")
    if month is not None and not 1 <= month <= 12:
        raise _refuse(value, f"month {month} is not in 1..12")
    if month is not None and day is not None and not 1 <= day <= _days_in_month(year, month):
        raise _refuse(value, f"day {day} is not a day of {year:04d}-{month:02d}")
    return PartialDate(year, month, day)


def _excel_serial(value: object, serial: float) -> PartialDate:
    if not math.isfinite(serial):
        raise _refuse(value, "an Excel serial day number must be a finite number")
    days = int(serial)  # a fraction is the time of day
    if days < 1:
        raise _refuse(value, "an Excel serial day number starts at 1 (1900-01-01)")
    if days == _EXCEL_LEAP_BUG:
        raise _refuse(value, "Excel serial 60 is 29 February 1900, a day that never was")
    if days > 80_000:  # beyond MAX_YEAR; checked before timedelta, which overflows sooner or later
        raise _refuse(value, f"Excel serial {days} is after {MAX_YEAR}")
    epoch = _EXCEL_EPOCH if days < _EXCEL_LEAP_BUG else _EXCEL_EPOCH_AFTER_BUG
    day = epoch + dt.timedelta(days=days)
    return _in_range(value, day.year, day.month, day.day)


def _month_name(value: object, name: str) -> int:
    month = _MONTH_NAMES.get(name.lower())
    if month is None:
        raise _refuse(value, f"{quoted(name)} is not an English month name or abbreviation")
    return month


# Tables repeat their dates (every "2007", every "Mar 2010"); a partial date is immutable, so a
# text read once is read for all. Bounded; refusals are not cached (they raise).
@functools.lru_cache(maxsize=1 << 14)
def _read_text(text: str, *, day_first: bool | None) -> PartialDate:
    if len(text) > MAX_DATE_TEXT:
        raise _refuse(text, f"longer than {MAX_DATE_TEXT} characters")
    stripped = text.strip()
    iso = _ISO.fullmatch(stripped)
    if iso is not None:
        year, month, day = (int(g) if g is not None else None for g in iso.groups())
        assert year is not None  # the pattern requires it
        return _in_range(text, year, month, day)
    if (found := _YEAR_MONTH.fullmatch(stripped)) is not None:
        return _in_range(text, int(found[1]), int(found[2]))
    if (found := _MONTH_YEAR.fullmatch(stripped)) is not None:
        return _in_range(text, int(found[2]), int(found[1]))
    if (found := _NAME_YEAR.fullmatch(stripped)) is not None:
        return _in_range(text, int(found[2]), _month_name(text, found[1]))
    if (found := _YEAR_NAME.fullmatch(stripped)) is not None:
        return _in_range(text, int(found[1]), _month_name(text, found[2]))
    if (found := _DAY_NAME_YEAR.fullmatch(stripped)) is not None:
        return _in_range(text, int(found[3]), _month_name(text, found[2]), int(found[1]))
    if (found := _DATE_TIME.fullmatch(stripped)) is not None:
        hour, minute, second = int(found[4]), int(found[5]), int(found[6] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise _refuse(text, "the time of day is not a time")
        # The day as written: an offset says where the clock was, not another day.
        return _in_range(text, int(found[1]), int(found[2]), int(found[3]))
    if (found := _NUMERIC_DAY.fullmatch(stripped)) is not None:
        if day_first is None:
            raise _refuse(
                text,
                "a date written with numbers only is read only when its order is declared "
                "(day_first=True for DD/MM/YYYY, False for MM/DD/YYYY)",
            )
        first, second = int(found[1]), int(found[3])
        day, month = (first, second) if day_first else (second, first)
        return _in_range(text, int(found[4]), month, day)
    raise _refuse(text, "not a date")


def _read_serial(value: object) -> PartialDate:
    if isinstance(value, int | float):
        return _excel_serial(value, value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdecimal():
        if len(value) > MAX_DATE_TEXT:
            raise _refuse(value, f"longer than {MAX_DATE_TEXT} characters")
        return _excel_serial(value, int(value.strip()))
    raise _refuse(value, "expected an Excel serial day number")


def _read_year(value: float) -> PartialDate:
    # A spreadsheet's number cell holding a year: 2007, or 2007.0 once a reader made it a float.
    if not float(value).is_integer() or not MIN_YEAR <= value <= MAX_YEAR:
        raise _refuse(value, "a number is read as a year (pass excel_serial=True for a serial day)")
    return PartialDate(int(value))


def _read_date(value: object, *, day_first: bool | None, excel_serial: bool) -> PartialDate:
    if isinstance(value, PartialDate):
        return value
    if isinstance(value, dt.datetime):
        # An Excel date-time cell, or a timestamp: its day as written (its own local date).
        return _in_range(value, value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return _in_range(value, value.year, value.month, value.day)
    if isinstance(value, bool):
        raise _refuse(value, "a truth value is not a date")
    if excel_serial:
        return _read_serial(value)
    if isinstance(value, int | float):
        return _read_year(value)
    if isinstance(value, str):
        return _read_text(value, day_first=day_first)
    raise _refuse(type(value).__name__, "expected text, a date or a number")
