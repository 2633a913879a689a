"""Cells: the text forms of hand-made tables, read and written, and one row's cells."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Final

from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import DmtTimelineError, quoted
from dmt_timeline.io import _cells
from dmt_timeline.io._cells import CellError, is_na
from dmt_timeline.io._problems import RowProblem
from dmt_timeline.io._table import SourceRow
from dmt_timeline.io.cells import ReadingOptions
from dmt_timeline.model import EDSS, CSFBands, Modality

_CSF: Final = {
    "pos": CSFBands.POSITIVE,
    "positive": CSFBands.POSITIVE,
    "+": CSFBands.POSITIVE,
    "neg": CSFBands.NEGATIVE,
    "negative": CSFBands.NEGATIVE,
    "-": CSFBands.NEGATIVE,
    "0": CSFBands.NOT_DONE,
    "notdone": CSFBands.NOT_DONE,
    "nd": CSFBands.NOT_DONE,
}
_CSF_TEXT: Final = {CSFBands.POSITIVE: "Pos", CSFBands.NEGATIVE: "Neg", CSFBands.NOT_DONE: "0"}
_MODALITY: Final = {
    "t": Modality.TOPICAL,
    "top": Modality.TOPICAL,
    "s": Modality.STEROID,
    **{m.value: m for m in Modality},
}
_MODALITY_TEXT: Final = {Modality.TOPICAL: "t", Modality.STEROID: "s"}
_NONE_TREATMENT: Final = frozenset({"0", "none"})


def _date(text: str, as_of: dt.date | None, reading: ReadingOptions | None = None) -> PartialDate | None:
    if not text or is_na(text):
        return None
    if reading is None:
        date = _cells.date(text)
    else:
        date = PartialDate.read(text, day_first=reading.day_first, excel_serial=reading.excel_serial)
    if as_of is not None and date.first_day > as_of:
        raise CellError(f"date {quoted(text)} is after as_of {as_of.isoformat()}")
    return date


def _edss(text: str) -> EDSS | None:
    if not text or is_na(text):
        return None
    # The number is checked first: the model's message then names only its ASCII digits.
    return EDSS(_cells.number(text, "EDSS"))


def _months(text: str) -> int | None:
    if not text or is_na(text):
        return None
    return _cells.whole(text, "latency")


def _csf(text: str) -> CSFBands | None:
    if not text:
        return None
    found = _CSF.get("".join(text.casefold().split()))
    if found is None:
        raise CellError(f"CSF {quoted(text)} is not one of Pos, Neg, 0 (not done)")
    return found


def _modalities(text: str) -> tuple[Modality, ...]:
    if not text or text.casefold() in _NONE_TREATMENT:
        return ()
    found: list[Modality] = []
    for code in text.split(","):
        modality = _MODALITY.get(code.strip().casefold())
        if modality is None:
            known = ", ".join(["t", "s", *(m.value for m in Modality)])
            raise CellError(f"treatment code {quoted(code.strip())} is not one of {known}, 0")
        if modality not in found:
            found.append(modality)
    return tuple(found)


def _modalities_text(modalities: Iterable[Modality], *, short: bool) -> str:
    if short:
        return ", ".join(_MODALITY_TEXT.get(m, m.value) for m in modalities)
    return ", ".join(m.value.capitalize() for m in modalities)


class _Row:
    """One row's cells, collecting problems instead of stopping at the first."""

    def __init__(self, source: SourceRow) -> None:
        self.number = source.number
        self.source = source
        self.problems: list[RowProblem] = list(source.problems)

    def text(self, column: str | None) -> str:
        return self.source.text(column)

    def read(self, column: str | None, reader: Any, *args: Any) -> Any:
        if column is None:
            return None
        try:
            return reader(self.text(column), *args)
        except DmtTimelineError as exc:
            self.problems.append(RowProblem(self.number, column, str(exc)))
            return None

    def fail(self, column: str, message: str) -> None:
        self.problems.append(RowProblem(self.number, column, message))
