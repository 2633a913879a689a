"""Reading one ``MedicationStatement`` as one therapy episode."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dmt_timeline.catalogue import Catalogue, Therapy
from dmt_timeline.dates import Order, PartialDate
from dmt_timeline.errors import DmtTimelineError, InvalidValueError, describe_value, quoted
from dmt_timeline.ids import patient_id as _patient_id
from dmt_timeline.io.fhir._codes import (
    ATC_SYSTEM,
    EDSS_EXTENSION,
    REASON_CODES,
    SEQUENCE_EXTENSION,
    STATUS_ACTIVE,
    STATUS_COMPLETED,
    STATUS_UNKNOWN,
    SUBJECT_PREFIX,
    SWITCH_REASON_SYSTEM,
)
from dmt_timeline.io.fhir._dates import fhir_date
from dmt_timeline.io.fhir._problems import Entry
from dmt_timeline.model import EDSS, NOT_RECORDED, ONGOING, StopState, SwitchReason, TherapyEpisode

__all__ = ["read_statement", "reasons", "subject"]

_READ_STATUSES = frozenset({STATUS_ACTIVE, STATUS_COMPLETED, "stopped", STATUS_UNKNOWN})


def subject(resource: Mapping[str, Any], entry: Entry) -> str | None:
    """The patient id of ``subject.reference`` (``Patient/<id>``), by the one rule for ids."""
    found = entry.object(resource.get("subject"), "subject")
    if found is None:
        return None
    reference = entry.text(found.get("reference"), "subject.reference", required=True)
    if reference is None:
        return None
    if not reference.startswith(SUBJECT_PREFIX):
        entry.fail("subject.reference", f"{quoted(reference)} is not a reference such as 'Patient/P01'")
        return None
    message = ""
    try:
        return _patient_id(reference.removeprefix(SUBJECT_PREFIX))
    except InvalidValueError as exc:
        message = str(exc)
    entry.fail("subject.reference", f"{quoted(reference)} names no patient ({message})")
    return None


def _therapy(resource: Mapping[str, Any], entry: Entry, catalogue: Catalogue) -> Therapy | None:
    if "medicationReference" in resource:
        entry.fail("medicationReference", "is not supported: give medicationCodeableConcept")
        return None
    field = "medicationCodeableConcept"
    concept = entry.object(resource.get(field), field)
    if concept is None:
        return None
    found: list[tuple[str, Therapy]] = []
    before = len(entry.problems)
    for path, coding in entry.objects(concept.get("coding"), f"{field}.coding"):
        system = entry.text(coding.get("system"), f"{path}.system")
        if system != ATC_SYSTEM:
            continue  # other terminologies (RxNorm, SNOMED CT) may sit beside the ATC code
        code = entry.text(coding.get("code"), f"{path}.code", required=True)
        if code is None:
            continue
        if code not in catalogue:
            entry.fail(f"{path}.code", f"ATC code {quoted(code)} is not in the catalogue")
            continue
        found.append((f"ATC code {quoted(code)}", catalogue.get(code)))
    text = entry.text(concept.get("text"), f"{field}.text")
    if text is not None:
        if text not in catalogue:
            entry.fail(f"{field}.text", f"medication {quoted(text)} is not in the catalogue")
        else:
            found.append((f"text {quoted(text)}", catalogue.get(text)))
    if not found:
        if len(entry.problems) == before:
            entry.fail(field, "names no medication: give an ATC coding or text")
        return None
    therapies = {therapy.name for _, therapy in found}
    if len(therapies) > 1:
        named = ", ".join(f"{what} is {therapy.name}" for what, therapy in found)
        entry.fail(field, f"names different therapies ({named})")
        return None
    return found[0][1]


def _period(resource: Mapping[str, Any], entry: Entry) -> tuple[PartialDate | None, PartialDate | None]:
    period = entry.object(resource.get("effectivePeriod"), "effectivePeriod")
    if period is None:
        return None, None
    start = fhir_date(period.get("start"), entry, "effectivePeriod.start")
    end = None if period.get("end") is None else fhir_date(period["end"], entry, "effectivePeriod.end")
    if start is not None and end is not None and end.compare(start) is Order.BEFORE:
        entry.fail("effectivePeriod.end", f"stop {end} is before start {start}")
    return start, end


def reasons(value: Any, entry: Entry, field: str) -> tuple[SwitchReason, ...]:
    """The switch reasons coded in :data:`SWITCH_REASON_SYSTEM` in a list of concepts."""
    found: list[SwitchReason] = []
    for path, concept in entry.objects(value, field):
        for coding_path, coding in entry.objects(concept.get("coding"), f"{path}.coding"):
            system = entry.text(coding.get("system"), f"{coding_path}.system")
            if system != SWITCH_REASON_SYSTEM:
                continue  # reasons outside the vocabulary are not the model's to keep
            code = coding.get("code")
            reason = REASON_CODES.get(code) if isinstance(code, str) else None
            if reason is None:
                known = ", ".join(REASON_CODES)
                entry.fail(f"{coding_path}.code", f"{describe_value(code)} is not one of {known}")
            elif reason in found:
                entry.fail(f"{coding_path}.code", f"{quoted(code)} repeats a reason")
            else:
                found.append(reason)
    return tuple(found)


def _extensions(resource: Mapping[str, Any], entry: Entry) -> tuple[int | None, EDSS | None]:
    sequence: int | None = None
    edss: EDSS | None = None
    for path, extension in entry.objects(resource.get("extension"), "extension"):
        url = extension.get("url")
        if url == SEQUENCE_EXTENSION:
            value = extension.get("valueInteger")
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                entry.fail(
                    f"{path}.valueInteger", f"sequence {describe_value(value)} is not a whole number >= 1"
                )
            else:
                sequence = value
        elif url == EDSS_EXTENSION:
            score = extension.get("valueDecimal")
            if not isinstance(score, int | float) or isinstance(score, bool):
                entry.fail(f"{path}.valueDecimal", f"EDSS {describe_value(score)} is not a number")
                continue
            message = ""
            try:
                edss = EDSS(score)
                continue
            except DmtTimelineError as exc:
                message = str(exc)
            entry.fail(f"{path}.valueDecimal", message)
    return sequence, edss


def _stop(
    resource: Mapping[str, Any], end: PartialDate | None, stop_reasons: tuple[SwitchReason, ...], entry: Entry
) -> PartialDate | StopState | None:
    status = resource.get("status")
    # A list or an object is not hashable: test the type before looking it up.
    if not isinstance(status, str) or status not in _READ_STATUSES:
        known = ", ".join(sorted(_READ_STATUSES))
        entry.fail("status", f"{describe_value(status)} is not one of {known}")
        return None
    if status == STATUS_ACTIVE:
        if end is not None:
            entry.fail("status", f"'active' contradicts effectivePeriod.end {end}")
            return None
        if stop_reasons:
            entry.fail("status", "'active' contradicts statusReason: an ongoing episode has no stop reasons")
            return None
        return ONGOING
    if status == STATUS_UNKNOWN and (end is not None or stop_reasons):
        entry.fail("status", "'unknown' contradicts a stop date or stop reasons: use 'completed'")
        return None
    return NOT_RECORDED if end is None else end


def read_statement(
    resource: Mapping[str, Any], entry: Entry, catalogue: Catalogue
) -> tuple[str, TherapyEpisode] | None:
    """The patient id and episode of a ``MedicationStatement``, or None with its problems in ``entry``."""
    kind = resource.get("resourceType")
    if kind != "MedicationStatement":
        entry.fail("resourceType", f"{describe_value(kind)} is not 'MedicationStatement'")
        return None
    patient_id = subject(resource, entry)
    entry.patient_id = patient_id
    therapy = _therapy(resource, entry, catalogue)
    start, end = _period(resource, entry)
    stop_reasons = reasons(resource.get("statusReason"), entry, "statusReason")
    sequence, edss = _extensions(resource, entry)
    stop = _stop(resource, end, stop_reasons, entry)
    if entry.problems or patient_id is None or therapy is None or start is None or stop is None:
        return None
    message = ""
    try:
        return patient_id, TherapyEpisode(therapy, start, stop, stop_reasons, edss, sequence)
    except DmtTimelineError as exc:  # the checks above mirror the model's; this is a safety net
        message = str(exc)
    entry.fail("", message)
    return None
