"""Serialization: one configured cattrs converter, JSON text and files, with readable errors.

Follows cattrs' preconf pattern: :func:`configure_converter` teaches any converter the
library's types and :func:`make_converter` builds a ready one. Partial dates travel as the
text they were written in (``"2007"``, ``"2007-03"``), therapies as their catalogue name,
enums as their values, and fields at their defaults are left out.

A malformed document is refused whole, with every problem listed as
``patient <id>: <path>: <problem>``; values are quoted, records never are.
"""

from __future__ import annotations

import contextlib
import enum
import gc
import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final, TypeVar, get_origin, get_type_hints

import attrs
import cattrs
from cattrs.cols import homogenous_tuple_structure_factory
from cattrs.errors import ClassValidationError, IterableValidationError
from cattrs.preconf.json import configure_converter as configure_json

from dmt_timeline.catalogue import CATALOGUE, Catalogue, Therapy
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import CohortFormatError, DmtTimelineError, describe_value
from dmt_timeline.model import (
    EDSS,
    NOT_RECORDED,
    SGI,
    Cohort,
    CohortMetadata,
    Condition,
    Outcome,
    Patient,
    ResponseObservation,
    StopState,
    SwitchReason,
    TherapyEpisode,
)

__all__ = [
    "configure_converter",
    "dumps",
    "load_cohort",
    "loads",
    "make_converter",
    "save_cohort",
    "structure",
    "unstructure",
]

T = TypeVar("T")
_LABELS: Final = tuple[tuple[str, str], ...]  # Patient.labels


# While a cohort loads, dates read from the same text share one (frozen) value: a cohort
# repeats a few thousand distinct dates hundreds of thousands of times. None outside a load.
_interned: dict[str, PartialDate] | None = None
# Likewise the stop reasons of the episodes: a few dozen distinct (immutable) tuples.
_shared_reasons: dict[tuple[SwitchReason, ...], tuple[SwitchReason, ...]] | None = None


def _structure_partial_date(value: Any, _: type) -> PartialDate:
    interned = _interned
    if interned is not None and type(value) is str:
        found = interned.get(value)
        if found is not None:
            return found  # read before from the same text: the common case of a load
    if isinstance(value, int) and not isinstance(value, bool):
        # A bare year is common in hand-written JSON; an integer cannot be month-precise.
        return PartialDate(value)
    if not isinstance(value, str):
        raise DmtTimelineError(f"partial date {describe_value(value)}: expected text such as '2007-03'")
    interned = _interned
    if interned is None:
        return PartialDate.parse(value)
    date = interned.get(value)
    if date is None:
        date = interned[value] = PartialDate.parse(value)
    return date


_STOP_STATES: Final = {state.value: state for state in StopState}


def _structure_stop(value: Any, _: type) -> PartialDate | StopState:
    interned = _interned
    if interned is not None and type(value) is str:
        found = interned.get(value)
        if found is not None:
            return found  # a date read before ("ongoing" is never interned): the common case
    state = _STOP_STATES.get(value) if isinstance(value, str) else None
    return state if state is not None else _structure_partial_date(value, PartialDate)


def _unstructure_stop(value: PartialDate | StopState) -> str:
    return value.value if isinstance(value, StopState) else str(value)


def _structure_edss(value: Any, _: type) -> EDSS:
    if isinstance(value, str):
        raise DmtTimelineError(f"EDSS {value!r} is text: write the score as a number")
    if isinstance(value, Mapping | list):
        raise DmtTimelineError(f"EDSS {describe_value(value)}: expected a number")
    return EDSS(value)


def _structure_labels(value: Any, _: type) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise DmtTimelineError("expected an object of text values")
    return tuple(sorted(value.items()))


# cattrs' own hooks for these call int(), bool() and str() on the value: "2" would become 2,
# 3.9 would become 3 and "no" would become True. Silent coercion is refused at the boundary.
def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise DmtTimelineError(f"{describe_value(value)} is not a whole number")


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    raise DmtTimelineError(f"{describe_value(value)} is not true or false")


def _structure_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    raise DmtTimelineError(f"{describe_value(value)} is not text")


def _is_tuple_of_values(cls: Any) -> bool:
    return get_origin(cls) is tuple and cls != _LABELS


def _strict_tuple(cls: Any, converter: cattrs.BaseConverter) -> Callable[[Any, type], tuple[Any, ...]]:
    """Tuples are read from JSON lists only: cattrs would iterate a text or an object's keys."""
    inner = homogenous_tuple_structure_factory(cls, converter)

    def structure_tuple(value: Any, _: type) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise DmtTimelineError(f"{describe_value(value)} is not a list")
        return tuple(inner(value, cls))

    return structure_tuple


def _structure_therapy(catalogue: Catalogue) -> Callable[[Any, type], Therapy]:
    found: dict[str, Therapy] = {}  # names repeat across a cohort; the catalogue is immutable

    def structure_therapy(value: Any, _: type) -> Therapy:
        if not isinstance(value, str):
            raise DmtTimelineError(f"therapy {describe_value(value)}: expected a name such as 'natalizumab'")
        therapy = found.get(value)
        if therapy is None:
            therapy = found[value] = catalogue.get(value)
        return therapy

    return structure_therapy


def _structure_enum(value: Any, cls: type[enum.Enum]) -> enum.Enum:
    try:
        return cls(value)
    except ValueError:
        known = ", ".join(repr(member.value) for member in cls)
        raise DmtTimelineError(f"{describe_value(value)} is not one of {known}") from None


def configure_converter(converter: cattrs.Converter, *, catalogue: Catalogue = CATALOGUE) -> None:
    """Teach ``converter`` the library's types; therapies are looked up in ``catalogue``."""
    configure_json(converter)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook_factory(_is_tuple_of_values, _strict_tuple)
    converter.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _structure_enum
    )
    converter.register_structure_hook(PartialDate, _structure_partial_date)
    converter.register_unstructure_hook(PartialDate, str)
    converter.register_structure_hook(PartialDate | StopState, _structure_stop)
    converter.register_unstructure_hook(PartialDate | StopState, _unstructure_stop)
    converter.register_structure_hook(Therapy, _structure_therapy(catalogue))
    converter.register_unstructure_hook(Therapy, lambda therapy: therapy.name)
    converter.register_structure_hook(EDSS, _structure_edss)
    converter.register_unstructure_hook(EDSS, lambda edss: edss.score)
    converter.register_structure_hook_func(lambda t: t == _LABELS, _structure_labels)
    converter.register_unstructure_hook_func(lambda t: t == _LABELS, dict)


def make_converter(*, catalogue: Catalogue = CATALOGUE) -> cattrs.Converter:
    """A new converter for the library's types: unknown keys refused, defaults omitted."""
    converter = cattrs.Converter(forbid_extra_keys=True, omit_if_default=True)
    configure_converter(converter, catalogue=catalogue)
    return converter


_CONVERTER: Final = make_converter()

# The same converter without cattrs' detailed validation: the same hooks and classes, so it
# accepts and refuses exactly the same documents, but it stops at the first problem and keeps
# no error tree. Records are read with it first; only one it refuses is read again with
# _CONVERTER, whose detailed errors make the report.
_FAST: Final = cattrs.Converter(forbid_extra_keys=True, omit_if_default=True, detailed_validation=False)
configure_converter(_FAST)
_EPISODE_FIELDS: Final = frozenset(field.name for field in attrs.fields(TherapyEpisode))
_MISSING: Final = object()
_NO_DATES: Final[dict[str, PartialDate]] = {}  # never written: no dates are shared outside a load


def _fast_episode_hook(converter: cattrs.Converter) -> Callable[[Any, type], TherapyEpisode]:
    """Read an episode as ``converter``'s generated hook does, with the per-field dispatch inlined.

    It may only ever be stricter than the generated hook, never looser: whatever it refuses is
    read again by _CONVERTER, whose verdict (and error report) is the one that counts.
    """
    structure_therapy = converter.get_structure_hook(Therapy)
    reasons_type = tuple[SwitchReason, ...]
    structure_reasons = converter.get_structure_hook(reasons_type)
    # SwitchReason(code) for the codes themselves; anything else takes the converter's path.
    codes = {reason.value: reason for reason in SwitchReason}

    def structure_reasons_fast(value: Any) -> tuple[SwitchReason, ...]:
        if type(value) is list:
            try:
                found = tuple([codes[code] for code in value])
            except (KeyError, TypeError):  # not a code (or not hashable): the converter decides
                pass
            else:
                shared = _shared_reasons
                return found if shared is None else shared.setdefault(found, found)
        reasons: tuple[SwitchReason, ...] = structure_reasons(value, reasons_type)
        return reasons

    def structure_episode(o: Any, _: type) -> TherapyEpisode:
        if not o.keys() <= _EPISODE_FIELDS:
            raise DmtTimelineError("unknown field")
        stop = o.get("stop", _MISSING)
        reasons = o.get("reasons", _MISSING)
        edss = o.get("edss")
        sequence = o.get("sequence")
        start = o["start"]
        # Dates read before are taken as _structure_partial_date and _structure_stop would take
        # them, without the calls ("ongoing" and "not recorded" are never interned).
        interned = _interned or _NO_DATES
        first = interned.get(start) if type(start) is str else None
        last: PartialDate | StopState | None = interned.get(stop) if type(stop) is str else None
        if last is None:
            last = NOT_RECORDED if stop is _MISSING else _structure_stop(stop, PartialDate)
        return TherapyEpisode(
            structure_therapy(o["therapy"], Therapy),
            first if first is not None else _structure_partial_date(start, PartialDate),
            last,
            () if reasons is _MISSING else structure_reasons_fast(reasons),
            None if edss is None else _structure_edss(edss, EDSS),
            # An int is what _structure_int returns unchanged; anything else goes through it.
            sequence if sequence is None or type(sequence) is int else _structure_int(sequence, int),
        )

    return structure_episode


_PATIENT_FIELDS: Final = frozenset(field.name for field in attrs.fields(Patient))
_OBSERVATION_FIELDS: Final = frozenset(field.name for field in attrs.fields(ResponseObservation))


def _fast_observation_hook() -> Callable[[Any, type], ResponseObservation]:
    """Read a response observation as the generated hook does (and, like it, never looser)."""
    outcomes = {member.value: member for member in Outcome}  # Outcome(value) for the values
    conditions = {member.value: member for member in Condition}
    grades = {member.value: member for member in SGI}

    def structure_observation(o: Any, _: type) -> ResponseObservation:
        if not o.keys() <= _OBSERVATION_FIELDS:
            raise DmtTimelineError("unknown field")
        date = o.get("date")
        months = o.get("latency_months")
        grade = o.get("grade")
        return ResponseObservation(
            outcomes[o["outcome"]],
            _structure_int(o["episode"], int),
            conditions[o["condition"]],
            None if date is None else _structure_partial_date(date, PartialDate),
            None if months is None else _structure_int(months, int),
            None if grade is None else grades[grade],
        )

    return structure_observation


def _items(o: Mapping[str, Any], field: str, hook: Callable[[Any, type], T], cls: type[T]) -> tuple[T, ...]:
    """A list field of a record read item by item with ``hook``; absent means empty."""
    raw = o.get(field, _MISSING)
    if raw is _MISSING:
        return ()
    if type(raw) is not list:
        raise DmtTimelineError(f"{field}: expected a list")
    return tuple([hook(item, cls) for item in raw])


def _fast_patient_hook(converter: cattrs.Converter) -> Callable[[Any, type], Patient]:
    """Read a patient as ``converter``'s generated hook does (and, like it, never looser)."""
    structure_episode = converter.get_structure_hook(TherapyEpisode)
    structure_observation = converter.get_structure_hook(ResponseObservation)
    kinds = get_type_hints(Patient)
    diagnoses_type, treatments_type = kinds["diagnoses"], kinds["comorbidity_treatments"]
    structure_diagnoses = converter.get_structure_hook(diagnoses_type)
    structure_treatments = converter.get_structure_hook(treatments_type)

    def structure_patient(o: Any, _: type) -> Patient:
        if not o.keys() <= _PATIENT_FIELDS:
            raise DmtTimelineError("unknown field")
        episodes = _items(o, "episodes", structure_episode, TherapyEpisode)
        observations = _items(o, "observations", structure_observation, ResponseObservation)
        diagnoses = o.get("diagnoses", _MISSING)
        treatments = o.get("comorbidity_treatments", _MISSING)
        labels = o.get("labels", _MISSING)
        baseline = o.get("baseline_edss")
        last = o.get("last_edss")
        follow_up = o.get("last_follow_up")
        return Patient(
            _structure_str(o["id"], str),
            episodes,
            () if diagnoses is _MISSING else structure_diagnoses(diagnoses, diagnoses_type),
            observations,
            None if baseline is None else _structure_edss(baseline, EDSS),
            None if last is None else _structure_edss(last, EDSS),
            None if follow_up is None else _structure_partial_date(follow_up, PartialDate),
            () if treatments is _MISSING else structure_treatments(treatments, treatments_type),
            () if labels is _MISSING else _structure_labels(labels, _LABELS),
        )

    return structure_patient


_FAST.register_structure_hook(TherapyEpisode, _fast_episode_hook(_FAST))
_FAST.register_structure_hook(ResponseObservation, _fast_observation_hook())
_FAST.register_structure_hook(Patient, _fast_patient_hook(_FAST))


def _expected(cls: Any) -> str:
    if get_origin(cls) in (tuple, list):
        return "expected a list"
    if attrs.has(cls):
        return f"expected an object (a {cls.__name__})"
    return "expected a value of another kind"


def _message(exc: BaseException, cls: type | None = None) -> str:
    """Keep the library's own messages; never let cattrs reduce them to 'invalid value'."""
    if isinstance(exc, KeyError) and not isinstance(exc, DmtTimelineError):
        return "required field is missing"
    if isinstance(exc, DmtTimelineError | ValueError | LookupError):
        return str(exc)
    if isinstance(exc, TypeError | AttributeError):
        return _expected(cls)
    return cattrs.v.format_exception(exc, None)


def _problems(exc: BaseException, doc: Any, cls: type) -> tuple[str, ...]:
    """Flatten cattrs' error tree into ``patient <id>: <path>: <problem>`` lines."""
    if isinstance(exc, ClassValidationError | IterableValidationError):
        lines = cattrs.transform_error(exc, path="$", format_exception=_message)
    else:
        lines = [f"{_message(exc, cls)} @ $"]
    return tuple(_locate(line, doc, cls) for line in lines)


def _locate(line: str, doc: Any, cls: type) -> str:
    problem, _, path = line.rpartition(" @ ")
    path = path.removeprefix("$").removeprefix(".")
    who = ""
    if cls is Cohort and path.startswith("patients["):
        index_text, _, rest = path.removeprefix("patients[").partition("]")
        who, path = _patient_name(doc, index_text), rest.removeprefix(".")
    elif cls is Patient and isinstance(doc, Mapping):
        who = _patient_name({"patients": [doc]}, "0")
    if who:
        # Errors raised while building a Patient already name it.
        problem = problem.removeprefix(who)
    where = f"{path}: " if path else ""
    return f"{who}{where}{problem}"


def _patient_name(doc: Any, index_text: str) -> str:
    try:
        patient_id = doc["patients"][int(index_text)]["id"]
    except (KeyError, IndexError, TypeError, ValueError):
        patient_id = None
    if isinstance(patient_id, str) and patient_id:
        return f"patient {patient_id}: "
    return f"patients[{index_text}]: "


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
    global _interned, _shared_reasons  # noqa: PLW0603 - scoped to one load, reset in finally
    with _collector_paused():
        _interned = {}
        _shared_reasons = {}
        try:
            return _structure_cohort_objects(doc, conv)
        finally:
            _interned = None
            _shared_reasons = None


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic collector while a cohort is built; then restore it as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            _age_young_objects()
            gc.enable()


def _age_young_objects() -> None:
    """Move every object the collector tracks into its oldest generation, without scanning any.

    The cohort just built would otherwise sit in the youngest generation and be scanned whole
    by the next collections of each generation (most of the cost of working with a big cohort
    after loading it). ``freeze`` then ``unfreeze`` is that move, done by splicing lists; it is
    skipped when the process has frozen objects of its own, which ``unfreeze`` would release.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


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
    fast = _FAST.get_structure_hook(Patient) if conv is _CONVERTER else structure_patient
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


def _flatten(exc: BaseException, cls: type) -> list[str]:
    if isinstance(exc, ClassValidationError | IterableValidationError):
        return cattrs.transform_error(exc, path="$", format_exception=_message)
    return [f"{_message(exc, cls)} @ $"]


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

    Raises:
        CohortFormatError: when the text is not JSON, or not a valid ``cls``; every problem is listed.
    """
    try:
        if cls is Cohort:
            # The parsed document of a cohort is as many small objects as the cohort itself.
            with _collector_paused():
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
    """Read a cohort JSON file written by :func:`save_cohort` (or by hand).

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
