"""Reading and writing: documents to the library's values and back, as JSON text and files."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import cattrs

from dmt_timeline._collector import collector_paused
from dmt_timeline.errors import CohortFormatError, DmtTimelineError, quoted
from dmt_timeline.model import Cohort, CohortMetadata, Patient
from dmt_timeline.serialize._fast import _FAST, patient_reader
from dmt_timeline.serialize._hooks import _CONVERTER
from dmt_timeline.serialize._json import parse
from dmt_timeline.serialize._report import _flatten, _locate, _problems, read_id, unknown_keys

T = TypeVar("T")


def structure(doc: Any, cls: type[T], *, converter: cattrs.Converter | None = None) -> T:
    """Build a ``cls`` from JSON-compatible data, or refuse it whole.

    Raises:
        CohortFormatError: listing every problem found, one line each.
    """
    conv = converter or _CONVERTER
    if cls is Cohort:
        return _structure_cohort(doc, conv)  # type: ignore[return-value]  # cls is Cohort
    problems: tuple[str, ...] = ()
    # No exception is raised inside an except block below: the one caught may hold the input
    # (a key, a value), and would travel on as the new error's __context__.
    try:
        if conv is _CONVERTER:
            try:
                return _FAST.structure(doc, cls)
            except Exception:
                pass
        return conv.structure(doc, cls)
    except Exception as exc:
        problems = _problems(exc, doc, cls)
    raise CohortFormatError(f"cannot read a {cls.__name__}", problems)


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
    unknown = set(doc) - {"patients", "metadata"}
    if unknown:
        problems.append(unknown_keys(unknown))
    raw_patients = doc.get("patients")
    if not isinstance(raw_patients, list):
        problems.append("patients: expected a list of patients")
        raw_patients = []
    problems.extend(_repeated_ids(raw_patients))
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
        except Exception:
            pass
        problems.extend(_patient_problems(structure_patient, raw, i, doc, patients))
    metadata_doc = doc.get("metadata", {})
    failure: BaseException | None = None
    try:
        metadata = conv.structure(metadata_doc, CohortMetadata)
    except Exception as exc:  # reported below, outside the except block
        failure = exc
        metadata = CohortMetadata()
    if failure is not None:
        problems.extend(
            _locate(line.replace(" @ $", " @ $.metadata", 1), doc, Cohort)
            for line in _flatten(failure, CohortMetadata)
        )
        failure = None
    if not problems:
        try:
            return Cohort(tuple(patients), metadata)
        except DmtTimelineError as exc:
            problems.append(_locate(f"{exc} @ $", doc, Cohort))
    raise CohortFormatError(
        f"cannot read a Cohort: {len(problems)} problem{'s' if len(problems) != 1 else ''}",
        tuple(problems),
    )


def _repeated_ids(raw_patients: list[Any]) -> list[str]:
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_patients):
        patient_id = read_id(raw.get("id")) if type(raw) is dict or isinstance(raw, Mapping) else None
        if patient_id is None:
            continue  # reported when the patient is read; an id that is a list cannot be a key
        if patient_id in seen:
            problems.append(
                f"patient {quoted(patient_id)}: id: also used by patients[{seen[patient_id]}]; "
                "ids must be unique in a cohort"
            )
        seen.setdefault(patient_id, i)
    return problems


def _patient_problems(
    structure_patient: Any, raw: Any, i: int, doc: Any, patients: list[Patient]
) -> list[str]:
    """Read ``raw`` with the detailed converter: appended to ``patients``, or its problems."""
    try:
        patients.append(structure_patient(raw, Patient))
    except Exception as exc:
        return [
            _locate(line.replace(" @ $", f" @ $.patients[{i}]", 1), doc, Cohort)
            for line in _flatten(exc, Patient)
        ]
    return []


def unstructure(value: Any, *, converter: cattrs.Converter | None = None) -> Any:
    """JSON-compatible data for any of the library's values."""
    return (converter or _CONVERTER).unstructure(value)


def dumps(value: Any, *, indent: int | None = 2, converter: cattrs.Converter | None = None) -> str:
    """JSON text for any of the library's values."""
    return json.dumps(unstructure(value, converter=converter), indent=indent, ensure_ascii=False)


def loads(text: str | bytes, cls: type[T], *, converter: cattrs.Converter | None = None) -> T:
    """Read JSON text as a ``cls``.

    Every record is validated. While a :class:`~dmt_timeline.Cohort` is read, Python's cyclic
    garbage collector is paused (a cohort is many small objects without cycles, which it would
    scan over and over) and then restored exactly as it was.

    The text must be JSON (RFC 8259) in UTF-8 when given as bytes. A key given twice in one
    object, a lone surrogate (``"\\ud800"``, which is not text), a number of more than 4300
    digits and nesting deeper than the reader can follow are refused, each naming where it is.

    Raises:
        CohortFormatError: when the text is not JSON, or not a valid ``cls``; every problem is
            listed, by position in the text or by path, never quoting the text.
    """
    if cls is Cohort:
        # The parsed document of a cohort is as many small objects as the cohort itself. One
        # pause for both steps: between two, the collector would scan the whole document.
        with collector_paused():
            return structure(parse(text), cls, converter=converter)
    return structure(parse(text), cls, converter=converter)


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
    name = os.fspath(path)
    reason = ""
    try:
        text = Path(path).read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
    if reason:
        raise CohortFormatError(f"cannot read {name}: {reason}")
    refusal: CohortFormatError | None = None
    try:
        return loads(text, Cohort, converter=converter)
    except CohortFormatError as exc:
        refusal = exc
    raise CohortFormatError(f"{name}: {refusal.summary}", refusal.problems)
