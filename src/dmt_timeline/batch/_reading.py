"""Reading a table from pyarrow, pandas, Parquet or CSV: every problem named by row or line,
never quoted; pyarrow's messages (which quote the row they stopped at) are not passed on."""

from __future__ import annotations

import codecs
import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dmt_timeline.batch._columns import _PROBLEMS_SHOWN, _imports
from dmt_timeline.batch._row_numbers import RowNumbers
from dmt_timeline.errors import InvalidValueError, quoted

if TYPE_CHECKING:
    import pyarrow as pa


def _check_utf8(path: Path) -> int:
    """Refuse a file that is not UTF-8, naming the line: checked before pyarrow parses it,
    since pyarrow decodes a ragged row's text to pass it on, and reports a failure to do so
    (with the row) on stderr. The file's count of line feeds, counted on the way."""
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
    return line - 1


def _read_csv(
    path: Path,
    wanted: Sequence[str] | None = None,
    optional: Sequence[str] = (),
    *,
    rows: RowNumbers | None = None,
    skip_ragged: bool = False,
) -> pa.Table:
    """Every column of a CSV file as text; ragged rows and bad UTF-8 named by row, never quoted.

    A name the header repeats is quoted only when it is one of the reader's columns (``wanted``
    and ``optional``): a file without a header has a record there. The file's blank lines are
    put in ``rows`` (to number the rows as a spreadsheet does); with ``skip_ragged``, its ragged
    rows too, and those rows are left out instead of refused.
    """
    rows = RowNumbers() if rows is None else rows
    _, pa, _ = _imports()
    import pyarrow.csv as pacsv  # noqa: PLC0415

    ragged: list[tuple[int | None, int, int]] = []
    spaces: list[int | None] = []

    def invalid_row(row: Any) -> str:
        # Only the counts and the number are kept: row.text is the whole row.
        if row.actual_columns == 1 and not row.text.strip():
            spaces.append(row.number)  # a line of spaces: a blank row, passed over as the object readers do
        else:
            ragged.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    if not path.is_file():
        raise FileNotFoundError(2, "no such file", str(path))
    newlines = _check_utf8(path)
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
        raise InvalidValueError(f"{quoted(path.name)}: cannot be read as a CSV table")
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        known = {*(wanted or ()), *optional}
        listed = ", ".join(quoted(n) for n in twice if n in known)
        others = sum(n not in known for n in twice)
        said = f"{others} name(s) not among the reader's columns (not quoted)" if others else ""
        raise InvalidValueError(
            f"CSV header: {f'column(s) {listed}' if listed else ''}{' and ' if listed and said else ''}"
            f"{said} given more than once"
        )
    rows.read_blank_lines(path, newlines=newlines, records=table.num_rows + len(ragged) + len(spaces) + 1)
    if any(number is None for number, _, _ in ragged) or None in spaces:
        # Numbers are known only when the file is read in one thread: read it again so.
        ragged.clear()
        spaces.clear()
        with contextlib.suppress(pa.ArrowException, ValueError):  # read once already: no row lost
            pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(use_threads=False),
                parse_options=pacsv.ParseOptions(invalid_row_handler=invalid_row),
                convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True),
            )
    # pyarrow numbers a record from 1 at the header, blank lines not counted.
    rows.passed.extend(sorted(number - 1 for number in spaces if number is not None))
    if ragged:
        if skip_ragged and all(number is not None for number, _, _ in ragged):
            rows.ragged.extend(sorted(number - 1 for number, _, _ in ragged if number is not None))
            return table
        shown = [
            f"{rows.of_records([number - 1])[0] if number is not None else '?'} "
            f"({actual} cells, not {expected})"
            for number, expected, actual in ragged[:_PROBLEMS_SHOWN]
        ]
        more = f" and {len(ragged) - _PROBLEMS_SHOWN} more" if len(ragged) > _PROBLEMS_SHOWN else ""
        raise InvalidValueError(
            f"CSV row(s) {', '.join(shown)}{more}: not as many cells as the header has columns"
        )
    return table


def missing_columns(missing: Sequence[str], found: Sequence[str]) -> InvalidValueError:
    """The error for columns a table lacks, once, with the columns it has instead."""
    shown = ", ".join(quoted(n) for n in found[: _PROBLEMS_SHOWN * 3])
    more = f" and {len(found) - _PROBLEMS_SHOWN * 3} more" if len(found) > _PROBLEMS_SHOWN * 3 else ""
    named = ", ".join(quoted(n) for n in missing)
    return InvalidValueError(f"table: column(s) {named} missing; found: {shown or 'no columns'}{more}")


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
        raise InvalidValueError(f"{quoted(path.name)}: cannot be read as a Parquet table")
    return table


def read_table(source: Any, names: tuple[str, ...] | None = None, optional: tuple[str, ...] = ()) -> pa.Table:
    """A pyarrow Table from a pyarrow Table, a pandas DataFrame, or a Parquet or CSV path.

    ``names`` must be present; from Parquet only ``names`` and ``optional`` are read.

    CSV text is read as text (no type guessing); dates are parsed later, strictly. A CSV row
    with more or fewer cells than the header, text that is not UTF-8 and a file pyarrow cannot
    read are refused with :class:`~dmt_timeline.errors.InvalidValueError` naming the rows, never
    quoting them.
    """
    return _read_source(source, names, optional)


def read_numbered(
    source: Any, names: tuple[str, ...] | None = None, optional: tuple[str, ...] = ()
) -> tuple[pa.Table, RowNumbers]:
    """:func:`read_table`, and the spreadsheet row numbers of its rows, for :func:`numbered`."""
    rows = RowNumbers()
    return _read_source(source, names, optional, rows=rows), rows


def _read_source(
    source: Any,
    names: tuple[str, ...] | None = None,
    optional: tuple[str, ...] = (),
    *,
    rows: RowNumbers | None = None,
    skip_ragged: bool = False,
) -> pa.Table:
    """:func:`read_table`; a CSV file's blank lines put in ``rows`` (and with ``skip_ragged``, its
    ragged rows, left out instead of refused)."""
    _, pa, _ = _imports()
    if isinstance(source, pa.Table):
        table = source
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        table = (
            _read_csv(path, names, optional, rows=rows, skip_ragged=skip_ragged)
            if path.suffix.lower() == ".csv"
            else _parquet(path, names, optional)
        )
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
            raise missing_columns(missing, table.column_names)
        twice = [n for n in (*names, *optional) if table.column_names.count(n) > 1]
        if twice:
            raise InvalidValueError(f"table: column(s) {', '.join(twice)} given more than once")
    return table
