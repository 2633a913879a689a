"""Problems in a table: where each one is, and the error that lists them all."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from dmt_timeline.errors import CohortFormatError


@attrs.frozen
class RowProblem:
    """One problem in a table: where it is and what is wrong, without the row's content.

    Attributes:
        row: The row as a spreadsheet numbers it: the header is row 1, the first data row is
            row 2, and a blank line is a row too.
        column: The column, or ``""`` for a problem of the whole row (a row with more or fewer
            cells than the header).
        message: What is wrong; a cell is quoted only through :func:`dmt_timeline.errors.quoted`.
    """

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if not self.column:
            return f"row {self.row}: {self.message}"
        return f"row {self.row}, column {self.column}: {self.message}"


class TableFormatError(CohortFormatError):
    """A table that cannot be read; ``row_problems`` lists every problem with its row and column."""

    def __init__(self, summary: str, row_problems: Sequence[RowProblem]) -> None:
        super().__init__(summary, tuple(str(p) for p in row_problems))
        self.row_problems = tuple(row_problems)
