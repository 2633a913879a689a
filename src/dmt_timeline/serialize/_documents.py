"""Reading and writing: documents to the library's values and back, as JSON text and files."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import cattrs

from dmt_timeline._collector import collector_paused
from dmt_timeline.errors import CohortFormatError, DmtTimelineError
from dmt_timeline.model import Cohort, CohortMetadata, Patient
from dmt_timeline.serialize._fast import _FAST, patient_reader
from dmt_timeline.serialize._hooks import _CONVERTER
from dmt_timeline.serialize._report import _flatten, _locate, _problems

T = TypeVar("T")


def structure(doc: Any, cls: type[T], *, converter: cattrs.Converter | None = None) -> T:
    """Build a ``cls`` from JSON-compatible data, or refuse it whole.

    Raises:
        CohortFormatError: listing every problem found, one line each.
    """
    conv = converter or _CONVERTER
    if cls is Cohort:
        return _structure_cohort(doc, conv)  # type: ignore[return-value]  # cls is Cohort
    try:
        if conv is _CONVERTER:
            try:
                return _FAST.structure(doc, cls)
            except Exception:  # read again below, for the detailed errors
                pass
        return conv.structure(doc, cls)
    except Exception as exc:
        problems = _problems(exc, doc, cls)
        raise CohortFormatError(f"cannot read a {cls.__name__}", problems) from None


def _structure_cohort(doc: Any, conv: cattrs.Converter) -> Cohort:
    # A cohort is millions of small acyclic objects: the cyclic collector would spend most of
    # the load re-scanning them, so it is paused (never skipping validation) and restored.
    with collector_paused():
        return _structure_cohort_objects(doc, conv)


def _structure_cohort_objects(doc: Any, conv: cattrs.Converter) -> Cohort:
    # Each patient is structured on its own so that a broken one cannot hide the others, and
    # so that cross-field errors raised while building a Patient are tied to that patient.
    if not isinstance(doc, Mapping):
        raise CohortFormatError("cannot read a Cohort", ("expected a JSON object",))
    problems: list[str] = []
    unknown = sorted(set(doc) - {"patients", "metadata"})
    problems.extend(f"{key}: unknown field" for key in unknown)
    raw_patients = doc.get("patients")
    if not isinstance(raw_patients, list):
        problems.append("patients: expected a list of patients")
        raw_patients = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_patients):
        patient_id = raw.get("id") if type(raw) is dict or isinstance(raw, Mapping) else None
        if not isinstance(patient_id, str):
            continue  # reported when the patient is read; an id that is a list cannot be a key
        if patient_id in seen:
            problems.append(
                f"patient {patient_id}: id: also used by patients[{seen[patient_id]}]; "
                "ids must be unique in a cohort"
            )
        seen.setdefault(patient_id, i)
    patients: list[Patient] = []
    structure_patient = conv.get_structure_hook(Patient)
    # One load's reader: dates and reasons are shared across its records, and only its own.
    fast = patient_reader(_FAST, dates={}, reasons={}) if conv is _CONVERTER else structure_patient
    for i, raw in enumerate(raw_patients):
        if type(raw) is not dict and not isinstance(raw, Mapping):  # a dict, the common case, first
            problems.append(f"patients[{i}]: expected an object (a patient)")
            continue
        try:
            patients.append(fast(raw, Patient))
            continue
        except Exception:  # read again below, for the detailed errors
            pass
        try:
            patients.append(structure_patient(raw, Patient))
        except Exception as exc:
            problems.extend(
                _locate(line.replace(" @ $", f" @ $.patients[{i}]", 1), doc, Cohort)
                for line in _flatten(exc, Patient)
            )
    metadata_doc = doc.get("metadata", {})
    try:
        metadata = conv.structure(metadata_doc, CohortMetadata)
    except Exception as exc:
        problems.extend(
            _locate(line.replace(" @ $", " @ $.metadata", 1), doc, Cohort)
            for line in _flatten(exc, CohortMetadata)
        )
        metadata = CohortMetadata()
    if not problems:
        try:
            return Cohort(tuple(patients), metadata)
        except DmtTimelineError as exc:
            problems.append(_locate(f"{exc} @ $", doc, Cohort))
    raise CohortFormatError(
        f"cannot read a Cohort: {len(problems)} problem{'s' if len(problems) != 1 else ''}",
        tuple(problems),
    )


def unstructure(value: Any, *, converter: cattrs.Converter | None = None) -> Any:
    """JSON-compatible data for any of the library's values."""
    return (converter or _CONVERTER).unstructure(value)


def dumps(value: Any, *, indent: int | None = 2, converter: cattrs.Converter | None = None) -> str:
    """JSON text for any of the library's values."""
    return json.dumps(unstructure(value, converter=converter), indent=indent, ensure_ascii=False)


def _parse(text: str | bytes) -> Any:
    """Parse JSON with orjson when it is installed (extra ``fast``), else with the standard library.

    orjson accepts a subset of what the standard parser accepts (strict RFC 8259), so any text
    it refuses is parsed again by ``json``, whose error message is reported. The one difference
    is an integer beyond 64 bits, which orjson reads as a float; every integer the model holds
    is bounded far below that, so such a document is refused either way (as a fraction, or as
    out of range).
    """
    try:
        import orjson  # noqa: PLC0415 - optional; imported on first use
    except ImportError:
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def loads(text: str | bytes, cls: type[T], *, converter: cattrs.Converter | None = None) -> T:
    """Read JSON text as a ``cls``.

    Every record is validated. While a :class:`~dmt_timeline.Cohort` is read, Python's cyclic
    garbage collector is paused (a cohort is many small objects without cycles, which it would
    scan over and over) and restored afterwards; the objects it tracks, the new cohort among
    them, then move to its oldest generation, unless the process has frozen objects of its own
    (:func:`gc.freeze`).

    Raises:
        CohortFormatError: when the text is not JSON, or not a valid ``cls``; every problem is listed.
    """
    try:
        if cls is Cohort:
            # The parsed document of a cohort is as many small objects as the cohort itself.
            with collector_paused():
                doc = _parse(text)
        else:
            doc = _parse(text)
    except json.JSONDecodeError as exc:
        raise CohortFormatError(
            "cannot read JSON", (f"line {exc.lineno} column {exc.colno}: {exc.msg}",)
        ) from None
    except UnicodeDecodeError as exc:
        raise CohortFormatError(
            "cannot read JSON", (f"byte {exc.start}: not {exc.encoding} text ({exc.reason})",)
        ) from None
    return structure(doc, cls, converter=converter)


def save_cohort(
    cohort: Cohort, path: str | os.PathLike[str], *, converter: cattrs.Converter | None = None
) -> None:
    """Write a cohort as a JSON file (UTF-8)."""
    Path(path).write_text(dumps(cohort, converter=converter) + "\n", encoding="utf-8")


def load_cohort(path: str | os.PathLike[str], *, converter: cattrs.Converter | None = None) -> Cohort:
    """Read a cohort JSON file written by :func:`save_cohort` (or by hand), as :func:`loads` does.

    Raises:
        CohortFormatError: naming the file and listing every problem.
    """
    try:
        text = Path(path).read_bytes()
    except OSError as exc:
        raise CohortFormatError(f"cannot read {os.fspath(path)}: {exc.strerror}") from None
    try:
        return loads(text, Cohort, converter=converter)
    except CohortFormatError as exc:
        raise CohortFormatError(f"{os.fspath(path)}: {exc.summary}", exc.problems) from None
