"""The systems, extensions and status codes the FHIR reader and writer share."""

from __future__ import annotations

from typing import Final

from dmt_timeline.model import SwitchReason

__all__ = [
    "ATC_SYSTEM",
    "EDSS_EXTENSION",
    "PATIENT_ID_SYSTEM",
    "RXNORM_SYSTEM",
    "SEQUENCE_EXTENSION",
    "SNOMED_SYSTEM",
    "STATUSES",
    "SWITCH_REASON_SYSTEM",
]

ATC_SYSTEM: Final = "http://www.whocc.no/atc"
"""The WHO ATC classification's FHIR system URI."""

# Project-owned URNs: no host to squat on, and no claim to be a published terminology.
SWITCH_REASON_SYSTEM: Final = "urn:dmt-timeline:switch-reason"
"""The code system of ``statusReason`` codings; its codes are the SwitchReason values."""

SEQUENCE_EXTENSION: Final = "urn:dmt-timeline:episode-sequence"
"""The extension holding an episode's ``sequence`` (``valueInteger``)."""

EDSS_EXTENSION: Final = "urn:dmt-timeline:edss"
"""The extension holding the EDSS recorded with an episode (``valueDecimal``)."""

SUBJECT_PREFIX: Final = "Patient/"
STATUS_ACTIVE: Final = "active"
STATUS_COMPLETED: Final = "completed"
STATUS_UNKNOWN: Final = "unknown"
REASON_CODES: Final = {reason.value: reason for reason in SwitchReason}

RXNORM_SYSTEM: Final = "http://www.nlm.nih.gov/research/umls/rxnorm"
"""RxNorm's FHIR system URI."""

SNOMED_SYSTEM: Final = "http://snomed.info/sct"
"""SNOMED CT's FHIR system URI."""

PATIENT_ID_SYSTEM: Final = "urn:dmt-timeline:patient-id"
"""The identifier system of the Patient resources the writer emits; its values are the cohort's ids."""

# What each status of a FHIR R4 resource means for a reader of exposures, from the status value
# sets of the R4 specification (medication-statement-status, medicationrequest-status,
# medicationdispense-status, medication-admin-status). "read": the resource is read; "drop": it
# records something that did not happen (or was recorded in error), so it is dropped and reported.
READ: Final = "read"
DROP: Final = "drop"
STATUSES: Final[dict[str, dict[str, str]]] = {
    "MedicationStatement": {
        "active": READ,
        "completed": READ,
        "stopped": READ,
        "unknown": READ,
        "on-hold": READ,  # paused, not stopped: the course goes on
        "intended": DROP,  # not yet taken
        "not-taken": DROP,
        "entered-in-error": DROP,
    },
    "MedicationRequest": {
        "active": READ,
        "on-hold": READ,  # a paused order: the supply issued before the pause was taken
        "completed": READ,
        "stopped": READ,
        "unknown": READ,
        "cancelled": DROP,
        "entered-in-error": DROP,
        "draft": DROP,
    },
    "MedicationDispense": {
        "completed": READ,
        "in-progress": READ,
        "on-hold": READ,
        "stopped": READ,
        "unknown": READ,
        "preparation": DROP,
        "cancelled": DROP,
        "declined": DROP,
        "entered-in-error": DROP,
    },
    "MedicationAdministration": {
        "completed": READ,
        "in-progress": READ,
        "on-hold": READ,
        "stopped": READ,
        "unknown": READ,
        "not-done": DROP,
        "entered-in-error": DROP,
    },
}

# MedicationRequest.intent values that are not orders (a proposal, a plan, an option): no
# medication was ordered, so no exposure is read.
NOT_ORDERS: Final = frozenset({"proposal", "plan", "option"})
