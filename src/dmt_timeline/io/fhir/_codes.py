"""The systems, extensions and status codes the FHIR reader and writer share."""

from __future__ import annotations

from typing import Final

from dmt_timeline.model import SwitchReason

__all__ = [
    "ATC_SYSTEM",
    "EDSS_EXTENSION",
    "SEQUENCE_EXTENSION",
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
