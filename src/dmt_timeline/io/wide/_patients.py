"""Patients: one row's cells read through a layout into a patient, every problem collected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs

from dmt_timeline.catalogue import Catalogue
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import DmtTimelineError
from dmt_timeline.io.wide._cells import _BLANK, _csf, _date, _edss, _modalities, _months, _Row
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
    StopState,
    TherapyEpisode,
    parse_reasons,
)


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
