"""Reading a Bundle (as JSON data or a file) into a cohort, reporting every problem."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from dmt_timeline.catalogue import CATALOGUE, Catalogue
from dmt_timeline.errors import CohortFormatError, describe_value, quoted
from dmt_timeline.io.fhir._json import DecodeError, decode_json
from dmt_timeline.io.fhir._problems import Entry, EntryProblem
from dmt_timeline.io.fhir._statements import read_statement
from dmt_timeline.model import Cohort, CohortMetadata, Patient, TherapyEpisode

__all__ = ["FhirRead", "cohort_from_fhir", "read_fhir", "read_fhir_bundle"]

_CANNOT = "cannot read a FHIR Bundle"


@attrs.frozen
class FhirRead:
    """What a bundle gave: the cohort, and the problems of the entries skipped (only with ``skip_bad_rows``).

    ``skipped`` holds one :class:`EntryProblem` per problem, so an entry may appear more than once.

    Attributes:
        cohort: The patients read.
        skipped: Every problem of the entries skipped.
        entries: How many entries the bundle held.
        read: How many entries were read into the cohort.
    """

    cohort: Cohort
    skipped: tuple[EntryProblem, ...] = ()
    entries: int = 0
    read: int = 0


def _refuse(problem: str) -> CohortFormatError:
    return CohortFormatError(_CANNOT, (problem,))


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
            status that contradicts the period, a value of the wrong JSON type, text that is
            not valid Unicode. A document that is not a Bundle, or whose ``entry`` is not a
            list, is refused even then.
    """
    if not isinstance(bundle, Mapping):
        raise _refuse(f"{describe_value(bundle)} is not an object")
    kind = bundle.get("resourceType")
    if kind != "Bundle":
        raise _refuse(f"resourceType: {describe_value(kind)} is not 'Bundle'")
    raw_entries = bundle.get("entry", [])
    if not isinstance(raw_entries, list):
        raise _refuse(f"entry: {describe_value(raw_entries)} is not a list")
    problems: list[EntryProblem] = []
    episodes: dict[str, list[TherapyEpisode]] = {}
    read = 0
    for index, raw in enumerate(raw_entries):
        entry = Entry(index)
        resource = raw.get("resource") if isinstance(raw, Mapping) else None
        if isinstance(resource, Mapping):
            found = read_statement(resource, entry, catalogue)
        else:
            entry.fail("", "expected an object (a MedicationStatement)")
            found = None
        problems.extend(entry.report())
        if found is not None:
            read += 1
            episodes.setdefault(found[0], []).append(found[1])
    if problems and not skip_bad_rows:
        raise CohortFormatError(
            f"{_CANNOT}: {len(problems)} problem{'s' if len(problems) != 1 else ''}",
            tuple(str(problem) for problem in problems),
        )
    cohort = Cohort(tuple(Patient(pid, episodes=items) for pid, items in episodes.items()), metadata)
    return FhirRead(cohort, tuple(problems), len(raw_entries), read)


def read_fhir(
    path: str | os.PathLike[str],
    *,
    catalogue: Catalogue = CATALOGUE,
    skip_bad_rows: bool = False,
    metadata: CohortMetadata = CohortMetadata(),  # noqa: B008 - a frozen value, safe as a default
) -> FhirRead:
    """Read a FHIR Bundle from a JSON file (UTF-8); see :func:`read_fhir_bundle`.

    Raises:
        CohortFormatError: for a file that is not UTF-8 JSON (naming the place, never the
            content), an object that repeats a key, or any problem :func:`read_fhir_bundle` refuses.
    """
    target = Path(path)
    data = target.read_bytes()
    message = ""
    try:
        bundle = decode_json(data)
    except DecodeError as exc:
        message = str(exc)
    else:
        return read_fhir_bundle(bundle, catalogue=catalogue, skip_bad_rows=skip_bad_rows, metadata=metadata)
    raise _refuse(f"file {quoted(target.name)} {message}")


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
