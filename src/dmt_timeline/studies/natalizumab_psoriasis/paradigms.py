"""The study's three treatment paradigms, as a rule over the timeline algebra."""

from __future__ import annotations

from typing import Final

from dmt_timeline.catalogue import CATALOGUE, TherapyClass
from dmt_timeline.errors import TimelineError, quoted
from dmt_timeline.model import Patient
from dmt_timeline.timeline import Timeline, Transfer, TransferKind, transfer

DIRECT: Final = "direct IFN to Nat"
INDIRECT: Final = "indirect IFN to Nat"
NO_IFN: Final = "no IFN before Nat"
PARADIGMS: Final = (DIRECT, INDIRECT, NO_IFN)
"""The study's three treatment paradigms, in the publication's order."""

_PARADIGM_OF_KIND: Final = {
    TransferKind.DIRECT: DIRECT,
    TransferKind.INDIRECT: INDIRECT,
    TransferKind.NONE: NO_IFN,
}

_NATALIZUMAB: Final = CATALOGUE.get("natalizumab")
_IFN: Final = TherapyClass.INTERFERON_BETA


def _first_natalizumab_transfer(timeline: Timeline) -> Transfer:
    found = transfer(timeline, _IFN, _NATALIZUMAB, initiation="first")
    if not found:
        raise TimelineError(
            f"patient {quoted(timeline.patient_id)}: never started natalizumab, so has no paradigm"
        )
    return found[0]


def paradigm(patient: Patient) -> str:
    """The study's treatment paradigm of a patient, from the timeline algebra alone.

    How interferon beta (any product of the class) led to the patient's *first* natalizumab
    start: straight before it (:data:`DIRECT`), with other therapies between them
    (:data:`INDIRECT`), or not at all (:data:`NO_IFN`). The order is the timeline's, so the
    table's 1st/2nd/3rd columns decide starts within one year. Labels are never read.

    Raises:
        TimelineError: when the patient never started natalizumab, or the history cannot be
            a timeline.
    """
    return _PARADIGM_OF_KIND[_first_natalizumab_transfer(Timeline.of(patient)).kind]
