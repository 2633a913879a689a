"""A researcher's own files: CSV and Excel ``.xlsx`` tables read through a layout into a cohort.

:func:`read_table` takes the file a researcher has and a layout (a
:class:`~dmt_timeline.io.layouts.LongLayout`, a :class:`~dmt_timeline.io.wide.WideLayout`, or
the path of a TOML layout file) and gives the cohort with every problem found. There is no
default layout: a table is never read as if it were the bundled study's.

Excel files need the extra ``excel`` (``pip install "dmt-timeline[excel]"``, openpyxl). Their
cells keep their types: a date cell is a day, a number in a date column a year (or an Excel
serial day number when the layout says ``excel_serial``). Rows are numbered as the
spreadsheet shows them (the header is row 1); wholly empty rows are passed over.

SAS (``.sas7bdat``, ``.xpt`` transport), Stata (``.dta``) and SPSS (``.sav``, ``.zsav``) files
need the extra ``stats-files`` (``pip install "dmt-timeline[stats-files]"``, pyreadstat). A
variable stored as a SAS, Stata or SPSS date is a day; a date-time is its day. Rows are numbered
as if the file were a spreadsheet with the variable names in row 1.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import attrs

from dmt_timeline.catalogue import CATALOGUE, Catalogue
from dmt_timeline.errors import CohortFormatError, quoted
from dmt_timeline.io.exposures import ExposureLayout, build_episodes, read_exposures_table
from dmt_timeline.io.layouts import LongLayout, load_layout
from dmt_timeline.io.long import HEADER_ROW, LongRead, read_long_rows
from dmt_timeline.io.wide import RowProblem, TableFormatError, WideLayout, WideRead, read_wide_rows
from dmt_timeline.model import CohortMetadata

__all__ = ["EXCEL_EXTRA", "STATS_FILES_EXTRA", "TABLE_SUFFIXES", "open_table", "read_table", "table_header"]

EXCEL_EXTRA: Final = 'pip install "dmt-timeline[excel]"'
STATS_FILES_EXTRA: Final = 'pip install "dmt-timeline[stats-files]"'
_EXCEL_SUFFIXES: Final = (".xlsx", ".xlsm")
_CSV_SUFFIXES: Final = (".csv", ".txt")
# Each statistics package's file suffix, with the pyreadstat reader and the package's name.
_STATS_READERS: Final = {
    ".sas7bdat": ("read_sas7bdat", "SAS"),
    ".xpt": ("read_xport", "SAS transport"),
    ".dta": ("read_dta", "Stata"),
    ".sav": ("read_sav", "SPSS"),
    ".zsav": ("read_sav", "SPSS"),
}
TABLE_SUFFIXES: Final = (*_CSV_SUFFIXES, *_EXCEL_SUFFIXES, *_STATS_READERS)
"""The suffixes of the table files :func:`open_table` reads."""


def _openpyxl() -> Any:
    try:
        import openpyxl  # noqa: PLC0415 - an optional extra, imported on use
    except ImportError:
        failed = True
    else:
        return openpyxl
    assert failed
    raise ImportError(f"reading Excel files needs openpyxl: {EXCEL_EXTRA}")


def _pyreadstat() -> Any:
    try:
        import pyreadstat  # noqa: PLC0415 - an optional extra, imported on use
    except ImportError:
        failed = True
    else:
        return pyreadstat
    assert failed
    raise ImportError(f"reading SAS, Stata and SPSS files needs pyreadstat: {STATS_FILES_EXTRA}")


def _blank(cells: Sequence[object]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


_Rows = Iterator[tuple[int, list[object]]]


@contextlib.contextmanager
def _excel_rows(path: Path, sheet: str | int | None) -> Iterator[tuple[list[str], _Rows]]:
    openpyxl = _openpyxl()
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:
        failed = True
    else:
        failed = False
    if failed:
        # Raised outside the except block: a parser's message may quote the file's content.
        raise CohortFormatError(f"{path.name}: not an Excel .xlsx workbook")
    try:
        names = list(book.sheetnames)
        position = 0 if sheet is None else sheet
        if isinstance(position, int):
            if not 0 <= position < len(names):
                raise CohortFormatError(
                    f"{path.name}: no sheet {position}; sheets: {', '.join(map(quoted, names))}"
                )
            position = names[position]
        if position not in names:
            sheets = ", ".join(map(quoted, names))
            raise CohortFormatError(f"{path.name}: no sheet {quoted(position)}; sheets: {sheets}")
        rows = book[position].iter_rows(values_only=True)
        header = ["" if c is None else str(c).strip() for c in next(rows, ())]
        yield header, ((number, list(cells)) for number, cells in enumerate(rows, start=HEADER_ROW + 1))
    finally:
        book.close()


@contextlib.contextmanager
def _stats_rows(path: Path) -> Iterator[tuple[list[str], _Rows]]:
    reader, package = _STATS_READERS[path.suffix.casefold()]
    pyreadstat = _pyreadstat()
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {quoted(path.name)}")
    columns: Mapping[str, list[object]] | None = None
    try:
        # "dict" output: one list per variable, dates as datetime.date, missing values as None.
        columns, _ = getattr(pyreadstat, reader)(path, output_format="dict")
    except Exception:  # any failure of the parser is the file's; said below
        columns = None
    if columns is None:
        # Outside the except block: the parser's message may quote the file's content.
        raise CohortFormatError(f"{path.name}: not a readable {package} file")
    header = [str(name) for name in columns]
    values = list(columns.values())
    count = len(values[0]) if values else 0
    rows = ((HEADER_ROW + 1 + i, [v[i] for v in values]) for i in range(count))
    yield header, rows


def _csv_body(path: Path, reader: Iterator[list[str]]) -> _Rows:
    number = HEADER_ROW
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (UnicodeDecodeError, csv.Error):
            failed = True
        else:
            failed = False
        number += 1
        if failed:
            # Outside the except block: the decoder's error holds the file's bytes.
            raise CohortFormatError(f"{path.name}: row {number} is not UTF-8 CSV text")
        yield number, list(cells)


@contextlib.contextmanager
def _csv_rows(path: Path) -> Iterator[tuple[list[str], _Rows]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header: list[str] | None = None
        try:
            header = [c.strip() for c in next(reader, [])]
        except (UnicodeDecodeError, csv.Error):
            header = None
        if header is None:
            raise CohortFormatError(f"{path.name}: the header is not UTF-8 CSV text")
        yield header, _csv_body(path, reader)


def open_table(
    path: str | os.PathLike[str], *, sheet: str | int | None = None
) -> contextlib.AbstractContextManager[tuple[list[str], _Rows]]:
    """A table file's header and its rows as ``(spreadsheet row, cells)``, by its suffix.

    Use it in a ``with`` statement; the file is closed when the block ends::

        with open_table("chart.xlsx", sheet="DMTs") as (header, rows):
            ...

    Args:
        path: A ``.csv`` (UTF-8, comma-separated) or ``.xlsx`` file; or a SAS (``.sas7bdat``,
            ``.xpt``), Stata (``.dta``) or SPSS (``.sav``, ``.zsav``) file.
        sheet: For Excel, the sheet's name or 0-based position; the first by default.

    Raises:
        CohortFormatError: for another suffix, a missing sheet, or a file that cannot be read.
        ImportError: naming the extra to install, for Excel or a statistics package's file.
    """
    file = Path(path)
    suffix = file.suffix.casefold()
    if suffix in _EXCEL_SUFFIXES:
        return _excel_rows(file, sheet)
    if sheet is not None:
        raise CohortFormatError(f"{file.name}: sheet is for Excel files; this is {suffix or 'no suffix'}")
    if suffix in _CSV_SUFFIXES:
        return _csv_rows(file)
    if suffix in _STATS_READERS:
        return _stats_rows(file)
    raise CohortFormatError(f"{file.name}: expected one of {', '.join(TABLE_SUFFIXES)}")


def table_header(path: str | os.PathLike[str], *, sheet: str | int | None = None) -> list[str]:
    """A table file's column names."""
    with open_table(path, sheet=sheet) as (header, _):
        return header


def _records(
    header: Sequence[str], rows: _Rows, problems: list[RowProblem]
) -> Iterator[tuple[int, Mapping[str, object]]]:
    for number, cells in rows:
        if _blank(cells):
            continue
        if len(cells) > len(header) and not _blank(cells[len(header) :]):
            extra = len(cells) - len(header)
            problems.append(RowProblem(number, "", f"the row has {extra} more cell(s) than the header"))
            continue
        yield number, dict(zip(header, cells, strict=False))


def _text_cell(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime) and cell.time() == dt.time():
        return cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell)


def read_table(
    path: str | os.PathLike[str],
    layout: LongLayout | WideLayout | ExposureLayout | str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    catalogue: Catalogue = CATALOGUE,
    skip_bad_rows: bool = False,
    metadata: CohortMetadata | None = None,
) -> LongRead | WideRead:
    """Read a table file through a layout: the cohort, with every problem named.

    An exposure table (an :class:`~dmt_timeline.io.exposures.ExposureLayout`) is read with
    :func:`~dmt_timeline.io.exposures.read_exposures_table` and built into episodes with
    :func:`~dmt_timeline.io.exposures.build_episodes` (the layout's end policy, data cut and
    persistence window); as with a long table, a patient with a bad row is left out whole.

    Args:
        path: The ``.csv``, ``.xlsx``, SAS, Stata or SPSS file (see :func:`open_table`).
        layout: A long, wide or exposure layout, or the path of a TOML layout file.
        sheet: For Excel, the sheet's name or 0-based position; the first by default.
        catalogue: Where therapy names are looked up.
        skip_bad_rows: Read what is good and report the rest, instead of refusing the table.
        metadata: The cohort's metadata; by default its source is the file's name.

    Raises:
        TableFormatError: listing every problem by row, column and value (unless
            ``skip_bad_rows``); a header that lacks a layout column is refused even then.
        CohortFormatError: for a file or layout that cannot be read at all.
    """
    chosen = layout if isinstance(layout, LongLayout | WideLayout | ExposureLayout) else load_layout(layout)
    metadata = metadata or CohortMetadata(source=Path(path).name)
    if isinstance(chosen, ExposureLayout):
        return _exposure_table(
            path, chosen, sheet=sheet, catalogue=catalogue, skip_bad_rows=skip_bad_rows, metadata=metadata
        )
    layout = chosen
    extra: list[RowProblem] = []
    with open_table(path, sheet=sheet) as (header, rows):
        numbered = list(_records(header, rows, extra))
    if isinstance(layout, LongLayout):
        read = read_long_rows(
            (cells for _, cells in numbered),
            layout,
            header=header,
            catalogue=catalogue,
            skip_bad_rows=True,
            metadata=metadata,
        )
        # Spreadsheet rows: blank rows were passed over, so number by the rows' own numbers.
        numbers = [n for n, _ in numbered]
        problems = [*extra, *(_renumber(p, numbers) for p in read.skipped)]
        problems.sort(key=lambda p: p.row)
        if problems and not skip_bad_rows:
            raise TableFormatError(
                f"{Path(path).name}: {len(problems)} problem(s); nothing was read", problems
            )
        return LongRead(read.cohort, tuple(problems), read.skipped_patients)
    text_rows = [(n, {k: _text_cell(v) for k, v in cells.items()}) for n, cells in numbered]
    wide = read_wide_rows(
        (cells for _, cells in text_rows),
        layout,
        header=header,
        catalogue=catalogue,
        skip_bad_rows=True,
        metadata=metadata,
    )
    numbers = [n for n, _ in text_rows]
    problems = [*extra, *(_renumber(p, numbers) for p in wide.skipped)]
    _refuse(path, problems, skip_bad_rows=skip_bad_rows)
    return WideRead(wide.cohort, tuple(problems))


def _exposure_table(
    path: str | os.PathLike[str],
    layout: ExposureLayout,
    *,
    sheet: str | int | None,
    catalogue: Catalogue,
    skip_bad_rows: bool,
    metadata: CohortMetadata,
) -> LongRead:
    read = read_exposures_table(
        path,
        layout.columns,
        sheet=sheet,
        skip_bad_rows=True,
        catalogue=catalogue,
        end_policy=layout.end_policy,
        durations=dict(layout.durations) or None,
        as_of=layout.as_of,
    )
    problems = list(read.skipped)
    _refuse(path, problems, skip_bad_rows=skip_bad_rows)
    # A history without one of its rows is another history: its patient is left out whole.
    bad = set(read.patients_with_problems)
    built = build_episodes(
        [e for e in read if e.person_id not in bad],
        catalogue=catalogue,
        persistence_days=layout.persistence_days,
        as_of=layout.as_of,
    )
    cohort = attrs.evolve(built.cohort, metadata=metadata)
    return LongRead(cohort, tuple(problems), read.patients_with_problems)


def _refuse(path: str | os.PathLike[str], problems: list[RowProblem], *, skip_bad_rows: bool) -> None:
    problems.sort(key=lambda p: p.row)
    if problems and not skip_bad_rows:
        summary = f"{Path(path).name}: {len(problems)} problem(s); nothing was read"
        raise TableFormatError(summary, problems)


def _renumber(problem: RowProblem, numbers: Sequence[int], *, first: int = HEADER_ROW + 1) -> RowProblem:
    """A problem numbered by the reader's count of rows, renumbered by the spreadsheet's rows."""
    index = problem.row - first
    if 0 <= index < len(numbers):
        return RowProblem(numbers[index], problem.column, problem.message)
    return problem
