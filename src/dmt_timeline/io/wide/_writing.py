"""Writing: a cohort as rows of text cells in a layout, and as a wide CSV file."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from pathlib import Path

from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import CohortFormatError, quoted
from dmt_timeline.io.wide._cells import _CSF_TEXT, _modalities_text
from dmt_timeline.io.wide._layout import STUDY_LAYOUT, WideLayout
from dmt_timeline.model import ONGOING, Cohort, Condition, Outcome, Patient, TherapyEpisode


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
            f"patient {quoted(patient.id)}: episodes' sequences do not fit the layout's "
            f"{len(layout.therapies)} therapy columns"
        )
    footnote = patient.label("table_footnote")
    for number, columns in enumerate(layout.therapies, start=1):
        episode = by_number.get(number)
        if episode is None:
            continue
        where = f"patient {quoted(patient.id)}: episodes[{patient.episodes.index(episode)}]"
        if isinstance(episode.stop, PartialDate) and columns.stop is None:
            raise CohortFormatError(f"{where}.stop: {episode.stop} has no column in a wide table")
        if columns.reasons is None and (episode.reasons or episode.stop is ONGOING):
            raise CohortFormatError(f"{where}.reasons: therapy column {number} has no reason column")
        if columns.edss is None and episode.edss is not None:
            raise CohortFormatError(f"{where}.edss: therapy column {number} has no EDSS column")
        cells[columns.therapy] = episode.therapy.label
        cells[columns.start] = str(episode.start)
        if isinstance(episode.stop, PartialDate) and columns.stop is not None:
            cells[columns.stop] = str(episode.stop)
        if columns.reasons is not None:
            cells[columns.reasons] = _reasons_text(episode, layout, footnote)
        if columns.edss is not None:
            cells[columns.edss] = _number(episode.edss.score if episode.edss else None)


def _set(cells: dict[str, str], column: str | None, value: str, *, patient: Patient, field: str) -> None:
    """Write a cell; a value the layout has no column for is refused, never dropped."""
    if column is not None:
        cells[column] = value
    elif value:
        raise CohortFormatError(
            f"patient {quoted(patient.id)}: {field}: {value} has no column in this wide layout"
        )


def _write_comorbidities(patient: Patient, layout: WideLayout, cells: dict[str, str]) -> None:
    """Diagnoses of conditions other than MS (and psoriasis, with its own column): undated, by
    name, in the comorbidities column."""
    names: list[str] = []
    for i, diagnosis in enumerate(patient.diagnoses):
        condition = diagnosis.condition
        if condition == Condition.MULTIPLE_SCLEROSIS or (
            condition == Condition.PSORIASIS and layout.psoriasis_diagnosis is not None
        ):
            continue
        where = f"patient {quoted(patient.id)}: diagnoses[{i}]"
        if layout.comorbidities is None:
            if condition == Condition.PSORIASIS and diagnosis.date is None:
                continue  # an undated psoriasis diagnosis the layout cannot say, as before
            raise CohortFormatError(f"{where}: {quoted(condition.name)} has no column in this wide layout")
        if diagnosis.date is not None:
            raise CohortFormatError(
                f"{where}: {quoted(condition.name)} diagnosed {diagnosis.date}: the comorbidities "
                "column holds names, not dates"
            )
        if ";" in condition.name or condition.added_codes:
            raise CohortFormatError(
                f"{where}: {quoted(condition.name)} cannot be written in the comorbidities column "
                "(a ';' separates names there, and codes have no column)"
            )
        names.append(condition.name)
    if layout.comorbidities is not None:
        cells[layout.comorbidities] = "; ".join(names)


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
        ms_at = f"diagnoses[{patient.diagnoses.index(ms)}]" if ms else ""
        ps_at = f"diagnoses[{patient.diagnoses.index(ps)}]" if ps else ""
        fields = {
            f"{ms_at}.date": (layout.ms_diagnosis, str(ms.date) if ms and ms.date else ""),
            f"{ms_at}.csf": (layout.csf, _CSF_TEXT[ms.csf] if ms and ms.csf else ""),
            f"{ps_at}.date": (layout.psoriasis_diagnosis, str(ps.date) if ps and ps.date else ""),
            "baseline_edss": (
                layout.baseline_edss,
                _number(patient.baseline_edss.score if patient.baseline_edss else None),
            ),
            "last_edss": (layout.last_edss, _number(patient.last_edss.score if patient.last_edss else None)),
            "last_follow_up": (
                layout.last_follow_up,
                str(patient.last_follow_up) if patient.last_follow_up else "",
            ),
            "labels.published_group": (layout.group, patient.label("published_group") or ""),
            "sex": (layout.sex, patient.sex.value if patient.sex else ""),
            "birth_date": (layout.birth_date, str(patient.birth_date) if patient.birth_date else ""),
        }
        for field, (column, value) in fields.items():
            _set(cells, column, value, patient=patient, field=field)
        _write_comorbidities(patient, layout, cells)
        for i, treatment in enumerate(patient.comorbidity_treatments):
            if treatment.condition != Condition.PSORIASIS:
                raise CohortFormatError(
                    f"patient {quoted(patient.id)}: comorbidity_treatments[{i}]: only psoriasis "
                    f"treatment has a column in a wide table, not {quoted(treatment.condition.name)}"
                )
            column = layout.current_psoriasis_treatment if treatment.current else layout.psoriasis_treatment
            text = _modalities_text(treatment.modalities, short=not treatment.current)
            _set(cells, column, text, patient=patient, field=f"comorbidity_treatments[{i}]")
        if layout.current_psoriasis_treatment is not None:
            # A blank means not recorded; the layout's "0" says no current treatment.
            cells[layout.current_psoriasis_treatment] = cells[layout.current_psoriasis_treatment] or "0"
        for label in layout.labels:
            cells[label] = patient.label(label) or ""
        _write_episodes(patient, layout, cells)
        for obs in patient.observations:
            column = (
                layout.ms_latency if obs.outcome is Outcome.MS_ACTIVITY_CEASED else layout.psoriasis_latency
            )
            if obs.outcome is not Outcome.MS_ACTIVITY_CEASED and obs.condition != Condition.PSORIASIS:
                raise CohortFormatError(
                    f"patient {quoted(patient.id)}: observations[{patient.observations.index(obs)}]: "
                    f"only a psoriasis response has a column in a wide table, not "
                    f"{quoted(obs.condition.name)}"
                )
            if column is None or obs.latency_months is None:
                raise CohortFormatError(
                    f"patient {quoted(patient.id)}: observations[{patient.observations.index(obs)}]: "
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
