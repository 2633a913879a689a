"""Reading a Bundle (as JSON data or a file) or a bulk NDJSON export into a cohort.

Every entry is accounted for: read into the cohort, skipped and counted (a resource type the
reader does not read, a medication the catalogue does not know), dropped and reported (a
status saying nothing was taken), or reported with its problems.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import attrs

from dmt_timeline._collector import collector_paused
from dmt_timeline.catalogue import CATALOGUE, Catalogue
from dmt_timeline.errors import CohortFormatError, DmtTimelineError, describe_value, quoted
from dmt_timeline.io.exposures import DEFAULT_PERSISTENCE_DAYS, Exposure, build_episodes
from dmt_timeline.io.fhir._json import DecodeError, decode_json, has_lone_surrogate
from dmt_timeline.io.fhir._medications import Medications
from dmt_timeline.io.fhir._problems import MAX_TEXT, Entry, EntryProblem
from dmt_timeline.io.fhir._resources import (
    Context,
    DiagnosisRecord,
    Dropped,
    EpisodeRecord,
    ExposureRecord,
    Ignored,
    MedicationRecord,
    Outcome,
    PatientRecord,
    Pending,
    Unknown,
    read_resource,
)
from dmt_timeline.model import Cohort, CohortMetadata, Diagnosis, Patient, TherapyEpisode
from dmt_timeline.progress import showing, stage

__all__ = ["FhirRead", "cohort_from_fhir", "read_fhir", "read_fhir_bundle"]

_CANNOT: Final = "cannot read a FHIR Bundle"
_CANNOT_EXPORT: Final = "cannot read a FHIR export"
STATEMENT_MODES: Final = ("episodes", "exposures")


@attrs.frozen
class FhirRead:
    """What a bundle or export gave, and what happened to every entry that was not read.

    ``entries == read + sum(n for _, n in ignored) + sum(n for _, n in unknown) + len(dropped)
    + len({(p.source, p.entry) for p in skipped})``.

    Attributes:
        cohort: The patients read.
        skipped: Every problem of the entries skipped (only with ``skip_bad_rows``); an entry
            with several problems appears once per problem.
        entries: How many entries (Bundle entries, or NDJSON lines that are not blank) there were.
        read: How many entries were read: statements, exposures, diagnoses, Patient and
            Medication resources.
        ignored: Resource types the reader does not read, with how many entries each had
            (``Condition`` counts the conditions with neither a known code nor a name).
        unknown: Medications the catalogue does not know (only with ``skip_unknown``), by
            their text or code, with how many entries each had.
        dropped: One report per entry dropped for its status (``entered-in-error``,
            ``not-taken``, ``cancelled``...), intent (a proposal or plan) or verification.
    """

    cohort: Cohort
    skipped: tuple[EntryProblem, ...] = ()
    entries: int = 0
    read: int = 0
    ignored: tuple[tuple[str, int], ...] = ()
    unknown: tuple[tuple[str, int], ...] = ()
    dropped: tuple[EntryProblem, ...] = ()


@attrs.frozen
class _Options:
    catalogue: Catalogue
    skip_unknown: bool
    statements: str
    persistence_days: int
    windows: Mapping[str, int] | None


class _Reader:
    """Entries in, one at a time (so an NDJSON export streams); a cohort out."""

    def __init__(self, options: _Options) -> None:
        if options.statements not in STATEMENT_MODES:
            raise CohortFormatError(
                _CANNOT_EXPORT,
                (f"statements: {describe_value(options.statements)} is not 'episodes' or 'exposures'",),
            )
        self.options = options
        self.context = Context(options.catalogue, Medications(), options.statements == "exposures")
        self.problems: list[EntryProblem] = []
        self.dropped: list[EntryProblem] = []
        self.ignored: Counter[str] = Counter()
        self.unknown: Counter[str] = Counter()
        self.records: list[tuple[int, Outcome]] = []
        self.pending: list[tuple[Mapping[str, Any], int, str, str | None]] = []
        self.entries = 0

    def take(self, resource: Any, index: int, source: str = "", full_url: str | None = None) -> None:
        self.entries += 1
        entry = Entry(index, source)
        if not isinstance(resource, Mapping):
            entry.fail("", "expected an object (a FHIR resource)")
            self.problems.extend(entry.report())
            return
        self._settle(entry, read_resource(resource, entry, self.context, full_url), resource, full_url)

    def fail(self, index: int, source: str, message: str) -> None:
        self.entries += 1
        entry = Entry(index, source)
        entry.fail("", message)
        self.problems.extend(entry.report())

    def _settle(
        self, entry: Entry, outcome: Outcome, resource: Mapping[str, Any], full_url: str | None
    ) -> None:
        if entry.problems:
            self.problems.extend(entry.report())
            return
        match outcome:
            case Pending():
                self.pending.append((resource, entry.index, entry.source, full_url))
            case Dropped(field=field, message=message):
                self.dropped.append(EntryProblem(entry.index, field, message, entry.patient_id, entry.source))
            case Ignored(kind=kind):
                self.ignored[kind] += 1
            case Unknown(label=label):
                if self.options.skip_unknown:
                    self.unknown[label] += 1
                else:
                    field = (
                        "medicationReference"
                        if "medicationReference" in resource
                        else "medicationCodeableConcept"
                    )
                    entry.fail(field, f"medication {quoted(label)} is not in the catalogue")
                    self.problems.extend(entry.report())
            case None:  # every reader that gives nothing says why; this is a safety net
                entry.fail("", "could not be read")
                self.problems.extend(entry.report())
            case _:
                self.records.append((entry.index, outcome))

    def finish(self, *, skip_bad_rows: bool, metadata: CohortMetadata, what: str) -> FhirRead:
        self.context.final = True
        pending, self.pending = self.pending, []
        for resource, index, source, full_url in pending:
            entry = Entry(index, source)
            self._settle(entry, read_resource(resource, entry, self.context, full_url), resource, full_url)
        # Built first: a Patient entry whose sex or birth date the patient refuses is a problem too.
        cohort, refused = self._cohort(metadata)
        if self.problems and not skip_bad_rows:
            count = len(self.problems)
            raise CohortFormatError(
                f"{what}: {count} problem{'s' if count != 1 else ''}", tuple(str(p) for p in self.problems)
            )
        return FhirRead(
            cohort,
            tuple(self.problems),
            self.entries,
            len(self.records) - refused,
            tuple(sorted(self.ignored.items())),
            tuple(sorted(self.unknown.items())),
            tuple(self.dropped),
        )

    def _cohort(self, metadata: CohortMetadata) -> tuple[Cohort, int]:
        """The cohort, and how many Patient entries were refused (each reported as a problem)."""
        names: dict[str, str] = {}
        personal: dict[str, tuple[int, PatientRecord]] = {}
        refused = 0
        for index, record in self.records:
            if isinstance(record, PatientRecord):
                names.update(dict.fromkeys(record.keys, record.patient_id))
                first = personal.setdefault(record.patient_id, (index, record))
                if first[1] is not record and not self._agree(first, index, record):
                    refused += 1

        def who(key: str) -> str:
            # An unmatched urn:uuid names the patient by its uuid, as Synthea's ids are.
            return names.get(key) or key.removeprefix("urn:uuid:").removeprefix("Patient/")

        order: dict[str, None] = {}
        episodes: dict[str, list[TherapyEpisode]] = {}
        diagnoses: dict[str, list[Diagnosis]] = {}
        exposures: list[Exposure] = []
        for index, record in self.records:
            match record:
                case PatientRecord(patient_id=pid):
                    order.setdefault(pid)
                case EpisodeRecord(subject=key, episode=episode):
                    pid = who(key)
                    order.setdefault(pid)
                    episodes.setdefault(pid, []).append(episode)
                case ExposureRecord(subject=key):
                    pid = who(key)
                    order.setdefault(pid)
                    exposures.append(
                        Exposure(pid, record.therapy.name, record.start, record.end, record.reasons, index)
                    )
                case DiagnosisRecord(subject=key, diagnosis=diagnosis):
                    pid = who(key)
                    order.setdefault(pid)
                    diagnoses.setdefault(pid, []).append(diagnosis)
                case MedicationRecord():
                    pass
        built = build_episodes(
            exposures,
            catalogue=self.options.catalogue,
            persistence_days=self.options.persistence_days,
            windows=self.options.windows,
        )
        eras = {patient.id: patient.episodes for patient in built.cohort}
        patients = []
        for pid in order:
            patient = Patient(
                pid,
                episodes=(*episodes.get(pid, ()), *eras.get(pid, ())),
                diagnoses=_first_of_each(diagnoses.get(pid, [])),
            )
            if pid in personal:
                index, record = personal[pid]
                try:
                    patient = attrs.evolve(patient, sex=record.sex, birth_date=record.birth_date)
                except DmtTimelineError as exc:
                    # The Patient entry is skipped: the patient keeps what the other entries say.
                    message = str(exc).removeprefix(f"patient {quoted(pid)}: ")
                    self.problems.append(EntryProblem(index, "birthDate", message, pid, record.source))
                    refused += 1
            patients.append(patient)
        return Cohort(tuple(patients), metadata), refused

    def _agree(self, first: tuple[int, PatientRecord], index: int, record: PatientRecord) -> bool:
        """Whether a second Patient entry of a patient says the same sex and birth date (else a problem)."""
        for field, mine, theirs in (
            ("gender", record.sex, first[1].sex),
            ("birthDate", record.birth_date, first[1].birth_date),
        ):
            if mine != theirs:
                source = first[1].source
                where = f"{quoted(source)} line {first[0]}" if source else f"entry[{first[0]}]"
                self.problems.append(
                    EntryProblem(
                        index,
                        field,
                        f"{_shown(mine)} differs from {_shown(theirs)} in {where}",
                        record.patient_id,
                        record.source,
                    )
                )
                return False
        return True


def _shown(value: object) -> str:
    """A sex or birth date as a message shows it."""
    return "none" if value is None else quoted(getattr(value, "value", value))


def _first_of_each(diagnoses: list[Diagnosis]) -> tuple[Diagnosis, ...]:
    """One diagnosis per condition: the earliest recorded (an undated one only when none is dated)."""
    best: dict[Any, Diagnosis] = {}
    for diagnosis in diagnoses:
        kept = best.get(diagnosis.condition)
        if kept is None or (
            diagnosis.date is not None and (kept.date is None or diagnosis.date.sort_key < kept.date.sort_key)
        ):
            best[diagnosis.condition] = diagnosis
    return tuple(best.values())


def _refuse(problem: str, what: str = _CANNOT) -> CohortFormatError:
    return CohortFormatError(what, (problem,))


def _bundle_entries(bundle: Any) -> list[Any]:
    if not isinstance(bundle, Mapping):
        raise _refuse(f"{describe_value(bundle)} is not an object")
    kind = bundle.get("resourceType")
    if kind != "Bundle":
        raise _refuse(f"resourceType: {describe_value(kind)} is not 'Bundle'")
    raw_entries = bundle.get("entry", [])
    if not isinstance(raw_entries, list):
        raise _refuse(f"entry: {describe_value(raw_entries)} is not a list")
    return raw_entries


def _take_bundle(reader: _Reader, raw_entries: Iterable[Any]) -> None:
    for index, raw in enumerate(raw_entries):
        resource = raw.get("resource") if isinstance(raw, Mapping) else None
        full_url = raw.get("fullUrl") if isinstance(raw, Mapping) else None
        if full_url is not None and (
            not isinstance(full_url, str) or has_lone_surrogate(full_url) or len(full_url) > MAX_TEXT
        ):
            reader.fail(index, "", f"fullUrl: {describe_value(full_url)} is not a URL this reader accepts")
            continue
        reader.take(resource, index, "", full_url)


def read_fhir_bundle(
    bundle: Mapping[str, Any],
    *,
    catalogue: Catalogue = CATALOGUE,
    skip_bad_rows: bool = False,
    skip_unknown: bool = False,
    statements: str = "episodes",
    persistence_days: int = DEFAULT_PERSISTENCE_DAYS,
    windows: Mapping[str, int] | None = None,
    metadata: CohortMetadata = CohortMetadata(),  # noqa: B008 - a frozen value, safe as a default
) -> FhirRead:
    """Read a FHIR R4 Bundle (as JSON data), reporting what was skipped, dropped and counted.

    ``MedicationStatement`` resources are episodes (or exposures, with
    ``statements="exposures"``); ``MedicationRequest``, ``MedicationDispense`` and
    ``MedicationAdministration`` resources are exposures, collapsed into episodes by
    :func:`~dmt_timeline.io.build_episodes`; ``Condition`` resources (by code, else by text)
    are diagnoses; ``Patient`` resources give patients (with their ids); ``Medication``
    resources are followed from ``medicationReference``. Other resources are counted in
    ``ignored``. Patients come in order of first appearance. The bundle's ``type`` is not
    checked, so a search result or a transaction reads as well as a collection.

    Args:
        bundle: The parsed JSON of a Bundle.
        catalogue: Where medication codes and names are looked up.
        skip_bad_rows: Read the good entries and report every problem of the others in
            ``skipped``, instead of refusing the whole bundle.
        skip_unknown: Count medications the catalogue does not know in ``unknown`` (an EHR
            export holds many), instead of reporting each as a problem.
        statements: ``"episodes"`` (one episode per MedicationStatement, its period the
            course) or ``"exposures"`` (each statement's days are an exposure, collapsed
            into eras with the others).
        persistence_days: The era builder's default persistence window.
        windows: Per-therapy persistence windows, as :func:`~dmt_timeline.io.build_episodes` takes.
        metadata: The cohort's metadata (the bundle carries none).

    Raises:
        CohortFormatError: listing every problem with its entry index and field, unless
            ``skip_bad_rows`` is set: a missing subject, an unknown medication (unless
            ``skip_unknown``), a malformed date, a stop before its start, a status that
            contradicts the period, a value of the wrong JSON type, text that is not valid
            Unicode. A document that is not a Bundle, or whose ``entry`` is not a list, is
            refused even then.
    """
    raw_entries = _bundle_entries(bundle)
    reader = _Reader(_Options(catalogue, skip_unknown, statements, persistence_days, windows))
    with collector_paused():
        _take_bundle(reader, raw_entries)
        return reader.finish(skip_bad_rows=skip_bad_rows, metadata=metadata, what=_CANNOT)


def _ndjson_files(target: Path) -> list[Path]:
    if target.is_dir():
        files = sorted(p for p in target.iterdir() if p.name.endswith(".ndjson") and p.is_file())
        if not files:
            raise _refuse(f"folder {quoted(target.name)} holds no .ndjson files", _CANNOT_EXPORT)
        return files
    return [target]


def _take_ndjson(reader: _Reader, path: Path, done: Callable[[int], None]) -> None:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            done(len(line))  # bytes read, for the progress bar
            if not line.strip():
                continue  # a blank line (the last one, often) is no entry
            message = ""
            try:
                resource = decode_json(line)
            except DecodeError as exc:
                message = str(exc)
            else:
                reader.take(resource, number, path.name)
                continue
            reader.fail(number, path.name, f"line {message}")


def read_fhir(
    path: str | os.PathLike[str],
    *,
    catalogue: Catalogue = CATALOGUE,
    skip_bad_rows: bool = False,
    skip_unknown: bool = False,
    statements: str = "episodes",
    persistence_days: int = DEFAULT_PERSISTENCE_DAYS,
    windows: Mapping[str, int] | None = None,
    metadata: CohortMetadata = CohortMetadata(),  # noqa: B008 - a frozen value, safe as a default
    progress: bool | None = None,
) -> FhirRead:
    """Read a FHIR export: a Bundle in a JSON file, one NDJSON file, or a folder of NDJSON files.

    A bulk data export (one resource per line, one file per type, as FHIR Bulk Data
    ``$export`` writes) is read line by line, file by file in name order, so a large export
    streams: only what the cohort needs is kept. A ``medicationReference`` to a Medication in
    a later line or file is resolved at the end. Problems name the file and the line. A file
    whose name ends in ``.ndjson`` (or a folder) is read as NDJSON; any other file as a
    Bundle (UTF-8 JSON, read whole). The arguments are those of :func:`read_fhir_bundle`,
    and ``progress``: show the bytes or entries read on stderr (True), never (False), or
    when stderr is a terminal (None; see :mod:`dmt_timeline.progress`).

    Raises:
        CohortFormatError: for a Bundle file that is not UTF-8 JSON (naming the place, never
            the content), an object that repeats a key, or any problem
            :func:`read_fhir_bundle` refuses; in NDJSON, a line that is not JSON is a problem
            of that line.
    """
    target = Path(path)
    options = _Options(catalogue, skip_unknown, statements, persistence_days, windows)
    with showing(progress):
        if target.is_dir() or target.name.endswith(".ndjson"):
            reader = _Reader(options)
            # Many small acyclic objects accumulate while an export streams: the collector would rescan them.
            with collector_paused():
                files = _ndjson_files(target)
                size = sum(file.stat().st_size for file in files)
                with stage("reading FHIR NDJSON", size, unit="bytes") as step:
                    for file in files:
                        step.note(file.name)
                        _take_ndjson(reader, file, step.update)
                with stage("building the cohort"):
                    return reader.finish(skip_bad_rows=skip_bad_rows, metadata=metadata, what=_CANNOT_EXPORT)
        with stage("decoding the FHIR bundle"):
            data = target.read_bytes()
            message: str | None = None
            try:
                bundle = decode_json(data)
            except DecodeError as exc:
                message = str(exc)
        if message is None:
            reader = _Reader(options)
            with collector_paused():
                entries = _bundle_entries(bundle)
                with stage("reading FHIR entries", len(entries), unit="entries") as step:
                    _take_bundle(reader, step.iterate(entries))
                with stage("building the cohort"):
                    return reader.finish(skip_bad_rows=skip_bad_rows, metadata=metadata, what=_CANNOT)
    raise _refuse(f"file {quoted(target.name)} {message}")


def cohort_from_fhir(
    bundle: Mapping[str, Any],
    *,
    catalogue: Catalogue = CATALOGUE,
    metadata: CohortMetadata = CohortMetadata(),  # noqa: B008 - a frozen value, safe as a default
) -> Cohort:
    """Read a Bundle (as JSON data) into a cohort: the strict reading of :func:`read_fhir_bundle`.

    A bundle with a bad entry, or a medication the catalogue does not know, is refused whole.

    Args:
        bundle: The parsed JSON of a Bundle, such as :func:`cohort_to_fhir` writes.
        catalogue: Where medication codes and names are looked up.
        metadata: The cohort's metadata (the bundle carries none).

    Raises:
        CohortFormatError: listing every problem with its entry index and field.
    """
    return read_fhir_bundle(bundle, catalogue=catalogue, metadata=metadata).cohort
