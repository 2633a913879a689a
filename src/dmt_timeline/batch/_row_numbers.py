"""Which spreadsheet row each row of a table read here is: the one rule of the batch engine.

Rows are numbered as a spreadsheet shows them and as the object readers number them
(:mod:`dmt_timeline.io._table`): the header is row 1. In a CSV file every record is a row, a
blank line included (a record spanning lines, inside a quoted cell, is one row); pyarrow passes
blank lines over and leaves out the rows it refuses (ragged ones, and lines of spaces only,
which are blank rows here as in the object readers), so all are put back here. A table that is
no CSV file (Parquet, Arrow, pandas) has no blank rows: the row at position ``i`` is row
``i + 2``.

Blank lines are looked for only in a file with more lines than records (the line feeds are
counted anyway, as the file is checked to be UTF-8): then in the file's bytes, with numpy. A
line feed ends a record when an even number of quote characters precede it (a quote inside a
quoted cell is doubled), so a blank line inside a quoted cell is no blank row. A quote inside
a cell that is not quoted (``5'10"``) breaks that count: the blank lines after it, until
another such quote, may go uncounted.
"""

from __future__ import annotations

import contextlib
import contextvars
import mmap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dmt_timeline.io._table import HEADER_ROW


def _spread(np: Any, kept: Any, removed: Any) -> Any:
    """Positions (1-based) among all items of the ``kept`` ones (1-based among those kept),
    ``removed`` being the sorted positions (1-based, among all) of the others."""
    if not len(removed):
        return kept
    # The j-th removed item (0-based) moves every kept one from position removed[j] - j on.
    return kept + np.searchsorted(removed - np.arange(len(removed)), kept, side="right")


class RowNumbers:
    """The row numbers of one table: filled by the CSV reader (blank lines, ragged rows),
    the rule ``index + 2`` otherwise."""

    def __init__(self) -> None:
        self.header = HEADER_ROW
        self.blank: Any = None  # sorted records (1-based after the header) that are blank lines
        self.ragged: list[int] = []  # records (1-based after the header, blanks not counted) refused
        self.passed: list[
            int
        ] = []  # records, numbered so, of spaces only: blank rows pyarrow does not pass over

    def of_records(self, records: Any) -> Any:
        """Spreadsheet rows of data records numbered from 1 after the header, blanks not counted."""
        np = _np()
        records = np.asarray(records, dtype=np.int64)
        blank = self.blank if self.blank is not None else np.zeros(0, np.int64)
        return self.header + _spread(np, records, blank)

    def of(self, indices: Any) -> Any:
        """Spreadsheet rows of the table's rows at ``indices`` (0-based)."""
        np = _np()
        indices = np.asarray(indices, dtype=np.int64)
        left_out = np.array(sorted(self.ragged + self.passed), dtype=np.int64)
        return self.of_records(_spread(np, indices + 1, left_out))

    def read_blank_lines(self, path: Path, *, newlines: int, records: int) -> None:
        """Find the blank lines of a CSV file of ``newlines`` line feeds, of which pyarrow read
        ``records`` records (the header included); none are looked for when every line is one."""
        np = _np()
        with path.open("rb") as file:
            size = path.stat().st_size
            if size == 0:
                return
            file.seek(size - 1)
            if newlines == records - (file.read(1) != b"\n"):
                return  # as many lines as records: no blank line, no cell spanning lines
            with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
                raw = np.frombuffer(data, dtype=np.uint8)
                try:
                    ends = np.flatnonzero(raw == ord("\n"))
                    quotes = np.flatnonzero(raw == ord('"'))
                    if len(quotes):
                        ends = ends[np.searchsorted(quotes, ends) % 2 == 0]
                    starts = np.r_[0, ends[:-1] + 1]
                    length = ends - starts
                    carriage = np.zeros(len(ends), dtype=bool)
                    one = length == 1
                    carriage[one] = raw[starts[one]] == ord("\r")
                    blank = np.flatnonzero((length == 0) | carriage) + 1  # rows, 1-based
                finally:
                    del raw  # the buffer must be released before the map is closed
        # The header is the first record that is not a blank line.
        header = 1
        while header - 1 < len(blank) and blank[header - 1] == header:
            header += 1
        self.header = header
        self.blank = blank[blank > header] - header


def _np() -> Any:
    import numpy as np  # noqa: PLC0415 - the extra "tables"

    return np


_CURRENT: contextvars.ContextVar[RowNumbers | None] = contextvars.ContextVar("row_numbers", default=None)


@contextlib.contextmanager
def numbered(rows: RowNumbers) -> Iterator[None]:
    """Number the rows of the problems named within as those of ``rows``' table."""
    token = _CURRENT.set(rows)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def row_numbers(indices: Any) -> Any:
    """Spreadsheet rows of the rows at ``indices`` of the table being read."""
    current = _CURRENT.get()
    if current is None:
        return _np().asarray(indices, dtype="int64") + HEADER_ROW + 1
    return current.of(indices)
