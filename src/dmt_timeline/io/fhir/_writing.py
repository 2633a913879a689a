"""Writing: therapy episodes as ``MedicationStatement`` resources in a Bundle."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dmt_timeline.catalogue import Therapy
from dmt_timeline.dates import PartialDate
from dmt_timeline.io.fhir._codes import (
    ATC_SYSTEM,
    EDSS_EXTENSION,
    SEQUENCE_EXTENSION,
    STATUS_ACTIVE,
    STATUS_COMPLETED,
    STATUS_UNKNOWN,
    SUBJECT_PREFIX,
    SWITCH_REASON_SYSTEM,
)
from dmt_timeline.model import ONGOING, Cohort, Patient, SwitchReason, TherapyEpisode

__all__ = ["cohort_to_fhir"]


def _reason_display(reason: SwitchReason) -> str:
    return reason.name.lower().replace("_", " ")


def _status(episode: TherapyEpisode) -> str:
    if episode.stop is ONGOING:
        return STATUS_ACTIVE
    if isinstance(episode.stop, PartialDate) or episode.reasons:
        return STATUS_COMPLETED
    return STATUS_UNKNOWN


def _medication(therapy: Therapy) -> dict[str, Any]:
    concept: dict[str, Any] = {}
    if therapy.atc is not None:
        concept["coding"] = [{"system": ATC_SYSTEM, "code": therapy.atc, "display": therapy.name}]
    concept["text"] = therapy.name
    return concept


def _statement(patient_id: str, episode: TherapyEpisode) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "MedicationStatement"}
    extensions: list[dict[str, Any]] = []
    if episode.sequence is not None:
        extensions.append({"url": SEQUENCE_EXTENSION, "valueInteger": episode.sequence})
    if episode.edss is not None:
        extensions.append({"url": EDSS_EXTENSION, "valueDecimal": episode.edss.score})
    if extensions:
        resource["extension"] = extensions
    resource["status"] = _status(episode)
    if episode.reasons:
        resource["statusReason"] = [
            {"coding": [{"system": SWITCH_REASON_SYSTEM, "code": r.value, "display": _reason_display(r)}]}
            for r in episode.reasons
        ]
    resource["medicationCodeableConcept"] = _medication(episode.therapy)
    resource["subject"] = {"reference": f"{SUBJECT_PREFIX}{patient_id}"}
    period = {"start": str(episode.start)}
    if isinstance(episode.stop, PartialDate):
        period["end"] = str(episode.stop)
    resource["effectivePeriod"] = period
    return resource


def cohort_to_fhir(cohort: Cohort | Iterable[Patient]) -> dict[str, Any]:
    """A FHIR R4 Bundle (type ``collection``) with one ``MedicationStatement`` per episode.

    Patients are written in cohort order and each patient's episodes in their own order; see
    the module documentation for how each field is carried.

    Returns:
        JSON-compatible data: pass it to :func:`json.dumps` to write a file.
    """
    entries = [
        {"resource": _statement(patient.id, episode)} for patient in cohort for episode in patient.episodes
    ]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}
