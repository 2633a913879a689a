"""Era modes and OMOP's era counts: the object path and the batch engine agree in both modes,
and gap_days is the sum of the gaps between sub-exposures (OMOP's definition)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.eras import EraMode, era_mode, persistence_window
from dmt_timeline.errors import InvalidValueError
from dmt_timeline.io import Exposure, build_episodes

pa = pytest.importorskip("pyarrow")

from dmt_timeline.batch import exposure_transitions  # noqa: E402 - after the skip

DRUGS = ("natalizumab", "ocrelizumab", "dimethyl fumarate", "cladribine")
BASE = dt.date(2020, 1, 1)


@st.composite
def _exposures(draw: st.DrawFn) -> list[Exposure]:
    found = []
    for row in range(draw(st.integers(1, 25))):
        start = BASE + dt.timedelta(days=draw(st.integers(0, 800)))
        end = start + dt.timedelta(days=draw(st.integers(0, 60)))
        person = draw(st.sampled_from(["A", "B", "C"]))
        found.append(Exposure(person, draw(st.sampled_from(DRUGS)), start, end, row=row + 1))
    return found


def _table(exposures: list[Exposure]) -> Any:
    return pa.table(
        {
            "person_id": [e.person_id for e in exposures],
            "drug": [e.drug for e in exposures],
            "start": pa.array([e.start for e in exposures], pa.date32()),
            "end": pa.array([e.end for e in exposures], pa.date32()),
        }
    )


@settings(max_examples=80, deadline=None)
@given(_exposures(), st.sampled_from(list(EraMode)))
def test_both_engines_give_the_same_eras_counts_and_gap_days(
    exposures: list[Exposure], mode: EraMode
) -> None:
    built = build_episodes(exposures, era_mode=mode)
    objects = [(e.person_id, e.therapy, e.start, e.end, e.exposure_count, e.gap_days) for e in built.eras]
    table = exposure_transitions(_table(exposures), era_mode=mode).episodes
    batch = [
        (r["patient_id"], r["therapy"], r["start"], r["stop"], r["exposures"], r["gap_days"])
        for r in table.to_pylist()
    ]
    assert objects == batch


def _reference_gap_days(spans: list[tuple[dt.date, dt.date]]) -> int:
    """OMOP's gap_days by its definition: merge exposures that overlap or touch into
    sub-exposures, then add up the days from each sub-exposure's end to the next one's start."""
    merged: list[list[dt.date]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return sum((b[0] - a[1]).days for a, b in itertools.pairwise(merged))


@settings(max_examples=80, deadline=None)
@given(_exposures(), st.sampled_from(list(EraMode)))
def test_gap_days_is_the_sum_of_gaps_between_sub_exposures(exposures: list[Exposure], mode: EraMode) -> None:
    built = build_episodes(exposures, era_mode=mode)
    for era in built.eras:
        inside = [
            (e.start, e.end)
            for e in exposures
            if e.person_id == era.person_id
            and CATALOGUE.get(e.drug).name == era.therapy
            and era.start <= e.start <= era.end
        ]
        assert (len(inside), _reference_gap_days(inside)) == (era.exposure_count, era.gap_days)


@given(st.sampled_from(list(CATALOGUE)), st.integers(0, 400))
def test_omop_mode_has_one_window_for_every_drug(therapy: Any, days: int) -> None:
    assert days == persistence_window(therapy, days, {}, EraMode.OMOP)


@given(st.sampled_from(list(CATALOGUE)), st.integers(0, 400))
def test_catalogue_mode_widens_to_the_dosing_interval(therapy: Any, days: int) -> None:
    expected = max(days, therapy.dosing_interval_days or 0)
    assert expected == persistence_window(therapy, days, {}, EraMode.CATALOGUE)


def test_an_unknown_era_mode_is_refused_by_value() -> None:
    with pytest.raises(InvalidValueError, match="era_mode 'omop30' is not"):
        era_mode("omop30")


def test_per_therapy_windows_are_refused_in_omop_mode() -> None:
    exposure = Exposure("A", "natalizumab", BASE, BASE)
    with pytest.raises(InvalidValueError, match="one persistence window for every drug"):
        build_episodes([exposure], era_mode="omop", windows={"natalizumab": 60})
    with pytest.raises(InvalidValueError, match="one persistence window for every drug"):
        exposure_transitions(_table([exposure]), era_mode="omop", windows={"natalizumab": 60})
