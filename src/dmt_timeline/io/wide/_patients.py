"""Patients: one row's cells read through a layout into a patient, every problem collected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs

from dmt_timeline.catalogue import Catalogue, Therapy
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import DmtTimelineError, quoted
from dmt_timeline.io import _cells
from dmt_timeline.io._cells import CellError, is_na
from dmt_timeline.io._table import HEADER_ROW
from dmt_timeline.io.cells import (
    ReadingOptions,
    read_conditions,
    read_sex,
    read_stop,
    reason_reader,
    therapy_reader,
)
from dmt_timeline.io.wide._cells import _csf, _date, _edss, _modalities, _months, _Row
from dmt_timeline.io.wide._layout import TherapyColumns, WideLayout
from dmt_timeline.model import (
    NOT_RECORDED,
    ONGOING,
    ComorbidityTreatment,
    Condition,
    Diagnosis,
    Outcome,
    Patient,
    ResponseObservation,
    Sex,
    StopState,
    TherapyEpisode,
)


def _who(row: _Row, layout: WideLayout) -> str:
    """``patient '<id>': ``, to begin a problem between cells of the row, which names the patient."""
    patient_id = row.text(layout.patient_id)
    return f"patient {quoted(patient_id)}: " if patient_id else ""


def _model_message(exc: DmtTimelineError, patient_id: str) -> str:
    """A model error's message, the patient named as every message names it (quoted)."""
    # The model and the timeline name the patient as every message does; the row adds it again.
    return str(exc).removeprefix(f"patient {quoted(patient_id)}: ")


def _build(row: _Row, layout: WideLayout, column: str | None, factory: Any, *args: Any, **kwargs: Any) -> Any:
    """``factory(*args, **kwargs)``, or None with the model's refusal reported at ``column``,
    naming the patient and the cell."""
    try:
        return factory(*args, **kwargs)
    except DmtTimelineError as exc:
        message = _model_message(exc, row.text(layout.patient_id))
        row.fail(column or layout.patient_id, f"{_who(row, layout)}{message}")
        return None


def _therapy(text: str, catalogue: Catalogue, reading: ReadingOptions | None = None) -> Therapy:
    if reading is not None:
        found = therapy_reader(catalogue, reading).get(text)
        if isinstance(found, str):
            raise CellError(found)
        return found
    try:
        return catalogue.resolve(text)
    except DmtTimelineError as exc:
        message = str(exc)
    if quoted(text) == repr(text):
        # The catalogue quotes the name with repr(): when that is what quoted() shows, its
        # message (which suggests close names) is as bounded as ours.
        raise CellError(message)
    raise CellError(f"unknown therapy {quoted(text)}")


def _stop_cell(text: str, as_of: dt.date | None, reading: ReadingOptions) -> PartialDate | StopState:
    stop = read_stop(
        text,
        day_first=reading.day_first,
        excel_serial=reading.excel_serial,
        ongoing=reading.ongoing,
        not_recorded=reading.not_recorded,
    )
    if isinstance(stop, PartialDate) and as_of is not None and stop.first_day > as_of:
        raise CellError(f"date {quoted(text)} is after as_of {as_of.isoformat()}")
    return stop


def _reasons_stop(
    row: _Row, columns: TherapyColumns, layout: WideLayout, labels: dict[str, str]
) -> tuple[StopState, tuple[Any, ...]]:
    text = row.text(columns.reasons)
    if columns.reasons is None or not text:
        return NOT_RECORDED, ()
    if is_na(text):
        return ONGOING, ()
    footnote = dict(layout.footnotes).get(text)
    if footnote is not None:
        labels["table_footnote"] = footnote
    elif text.endswith("*"):
        row.fail(
            columns.reasons,
            f"stop reasons {quoted(text)} carry a footnote marker the layout does not declare",
        )
    reader = _cells.reasons if layout.reading is None else reason_reader(layout.reading)
    reasons = row.read(columns.reasons, reader)
    return NOT_RECORDED, tuple(reasons or ())


def _stop_date(
    row: _Row, columns: TherapyColumns, layout: WideLayout, state: StopState, as_of: dt.date | None
) -> PartialDate | StopState | None:
    if layout.reading is not None and columns.stop is not None:
        stop: PartialDate | StopState | None = row.read(columns.stop, _stop_cell, as_of, layout.reading)
        if stop is ONGOING and state is not ONGOING:
            return ONGOING
        date: PartialDate | None = stop if isinstance(stop, PartialDate) else None
    else:
        date = row.read(columns.stop, _date, as_of, layout.reading)
    if date is not None and state is ONGOING and columns.stop is not None:
        row.fail(
            columns.stop,
            f"{_who(row, layout)}stop {date} contradicts {columns.reasons} "
            f"{quoted(row.text(columns.reasons))}, which says the episode is ongoing",
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
                if row.text(other) and not is_na(row.text(other)):
                    row.fail(
                        other, f"{quoted(row.text(other))} is given without a therapy in {columns.therapy}"
                    )
            continue
        therapy = row.read(columns.therapy, _therapy, catalogue, layout.reading)
        start = row.read(columns.start, _date, as_of, layout.reading)
        if start is None and not start_text:
            row.fail(columns.start, f"therapy {quoted(name)} has no start")
        stop, reasons = _reasons_stop(row, columns, layout, labels)
        stop_date = _stop_date(row, columns, layout, stop, as_of)
        if stop_date is ONGOING:
            stop, stop_date = ONGOING, None
        edss = row.read(columns.edss, _edss)
        if therapy is None or start is None:
            continue
        episode = _build(
            row, layout, columns.therapy, TherapyEpisode, therapy, start, stop, reasons, edss, sequence=number
        )
        if episode is None:
            continue
        if stop_date is not None and columns.stop is not None:
            # Set apart, so that a stop the episode refuses is reported at its own column.
            episode = _build(row, layout, columns.stop, attrs.evolve, episode, stop=stop_date)
            if episode is None:
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
        observation = _build(
            row, layout, column, ResponseObservation, outcome, index, condition, latency_months=months
        )
        if observation is not None:
            found.append(observation)
    return found


def _sex(text: str, reading: ReadingOptions | None) -> Sex | None:
    return read_sex(text, crosswalk=() if reading is None else reading.sex)


def _comorbidities(
    row: _Row, layout: WideLayout, diagnoses: Sequence[Diagnosis | None]
) -> list[Diagnosis | None]:
    """Undated diagnoses of the conditions the comorbidities column names, but those diagnosed
    in a column of their own (whose dates say more)."""
    if layout.comorbidities is None:
        return []
    listed = {d.condition for d in diagnoses if d is not None}
    named = row.read(layout.comorbidities, read_conditions, layout.reading) or ()
    return [_build(row, layout, layout.comorbidities, Diagnosis, c) for c in named if c not in listed]


def _patient(row: _Row, layout: WideLayout, catalogue: Catalogue, as_of: dt.date | None) -> Patient | None:
    if row.problems:
        return None  # the row's shape is unsound: its cells are not read
    patient_id = ""
    try:
        patient_id = row.source.patient(layout.patient_id)
    except DmtTimelineError as exc:
        row.fail(layout.patient_id, str(exc))
    # The row in the table body (1 = the first row under the header), as the publication counts.
    labels = {"table_row": str(row.number - HEADER_ROW)}
    group = row.text(layout.group)
    if group:
        labels["published_group"] = group
    for label in layout.labels:
        if row.text(label):
            labels[label] = row.text(label)
    ms_date = row.read(layout.ms_diagnosis, _date, as_of, layout.reading)
    csf = row.read(layout.csf, _csf)
    diagnoses = [
        _build(row, layout, layout.ms_diagnosis, Diagnosis, Condition.MULTIPLE_SCLEROSIS, ms_date, csf)
    ]
    if layout.psoriasis_diagnosis is not None:
        ps_date = row.read(layout.psoriasis_diagnosis, _date, as_of, layout.reading)
        diagnoses.append(
            _build(row, layout, layout.psoriasis_diagnosis, Diagnosis, Condition.PSORIASIS, ps_date)
        )
    diagnoses.extend(_comorbidities(row, layout, diagnoses))
    treatments = []
    for column, current in ((layout.psoriasis_treatment, False), (layout.current_psoriasis_treatment, True)):
        modalities = row.read(column, _modalities)
        if modalities:
            treatments.append(
                _build(row, layout, column, ComorbidityTreatment, Condition.PSORIASIS, modalities, current)
            )
    episodes = _episodes(row, layout, catalogue, as_of, labels)
    observations = _observations(row, layout, catalogue, episodes)
    baseline = row.read(layout.baseline_edss, _edss)
    last = row.read(layout.last_edss, _edss)
    follow_up = row.read(layout.last_follow_up, _date, as_of, layout.reading)
    sex = row.read(layout.sex, _sex, layout.reading)
    birth = row.read(layout.birth_date, _date, as_of, layout.reading)
    if row.problems:
        return None
    patient: Patient | None = _build(
        row,
        layout,
        None,
        Patient,
        patient_id,
        episodes=episodes,
        diagnoses=diagnoses,
        observations=observations,
        baseline_edss=baseline,
        last_edss=last,
        comorbidity_treatments=treatments,
        labels=labels,
        sex=sex,
    )
    if patient is not None and follow_up is not None and layout.last_follow_up is not None:
        # Set apart, so that a follow-up the patient refuses is reported at its own column.
        patient = _build(row, layout, layout.last_follow_up, attrs.evolve, patient, last_follow_up=follow_up)
    if patient is not None and birth is not None and layout.birth_date is not None:
        # Likewise a birth date after something the patient has.
        patient = _build(row, layout, layout.birth_date, attrs.evolve, patient, birth_date=birth)
    return patient
