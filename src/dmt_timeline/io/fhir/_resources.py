"""Reading one FHIR resource: what it gives (an episode, an exposure, a diagnosis, a patient) or why not.

Each reader checks every value it takes through :class:`Entry`, so a value of the wrong JSON
type is a problem of the entry, and returns one :data:`Outcome`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, Final

import attrs

from dmt_timeline.catalogue import Catalogue, Therapy
from dmt_timeline.dates import Order, PartialDate
from dmt_timeline.errors import DmtTimelineError, InvalidValueError, describe_value, quoted
from dmt_timeline.ids import patient_id as _patient_id
from dmt_timeline.io.cells import read_sex
from dmt_timeline.io.fhir._codes import (
    DROP,
    EDSS_EXTENSION,
    NOT_ORDERS,
    PATIENT_ID_SYSTEM,
    REASON_CODES,
    SEQUENCE_EXTENSION,
    SNOMED_SYSTEM,
    STATUSES,
    SWITCH_REASON_SYSTEM,
)
from dmt_timeline.io.fhir._dates import fhir_date
from dmt_timeline.io.fhir._medications import Medications, Resolved, resolve_concept, resolve_medication
from dmt_timeline.io.fhir._problems import Entry
from dmt_timeline.model import (
    EDSS,
    NOT_RECORDED,
    ONGOING,
    Condition,
    Diagnosis,
    Sex,
    StopState,
    SwitchReason,
    TherapyEpisode,
)

__all__ = ["EXPOSURE_TYPES", "Context", "Outcome", "read_resource"]

EXPOSURE_TYPES: Final = ("MedicationRequest", "MedicationDispense", "MedicationAdministration")
_LONGEST_SUPPLY_DAYS: Final = 3660
_HISTORY: Final = re.compile(r"/_history/[^/]*$")  # ten years: a longer supply is a unit or typing error


# -- outcomes ------------------------------------------------------------------------------


@attrs.frozen
class EpisodeRecord:
    subject: str
    episode: TherapyEpisode


@attrs.frozen
class ExposureRecord:
    subject: str
    therapy: Therapy
    start: dt.date
    end: dt.date
    reasons: tuple[SwitchReason, ...]


@attrs.frozen
class DiagnosisRecord:
    subject: str
    diagnosis: Diagnosis


@attrs.frozen
class PatientRecord:
    keys: tuple[str, ...]
    patient_id: str
    sex: Sex | None = None
    birth_date: PartialDate | None = None
    source: str = ""


@attrs.frozen
class MedicationRecord:
    """A Medication resource, kept for the references to it."""


@attrs.frozen
class Ignored:
    """A resource the reader does not read (counted by type)."""

    kind: str


@attrs.frozen
class Unknown:
    """A medication the catalogue does not know (counted by label)."""

    label: str


@attrs.frozen
class Dropped:
    """A resource recording something that did not happen, or recorded in error."""

    field: str
    message: str


@attrs.frozen
class Pending:
    """A resource whose Medication has not been seen yet (NDJSON files in any order)."""


Outcome = (
    EpisodeRecord
    | ExposureRecord
    | DiagnosisRecord
    | PatientRecord
    | MedicationRecord
    | Ignored
    | Unknown
    | Dropped
    | Pending
    | None
)


@attrs.define
class Context:
    """What reading a resource needs beyond the resource itself."""

    catalogue: Catalogue
    medications: Medications
    statements_as_exposures: bool = False
    final: bool = False  # no more Medication resources will come: a missing one is a problem


# -- shared pieces ---------------------------------------------------------------------------


def subject(resource: Mapping[str, Any], entry: Entry) -> str | None:
    """The key of the patient that ``subject.reference`` names, with the provisional id in ``entry``.

    ``Patient/<id>`` (relative or absolute, with or without ``_history``) gives ``Patient/<id>``;
    ``urn:uuid:<uuid>`` is kept whole, to be matched with a Patient entry's ``fullUrl``.
    """
    found = entry.object(resource.get("subject"), "subject")
    if found is None:
        return None
    reference = entry.text(found.get("reference"), "subject.reference", required=True)
    if reference is None:
        return None
    key = ""
    if reference.startswith("urn:uuid:"):
        key, tail = reference, reference.removeprefix("urn:uuid:")
    elif reference.startswith("Patient/"):
        tail = _HISTORY.sub("", reference.removeprefix("Patient/"))
    elif "://" in reference and "/Patient/" in reference:
        tail = _HISTORY.sub("", reference.rsplit("/Patient/", 1)[1])
    else:
        entry.fail("subject.reference", f"{quoted(reference)} is not a reference such as 'Patient/P01'")
        return None
    message = ""
    try:
        pid = _patient_id(tail)
    except InvalidValueError as exc:
        message = str(exc)
    else:
        entry.patient_id = pid
        return key or f"Patient/{pid}"
    entry.fail("subject.reference", f"{quoted(reference)} names no patient ({message})")
    return None


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


def _status(resource: Mapping[str, Any], kind: str, entry: Entry) -> str | Dropped | None:
    status = resource.get("status")
    known = STATUSES[kind]
    # A list or an object is not hashable: test the type before looking it up.
    if not isinstance(status, str) or status not in known:
        entry.fail("status", f"{describe_value(status)} is not one of {', '.join(sorted(known))}")
        return None
    if known[status] == DROP:
        return Dropped("status", f"{quoted(status)}: dropped (nothing was taken, or recorded in error)")
    return status


def _medication(resource: Mapping[str, Any], entry: Entry, context: Context) -> Resolved | Pending | None:
    if "medicationCodeableConcept" in resource or "medicationReference" not in resource:
        field = "medicationCodeableConcept"
        concept = entry.object(resource.get(field), field)
        return resolve_concept(concept, entry, field, context.catalogue) if concept is not None else None
    found = entry.object(resource.get("medicationReference"), "medicationReference")
    if found is None:
        return None
    reference = entry.text(found.get("reference"), "medicationReference.reference", required=True)
    if reference is None:
        return None
    medication: Mapping[str, Any] | None = None
    if reference.startswith("#"):
        for _, contained in entry.objects(resource.get("contained"), "contained"):
            if contained.get("id") == reference[1:] and contained.get("resourceType") == "Medication":
                medication = contained
        if medication is None:
            entry.fail("medicationReference.reference", f"{quoted(reference)} names no contained Medication")
            return None
    else:
        medication = context.medications.get(reference)
        if medication is None:
            if not context.final:
                return Pending()
            entry.fail(
                "medicationReference.reference", f"{quoted(reference)} names no Medication in the export"
            )
            return None
    return resolve_medication(medication, entry, "medicationReference", context.catalogue)


def _day(date: PartialDate | None, entry: Entry, field: str) -> dt.date | None:
    if date is None:
        return None
    if date.day is None:
        entry.fail(field, f"{date} is not a whole day: an exposure needs one (YYYY-MM-DD)")
        return None
    return date.first_day


def _days(quantity: Any, entry: Entry, field: str) -> int | None:
    """A duration in whole days from a Quantity in days or weeks (UCUM ``d``, ``wk``)."""
    found = entry.object(quantity, field, required=False)
    if found is None:
        return None
    value = found.get("value")
    unit = found.get("code", found.get("unit"))
    factor = (
        {"d": 1, "day": 1, "days": 1, "wk": 7, "week": 7, "weeks": 7}.get(unit)
        if isinstance(unit, str)
        else None
    )
    if factor is None:
        entry.fail(f"{field}.code", f"{describe_value(unit)} is not a unit of days or weeks (d, wk)")
        return None
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not 0 < value * factor <= _LONGEST_SUPPLY_DAYS
    ):
        entry.fail(
            f"{field}.value", f"{describe_value(value)} is not a supply of 1 to {_LONGEST_SUPPLY_DAYS} days"
        )
        return None
    return max(1, round(value * factor))


# -- MedicationStatement ------------------------------------------------------------------


def _effective(
    resource: Mapping[str, Any], entry: Entry
) -> tuple[PartialDate | None, PartialDate | None, bool]:
    """Start and end of ``effectivePeriod`` or ``effectiveDateTime``, and whether one was given."""
    if "effectivePeriod" in resource:
        period = entry.object(resource.get("effectivePeriod"), "effectivePeriod")
        if period is None:
            return None, None, True
        start = fhir_date(period.get("start"), entry, "effectivePeriod.start")
        end = None if period.get("end") is None else fhir_date(period["end"], entry, "effectivePeriod.end")
        if start is not None and end is not None and end.compare(start) is Order.BEFORE:
            entry.fail("effectivePeriod.end", f"stop {end} is before start {start}")
        return start, end, True
    if "effectiveDateTime" in resource:
        return fhir_date(resource["effectiveDateTime"], entry, "effectiveDateTime"), None, True
    return None, None, False


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
    status: str, end: PartialDate | None, stop_reasons: tuple[SwitchReason, ...], entry: Entry
) -> PartialDate | StopState | None:
    if status == "active":
        if end is not None:
            entry.fail("status", f"'active' contradicts effectivePeriod.end {end}")
            return None
        if stop_reasons:
            entry.fail("status", "'active' contradicts statusReason: an ongoing episode has no stop reasons")
            return None
        return ONGOING
    if status == "on-hold":
        return ONGOING if end is None and not stop_reasons else (end or NOT_RECORDED)
    if status == "unknown" and (end is not None or stop_reasons):
        entry.fail("status", "'unknown' contradicts a stop date or stop reasons: use 'completed'")
        return None
    return NOT_RECORDED if end is None else end


def _dropped(resource: Mapping[str, Any], kind: str, entry: Entry) -> Dropped | str | None:
    """The status, or the entry dropped for it (its subject read for the report, nothing else)."""
    status = _status(resource, kind, entry)
    if isinstance(status, Dropped):
        subject(resource, entry)
        entry.problems.clear()  # what is wrong in a resource that is dropped anyway is not reported
    return status


def _statement(resource: Mapping[str, Any], entry: Entry, context: Context) -> Outcome:
    status = _dropped(resource, "MedicationStatement", entry)
    if isinstance(status, Dropped):
        return status
    key = subject(resource, entry)
    medication = _medication(resource, entry, context)
    start, end, dated = _effective(resource, entry)
    if not dated:
        entry.fail("effectivePeriod", "required field is missing (or give effectiveDateTime)")
    stop_reasons = reasons(resource.get("statusReason"), entry, "statusReason")
    sequence, edss = _extensions(resource, entry)
    if isinstance(medication, Pending) and not entry.problems:
        return medication
    if entry.problems or key is None or not isinstance(status, str) or not isinstance(medication, Resolved):
        return None
    stop = _stop(status, end, stop_reasons, entry)
    if medication.therapy is None:
        return Unknown(medication.label)
    if start is None or stop is None:
        return None
    if context.statements_as_exposures:
        first, last = _day(start, entry, "effective"), _day(end or start, entry, "effective")
        if first is None or last is None:
            return None
        return ExposureRecord(key, medication.therapy, first, last, stop_reasons)
    message = ""
    try:
        return EpisodeRecord(
            key, TherapyEpisode(medication.therapy, start, stop, stop_reasons, edss, sequence)
        )
    except DmtTimelineError as exc:  # the checks above mirror the model's; this is a safety net
        message = str(exc)
    entry.fail("", message)
    return None


# -- exposures: MedicationRequest, MedicationDispense, MedicationAdministration -------------


def _request_dates(
    resource: Mapping[str, Any], entry: Entry
) -> tuple[PartialDate | None, PartialDate | None]:
    """Start and end of a request: the dosage's bounds, else authoredOn plus the supply."""
    starts: list[PartialDate] = []
    ends: list[PartialDate] = []
    for path, dosage in entry.objects(resource.get("dosageInstruction"), "dosageInstruction"):
        timing = entry.object(dosage.get("timing"), f"{path}.timing", required=False)
        repeat = (
            entry.object(timing.get("repeat"), f"{path}.timing.repeat", required=False) if timing else None
        )
        bounds = repeat.get("boundsPeriod") if repeat else None
        period = entry.object(bounds, f"{path}.timing.repeat.boundsPeriod", required=False)
        if period is None:
            continue
        bounds_path = f"{path}.timing.repeat.boundsPeriod"
        if period.get("start") is not None:
            found = fhir_date(period["start"], entry, f"{bounds_path}.start")
            starts.extend([found] if found is not None else [])
        if period.get("end") is not None:
            found = fhir_date(period["end"], entry, f"{bounds_path}.end")
            ends.extend([found] if found is not None else [])
    start = min(starts, key=lambda d: d.sort_key) if starts else None
    if start is None and resource.get("authoredOn") is not None:
        start = fhir_date(resource["authoredOn"], entry, "authoredOn")
    end = max(ends, key=lambda d: d.sort_key) if ends else None
    return start, end


def _request_supply(resource: Mapping[str, Any], entry: Entry) -> int | None:
    """Days of supply a request authorises: the expected supply, times one plus the repeats."""
    request = entry.object(resource.get("dispenseRequest"), "dispenseRequest", required=False)
    if request is None:
        return None
    days = _days(request.get("expectedSupplyDuration"), entry, "dispenseRequest.expectedSupplyDuration")
    repeats = request.get("numberOfRepeatsAllowed", 0)
    if not isinstance(repeats, int) or isinstance(repeats, bool) or not 0 <= repeats <= 100:
        entry.fail(
            "dispenseRequest.numberOfRepeatsAllowed",
            f"{describe_value(repeats)} is not a whole number 0..100",
        )
        return None
    return None if days is None else days * (1 + repeats)


def _exposure_dates(
    resource: Mapping[str, Any], kind: str, entry: Entry
) -> tuple[dt.date | None, dt.date | None, str]:
    """The first and last day of an exposure, and the field that was missing when there is none."""
    supply: int | None = None
    end: PartialDate | None = None
    if kind == "MedicationRequest":
        start, end = _request_dates(resource, entry)
        missing = "authoredOn"
        if end is None:
            supply = _request_supply(resource, entry)
    elif kind == "MedicationDispense":
        field = "whenHandedOver" if resource.get("whenHandedOver") is not None else "whenPrepared"
        start = fhir_date(resource[field], entry, field) if resource.get(field) is not None else None
        missing = "whenHandedOver"
        supply = _days(resource.get("daysSupply"), entry, "daysSupply")
    else:
        start, end, _ = _effective(resource, entry)
        missing = "effectiveDateTime"
    first = _day(start, entry, missing)
    last = _day(end, entry, missing) if end is not None else None
    if first is not None and last is None:
        last = first + dt.timedelta(days=supply - 1) if supply else first
    if first is not None and last is not None and last < first:
        entry.fail(missing, f"end {last.isoformat()} is before start {first.isoformat()}")
        return None, None, missing
    return first, last, missing


def _exposure(resource: Mapping[str, Any], kind: str, entry: Entry, context: Context) -> Outcome:
    status = _dropped(resource, kind, entry)
    if isinstance(status, Dropped):
        return status
    key = subject(resource, entry)
    intent = resource.get("intent") if kind == "MedicationRequest" else None
    medication = _medication(resource, entry, context)
    first, last, missing = _exposure_dates(resource, kind, entry)
    # MedicationRequest.statusReason is one concept; the others hold a list.
    raw_reasons = resource.get("statusReason")
    stop_reasons = reasons(
        [raw_reasons] if isinstance(raw_reasons, Mapping) else raw_reasons, entry, "statusReason"
    )
    if isinstance(intent, str) and intent in NOT_ORDERS and not entry.problems:
        return Dropped("intent", f"{quoted(intent)}: dropped (not an order)")
    if isinstance(medication, Pending) and not entry.problems:
        return medication
    if entry.problems or key is None or status is None or not isinstance(medication, Resolved):
        return None
    if medication.therapy is None:
        return Unknown(medication.label)
    if first is None or last is None:
        entry.fail(missing, "required field is missing: no date of the exposure")
        return None
    return ExposureRecord(key, medication.therapy, first, last, stop_reasons)


# -- Condition, Patient ----------------------------------------------------------------------


# The FHIR code systems of the condition codes data/conditions.toml lists, by their names there.
CONDITION_SYSTEMS: Final = {
    SNOMED_SYSTEM: "SNOMED CT",
    "http://hl7.org/fhir/sid/icd-10": "ICD-10",
    "http://hl7.org/fhir/sid/icd-10-cm": "ICD-10-CM",
}


# SNOMED CT semantic tags of concepts that are no disorder: EHR exports (Synthea's among them)
# record social circumstances, history and situations as Conditions ("Social isolation
# (finding)", "History of single seizure (situation)"); they are not comorbidities.
_NOT_DISORDERS: Final = re.compile(
    r"\((?:finding|situation|event|observable entity|social concept|procedure|regime/therapy|"
    r"environment|person|qualifier value|record artifact)\)\s*$",
    re.IGNORECASE,
)


def _not_a_disorder(name: str) -> bool:
    """Whether a condition's name carries a SNOMED CT semantic tag that is no disorder's."""
    return _NOT_DISORDERS.search(name[-64:]) is not None


def _condition(resource: Mapping[str, Any], entry: Entry) -> Outcome:  # noqa: PLR0912 - one resource's fields in turn
    """A diagnosis: the known condition its codes name (:meth:`Condition.by_code`), or else an
    open condition named by its text (or the first coding's display), with its codes."""
    code = entry.object(resource.get("code"), "code", required=False)
    found: list[Condition] = []
    codes: list[tuple[str, str]] = []
    display: str | None = None
    text: str | None = None
    if code is not None:
        text = entry.text(code.get("text"), "code.text")
        for path, coding in entry.objects(code.get("coding"), "code.coding"):
            system = entry.text(coding.get("system"), f"{path}.system")
            value = entry.text(coding.get("code"), f"{path}.code")
            shown = entry.text(coding.get("display"), f"{path}.display")
            display = display or shown
            if system is None or value is None:
                continue
            named = CONDITION_SYSTEMS.get(system, system)
            codes.append((named, value))
            condition = Condition.by_code(named, value)
            if condition is not None and condition not in found:
                found.append(condition)
    name = text or display
    if not found and name is not None and _not_a_disorder(name):
        return Ignored("Condition")
    if not found and name is not None and not entry.problems:
        try:
            found.append(Condition(name, tuple(codes)))
        except InvalidValueError as exc:
            entry.fail("code.text" if text else "code.coding", str(exc))
    if not found and not entry.problems:
        return Ignored("Condition")
    verification = entry.object(resource.get("verificationStatus"), "verificationStatus", required=False)
    states = [
        coding.get("code")
        for _, coding in entry.objects(
            verification.get("coding") if verification else None, "verificationStatus.coding"
        )
    ]
    key = subject(resource, entry)
    date: PartialDate | None = None
    for field in ("onsetDateTime", "recordedDate"):
        if resource.get(field) is not None:
            date = fhir_date(resource[field], entry, field)
            break
    if (
        date is None
        and isinstance(resource.get("onsetPeriod"), Mapping)
        and resource["onsetPeriod"].get("start")
    ):
        date = fhir_date(resource["onsetPeriod"]["start"], entry, "onsetPeriod.start")
    if len(found) > 1:
        entry.fail("code", f"names several conditions ({', '.join(c.value for c in found)})")
    if entry.problems or key is None:
        return None
    if "entered-in-error" in states or "refuted" in states:
        return Dropped("verificationStatus", "entered-in-error or refuted: dropped")
    return DiagnosisRecord(key, Diagnosis(found[0], date))


# FHIR R4 AdministrativeGender, a required binding: no other code is a Patient.gender.
_GENDER_CODES: Final = ("female", "male", "other", "unknown")


def _gender(resource: Mapping[str, Any], entry: Entry) -> Sex | None:
    code = entry.text(resource.get("gender"), "gender")
    if code is None:
        return None
    if code not in _GENDER_CODES:
        entry.fail(
            "gender", f"{quoted(code)} is not an AdministrativeGender code ({', '.join(_GENDER_CODES)})"
        )
        return None
    return read_sex(code)  # the one reading of sex: unknown is not recorded


def _patient(resource: Mapping[str, Any], entry: Entry, full_url: str | None) -> Outcome:
    rid = entry.text(resource.get("id"), "id")
    own: str | None = None
    for path, identifier in entry.objects(resource.get("identifier"), "identifier"):
        if identifier.get("system") == PATIENT_ID_SYSTEM:
            own = entry.text(identifier.get("value"), f"{path}.value", required=True)
    given = (
        own
        or rid
        or (full_url.removeprefix("urn:uuid:") if full_url and full_url.startswith("urn:uuid:") else None)
    )
    if entry.problems:
        return None
    if given is None:
        entry.fail("id", "required field is missing: a Patient needs an id")
        return None
    message = ""
    try:
        pid = _patient_id(given)
    except InvalidValueError as exc:
        message = str(exc)
    else:
        entry.patient_id = pid  # problems below name the patient
        sex = _gender(resource, entry)
        birth = None
        if resource.get("birthDate") is not None:
            birth = fhir_date(resource["birthDate"], entry, "birthDate")
        if entry.problems:
            return None
        keys = tuple(k for k in (f"Patient/{rid}" if rid else None, full_url) if k)
        return PatientRecord(keys or (f"Patient/{pid}",), pid, sex, birth, entry.source)
    entry.fail("id", message)
    return None


def read_resource(
    resource: Mapping[str, Any], entry: Entry, context: Context, full_url: str | None
) -> Outcome:
    """What one resource gives; its problems are in ``entry``."""
    kind = resource.get("resourceType")
    if not isinstance(kind, str):
        entry.fail("resourceType", f"{describe_value(kind)} is not a resource type")
        return None
    if kind == "MedicationStatement":
        return _statement(resource, entry, context)
    if kind in EXPOSURE_TYPES:
        return _exposure(resource, kind, entry, context)
    if kind == "Medication":
        context.medications.add(resource, full_url)
        return MedicationRecord()
    if kind == "Condition":
        return _condition(resource, entry)
    if kind == "Patient":
        return _patient(resource, entry, full_url)
    text = entry.text(kind, "resourceType")
    return Ignored(text) if text is not None else None
