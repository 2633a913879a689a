"""Reading tables into integer columns, with numpy and pyarrow imported on use.

A table from pyarrow, pandas, Parquet or CSV; dates as days since 1970-01-01; text as codes
into its sorted distinct values; problems named by column and row, never by a cell's text.

Every column is checked against the types it may have before any value is read, and every
error of pyarrow or numpy that could quote a cell is replaced here by the library's own,
raised outside the ``except`` block so that no exception chain keeps the cell.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from dmt_timeline.dates import MAX_YEAR, MIN_YEAR
from dmt_timeline.errors import QUOTE_LIMIT, InvalidValueError, quoted
from dmt_timeline.ids import patient_id
from dmt_timeline.io._frames import TABLES_EXTRA

if TYPE_CHECKING:
    import pyarrow as pa


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


# -- reading a source ---------------------------------------------------------------------------


def _unreadable(what: str) -> InvalidValueError:
    return InvalidValueError(what)


def _check_utf8(path: Path) -> None:
    """Refuse a file that is not UTF-8, naming the line: checked before pyarrow parses it,
    since pyarrow decodes a ragged row's text to pass it on, and reports a failure to do so
    (with the row) on stderr."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, bad = 1, False
    with path.open("rb") as file:
        while block := file.read(1 << 24):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:  # .object is the whole block: only the offset is kept
                line += block.count(b"\n", 0, max(exc.start - pending, 0))
                bad = True
            if bad:
                break
            line += block.count(b"\n")
        else:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                bad = True
    if bad:
        raise InvalidValueError(f"{quoted(path.name)}: text that is not UTF-8 on line {line}")


def _read_csv(path: Path) -> pa.Table:
    """Every column of a CSV file as text; ragged rows and bad UTF-8 named by row, never quoted."""
    _, pa, _ = _imports()
    import pyarrow.csv as pacsv  # noqa: PLC0415

    ragged: list[tuple[int | None, int, int]] = []

    def invalid_row(row: Any) -> str:
        # Only the counts and the number are kept: row.text is the whole row.
        ragged.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    if not path.is_file():
        raise FileNotFoundError(2, "no such file", str(path))
    _check_utf8(path)
    failed = False
    try:
        # The header alone, from the first block: its names type every column as text, so that
        # nothing is guessed.
        with pacsv.open_csv(
            path,
            parse_options=pacsv.ParseOptions(invalid_row_handler=lambda _: "skip"),
            convert_options=pacsv.ConvertOptions(column_types={}, strings_can_be_null=True),
        ) as reader:
            names = reader.schema.names
        if len(set(names)) == len(names):
            types = {name: pa.string() for name in names}
            table = pacsv.read_csv(
                path,
                parse_options=pacsv.ParseOptions(invalid_row_handler=invalid_row),
                convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True),
            )
    except (pa.ArrowException, ValueError, UnicodeError):  # ArrowInvalid quotes the row it stopped at
        failed = True
    if failed:
        raise _unreadable(f"{quoted(path.name)}: cannot be read as a CSV table")
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise InvalidValueError(f"CSV header: column(s) {', '.join(map(quoted, twice))} given more than once")
    if ragged:
        if any(number is None for number, _, _ in ragged):
            # Numbers are known only when the file is read in one thread: read it again so.
            ragged.clear()
            pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(use_threads=False),
                parse_options=pacsv.ParseOptions(invalid_row_handler=invalid_row),
                convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True),
            )
        shown = [
            f"{number - 1 if number is not None else '?'} ({actual} cells, not {expected})"
            for number, expected, actual in ragged[:_PROBLEMS_SHOWN]
        ]
        more = f" and {len(ragged) - _PROBLEMS_SHOWN} more" if len(ragged) > _PROBLEMS_SHOWN else ""
        raise InvalidValueError(
            f"CSV row(s) {', '.join(shown)}{more}: not as many cells as the header has columns "
            "(rows count from 1 after the header, blank lines not counted)"
        )
    return table


def _from_pandas(pa: Any, frame: Any) -> pa.Table:
    """A pandas DataFrame as an Arrow table; a column Arrow cannot hold is named, not quoted."""
    columns = [str(name) for name in frame.columns]
    if len(set(columns)) != len(columns):
        raise InvalidValueError("table: a column name given more than once")
    bad = None
    arrays = {}
    for name, label in zip(columns, frame.columns, strict=True):
        try:
            arrays[name] = pa.array(frame[label], from_pandas=True)
        except (pa.ArrowException, ValueError, TypeError, OverflowError):  # their messages quote a cell
            bad = name
            break
    if bad is not None:
        raise InvalidValueError(f"column {quoted(bad)}: values of mixed or unsupported types")
    return pa.table(arrays)


def _parquet(path: Path, names: tuple[str, ...] | None, optional: tuple[str, ...]) -> pa.Table:
    _, pa, _ = _imports()
    import pyarrow.parquet as pq  # noqa: PLC0415

    if not path.is_file():
        raise FileNotFoundError(2, "no such file", str(path))
    table = None
    try:
        present = set(pq.read_schema(path).names)
        wanted = None if names is None else [n for n in (*names, *optional) if n in present]
        table = pq.read_table(path, columns=wanted)
    except (pa.ArrowException, ValueError, UnicodeError):  # a damaged file: say so, quote nothing
        pass
    if table is None:
        raise _unreadable(f"{quoted(path.name)}: cannot be read as a Parquet table")
    return table


def read_table(source: Any, names: tuple[str, ...] | None = None, optional: tuple[str, ...] = ()) -> pa.Table:
    """A pyarrow Table from a pyarrow Table, a pandas DataFrame, or a Parquet or CSV path.

    ``names`` must be present; from Parquet only ``names`` and ``optional`` are read.

    CSV text is read as text (no type guessing); dates are parsed later, strictly. A CSV row
    with more or fewer cells than the header, text that is not UTF-8 and a file pyarrow cannot
    read are refused with :class:`~dmt_timeline.errors.InvalidValueError` naming the rows, never
    quoting them.
    """
    _, pa, _ = _imports()
    if isinstance(source, pa.Table):
        table = source
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        table = _read_csv(path) if path.suffix.lower() == ".csv" else _parquet(path, names, optional)
    elif hasattr(source, "to_arrow") and not hasattr(source, "iloc"):
        table = source.to_arrow()
        if not isinstance(table, pa.Table):
            raise InvalidValueError("source: to_arrow() did not give a pyarrow Table")
    elif hasattr(source, "iloc") and hasattr(source, "columns"):
        table = _from_pandas(pa, source)
    else:
        raise InvalidValueError(
            f"source: expected a pyarrow Table, a pandas DataFrame or a path, not {type(source).__name__}"
        )
    if names is not None:
        missing = [n for n in names if n not in table.column_names]
        if missing:
            raise InvalidValueError(f"table: column(s) {', '.join(missing)} missing")
        twice = [n for n in (*names, *optional) if table.column_names.count(n) > 1]
        if twice:
            raise InvalidValueError(f"table: column(s) {', '.join(twice)} given more than once")
    return table


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
    rows = (np.flatnonzero(mask)[:_PROBLEMS_SHOWN] + 1).tolist()
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


def _text_days(np: Any, pa: Any, pc: Any, text: Any, name: str) -> Any:
    """Days of ISO text dates (checked: shape, calendar, years), -1 where null; int64."""
    null = np.asarray(text.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    shaped = _mask(np, pc, pc.match_substring_regex(text, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
    bad = ~null & ~shaped
    if bad.any():
        raise _RowError(f"column {name}: not a whole date (YYYY-MM-DD) at row(s) {{rows}}", bad)
    filled = pc.fill_null(text, "1970-01-01")
    parts = [
        np.asarray(pc.cast(pc.utf8_slice_codeunits(filled, a, b), pa.int64()).to_numpy(False))
        for a, b in ((0, 4), (5, 7), (8, 10))
    ]
    year, month, day = parts
    outside = ~null & ((year < MIN_YEAR) | (year > MAX_YEAR))
    if outside.any():
        raise _RowError(f"column {name}: year outside {MIN_YEAR}..{MAX_YEAR} at row(s) {{rows}}", outside)
    month_ok = (month >= 1) & (month <= 12)
    months = (np.where(null | ~month_ok, 1970, year) - 1970) * 12 + np.where(month_ok, month, 1) - 1
    first = months.astype("datetime64[M]").astype("datetime64[D]")
    length = ((months + 1).astype("datetime64[M]").astype("datetime64[D]") - first).astype(np.int64)
    exists = month_ok & (day >= 1) & (day <= length)
    missing = ~null & ~exists
    if missing.any():
        raise _RowError(
            f"column {name}: a date that does not exist (such as 02-30) at row(s) {{rows}}", missing
        )
    days = first.astype(np.int64) + np.where(exists, day - 1, 0)
    return np.where(null, -1, days)


def _days(np: Any, pa: Any, pc: Any, column: Any, name: str) -> Any:
    """Days since 1970-01-01 as int32, from date, timestamp (at midnight) or ISO text columns,
    in the years the object model accepts (:data:`dmt_timeline.dates.MIN_YEAR` to ``MAX_YEAR``)."""
    column = _plain(pa, pc, column)
    if not _ACCEPTS[DATE](pa, column.type):
        raise InvalidValueError(f"column {name}: expected {DATE}, found {_type_name(pa, column.type)}")
    null = np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if _is_text(pa, column.type):
        days = _text_days(np, pa, pc, _text(pa, pc, column, name), name)
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


def _patient(text: str) -> str:
    """A patient id as messages name it: as written when plain, else escaped and capped."""
    return text if text.isprintable() and "'" not in text and len(text) <= QUOTE_LIMIT else quoted(text)


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


def _id_values(np: Any, pa: Any, pc: Any, values: Any, name: str) -> tuple[Any, Any, Any]:
    """Distinct values of an id column as :func:`dmt_timeline.ids.patient_id` reads them:
    the ids (text), which are blank, which are not ids."""
    blank = np.asarray(values.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    bad = np.zeros(len(values), dtype=bool)
    if pa.types.is_integer(values.type):
        texts = values.cast(pa.string())  # decimal digits, as str(int)
    elif pa.types.is_floating(values.type):
        # Floats are rare as ids (pandas' integers with gaps): the rule itself, value by value.
        found: list[str | None] = []
        for i, value in enumerate(values.to_pylist()):
            if value is None:
                found.append(None)
                continue
            text = None
            try:
                text = patient_id(value)
            except ValueError:  # its message quotes the value
                bad[i] = True
            found.append(text)
        texts = pa.array(found, pa.string())
    else:
        texts = _text(pa, pc, values, name)
        blank |= _mask(np, pc, pc.equal(texts, ""))
    return texts, blank, bad


def _id_column(np: Any, pa: Any, pc: Any, column: Any, name: str) -> tuple[Any, Any]:
    """Per row, an index into ids (text, by the rule of :func:`dmt_timeline.ids.patient_id`),
    and the ids; blank ids and values that are no id refused by row.

    A dictionary-encoded column (Parquet read with ``read_dictionary``) is read through its
    dictionary, without decoding one text per row.
    """
    if isinstance(column, pa.ChunkedArray):
        if pa.types.is_dictionary(column.type):
            column = column.unify_dictionaries()
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    plain_text = (pa.string(), pa.large_string())
    if pa.types.is_dictionary(column.type) and column.type.value_type not in plain_text:
        column = column.dictionary_decode()  # rare: bad UTF-8 is then named by row below
    if not pa.types.is_dictionary(column.type):
        if _is_text(pa, column.type):
            column = _utf8(column, name)
        column = pc.dictionary_encode(column)
    texts, blank, bad = _id_values(np, pa, pc, column.dictionary, name)
    indices = np.asarray(pc.fill_null(column.indices, -1).to_numpy(False), dtype=np.int64)
    # A null row points past the distinct values, at a blank.
    at = np.where(indices >= 0, indices, len(texts))
    bad_rows = np.r_[bad, False][at]
    if bad_rows.any():
        raise InvalidValueError(
            f"column {name}: a patient id that is not text or a whole number at row(s) {_rows(np, bad_rows)}"
        )
    blank_rows = np.r_[blank, True][at]
    if blank_rows.any():
        raise InvalidValueError(f"column {name}: blank at row(s) {_rows(np, blank_rows)}")
    return indices, texts


def _ids(np: Any, pa: Any, pc: Any, column: Any, name: str) -> tuple[Any, Any]:
    """Codes of an id column into its sorted distinct ids (an Arrow string array), by the rule
    of :func:`dmt_timeline.ids.patient_id`; blanks and values that are no id refused by row."""
    indices, texts = _id_column(np, pa, pc, column, name)
    # Values that differ may be one id ("P1" and " P1"; 1 and 1.0): encode the ids again.
    again = pc.dictionary_encode(texts)
    values = again.dictionary
    order = np.asarray(pc.sort_indices(values).to_numpy(False), dtype=np.int64)
    rank = np.empty(max(len(order), 1), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    to_rank = rank[np.asarray(pc.fill_null(again.indices, 0).to_numpy(False), dtype=np.int64)]
    codes = to_rank[indices].astype(np.int32) if len(indices) else np.zeros(0, dtype=np.int32)
    return codes, values.take(pa.array(order, pa.int64()))


def _id_codes(np: Any, pa: Any, pc: Any, column: Any, *, name: str, ids: Any) -> Any:
    """Codes of an id column into ``ids`` (-1 for an id not among them)."""
    indices, texts = _id_column(np, pa, pc, column, name)
    found = np.asarray(pc.fill_null(pc.index_in(texts, value_set=ids), -1).to_numpy(False), dtype=np.int64)
    if not len(indices):
        return np.zeros(0, dtype=np.int64)
    return found[indices]
