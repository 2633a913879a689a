"""FHIR R4 out and back: therapy episodes as ``MedicationStatement`` resources in a ``Bundle``.

The path carries therapy episodes only. :func:`cohort_to_fhir` writes one
``MedicationStatement`` per episode into a Bundle of type ``collection``, as plain JSON
dicts (no FHIR library is needed at run time); :func:`cohort_from_fhir` reads such a bundle
back into patients that hold an id and their episodes. Diagnoses, observations, EDSS at
baseline, follow-up, labels and cohort metadata do not travel, and a patient without
episodes has no resource, so it does not come back. ``MedicationStatement`` is the same in
FHIR R4 and R4B.

How an episode is written:

- ``subject.reference`` is ``Patient/<id>``;
- ``medicationCodeableConcept`` holds the therapy's canonical name as ``text`` and, when the
  catalogue has one, its ATC code as a coding in :data:`ATC_SYSTEM`;
- ``effectivePeriod.start`` and ``.end`` keep the partial dates at their precision (FHIR's
  dateTime allows ``YYYY``, ``YYYY-MM`` and ``YYYY-MM-DD``, exactly the library's precisions);
- ``status`` is ``active`` for an ongoing episode, ``completed`` for one with a stop date or
  with stop reasons, and ``unknown`` when the stop is not recorded;
- ``statusReason`` holds one concept per switch reason, coded in :data:`SWITCH_REASON_SYSTEM`
  with the :class:`~dmt_timeline.SwitchReason` values as codes;
- the episode's ``sequence`` and EDSS travel as extensions :data:`SEQUENCE_EXTENSION`
  (``valueInteger``) and :data:`EDSS_EXTENSION` (``valueDecimal``).

Reading is strict where the model is, and lenient only about what it does not model: codings
of other systems, other extensions and other fields of a resource are ignored; status
``stopped`` reads as ``completed``, and ``completed`` with neither an end nor a reason reads
as a stop not recorded (the model has no "stopped, date and reason unknown"). Every problem is reported as
``patient <id>: entry[<n>].resource.<field>: <problem>``; values are quoted, resources never are.

A bundle with a bad entry is refused whole. :func:`read_fhir_bundle` with
``skip_bad_rows=True`` reads the good entries instead and reports every problem of the skipped
ones (:class:`EntryProblem`), as the wide and exposure readers do with rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs

from dmt_timeline.catalogue import CATALOGUE, Catalogue, Therapy
from dmt_timeline.dates import Order, PartialDate
from dmt_timeline.errors import CohortFormatError, DmtTimelineError, describe_value
from dmt_timeline.model import (
    EDSS,
    NOT_RECORDED,
    ONGOING,
    Cohort,
    CohortMetadata,
    Patient,
    StopState,
    SwitchReason,
    TherapyEpisode,
)

__all__ = [
    "ATC_SYSTEM",
    "EDSS_EXTENSION",
    "SEQUENCE_EXTENSION",
    "SWITCH_REASON_SYSTEM",
    "EntryProblem",
    "FhirRead",
    "cohort_from_fhir",
    "cohort_to_fhir",
    "read_fhir_bundle",
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

_SUBJECT_PREFIX: Final = "Patient/"
_STATUS_ACTIVE: Final = "active"
_STATUS_COMPLETED: Final = "completed"
_STATUS_UNKNOWN: Final = "unknown"
_READ_STATUSES: Final = frozenset({_STATUS_ACTIVE, _STATUS_COMPLETED, "stopped", _STATUS_UNKNOWN})
_REASON_CODES: Final = {reason.value: reason for reason in SwitchReason}


# -- writing --------------------------------------------------------------------------------


def _reason_display(reason: SwitchReason) -> str:
    return reason.name.lower().replace("_", " ")


def _status(episode: TherapyEpisode) -> str:
    if episode.stop is ONGOING:
        return _STATUS_ACTIVE
    if isinstance(episode.stop, PartialDate) or episode.reasons:
        return _STATUS_COMPLETED
    return _STATUS_UNKNOWN


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
    resource["subject"] = {"reference": f"{_SUBJECT_PREFIX}{patient_id}"}
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


# -- reading --------------------------------------------------------------------------------


@attrs.frozen
class EntryProblem:
    """One problem in a bundle: where it is and what is wrong, without the resource's content.

    Attributes:
        entry: The entry's index in ``Bundle.entry`` (from 0, as in ``entry[0]``).
        field: The field's path inside the resource, or ``""`` for the resource as a whole.
        message: What is wrong; values are quoted, objects only named.
        patient_id: The patient of the statement, when its ``subject`` could be read.
    """

    entry: int
    field: str
    message: str
    patient_id: str | None = None

    def __str__(self) -> str:
        who = f"patient {self.patient_id}: " if self.patient_id is not None else ""
        where = f"entry[{self.entry}].resource{'.' if self.field else ''}{self.field}"
        return f"{who}{where}: {self.message}"


@attrs.frozen
class FhirRead:
    """What a bundle gave: the cohort, and the problems of the entries skipped (only with ``skip_bad_rows``).

    ``skipped`` holds one :class:`EntryProblem` per problem, so an entry may appear more than once.
    """

    cohort: Cohort
    skipped: tuple[EntryProblem, ...] = ()


class _Entry:
    """Problems found in one entry, each tied to the entry's index and the field's path."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.patient_id: str | None = None
        self.problems: list[tuple[str, str]] = []

    def fail(self, field: str, message: str) -> None:
        self.problems.append((field, message))

    def report(self) -> list[EntryProblem]:
        return [EntryProblem(self.index, field, message, self.patient_id) for field, message in self.problems]


def _object(value: Any, entry: _Entry, field: str) -> Mapping[str, Any] | None:
    if value is None:
        entry.fail(field, "required field is missing")
        return None
    if not isinstance(value, Mapping):
        entry.fail(field, f"{describe_value(value)} is not an object")
        return None
    return value


def _list(value: Any, entry: _Entry, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        entry.fail(field, f"{describe_value(value)} is not a list")
        return []
    return value


def _subject(resource: Mapping[str, Any], entry: _Entry) -> str | None:
    subject = _object(resource.get("subject"), entry, "subject")
    if subject is None:
        return None
    reference = subject.get("reference")
    if not isinstance(reference, str) or not reference.startswith(_SUBJECT_PREFIX):
        entry.fail(
            "subject.reference", f"{describe_value(reference)} is not a reference such as 'Patient/P01'"
        )
        return None
    patient_id = reference.removeprefix(_SUBJECT_PREFIX)
    if not patient_id.strip():
        entry.fail("subject.reference", f"{reference!r} names no patient")
        return None
    return patient_id


def _therapy(resource: Mapping[str, Any], entry: _Entry, catalogue: Catalogue) -> Therapy | None:
    if "medicationReference" in resource:
        entry.fail("medicationReference", "is not supported: give medicationCodeableConcept")
        return None
    field = "medicationCodeableConcept"
    concept = _object(resource.get(field), entry, field)
    if concept is None:
        return None
    found: list[tuple[str, Therapy]] = []
    before = len(entry.problems)
    for i, coding in enumerate(_list(concept.get("coding"), entry, f"{field}.coding")):
        path = f"{field}.coding[{i}]"
        if not isinstance(coding, Mapping):
            entry.fail(path, f"{describe_value(coding)} is not an object")
            continue
        if coding.get("system") != ATC_SYSTEM:
            continue  # other terminologies (RxNorm, SNOMED CT) may sit beside the ATC code
        code = coding.get("code")
        if not isinstance(code, str) or code not in catalogue:
            entry.fail(f"{path}.code", f"ATC code {describe_value(code)} is not in the catalogue")
            continue
        found.append((f"ATC code {code!r}", catalogue.get(code)))
    text = concept.get("text")
    if text is not None:
        if not isinstance(text, str) or text not in catalogue:
            entry.fail(f"{field}.text", f"medication {describe_value(text)} is not in the catalogue")
        else:
            found.append((f"text {text!r}", catalogue.get(text)))
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


def _date(value: Any, entry: _Entry, field: str) -> PartialDate | None:
    if not isinstance(value, str):
        entry.fail(field, f"{describe_value(value)} is not a date such as '2007-03'")
        return None
    try:
        return PartialDate.parse(value)
    except DmtTimelineError as exc:
        entry.fail(field, str(exc))
        return None


def _period(resource: Mapping[str, Any], entry: _Entry) -> tuple[PartialDate | None, PartialDate | None]:
    period = _object(resource.get("effectivePeriod"), entry, "effectivePeriod")
    if period is None:
        return None, None
    start = _date(period.get("start"), entry, "effectivePeriod.start")
    end = None if period.get("end") is None else _date(period["end"], entry, "effectivePeriod.end")
    if start is not None and end is not None and end.compare(start) is Order.BEFORE:
        entry.fail("effectivePeriod.end", f"stop {end} is before start {start}")
    return start, end


def _reasons(resource: Mapping[str, Any], entry: _Entry) -> tuple[SwitchReason, ...]:
    reasons: list[SwitchReason] = []
    for i, concept in enumerate(_list(resource.get("statusReason"), entry, "statusReason")):
        path = f"statusReason[{i}]"
        if not isinstance(concept, Mapping):
            entry.fail(path, f"{describe_value(concept)} is not an object")
            continue
        for j, coding in enumerate(_list(concept.get("coding"), entry, f"{path}.coding")):
            if not isinstance(coding, Mapping):
                entry.fail(f"{path}.coding[{j}]", f"{describe_value(coding)} is not an object")
                continue
            if coding.get("system") != SWITCH_REASON_SYSTEM:
                continue  # reasons outside the vocabulary are not the model's to keep
            code = coding.get("code")
            reason = _REASON_CODES.get(code) if isinstance(code, str) else None
            if reason is None:
                known = ", ".join(_REASON_CODES)
                entry.fail(f"{path}.coding[{j}].code", f"{describe_value(code)} is not one of {known}")
            elif reason in reasons:
                entry.fail(f"{path}.coding[{j}].code", f"{code!r} repeats a reason")
            else:
                reasons.append(reason)
    return tuple(reasons)


def _extensions(resource: Mapping[str, Any], entry: _Entry) -> tuple[int | None, EDSS | None]:
    sequence: int | None = None
    edss: EDSS | None = None
    for i, extension in enumerate(_list(resource.get("extension"), entry, "extension")):
        path = f"extension[{i}]"
        if not isinstance(extension, Mapping):
            entry.fail(path, f"{describe_value(extension)} is not an object")
            continue
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
            try:
                edss = EDSS(score)
            except DmtTimelineError as exc:
                entry.fail(f"{path}.valueDecimal", str(exc))
    return sequence, edss


def _stop(
    resource: Mapping[str, Any], end: PartialDate | None, reasons: tuple[SwitchReason, ...], entry: _Entry
) -> PartialDate | StopState | None:
    status = resource.get("status")
    if status not in _READ_STATUSES:
        known = ", ".join(sorted(_READ_STATUSES))
        entry.fail("status", f"{describe_value(status)} is not one of {known}")
        return None
    if status == _STATUS_ACTIVE:
        if end is not None:
            entry.fail("status", f"'active' contradicts effectivePeriod.end {end}")
            return None
        if reasons:
            entry.fail("status", "'active' contradicts statusReason: an ongoing episode has no stop reasons")
            return None
        return ONGOING
    if status == _STATUS_UNKNOWN and (end is not None or reasons):
        entry.fail("status", "'unknown' contradicts a stop date or stop reasons: use 'completed'")
        return None
    return NOT_RECORDED if end is None else end


def _episode(
    resource: Mapping[str, Any], entry: _Entry, catalogue: Catalogue
) -> tuple[str, TherapyEpisode] | None:
    kind = resource.get("resourceType")
    if kind != "MedicationStatement":
        entry.fail("resourceType", f"{describe_value(kind)} is not 'MedicationStatement'")
        return None
    patient_id = _subject(resource, entry)
    entry.patient_id = patient_id
    therapy = _therapy(resource, entry, catalogue)
    start, end = _period(resource, entry)
    reasons = _reasons(resource, entry)
    sequence, edss = _extensions(resource, entry)
    stop = _stop(resource, end, reasons, entry)
    if entry.problems or patient_id is None or therapy is None or start is None or stop is None:
        return None
    try:
        return patient_id, TherapyEpisode(therapy, start, stop, reasons, edss, sequence)
    except DmtTimelineError as exc:  # the checks above mirror the model's; this is a safety net
        entry.fail("", str(exc))
        return None


def read_fhir_bundle(
    bundle: Mapping[str, Any],
    *,
    catalogue: Catalogue = CATALOGUE,
    skip_bad_rows: bool = False,
    metadata: CohortMetadata = CohortMetadata(),  # noqa: B008 - a frozen value, safe as a default
) -> FhirRead:
    """Read a Bundle of ``MedicationStatement`` resources (as JSON data), reporting what was skipped.

    One patient per distinct ``subject``, in order of first appearance, holding only an id and
    the episodes, in bundle order. The bundle's ``type`` is not checked, so a search result
    reads as well as a collection.

    Args:
        bundle: The parsed JSON of a Bundle, such as :func:`cohort_to_fhir` writes.
        catalogue: Where ATC codes and medication names are looked up.
        skip_bad_rows: Read the good entries and report every problem of the others in
            ``skipped``, instead of refusing the whole bundle. The result is the bundle read
            as if the skipped entries were not there: a patient all of whose statements are
            skipped is not in the cohort.
        metadata: The cohort's metadata (the bundle carries none).

    Raises:
        CohortFormatError: listing every problem with its entry index and field, unless
            ``skip_bad_rows`` is set: a resource of another type, a missing subject, an
            unknown ATC code or medication text, a malformed date, a stop before its start, a
            status that contradicts the period. A document that is not a Bundle, or whose
            ``entry`` is not a list, is refused even then.
    """
    if not isinstance(bundle, Mapping):
        raise CohortFormatError("cannot read a FHIR Bundle", (f"{describe_value(bundle)} is not an object",))
    if bundle.get("resourceType") != "Bundle":
        raise CohortFormatError(
            "cannot read a FHIR Bundle",
            (f"resourceType: {describe_value(bundle.get('resourceType'))} is not 'Bundle'",),
        )
    raw_entries = bundle.get("entry", [])
    if not isinstance(raw_entries, list):
        raise CohortFormatError(
            "cannot read a FHIR Bundle", (f"entry: {describe_value(raw_entries)} is not a list",)
        )
    problems: list[EntryProblem] = []
    episodes: dict[str, list[TherapyEpisode]] = {}
    for index, raw in enumerate(raw_entries):
        entry = _Entry(index)
        resource = raw.get("resource") if isinstance(raw, Mapping) else None
        if isinstance(resource, Mapping):
            read = _episode(resource, entry, catalogue)
        else:
            entry.fail("", "expected an object (a MedicationStatement)")
            read = None
        problems.extend(entry.report())
        if read is not None:
            episodes.setdefault(read[0], []).append(read[1])
    if problems and not skip_bad_rows:
        raise CohortFormatError(
            f"cannot read a FHIR Bundle: {len(problems)} problem{'s' if len(problems) != 1 else ''}",
            tuple(str(problem) for problem in problems),
        )
    cohort = Cohort(tuple(Patient(pid, episodes=items) for pid, items in episodes.items()), metadata)
    return FhirRead(cohort, tuple(problems))


def cohort_from_fhir(
    bundle: Mapping[str, Any],
    *,
    catalogue: Catalogue = CATALOGUE,
    metadata: CohortMetadata = CohortMetadata(),  # noqa: B008 - a frozen value, safe as a default
) -> Cohort:
    """Read a Bundle of ``MedicationStatement`` resources (as JSON data) into a cohort.

    The strict reading of :func:`read_fhir_bundle`: a bundle with a bad entry is refused whole.

    Args:
        bundle: The parsed JSON of a Bundle, such as :func:`cohort_to_fhir` writes.
        catalogue: Where ATC codes and medication names are looked up.
        metadata: The cohort's metadata (the bundle carries none).

    Raises:
        CohortFormatError: listing every problem with its entry index and field: a resource of
            another type, a missing subject, an unknown ATC code or medication text, a
            malformed date, a stop before its start, a status that contradicts the period.
    """
    return read_fhir_bundle(bundle, catalogue=catalogue, metadata=metadata).cohort
