"""Long tables of therapy episodes (one row per episode), as chart reviews write them.

Rows are read through a :class:`~dmt_timeline.io.layouts.LongLayout`: dates in any form
:meth:`~dmt_timeline.PartialDate.read` accepts (with the layout's day order), stop cells with
words for ongoing (:func:`~dmt_timeline.io.cells.read_stop`), reasons in any spelling
:mod:`dmt_timeline.reasons` knows or the layout's crosswalk maps, therapies by any catalogue
name or the layout's therapy crosswalk, EDSS as plain ASCII numbers, and other columns kept as
patient labels.

Every problem is a :class:`~dmt_timeline.io.wide.RowProblem` naming the spreadsheet row (the
header is row 1, so the first patient row is row 2), the column, the patient when the row has
one, and the value. Nothing is dropped without a line saying so: with ``skip_bad_rows`` a
patient with a bad row is left out whole (a history with a missing episode would be a different
history), and :attr:`LongRead.skipped_patients` names them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs

from dmt_timeline.catalogue import CATALOGUE, Catalogue, Therapy
from dmt_timeline.dates import Order, PartialDate
from dmt_timeline.errors import DmtTimelineError, quoted
from dmt_timeline.ids import patient_id
from dmt_timeline.io._table import check_header
from dmt_timeline.io.cells import TherapyReader, read_sex, read_stop, reason_reader, therapy_reader
from dmt_timeline.io.layouts import LongLayout
from dmt_timeline.io.wide import RowProblem, TableFormatError
from dmt_timeline.model import (
    EDSS,
    ONGOING,
    Cohort,
    CohortMetadata,
    Patient,
    Sex,
    StopState,
    SwitchReason,
    TherapyEpisode,
)
from dmt_timeline.reasons import ReasonReader

__all__ = ["HEADER_ROW", "LongRead", "read_long_rows"]

HEADER_ROW: Final = 1
"""The spreadsheet row of the header; problems name rows as a spreadsheet shows them."""

_EDSS_TEXT: Final = re.compile(r"[0-9]{1,2}(?:[.,][0-9]{1,3})?", re.ASCII)
_NOISE: Final = re.compile(r"[\s\-_.]+")


@attrs.frozen
class LongRead:
    """What a long table gave, as :class:`~dmt_timeline.io.wide.WideRead` says it.

    Attributes:
        cohort: The patients read, in order of their first row.
        skipped: Every problem of the rows left out, by row; empty unless ``skip_bad_rows``
            was set (otherwise the table is refused with them).
        skipped_patients: The patients left out because a row of theirs had a problem.
    """

    cohort: Cohort
    skipped: tuple[RowProblem, ...] = ()
    skipped_patients: tuple[str, ...] = ()


def _text(cell: object) -> str:
    """A cell as text: what a CSV would hold for it."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime | dt.date):
        return cell.isoformat()
    return str(cell)


def _fold(text: str) -> str:
    return _NOISE.sub("", text).casefold()


def _edss(cell: object) -> EDSS | None:
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return EDSS(cell)
    text = _text(cell)
    if not text:
        return None
    if not _EDSS_TEXT.fullmatch(text):
        raise _CellError(f"EDSS {quoted(text)} is not a number")
    return EDSS(float(text.replace(",", ".")))


class _CellError(DmtTimelineError, ValueError):
    """A cell that cannot be read; reported with its row and column."""


class _Rows:
    """Problems of one table, by row and patient."""

    def __init__(self) -> None:
        self.problems: list[RowProblem] = []
        self.bad_patients: set[str] = set()

    def fail(self, row: int, column: str, who: str | None, message: str) -> None:
        prefix = f"patient {quoted(who)}: " if who else ""
        self.problems.append(RowProblem(row, column, prefix + message))
        if who:
            self.bad_patients.add(who)


def _check_header(header: Sequence[str] | None, layout: LongLayout) -> None:
    if header is not None:
        # The readers' one header check: the missing columns named once, with the columns found
        # only when the header names a column the layout knows (a headerless file's first row is
        # data, never to be echoed).
        check_header(header, layout.columns, "long table", row=HEADER_ROW)


def read_long_rows(
    rows: Iterable[Mapping[str, object]],
    layout: LongLayout,
    *,
    header: Sequence[str] | None = None,
    catalogue: Catalogue = CATALOGUE,
    skip_bad_rows: bool = False,
    first_row: int = HEADER_ROW + 1,
    metadata: CohortMetadata = CohortMetadata(),  # noqa: B008 - a frozen value, safe as a default
) -> LongRead:
    """Read rows (column name to cell: text, numbers, dates or None) through ``layout``.

    Args:
        rows: The data rows, in table order.
        layout: Which column holds what, and how cells are written.
        header: The table's column names; each column of the layout must be among them.
        catalogue: Where therapy names are looked up (after the layout's therapy crosswalk).
        skip_bad_rows: Read the patients whose rows are all good and report the rest, instead
            of refusing the whole table.
        first_row: The spreadsheet row of the first of ``rows``.
        metadata: The cohort's metadata.

    Raises:
        TableFormatError: listing every problem, unless ``skip_bad_rows`` is set; a header
            that lacks a layout column is refused even then, once per column, with the
            columns found.
    """
    _check_header(header, layout)
    reading = layout.reading
    reasons_of = reason_reader(reading)
    therapies = therapy_reader(catalogue, reading)
    table = _Rows()
    order: list[str] = []
    episodes: dict[str, list[TherapyEpisode]] = {}
    labels: dict[str, dict[str, tuple[str, int]]] = {}
    # Per patient, sex and birth date as first recorded: (value, row, cell).
    personal: dict[str, dict[str, tuple[object, int, str]]] = {}
    seen: dict[tuple[str, str, PartialDate, PartialDate | StopState], int] = {}
    for number, cells in enumerate(rows, start=first_row):
        who: str | None = None
        try:
            who = patient_id(cells.get(layout.patient_id))
        except DmtTimelineError as exc:
            table.fail(number, layout.patient_id, None, str(exc))
        if who is not None and who not in episodes:
            order.append(who)
            episodes[who] = []
            labels[who] = {}
            personal[who] = {}
        before = len(table.problems)
        row = _Row(number, cells, layout, who, table)
        episode = row.episode(therapies, reasons_of)
        row.labels(labels)
        row.personal(personal)
        if who is None or episode is None or len(table.problems) > before:
            continue
        key = (who, episode.therapy.name, episode.start, episode.stop)
        if key in seen:
            table.fail(number, layout.therapy, who, f"repeats row {seen[key]} (same therapy, start and stop)")
            continue
        seen[key] = number
        episodes[who].append(episode)
    built = {
        who: _patient(who, episodes[who], labels[who], personal[who], layout, table)
        for who in order
        if who not in table.bad_patients
    }
    table.problems.sort(key=lambda p: p.row)  # a refused birth date is found last: in row order
    if table.problems and not skip_bad_rows:
        raise TableFormatError(
            f"long table: {len(table.problems)} problem(s); nothing was read", table.problems
        )
    patients = [patient for patient in built.values() if patient is not None]
    skipped = tuple(who for who in order if who in table.bad_patients)
    return LongRead(Cohort(patients, metadata), tuple(table.problems), skipped)


def _patient(  # noqa: PLR0917 - private, called once with the reader's own state
    who: str,
    episodes: list[TherapyEpisode],
    labels: dict[str, tuple[str, int]],
    personal: dict[str, tuple[object, int, str]],
    layout: LongLayout,
    table: _Rows,
) -> Patient | None:
    """The patient of a table's rows, or None with the birth date it refuses reported at its row."""
    sex = personal.get("sex", (None, 0, ""))[0]
    assert sex is None or isinstance(sex, Sex)
    patient = Patient(who, episodes=episodes, labels={k: v for k, (v, _) in labels.items()}, sex=sex)
    if "birth_date" not in personal:
        return patient
    birth, row, _ = personal["birth_date"]
    assert layout.birth_date is not None
    assert isinstance(birth, PartialDate)
    try:
        return attrs.evolve(patient, birth_date=birth)
    except DmtTimelineError as exc:
        message = str(exc).removeprefix(f"patient {quoted(who)}: ")
    table.fail(row, layout.birth_date, who, message)
    return None


@attrs.define
class _Row:
    """One row's cells, read through the layout, every problem noted in the table's list."""

    number: int
    cells: Mapping[str, object]
    layout: LongLayout
    who: str | None
    table: _Rows

    def fail(self, column: str, message: str) -> None:
        self.table.fail(self.number, column, self.who, message)

    def labels(self, labels: dict[str, dict[str, tuple[str, int]]]) -> None:
        if self.who is None:
            return
        mine = labels[self.who]
        for column in self.layout.labels:
            value = _text(self.cells.get(column))
            if not value:
                continue
            first, row = mine.setdefault(column, (value, self.number))
            if first != value:
                self.fail(column, f"{quoted(value)} differs from {quoted(first)} in row {row}")

    def personal(self, personal: dict[str, dict[str, tuple[object, int, str]]]) -> None:
        """Sex and birth date: each must agree across a patient's rows (a blank says nothing)."""
        reading = self.layout.reading
        for field, column in (("sex", self.layout.sex), ("birth_date", self.layout.birth_date)):
            if column is None:
                continue
            cell: Any = self.cells.get(column)
            text = _text(cell)
            try:
                if field == "sex":
                    value: object = read_sex(
                        cell if isinstance(cell, str | int | None) else text, crosswalk=reading.sex
                    )
                else:
                    value = (
                        None
                        if not text
                        else PartialDate.read(
                            cell, day_first=reading.day_first, excel_serial=reading.excel_serial
                        )
                    )
            except DmtTimelineError as exc:
                self.fail(column, str(exc))
                continue
            if value is None or self.who is None:
                continue
            first, row, first_text = personal[self.who].setdefault(field, (value, self.number, text))
            if first != value:
                self.fail(column, f"{quoted(text)} differs from {quoted(first_text)} in row {row}")

    def therapy(self, therapies: TherapyReader) -> Therapy | None:
        name = _text(self.cells.get(self.layout.therapy))
        if not name:
            self.fail(self.layout.therapy, "therapy is blank")
            return None
        found = therapies.get(name)
        if isinstance(found, str):
            self.fail(self.layout.therapy, found)
            return None
        return found

    def start(self) -> PartialDate | None:
        reading, column = self.layout.reading, self.layout.start
        cell: Any = self.cells.get(column)  # read() refuses what is not a date by name
        if not _text(cell):
            self.fail(column, "start is blank")
            return None
        try:
            return PartialDate.read(cell, day_first=reading.day_first, excel_serial=reading.excel_serial)
        except DmtTimelineError as exc:
            self.fail(column, str(exc))
        return None

    def stop(self) -> PartialDate | StopState | None:
        reading, column = self.layout.reading, self.layout.stop
        if column is None:
            return read_stop(None)
        cell: Any = self.cells.get(column)  # read_stop() refuses what is not a date by name
        try:
            return read_stop(
                cell,
                day_first=reading.day_first,
                excel_serial=reading.excel_serial,
                ongoing=reading.ongoing,
                not_recorded=reading.not_recorded,
            )
        except DmtTimelineError as exc:
            self.fail(column, str(exc))
        return None

    def reasons(self, reasons_of: ReasonReader) -> tuple[SwitchReason, ...]:
        column = self.layout.reasons
        if column is None:
            return ()
        try:
            return reasons_of(_text(self.cells.get(column)))
        except DmtTimelineError as exc:
            self.fail(column, str(exc))
        return ()

    def edss(self) -> EDSS | None:
        column = self.layout.edss
        if column is None:
            return None
        try:
            return _edss(self.cells.get(column))
        except DmtTimelineError as exc:
            self.fail(column, str(exc))
        return None

    def episode(self, therapies: TherapyReader, reasons_of: ReasonReader) -> TherapyEpisode | None:
        before = len(self.table.problems)
        therapy, start, stop = self.therapy(therapies), self.start(), self.stop()
        reasons, edss = self.reasons(reasons_of), self.edss()
        if therapy is None or start is None or stop is None or len(self.table.problems) > before:
            return None
        if isinstance(stop, PartialDate) and stop.compare(start) is Order.BEFORE:
            assert self.layout.stop is not None  # a date stop comes from the stop column
            self.fail(self.layout.stop, f"stop {stop} is before start {start}")
            return None
        if stop is ONGOING and reasons:
            assert self.layout.reasons is not None  # reasons come from the reasons column
            codes = ", ".join(r.value for r in reasons)
            self.fail(
                self.layout.reasons, f"reasons {codes} contradict stop ongoing (an ongoing episode has none)"
            )
            return None
        return TherapyEpisode(therapy, start, stop, reasons, edss)
