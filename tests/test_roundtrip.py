"""Serialisation round-trips: structure(unstructure(x), type(x)) == x for every public value."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dmt_timeline
from dmt_timeline.catalogue import CATALOGUE, Catalogue
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.dates import PartialDate
from dmt_timeline.latency import Latency, latency
from dmt_timeline.model import Cohort, Patient
from dmt_timeline.serialize import dumps, load_cohort, loads, save_cohort, structure, unstructure
from dmt_timeline.strategies import cohorts, patients, timelines
from dmt_timeline.timeline import Timeline, transfer

# Values built by the library's own strategies (registered for st.from_type on import).
VALUE_TYPES = [
    dmt_timeline.PartialDate,
    dmt_timeline.MonthRange,
    dmt_timeline.EDSS,
    dmt_timeline.Therapy,
    dmt_timeline.Condition,
    dmt_timeline.TherapyEpisode,
    dmt_timeline.Diagnosis,
    dmt_timeline.ResponseObservation,
    dmt_timeline.ComorbidityTreatment,
    dmt_timeline.CohortMetadata,
    dmt_timeline.Patient,
    dmt_timeline.Cohort,
    dmt_timeline.Timeline,
]
ENUM_TYPES = [
    t for t in (getattr(dmt_timeline, name) for name in dmt_timeline.__all__) if isinstance(t, enum.EnumMeta)
]
# Results the algebra computes; drawn from real timelines, not built field by field.
RESULT_TYPES = {"Line", "Transition", "TreatmentFreeInterval", "Transfer", "Latency"}


def round_trip(value: Any) -> Any:
    return structure(unstructure(value), type(value))


def test_every_public_class_is_covered() -> None:
    public = {
        name
        for name in dmt_timeline.__all__
        if isinstance(getattr(dmt_timeline, name), type) and attrs.has(getattr(dmt_timeline, name))
    }
    covered = {t.__name__ for t in VALUE_TYPES} | RESULT_TYPES | {"Catalogue"}
    assert set() == public - covered


@pytest.mark.parametrize("cls", VALUE_TYPES, ids=lambda t: t.__name__)
@given(data=st.data())
def test_value_round_trips(cls: type, data: st.DataObject) -> None:
    value = data.draw(st.from_type(cls))
    assert value == round_trip(value)


@pytest.mark.parametrize("cls", ENUM_TYPES, ids=lambda t: t.__name__)
@given(data=st.data())
def test_enum_member_round_trips(cls: type[enum.Enum], data: st.DataObject) -> None:
    member = data.draw(st.sampled_from(cls))
    assert member == round_trip(member)


def test_catalogue_round_trips() -> None:
    assert CATALOGUE == structure(unstructure(CATALOGUE), Catalogue)


NEARBY = timelines(max_size=4, min_value=PartialDate(2000), max_value=PartialDate(2003))


@given(NEARBY)
def test_lines_round_trip(timeline: Timeline) -> None:
    assert timeline.lines() == tuple(round_trip(line) for line in timeline.lines())


@given(NEARBY)
def test_transitions_round_trip(timeline: Timeline) -> None:
    assert timeline.transitions() == tuple(round_trip(t) for t in timeline.transitions())


@given(NEARBY)
def test_treatment_free_intervals_round_trip(timeline: Timeline) -> None:
    intervals = timeline.treatment_free_intervals()
    assert intervals == tuple(round_trip(i) for i in intervals)


@given(NEARBY)
def test_transfers_round_trip(timeline: Timeline) -> None:
    found = transfer(timeline, "interferon beta", "natalizumab", initiation="each")
    assert found == tuple(round_trip(t) for t in found)


@given(patients(min_episodes=1, max_episodes=3, min_value=PartialDate(2000), max_value=PartialDate(2010)))
def test_latencies_round_trip(patient: Patient) -> None:
    rows: list[Latency] = [latency(patient, obs.key, episode=obs.episode) for obs in patient.observations]
    assert rows == [round_trip(row) for row in rows]


@settings(max_examples=30)
@given(cohorts(patients(max_episodes=4), max_size=4))
def test_cohort_json_text_round_trips(cohort: Cohort) -> None:
    assert cohort == loads(dumps(cohort), Cohort)


@given(patients(max_episodes=4))
def test_patient_json_text_round_trips(patient: Patient) -> None:
    assert patient == loads(dumps(patient), Patient)


def test_bundled_cohort_round_trips_through_a_file(tmp_path: Path) -> None:
    cohort = load_natalizumab_psoriasis()
    save_cohort(cohort, tmp_path / "cohort.json")
    assert cohort == load_cohort(tmp_path / "cohort.json")
