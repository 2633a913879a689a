"""Tidy tables out: episodes, transitions, transfers, latencies, response observations and last
follow-ups, one row per item.

Each table is a :class:`TidyTable`: a documented column list (:data:`EPISODE_COLUMNS`,
:data:`TRANSITION_COLUMNS`, :data:`TRANSFER_COLUMNS`, :data:`LATENCY_COLUMNS`,
:data:`OBSERVATION_COLUMNS`, :data:`FOLLOW_UP_COLUMNS`, :data:`DIAGNOSIS_COLUMNS`) and rows. A
partial date ``x`` becomes three columns, ``x_earliest``, ``x_latest`` (days) and
``x_precision`` (``year``/``month``/``day``); a month range ``m`` becomes ``m_low`` and
``m_high``. Missing values are ``None``. Tables convert to a list of dicts and CSV with the
standard library, and to pandas and pyarrow (extra ``tables``) with typed columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final, Literal

import attrs

from dmt_timeline import _display
from dmt_timeline._collector import collector_paused
from dmt_timeline.dates import MonthRange, PartialDate
from dmt_timeline.errors import CohortFormatError, quoted
from dmt_timeline.io._frames import require
from dmt_timeline.latency import CensorAt, cohort_latencies
from dmt_timeline.model import Cohort, Patient, StopState
from dmt_timeline.regimens import REGIMENS, Regimens
from dmt_timeline.timeline import (
    DEFAULT_GRACE_MONTHS,
    DEFAULT_MAX_OVERLAP_MONTHS,
    Selector,
    Timeline,
    transfer,
)

__all__ = [
    "DIAGNOSIS_COLUMNS",
    "EPISODE_COLUMNS",
    "EPISODE_KEY_COLUMNS",
    "EVENT_COLUMNS",
    "FOLLOW_UP_COLUMNS",
    "LATENCY_COLUMNS",
    "OBSERVATION_COLUMNS",
    "PATIENT_COLUMNS",
    "TRANSFER_COLUMNS",
    "TRANSITION_COLUMNS",
    "Column",
    "ColumnType",
    "TidyTable",
    "diagnoses_table",
    "episodes_table",
    "events_table",
    "follow_up_table",
    "latencies_table",
    "observations_table",
    "patients_table",
    "transfers_table",
    "transitions_table",
]


class ColumnType(enum.Enum):
    """A column's type: what pandas and pyarrow are given."""

    STRING = "string"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"


@attrs.frozen
class Column:
    """A column's name, type and meaning."""

    name: str
    type: ColumnType
    doc: str = ""


_S, _I, _F, _B, _D = ColumnType.STRING, ColumnType.INT, ColumnType.FLOAT, ColumnType.BOOL, ColumnType.DATE


def _date_columns(name: str, what: str) -> tuple[Column, ...]:
    return (
        Column(f"{name}_earliest", _D, f"earliest day {what} can mean"),
        Column(f"{name}_latest", _D, f"latest day {what} can mean"),
        Column(f"{name}_precision", _S, f"precision of {what}: year, month or day"),
    )


def _date_values(date: PartialDate | None) -> tuple[dt.date | None, dt.date | None, str | None]:
    if date is None:
        return None, None, None
    return date.first_day, date.last_day, date.precision.value


EPISODE_COLUMNS: Final = (
    Column("patient_id", _S, "the patient"),
    Column("episode", _I, "position in the patient's episodes (0-based)"),
    Column("line", _I, "position in the patient's timeline (1 = first line)"),
    Column("sequence", _I, "the source's own order (a table's 1st, 2nd... DMT), if given"),
    Column("therapy", _S, "catalogue name"),
    Column("therapy_class", _S, "mechanism class"),
    Column("atc", _S, "ATC code"),
    *_date_columns("start", "the start"),
    Column("stop_state", _S, "'date', 'ongoing' or 'not recorded'"),
    *_date_columns("stop", "the stop (when a date)"),
    Column("reasons", _S, "stop reasons' codes joined by ';' (empty when none)"),
    Column("edss", _F, "EDSS recorded with the episode"),
)
"""Columns of :func:`episodes_table`."""

EPISODE_KEY_COLUMNS: Final = (
    "patient_id",
    "therapy",
    "start_earliest",
    "start_latest",
    "stop_state",
    "stop_earliest",
    "stop_latest",
)
"""The columns of :data:`EPISODE_COLUMNS` every reader of an episodes table needs (the batch
engine, persistence); the others are optional."""

TRANSITION_COLUMNS: Final = (
    Column("patient_id", _S, "the patient"),
    Column("position", _I, "1 for the transition from the 1st to the 2nd line, ..."),
    Column("before_therapy", _S, "therapy of the earlier episode"),
    Column("after_therapy", _S, "therapy of the next episode"),
    *_date_columns("before_start", "the earlier episode's start"),
    *_date_columns("after_start", "the next episode's start"),
    Column("kind", _S, "direct switch, lag gap, overlap, scheduled or indeterminate"),
    Column("change", _S, "switch, restart, next course, retreatment, or switch or restart"),
    Column("gap_low", _I, "fewest whole months between stop and next start (None if open-ended)"),
    Column("gap_high", _I, "most whole months between stop and next start (None if open-ended)"),
    Column("grace_months", _I, "grace period the kind was judged with"),
    Column("reason", _S, "why the kind is indeterminate"),
    Column(
        "effect_window", _S, "next therapy started in the previous one's carry-over: true/false/undetermined"
    ),
    Column(
        "washout",
        _S,
        "gap inside the washout recommended after the previous therapy: true/false/undetermined",
    ),
)
"""Columns of :func:`transitions_table`."""

TRANSFER_COLUMNS: Final = (
    Column("patient_id", _S, "the patient"),
    Column("kind", _S, "direct, indirect or none"),
    Column("source_therapy", _S, "the latest source episode's therapy (None when kind is none)"),
    *_date_columns("source_start", "the source episode's start"),
    Column("target_therapy", _S, "the target episode's therapy"),
    *_date_columns("target_start", "the target episode's start"),
    Column("via", _S, "therapies between source and target, joined by ';'"),
    Column("via_count", _I, "how many episodes lie between them"),
)
"""Columns of :func:`transfers_table`."""

LATENCY_COLUMNS: Final = (
    Column("patient_id", _S, "the patient"),
    Column("outcome", _S, "'MS' or the comorbidity's name"),
    Column("months_low", _I, "fewest whole months to response (or to censoring if censored)"),
    Column("months_high", _I, "most whole months to response (or to censoring if censored)"),
    Column("observed", _B, "False when right-censored"),
    Column("index_therapy", _S, "the index episode's therapy"),
    *_date_columns("index_start", "the index episode's start"),
)
"""Columns of :func:`latencies_table`."""

OBSERVATION_COLUMNS: Final = (
    Column("patient_id", _S, "the patient"),
    Column("episode", _I, "position of the index episode in the patient's episodes (0-based)"),
    Column("outcome", _S, "'MS' or the comorbidity's name"),
    *_date_columns("date", "the observation's date (None when a latency is stated)"),
    Column("latency_months", _I, "whole months from the episode's start, as stated (None when dated)"),
    Column("grade", _S, "the SGI grade observed, for a comorbidity"),
)
"""Columns of :func:`observations_table`."""

DIAGNOSIS_COLUMNS: Final = (
    Column("patient_id", _S, "the patient"),
    Column("condition", _S, "the condition: 'multiple sclerosis' or a comorbidity's name"),
    *_date_columns("date", "the diagnosis (None when unknown)"),
    Column("csf", _S, "CSF oligoclonal bands, for MS (None when not recorded)"),
)
"""Columns of :func:`diagnoses_table`."""

FOLLOW_UP_COLUMNS: Final = (
    Column("patient_id", _S, "the patient"),
    *_date_columns("last_follow_up", "the last follow-up (None when unknown)"),
)
"""Columns of :func:`follow_up_table`."""

PATIENT_COLUMNS: Final = (
    Column("patient_id", _S, "the patient"),
    Column("sex", _S, "female, male, other, or None when not recorded"),
    *_date_columns("birth_date", "the birth date (None when not recorded)"),
    *_date_columns("last_follow_up", "the last follow-up (None when unknown)"),
)
"""Columns of :func:`patients_table`."""


@attrs.frozen
class TidyTable:
    """Rows of values under a documented column list; one row per item."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The column names."""
        return tuple(c.name for c in self.columns)

    def __len__(self) -> int:
        return len(self.rows)

    def with_labels(self, cohort: Cohort | Iterable[Patient], keys: Sequence[str] | None = None) -> TidyTable:
        """This table with a column per patient label (sex, site...), for grouping by them.

        Each row takes the label of its ``patient_id``; a patient without the label gets None.

        Args:
            cohort: The patients the table was made from.
            keys: The labels to add, in order; by default every label of the cohort, in order
                of first appearance, except the readers' bookkeeping label ``table_row``.

        Raises:
            CohortFormatError: when a label's name is already a column of the table, or the
                table has no ``patient_id`` column.
        """
        labels = {patient.id: dict(patient.labels) for patient in cohort}
        if keys is None:
            seen = dict.fromkeys(k for mine in labels.values() for k in mine)
            keys = [k for k in seen if k != "table_row"]
        if "patient_id" not in self.names:
            raise CohortFormatError("with_labels: the table has no patient_id column")
        clash = [k for k in keys if k in self.names]
        if clash:
            raise CohortFormatError(
                f"with_labels: labels {', '.join(map(quoted, clash))} are already columns"
            )
        at = self.names.index("patient_id")
        columns = (*self.columns, *(Column(k, _S, f"patient label {k}") for k in keys))
        rows = tuple((*row, *(labels.get(row[at], {}).get(k) for k in keys)) for row in self.rows)
        return TidyTable(columns, rows)

    def __repr__(self) -> str:
        return _display.tidy_table_repr(self)

    def _repr_html_(self) -> str:
        return _display.tidy_table_html(self)

    def to_dicts(self) -> list[dict[str, Any]]:
        """One dict per row, column name to value (no dependency)."""
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in self.rows]

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write CSV: days as ISO dates, booleans as ``true``/``false``, missing values blank."""
        with Path(path).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(self.names)
            writer.writerows([_display.cell_text(v) for v in row] for row in self.rows)

    def to_pandas(self) -> Any:
        """A pandas DataFrame with nullable dtypes: ``string``, ``Int64``, ``Float64``,
        ``boolean``, and ``datetime64[s]`` for days.

        Raises:
            ImportError: naming the extra to install when pandas is missing.
        """
        pd = require("pandas", "to_pandas")
        dtypes = {_S: "string", _I: "Int64", _F: "Float64", _B: "boolean", _D: "datetime64[s]"}
        data = {}
        for i, column in enumerate(self.columns):
            values = pd.Series([row[i] for row in self.rows], dtype=object)
            if column.type is _D:
                values = pd.to_datetime(values)
            data[column.name] = values.astype(dtypes[column.type])
        return pd.DataFrame(data, columns=list(self.names))

    def to_arrow(self) -> Any:
        """A pyarrow Table typed ``string``, ``int64``, ``float64``, ``bool`` and ``date32``.

        Raises:
            ImportError: naming the extra to install when pyarrow is missing.
        """
        pa = require("pyarrow", "to_arrow")
        types = {_S: pa.string(), _I: pa.int64(), _F: pa.float64(), _B: pa.bool_(), _D: pa.date32()}
        schema = pa.schema([pa.field(c.name, types[c.type]) for c in self.columns])
        arrays = [
            pa.array([row[i] for row in self.rows], type=types[c.type]) for i, c in enumerate(self.columns)
        ]
        return pa.Table.from_arrays(arrays, schema=schema)


def _range(months: MonthRange | None) -> tuple[int | None, int | None]:
    return (None, None) if months is None else (months.low, months.high)


@collector_paused()  # many small rows without cycles: see dmt_timeline._collector
def episodes_table(cohort: Cohort | Iterable[Patient]) -> TidyTable:
    """One row per therapy episode; see :data:`EPISODE_COLUMNS`."""
    rows = []
    for patient in cohort:
        order = Timeline(patient.episodes).episodes
        for i, episode in enumerate(patient.episodes):
            stop = episode.stop
            stop_state = stop.value if isinstance(stop, StopState) else "date"
            rows.append(
                (
                    patient.id,
                    i,
                    order.index(episode) + 1,
                    episode.sequence,
                    episode.therapy.name,
                    episode.therapy_class.value,
                    episode.therapy.atc,
                    *_date_values(episode.start),
                    stop_state,
                    *_date_values(stop if isinstance(stop, PartialDate) else None),
                    ";".join(r.value for r in episode.reasons),
                    episode.edss.score if episode.edss is not None else None,
                )
            )
    return TidyTable(EPISODE_COLUMNS, tuple(rows))


@collector_paused()  # many small rows without cycles: see dmt_timeline._collector
def transitions_table(
    cohort: Cohort | Iterable[Patient],
    *,
    grace_months: int = DEFAULT_GRACE_MONTHS,
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
    regimens: Regimens = REGIMENS,
) -> TidyTable:
    """One row per transition between consecutive episodes; see :data:`TRANSITION_COLUMNS`
    and :meth:`Timeline.transitions <dmt_timeline.Timeline.transitions>` for ``regimens``.

    Raises:
        TimelineError: what :meth:`Timeline.of <dmt_timeline.Timeline.of>` refuses, with its message.
    """
    rows = []
    for patient in cohort:
        timeline = Timeline.of(patient, max_overlap_months=max_overlap_months)
        found = timeline.transitions(grace_months=grace_months, regimens=regimens)
        for position, item in enumerate(found, start=1):
            rows.append(
                (
                    patient.id,
                    position,
                    item.before.therapy.name,
                    item.after.therapy.name,
                    *_date_values(item.before.start),
                    *_date_values(item.after.start),
                    item.kind.value,
                    item.change.value,
                    *_range(item.gap),
                    item.grace_months,
                    item.reason,
                    None if item.effect_window is None else item.effect_window.value,
                    None if item.washout is None else item.washout.value,
                )
            )
    return TidyTable(TRANSITION_COLUMNS, tuple(rows))


@collector_paused()  # many small rows without cycles: see dmt_timeline._collector
def transfers_table(
    cohort: Cohort | Iterable[Patient],
    source: Selector,
    target: Selector,
    *,
    initiation: Literal["first", "last", "each"] = "first",
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
) -> TidyTable:
    """One row per chosen initiation of ``target`` with how ``source`` reached it; see
    :data:`TRANSFER_COLUMNS`. Patients who never started the target have no row.

    Raises:
        TimelineError: what :meth:`Timeline.of <dmt_timeline.Timeline.of>` refuses, with its message.
    """
    rows = []
    for patient in cohort:
        timeline = Timeline.of(patient, max_overlap_months=max_overlap_months)
        for item in transfer(timeline, source, target, initiation=initiation):
            rows.append(
                (
                    patient.id,
                    item.kind.value,
                    item.source.therapy.name if item.source is not None else None,
                    *_date_values(item.source.start if item.source is not None else None),
                    item.target.therapy.name,
                    *_date_values(item.target.start),
                    ";".join(e.therapy.name for e in item.via),
                    len(item.via),
                )
            )
    return TidyTable(TRANSFER_COLUMNS, tuple(rows))


@collector_paused()  # many small rows without cycles: see dmt_timeline._collector
def latencies_table(
    cohort: Cohort | Iterable[Patient],
    *,
    index: Selector,
    outcomes: Sequence[str] | None = None,
    initiation: Literal["first", "last"] = "first",
    censor_at: CensorAt = "index end",
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
    regimens: Regimens = REGIMENS,
) -> TidyTable:
    """One row per patient and outcome after the first (or last) start of ``index``; see
    :data:`LATENCY_COLUMNS` and :func:`~dmt_timeline.cohort_latencies` (which says which
    outcomes, patients and censoring ``outcomes=None`` and ``censor_at`` give).
    """
    found = cohort_latencies(
        cohort,
        index=index,
        outcomes=outcomes,
        initiation=initiation,
        censor_at=censor_at,
        max_overlap_months=max_overlap_months,
        regimens=regimens,
    )
    rows = [
        (
            item.patient_id,
            item.outcome,
            item.months.low,
            item.months.high,
            item.observed,
            item.episode.therapy.name,
            *_date_values(item.episode.start),
        )
        for item in found
    ]
    return TidyTable(LATENCY_COLUMNS, tuple(rows))


@collector_paused()  # many small rows without cycles: see dmt_timeline._collector
def observations_table(cohort: Cohort | Iterable[Patient]) -> TidyTable:
    """One row per response observation; see :data:`OBSERVATION_COLUMNS`."""
    rows = [
        (
            patient.id,
            obs.episode,
            obs.key,
            *_date_values(obs.date),
            obs.latency_months,
            obs.grade.value if obs.grade is not None else None,
        )
        for patient in cohort
        for obs in patient.observations
    ]
    return TidyTable(OBSERVATION_COLUMNS, tuple(rows))


@collector_paused()  # many small rows without cycles: see dmt_timeline._collector
def follow_up_table(cohort: Cohort | Iterable[Patient]) -> TidyTable:
    """One row per patient with the last follow-up; see :data:`FOLLOW_UP_COLUMNS`."""
    rows = [(patient.id, *_date_values(patient.last_follow_up)) for patient in cohort]
    return TidyTable(FOLLOW_UP_COLUMNS, tuple(rows))


@collector_paused()  # many small rows without cycles: see dmt_timeline._collector
def patients_table(cohort: Cohort | Iterable[Patient]) -> TidyTable:
    """One row per patient with sex, birth date (as the bounds of its readings) and last
    follow-up; see :data:`PATIENT_COLUMNS`."""
    rows = [
        (
            patient.id,
            None if patient.sex is None else patient.sex.value,
            *_date_values(patient.birth_date),
            *_date_values(patient.last_follow_up),
        )
        for patient in cohort
    ]
    return TidyTable(PATIENT_COLUMNS, tuple(rows))


@collector_paused()  # many small rows without cycles: see dmt_timeline._collector
def diagnoses_table(cohort: Cohort | Iterable[Patient]) -> TidyTable:
    """One row per diagnosis; see :data:`DIAGNOSIS_COLUMNS`."""
    rows = [
        (
            patient.id,
            diagnosis.condition.value,
            *_date_values(diagnosis.date),
            diagnosis.csf.value if diagnosis.csf is not None else None,
        )
        for patient in cohort
        for diagnosis in patient.diagnoses
    ]
    return TidyTable(DIAGNOSIS_COLUMNS, tuple(rows))


# -- clinical events -------------------------------------------------------------------------
# Kept together at the end of the module: one table of every kind of event.

EVENT_COLUMNS: Final = (
    Column("patient_id", _S, "the patient"),
    Column("kind", _S, "'relapse', 'edss', 'mri' or 'assessment'"),
    Column("event", _I, "position among the patient's events of this kind (0-based)"),
    *_date_columns("date", "the event (a relapse's onset)"),
    Column("severity", _S, "relapse: mild, moderate or severe (None when not recorded)"),
    Column("recovery", _S, "relapse: complete, partial or none (None when not recorded)"),
    Column("steroids", _B, "relapse: treated with corticosteroids (None when not recorded)"),
    Column("edss", _F, "EDSS assessment: the score"),
    Column("during_relapse", _B, "EDSS assessment: taken during a relapse (None when not recorded)"),
    Column("new_t2", _I, "MRI: new or enlarging T2 lesions (None when not counted)"),
    Column("gd_enhancing", _I, "MRI: gadolinium-enhancing lesions (None when not counted)"),
    Column("active", _B, "MRI: any new/enlarging T2 or enhancing lesion (None when the counts cannot tell)"),
    Column("measure", _S, "scored assessment: T25FW, 9HPT or SDMT"),
    Column("value", _F, "scored assessment: the score (seconds, or SDMT correct answers)"),
)
"""Columns of :func:`events_table`; a column that does not apply to a row's kind is None."""

_EVENT_KINDS: Final = (
    ("relapse", "relapses"),
    ("edss", "edss_assessments"),
    ("mri", "mri_scans"),
    ("assessment", "assessments"),
)


def _event_values(kind: str, event: Any) -> tuple[Any, ...]:
    """The value columns of one event, after its date columns."""
    none: tuple[None, ...] = (None,) * 10
    if kind == "relapse":
        severity = event.severity.value if event.severity is not None else None
        recovery = event.recovery.value if event.recovery is not None else None
        return (*_date_values(event.onset), severity, recovery, event.steroids, *none[3:])
    if kind == "edss":
        return (*_date_values(event.date), *none[:3], event.score.score, event.during_relapse, *none[5:])
    if kind == "mri":
        return (
            *_date_values(event.date),
            *none[:5],
            event.new_t2,
            event.gd_enhancing,
            event.active,
            None,
            None,
        )
    return (*_date_values(event.date), *none[:8], event.measure.value, event.value)


@collector_paused()  # many small rows without cycles: see dmt_timeline._collector
def events_table(cohort: Cohort | Iterable[Patient], *, kinds: Sequence[str] | None = None) -> TidyTable:
    """One row per clinical event (relapse, EDSS assessment, MRI scan, scored assessment).

    Rows run patient by patient, and within a patient kind by kind in the order above, each
    kind's events in the patient's order. Add patient labels with :meth:`TidyTable.with_labels`.

    Args:
        cohort: The patients.
        kinds: The kinds to include (``"relapse"``, ``"edss"``, ``"mri"``, ``"assessment"``);
            all by default.

    Raises:
        CohortFormatError: naming a kind that is none of these.
    """
    known = [kind for kind, _ in _EVENT_KINDS]
    wanted = known if kinds is None else list(kinds)
    unknown = [k for k in wanted if k not in known]
    if unknown:
        raise CohortFormatError(
            f"events_table kinds: {', '.join(map(quoted, unknown))} unknown; expected {', '.join(known)}"
        )
    rows = [
        (patient.id, kind, i, *_event_values(kind, event))
        for patient in cohort
        for kind, field in _EVENT_KINDS
        if kind in wanted
        for i, event in enumerate(getattr(patient, field))
    ]
    return TidyTable(EVENT_COLUMNS, tuple(rows))


# -- outcomes from clinical events ----------------------------------------------------------------
# Kept together at the end: each table is its outcome function's results, row for row, so a
# cohort of objects and its table share one rule.

from dmt_timeline.outcomes.attribution import (  # noqa: E402 - this section's own imports
    EffectWindows,
    cohort_attributions,
)
from dmt_timeline.outcomes.neda import cohort_neda  # noqa: E402
from dmt_timeline.outcomes.relapses import cohort_first_relapses  # noqa: E402

__all__ += ["ATTRIBUTION_COLUMNS", "FIRST_RELAPSE_COLUMNS", "NEDA_COLUMNS"]
__all__ += ["attributions_table", "first_relapses_table", "neda_table"]

ATTRIBUTION_COLUMNS: Final = (
    Column("patient_id", _S, "the patient"),
    Column("event_kind", _S, "the event list: relapses, edss_assessments, mri_scans or assessments"),
    Column("event", _I, "position in that list (0-based)"),
    *_date_columns("date", "the event's date"),
    Column("state", _S, "on therapy, onset window, carry-over, untreated or undetermined"),
    Column("episode", _I, "position in the patient's episodes of the attributed episode (when determined)"),
    Column("therapy", _S, "the attributed episode's therapy (when determined)"),
    Column("candidates", _S, "the states the dates allow, as state:episode joined by ';'"),
    Column("unknown_windows", _S, "windows not in the data that could change the answer, joined by ';'"),
)
"""Columns of :func:`attributions_table`."""

FIRST_RELAPSE_COLUMNS: Final = (
    Column("patient_id", _S, "the patient"),
    Column("index_therapy", _S, "the index episode's therapy"),
    *_date_columns("index_start", "the index episode's start"),
    Column("observed", _S, "'true', 'false' (censored) or 'undetermined'"),
    Column("days_low", _I, "fewest days to the first relapse (or to censoring)"),
    Column("days_high", _I, "most days to the first relapse (or to censoring)"),
    Column("interval_left", _F, "the interval-censored time's lower end (see FirstRelapse.interval)"),
    Column("interval_right", _F, "its upper end; infinite when censored"),
)
"""Columns of :func:`first_relapses_table`."""

NEDA_COLUMNS: Final = (
    Column("patient_id", _S, "the patient"),
    Column("index_therapy", _S, "the index episode's therapy"),
    *_date_columns("index_start", "the index episode's start"),
    Column("rebaseline_months", _I, "the window begins this many whole months after the start"),
    Column("months", _I, "the window ends this many whole months after the start"),
    Column("relapse", _S, "relapse activity: 'true', 'false' or 'undetermined'"),
    Column("disability", _S, "confirmed disability worsening: 'true', 'false' or 'undetermined'"),
    Column("mri", _S, "MRI activity: 'true', 'false' or 'undetermined'"),
    Column("neda", _S, "'achieved', 'not achieved' or 'cannot tell'"),
    Column("reasons", _S, "why a component cannot tell, joined by ';'"),
)
"""Columns of :func:`neda_table`."""


@collector_paused()  # many small rows without cycles: see dmt_timeline._collector
def attributions_table(
    cohort: Cohort | Iterable[Patient],
    *,
    windows: EffectWindows | None = None,
    regimens: Regimens = REGIMENS,
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
) -> TidyTable:
    """One row per clinical event with its attribution; see :data:`ATTRIBUTION_COLUMNS` and
    :func:`~dmt_timeline.outcomes.cohort_attributions` (``windows`` and ``regimens`` as there)."""
    patients = cohort if isinstance(cohort, Cohort) else tuple(cohort)
    episodes = {p.id: p.episodes for p in patients}
    found = cohort_attributions(
        patients, windows=windows, regimens=regimens, max_overlap_months=max_overlap_months
    )
    rows = []
    for item in found:
        episode = item.episode
        rows.append(
            (
                item.patient,
                item.kind.value,
                item.event,
                *_date_values(item.date),
                item.state.value,
                episode,
                None if episode is None else episodes[item.patient][episode].therapy.name,
                ";".join(
                    c.state.value if c.episode is None else f"{c.state.value}:{c.episode}"
                    for c in item.candidates
                ),
                ";".join(item.unknown_windows),
            )
        )
    return TidyTable(ATTRIBUTION_COLUMNS, tuple(rows))


def first_relapses_table(
    cohort: Cohort | Iterable[Patient],
    *,
    index: Selector,
    initiation: Literal["first", "last"] = "first",
    censor_at: CensorAt = "index end",
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
    regimens: Regimens = REGIMENS,
) -> TidyTable:
    """One row per patient who started ``index``; see :data:`FIRST_RELAPSE_COLUMNS` and
    :func:`~dmt_timeline.outcomes.cohort_first_relapses`."""
    patients = cohort if isinstance(cohort, Cohort) else tuple(cohort)
    episodes = {p.id: p.episodes for p in patients}
    found = cohort_first_relapses(
        patients,
        index=index,
        initiation=initiation,
        censor_at=censor_at,
        max_overlap_months=max_overlap_months,
        regimens=regimens,
    )
    rows = [
        (
            item.patient,
            episodes[item.patient][item.episode].therapy.name,
            *_date_values(item.start),
            item.observed.value,
            *item.days,
            *item.interval,
        )
        for item in found
    ]
    return TidyTable(FIRST_RELAPSE_COLUMNS, tuple(rows))


def neda_table(
    cohort: Cohort | Iterable[Patient],
    *,
    index: Selector,
    initiation: Literal["first", "last"] = "first",
    months: int = 24,
    rebaseline_months: int = 0,
    censor_at: CensorAt = "index end",
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
    regimens: Regimens = REGIMENS,
) -> TidyTable:
    """One row per patient who started ``index``; see :data:`NEDA_COLUMNS` and
    :func:`~dmt_timeline.outcomes.cohort_neda` (default worsening settings)."""
    patients = cohort if isinstance(cohort, Cohort) else tuple(cohort)
    episodes = {p.id: p.episodes for p in patients}
    found = cohort_neda(
        patients,
        index=index,
        initiation=initiation,
        months=months,
        rebaseline_months=rebaseline_months,
        censor_at=censor_at,
        max_overlap_months=max_overlap_months,
        regimens=regimens,
    )
    rows = [
        (
            item.patient,
            episodes[item.patient][item.episode].therapy.name,
            *_date_values(item.start),
            item.rebaseline_months,
            item.months,
            item.relapse.value,
            item.disability.value,
            item.mri.value,
            item.status,
            ";".join(item.reasons),
        )
        for item in found
    ]
    return TidyTable(NEDA_COLUMNS, tuple(rows))
