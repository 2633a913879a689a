"""Rows of a table, from a CSV file, a DataFrame, an Arrow table or mappings, numbered and checked.

Every table reader reads its rows through here, so that they all number rows in one way (as a
spreadsheet does: the header is row 1, a blank line is a row too) and refuse a row whose shape
is unsound before reading any of its cells: a row with more or fewer cells than the header (its
cells may sit in the wrong columns), a cell the CSV parser cannot hold, bytes that are not
UTF-8, a cell too long or spanning lines. Such a row is reported, with its row number and
column, and its content never is. No third-party exception (csv, unicode, pandas, pyarrow)
leaves this module, nor stays chained to one that does.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import attrs

from dmt_timeline.errors import InvalidValueError, quoted
from dmt_timeline.ids import patient_id
from dmt_timeline.io._frames import require
from dmt_timeline.io._problems import RowProblem, TableFormatError

CELL_LIMIT: Final = 1000
"""The longest cell, in characters, that a reader reads; a longer one is a row problem."""

HEADER_ROW: Final = 1
"""The header's row number; the first data row given as mappings or a frame row is row 2."""

_NAMES_SHOWN: Final = 20

# Lone surrogates: what undecodable bytes become when read with errors="surrogateescape", and
# what no text that can be written back as UTF-8 holds.
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
# Line breaks and other control characters (a tab is allowed): a cell that holds one was most
# likely opened by a stray quote and swallowed the rows after it.
_CONTROL: Final = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_UNSOUND: Final = re.compile("[\ud800-\udfff\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_LETTER: Final = re.compile(r"[^\W\d_]")


@attrs.frozen
class SourceRow:
    """One data row: its number, its cells, and the problems of its shape.

    Attributes:
        number: The spreadsheet row (the header is row 1).
        cells: Column name to cell: text from a CSV file, a scalar (text, number, date) from a
            frame. Only read when ``problems`` is empty.
        problems: What makes the row unreadable as a whole; reported instead of its cells.
    """

    number: int
    cells: Mapping[str, object] = attrs.field(factory=dict)
    problems: tuple[RowProblem, ...] = ()

    def text(self, column: str | None) -> str:
        """The cell of ``column`` as text, stripped; ``""`` when blank or absent."""
        if column is None:
            return ""
        value = self.cells.get(column)
        return value.strip() if type(value) is str else cell_text(value).strip()

    def patient(self, column: str) -> str:
        """The patient id in ``column``, by :func:`dmt_timeline.ids.patient_id`.

        Raises:
            InvalidValueError: for a blank id, a fractional number...
        """
        value = self.cells.get(column)
        if value is None or value == "":
            raise InvalidValueError("patient id is blank")
        return patient_id(value)


def cell_text(value: object) -> str:
    """A cell as the text a CSV file would hold (a frame holds numbers and dates)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        # A numeric column holds years and whole scores as floats: 2007.0 means "2007".
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        # A time of day other than midnight is kept, so that a date cell refuses it.
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def check_header(
    header: Sequence[str],
    required: Sequence[str],
    what: str,
    *,
    optional: Sequence[str] = (),
    row: int = HEADER_ROW,
) -> None:
    """Refuse a header that lacks a required column or repeats a column the reader uses.

    Raises:
        TableFormatError: once for the whole table, naming the missing columns and the
            columns found (unless the first row looks like data rather than names).
    """
    missing = [c for c in required if c not in header]
    if missing:
        names = ", ".join(quoted(c) for c in missing)
        found = _found(header, (*required, *optional))
        message = f"column{'s' if len(missing) > 1 else ''} {names} missing; {found}"
        raise TableFormatError(
            f"{what}: the header lacks columns the reader needs", [RowProblem(row, "", message)]
        )
    repeated = [c for c in (*required, *optional) if list(header).count(c) > 1]
    if repeated:
        message = f"column {quoted(repeated[0])} appears {list(header).count(repeated[0])} times"
        raise TableFormatError(f"{what}: the header repeats a column", [RowProblem(row, "", message)])


def _folded(name: str) -> str:
    """A column name as compared with the names a reader knows: case, spaces, '-' and '_' aside."""
    return re.sub(r"[\s_-]+", "", name).casefold()


def _found(header: Sequence[str], known: Sequence[str]) -> str:
    names = [h for h in header if h.strip()]
    if not names:
        return "the header names no column"
    # A file without a header gives its first data row here, which must never be listed: the
    # row is shown only when it is plainly a header, naming at least one column the reader knows.
    looks_like_data = any(_LETTER.search(h) is None or _CONTROL.search(h) or len(h) > 64 for h in names)
    if looks_like_data or not {_folded(h) for h in names} & {_folded(k) for k in known}:
        return (
            f"the first row names none of the columns the reader knows in its {len(names)} cells "
            "(not listed: it may be data): is the header missing?"
        )
    shown = ", ".join(quoted(h) for h in names[:_NAMES_SHOWN])
    more = f" and {len(names) - _NAMES_SHOWN} more" if len(names) > _NAMES_SHOWN else ""
    return f"found: {shown}{more}"


def _sound_text(cells: Mapping[str, object], read: Sequence[str]) -> bool:
    """Whether a row of text cells is sound, checked at once: the common case, made cheap."""
    values = cells.values()
    if not all(type(v) is str for v in values):
        return False
    whole = "".join(values)  # type: ignore[arg-type]
    if _SURROGATE.search(whole):
        return False
    read_cells = [cells.get(c, "") for c in read]
    text = "".join(read_cells)  # type: ignore[arg-type]
    return len(text) <= CELL_LIMIT and _CONTROL.search(text) is None


def shape_problems(number: int, cells: Mapping[str, object], read: Sequence[str]) -> list[RowProblem]:
    """What makes a row unreadable: undecodable text in any cell; a read cell that is too long,
    spans lines, or holds a value that is neither text, a number nor a date."""
    if _sound_text(cells, read):
        return []
    problems: list[RowProblem] = []
    for column, value in cells.items():
        if isinstance(value, _Undecodable) or (isinstance(value, str) and _SURROGATE.search(value)):
            problems.append(
                RowProblem(number, column, "is not UTF-8 text (undecodable bytes or a lone surrogate)")
            )
    for column in read:
        value = cells.get(column)
        if value is None or isinstance(value, _Undecodable | float | dt.date):
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            if value.bit_length() > 64:
                problems.append(RowProblem(number, column, "holds a whole number too large to hold"))
            continue
        if not isinstance(value, str):
            problems.append(
                RowProblem(
                    number,
                    column,
                    f"holds a value of type {type(value).__name__}, not text, a number or a date",
                )
            )
        elif len(value) > CELL_LIMIT:
            problems.append(
                RowProblem(
                    number,
                    column,
                    f"cell of {len(value)} characters is longer than the limit of {CELL_LIMIT}",
                )
            )
        elif _CONTROL.search(value):
            problems.append(
                RowProblem(number, column, "holds a line break or another control character (a stray quote?)")
            )
    return problems


def mapping_rows(rows: Iterable[object], read: Sequence[str]) -> Iterator[SourceRow]:
    """Rows given as mappings (``csv.DictReader`` rows, dicts), numbered from 2.

    An absent column reads as blank; a ``None`` cell is a cell the row lacks and a ``None`` key
    holds cells beyond the header (``csv.DictReader``'s ``restval`` and ``restkey``).
    """
    for number, cells in enumerate(rows, start=HEADER_ROW + 1):
        if not isinstance(cells, Mapping):
            yield SourceRow(
                number, problems=(RowProblem(number, "", "is not a mapping of columns to cells"),)
            )
            continue
        if None in cells:
            problem = RowProblem(number, "", "has more cells than the header")
        elif any(v is None for v in cells.values()):
            problem = RowProblem(number, "", "has fewer cells than the header")
        else:
            keys = [k for k in cells if not isinstance(k, str)]
            if keys:
                yield SourceRow(
                    number, problems=(RowProblem(number, "", "has a column name that is not text"),)
                )
            elif not blank(cells.values()):
                yield SourceRow(number, cells, tuple(shape_problems(number, cells, read)))
            continue
        yield SourceRow(number, problems=(problem,))


# -- CSV files ---------------------------------------------------------------------------------


class _Lines:
    """A text file's lines, keeping those of the record being read so that it can be re-scanned."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.taken: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken.append(line)
        return line


def _field_lengths(lines: Iterable[str]) -> list[int]:
    """The length of each field of one CSV record (excel dialect), reading only its lines.

    The csv module's own reader refuses a field over its limit (131072 characters by default,
    a process-wide setting we leave alone); this finds where that record ends without holding
    its fields, so that the rows after it are read as they are.
    """
    lengths: list[int] = []
    length = 0
    quoted_field = after_quote = False
    at_start = True
    for line in lines:
        i, n = 0, len(line)
        while i < n:
            if quoted_field:
                j = line.find('"', i)
                if j < 0:
                    length += n - i
                    break
                length += j - i
                i, quoted_field, after_quote = j + 1, False, True
                continue
            char = line[i]
            if after_quote and char == '"':  # a doubled quote inside quotes
                length, i, quoted_field, after_quote = length + 1, i + 1, True, False
                continue
            after_quote = False
            if char == ",":
                lengths.append(length)
                length, i, at_start = 0, i + 1, True
                continue
            if char in "\r\n":
                lengths.append(length)
                return lengths
            if at_start and char == '"':
                i, quoted_field, at_start = i + 1, True, False
                continue
            at_start = False
            j = i
            while j < n and line[j] not in ",\r\n":
                j += 1
            length, i = length + j - i, j
        if not quoted_field:
            lengths.append(length)
            return lengths
    lengths.append(length)  # the file ends inside quotes: the csv module ends the record there too
    return lengths


@attrs.frozen
class _Unreadable:
    """A record the csv module refused (a field over its limit): only its fields' lengths."""

    lengths: tuple[int, ...]


def _records(lines: _Lines) -> Iterator[list[str] | _Unreadable]:
    """Each record of the file, as the csv module reads it (a blank line is a record with no
    cells), or :class:`_Unreadable` for one it refuses."""
    reader = csv.reader(lines)
    while True:
        lines.taken.clear()
        failed = False
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            failed = True  # handled below, outside the handler: no chain to the csv error
        if failed:
            taken = list(lines.taken)
            lines.taken.clear()
            yield _Unreadable(tuple(_field_lengths(_chain(taken, lines))))
        else:
            yield cells


def _chain(first: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from first
    yield from rest


def blank(cells: Iterable[object]) -> bool:
    """Whether every cell of a row is blank: such a row has nothing to read, and is passed over."""
    return all(isinstance(c, str | None) and not (c or "").strip() for c in cells)


@attrs.frozen
class CsvTable:
    """A CSV file's header and its data rows (read as they are iterated, while the file is open)."""

    header: tuple[str, ...]
    header_row: int
    rows: Iterator[SourceRow]


@contextlib.contextmanager
def open_csv(
    path: str | os.PathLike[str], what: str, read: Callable[[Sequence[str]], Sequence[str]]
) -> Iterator[CsvTable]:
    """Open a CSV file (UTF-8, an optional byte order mark, a header row).

    Args:
        path: The file.
        what: The table's name in messages (``"wide table"``).
        read: Given the header, the columns the reader reads (whose cells are checked).

    Raises:
        TableFormatError: for a file with no header row, or a header that cannot be read.
    """
    with Path(path).open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
        records = _records(_Lines(handle))
        number = 0
        record: list[str] | _Unreadable = []
        header: list[str] | None = None
        for record in records:
            number += 1
            if isinstance(record, _Unreadable):
                break
            if record and not blank(record):
                header = [str(c) for c in record]
                break
        if header is None and not isinstance(record, _Unreadable):
            raise TableFormatError(f"{what}: no header row: the file is empty", [])
        problem = ""
        if header is None:
            problem = "the header cannot be read: a cell is longer than the CSV parser can hold"
        elif any(_SURROGATE.search(c) for c in header):
            problem = "the header is not UTF-8 text (undecodable bytes)"
        if problem or header is None:
            raise TableFormatError(f"{what}: {problem}", [RowProblem(number, "", problem)])
        yield CsvTable(tuple(header), number, _csv_rows(records, tuple(header), number, read(header)))


def _csv_rows(
    records: Iterator[list[str] | _Unreadable], header: tuple[str, ...], number: int, read: Sequence[str]
) -> Iterator[SourceRow]:
    width = len(header)
    for record in records:
        number += 1
        if isinstance(record, _Unreadable):
            lengths = record.lengths
            longest = max(range(len(lengths)), key=lengths.__getitem__)
            column = header[longest] if len(lengths) == width else ""
            message = f"a cell of {lengths[longest]} characters is longer than the CSV parser can hold"
            yield SourceRow(number, problems=(RowProblem(number, column, message),))
            continue
        line = "".join(record)
        if not line.strip():
            continue  # a blank row
        if len(record) != width:
            message = (
                f"has {len(record)} cells where the header has {width}: they may be in the wrong columns"
            )
            yield SourceRow(number, problems=(RowProblem(number, "", message),))
            continue
        row = dict(zip(header, record, strict=True))
        if len(line) <= CELL_LIMIT and _UNSOUND.search(line) is None:
            yield SourceRow(number, row)  # the common case, checked whole
        else:
            yield SourceRow(number, row, tuple(shape_problems(number, row, read)))


# -- DataFrames and Arrow tables -------------------------------------------------------------


def _scalar(value: Any, isna: Callable[[Any], Any]) -> object:
    """A frame's value as a plain Python scalar; ``None`` for a missing one."""
    if value is None or isinstance(value, str):
        return value
    item = getattr(value, "item", None)
    if type(value).__module__ == "numpy" and callable(item):
        value = item()  # numpy scalars: np.int64 is not an int
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str | int):
        return value
    missing = isna(value)  # NaT is a datetime, pd.NA no float: both are missing
    return None if getattr(missing, "ndim", 0) == 0 and bool(missing) else value


def frame_rows(frame: Any, read: Sequence[str]) -> Iterator[SourceRow]:
    """The rows of a pandas DataFrame, numbered from 2 by position, whatever its index."""
    pd = require("pandas", "reading a DataFrame")
    header = [str(c) for c in frame.columns]
    for number, record in enumerate(frame.itertuples(index=False, name=None), start=HEADER_ROW + 1):
        cells = {name: _scalar(value, pd.isna) for name, value in zip(header, record, strict=True)}
        if blank(cells.values()):
            continue
        yield SourceRow(number, cells, tuple(shape_problems(number, cells, read)))


def arrow_header(source: Any) -> tuple[Any, tuple[str, ...]]:
    """A pyarrow Table, or a Parquet file at a path, and its column names.

    Raises:
        TableFormatError: for a file Parquet cannot read.
    """
    pa = require("pyarrow", "reading an Arrow table")
    if isinstance(source, pa.Table):
        return source, tuple(str(n) for n in source.column_names)
    parquet = require("pyarrow.parquet", "reading a Parquet file")
    if isinstance(source, str | os.PathLike) and not Path(source).exists():
        raise FileNotFoundError(f"no such file: {quoted(os.fspath(source))}")
    opened = None
    with contextlib.suppress(OSError, pa.ArrowException):  # refused below, without pyarrow's message
        opened = parquet.ParquetFile(source)
    if opened is None:
        raise TableFormatError("exposure table: the file cannot be read as Parquet", [])
    return opened, tuple(str(n) for n in opened.schema_arrow.names)


def arrow_rows(opened: Any, header: Sequence[str], read: Sequence[str]) -> Iterator[SourceRow]:
    """The rows of a table from :func:`arrow_header`, numbered from 2 in file order; a Parquet file is
    read a record batch at a time."""
    pa = require("pyarrow", "reading an Arrow table")
    batches = iter(opened.to_batches()) if isinstance(opened, pa.Table) else opened.iter_batches()
    number = HEADER_ROW
    while True:
        batch = None
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (OSError, pa.ArrowException):
            pass  # refused below, without pyarrow's message
        if batch is None:
            raise TableFormatError(f"exposure table: the Parquet file cannot be read after row {number}", [])
        columns = [_arrow_values(batch.column(i)) for i in range(batch.num_columns)]
        for i in range(batch.num_rows):
            number += 1
            cells = {name: values[i] for name, values in zip(header, columns, strict=True)}
            if blank(cells.values()):
                continue
            yield SourceRow(number, cells, tuple(shape_problems(number, cells, read)))


class _Undecodable:
    """An Arrow string value whose bytes are not UTF-8."""


def _arrow_values(array: Any) -> list[object]:
    values: list[object] | None = None
    # pyarrow's errors quote the data: a column it cannot convert is converted cell by cell.
    with contextlib.suppress(Exception):
        values = array.to_pylist()
    if values is not None:
        return values
    found: list[object] = []
    for i in range(len(array)):
        value: object = _Undecodable()
        with contextlib.suppress(Exception):
            value = array[i].as_py()
        found.append(value)
    return found
