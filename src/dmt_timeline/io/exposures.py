"""Long exposure tables (one row per dispensing or administration) and era building.

Exposures of one therapy for one person are collapsed into therapy episodes when the gap
from one exposure's end to the next one's start is at most a persistence window: 30 days by
default, the OMOP CDM drug era convention. A therapy given at longer intervals (infusions,
courses: the catalogue's ``dosing_interval_days``) gets that interval instead, and a mapping
passed by the user overrides both. Drugs the catalogue does not know are reported with their
counts, and skipped only when asked.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

import attrs

from dmt_timeline.catalogue import CATALOGUE, Catalogue, Therapy
from dmt_timeline.dates import PartialDate
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
)
from dmt_timeline.model import Cohort, Patient, SwitchReason, TherapyEpisode

__all__ = [
    "DEFAULT_PERSISTENCE_DAYS",
    "EpisodeBuild",
    "Exposure",
    "ExposureColumns",
    "ExposureRead",
    "build_episodes",
    "read_exposures_arrow",
    "read_exposures_csv",
    "read_exposures_frame",
    "read_exposures_rows",
]

DEFAULT_PERSISTENCE_DAYS: Final = 30


@attrs.frozen
class ExposureColumns:
    """Which column of a long table holds what; ``stop_reason`` may be absent (None)."""

    person_id: str = "person_id"
    drug: str = "drug"
    start: str = "start_date"
    end: str = "end_date"
    stop_reason: str | None = "stop_reason"


@attrs.frozen
class Exposure:
    """One exposure: a person took a drug from start to end, inclusive.

    The drug is any name the catalogue answers to: a name, an alias, an ATC code or an RxNorm
    ingredient code.

    Attributes:
        row: The table row it came from, as a spreadsheet numbers it (the header is row 1,
            the first data row row 2), for reports.
    """

    person_id: str
    drug: str
    start: dt.date
    end: dt.date
    stop_reasons: tuple[SwitchReason, ...] = ()
    row: int = 0

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidValueError(f"end {self.end.isoformat()} is before start {self.start.isoformat()}")


def _day(text: str) -> dt.date:
    date = _cells.date(text)
    if date.day is None:
        raise CellError(f"date {quoted(text)} is not a whole date (YYYY-MM-DD)")
    return date.first_day


@attrs.frozen
class ExposureRead:
    """The exposures a table gave, and the rows skipped (only with ``skip_bad_rows=True``).

    It is a sequence of the exposures, so it can be passed to :func:`build_episodes` as is.
    """

    exposures: tuple[Exposure, ...]
    skipped: tuple[RowProblem, ...] = ()

    def __iter__(self) -> Iterator[Exposure]:
        return iter(self.exposures)

    def __len__(self) -> int:
        return len(self.exposures)

    def __getitem__(self, index: int) -> Exposure:
        return self.exposures[index]


def read_exposures_rows(
    rows: Iterable[Mapping[str, object]],
    columns: ExposureColumns = ExposureColumns(),
    *,
    header: Sequence[str] | None = None,
    skip_bad_rows: bool = False,
) -> ExposureRead:
    """Read rows of cells (column name to cell) into exposures.

    A table with a bad row is refused whole, unless ``skip_bad_rows`` is true: then the good
    rows are read and every problem of the skipped ones is reported in ``skipped``. Rows are
    numbered as in a spreadsheet whose header is row 1: the first row given is row 2. A column
    a row lacks reads as blank; a ``None`` cell or key (how ``csv.DictReader`` marks a row with
    fewer or more cells than the header) refuses the row.

    Args:
        rows: The data rows, first row first.
        columns: Which column holds what.
        header: The table's column names, checked when given (the stop-reason column may be
            absent: then no exposure has stop reasons).
        skip_bad_rows: Read the good rows and report the others instead of refusing the table.

    Raises:
        TableFormatError: listing every problem with its row and column (a blank id, a date
            that is not YYYY-MM-DD, an end before its start, an unknown stop reason); for a
            header that lacks a column, even with ``skip_bad_rows``.
    """
    if header is not None:
        _check(header, columns)
    return _read(mapping_rows(rows, _read_columns(columns)), columns, skip_bad_rows)


_WHAT: Final = "exposure table"


def _read_columns(columns: ExposureColumns, header: Sequence[str] | None = None) -> tuple[str, ...]:
    """The columns read; the stop-reason column only when the header has it."""
    found: tuple[str, ...] = (columns.person_id, columns.drug, columns.start, columns.end)
    if columns.stop_reason is not None and (header is None or columns.stop_reason in header):
        found = (*found, columns.stop_reason)
    return found


def _check(header: Sequence[str], columns: ExposureColumns, row: int = HEADER_ROW) -> None:
    optional = () if columns.stop_reason is None else (columns.stop_reason,)
    check_header(header, _read_columns(columns, ())[:4], _WHAT, optional=optional, row=row)


def _exposure(row: SourceRow, columns: ExposureColumns) -> Exposure | list[RowProblem]:
    if row.problems:
        return list(row.problems)  # the row's shape is unsound: its cells are not read
    number = row.number
    problems: list[RowProblem] = []
    person = ""
    try:
        person = row.patient(columns.person_id)
    except DmtTimelineError as exc:
        problems.append(RowProblem(number, columns.person_id, str(exc)))
    drug = row.text(columns.drug)
    if not drug:
        problems.append(RowProblem(number, columns.drug, "drug is blank"))
    reasons: tuple[SwitchReason, ...] = ()
    if columns.stop_reason is not None:
        try:
            reasons = _cells.reasons(row.text(columns.stop_reason))
        except DmtTimelineError as exc:
            problems.append(RowProblem(number, columns.stop_reason, str(exc)))
    days: list[dt.date] = []
    for column in (columns.start, columns.end):
        text = row.text(column)
        if not text:
            problems.append(RowProblem(number, column, "date is blank"))
            continue
        try:
            days.append(_day(text))
        except DmtTimelineError as exc:
            problems.append(RowProblem(number, column, str(exc)))
    if problems:
        return problems
    try:
        return Exposure(person, drug, days[0], days[1], reasons, number)
    except DmtTimelineError as exc:
        # Dates only: the model's message names two ISO dates and nothing else.
        return [RowProblem(number, columns.end, str(exc))]


def _read(rows: Iterable[SourceRow], columns: ExposureColumns, skip_bad_rows: bool) -> ExposureRead:
    found: list[Exposure] = []
    problems: list[RowProblem] = []
    for row in rows:
        exposure = _exposure(row, columns)
        if isinstance(exposure, Exposure):
            found.append(exposure)
        else:
            problems.extend(exposure)
    if problems and not skip_bad_rows:
        raise TableFormatError(f"{_WHAT}: {len(problems)} problem(s); nothing was read", problems)
    return ExposureRead(tuple(found), tuple(problems))


def read_exposures_csv(
    path: str | os.PathLike[str], columns: ExposureColumns = ExposureColumns(), *, skip_bad_rows: bool = False
) -> ExposureRead:
    """Read a long CSV of exposures (UTF-8, header row); see :func:`read_exposures_rows`.

    Rows are numbered as a spreadsheet shows them: the header is row 1 and a blank line is a
    row (with nothing to read). A row with more or fewer cells than the header, bytes that are
    not UTF-8, or a cell too long or spanning lines is reported whole, without its content.

    Raises:
        TableFormatError: as :func:`read_exposures_rows`; also for a file with no header row
            or a header that is not UTF-8, even with ``skip_bad_rows``.
    """
    with open_csv(path, _WHAT, lambda header: _read_columns(columns, header)) as table:
        _check(table.header, columns, table.header_row)
        return _read(table.rows, columns, skip_bad_rows)


def read_exposures_frame(
    frame: Any, columns: ExposureColumns = ExposureColumns(), *, skip_bad_rows: bool = False
) -> ExposureRead:
    """Read a pandas DataFrame of exposures (dates as text, dates or timestamps).

    Rows are numbered by position as in the CSV the frame would be (the header is row 1, the
    frame's first row row 2), whatever the frame's index. Patient ids follow
    :func:`dmt_timeline.ids.patient_id`: a float id ``1.0`` is patient ``"1"``.
    """
    header = [str(c) for c in frame.columns]
    _check(header, columns)
    return _read(frame_rows(frame, _read_columns(columns, header)), columns, skip_bad_rows)


def read_exposures_arrow(
    source: Any, columns: ExposureColumns = ExposureColumns(), *, skip_bad_rows: bool = False
) -> ExposureRead:
    """Read a pyarrow Table, or a Parquet file at a path, of exposures (dates as text or dates).

    Rows are numbered from 2 in file order (the header is row 1). For tables too large for one
    object per row, see :mod:`dmt_timeline.batch`.
    """
    opened, header = arrow_header(source)
    _check(header, columns)
    return _read(arrow_rows(opened, header, _read_columns(columns, header)), columns, skip_bad_rows)


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
    """

    cohort: Cohort
    unknown: tuple[tuple[str, int], ...] = ()
    windows: tuple[tuple[str, int], ...] = ()
    eras: tuple[Era, ...] = ()
    mode: EraMode = EraMode.CATALOGUE


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

    Args:
        exposures: The exposures, in any order.
        catalogue: Where drug names, aliases, ATC codes and RxNorm ingredient codes are looked up.
        persistence_days: The default window (OMOP CDM: 30 days).
        windows: Per-therapy windows in days (any name of the therapy), overriding both the
            default and the catalogue's ``dosing_interval_days``.
        skip_unknown: Skip drugs the catalogue does not know, reporting them in ``unknown``.
        era_mode: ``"catalogue"`` (default) or ``"omop"``.

    Raises:
        UnknownTherapyError: listing unknown drugs with their counts, unless ``skip_unknown``.
        InvalidValueError: an unknown era mode, or per-therapy windows in OMOP mode.
    """
    mode = _era_mode(era_mode)
    check_windows(mode, windows)
    overrides = {catalogue.get(name): days for name, days in (windows or {}).items()}
    known, unknown = _resolve(exposures, catalogue, skip_unknown=skip_unknown)
    groups: dict[tuple[str, str], list[tuple[Exposure, Therapy]]] = {}
    for exposure, therapy in known:
        groups.setdefault((exposure.person_id, therapy.name), []).append((exposure, therapy))
    episodes: dict[str, list[tuple[TherapyEpisode, Era]]] = {}
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
            episodes.setdefault(person, []).extend(_eras(person, therapy, [e for e, _ in items], window))
    finally:
        if was_enabled:
            gc.enable()
    patients = []
    records: list[Era] = []
    for person in sorted(episodes):
        ordered = sorted(episodes[person], key=_start_order)
        patients.append(Patient(person, episodes=[episode for episode, _ in ordered]))
        records.extend(era for _, era in ordered)
    return EpisodeBuild(Cohort(patients), unknown, tuple(sorted(used.items())), tuple(records), mode)


def _start_order(item: tuple[TherapyEpisode, Era]) -> tuple[tuple[int, int, int], str]:
    return item[0].start.sort_key, item[0].therapy.name


def _eras(
    person: str, therapy: Therapy, exposures: list[Exposure], window: int
) -> Iterator[tuple[TherapyEpisode, Era]]:
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
            _episode(therapy, start, end, last),
            Era(person, therapy.name, start, end, count, (end - start).days - exposed),
        )
        start, end, last, count = exposure.start, exposure.end, exposure, 1
        sub_start, exposed = exposure.start, 0
    exposed += (end - sub_start).days
    yield (
        _episode(therapy, start, end, last),
        Era(person, therapy.name, start, end, count, (end - start).days - exposed),
    )


def _episode(therapy: Therapy, start: dt.date, end: dt.date, last: Exposure) -> TherapyEpisode:
    return TherapyEpisode(
        therapy, PartialDate.from_date(start), PartialDate.from_date(end), last.stop_reasons
    )
