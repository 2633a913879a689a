"""Problems in a table: where each one is, and the error that lists them all."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from dmt_timeline.errors import CohortFormatError


@attrs.frozen
class RowProblem:
    """One problem in a table: where it is and what is wrong, without the row's content."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


class TableFormatError(CohortFormatError):
    """A table that cannot be read; ``row_problems`` lists every problem with its row and column."""

    def __init__(self, summary: str, row_problems: Sequence[RowProblem]) -> None:
        super().__init__(summary, tuple(str(p) for p in row_problems))
        self.row_problems = tuple(row_problems)
