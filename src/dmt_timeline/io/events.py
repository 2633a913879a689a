"""Long tables of clinical events (one row per event), read and attached to a cohort.

Four kinds of table, each read through its own layout, whose default column names are the
model's field names (required columns first, then the optional ones):

- :class:`RelapseLayout`: ``patient_id``, ``onset``; ``severity``, ``recovery``, ``steroids``;
- :class:`EdssLayout`: ``patient_id``, ``date``, ``score``; ``during_relapse``;
- :class:`MriLayout`: ``patient_id``, ``date``; ``new_t2``, ``gd_enhancing`` (at least one);
- :class:`AssessmentLayout`: ``patient_id``, ``date``, ``measure``, ``value``.

Optional columns are read when the table has them; a layout field set to None is never read.
Cells are read as the therapy readers read them: dates in any form
:meth:`~dmt_timeline.PartialDate.read` accepts (with the layout's
:class:`~dmt_timeline.io.cells.ReadingOptions`), numbers in ASCII digits, yes/no cells as
:data:`YES_WORDS` and :data:`NO_WORDS`, a blank optional cell as not recorded (None).

Every problem is a :class:`~dmt_timeline.io.wide.RowProblem` naming the spreadsheet row (the
header is row 1), the column, the patient when the row has one, and the value. A table with a
problem is refused whole unless ``skip_bad_rows`` is set; then each bad row is left out and
reported, so that the rows in are the rows read plus the rows reported.
:func:`attach_events` adds what was read to an existing cohort by patient id; a row whose
patient is not in the cohort, that repeats an event, or that falls after the patient's last
follow-up is reported the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Final, TypeVar, assert_never

import attrs

from dmt_timeline._collector import collector_paused
from dmt_timeline.dates import Order, PartialDate
from dmt_timeline.errors import CohortFormatError, DmtTimelineError, quoted
from dmt_timeline.events import (
    MAX_LESIONS,
    EdssAssessment,
    Measure,
    MriScan,
    Recovery,
    Relapse,
    RelapseSeverity,
    ScoredAssessment,
)
from dmt_timeline.io import _cells
from dmt_timeline.io._problems import RowProblem, TableFormatError
from dmt_timeline.io._table import (
    HEADER_ROW,
    SourceRow,
    check_header,
    frame_rows,
    mapping_rows,
    open_csv,
    shape_problems,
)
from dmt_timeline.io.cells import ReadingOptions
from dmt_timeline.io.layouts import _layout_text, _layout_toml, _reading, _table, _unknown_keys
from dmt_timeline.io.long import _edss as _edss_cell  # the long tables' one EDSS cell rule
from dmt_timeline.io.sources import open_table
from dmt_timeline.model import Cohort, Patient
from dmt_timeline.scores import EDSS

__all__ = [
    "MEASURE_NAMES",
    "NO_WORDS",
    "YES_WORDS",
    "AssessmentLayout",
    "EdssLayout",
    "Event",
    "EventAttach",
    "EventKind",
    "EventLayout",
    "EventRead",
    "EventRow",
    "MriLayout",
    "RelapseLayout",
    "attach_events",
    "event_rows",
    "load_event_layout",
    "parse_event_layout",
    "read_events",
    "read_events_frame",
    "read_events_rows",
    "write_events_csv",
]

YES_WORDS: Final = ("yes", "y", "true", "1")
"""Cells read as True in yes/no columns (case and spacing ignored)."""

NO_WORDS: Final = ("no", "n", "false", "0")
"""Cells read as False in yes/no columns; a blank cell is not recorded (None)."""

Event = Relapse | EdssAssessment | MriScan | ScoredAssessment
"""Any clinical event a table can hold."""


class EventKind(enum.Enum):
    """The kind of event a table holds, and the :class:`~dmt_timeline.Patient` field it fills."""

    RELAPSE = "relapse"
    EDSS = "edss"
    MRI = "mri"
    ASSESSMENT = "assessment"

    @property
    def field(self) -> str:
        """The patient's field for events of this kind."""
        return _FIELDS[self]


_FIELDS: Final = {
    EventKind.RELAPSE: "relapses",
    EventKind.EDSS: "edss_assessments",
    EventKind.MRI: "mri_scans",
    EventKind.ASSESSMENT: "assessments",
}


def _name(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise CohortFormatError(f"layout columns.{attribute.name} {quoted(value)}: expected a column name")


def _optional_name(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _name(_, attribute, value)


def _reading_options(_: Any, __: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, ReadingOptions):
        raise CohortFormatError("layout reading: expected ReadingOptions")


def _distinct(columns: Sequence[str]) -> None:
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise CohortFormatError(f"layout: columns {', '.join(map(quoted, repeated))} are used twice")


@attrs.frozen(kw_only=True)
class RelapseLayout:
    """Columns of a relapse table (one row per relapse).

    Attributes:
        patient_id: Patient identifiers.
        onset: When the relapse began.
        severity: ``mild``, ``moderate`` or ``severe``; read when the table has the column.
        recovery: ``complete``, ``partial`` or ``none``; read when the table has the column.
        steroids: Whether it was treated with corticosteroids (yes/no).
        reading: How dates are written.
    """

    patient_id: str = attrs.field(default="patient_id", validator=_name)
    onset: str = attrs.field(default="onset", validator=_name)
    severity: str | None = attrs.field(default="severity", validator=_optional_name)
    recovery: str | None = attrs.field(default="recovery", validator=_optional_name)
    steroids: str | None = attrs.field(default="steroids", validator=_optional_name)
    reading: ReadingOptions = attrs.field(factory=ReadingOptions, validator=_reading_options)

    kind: ClassVar[EventKind] = EventKind.RELAPSE

    def __attrs_post_init__(self) -> None:
        _distinct([*self.required, *self.optional])

    @property
    def required(self) -> tuple[str, ...]:
        """The columns a table must have."""
        return (self.patient_id, self.onset)

    @property
    def optional(self) -> tuple[str, ...]:
        """The columns read when a table has them."""
        return tuple(c for c in (self.severity, self.recovery, self.steroids) if c is not None)

    @property
    def date(self) -> str:
        """The column of the event's date."""
        return self.onset


@attrs.frozen(kw_only=True)
class EdssLayout:
    """Columns of an EDSS table (one row per assessment).

    Attributes:
        patient_id: Patient identifiers.
        date: When it was assessed.
        score: The EDSS score (``3.5``; a comma decimal ``3,5`` is read too).
        during_relapse: Whether it was taken during a relapse (yes/no); read when present.
        reading: How dates are written.
    """

    patient_id: str = attrs.field(default="patient_id", validator=_name)
    date: str = attrs.field(default="date", validator=_name)
    score: str = attrs.field(default="score", validator=_name)
    during_relapse: str | None = attrs.field(default="during_relapse", validator=_optional_name)
    reading: ReadingOptions = attrs.field(factory=ReadingOptions, validator=_reading_options)

    kind: ClassVar[EventKind] = EventKind.EDSS

    def __attrs_post_init__(self) -> None:
        _distinct([*self.required, *self.optional])

    @property
    def required(self) -> tuple[str, ...]:
        """The columns a table must have."""
        return (self.patient_id, self.date, self.score)

    @property
    def optional(self) -> tuple[str, ...]:
        """The columns read when a table has them."""
        return () if self.during_relapse is None else (self.during_relapse,)


@attrs.frozen(kw_only=True)
class MriLayout:
    """Columns of an MRI table (one row per scan); a table needs at least one count column.

    Attributes:
        patient_id: Patient identifiers.
        date: When the scan was taken.
        new_t2: New or enlarging T2 lesions (a whole number); read when present.
        gd_enhancing: Gadolinium-enhancing lesions (a whole number); read when present.
        reading: How dates are written.
    """

    patient_id: str = attrs.field(default="patient_id", validator=_name)
    date: str = attrs.field(default="date", validator=_name)
    new_t2: str | None = attrs.field(default="new_t2", validator=_optional_name)
    gd_enhancing: str | None = attrs.field(default="gd_enhancing", validator=_optional_name)
    reading: ReadingOptions = attrs.field(factory=ReadingOptions, validator=_reading_options)

    kind: ClassVar[EventKind] = EventKind.MRI

    def __attrs_post_init__(self) -> None:
        if self.new_t2 is None and self.gd_enhancing is None:
            raise CohortFormatError("layout: an MRI table needs a new_t2 or a gd_enhancing column")
        _distinct([*self.required, *self.optional])

    @property
    def required(self) -> tuple[str, ...]:
        """The columns a table must have."""
        return (self.patient_id, self.date)

    @property
    def optional(self) -> tuple[str, ...]:
        """The count columns; at least one must be in the table."""
        return tuple(c for c in (self.new_t2, self.gd_enhancing) if c is not None)


@attrs.frozen(kw_only=True)
class AssessmentLayout:
    """Columns of a table of scored assessments (one row per score of T25FW, 9HPT or SDMT).

    Attributes:
        patient_id: Patient identifiers.
        date: When it was assessed.
        measure: Which measure: ``T25FW``, ``9HPT`` or ``SDMT``, or a spelling in
            :data:`MEASURE_NAMES`.
        value: The score: seconds for the timed tests, correct answers for the SDMT.
        reading: How dates are written.
    """

    patient_id: str = attrs.field(default="patient_id", validator=_name)
    date: str = attrs.field(default="date", validator=_name)
    measure: str = attrs.field(default="measure", validator=_name)
    value: str = attrs.field(default="value", validator=_name)
    reading: ReadingOptions = attrs.field(factory=ReadingOptions, validator=_reading_options)

    kind: ClassVar[EventKind] = EventKind.ASSESSMENT

    def __attrs_post_init__(self) -> None:
        _distinct(self.required)

    @property
    def required(self) -> tuple[str, ...]:
        """The columns a table must have."""
        return (self.patient_id, self.date, self.measure, self.value)

    @property
    def optional(self) -> tuple[str, ...]:
        """None: every column is required."""
        return ()


EventLayout = RelapseLayout | EdssLayout | MriLayout | AssessmentLayout
"""A layout of any event table."""

# Names of the measures as chart reviews write them; compared with case, spaces, '-', '_' and '.'
# aside.
MEASURE_NAMES: Final = {
    **{m.value: m for m in Measure},
    **{m.name: m for m in Measure},
    "25FW": Measure.T25FW,
    "timed 25-foot walk": Measure.T25FW,
    "9-hole peg test": Measure.NHPT,
    "nine-hole peg test": Measure.NHPT,
    "symbol digit modalities test": Measure.SDMT,
}
"""Spellings of each :class:`~dmt_timeline.events.Measure` that the measure column accepts."""


def _fold(text: str) -> str:
    return "".join(c for c in text.casefold() if c not in " \t-_.")


_MEASURES: Final = {_fold(k): m for k, m in MEASURE_NAMES.items()}


@attrs.frozen
class EventRow:
    """One event read from a table, with its patient and spreadsheet row."""

    patient_id: str
    event: Event
    row: int


@attrs.frozen
class EventRead:
    """What an event table gave.

    Attributes:
        kind: The kind of event.
        events: The events read, in table order, with their patients and rows.
        skipped: Every problem of the rows left out; empty unless ``skip_bad_rows`` was set.
        patient_column: The table's patient column, for problems found when attaching.
        date_column: The table's date column, for problems found when attaching.
        skipped_patients: Patients named in rows left out: their events are incomplete.
    """

    kind: EventKind
    events: tuple[EventRow, ...] = ()
    skipped: tuple[RowProblem, ...] = ()
    patient_column: str = "patient_id"
    date_column: str = "date"
    skipped_patients: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[EventRow]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    @property
    def skipped_rows(self) -> tuple[int, ...]:
        """The rows left out, each once, in order."""
        return tuple(sorted({p.row for p in self.skipped}))


_E = TypeVar("_E", RelapseSeverity, Recovery)

# A score in ASCII digits, as spreadsheets and Python write one (``12.5``, ``1e-05``); float()
# alone would also take "1_0", "nan", spaces and non-ASCII digits.
_SCORE: Final = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,24})?(?:[eE][-+]?[0-9]{1,3})?", re.ASCII)


# -- reading rows ----------------------------------------------------------------------------


class _Cells:
    """One row's cells read through a layout, each problem noted with row, column and patient."""

    def __init__(self, row: SourceRow, reading: ReadingOptions, present: frozenset[str] | None) -> None:
        self.row = row
        self.reading = reading
        self.present = present
        self.who: str | None = None
        self.problems: list[RowProblem] = []

    def fail(self, column: str, message: str) -> None:
        prefix = f"patient {quoted(self.who)}: " if self.who else ""
        self.problems.append(RowProblem(self.row.number, column, prefix + message))

    def has(self, column: str | None) -> bool:
        return column is not None and (self.present is None or column in self.present)

    def patient(self, column: str) -> str | None:
        try:
            self.who = self.row.patient(column)
        except DmtTimelineError as exc:
            self.fail(column, str(exc))
        return self.who

    def date(self, column: str, what: str) -> PartialDate | None:
        cell: Any = self.row.cells.get(column)  # read() names what is not a date
        if not self.row.text(column):
            self.fail(column, f"{what} is blank")
            return None
        try:
            return PartialDate.read(
                cell, day_first=self.reading.day_first, excel_serial=self.reading.excel_serial
            )
        except DmtTimelineError as exc:
            self.fail(column, str(exc))
        return None

    def flag(self, column: str | None) -> bool | None:
        if not self.has(column):
            return None
        assert column is not None
        cell = self.row.cells.get(column)
        if isinstance(cell, int | float) and not isinstance(cell, bool) and cell in (0, 1):
            return bool(cell)
        text = _fold(self.row.text(column))
        if not text:
            return None
        if text in YES_WORDS:
            return True
        if text in NO_WORDS:
            return False
        self.fail(
            column,
            f"{column} {quoted(self.row.text(column))} is not yes or no "
            f"({', '.join(YES_WORDS)}; {', '.join(NO_WORDS)}; blank when not recorded)",
        )
        return None

    def choice(self, column: str | None, kind: type[_E]) -> _E | None:
        if not self.has(column):
            return None
        assert column is not None
        text = self.row.text(column)
        if not text:
            return None
        for member in kind:
            if _fold(text) == member.value:
                return member
        self.fail(column, f"{column} {quoted(text)} is not one of {', '.join(m.value for m in kind)}")
        return None

    def count(self, column: str | None) -> int | None:
        if not self.has(column):
            return None
        assert column is not None
        cell = self.row.cells.get(column)
        if isinstance(cell, float) and cell.is_integer():
            cell = int(cell)
        if isinstance(cell, int) and not isinstance(cell, bool):
            return cell
        text = self.row.text(column)
        if not text:
            return None
        try:
            return _cells.whole(text, column)
        except DmtTimelineError as exc:
            self.fail(column, str(exc))
        return None

    def number(self, column: str) -> float | None:
        cell = self.row.cells.get(column)
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            return cell
        text = self.row.text(column)
        if not text:
            self.fail(column, f"{column} is blank")
        elif _SCORE.fullmatch(text) is None:
            self.fail(column, f"{column} {quoted(text)} is not a number such as 12.5 or 48 (ASCII digits)")
        else:
            return float(text)
        return None

    def measure(self, column: str) -> Measure | None:
        text = self.row.text(column)
        if not text:
            self.fail(column, "measure is blank")
            return None
        found = _MEASURES.get(_fold(text))
        if found is None:
            self.fail(column, f"measure {quoted(text)} is not one of {', '.join(m.value for m in Measure)}")
        return found

    def event(self, layout: EventLayout) -> Event | None:
        """The row's event, or None with every problem of the row noted."""
        date = self.date(layout.date, "onset" if isinstance(layout, RelapseLayout) else "date")
        built: Event | None = None
        column = layout.date
        before = len(self.problems)
        try:
            if isinstance(layout, RelapseLayout):
                severity = self.choice(layout.severity, RelapseSeverity)
                recovery = self.choice(layout.recovery, Recovery)
                steroids = self.flag(layout.steroids)
                if date is not None and len(self.problems) == before:
                    built = Relapse(date, severity, recovery, steroids)
            elif isinstance(layout, EdssLayout):
                column = layout.score
                score = self._edss(layout.score)
                during = self.flag(layout.during_relapse)
                if date is not None and score is not None and len(self.problems) == before:
                    built = EdssAssessment(date, score, during)
            elif isinstance(layout, MriLayout):
                column = next(c for c in layout.optional if self.has(c))
                new_t2, gd = self.count(layout.new_t2), self.count(layout.gd_enhancing)
                if len(self.problems) == before and new_t2 is None and gd is None:
                    self.fail(column, "no lesion count: a scan reports new_t2 or gd_enhancing")
                if date is not None and len(self.problems) == before:
                    # The model names the count it refuses: report it under that count's column.
                    t2_ok = new_t2 is None or 0 <= new_t2 <= MAX_LESIONS
                    if t2_ok and layout.gd_enhancing is not None and gd is not None:
                        column = layout.gd_enhancing
                    built = MriScan(date, new_t2, gd)
            else:
                column = layout.value
                measure, value = self.measure(layout.measure), self.number(layout.value)
                if None not in (date, measure, value) and len(self.problems) == before:
                    assert date is not None and measure is not None  # noqa: PT018 - narrowing
                    assert value is not None
                    built = ScoredAssessment(measure, date, value)
        except DmtTimelineError as exc:
            # The model's own rules (a count above the limit, a score outside its range): its
            # message names the field and the value.
            self.fail(column, str(exc))
        return None if self.problems else built

    def _edss(self, column: str) -> EDSS | None:
        if not self.row.text(column):
            self.fail(column, "score is blank")
            return None
        try:
            return _edss_cell(self.row.cells.get(column))
        except DmtTimelineError as exc:
            self.fail(column, str(exc))
        return None


def _check(header: Sequence[str], layout: EventLayout, row: int = HEADER_ROW) -> None:
    what = f"{layout.kind.value} table"
    check_header(header, layout.required, what, optional=layout.optional, row=row)
    if isinstance(layout, MriLayout) and not any(c in header for c in layout.optional):
        names = " or ".join(map(quoted, layout.optional))
        message = f"column {names} missing: a scan table needs a lesion count"
        raise TableFormatError(
            f"{what}: the header lacks columns the reader needs", [RowProblem(row, "", message)]
        )


@collector_paused()  # many small objects without cycles: see dmt_timeline._collector
def _read(
    rows: Iterable[SourceRow], layout: EventLayout, header: Sequence[str] | None, *, skip_bad_rows: bool
) -> EventRead:
    present = None if header is None else frozenset(header)
    found: list[EventRow] = []
    problems: list[RowProblem] = []
    bad_patients: dict[str, None] = {}
    seen: dict[tuple[str, Event], int] = {}
    for row in rows:
        if row.problems:
            problems.extend(row.problems)  # the row's shape is unsound: its cells are not read
            continue
        cells = _Cells(row, layout.reading, present)
        who = cells.patient(layout.patient_id)
        event = cells.event(layout)
        if who is not None and event is not None:
            first = seen.setdefault((who, event), row.number)
            if first != row.number:
                cells.fail(layout.date, f"repeats row {first} (the same {layout.kind.value} event)")
            else:
                found.append(EventRow(who, event, row.number))
        if cells.problems:
            problems.extend(cells.problems)
            if who is not None:
                bad_patients[who] = None
    what = f"{layout.kind.value} table"
    if problems and not skip_bad_rows:
        raise TableFormatError(f"{what}: {len(problems)} problem(s); nothing was read", problems)
    return EventRead(
        layout.kind, tuple(found), tuple(problems), layout.patient_id, layout.date, tuple(bad_patients)
    )


def _columns(layout: EventLayout, header: Sequence[str] | None) -> tuple[str, ...]:
    """The columns read (whose cells are checked): the optional ones only when present."""
    optional = tuple(c for c in layout.optional if header is None or c in header)
    return (*layout.required, *optional)


def read_events_rows(
    rows: Iterable[Mapping[str, object]],
    layout: EventLayout,
    *,
    header: Sequence[str] | None = None,
    skip_bad_rows: bool = False,
) -> EventRead:
    """Read rows (column name to cell: text, numbers, dates or None) of one kind of event.

    Rows are numbered as in a spreadsheet whose header is row 1: the first row given is row 2.

    Args:
        rows: The data rows, in table order.
        layout: Which kind of event, and which column holds what.
        header: The table's column names: the layout's required columns must be among them,
            and its optional columns are read only when they are. Without it, every column of
            the layout is read (an absent one as blank).
        skip_bad_rows: Read the good rows and report the others, instead of refusing the table.

    Raises:
        TableFormatError: listing every problem by row, column, patient and value, unless
            ``skip_bad_rows``; a header that lacks a required column even then.
    """
    if header is not None:
        _check(header, layout)
    return _read(mapping_rows(rows, _columns(layout, header)), layout, header, skip_bad_rows=skip_bad_rows)


def read_events_frame(frame: Any, layout: EventLayout, *, skip_bad_rows: bool = False) -> EventRead:
    """Read a pandas DataFrame of events; rows are numbered by position from 2, whatever the index.

    See :func:`read_events_rows`.
    """
    header = [str(c) for c in frame.columns]
    _check(header, layout)
    rows = frame_rows(frame, _columns(layout, header))
    return _read(rows, layout, header, skip_bad_rows=skip_bad_rows)


def read_events(
    path: str | os.PathLike[str],
    layout: EventLayout | str | os.PathLike[str],
    *,
    sheet: str | int | None = None,
    skip_bad_rows: bool = False,
) -> EventRead:
    """Read a CSV (UTF-8, header row) or Excel ``.xlsx`` table of events; see :func:`read_events_rows`.

    CSV rows are checked as the other readers check them: a row with more or fewer cells than
    the header, bytes that are not UTF-8, or a cell too long or spanning lines is reported
    whole, without its content. Excel cells keep their types (a date cell is a day).

    Args:
        path: The ``.csv`` or ``.xlsx`` file.
        layout: Which kind of event, and which column holds what; or the path of a TOML
            layout file (:func:`load_event_layout`).
        sheet: For Excel, the sheet's name or 0-based position; the first by default.
        skip_bad_rows: Read the good rows and report the others, instead of refusing the table.

    Raises:
        TableFormatError: as :func:`read_events_rows`; also for a file without a header row.
        CohortFormatError: for a file that cannot be read as CSV or Excel at all.
    """
    if not isinstance(layout, RelapseLayout | EdssLayout | MriLayout | AssessmentLayout):
        layout = load_event_layout(layout)
    what = f"{layout.kind.value} table"
    if Path(path).suffix.casefold() in (".csv", ".txt") and sheet is None:
        with open_csv(path, what, lambda header: _columns(layout, header)) as table:
            _check(table.header, layout, table.header_row)
            return _read(table.rows, layout, table.header, skip_bad_rows=skip_bad_rows)
    with open_table(path, sheet=sheet) as (header, rows):
        _check(header, layout)
        read = _columns(layout, header)
        return _read(_excel_rows(header, rows, read), layout, header, skip_bad_rows=skip_bad_rows)


def _excel_cell(cell: object) -> object:
    # A TRUE/FALSE cell is a yes/no answer; the row checks know text, numbers and dates only.
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, dt.time):
        return str(cell)
    return cell


def _excel_rows(
    header: Sequence[str], rows: Iterable[tuple[int, list[object]]], read: Sequence[str]
) -> Iterator[SourceRow]:
    width = len(header)
    for number, cells in rows:
        values = [_excel_cell(c) for c in cells]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        extra = [v for v in values[width:] if v is not None and not (isinstance(v, str) and not v.strip())]
        if extra:
            message = f"the row has {len(values) - width} more cell(s) than the header"
            yield SourceRow(number, problems=(RowProblem(number, "", message),))
            continue
        row = dict(zip(header, values, strict=False))
        yield SourceRow(number, row, tuple(shape_problems(number, row, read)))


# -- layout files ----------------------------------------------------------------------------

_LAYOUT_KINDS: Final[dict[str, type[EventLayout]]] = {
    "relapses": RelapseLayout,
    "edss": EdssLayout,
    "mri": MriLayout,
    "assessments": AssessmentLayout,
}


def parse_event_layout(text: str) -> EventLayout:
    """An event layout from the text of a TOML layout file::

        kind = "relapses"          # or "edss", "mri", "assessments"

        [columns]                  # the table's own names; unnamed fields keep their defaults
        patient_id = "Patient"
        onset = "Onset"
        steroids = false           # false: never read this column

        [reading]
        day_first = true           # 12/05/2012 is 12 May; without it such dates are refused

    Raises:
        CohortFormatError: naming the key or value that is wrong (an unknown key with the
            closest known one).
    """
    data = _layout_toml(text)
    _unknown_keys("file", data, ("kind", "columns", "reading"))
    kind = data.get("kind")
    layout = _LAYOUT_KINDS.get(kind) if isinstance(kind, str) else None
    if layout is None:
        kinds = ", ".join(map(quoted, _LAYOUT_KINDS))
        raise CohortFormatError(f"layout kind {quoted(kind)}: an event layout's kind is one of {kinds}")
    fields = [f.name for f in attrs.fields(layout) if f.name != "reading"]
    columns = dict(_table(data, "columns"))
    _unknown_keys("[columns]", columns, fields)
    for key, value in columns.items():
        if value is False:
            columns[key] = None  # TOML has no null: false says the column is not read
    return layout(**columns, reading=_reading(data))


def load_event_layout(path: str | os.PathLike[str]) -> EventLayout:
    """An event layout from a TOML file; see :func:`parse_event_layout`."""
    return parse_event_layout(_layout_text(path))


# -- attaching to a cohort -------------------------------------------------------------------


@attrs.frozen
class EventAttach:
    """A cohort with events attached, and the rows that could not be.

    Attributes:
        cohort: The cohort, each patient with the events of their rows added after the ones
            they had.
        skipped: Every problem of the rows left out; empty unless ``skip_bad_rows`` was set.
    """

    cohort: Cohort
    skipped: tuple[RowProblem, ...] = ()


@collector_paused()  # many small objects without cycles: see dmt_timeline._collector
def attach_events(cohort: Cohort, events: EventRead, *, skip_bad_rows: bool = False) -> EventAttach:
    """Add the events a table gave to the patients of ``cohort``, by patient id.

    A row is a problem when its patient is not in the cohort, when its event repeats one the
    patient already has, or when it falls after the patient's last follow-up on every reading
    of the dates.

    Args:
        cohort: The patients (from any reader).
        events: What :func:`read_events` (or another event reader) gave.
        skip_bad_rows: Attach the good rows and report the others, instead of refusing them all.

    Raises:
        TableFormatError: listing every problem by row, column and patient, unless
            ``skip_bad_rows``.
    """
    field = events.kind.field
    patients = {patient.id: patient for patient in cohort}
    added: dict[str, list[Event]] = {}
    existing: dict[str, set[Event]] = {}
    problems: list[RowProblem] = []
    for item in events:
        who = item.patient_id
        patient = patients.get(who)
        if patient is None:
            problems.append(
                RowProblem(item.row, events.patient_column, f"patient {quoted(who)} is not in the cohort")
            )
            continue
        mine = added.setdefault(who, [])
        follow_up = patient.last_follow_up
        date = _date_of(item.event)
        had = existing.get(who)
        if had is None:
            had = existing[who] = set(getattr(patient, field))
        if item.event in had:
            message = f"patient {quoted(who)}: repeats a {events.kind.value} event the patient already has"
            problems.append(RowProblem(item.row, events.date_column, message))
        elif follow_up is not None and date.compare(follow_up) is Order.AFTER:
            message = f"patient {quoted(who)}: {date} is after the last follow-up {follow_up}"
            problems.append(RowProblem(item.row, events.date_column, message))
        else:
            mine.append(item.event)
    if problems and not skip_bad_rows:
        summary = f"{events.kind.value} events: {len(problems)} problem(s); nothing was attached"
        raise TableFormatError(summary, problems)
    updated = []
    for patient in cohort:
        new = added.get(patient.id)
        changes: dict[str, Any] = {field: (*getattr(patient, field), *new)} if new else {}
        updated.append(attrs.evolve(patient, **changes) if new else patient)
    return EventAttach(Cohort(updated, cohort.metadata), tuple(problems))


def _date_of(event: Event) -> PartialDate:
    return event.onset if isinstance(event, Relapse) else event.date


# -- writing ---------------------------------------------------------------------------------


def _flag_text(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _optional_text(value: object) -> str:
    return "" if value is None else str(value.value if isinstance(value, enum.Enum) else value)


def _cells_of(event: Event, layout: EventLayout) -> dict[str | None, str]:
    match layout:
        case RelapseLayout():
            assert isinstance(event, Relapse)
            return {
                layout.onset: str(event.onset),
                layout.severity: _optional_text(event.severity),
                layout.recovery: _optional_text(event.recovery),
                layout.steroids: _flag_text(event.steroids),
            }
        case EdssLayout():
            assert isinstance(event, EdssAssessment)
            return {
                layout.date: str(event.date),
                layout.score: f"{event.score.score:g}",
                layout.during_relapse: _flag_text(event.during_relapse),
            }
        case MriLayout():
            assert isinstance(event, MriScan)
            return {
                layout.date: str(event.date),
                layout.new_t2: _optional_text(event.new_t2),
                layout.gd_enhancing: _optional_text(event.gd_enhancing),
            }
        case AssessmentLayout():
            assert isinstance(event, ScoredAssessment)
            # repr() is the shortest text that reads back as the same float.
            return {
                layout.date: str(event.date),
                layout.measure: event.measure.value,
                layout.value: repr(event.value),
            }
        case _:
            assert_never(layout)


def event_rows(cohort: Cohort | Iterable[Patient], layout: EventLayout) -> list[dict[str, str]]:
    """The cohort's events of the layout's kind as rows of text cells in the layout's columns.

    Dates are written at their precision (``2014``, ``2014-03``, ``2014-03-05``), yes/no cells
    as ``yes``/``no``, and what is not recorded as a blank cell, so that
    :func:`read_events_rows` reads the rows back to the same events. A field whose column the
    layout leaves out (None) is not written.
    """
    rows = []
    for patient in cohort:
        for event in getattr(patient, layout.kind.field):
            cells = {layout.patient_id: patient.id}
            cells.update((k, v) for k, v in _cells_of(event, layout).items() if k is not None)
            rows.append(cells)
    return rows


def write_events_csv(
    path: str | os.PathLike[str], cohort: Cohort | Iterable[Patient], layout: EventLayout
) -> None:
    """Write :func:`event_rows` as a UTF-8 CSV file with a header row, which :func:`read_events` reads."""
    header = [*layout.required, *layout.optional]
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(event_rows(cohort, layout))
