"""Columns into integer arrays, with numpy and pyarrow imported on use.

Dates as days since 1970-01-01; text as codes into its sorted distinct values; problems named
by column and row, never by a cell's text.

Every column is checked against the types it may have before any value is read, and every
error of pyarrow or numpy that could quote a cell is replaced here by the library's own,
raised outside the ``except`` block so that no exception chain keeps the cell.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any, Final

from dmt_timeline.batch._row_numbers import row_numbers
from dmt_timeline.dates import MAX_DATE_TEXT, MAX_YEAR, MIN_YEAR
from dmt_timeline.errors import InvalidValueError
from dmt_timeline.io._frames import TABLES_EXTRA

_PROBLEMS_SHOWN: Final = 10

# What a column may hold, by kind; the messages say it in these words.
TEXT: Final = "text"
ID: Final = "text or whole numbers"
DATE: Final = "dates (date32, date64, a timestamp at midnight without a time zone, or YYYY-MM-DD text)"
WHOLE: Final = "whole numbers (integers, or text of ASCII digits)"
NUMBER: Final = "numbers (integers, floats, or text of ASCII decimal numerals)"


def _imports() -> tuple[Any, Any, Any]:
    try:
        import numpy as np  # noqa: PLC0415 - an optional extra, imported on use
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.compute as pc  # noqa: PLC0415
    except ImportError:
        raise ImportError(f"the batch engine needs numpy and pyarrow: {TABLES_EXTRA}") from None
    return np, pa, pc


@functools.cache
def _whitespace() -> str:
    """The characters :meth:`str.strip` strips, so that Arrow trims text as Python does."""
    return "".join(c for c in map(chr, range(0x110000)) if c.isspace())


def _trim(pc: Any, column: Any) -> Any:
    return pc.utf8_trim(column, characters=_whitespace())


# -- types ------------------------------------------------------------------------------------


def _type_name(pa: Any, kind: Any) -> str:
    """A type as a message names it: nested types by their kind only."""
    if pa.types.is_dictionary(kind):
        return f"dictionary of {_type_name(pa, kind.value_type)}"
    return str(kind).split("<", 1)[0]


def _is_text(pa: Any, kind: Any) -> bool:
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_string_view(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_binary_view(kind)
        or pa.types.is_null(kind)
    )


def _is_integer(pa: Any, kind: Any) -> bool:
    return bool(pa.types.is_integer(kind))


def _accepts_numbers(pa: Any, kind: Any) -> bool:
    return _is_text(pa, kind) or _is_integer(pa, kind) or bool(pa.types.is_floating(kind))


def _accepts_dates(pa: Any, kind: Any) -> bool:
    return _is_text(pa, kind) or bool(
        pa.types.is_date(kind) or (pa.types.is_timestamp(kind) and kind.tz is None)
    )


_ACCEPTS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    TEXT: _is_text,
    ID: _accepts_numbers,
    DATE: _accepts_dates,
    WHOLE: _accepts_numbers,
    NUMBER: _accepts_numbers,
}


def check_schema(table: Any, kinds: dict[str, str]) -> None:
    """Refuse, naming every such column, columns of ``kinds`` whose type is not of their kind.

    A dictionary-encoded column is judged by its values' type; absent columns are not checked
    here (:func:`read_table` names the required ones).
    """
    _, pa, _ = _imports()
    problems = []
    for name, kind in kinds.items():
        held = table.column_names.count(name)
        if held > 1:
            problems.append(f"table: column(s) {name} given more than once")
        if held != 1:
            continue
        found = table.schema.field(name).type
        values = found.value_type if pa.types.is_dictionary(found) else found
        if not _ACCEPTS[kind](pa, values):
            problems.append(f"column {name}: expected {kind}, found {_type_name(pa, found)}")
    if problems:
        raise InvalidValueError("; ".join(problems))


def _plain(pa: Any, pc: Any, column: Any) -> Any:
    """The column without its dictionary encoding or view layout, one chunk at most."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    # Views have few kernels (no take, no filter): the plain layout instead.
    if pa.types.is_string_view(column.type):
        column = column.cast(pa.string())
    elif pa.types.is_binary_view(column.type):
        column = column.cast(pa.binary())
    return column


def _utf8(column: Any, name: str) -> Any:
    """Text of a binary (or null) column, refusing bytes that are not UTF-8 by row."""
    np, pa, pc = _imports()
    column = _plain(pa, pc, column)
    if pa.types.is_null(column.type):
        return pa.nulls(len(column), pa.string())
    if not (pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type)):
        return column
    target = pa.large_string() if pa.types.is_large_binary(column.type) else pa.string()
    converted = None
    with contextlib.suppress(pa.ArrowException, ValueError):  # not UTF-8: found by row below
        converted = column.cast(target)
    if converted is not None:
        return converted
    bad = np.zeros(len(column), dtype=bool)
    for i, value in enumerate(column.to_pylist()):
        if value is not None:
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:  # UnicodeDecodeError.object holds the whole cell: not kept
                bad[i] = True
    raise _RowError(f"column {name}: text that is not UTF-8 at row(s) {{rows}}", bad)


def _text(pa: Any, pc: Any, column: Any, name: str = "text") -> Any:
    """A text column (text, dictionary-encoded text, UTF-8 binary) as trimmed plain text."""
    return _trim(pc, _utf8(column, name))


# -- values -----------------------------------------------------------------------------------


def _rows(np: Any, mask: Any) -> str:
    """The spreadsheet rows (see :mod:`dmt_timeline.batch._row_numbers`) of the first rows of ``mask``."""
    rows = row_numbers(np.flatnonzero(mask)[:_PROBLEMS_SHOWN]).tolist()
    more = int(mask.sum()) - len(rows)
    return ", ".join(map(str, rows)) + (f" and {more} more" if more > 0 else "")


class _RowError(InvalidValueError):
    """A problem at rows of one batch; :meth:`at` numbers them in the whole table."""

    def __init__(self, template: str, mask: Any) -> None:
        super().__init__(template.format(rows=_rows(_imports()[0], mask)))
        self.template, self.mask = template, mask

    def at(self, offset: int) -> InvalidValueError:
        np = _imports()[0]
        return InvalidValueError(
            self.template.format(rows=_rows(np, np.r_[np.zeros(offset, bool), self.mask]))
        )


def _mask(np: Any, pc: Any, condition: Any) -> Any:
    """A boolean Arrow array as numpy, null read as False."""
    return np.asarray(pc.fill_null(condition, False).to_numpy(zero_copy_only=False), dtype=bool)


def _whole(
    np: Any, pa: Any, pc: Any, column: Any, name: str, *, low: int = 0, high: int = 2**31 - 1, what: str = ""
) -> Any:
    """A column of whole numbers in ``low..high`` (integers, integral floats, or text of ASCII
    digits, as CSV gives) as int64 with nulls as 0, and where it is null."""
    column = _plain(pa, pc, column)
    null = np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if _is_text(pa, column.type):
        text = _text(pa, pc, column, name)
        # Up to 18 digits fits int64; longer is outside any range asked for here.
        digits = _mask(np, pc, pc.match_substring_regex(text, r"^-?[0-9]{1,18}$"))
        values = np.zeros(len(text), dtype=np.int64)
        if digits.any():
            values[digits] = np.asarray(pc.cast(text.filter(pa.array(digits)), pa.int64()).to_numpy(False))
        outside = ~null & (~digits | (values < low) | (values > high))
    elif pa.types.is_floating(column.type):
        raw = np.asarray(pc.fill_null(column, 0).to_numpy(zero_copy_only=False), dtype=np.float64)
        with np.errstate(invalid="ignore"):
            fits = np.isfinite(raw) & (raw == np.floor(raw)) & (raw >= low) & (raw <= high)
        values = np.where(fits, raw, 0).astype(np.int64)
        outside = ~null & ~fits
    else:
        raw = np.asarray(pc.fill_null(column, 0).to_numpy(zero_copy_only=False))
        fits = (raw >= low) & (raw <= high)
        values = np.where(fits, raw, 0).astype(np.int64)
        outside = ~null & ~fits
    if outside.any():
        raise _RowError(
            f"column {name}: not a whole number{what} in {low}..{high} at row(s) {{rows}}", outside
        )
    return np.where(null, 0, values), null


def _numbers(np: Any, pa: Any, pc: Any, column: Any, name: str, *, missing: float) -> Any:
    """A column of numbers (or text of ASCII decimal numerals, as CSV gives) as float64, nulls
    as ``missing``."""
    column = _plain(pa, pc, column)
    null = np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if _is_text(pa, column.type):
        text = _text(pa, pc, column, name)
        numeral = _mask(np, pc, pc.match_substring_regex(text, r"^[0-9]{1,6}(\.[0-9]{1,6})?$"))
        values = np.zeros(len(text), dtype=np.float64)
        if numeral.any():
            values[numeral] = np.asarray(
                pc.cast(text.filter(pa.array(numeral)), pa.float64()).to_numpy(False)
            )
        bad = ~null & ~numeral
        if bad.any():
            raise InvalidValueError(
                f"column {name}: not a number (ASCII decimal digits) at row(s) {_rows(np, bad)}"
            )
    else:
        # Through numpy: Arrow's cast quotes an integer it cannot hold exactly.
        values = np.asarray(pc.fill_null(column, 0).to_numpy(zero_copy_only=False)).astype(np.float64)
    return np.where(null, missing, values)


_DAY_MS: Final = 86_400_000
_PER_DAY: Final = {"s": 86_400, "ms": _DAY_MS, "us": _DAY_MS * 1000, "ns": _DAY_MS * 1_000_000}


@functools.cache
def _day_limits() -> tuple[int, int]:
    """The first and last day of the years the object model accepts, as days since 1970-01-01."""
    import datetime as dt  # noqa: PLC0415 - only here

    epoch = dt.date(1970, 1, 1).toordinal()
    return dt.date(MIN_YEAR, 1, 1).toordinal() - epoch, dt.date(MAX_YEAR, 12, 31).toordinal() - epoch


# The text forms of :meth:`dmt_timeline.PartialDate.read` a day column reads, as patterns over
# the trimmed cell (RE2, anchored, ASCII digits): they read exactly as that method reads them.
_ISO_DAY: Final = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_ISO_PARTIAL: Final = r"^[0-9]{4}(-[0-9]{2})?$"
_DATE_TIME: Final = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{1,9})?)?"
    r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)
# RE2 has no back-references: both separators are captured, and must be the same.
_PADDED_DAY: Final = r"^[0-9]{2}[/.-][0-9]{2}[/.-][0-9]{4}$"
_NUMERIC_PARTS: Final = r"^(?P<a>[0-9]{1,2})(?P<s>[/.-])(?P<b>[0-9]{1,2})(?P<t>[/.-])(?P<y>[0-9]{4})$"
DAY_FORMS: Final = (
    "YYYY-MM-DD",
    "a date-time such as 2007-03-14T12:43:21-04:00 or 2007-03-14 12:43 (read as its day)",
    "DD/MM/YYYY with day_first=True, MM/DD/YYYY with day_first=False ('/', '.' or '-')",
)
"""The text forms of a whole day the batch engine reads (each as :meth:`PartialDate.read` reads it)."""


def _slice(np: Any, pa: Any, pc: Any, text: Any, span: tuple[int, int]) -> Any:
    """Characters ``a:b`` of every cell as int64; only called where they are ASCII digits."""
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    if pa.types.is_string(text.type) and len(text) and not text.null_count:
        # Cells of one width (every YYYY-MM-DD, every DD/MM/YYYY) are a matrix of bytes: the
        # digits are read from it with numpy, without a string per cell.
        offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset : text.offset + len(text) + 1]
        width = int(offsets[1] - offsets[0])
        if width >= span[1] and bool((np.diff(offsets) == width).all()):
            data = np.frombuffer(text.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
            digits = data.reshape(len(text), width)[:, span[0] : span[1]].astype(np.int64) - 48
            return digits @ (10 ** np.arange(span[1] - span[0] - 1, -1, -1, dtype=np.int64))
    return np.asarray(pc.cast(pc.utf8_slice_codeunits(text, *span), pa.int64()).to_numpy(False))


def _text_days(np: Any, pa: Any, pc: Any, text: Any, name: str, *, day_first: bool | None = None) -> Any:
    """Days of text dates (checked: form, calendar, years), -1 where null; int64.

    ISO days are the common case and cost one pattern match; the other forms of
    :data:`DAY_FORMS` are read only where a cell is not one.
    """
    null = np.asarray(text.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    shaped = _mask(np, pc, pc.match_substring_regex(text, _ISO_DAY))
    filled = pc.fill_null(text, "1970-01-01")
    if (shaped | null).all():
        year, month, day = (_slice(np, pa, pc, filled, (a, b)) for a, b in ((0, 4), (5, 7), (8, 10)))
    else:
        year, month, day = _other_forms(np, pa, pc, filled, name, done=null | shaped, day_first=day_first)
    outside = ~null & ((year < MIN_YEAR) | (year > MAX_YEAR))
    if outside.any():
        raise _RowError(f"column {name}: year outside {MIN_YEAR}..{MAX_YEAR} at row(s) {{rows}}", outside)
    month_ok = (month >= 1) & (month <= 12)
    year = np.where(null | ~month_ok, 1970, year)
    month = np.where(month_ok, month, 1)
    exists = month_ok & (day >= 1) & (day <= _month_lengths(np, year, month))
    missing = ~null & ~exists
    if missing.any():
        raise _RowError(
            f"column {name}: a date that does not exist (such as 02-30) at row(s) {{rows}}", missing
        )
    days = _civil_days(np, year, month, np.where(exists, day, 1))
    return np.where(null, -1, days)


_MONTH_DAYS: Final = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_lengths(np: Any, year: Any, month: Any) -> Any:
    """Days in each month (1..12) of each year, Gregorian leap years."""
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    return np.array(_MONTH_DAYS, dtype=np.int64)[month - 1] + (leap & (month == 2))


def _civil_days(np: Any, year: Any, month: Any, day: Any) -> Any:
    """Days since 1970-01-01 of real Gregorian days, in integer arithmetic: numpy's
    ``datetime64`` month-to-day conversions cost some ten times more."""
    # Years counted from March, so that the leap day ends a year; 400-year cycles of 146097 days.
    y = year - (month <= 2)
    cycle = y // 400
    in_cycle = y - cycle * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_cycle = in_cycle * 365 + in_cycle // 4 - in_cycle // 100 + day_of_year
    return cycle * 146_097 + day_of_cycle - 719_468


def _other_forms(
    np: Any, pa: Any, pc: Any, text: Any, name: str, *, done: Any, day_first: bool | None
) -> tuple[Any, Any, Any]:
    """Year, month and day of a column that holds more than ISO days (``done``, with blanks):
    date-times as their day, numeric days in the declared order; anything else refused by row.

    Each form is looked for only among the cells no earlier form read.
    """
    n = len(text)
    rest = np.flatnonzero(~done)
    sub = text.take(pa.array(rest)) if len(rest) < n else text
    # DD/MM/YYYY with both numbers of two digits, the common case, by places; other numeric
    # days by a pattern that captures their parts (some ten times slower).
    padded = _mask(np, pc, pc.match_substring_regex(sub, _PADDED_DAY)) & _mask(
        np, pc, pc.equal(pc.utf8_slice_codeunits(sub, 2, 3), pc.utf8_slice_codeunits(sub, 5, 6))
    )
    unpadded = np.flatnonzero(~padded)
    parts = pc.extract_regex(sub.take(pa.array(unpadded)), _NUMERIC_PARTS)
    numeric_unpadded = _mask(np, pc, pc.equal(pc.struct_field(parts, "s"), pc.struct_field(parts, "t")))
    numeric_sub = padded.copy()
    numeric_sub[unpadded[numeric_unpadded]] = True
    others = rest[~numeric_sub]
    other_text = sub.filter(pa.array(~numeric_sub))
    timed_sub = _mask(np, pc, pc.match_substring_regex(other_text, _DATE_TIME))
    partial_sub = ~timed_sub & _mask(np, pc, pc.match_substring_regex(other_text, _ISO_PARTIAL))

    def rows(found: Any, at: Any) -> Any:
        mask = np.zeros(n, dtype=bool)
        mask[at[found]] = True
        return mask

    if partial_sub.any():
        raise _RowError(
            f"column {name}: not a whole date (a year or a month, YYYY or YYYY-MM, where a day "
            "is needed) at row(s) {rows}",
            rows(partial_sub, others),
        )
    if (~timed_sub & ~partial_sub).any():
        raise _RowError(
            f"column {name}: not a whole date ({'; '.join(DAY_FORMS)}) at row(s) {{rows}}",
            rows(~timed_sub, others),
        )
    if numeric_sub.any() and day_first is None:
        raise _RowError(
            f"column {name}: a date written with numbers only is read only when its order is "
            "declared (day_first) at row(s) {rows}",
            rows(numeric_sub, rest),
        )
    year, month, day = (np.zeros(n, dtype=np.int64) for _ in range(3))
    # ISO days and date-times begin alike: their day is read from the same places.
    dated = np.sort(np.r_[np.flatnonzero(done), others])
    dated_text = text.take(pa.array(dated))
    for array, span in ((year, (0, 4)), (month, (5, 7)), (day, (8, 10))):
        array[dated] = _slice(np, pa, pc, dated_text, span)
    if len(others):
        clock = other_text
        hour, minute = _slice(np, pa, pc, clock, (11, 13)), _slice(np, pa, pc, clock, (14, 16))
        with_seconds = pa.array(_mask(np, pc, pc.equal(pc.utf8_slice_codeunits(clock, 16, 17), ":")))
        second = _slice(np, pa, pc, pc.if_else(with_seconds, clock, "1970-01-01T00:00:00"), (17, 19))
        untimely = (hour > 23) | (minute > 59) | (second > 59)
        if untimely.any():
            raise _RowError(
                f"column {name}: a time of day that is not a time at row(s) {{rows}}", rows(untimely, others)
            )
    if padded.any():
        numeric = sub.filter(pa.array(padded))
        first, second_n = _slice(np, pa, pc, numeric, (0, 2)), _slice(np, pa, pc, numeric, (3, 5))
        at = rest[padded]
        year[at] = _slice(np, pa, pc, numeric, (6, 10))
        day[at], month[at] = (first, second_n) if day_first else (second_n, first)
    if numeric_unpadded.any():
        numeric = parts.filter(pa.array(numeric_unpadded))
        first, second_n, numeric_year = (
            np.asarray(pc.cast(pc.struct_field(numeric, key), pa.int64()).to_numpy(False))
            for key in ("a", "b", "y")
        )
        at = rest[unpadded[numeric_unpadded]]
        year[at] = numeric_year
        day[at], month[at] = (first, second_n) if day_first else (second_n, first)
    return year, month, day


def _days(np: Any, pa: Any, pc: Any, column: Any, name: str, *, day_first: bool | None = None) -> Any:
    """Days since 1970-01-01 as int32, from date, timestamp (at midnight) or text columns (the
    forms of :data:`DAY_FORMS`, numeric days in the order ``day_first`` declares), in the years
    the object model accepts (:data:`dmt_timeline.dates.MIN_YEAR` to ``MAX_YEAR``)."""
    column = _plain(pa, pc, column)
    if not _ACCEPTS[DATE](pa, column.type):
        raise InvalidValueError(f"column {name}: expected {DATE}, found {_type_name(pa, column.type)}")
    null = np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if _is_text(pa, column.type):
        text = _utf8(column, name)
        if len(text) and (pc.max(pc.utf8_length(text)).as_py() or 0) > MAX_DATE_TEXT:
            # PartialDate.read refuses such a cell unread, blanks around a date included.
            long = _mask(np, pc, pc.greater(pc.utf8_length(text), MAX_DATE_TEXT))
            raise _RowError(f"column {name}: longer than {MAX_DATE_TEXT} characters at row(s) {{rows}}", long)
        days = _text_days(np, pa, pc, _trim(pc, text), name, day_first=day_first)
    else:
        if pa.types.is_date32(column.type):
            raw, per_day = pc.fill_null(column.cast(pa.int32()), 0), 1
        elif pa.types.is_date64(column.type):
            raw, per_day = pc.fill_null(column.cast(pa.int64()), 0), _DAY_MS
        else:
            raw, per_day = pc.fill_null(column.cast(pa.int64()), 0), _PER_DAY[column.type.unit]
        ticks = np.asarray(raw.to_numpy(zero_copy_only=False), dtype=np.int64)
        days = ticks // per_day
        if per_day > 1:
            timed = ~null & (ticks % per_day != 0)
            if timed.any():
                raise _RowError(f"column {name}: a time of day other than midnight at row(s) {{rows}}", timed)
        low, high = _day_limits()
        outside = ~null & ((days < low) | (days > high))
        if outside.any():
            raise _RowError(f"column {name}: year outside {MIN_YEAR}..{MAX_YEAR} at row(s) {{rows}}", outside)
    if null.any():
        raise _RowError(f"column {name}: blank at row(s) {{rows}}", null)
    return days.astype(np.int32)


# -- codes ------------------------------------------------------------------------------------


def _encode(np: Any, pa: Any, pc: Any, column: Any) -> tuple[Any, list[Any]]:
    """Codes into the sorted distinct values (so that code order is value order); a null is
    a last value, None."""
    encoded = pc.dictionary_encode(column)
    if hasattr(encoded, "combine_chunks"):
        encoded = encoded.combine_chunks()
    values = encoded.dictionary
    order = np.asarray(pc.sort_indices(values).to_numpy(False), dtype=np.int64)
    rank = np.empty(len(order) + 1, dtype=np.int32)  # int32 codes: half the memory of int64
    rank[order] = np.arange(len(order), dtype=np.int32)
    rank[-1] = len(order)
    codes = rank[np.asarray(pc.fill_null(encoded.indices, len(order)).to_numpy(False), dtype=np.int64)]
    texts = values.take(pa.array(order, pa.int64())).to_pylist()
    return codes, ([*texts, None] if encoded.null_count else texts)
