"""The fast reader of patient records: the converter's hooks with the per-field dispatch inlined.

A record is read with it first; only one it refuses is read again by the library's converter,
whose detailed errors make the report. So it may only ever be stricter than the converter,
never looser; a property test searches for a document where it is.

Within one cohort load (see :func:`patient_reader`), dates written as the same text share one
(frozen) value, as do stop reasons: a cohort repeats a few thousand distinct dates and a few
dozen reason lists hundreds of thousands of times. The shared values live in the reader that
one load builds, so concurrent loads share nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar, get_type_hints

import attrs
import cattrs

from dmt_timeline.catalogue import Therapy
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import DmtTimelineError
from dmt_timeline.model import (
    EDSS,
    NOT_RECORDED,
    SGI,
    Outcome,
    Patient,
    ResponseObservation,
    Sex,
    StopState,
    SwitchReason,
    TherapyEpisode,
)
from dmt_timeline.serialize._hooks import (
    _LABELS,
    _STOP_STATES,
    _structure_edss,
    _structure_int,
    _structure_labels,
    _structure_partial_date,
    _structure_patient_id,
    configure_converter,
    structure_condition,
)

T = TypeVar("T")

_MISSING: Final = object()
_EPISODE_FIELDS: Final = frozenset(field.name for field in attrs.fields(TherapyEpisode))
_PATIENT_FIELDS: Final = frozenset(field.name for field in attrs.fields(Patient))
_OBSERVATION_FIELDS: Final = frozenset(field.name for field in attrs.fields(ResponseObservation))

Dates = dict[str, PartialDate]
"""Dates already read in one load, by their text."""
Reasons = dict[tuple[Any, ...], tuple[SwitchReason, ...]]
"""Stop reasons already read in one load, by their codes."""


def _date(value: Any, dates: Dates | None) -> PartialDate:
    """``_structure_partial_date``, sharing one value per text when ``dates`` is given."""
    if dates is None or type(value) is not str:
        return _structure_partial_date(value, PartialDate)
    found = dates.get(value)
    if found is None:
        found = dates[value] = _structure_partial_date(value, PartialDate)
    return found


def _episode_hook(
    converter: cattrs.Converter, dates: Dates | None, shared_reasons: Reasons | None
) -> Callable[[Any, type], TherapyEpisode]:
    structure_therapy = converter.get_structure_hook(Therapy)
    reasons_type = tuple[SwitchReason, ...]
    structure_reasons = converter.get_structure_hook(reasons_type)
    # SwitchReason(code) for the codes themselves; anything else takes the converter's path.
    codes = {reason.value: reason for reason in SwitchReason}
    known: Reasons = {} if shared_reasons is None else shared_reasons

    def read_reasons(value: Any) -> tuple[SwitchReason, ...]:
        if type(value) is list:
            try:
                key = tuple(value)
                found = known.get(key)  # only lists of codes are ever stored
                if found is None:
                    found = tuple([codes[code] for code in value])
                    if shared_reasons is not None:
                        known[key] = found
            except (KeyError, TypeError):  # not a code (or not hashable): the converter decides
                pass
            else:
                return found
        reasons: tuple[SwitchReason, ...] = structure_reasons(value, reasons_type)
        return reasons

    def structure_episode(o: Any, _: type) -> TherapyEpisode:
        if not o.keys() <= _EPISODE_FIELDS:
            raise DmtTimelineError("unknown field")
        name = o["therapy"]
        start = o["start"]
        stop = o.get("stop", _MISSING)
        reasons = o.get("reasons", _MISSING)
        edss = o.get("edss")
        sequence = o.get("sequence")
        # A date read before is taken without the call: the common case of a load.
        first = dates.get(start) if dates is not None and type(start) is str else None
        if first is None:
            first = _date(start, dates)
        last: PartialDate | StopState | None
        if stop is _MISSING:
            last = NOT_RECORDED
        else:
            last = dates.get(stop) if dates is not None and type(stop) is str else None
            if last is None:
                last = _STOP_STATES.get(stop) if type(stop) is str else None
                if last is None:
                    last = _date(stop, dates)
        return TherapyEpisode(
            structure_therapy(name, Therapy),  # it keeps the therapies it has looked up
            first,
            last,
            () if reasons is _MISSING else read_reasons(reasons),
            None if edss is None else _structure_edss(edss, EDSS),
            # An int is what _structure_int returns unchanged; anything else goes through it.
            sequence if sequence is None or type(sequence) is int else _structure_int(sequence, int),
        )

    return structure_episode


def _observation_hook(dates: Dates | None) -> Callable[[Any, type], ResponseObservation]:
    outcomes = {member.value: member for member in Outcome}  # Outcome(value) for the values
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
            structure_condition(o["condition"]),
            None if date is None else _date(date, dates),
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


def patient_reader(
    converter: cattrs.Converter, *, dates: Dates | None = None, reasons: Reasons | None = None
) -> Callable[[Any, type], Patient]:
    """A reader of patient records for ``converter``; one load passes its own ``dates`` and
    ``reasons`` (empty dicts) to share values across its records."""
    structure_episode = _episode_hook(converter, dates, reasons)
    structure_observation = _observation_hook(dates)
    kinds = get_type_hints(Patient)
    diagnoses_type, treatments_type = kinds["diagnoses"], kinds["comorbidity_treatments"]
    structure_diagnoses = converter.get_structure_hook(diagnoses_type)
    structure_treatments = converter.get_structure_hook(treatments_type)
    # Clinical events are rarer than episodes: the converter's own hooks read them.
    event_fields = ("relapses", "edss_assessments", "mri_scans", "assessments")
    structure_sex = converter.get_structure_hook(Sex)
    event_hooks = {name: (converter.get_structure_hook(kinds[name]), kinds[name]) for name in event_fields}

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
            _structure_patient_id(o["id"], str),
            episodes,
            () if diagnoses is _MISSING else structure_diagnoses(diagnoses, diagnoses_type),
            observations,
            None if baseline is None else _structure_edss(baseline, EDSS),
            None if last is None else _structure_edss(last, EDSS),
            None if follow_up is None else _date(follow_up, dates),
            () if treatments is _MISSING else structure_treatments(treatments, treatments_type),
            () if labels is _MISSING else _structure_labels(labels, _LABELS),
            **{
                name: () if (raw := o.get(name, _MISSING)) is _MISSING else hook(raw, kind)
                for name, (hook, kind) in event_hooks.items()
            },
            sex=None if (sex := o.get("sex")) is None else structure_sex(sex, Sex),
            birth_date=None if (birth := o.get("birth_date")) is None else _date(birth, dates),
        )

    return structure_patient


_FAST: Final = cattrs.Converter(forbid_extra_keys=True, omit_if_default=True, detailed_validation=False)
"""The library's converter without cattrs' detailed validation, and with the fast record
readers: the same hooks and classes, so it accepts and refuses exactly the same documents, but
it stops at the first problem and keeps no error tree."""
configure_converter(_FAST)
_FAST.register_structure_hook(TherapyEpisode, _episode_hook(_FAST, None, None))
_FAST.register_structure_hook(ResponseObservation, _observation_hook(None))
_FAST.register_structure_hook(Patient, patient_reader(_FAST))
