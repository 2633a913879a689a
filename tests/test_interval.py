"""Tests for dmt_timeline.stats.interval: the Turnbull NPMLE and the interval-censored log-rank test.

Checked against the published estimates for the breast cosmesis data (Fay and Shaw 2010, see
tests/data/README.md), against lifelines' experimental ``fit_interval_censoring``, and against
the Kaplan-Meier estimate where the data are exact or right-censored.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmt_timeline.errors import DmtTimelineError, StatsInputError
from dmt_timeline.stats.interval import interval_logrank, turnbull
from dmt_timeline.stats.survival import kaplan_meier, logrank

BCOS = Path(__file__).parent / "data" / "bcos.csv"


def _bcos() -> tuple[np.ndarray, np.ndarray, list[str]]:
    with BCOS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    left = np.array([float(r["left"]) for r in rows])
    right = np.array([float(r["right"]) for r in rows])
    return left, right, [r["treatment"] for r in rows]


def _arm(name: str) -> tuple[np.ndarray, np.ndarray]:
    left, right, arm = _bcos()
    keep = np.array([a == name for a in arm])
    return left[keep], right[keep]


def test_bcos_has_the_published_arms() -> None:
    _, right, arm = _bcos()
    assert (46, 48) == (arm.count("Rad"), arm.count("RadChem"))
    assert 38 == int(np.isinf(right).sum())  # 56 interval-censored, 38 right-censored


# Fay and Shaw (2010), section 4.1: summary(icfit(...)), printed to 4 decimals.
PUBLISHED_RAD = [
    ((4, 5), 0.0463),
    ((6, 7), 0.0334),
    ((7, 8), 0.0887),
    ((11, 12), 0.0708),
    ((24, 25), 0.0926),
    ((33, 34), 0.0818),
    ((38, 40), 0.1209),
    ((46, 48), 0.4656),
]
PUBLISHED_RADCHEM = [
    ((4, 5), 0.0433),
    ((5, 8), 0.0433),
    ((11, 12), 0.0692),
    ((16, 17), 0.1454),
    ((18, 19), 0.1411),
    ((19, 20), 0.1157),
    ((24, 25), 0.0999),
    ((30, 31), 0.0709),
    ((35, 36), 0.1608),
    ((44, 48), 0.0552),
    ((48, 60), 0.0552),
]


@pytest.mark.parametrize(("arm", "published"), [("Rad", PUBLISHED_RAD), ("RadChem", PUBLISHED_RADCHEM)])
def test_turnbull_matches_the_published_bcos_estimates(arm: str, published: list[Any]) -> None:
    fit = turnbull(*_arm(arm))
    support = fit.support(threshold=1e-4)
    assert [tuple(map(float, i)) for i, _ in published] == [i for i, _ in support]
    assert [p for _, p in published] == [round(p, 4) for _, p in support]
    assert fit.converged


def test_turnbull_survival_is_determined_outside_the_turnbull_intervals() -> None:
    fit = turnbull(*_arm("Rad"))
    # "S(4) = 1 and S(5) = 1 - 0.0463 = 0.9537" (Fay and Shaw 2010); inside (4, 5] it is a range.
    assert (1.0, 1.0) == pytest.approx(fit.survival_at(4))
    assert round(fit.survival_at(5)[0], 4) == 0.9537 == round(fit.survival_at(5)[1], 4)
    low, high = fit.survival_at(4.5)
    assert low == pytest.approx(0.9537, abs=1e-4)
    assert high == pytest.approx(1.0)


def test_turnbull_prints_the_support() -> None:
    text = str(turnbull(*_arm("Rad")))
    assert "(46, 48]       0.4656" in text


# Fay and Shaw (2010), section 4.2: ictest(...) in permutation form, asymptotic (PCLT).
@pytest.mark.parametrize(
    ("scores", "z", "p", "score"),
    [("sun", -2.6684, 0.007622, -9.141846), ("finkelstein", -2.6839, 0.007277, -9.944182)],
)
def test_interval_logrank_matches_the_published_bcos_tests(
    scores: Any, z: float, p: float, score: float
) -> None:
    left, right, arm = _bcos()
    result = interval_logrank(left, right, arm, scores=scores)
    assert ("Rad", "RadChem") == result.groups
    assert result.z is not None
    assert z == round(result.z, 4)
    assert p == float(f"{result.p_value:.4g}")
    assert score == pytest.approx(result.score_statistics[0], abs=5e-6)
    assert result.score_statistics[0] == pytest.approx(-result.score_statistics[1])


def test_interval_logrank_permutation_p_is_seeded() -> None:
    left, right, arm = _bcos()
    first = interval_logrank(left, right, arm, n_resamples=499, random_state=3)
    again = interval_logrank(left, right, arm, n_resamples=499, random_state=3)
    assert first.p_permutation == again.p_permutation
    assert first.p_permutation is not None
    assert first.p_permutation < 0.05
    assert not first.permutation_exact


def test_interval_logrank_on_right_censored_data_is_the_logrank_test() -> None:
    # Sun's scores reduce to the usual log-rank scores; the permutation variance differs from
    # the hypergeometric one only through ties, and there are none here.
    durations = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], float)
    observed = np.array([1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1], bool)
    groups = list("ABABBAABABBA")
    right = np.where(observed, durations, math.inf)
    ours = interval_logrank(durations, right, groups)
    reference = logrank(durations, groups, observed)
    observed_minus_expected = reference.observed[0] - reference.expected[0]
    assert observed_minus_expected == pytest.approx(ours.score_statistics[0], abs=1e-8)


# -- against lifelines --------------------------------------------------------------------------


def test_turnbull_agrees_with_lifelines_on_its_diabetes_data() -> None:
    lifelines = pytest.importorskip("lifelines")
    from lifelines.datasets import load_diabetes  # noqa: PLC0415 - the reference is optional

    data = load_diabetes()
    for part in (data, data[data["gender"] == "male"], data[data["gender"] == "female"]):
        reference = lifelines.KaplanMeierFitter().fit_interval_censoring(
            part["left"], part["right"], tol=1e-12
        )
        fit = turnbull(part["left"].to_numpy(), part["right"].to_numpy(), closed="both")
        # lifelines reports P(T >= t), the left limit, with mass as late and as early as possible.
        times = reference.survival_function_.index.to_numpy()
        lo, hi = np.array(fit.intervals).T
        mass = np.array(fit.probabilities)
        late = 1 - (mass[None, :] * (hi[None, :] < times[:, None])).sum(axis=1)
        early = 1 - (mass[None, :] * (lo[None, :] < times[:, None])).sum(axis=1)
        curves = reference.survival_function_.to_numpy()
        assert np.allclose(curves[:, 0], late, atol=1e-6)
        assert np.allclose(curves[:, 1], early, atol=1e-6)


def test_turnbull_agrees_with_lifelines_on_its_mice_data_to_its_tolerance() -> None:
    # lifelines' EM stops when the log-likelihood changes by less than 1e-7, before the masses
    # settle; its masses then agree with the converged NPMLE to about 1e-2 on these data.
    pytest.importorskip("lifelines")
    from lifelines.datasets import load_mice  # noqa: PLC0415 - the reference is optional
    from lifelines.fitters.npmle import npmle  # noqa: PLC0415

    data = load_mice()
    for group in ("ce", "ge"):
        part = data[data["grp"] == group]
        masses, intervals = npmle(part["l"], part["u"])
        fit = turnbull(part["l"].to_numpy(), part["u"].to_numpy(), closed="both")
        assert [(float(i.left), float(i.right)) for i in intervals] == list(fit.intervals)
        assert np.allclose(masses, fit.probabilities, atol=1e-2)


# -- properties that hold -----------------------------------------------------------------------

exact_or_censored = st.lists(
    st.tuples(st.integers(min_value=0, max_value=20), st.booleans()), min_size=1, max_size=40
)


@settings(deadline=None)  # timings belong to benchmarks/, and the machine is shared
@given(exact_or_censored)
def test_turnbull_on_exact_and_right_censored_data_is_kaplan_meier(data: list[tuple[int, bool]]) -> None:
    times = np.array([t for t, _ in data], float)
    observed = np.array([e for _, e in data])
    right = np.where(observed, times, math.inf)
    fit = turnbull(times, right)
    km = kaplan_meier(times, observed)
    for t, s in zip(km.timeline, km.survival_function, strict=True):
        low, high = fit.survival_at(t)
        assert s == pytest.approx(low, abs=1e-7)
        assert s == pytest.approx(high, abs=1e-7)


@settings(deadline=None)  # timings belong to benchmarks/, and the machine is shared
@given(exact_or_censored)
def test_whole_months_read_as_persistence_does_give_kaplan_meier(
    data: list[tuple[int, bool]],
) -> None:
    # persistence's reading of whole months: an event in [k, k], a censoring at c as [c + 1, inf].
    times = np.array([t for t, _ in data], float)
    observed = np.array([e for _, e in data])
    fit = turnbull(np.where(observed, times, times + 1), np.where(observed, times, math.inf), closed="both")
    km = kaplan_meier(times, observed)
    for t, s in zip(km.timeline, km.survival_function, strict=True):
        assert s == pytest.approx(fit.survival_at(t)[0], abs=1e-7)
        assert s == pytest.approx(fit.survival_at(t)[1], abs=1e-7)


intervals = st.lists(
    st.tuples(st.integers(min_value=0, max_value=15), st.integers(min_value=0, max_value=6), st.booleans()),
    min_size=1,
    max_size=30,
)


def _ranges(data: list[tuple[int, int, bool]]) -> tuple[np.ndarray, np.ndarray]:
    left = np.array([a for a, _, _ in data], float)
    right = np.array([math.inf if censored else a + w for a, w, censored in data])
    return left, right


@settings(deadline=None)  # a few cases need thousands of iterations
@given(intervals, st.sampled_from(["right", "both"]))
def test_turnbull_is_a_maximum_of_the_likelihood(data: list[tuple[int, int, bool]], closed: Any) -> None:
    # Self-consistency at the optimum (Gentleman and Geyer 1994): no Turnbull interval's
    # gradient exceeds n, and every interval with mass has gradient n.
    left, right = _ranges(data)
    fit = turnbull(left, right, closed=closed)
    assert fit.converged
    mass = np.array(fit.probabilities)
    assert sum(mass) == pytest.approx(1.0)
    assert (mass >= 0).all()
    lo, hi = np.array(fit.intervals).T
    if closed == "right":
        # (L, R] holds a Turnbull interval starting at L only if it is open there too, (L, b].
        starts_open = (lo < hi)[None, :]
        open_obs = (left < right)[:, None]
        same_start_ok = ~open_obs | starts_open
        inside_left = (left[:, None] < lo[None, :]) | ((left[:, None] == lo[None, :]) & same_start_ok)
    else:
        inside_left = left[:, None] <= lo[None, :]
    member = inside_left & (hi[None, :] <= right[:, None])
    likelihood = member @ mass
    gradient = (member / likelihood[:, None]).sum(axis=0) / left.size
    assert (gradient <= 1 + 1e-4).all()


@settings(deadline=None)  # timings belong to benchmarks/, and the machine is shared
@given(intervals, st.sampled_from(["right", "both"]))
def test_turnbull_curves_are_ordered_and_non_increasing(
    data: list[tuple[int, int, bool]], closed: Any
) -> None:
    fit = turnbull(*_ranges(data), closed=closed)
    low, high = np.array(fit.survival_lower), np.array(fit.survival_upper)
    assert (low <= high + 1e-12).all()
    assert (np.diff(low) <= 1e-12).all()
    assert (np.diff(high) <= 1e-12).all()


def test_bootstrap_limits_are_seeded_and_bracket_the_estimate() -> None:
    fit = turnbull(*_arm("Rad"), n_bootstrap=100, random_state=7)
    again = turnbull(*_arm("Rad"), n_bootstrap=100, random_state=7)
    assert fit.confidence_lower == again.confidence_lower
    assert len(fit.timeline) == len(fit.confidence_lower) == len(fit.confidence_upper)
    assert all(lo <= s + 1e-9 for lo, s in zip(fit.confidence_lower, fit.survival_lower, strict=True))
    assert all(hi >= s - 1e-9 for hi, s in zip(fit.confidence_upper, fit.survival_upper, strict=True))


def test_turnbull_reports_when_it_stops_before_converging() -> None:
    fit = turnbull(*_arm("RadChem"), max_iter=2)
    assert not fit.converged


@pytest.mark.parametrize(
    ("left", "right"),
    [([], []), ([1, 2], [3]), ([3], [2]), ([-1], [2]), ([math.nan], [1]), ([1], [math.nan]), ("1", "2")],
)
def test_turnbull_refuses_bad_ranges(left: Any, right: Any) -> None:
    with pytest.raises(StatsInputError) as info:
        turnbull(left, right)
    assert isinstance(info.value, DmtTimelineError)
    assert info.value.__context__ is None


@pytest.mark.parametrize(
    "settings", [{"closed": "left"}, {"tol": 0}, {"max_iter": 0}, {"alpha": 1.5}, {"n_bootstrap": -1}]
)
def test_turnbull_refuses_bad_settings(settings: dict[str, Any]) -> None:
    with pytest.raises(StatsInputError):
        turnbull([1, 2], [3, 4], **settings)


def test_interval_logrank_refuses_one_group_and_unknown_scores() -> None:
    with pytest.raises(StatsInputError, match="two groups"):
        interval_logrank([1, 2], [3, 4], ["a", "a"])
    with pytest.raises(StatsInputError, match="n_resamples"):
        interval_logrank([1, 2], [3, 4], ["a", "b"], n_resamples=-1)
    with pytest.raises(StatsInputError, match="scores"):
        interval_logrank([1, 2], [3, 4], ["a", "b"], scores="wilcoxon")  # type: ignore[arg-type]
