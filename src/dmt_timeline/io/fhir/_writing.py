"""Writing: therapy episodes as ``MedicationStatement`` resources in a Bundle."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import quote

from dmt_timeline.catalogue import Therapy
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import InvalidValueError, quoted
from dmt_timeline.io.fhir._codes import (
    ATC_SYSTEM,
    EDSS_EXTENSION,
    PATIENT_ID_SYSTEM,
    RXNORM_SYSTEM,
    SEQUENCE_EXTENSION,
    STATUS_ACTIVE,
    STATUS_COMPLETED,
    STATUS_UNKNOWN,
    SUBJECT_PREFIX,
    SWITCH_REASON_SYSTEM,
)
from dmt_timeline.model import ONGOING, Cohort, Patient, SwitchReason, TherapyEpisode

__all__ = ["cohort_to_fhir"]

_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "urn:dmt-timeline:fhir")


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
    codings = []
    if therapy.atc is not None:
        codings.append({"system": ATC_SYSTEM, "code": therapy.atc, "display": therapy.name})
    if therapy.rxnorm is not None:
        codings.append({"system": RXNORM_SYSTEM, "code": therapy.rxnorm, "display": therapy.name})
    if codings:
        concept["coding"] = codings
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


def _full_url(*parts: str) -> str:
    # Name-based (version 5) UUIDs: the same cohort gives the same bundle, byte for byte.
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, json.dumps(parts))}"


def _patient_resource(patient: Patient) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": PATIENT_ID_SYSTEM, "value": patient.id}],
    }
    if patient.sex is not None:
        resource["gender"] = patient.sex.value  # Sex's values are AdministrativeGender codes
    if patient.birth_date is not None:
        resource["birthDate"] = str(patient.birth_date)  # YYYY, YYYY-MM or YYYY-MM-DD: a FHIR date
    return resource


def _patient(patient: Patient) -> dict[str, Any]:
    patient_id = patient.id
    return {
        "fullUrl": _full_url("Patient", patient_id),
        "resource": _patient_resource(patient),
        "request": {
            "method": "POST",
            "url": "Patient",
            # A server that already holds the patient keeps it instead of making a second one.
            "ifNoneExist": f"identifier={quote(f'{PATIENT_ID_SYSTEM}|{patient_id}', safe='')}",
        },
    }


def cohort_to_fhir(cohort: Cohort | Iterable[Patient], *, bundle_type: str = "collection") -> dict[str, Any]:
    """A FHIR R4 Bundle with one ``MedicationStatement`` per episode.

    Patients are written in cohort order and each patient's episodes in their own order; see
    the module documentation for how each field is carried.

    Args:
        cohort: The patients.
        bundle_type: ``"collection"`` (statements only, subjects as ``Patient/<id>``) or
            ``"transaction"``, which a FHIR server can import: one ``Patient`` resource per
            patient (even one without episodes) carrying the id as an identifier in
            :data:`PATIENT_ID_SYSTEM`, created only if none exists (``ifNoneExist``), then the
            statements, whose subjects refer to their patient's entry. Every entry has a
            ``fullUrl``: a ``urn:uuid:`` derived from the patient id (and the episode's
            position), so the same cohort always gives the same bundle.

    Returns:
        JSON-compatible data: pass it to :func:`json.dumps` to write a file.

    Raises:
        InvalidValueError: for another ``bundle_type``.
    """
    patients = list(cohort)
    if bundle_type == "collection":
        statements: list[dict[str, Any]] = []
        for p in patients:
            if p.sex is not None or p.birth_date is not None:
                # Just before the patient's statements, so patients read back in cohort order.
                statements.append({"fullUrl": _full_url("Patient", p.id), "resource": _patient_resource(p)})
            statements += [{"resource": _statement(p.id, episode)} for episode in p.episodes]
        return _bundle("collection", statements)
    if bundle_type != "transaction":
        raise InvalidValueError(f"bundle_type {quoted(bundle_type)} is not 'collection' or 'transaction'")
    entries: list[dict[str, Any]] = [_patient(p) for p in patients]
    for p in patients:
        for position, episode in enumerate(p.episodes):
            statement = _statement(p.id, episode)
            statement["subject"] = {"reference": _full_url("Patient", p.id)}
            entries.append(
                {
                    "fullUrl": _full_url("MedicationStatement", p.id, str(position)),
                    "resource": statement,
                    "request": {"method": "POST", "url": "MedicationStatement"},
                }
            )
    return _bundle("transaction", entries)


def _bundle(kind: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    # FHIR JSON has no empty arrays: a bundle without entries leaves the element out.
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": kind}
    if entries:
        bundle["entry"] = entries
    return bundle
