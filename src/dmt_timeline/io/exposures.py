"""Long exposure tables (one row per dispensing or administration) and era building.

Exposures of one therapy for one person are collapsed into therapy episodes when the gap
from one exposure's end to the next one's start is at most a persistence window: 30 days by
default, the OMOP CDM drug era convention. A therapy given at longer intervals (infusions,
courses: the catalogue's ``dosing_interval_days``) gets that interval instead, and a mapping
passed by the user overrides both. Drugs the catalogue does not know are reported with their
counts, and skipped only when asked.

The readers take a table's own column names (:class:`ExposureColumns`, which a TOML layout
with ``kind = "exposures"`` also gives) and its ways of writing cells
(:class:`~dmt_timeline.io.cells.ReadingOptions`): whole dates in any form
:meth:`~dmt_timeline.PartialDate.read` accepts (numeric day/month order only when declared),
therapies and stop reasons through the user's crosswalks, an unknown drug as a row problem
with the close names. A blank end is refused unless an end policy (:class:`EndPolicy`) says
how to fill it; every filled end is flagged (:attr:`Exposure.end_policy`,
:attr:`EpisodeBuild.stop_imputed`). A row that repeats another (same person, therapy, start and
end) is reported, never read as a second course.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import enum
import gc
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

import attrs

from dmt_timeline.catalogue import CATALOGUE, Catalogue, Therapy
from dmt_timeline.dates import PartialDate, data_cut
from dmt_timeline.eras import Era, EraMode, check_windows, persistence_window
from dmt_timeline.eras import era_mode as _era_mode  # build_episodes has a parameter of that name
from dmt_timeline.errors import DmtTimelineError, InvalidValueError, UnknownTherapyError, quoted
from dmt_timeline.io import _cells
from dmt_timeline.io._cells import CellError
from dmt_timeline.io._problems import RowProblem, TableFormatError
from dmt_timeline.io._table import (
    HEADER_ROW,
    SourceRow,
    arrow_header,
    arrow_rows,
    check_header,
    frame_rows,
    mapping_rows,
    open_csv,
    shape_problems,
)
from dmt_timeline.io._table import blank as blank_cells
from dmt_timeline.io.cells import ReadingOptions, TherapyReader, read_sex, reason_reader, therapy_reader
from dmt_timeline.model import ONGOING, Cohort, Patient, Sex, SwitchReason, TherapyEpisode
from dmt_timeline.reasons import ReasonReader

__all__ = [
    "DEFAULT_PERSISTENCE_DAYS",
    "EndPolicy",
    "EpisodeBuild",
    "Exposure",
    "ExposureColumns",
    "ExposureLayout",
    "ExposureRead",
    "build_episodes",
    "read_exposures_arrow",
    "read_exposures_csv",
    "read_exposures_frame",
    "read_exposures_rows",
    "read_exposures_table",
]

DEFAULT_PERSISTENCE_DAYS: Final = 30


class EndPolicy(enum.Enum):
    """How a blank end (or a table without an end column) is filled; a recorded end always wins.

    Every end filled is flagged: :attr:`Exposure.end_policy` names the policy that gave it.
    """

    RECORDED = "recorded"
    """No filling: an exposure needs its end, and a blank end is a row problem (the default)."""
    DAYS_SUPPLY = "days_supply"
    """The last day supplied: start + days supply - 1, from the ``days_supply`` column (the OMOP
    CDM's ETL convention)."""
    DEFAULT_DURATION = "default_duration"
    """Start + the therapy's duration - 1, from the ``durations`` the reader is given (days, by
    any name of the therapy); a therapy without one is a row problem."""
    NEXT_START = "next_start"
    """Open until the day before the person's next exposure start (any drug), or until the data
    cut ``as_of`` when there is none; without ``as_of`` the last one is a row problem."""


def end_policy(value: EndPolicy | str) -> EndPolicy:
    """An :class:`EndPolicy` from itself or its value (``"days_supply"``...).

    Raises:
        InvalidValueError: naming the value and the policies.
    """
    if isinstance(value, EndPolicy):
        return value
    try:
        return EndPolicy(value)
    except ValueError:
        pass
    names = ", ".join(repr(p.value) for p in EndPolicy)
    raise InvalidValueError(f"end policy {quoted(value)} is not one of {names}")


def _optional_column(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InvalidValueError(f"columns.{attribute.name} {quoted(value)}: expected a column name")


def _column(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        raise InvalidValueError(f"columns.{attribute.name}: a column name is required")
    _optional_column(_, attribute, value)


@attrs.frozen
class ExposureColumns:
    """Which column of a long exposure table holds what, and how its cells are written.

    The default names are the library's one convention for exposure tables, in Python and on
    the command line (``dmt-timeline batch``): ``person_id``, ``drug``, ``start``, ``end``,
    ``reason``. Map a table's own names here, or in a TOML layout (``kind = "exposures"``).

    Attributes:
        person_id: Patient identifiers.
        drug: The drug, by any name the catalogue or the therapy crosswalk knows.
        start: The first day of the exposure.
        end: The last day. With an :class:`EndPolicy` other than ``recorded`` the table may lack
            the column: every end is then filled.
        stop_reason: Why the course stopped; None, or a column the table lacks, for none.
        days_supply: The days supplied, for :attr:`EndPolicy.DAYS_SUPPLY`; None when absent.
        reading: How cells are written: numeric day order, crosswalks for therapies and reasons.
        sex: The person's sex (:func:`~dmt_timeline.io.cells.read_sex`); None, or a column the
            table lacks, for none. A person's rows must agree (a blank cell says nothing).
        birth_date: The date of birth (a year is enough), agreeing across the person's rows;
            no exposure may start before it.
    """

    person_id: str = attrs.field(default="person_id", validator=_column)
    drug: str = attrs.field(default="drug", validator=_column)
    start: str = attrs.field(default="start", validator=_column)
    end: str = attrs.field(default="end", validator=_column)
    stop_reason: str | None = attrs.field(default="reason", validator=_optional_column)
    days_supply: str | None = attrs.field(default=None, validator=_optional_column)
    reading: ReadingOptions = attrs.field(factory=ReadingOptions)
    sex: str | None = attrs.field(default=None, validator=_optional_column)
    birth_date: str | None = attrs.field(default=None, validator=_optional_column)


def _durations(value: Mapping[str, int] | Iterable[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    return tuple(value.items() if isinstance(value, Mapping) else value)


@attrs.frozen
class ExposureLayout:
    """A long exposure table's layout: its columns, and how its eras are built.

    Written in a TOML layout file with ``kind = "exposures"`` (see
    :mod:`dmt_timeline.io.layouts`) and read by :func:`dmt_timeline.io.sources.read_table`.

    Attributes:
        columns: Which column holds what, and how cells are written.
        end_policy: How a blank end is filled (:class:`EndPolicy`).
        durations: Days by therapy name, for :attr:`EndPolicy.DEFAULT_DURATION`.
        as_of: The data cut (see :func:`build_episodes`); None for none.
        persistence_days: The default persistence window of eras, in days.
    """

    columns: ExposureColumns = attrs.field(factory=ExposureColumns)
    end_policy: EndPolicy = attrs.field(default=EndPolicy.RECORDED, converter=end_policy)
    durations: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=_durations)
    as_of: dt.date | None = attrs.field(default=None, converter=data_cut)
    persistence_days: int = DEFAULT_PERSISTENCE_DAYS


@attrs.frozen
class Exposure:
    """One exposure: a person took a drug from start to end, inclusive.

    The drug is any name the catalogue answers to: a name, an alias, an ATC code or an RxNorm
    ingredient code.

    Attributes:
        row: The table row it came from, as a spreadsheet numbers it (the header is row 1,
            the first data row row 2), for reports.
        end_policy: Where the end came from: :attr:`EndPolicy.RECORDED` for an end the table
            holds, otherwise the policy that filled it.
        sex: The person's sex as the row gives it (None: not given).
        birth_date: The person's birth date as the row gives it (None: not given).
    """

    person_id: str
    drug: str
    start: dt.date
    end: dt.date
    stop_reasons: tuple[SwitchReason, ...] = ()
    row: int = 0
    end_policy: EndPolicy = EndPolicy.RECORDED
    sex: Sex | None = None
    birth_date: PartialDate | None = None

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidValueError(f"end {self.end.isoformat()} is before start {self.start.isoformat()}")


def _day(cell: object, reading: ReadingOptions) -> dt.date:
    if isinstance(cell, str):
        cell = cell.strip()
    date = PartialDate.read(cell, day_first=reading.day_first, excel_serial=reading.excel_serial)  # type: ignore[arg-type]
    if date.day is None:
        raise CellError(f"date {quoted(_text(cell))} is not a whole date: an exposure needs its day")
    return date.first_day


def _text(cell: object) -> str:
    return cell if isinstance(cell, str) else str(cell)


@attrs.frozen
class ExposureRead:
    """The exposures a table gave, and the rows skipped (only with ``skip_bad_rows=True``).

    It is a sequence of the exposures, so it can be passed to :func:`build_episodes` as is.

    Attributes:
        exposures: The rows read.
        skipped: Every problem of the rows not read, by row.
        patients_with_problems: The patients a skipped row names: their histories lack a row.
            A repeated row's patient is not among them (the row is in the history once).
    """

    exposures: tuple[Exposure, ...]
    skipped: tuple[RowProblem, ...] = ()
    patients_with_problems: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Exposure]:
        return iter(self.exposures)

    def __len__(self) -> int:
        return len(self.exposures)

    def __getitem__(self, index: int) -> Exposure:
        return self.exposures[index]


@attrs.frozen
class _Reading:
    """What reading each row needs, built once per table."""

    columns: ExposureColumns
    therapies: TherapyReader
    reasons: ReasonReader
    policy: EndPolicy
    durations: Mapping[Therapy, int]
    as_of: dt.date | None


def _reading(
    columns: ExposureColumns,
    catalogue: Catalogue,
    policy: EndPolicy | str,
    durations: Mapping[str, int] | None,
    as_of: dt.date | None,
) -> _Reading:
    as_of = data_cut(as_of)
    chosen = end_policy(policy)
    if chosen is EndPolicy.DAYS_SUPPLY and columns.days_supply is None:
        raise InvalidValueError("end policy 'days_supply' needs the days_supply column (columns.days_supply)")
    if chosen is EndPolicy.DEFAULT_DURATION and not durations:
        raise InvalidValueError("end policy 'default_duration' needs durations (days, by therapy)")
    if durations and chosen is not EndPolicy.DEFAULT_DURATION:
        raise InvalidValueError("durations are for the end policy 'default_duration'")
    resolved: dict[Therapy, int] = {}
    for name, days in (durations or {}).items():
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise InvalidValueError(
                f"duration of {quoted(name)} {quoted(days)}: expected whole days, at least 1"
            )
        resolved[catalogue.get(name)] = days
    return _Reading(
        columns,
        therapy_reader(catalogue, columns.reading),
        reason_reader(columns.reading),
        chosen,
        resolved,
        as_of,
    )


def read_exposures_rows(
    rows: Iterable[Mapping[str, object]],
    columns: ExposureColumns = ExposureColumns(),
    *,
    header: Sequence[str] | None = None,
    skip_bad_rows: bool = False,
    catalogue: Catalogue = CATALOGUE,
    end_policy: EndPolicy | str = EndPolicy.RECORDED,
    durations: Mapping[str, int] | None = None,
    as_of: dt.date | None = None,
) -> ExposureRead:
    """Read rows of cells (column name to cell) into exposures.

    A table with a bad row is refused whole, unless ``skip_bad_rows`` is true: then the good
    rows are read and every problem of the skipped ones is reported in ``skipped`` (rows in =
    rows read + rows reported). Rows are numbered as in a spreadsheet whose header is row 1:
    the first row given is row 2. A column a row lacks reads as blank; a ``None`` cell or key
    (how ``csv.DictReader`` marks a row with fewer or more cells than the header) refuses the
    row.

    Args:
        rows: The data rows, first row first.
        columns: Which column holds what, and how cells are written (``columns.reading``).
        header: The table's column names, checked when given (the stop-reason column may be
            absent: then no exposure has stop reasons).
        skip_bad_rows: Read the good rows and report the others instead of refusing the table.
        catalogue: Where drugs are looked up, after the therapy crosswalk.
        end_policy: How a blank end is filled (:class:`EndPolicy`); by default it is refused.
        durations: For ``"default_duration"``: days by therapy (any of its names).
        as_of: The data cut: a row that starts after it is a row problem; for
            ``"next_start"``, the end of a person's last open exposure.

    Raises:
        TableFormatError: listing every problem with its row, column, patient and value (a
            blank id, a date that is not a whole date, an end before its start, an unknown
            drug with the close names, an unknown stop reason, a repeated row); for a header
            that lacks a column, even with ``skip_bad_rows``.
        InvalidValueError: for an end policy that lacks what it needs.
    """
    reading = _reading(columns, catalogue, end_policy, durations, as_of)
    if header is not None:
        _check(header, reading)
    return _read(mapping_rows(rows, _read_columns(columns)), reading, skip_bad_rows)


_WHAT: Final = "exposure table"


def _read_columns(columns: ExposureColumns, header: Sequence[str] | None = None) -> tuple[str, ...]:
    """The columns read; the optional ones only when the header has them."""
    found: tuple[str, ...] = (columns.person_id, columns.drug, columns.start)
    for column in (columns.end, columns.days_supply, columns.stop_reason, columns.sex, columns.birth_date):
        if column is not None and (header is None or column in header):
            found = (*found, column)
    return found


def _check(header: Sequence[str], reading: _Reading, row: int = HEADER_ROW) -> None:
    """The header check: the end column is required unless an end policy fills every end."""
    columns = reading.columns
    required = [columns.person_id, columns.drug, columns.start]
    if reading.policy is EndPolicy.RECORDED:
        required.append(columns.end)
    if reading.policy is EndPolicy.DAYS_SUPPLY and columns.days_supply is not None:
        required.append(columns.days_supply)
    optional = [
        c
        for c in (columns.end, columns.stop_reason, columns.days_supply, columns.sex, columns.birth_date)
        if c is not None
    ]
    check_header(header, required, _WHAT, optional=[c for c in optional if c not in required], row=row)


@attrs.frozen
class _Open:
    """A row whose end is left for :attr:`EndPolicy.NEXT_START` to fill once every row is read."""

    person_id: str
    drug: str
    start: dt.date
    stop_reasons: tuple[SwitchReason, ...]
    row: int
    sex: Sex | None = None
    birth_date: PartialDate | None = None


def _personal(row: SourceRow, columns: ExposureColumns, fail: Any) -> tuple[Sex | None, PartialDate | None]:
    """The row's sex and birth date cells (blank: not given)."""
    sex: Sex | None = None
    birth: PartialDate | None = None
    if columns.sex is not None:
        try:
            sex = read_sex(row.text(columns.sex), crosswalk=columns.reading.sex)
        except DmtTimelineError as exc:
            fail(columns.sex, str(exc))
    if columns.birth_date is not None and row.text(columns.birth_date):
        cell = row.cells.get(columns.birth_date)
        reading = columns.reading
        try:
            birth = PartialDate.read(
                row.text(columns.birth_date) if isinstance(cell, str) else cell,  # type: ignore[arg-type]
                day_first=reading.day_first,
                excel_serial=reading.excel_serial,
            )
        except DmtTimelineError as exc:
            fail(columns.birth_date, str(exc))
    return sex, birth


def _exposure(row: SourceRow, reading: _Reading) -> Exposure | _Open | list[RowProblem]:
    if row.problems:
        return list(row.problems)  # the row's shape is unsound: its cells are not read
    columns = reading.columns
    number = row.number
    problems: list[RowProblem] = []
    person = ""
    try:
        person = row.patient(columns.person_id)
    except DmtTimelineError as exc:
        problems.append(RowProblem(number, columns.person_id, str(exc)))
    who = f"patient {quoted(person)}: " if person else ""

    def fail(column: str, message: str) -> None:
        problems.append(RowProblem(number, column, who + message))

    therapy = _therapy(row, reading, fail)
    sex, birth = _personal(row, columns, fail)
    reasons: tuple[SwitchReason, ...] = ()
    if columns.stop_reason is not None:
        try:
            reasons = reading.reasons(row.text(columns.stop_reason))
        except DmtTimelineError as exc:
            fail(columns.stop_reason, str(exc))
    start = _date_cell(row, columns.start, reading, fail)
    if start is not None and reading.as_of is not None and start > reading.as_of:
        fail(columns.start, f"start {start.isoformat()} is after the data cut {reading.as_of.isoformat()}")
    end: dt.date | None = None
    if row.text(columns.end):
        end = _date_cell(row, columns.end, reading, fail)
    elif reading.policy is EndPolicy.RECORDED:
        fail(columns.end, "end is blank (set an end policy to fill blank ends)")
    policy = EndPolicy.RECORDED
    if end is None and start is not None and reading.policy is not EndPolicy.RECORDED and not problems:
        policy = reading.policy
        filled = _filled(row, start, therapy, reading, fail)
        if filled is _LATER:
            assert therapy is not None  # no problem so far: the drug was found
            return _Open(person, therapy.name, start, reasons, number, sex, birth)
        end = filled if isinstance(filled, dt.date) else None
    if problems or start is None or end is None or therapy is None:
        return problems
    try:
        return Exposure(person, therapy.name, start, end, reasons, number, policy, sex, birth)
    except DmtTimelineError as exc:
        # Dates only: the model's message names two ISO dates and nothing else.
        return [RowProblem(number, columns.end, who + str(exc))]


def _therapy(row: SourceRow, reading: _Reading, fail: Any) -> Therapy | None:
    column = reading.columns.drug
    drug = row.text(column)
    if not drug:
        fail(column, "drug is blank")
        return None
    found = reading.therapies.get(drug)
    if isinstance(found, str):
        fail(column, found)  # the message names the close names
        return None
    return found


_LATER: Final = object()
"""A row whose end the next start fills, once every row is read."""


def _filled(
    row: SourceRow,
    start: dt.date,
    therapy: Therapy | None,
    reading: _Reading,
    fail: Any,
) -> dt.date | object | None:
    """The end a policy gives a row, :data:`_LATER` for the next start, or None (a problem)."""
    match reading.policy:
        case EndPolicy.DAYS_SUPPLY:
            column = reading.columns.days_supply
            assert column is not None  # checked by _reading
            text = row.text(column)
            if not text:
                fail(column, "days supply is blank (and so is the end)")
                return None
            try:
                days = _cells.whole(text.removesuffix(".0"), "days supply")
            except DmtTimelineError as exc:
                fail(column, str(exc))
                return None
            if days < 1:
                fail(column, f"days supply {quoted(text)} is not at least 1")
                return None
            return start + dt.timedelta(days=days - 1)
        case EndPolicy.DEFAULT_DURATION:
            assert therapy is not None  # no problem so far: the drug was found
            duration = reading.durations.get(therapy)
            if duration is None:
                fail(
                    reading.columns.drug,
                    f"no default duration for {quoted(therapy.name)} (and the end is blank)",
                )
                return None
            return start + dt.timedelta(days=duration - 1)
        case EndPolicy.NEXT_START:
            return _LATER
        case EndPolicy.RECORDED:  # pragma: no cover - a blank end is refused before
            return None


def _read(rows: Iterable[SourceRow], reading: _Reading, skip_bad_rows: bool) -> ExposureRead:
    found: list[Exposure] = []
    waiting: list[_Open] = []
    problems: list[RowProblem] = []
    people: dict[int, str] = {}  # the patient of each row with a problem, when it names one
    for row in rows:
        exposure = _exposure(row, reading)
        if isinstance(exposure, Exposure):
            found.append(exposure)
        elif isinstance(exposure, _Open):
            waiting.append(exposure)
        else:
            problems.extend(exposure)
            if not row.problems:
                with contextlib.suppress(DmtTimelineError):  # a bad id is among the problems
                    people[row.number] = row.patient(reading.columns.person_id)
    # Rows that fail later (no next start, a repeat) were read: their patient is known.
    people.update({e.row: e.person_id for e in waiting})
    people.update({e.row: e.person_id for e in found})
    if waiting:
        found.extend(_until_next_start(found, waiting, reading, problems))
    found, repeats = _without_repeats(found, reading.columns, problems)
    for number in repeats:
        del people[number]  # the repeated row's content is in the history: its patient keeps it
    found.sort(key=lambda e: e.row)
    found = _agreeing(found, reading.columns, problems)
    problems.sort(key=lambda p: p.row)
    if problems and not skip_bad_rows:
        raise TableFormatError(f"{_WHAT}: {len(problems)} problem(s); nothing was read", problems)
    bad = sorted({people[p.row] for p in problems if p.row in people})
    return ExposureRead(tuple(found), tuple(problems), tuple(bad))


def _agreeing(found: list[Exposure], columns: ExposureColumns, problems: list[RowProblem]) -> list[Exposure]:
    """The exposures (in row order) whose sex and birth date agree with their person's first
    row giving them, and that do not start before that birth date; the others reported."""
    first: dict[tuple[str, str], tuple[object, int]] = {}
    kept: list[Exposure] = []
    for exposure in found:
        who = f"patient {quoted(exposure.person_id)}: "
        bad = False
        for field, column, value in (
            ("sex", columns.sex, exposure.sex),
            ("birth_date", columns.birth_date, exposure.birth_date),
        ):
            if value is None or column is None:
                continue
            given, row = first.setdefault((exposure.person_id, field), (value, exposure.row))
            if given != value:
                shown, before = getattr(value, "value", value), getattr(given, "value", given)
                problems.append(
                    RowProblem(
                        exposure.row,
                        column,
                        who + f"{quoted(shown)} differs from {quoted(before)} in row {row}",
                    )
                )
                bad = True
        birth = first.get((exposure.person_id, "birth_date"))
        if birth is not None and not bad and columns.birth_date is not None:
            born, row = birth
            assert isinstance(born, PartialDate)
            if exposure.start < born.first_day:
                problems.append(
                    RowProblem(
                        exposure.row,
                        columns.birth_date,
                        who + f"start {exposure.start.isoformat()} is before birth date {born} (row {row})",
                    )
                )
                bad = True
        if not bad:
            kept.append(exposure)
    problems.sort(key=lambda p: p.row)
    return kept


def _until_next_start(
    found: list[Exposure], waiting: list[_Open], reading: _Reading, problems: list[RowProblem]
) -> Iterator[Exposure]:
    """Ends for :attr:`EndPolicy.NEXT_START`: the day before the person's next start, or ``as_of``."""
    starts: dict[str, set[dt.date]] = {}
    for known in found:
        starts.setdefault(known.person_id, set()).add(known.start)
    for item in waiting:
        starts.setdefault(item.person_id, set()).add(item.start)
    ordered = {person: sorted(days) for person, days in starts.items()}
    column = reading.columns.end
    for item in waiting:
        days = ordered[item.person_id]
        later = days[bisect.bisect_right(days, item.start) :]
        who = f"patient {quoted(item.person_id)}: "
        if later:
            end = later[0] - dt.timedelta(days=1)
        elif reading.as_of is not None and reading.as_of >= item.start:
            end = reading.as_of
        else:
            cut = (
                "no data cut (as_of) is given"
                if reading.as_of is None
                else f"the data cut {reading.as_of} is before it"
            )
            problems.append(
                RowProblem(item.row, column, who + f"end is blank, no exposure starts later, and {cut}")
            )
            continue
        yield Exposure(
            item.person_id,
            item.drug,
            item.start,
            end,
            item.stop_reasons,
            item.row,
            EndPolicy.NEXT_START,
            item.sex,
            item.birth_date,
        )


def _without_repeats(
    found: list[Exposure], columns: ExposureColumns, problems: list[RowProblem]
) -> tuple[list[Exposure], list[int]]:
    """The exposures with each repeated row reported (a copy is never a second course), and
    the repeated rows."""
    seen: dict[tuple[str, str, dt.date, dt.date], int] = {}
    kept: list[Exposure] = []
    repeats: list[int] = []
    for exposure in sorted(found, key=lambda e: e.row):
        key = (exposure.person_id, exposure.drug, exposure.start, exposure.end)
        first = seen.setdefault(key, exposure.row)
        if first != exposure.row:
            problems.append(
                RowProblem(
                    exposure.row,
                    columns.drug,
                    f"patient {quoted(exposure.person_id)}: repeats row {first} (same drug, start and end)",
                )
            )
            repeats.append(exposure.row)
            continue
        kept.append(exposure)
    return kept, repeats


def _date_cell(row: SourceRow, column: str, reading: _Reading, fail: Any) -> dt.date | None:
    cell = row.cells.get(column)
    text = row.text(column)
    if not text:
        fail(column, f"{'start' if column == reading.columns.start else 'date'} is blank")
        return None
    try:
        return _day(cell if not isinstance(cell, str) else text, reading.columns.reading)
    except DmtTimelineError as exc:
        fail(column, str(exc))
    return None


def read_exposures_csv(
    path: str | os.PathLike[str],
    columns: ExposureColumns = ExposureColumns(),
    *,
    skip_bad_rows: bool = False,
    catalogue: Catalogue = CATALOGUE,
    end_policy: EndPolicy | str = EndPolicy.RECORDED,
    durations: Mapping[str, int] | None = None,
    as_of: dt.date | None = None,
) -> ExposureRead:
    """Read a long CSV of exposures (UTF-8, header row); see :func:`read_exposures_rows`.

    Rows are numbered as a spreadsheet shows them: the header is row 1 and a blank line is a
    row (with nothing to read). A row with more or fewer cells than the header, bytes that are
    not UTF-8, or a cell too long or spanning lines is reported whole, without its content.

    Raises:
        TableFormatError: as :func:`read_exposures_rows`; also for a file with no header row
            or a header that is not UTF-8, even with ``skip_bad_rows``.
    """
    reading = _reading(columns, catalogue, end_policy, durations, as_of)
    with open_csv(path, _WHAT, lambda header: _read_columns(columns, header)) as table:
        _check(table.header, reading, table.header_row)
        return _read(table.rows, reading, skip_bad_rows)


def read_exposures_frame(
    frame: Any,
    columns: ExposureColumns = ExposureColumns(),
    *,
    skip_bad_rows: bool = False,
    catalogue: Catalogue = CATALOGUE,
    end_policy: EndPolicy | str = EndPolicy.RECORDED,
    durations: Mapping[str, int] | None = None,
    as_of: dt.date | None = None,
) -> ExposureRead:
    """Read a pandas DataFrame of exposures (dates as text, dates or timestamps).

    Rows are numbered by position as in the CSV the frame would be (the header is row 1, the
    frame's first row row 2), whatever the frame's index. Patient ids follow
    :func:`dmt_timeline.ids.patient_id`: a float id ``1.0`` is patient ``"1"``. The options are
    :func:`read_exposures_rows`'.
    """
    reading = _reading(columns, catalogue, end_policy, durations, as_of)
    header = [str(c) for c in frame.columns]
    _check(header, reading)
    return _read(frame_rows(frame, _read_columns(columns, header)), reading, skip_bad_rows)


def read_exposures_arrow(
    source: Any,
    columns: ExposureColumns = ExposureColumns(),
    *,
    skip_bad_rows: bool = False,
    catalogue: Catalogue = CATALOGUE,
    end_policy: EndPolicy | str = EndPolicy.RECORDED,
    durations: Mapping[str, int] | None = None,
    as_of: dt.date | None = None,
) -> ExposureRead:
    """Read a pyarrow Table, or a Parquet file at a path, of exposures (dates as text or dates).

    Rows are numbered from 2 in file order (the header is row 1). For tables too large for one
    object per row, see :mod:`dmt_timeline.batch`. The options are :func:`read_exposures_rows`'.
    """
    reading = _reading(columns, catalogue, end_policy, durations, as_of)
    opened, header = arrow_header(source)
    _check(header, reading)
    return _read(arrow_rows(opened, header, _read_columns(columns, header)), reading, skip_bad_rows)


def read_exposures_table(
    path: str | os.PathLike[str],
    columns: ExposureColumns = ExposureColumns(),
    *,
    sheet: str | int | None = None,
    skip_bad_rows: bool = False,
    catalogue: Catalogue = CATALOGUE,
    end_policy: EndPolicy | str = EndPolicy.RECORDED,
    durations: Mapping[str, int] | None = None,
    as_of: dt.date | None = None,
) -> ExposureRead:
    """Read an exposure table file by its suffix: CSV as :func:`read_exposures_csv`; Excel
    (``.xlsx``, choose the ``sheet``), SAS, Stata or SPSS through
    :func:`dmt_timeline.io.sources.open_table`. The options are :func:`read_exposures_rows`'.
    """
    from dmt_timeline.io.sources import open_table  # noqa: PLC0415 - sources imports the readers

    options: dict[str, Any] = {
        "skip_bad_rows": skip_bad_rows,
        "catalogue": catalogue,
        "end_policy": end_policy,
        "durations": durations,
        "as_of": as_of,
    }
    if sheet is None and os.fspath(path).casefold().endswith((".csv", ".txt")):
        return read_exposures_csv(path, columns, **options)
    reading = _reading(columns, catalogue, end_policy, durations, as_of)
    with open_table(path, sheet=sheet) as (header, rows):
        _check(header, reading)
        read = _read_columns(columns, header)
        source = (
            SourceRow(number, cells, tuple(shape_problems(number, cells, read)))
            for number, values in rows
            if not blank_cells(values)
            for cells in (dict(zip(header, values, strict=False)),)
        )
        return _read(source, reading, skip_bad_rows)


@attrs.frozen
class EpisodeBuild:
    """What era building gave.

    Attributes:
        cohort: One patient per person, with their episodes in start order.
        unknown: Drugs the catalogue does not know, with how many exposures each had
            (skipped; only ever non-empty with ``skip_unknown=True``).
        windows: The persistence window used for each therapy, in days.
        eras: One record per episode, in the cohort's order (patients by id, episodes in
            start order), with its exposure count and OMOP ``gap_days``.
        mode: The era mode the episodes were built in.
        stop_imputed: One flag per era, in the order of ``eras``: whether its end (the
            episode's stop, or the day it was last seen when ongoing) comes from an end an
            :class:`EndPolicy` filled rather than one the table holds.
        as_of: The data cut the episodes were built at, if any.
    """

    cohort: Cohort
    unknown: tuple[tuple[str, int], ...] = ()
    windows: tuple[tuple[str, int], ...] = ()
    eras: tuple[Era, ...] = ()
    mode: EraMode = EraMode.CATALOGUE
    stop_imputed: tuple[bool, ...] = ()
    as_of: dt.date | None = None


def _resolve(
    exposures: Iterable[Exposure], catalogue: Catalogue, *, skip_unknown: bool
) -> tuple[list[tuple[Exposure, Therapy]], tuple[tuple[str, int], ...]]:
    known: list[tuple[Exposure, Therapy]] = []
    unknown: Counter[str] = Counter()
    first_row: dict[str, int] = {}
    for exposure in exposures:
        if exposure.drug in catalogue:
            known.append((exposure, catalogue.get(exposure.drug)))
        else:
            unknown[exposure.drug] += 1
            first_row.setdefault(exposure.drug, exposure.row)
    counts = tuple(sorted(unknown.items()))
    if counts and not skip_unknown:
        raise UnknownTherapyError(
            "exposures of drugs the catalogue does not know (pass skip_unknown=True to skip them, "
            "or extend the catalogue): "
            + "; ".join(f"{quoted(drug)} x{n} (first at row {first_row[drug]})" for drug, n in counts)
        )
    return known, counts


def build_episodes(
    exposures: Iterable[Exposure],
    *,
    catalogue: Catalogue = CATALOGUE,
    persistence_days: int = DEFAULT_PERSISTENCE_DAYS,
    windows: Mapping[str, int] | None = None,
    skip_unknown: bool = False,
    era_mode: EraMode | str = EraMode.CATALOGUE,
    as_of: dt.date | None = None,
) -> EpisodeBuild:
    """Collapse exposures into therapy episodes, per person and therapy.

    An exposure joins the current episode when its start is at most the window after the
    latest end so far (``next_start - end <= window`` days; overlapping exposures always
    join). The episode runs from its first start to its latest end (day-precise stop); its
    stop reasons are those of the exposure with the latest end. ``sequence`` is left unset.

    In the default catalogue mode the window is widened to a therapy's dosing interval; in
    OMOP mode (``era_mode="omop"``) every drug has the same window, which gives the OMOP CDM's
    ``drug_era`` exactly (see :mod:`dmt_timeline.eras`). Either way ``eras`` holds each
    episode's exposure count and OMOP ``gap_days``.

    With a data cut ``as_of``, an era is ongoing when the cut falls within its persistence
    window after its end (``as_of <= end + window``): an exposure by the cut would still have
    joined it, so the data cannot say it stopped. Its last exposure's stop reasons say that it
    did: such an era keeps its stop. An exposure that starts after the cut is refused.

    Args:
        exposures: The exposures, in any order.
        catalogue: Where drug names, aliases, ATC codes and RxNorm ingredient codes are looked up.
        persistence_days: The default window (OMOP CDM: 30 days).
        windows: Per-therapy windows in days (any name of the therapy), overriding both the
            default and the catalogue's ``dosing_interval_days``.
        skip_unknown: Skip drugs the catalogue does not know, reporting them in ``unknown``.
        era_mode: ``"catalogue"`` (default) or ``"omop"``.
        as_of: The data cut (see above); None: every era stops at its end.

    Raises:
        UnknownTherapyError: listing unknown drugs with their counts, unless ``skip_unknown``.
        InvalidValueError: an unknown era mode, per-therapy windows in OMOP mode, or exposures
            that start after the data cut (by row).
    """
    mode = _era_mode(era_mode)
    check_windows(mode, windows)
    as_of = data_cut(as_of)
    overrides = {catalogue.get(name): days for name, days in (windows or {}).items()}
    known, unknown = _resolve(exposures, catalogue, skip_unknown=skip_unknown)
    if as_of is not None:
        after = sorted(e.row for e, _ in known if e.start > as_of)
        if after:
            rows = ", ".join(map(str, after[:20])) + (" ..." if len(after) > 20 else "")
            raise InvalidValueError(f"{len(after)} exposure(s) start after the data cut {as_of}: rows {rows}")
    groups: dict[tuple[str, str], list[tuple[Exposure, Therapy]]] = {}
    for exposure, therapy in known:
        groups.setdefault((exposure.person_id, therapy.name), []).append((exposure, therapy))
    episodes: dict[str, list[tuple[TherapyEpisode, Era, bool]]] = {}
    used: dict[str, int] = {}
    # Large claims tables build millions of small objects; the cyclic collector would dominate.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for person, name in sorted(groups):
            items = groups[(person, name)]
            therapy = items[0][1]
            window = used.setdefault(
                therapy.name, persistence_window(therapy, persistence_days, overrides, mode)
            )
            items.sort(key=lambda item: (item[0].start, item[0].end, item[0].row))
            built = _eras(person, therapy, [e for e, _ in items], window, as_of)
            episodes.setdefault(person, []).extend(built)
    finally:
        if was_enabled:
            gc.enable()
    patients = []
    records: list[Era] = []
    imputed: list[bool] = []
    personal = _personal_of(e for e, _ in known)
    for person in sorted(episodes):
        ordered = sorted(episodes[person], key=_start_order)
        patient = Patient(person, episodes=[episode for episode, _, _ in ordered])
        if person in personal:
            patient = _with_personal(patient, *personal[person])
        patients.append(patient)
        records.extend(era for _, era, _ in ordered)
        imputed.extend(flag for _, _, flag in ordered)
    windows_used = tuple(sorted(used.items()))
    return EpisodeBuild(Cohort(patients), unknown, windows_used, tuple(records), mode, tuple(imputed), as_of)


def _personal_of(exposures: Iterable[Exposure]) -> dict[str, tuple[Sex | None, PartialDate | None]]:
    """Each person's sex and birth date from their exposures (the first row giving each).

    Raises:
        InvalidValueError: naming both rows when two of a person's rows disagree.
    """
    found: dict[str, dict[str, tuple[object, int]]] = {}
    for exposure in sorted(exposures, key=lambda e: e.row):
        mine = found.setdefault(exposure.person_id, {})
        for field, value in (("sex", exposure.sex), ("birth_date", exposure.birth_date)):
            if value is None:
                continue
            given, row = mine.setdefault(field, (value, exposure.row))
            if given != value:
                who = f"patient {quoted(exposure.person_id)}"
                raise InvalidValueError(f"{who}: {field} of row {exposure.row} differs from row {row}")
    result: dict[str, tuple[Sex | None, PartialDate | None]] = {}
    for person, mine in found.items():
        sex = mine.get("sex", (None, 0))[0]
        birth = mine.get("birth_date", (None, 0))[0]
        assert sex is None or isinstance(sex, Sex)
        assert birth is None or isinstance(birth, PartialDate)
        result[person] = (sex, birth)
    return result


def _with_personal(patient: Patient, sex: Sex | None, birth: PartialDate | None) -> Patient:
    try:
        return attrs.evolve(patient, sex=sex, birth_date=birth)
    except DmtTimelineError as exc:
        message = str(exc)  # the model names the patient, the field and two dates
    raise InvalidValueError(message)


def _start_order(item: tuple[TherapyEpisode, Era, bool]) -> tuple[tuple[int, int, int], str]:
    return item[0].start.sort_key, item[0].therapy.name


def _eras(
    person: str, therapy: Therapy, exposures: list[Exposure], window: int, as_of: dt.date | None = None
) -> Iterator[tuple[TherapyEpisode, Era, bool]]:
    """Eras of one person's exposures of one therapy, sorted by start, end and row.

    Sub-exposures (exposures that overlap or touch) are tracked beside the era so that its
    ``gap_days`` is OMOP's: era length minus the sub-exposures' lengths.
    """
    first = exposures[0]
    start, end, last, count = first.start, first.end, first, 1
    sub_start, exposed = first.start, 0
    for exposure in exposures[1:]:
        if (exposure.start - end).days <= window:
            if exposure.start > end:  # a new sub-exposure within the era
                exposed += (end - sub_start).days
                sub_start = exposure.start
            if exposure.end >= end:
                end, last = exposure.end, exposure
            count += 1
            continue
        exposed += (end - sub_start).days
        yield (
            _episode(therapy, start, end, last, ongoing=False),
            Era(person, therapy.name, start, end, count, (end - start).days - exposed),
            last.end_policy is not EndPolicy.RECORDED,
        )
        start, end, last, count = exposure.start, exposure.end, exposure, 1
        sub_start, exposed = exposure.start, 0
    exposed += (end - sub_start).days
    # The last era reaches the data cut when a next exposure by the cut would still join it.
    ongoing = as_of is not None and (as_of - end).days <= window and not last.stop_reasons
    yield (
        _episode(therapy, start, end, last, ongoing=ongoing),
        Era(person, therapy.name, start, end, count, (end - start).days - exposed),
        last.end_policy is not EndPolicy.RECORDED,
    )


def _episode(
    therapy: Therapy, start: dt.date, end: dt.date, last: Exposure, *, ongoing: bool
) -> TherapyEpisode:
    stop = ONGOING if ongoing else PartialDate.from_date(end)
    return TherapyEpisode(therapy, PartialDate.from_date(start), stop, last.stop_reasons)
