"""Wide study tables: one row per patient, numbered therapy columns, read through a declared layout.

A :class:`WideLayout` says which column holds what. Cells are read in the forms hand-made
tables use (``2007``, ``2007-03``, ``t, s``, ``LOE, Ps``, ``NA``, ``JCV+*``, ``Pos``, ``0``),
with the reading conventions of the bundled study (see :data:`STUDY_LAYOUT`):

- a stop-reason cell ``NA`` means the episode did not stop (:data:`~dmt_timeline.ONGOING`);
  codes mean it stopped for those reasons, date not recorded; a blank cell, or a therapy
  without a reason column, means :data:`~dmt_timeline.NOT_RECORDED`;
- a stop-date cell, in a layout that declares one, is the episode's stop; it contradicts a
  reason cell ``NA``, and the row is refused;
- a last-follow-up cell, in a layout that declares one, is the patient's
  :attr:`~dmt_timeline.Patient.last_follow_up`, so latencies with no response are censored;
- each episode's ``sequence`` is its therapy column's number (1st, 2nd, 3rd...);
- CSF ``0`` means not done; a blank cell anywhere means unknown;
- latencies are whole months, tied to the first episode of the layout's index therapy.

Every problem is reported as ``row <n>, column <name>: <problem>`` (rows count from 1, the
first row after the header); cells are quoted, rows never are.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import attrs

from dmt_timeline.catalogue import CATALOGUE, Catalogue
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import CohortFormatError, DmtTimelineError
from dmt_timeline.io._frames import frame_records
from dmt_timeline.model import (
    EDSS,
    NOT_RECORDED,
    ONGOING,
    Cohort,
    CohortMetadata,
    ComorbidityTreatment,
    Condition,
    CSFBands,
    Diagnosis,
    Modality,
    Outcome,
    Patient,
    ResponseObservation,
    StopState,
    TherapyEpisode,
    parse_reasons,
)

__all__ = [
    "STUDY_LAYOUT",
    "RowProblem",
    "TableFormatError",
    "TherapyColumns",
    "WideLayout",
    "WideRead",
    "read_wide_csv",
    "read_wide_frame",
    "read_wide_rows",
    "to_wide_rows",
    "write_wide_csv",
]


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


def _optional_name(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise CohortFormatError(f"layout {attribute.name} {value!r}: expected a column name or None")


@attrs.frozen
class TherapyColumns:
    """The columns of one numbered therapy (the table's "1st DMT", "2nd DMT"...).

    Attributes:
        therapy: The therapy name column.
        start: The start date column.
        reasons: The stop-reason column, or None when the table has none for this therapy.
        edss: The EDSS column beside it, or None.
        stop: The stop date column, or None (the default): then the reason column alone
            says whether the episode stopped, and a stop date cannot be written.
    """

    therapy: str
    start: str
    reasons: str | None = attrs.field(default=None, validator=_optional_name)
    edss: str | None = attrs.field(default=None, validator=_optional_name)
    stop: str | None = attrs.field(default=None, validator=_optional_name)

    @property
    def names(self) -> tuple[str, ...]:
        """The columns it uses, in table order."""
        return tuple(
            c for c in (self.therapy, self.start, self.stop, self.reasons, self.edss) if c is not None
        )


def _therapies(value: Iterable[TherapyColumns]) -> tuple[TherapyColumns, ...]:
    return tuple(value)


def _footnotes(value: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(value.items() if isinstance(value, Mapping) else value)


@attrs.frozen
class WideLayout:
    """Which column of a wide study table holds what; None for a column the table lacks.

    Attributes:
        patient_id: Patient identifiers (required, unique).
        ms_diagnosis: Year (or month, day) of MS diagnosis.
        csf: CSF oligoclonal bands: ``Pos``/``Neg``, ``0`` = not done.
        baseline_edss: EDSS at baseline.
        psoriasis_diagnosis: Date of psoriasis diagnosis; with this column set, every patient
            has a psoriasis diagnosis (a blank cell is an unknown date).
        psoriasis_treatment: Psoriasis treatment codes over the history (``t, s``).
        therapies: The numbered therapy columns, 1st first.
        last_edss: The final EDSS.
        last_follow_up: When the patient was last seen (year, month or day), or None (the
            default). Latencies of patients with no response are censored at it.
        ms_latency: Months from the index therapy's first start to MS activity ceasing.
        psoriasis_latency: Months from it to psoriasis improving.
        current_psoriasis_treatment: Current psoriasis treatment (``0`` = none, ``Topical``).
        group: The publication's own group label (kept as label ``published_group``).
        index_therapy: The therapy whose first episode the latencies count from.
        footnotes: Marked cells (``"JCV+*"``) and the footnote each one carries, kept as label
            ``table_footnote``.
    """

    patient_id: str
    therapies: tuple[TherapyColumns, ...] = attrs.field(converter=_therapies)
    ms_diagnosis: str | None = attrs.field(default=None, validator=_optional_name)
    csf: str | None = attrs.field(default=None, validator=_optional_name)
    baseline_edss: str | None = attrs.field(default=None, validator=_optional_name)
    psoriasis_diagnosis: str | None = attrs.field(default=None, validator=_optional_name)
    psoriasis_treatment: str | None = attrs.field(default=None, validator=_optional_name)
    last_edss: str | None = attrs.field(default=None, validator=_optional_name)
    ms_latency: str | None = attrs.field(default=None, validator=_optional_name)
    psoriasis_latency: str | None = attrs.field(default=None, validator=_optional_name)
    current_psoriasis_treatment: str | None = attrs.field(default=None, validator=_optional_name)
    group: str | None = attrs.field(default=None, validator=_optional_name)
    index_therapy: str = "natalizumab"
    footnotes: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_footnotes)
    # Last, so that the fields before it keep their positions.
    last_follow_up: str | None = attrs.field(default=None, validator=_optional_name)

    def __attrs_post_init__(self) -> None:
        names = self.columns
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise CohortFormatError(f"layout: columns {', '.join(repeated)} are used twice")

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the layout uses, in the order :func:`write_wide_csv` writes them."""
        head = (
            self.patient_id,
            self.ms_diagnosis,
            self.csf,
            self.baseline_edss,
            self.psoriasis_diagnosis,
            self.psoriasis_treatment,
        )
        tail = (
            self.last_edss,
            self.last_follow_up,
            self.ms_latency,
            self.psoriasis_latency,
            self.current_psoriasis_treatment,
            self.group,
        )
        middle = tuple(n for t in self.therapies for n in t.names)
        return tuple(n for n in (*head, *middle, *tail) if n is not None)


def _dmt(n: int, *, reasons: bool = True) -> TherapyColumns:
    return TherapyColumns(
        f"dmt{n}", f"dmt{n}_start", f"dmt{n}_reason" if reasons else None, f"dmt{n}_edss" if reasons else None
    )


STUDY_LAYOUT: Final = WideLayout(
    patient_id="id",
    ms_diagnosis="ms_dx",
    csf="csf",
    baseline_edss="baseline_edss",
    psoriasis_diagnosis="ps_dx",
    psoriasis_treatment="ps_treatment",
    # The publication's 3rd DMT has no reason or EDSS column: its next EDSS is the final one.
    therapies=(_dmt(1), _dmt(2), _dmt(3, reasons=False)),
    last_edss="final_edss",
    ms_latency="ms_benefit_months",
    psoriasis_latency="ps_benefit_months",
    current_psoriasis_treatment="current_ps_treatment",
    group="group",
    footnotes=(("JCV+*", "JCV+ occurred in 2016"),),
)
"""The layout of ``datasets/natalizumab_psoriasis_wide.csv``, the study's table as printed."""


@attrs.frozen
class WideRead:
    """What a wide table gave: the cohort, and the rows skipped (only with ``skip_bad_rows``)."""

    cohort: Cohort
    skipped: tuple[RowProblem, ...] = ()


# -- reading cells --------------------------------------------------------------------------

_BLANK: Final = frozenset({"", "na", "n/a"})
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


class _CellError(DmtTimelineError, ValueError):
    """A cell that cannot be read; caught per cell and reported with its row and column."""


def _date(text: str, as_of: dt.date | None) -> PartialDate | None:
    if text.casefold() in _BLANK:
        return None
    date = PartialDate.parse(text)
    if as_of is not None and date.first_day > as_of:
        raise _CellError(f"date {text!r} is after as_of {as_of.isoformat()}")
    return date


def _edss(text: str) -> EDSS | None:
    if text.casefold() in _BLANK:
        return None
    try:
        score = float(text)
    except ValueError:
        raise _CellError(f"EDSS {text!r} is not a number") from None
    return EDSS(score)


def _months(text: str) -> int | None:
    if text.casefold() in _BLANK:
        return None
    if not text.isdecimal() or not text.isascii():
        raise _CellError(f"latency {text!r} is not a whole number of months")
    return int(text)


def _csf(text: str) -> CSFBands | None:
    if not text:
        return None
    found = _CSF.get("".join(text.casefold().split()))
    if found is None:
        raise _CellError(f"CSF {text!r} is not one of Pos, Neg, 0 (not done)")
    return found


def _modalities(text: str) -> tuple[Modality, ...]:
    if not text or text.casefold() in _NONE_TREATMENT:
        return ()
    found: list[Modality] = []
    for code in text.split(","):
        modality = _MODALITY.get(code.strip().casefold())
        if modality is None:
            known = ", ".join(["t", "s", *(m.value for m in Modality)])
            raise _CellError(f"treatment code {code.strip()!r} is not one of {known}, 0")
        if modality not in found:
            found.append(modality)
    return tuple(found)


def _modalities_text(modalities: Iterable[Modality], *, short: bool) -> str:
    if short:
        return ", ".join(_MODALITY_TEXT.get(m, m.value) for m in modalities)
    return ", ".join(m.value.capitalize() for m in modalities)


class _Row:
    """One row's cells, collecting problems instead of stopping at the first."""

    def __init__(self, number: int, cells: Mapping[str, str]) -> None:
        self.number = number
        self.cells = cells
        self.problems: list[RowProblem] = []

    def text(self, column: str | None) -> str:
        return "" if column is None else self.cells.get(column, "").strip()

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


def _who(row: _Row, layout: WideLayout) -> str:
    """``patient <id>: ``, to begin a problem between cells of the row, which names the patient."""
    patient_id = row.text(layout.patient_id)
    return f"patient {patient_id}: " if patient_id else ""


def _reasons_stop(
    row: _Row, columns: TherapyColumns, layout: WideLayout, labels: dict[str, str]
) -> tuple[StopState, tuple[Any, ...]]:
    text = row.text(columns.reasons)
    if columns.reasons is None or not text:
        return NOT_RECORDED, ()
    if text.casefold() in ("na", "n/a"):
        return ONGOING, ()
    footnote = dict(layout.footnotes).get(text)
    if footnote is not None:
        labels["table_footnote"] = footnote
    elif text.endswith("*"):
        row.fail(
            columns.reasons, f"stop reasons {text!r} carry a footnote marker the layout does not declare"
        )
    reasons = row.read(columns.reasons, parse_reasons)
    return NOT_RECORDED, tuple(reasons or ())


def _stop_date(
    row: _Row, columns: TherapyColumns, layout: WideLayout, state: StopState, as_of: dt.date | None
) -> PartialDate | None:
    date: PartialDate | None = row.read(columns.stop, _date, as_of)
    if date is not None and state is ONGOING and columns.stop is not None:
        row.fail(
            columns.stop,
            f"{_who(row, layout)}stop {date} contradicts {columns.reasons} "
            f"{row.text(columns.reasons)!r}, which says the episode is ongoing",
        )
    return date


def _episodes(
    row: _Row, layout: WideLayout, catalogue: Catalogue, as_of: dt.date | None, labels: dict[str, str]
) -> list[TherapyEpisode]:
    episodes: list[TherapyEpisode] = []
    for number, columns in enumerate(layout.therapies, start=1):
        name = row.text(columns.therapy)
        start_text = row.text(columns.start)
        if not name:
            for other in columns.names[1:]:
                if row.text(other) and row.text(other).casefold() not in _BLANK:
                    row.fail(other, f"{row.text(other)!r} is given without a therapy in {columns.therapy}")
            continue
        therapy = row.read(columns.therapy, catalogue.get)
        start = row.read(columns.start, _date, as_of)
        if start is None and not start_text:
            row.fail(columns.start, f"therapy {name!r} has no start")
        stop, reasons = _reasons_stop(row, columns, layout, labels)
        stop_date = _stop_date(row, columns, layout, stop, as_of)
        edss = row.read(columns.edss, _edss)
        if therapy is None or start is None:
            continue
        try:
            episode = TherapyEpisode(therapy, start, stop, reasons, edss, sequence=number)
        except DmtTimelineError as exc:
            row.fail(columns.therapy, str(exc))
            continue
        if stop_date is not None and columns.stop is not None:
            # Set apart, so that a stop the episode refuses is reported at its own column.
            try:
                episode = attrs.evolve(episode, stop=stop_date)
            except DmtTimelineError as exc:
                row.fail(columns.stop, f"{_who(row, layout)}{exc}")
                continue
        episodes.append(episode)
    return episodes


def _observations(
    row: _Row, layout: WideLayout, catalogue: Catalogue, episodes: Sequence[TherapyEpisode]
) -> list[ResponseObservation]:
    found: list[ResponseObservation] = []
    # An unreadable therapy cell already reported is the cause of a missing index episode.
    earlier_problems = bool(row.problems)
    index_therapy = catalogue.get(layout.index_therapy)
    index = next((i for i, e in enumerate(episodes) if e.therapy == index_therapy), None)
    for column, outcome, condition in (
        (layout.ms_latency, Outcome.MS_ACTIVITY_CEASED, Condition.MULTIPLE_SCLEROSIS),
        (layout.psoriasis_latency, Outcome.COMORBIDITY_IMPROVED, Condition.PSORIASIS),
    ):
        months = row.read(column, _months)
        if months is None or column is None:
            continue
        if index is None:
            if earlier_problems:
                continue
            row.fail(column, f"latency {months} has no {index_therapy.name} episode to count from")
            continue
        found.append(ResponseObservation(outcome, index, condition, latency_months=months))
    return found


def _patient(row: _Row, layout: WideLayout, catalogue: Catalogue, as_of: dt.date | None) -> Patient | None:
    patient_id = row.text(layout.patient_id)
    if not patient_id:
        row.fail(layout.patient_id, "patient id is blank")
    labels = {"table_row": str(row.number)}
    group = row.text(layout.group)
    if group:
        labels["published_group"] = group
    diagnoses = [
        Diagnosis(
            Condition.MULTIPLE_SCLEROSIS,
            row.read(layout.ms_diagnosis, _date, as_of),
            row.read(layout.csf, _csf),
        )
    ]
    if layout.psoriasis_diagnosis is not None:
        diagnoses.append(Diagnosis(Condition.PSORIASIS, row.read(layout.psoriasis_diagnosis, _date, as_of)))
    treatments = []
    for column, current in ((layout.psoriasis_treatment, False), (layout.current_psoriasis_treatment, True)):
        modalities = row.read(column, _modalities)
        if modalities:
            treatments.append(ComorbidityTreatment(Condition.PSORIASIS, modalities, current))
    episodes = _episodes(row, layout, catalogue, as_of, labels)
    observations = _observations(row, layout, catalogue, episodes)
    baseline = row.read(layout.baseline_edss, _edss)
    last = row.read(layout.last_edss, _edss)
    follow_up = row.read(layout.last_follow_up, _date, as_of)
    if row.problems:
        return None
    try:
        patient = Patient(
            patient_id,
            episodes=episodes,
            diagnoses=diagnoses,
            observations=observations,
            baseline_edss=baseline,
            last_edss=last,
            comorbidity_treatments=treatments,
            labels=labels,
        )
    except DmtTimelineError as exc:
        row.fail(layout.patient_id, str(exc))
        return None
    if follow_up is None or layout.last_follow_up is None:
        return patient
    # Set apart, so that a follow-up the patient refuses is reported at its own column.
    try:
        return attrs.evolve(patient, last_follow_up=follow_up)
    except DmtTimelineError as exc:
        row.fail(layout.last_follow_up, str(exc))
        return None


def read_wide_rows(
    rows: Iterable[Mapping[str, str]],
    layout: WideLayout = STUDY_LAYOUT,
    *,
    header: Sequence[str] | None = None,
    catalogue: Catalogue = CATALOGUE,
    as_of: dt.date | None = None,
    skip_bad_rows: bool = False,
    metadata: CohortMetadata = CohortMetadata(),  # noqa: B008 - a frozen value, safe as a default
) -> WideRead:
    """Read rows of text cells (column name to cell) through ``layout``.

    Args:
        rows: The data rows, first row first.
        layout: Which column holds what.
        header: The table's column names, checked against the layout when given.
        catalogue: Where therapy names are looked up.
        as_of: When given, a date after it is refused (data entered in the future).
        skip_bad_rows: Return the rows that could be read and report the others, instead of
            refusing the whole table.
        metadata: The cohort's metadata.

    Raises:
        TableFormatError: listing every problem, unless ``skip_bad_rows`` is set; a table
            whose header lacks a layout column is refused even then.
    """
    if header is not None:
        missing = [c for c in layout.columns if c not in header]
        if missing:
            raise TableFormatError(
                "wide table: the header lacks columns of the layout",
                [RowProblem(0, c, "missing from the header") for c in missing],
            )
    patients: list[Patient] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(rows, start=1):
        row = _Row(number, cells)
        patient = _patient(row, layout, catalogue, as_of)
        if patient is not None and patient.id in seen:
            row.fail(layout.patient_id, f"patient id {patient.id} repeats row {seen[patient.id]}")
            patient = None
        problems.extend(row.problems)
        if patient is not None:
            seen[patient.id] = number
            patients.append(patient)
    if problems and not skip_bad_rows:
        raise TableFormatError(f"wide table: {len(problems)} problem(s); nothing was read", problems)
    return WideRead(Cohort(patients, metadata), tuple(problems))


def read_wide_csv(
    path: str | os.PathLike[str],
    layout: WideLayout = STUDY_LAYOUT,
    *,
    catalogue: Catalogue = CATALOGUE,
    as_of: dt.date | None = None,
    skip_bad_rows: bool = False,
    metadata: CohortMetadata = CohortMetadata(),  # noqa: B008 - a frozen value, safe as a default
) -> WideRead:
    """Read a wide CSV file (UTF-8, header row) through ``layout``; see :func:`read_wide_rows`."""
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = tuple(reader.fieldnames or ())
        return read_wide_rows(
            reader,
            layout,
            header=header,
            catalogue=catalogue,
            as_of=as_of,
            skip_bad_rows=skip_bad_rows,
            metadata=metadata,
        )


def _frame_cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        # A numeric column holds years and whole EDSS scores as floats: 2007.0 means "2007".
        return str(int(value))
    return str(value)


def read_wide_frame(
    frame: Any,
    layout: WideLayout = STUDY_LAYOUT,
    *,
    catalogue: Catalogue = CATALOGUE,
    as_of: dt.date | None = None,
    skip_bad_rows: bool = False,
    metadata: CohortMetadata = CohortMetadata(),  # noqa: B008 - a frozen value, safe as a default
) -> WideRead:
    """Read a pandas DataFrame (one row per patient) through ``layout``; see :func:`read_wide_rows`.

    Rows are numbered by position from 1, whatever the frame's index. Read the CSV with
    ``pd.read_csv(path, keep_default_na=False)``: by default pandas turns the cell ``NA``
    (not applicable: the episode is ongoing) into a missing value, which reads as not recorded.
    """
    return read_wide_rows(
        frame_records(frame, _frame_cell),
        layout,
        header=[str(c) for c in frame.columns],
        catalogue=catalogue,
        as_of=as_of,
        skip_bad_rows=skip_bad_rows,
        metadata=metadata,
    )


# -- writing --------------------------------------------------------------------------------


def _number(value: float | int | None) -> str:
    return "" if value is None else f"{value:g}"


def _reasons_text(episode: TherapyEpisode, layout: WideLayout, footnote: str | None) -> str:
    if episode.stop is ONGOING:
        return "NA"
    text = ", ".join(r.value for r in episode.reasons)
    marked = f"{text}*"
    if footnote is not None and dict(layout.footnotes).get(marked) == footnote:
        return marked
    return text


def _write_episodes(patient: Patient, layout: WideLayout, cells: dict[str, str]) -> None:
    by_number = {e.sequence: e for e in patient.episodes}
    if len(by_number) != len(patient.episodes) or not set(by_number) <= set(
        range(1, len(layout.therapies) + 1)
    ):
        raise CohortFormatError(
            f"patient {patient.id}: episodes' sequences do not fit the layout's {len(layout.therapies)} "
            "therapy columns"
        )
    footnote = patient.label("table_footnote")
    for number, columns in enumerate(layout.therapies, start=1):
        episode = by_number.get(number)
        if episode is None:
            continue
        where = f"patient {patient.id}: episodes[{patient.episodes.index(episode)}]"
        if isinstance(episode.stop, PartialDate) and columns.stop is None:
            raise CohortFormatError(f"{where}.stop: {episode.stop} has no column in a wide table")
        if columns.reasons is None and (episode.reasons or episode.stop is ONGOING):
            raise CohortFormatError(f"{where}.reasons: therapy column {number} has no reason column")
        if columns.edss is None and episode.edss is not None:
            raise CohortFormatError(f"{where}.edss: therapy column {number} has no EDSS column")
        cells[columns.therapy] = episode.therapy.label
        cells[columns.start] = str(episode.start)
        if isinstance(episode.stop, PartialDate):
            _set(cells, columns.stop, str(episode.stop))
        if columns.reasons is not None:
            cells[columns.reasons] = _reasons_text(episode, layout, footnote)
        if columns.edss is not None:
            cells[columns.edss] = _number(episode.edss.score if episode.edss else None)


def _set(cells: dict[str, str], column: str | None, value: str) -> None:
    if column is not None:
        cells[column] = value


def to_wide_rows(
    cohort: Cohort | Iterable[Patient], layout: WideLayout = STUDY_LAYOUT
) -> list[dict[str, str]]:
    """One dict of text cells per patient, in ``layout``: the inverse of :func:`read_wide_rows`.

    Raises:
        CohortFormatError: naming the patient and field that the layout cannot hold (a stop
            date without a stop column, a fourth episode, an outcome not tied to the first
            index episode...).
    """
    rows: list[dict[str, str]] = []
    for patient in cohort:
        cells = dict.fromkeys(layout.columns, "")
        cells[layout.patient_id] = patient.id
        ms = patient.diagnosis(Condition.MULTIPLE_SCLEROSIS)
        ps = patient.diagnosis(Condition.PSORIASIS)
        _set(cells, layout.ms_diagnosis, str(ms.date) if ms and ms.date else "")
        _set(cells, layout.csf, _CSF_TEXT[ms.csf] if ms and ms.csf else "")
        _set(cells, layout.psoriasis_diagnosis, str(ps.date) if ps and ps.date else "")
        _set(
            cells,
            layout.baseline_edss,
            _number(patient.baseline_edss.score if patient.baseline_edss else None),
        )
        _set(cells, layout.last_edss, _number(patient.last_edss.score if patient.last_edss else None))
        _set(cells, layout.last_follow_up, str(patient.last_follow_up) if patient.last_follow_up else "")
        _set(cells, layout.group, patient.label("published_group") or "")
        for treatment in patient.comorbidity_treatments:
            column = layout.current_psoriasis_treatment if treatment.current else layout.psoriasis_treatment
            _set(cells, column, _modalities_text(treatment.modalities, short=not treatment.current))
        _set(
            cells,
            layout.current_psoriasis_treatment,
            cells.get(layout.current_psoriasis_treatment or "") or "0",
        )
        _write_episodes(patient, layout, cells)
        for obs in patient.observations:
            column = (
                layout.ms_latency if obs.outcome is Outcome.MS_ACTIVITY_CEASED else layout.psoriasis_latency
            )
            if column is None or obs.latency_months is None:
                raise CohortFormatError(
                    f"patient {patient.id}: observations[{patient.observations.index(obs)}]: "
                    "only a latency in months has a column in a wide table"
                )
            cells[column] = str(obs.latency_months)
        rows.append(cells)
    return rows


def write_wide_csv(
    cohort: Cohort | Iterable[Patient], path: str | os.PathLike[str], layout: WideLayout = STUDY_LAYOUT
) -> None:
    """Write a cohort as a wide CSV in ``layout``, which :func:`read_wide_csv` reads back."""
    rows = to_wide_rows(cohort, layout)
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=layout.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
