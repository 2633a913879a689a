"""Tests for dmt_timeline.stats.survival, against lifelines as the reference (to 1e-8)."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmt_timeline.errors import DmtTimelineError, StatsInputError
from dmt_timeline.stats.survival import aalen_johansen, kaplan_meier, logrank

lifelines = pytest.importorskip("lifelines")
from lifelines import AalenJohansenFitter, KaplanMeierFitter  # noqa: E402
from lifelines.datasets import load_rossi, load_waltons  # noqa: E402
from lifelines.statistics import logrank_test, multivariate_logrank_test  # noqa: E402
from lifelines.utils import median_survival_times  # noqa: E402

TOL = 1e-8


def _close(expected: Any, actual: Any) -> bool:
    return bool(np.allclose(np.asarray(expected, float), np.asarray(actual, float), rtol=TOL, atol=TOL))


def _reference_km(durations: Any, observed: Any) -> Any:
    return KaplanMeierFitter().fit(durations, observed)


def _agree_km(durations: np.ndarray, observed: np.ndarray) -> None:
    reference = _reference_km(durations, observed)
    mine = kaplan_meier(durations, observed)
    assert _close(reference.timeline, mine.timeline)
    assert _close(reference.survival_function_.iloc[:, 0], mine.survival_function)
    band = reference.confidence_interval_.to_numpy()
    assert _close(band[:, 0], mine.confidence_lower)
    assert _close(band[:, 1], mine.confidence_upper)
    assert _close(reference.event_table["at_risk"], mine.at_risk_counts)
    assert reference.median_survival_time_ == mine.median
    assert tuple(median_survival_times(reference.confidence_interval_).to_numpy()[0]) == (
        mine.median_confidence_interval
    )


def test_kaplan_meier_agrees_with_lifelines_on_waltons() -> None:
    data = load_waltons()
    _agree_km(data["T"].to_numpy(), data["E"].to_numpy().astype(bool))


def test_kaplan_meier_agrees_with_lifelines_on_rossi() -> None:
    data = load_rossi()
    _agree_km(data["week"].to_numpy(), data["arrest"].to_numpy().astype(bool))


durations_and_flags = st.integers(min_value=1, max_value=60).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(min_value=0, max_value=30), min_size=n, max_size=n),
        st.lists(st.booleans(), min_size=n, max_size=n),
    )
)


@settings(deadline=None)  # timings belong to benchmarks/, and the machine is shared
@given(durations_and_flags)
def test_kaplan_meier_agrees_with_lifelines_on_generated_data(data: tuple[list[int], list[bool]]) -> None:
    durations, observed = data
    _agree_km(np.asarray(durations, float), np.asarray(observed))


@settings(deadline=None)  # timings belong to benchmarks/, and the machine is shared
@given(durations_and_flags)
def test_kaplan_meier_agrees_with_lifelines_on_fractional_times(data: tuple[list[int], list[bool]]) -> None:
    # Whole numbers are counted directly; other times go through np.unique: both agree.
    durations, observed = data
    _agree_km(np.asarray(durations, float) / 4 + 0.1, np.asarray(observed))


def test_kaplan_meier_of_large_whole_numbers_takes_the_general_path() -> None:
    durations = np.array([3, 10**9, 7, 10**9], float)
    result = kaplan_meier(durations, [True, False, True, True])
    assert (0.0, 3.0, 7.0, 1e9) == result.timeline
    _agree_km(durations, np.array([True, False, True, True]))


def test_kaplan_meier_worked_by_hand() -> None:
    # 4 durations: events at 1 and 3, censored at 2 and 3 (events first at a tie).
    result = kaplan_meier([1, 2, 3, 3], [True, False, True, False])
    assert (0.0, 1.0, 2.0, 3.0) == result.timeline
    assert _close([1.0, 0.75, 0.75, 0.375], result.survival_function)
    assert (4, 4, 3, 2) == result.at_risk_counts
    assert 3.0 == result.median
    assert 0.75 == pytest.approx(result.survival_at(2.5))
    assert 1.0 == result.survival_at(-1)


def test_at_risk_counts_durations_at_or_after_each_time() -> None:
    result = kaplan_meier([1, 2, 3, 3, 10], [True, False, True, False, False])
    assert (5, 5, 3, 3, 1, 0) == result.at_risk([0, 1, 2.5, 3, 4, 11])


def test_median_is_infinite_when_survival_stays_above_half() -> None:
    result = kaplan_meier([1, 2, 3], [True, False, False])
    assert math.isinf(result.median)
    assert None is result.as_dict()["median"]


def test_kaplan_meier_prints_a_table() -> None:
    text = str(kaplan_meier([1, 2, 3, 3], [True, False, True, False]))
    assert text.startswith("Kaplan-Meier estimate: n = 4, events = 2")


@pytest.mark.parametrize(
    ("durations", "observed"),
    [([], None), ([1, -2], None), ([1, math.nan], None), ("12", None), ([1, 2], [True]), ([1, 2], [2, 0])],
)
def test_kaplan_meier_refuses_bad_input(durations: Any, observed: Any) -> None:
    with pytest.raises(StatsInputError) as info:
        kaplan_meier(durations, observed)
    assert isinstance(info.value, DmtTimelineError)
    assert info.value.__context__ is None


@pytest.mark.parametrize("alpha", [0, 1, -0.1, True])
def test_kaplan_meier_refuses_bad_alpha(alpha: Any) -> None:
    with pytest.raises(StatsInputError, match="alpha"):
        kaplan_meier([1, 2], alpha=alpha)


# -- log-rank ----------------------------------------------------------------------------------


def test_logrank_agrees_with_lifelines_on_waltons() -> None:
    data = load_waltons()
    groups = list(data["group"])
    reference = multivariate_logrank_test(data["T"], data["group"], data["E"])
    mine = logrank(data["T"].to_numpy(), groups, data["E"].to_numpy().astype(bool))
    assert _close(reference.test_statistic, mine.statistic)
    assert _close(reference.p_value, mine.p_value)
    assert 1 == mine.df


def test_logrank_agrees_with_lifelines_on_rossi_four_groups() -> None:
    data = load_rossi()
    groups = data["prio"].clip(upper=3)
    reference = multivariate_logrank_test(data["week"], groups, data["arrest"])
    mine = logrank(data["week"].to_numpy(), list(groups), data["arrest"].to_numpy().astype(bool))
    assert _close(reference.test_statistic, mine.statistic)
    assert _close(reference.p_value, mine.p_value)
    assert 3 == mine.df


@settings(deadline=None)  # timings belong to benchmarks/, and the machine is shared
@given(durations_and_flags, st.data())
def test_logrank_agrees_with_lifelines_on_generated_data(
    data: tuple[list[int], list[bool]], draw: Any
) -> None:
    durations, observed = data
    labels = draw.draw(st.lists(st.sampled_from("AB"), min_size=len(durations), max_size=len(durations)))
    if len(set(labels)) < 2 or not any(observed):
        return
    a = [i for i, g in enumerate(labels) if g == "A"]
    b = [i for i, g in enumerate(labels) if g == "B"]
    t, e = np.asarray(durations, float), np.asarray(observed)
    reference = logrank_test(t[a], t[b], e[a], e[b])
    mine = logrank(t, labels, e)
    if math.isnan(reference.test_statistic):  # zero variance: lifelines gives NaN, pinv gives 0
        return
    assert _close(reference.test_statistic, mine.statistic)


def test_logrank_refuses_a_single_group() -> None:
    with pytest.raises(StatsInputError, match="two groups"):
        logrank([1, 2, 3], ["a", "a", "a"])


def test_logrank_refuses_labels_of_another_length() -> None:
    with pytest.raises(StatsInputError, match="one label per duration"):
        logrank([1, 2, 3], ["a", "b"])


# -- Aalen-Johansen ----------------------------------------------------------------------------


def _agree_aj(durations: np.ndarray, events: np.ndarray, cause: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a jitter warning would mean the comparison is not exact
        reference = AalenJohansenFitter(calculate_variance=True).fit(
            durations, events, event_of_interest=cause
        )
    mine = aalen_johansen(durations, list(events), cause=cause)
    assert _close(reference.cumulative_density_.iloc[:, 0], mine.cumulative_incidence)
    finite = np.isfinite(reference.variance_.to_numpy())
    assert _close(reference.variance_.to_numpy()[finite], np.asarray(mine.variance)[finite])
    band = np.sort(reference.confidence_interval_.to_numpy(), axis=1)
    shown = ~np.isnan(band).any(axis=1)
    assert _close(band[shown, 0], np.asarray(mine.confidence_lower)[shown])
    assert _close(band[shown, 1], np.asarray(mine.confidence_upper)[shown])


def test_aalen_johansen_agrees_with_lifelines_on_rossi() -> None:
    # Cause 1: arrest; cause 2: an invented competing event on even weeks without arrest, so
    # that two causes never share a week (lifelines would jitter them).
    data = load_rossi()
    week = data["week"].to_numpy().astype(float)
    arrest = data["arrest"].to_numpy()
    other = (arrest == 0) & (week % 2 == 0) & (week < 52)
    events = np.where(arrest == 1, 1, np.where(other, 2, 0))
    arrest_weeks = set(week[events == 1])
    events[(events == 2) & np.isin(week, list(arrest_weeks))] = 0
    _agree_aj(week, events, 1)
    _agree_aj(week, events, 2)


@settings(deadline=None)  # timings belong to benchmarks/, and the machine is shared
@given(
    st.integers(min_value=2, max_value=50).flatmap(
        lambda n: st.lists(st.integers(0, 2), min_size=n, max_size=n)
    )
)
def test_aalen_johansen_agrees_with_lifelines_on_generated_data(causes: list[int]) -> None:
    # Cause 1 at odd times and cause 2 at even times: ties within a cause, none between them.
    durations = np.array([2 * (i % 7) + 1 + (c == 2) for i, c in enumerate(causes)], float)
    events = np.asarray(causes)
    _agree_aj(durations, events, 1)


def test_aalen_johansen_with_one_cause_is_one_minus_kaplan_meier() -> None:
    durations = [1, 1, 2, 3, 3, 3, 5, 8]
    flags = [True, False, True, True, True, False, True, False]
    km = kaplan_meier(durations, flags)
    aj = aalen_johansen(durations, [1 if f else 0 for f in flags], cause=1)
    assert _close(1 - np.asarray(km.survival_function), aj.cumulative_incidence)


def test_aalen_johansen_handles_tied_causes_exactly() -> None:
    # At time 2 one event of each cause among 4 at risk: both use S(2-) = 4/5, so F(2) = 0.8 / 4;
    # S(2) = 0.8 * 2/4, and the last patient's LOE at 4 adds 0.4.
    result = aalen_johansen([1, 2, 2, 3, 4], ["JCV+", "JCV+", "LOE", 0, "LOE"], cause="LOE")
    assert _close([0.0, 0.0, 0.2, 0.2, 0.6], result.cumulative_incidence)
    assert 0.2 == pytest.approx(result.incidence_at(2.5))


def test_aalen_johansen_causes_and_survival_add_to_one() -> None:
    durations = [1, 2, 2, 3, 4, 4, 6]
    events: list[object] = ["a", "b", "a", None, "b", "a", 0]
    total = np.zeros(len(set(durations)) + 1)
    for cause in ("a", "b"):
        total += np.asarray(aalen_johansen(durations, events, cause=cause).cumulative_incidence)
    km = kaplan_meier(durations, [e not in (None, 0) for e in events])
    assert _close(np.ones_like(total), total + np.asarray(km.survival_function))
