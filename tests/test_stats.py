"""Tests for dmt_timeline.stats, checked against SciPy and NumPy called directly."""

from __future__ import annotations

import inspect
import itertools
import json
import math
import re
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import pytest
import scipy.stats
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dmt_timeline.errors import DmtTimelineError, StatsInputError
from dmt_timeline.stats import (
    GroupComparison,
    compare_groups,
    compare_ranges,
    holm_adjust,
    pairwise_dunn,
    pairwise_mannwhitney,
)

# Response latencies in months from the reproduced case series (18 patients).
MS_LATENCY: dict[str, list[float]] = {
    "direct": [4, 6, 6, 2, 8, 3, 4],
    "indirect": [4, 2, 3, 5],
    "none": [6, 3, 4, 3, 3, 5, 4],
}
PSORIASIS_LATENCY: dict[str, list[float]] = {
    "direct": [2, 3, 4, 2, 3, 2, 3],
    "indirect": [1, 1, 1, 3],
    "none": [3, 2, 1, 1, 2, 5, 3],
}
STUDY = pytest.mark.parametrize("groups", [MS_LATENCY, PSORIASIS_LATENCY], ids=["ms", "psoriasis"])
PAIRS = [("direct", "indirect"), ("direct", "none"), ("indirect", "none")]

# The same seed keyword the module picks for the installed SciPy (`rng` from 1.15 on).
SEED_KEYWORD = (
    "rng" if "rng" in inspect.signature(scipy.stats.permutation_test).parameters else "random_state"
)

FAST = settings(max_examples=40, deadline=None)


def kruskal_h(*samples: Any, axis: int) -> Any:
    return scipy.stats.kruskal(*samples, axis=axis).statistic


small_groups = st.lists(
    st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=6),
    min_size=2,
    max_size=4,
).map(lambda groups: {f"g{i}": values for i, values in enumerate(groups)})


def not_all_equal(groups: dict[str, list[int]]) -> bool:
    return len({v for values in groups.values() for v in values}) > 1


# --------------------------------------------------------------------------- Kruskal-Wallis


@STUDY
def test_h_equals_scipy_kruskal(groups: dict[str, list[float]]) -> None:
    expected = scipy.stats.kruskal(*groups.values())
    actual = compare_groups(groups, measure="latency")
    assert float(expected.statistic) == actual.statistic


@STUDY
def test_asymptotic_p_equals_scipy_kruskal(groups: dict[str, list[float]]) -> None:
    expected = scipy.stats.kruskal(*groups.values())
    actual = compare_groups(groups, measure="latency")
    assert float(expected.pvalue) == actual.p_asymptotic


def test_df_is_number_of_groups_minus_one() -> None:
    assert 2 == compare_groups(MS_LATENCY, measure="MS latency").df


@STUDY
def test_permutation_p_equals_scipy_permutation_test(groups: dict[str, list[float]]) -> None:
    expected = scipy.stats.permutation_test(
        [np.asarray(v, dtype=float) for v in groups.values()],
        kruskal_h,
        permutation_type="independent",
        vectorized=True,
        n_resamples=2000,
        alternative="greater",
        **{SEED_KEYWORD: 7},
    )
    actual = compare_groups(groups, measure="latency", n_resamples=2000, random_state=7)
    assert float(expected.pvalue) == actual.p_permutation


def test_permutation_p_is_reproducible_with_a_seed() -> None:
    first = compare_groups(PSORIASIS_LATENCY, measure="psoriasis", n_resamples=999, random_state=3)
    second = compare_groups(PSORIASIS_LATENCY, measure="psoriasis", n_resamples=999, random_state=3)
    assert first.p_permutation == second.p_permutation


def test_study_data_permutation_p_is_monte_carlo() -> None:
    # 18! / (7! 4! 7!) = 10,501,920 assignments, far more than the default budget.
    assert False is compare_groups(MS_LATENCY, measure="MS latency").permutation_exact


def test_permutation_p_is_exact_when_all_assignments_fit_the_budget() -> None:
    # C(6, 3) = 20 splits; only the 2 complete separations reach the observed H.
    result = compare_groups({"a": [1, 2, 3], "b": [4, 5, 6]}, measure="x")
    assert result.permutation_exact
    assert pytest.approx(2 / 20) == result.p_permutation


@STUDY
def test_epsilon_squared_is_h_over_n_minus_one(groups: dict[str, list[float]]) -> None:
    result = compare_groups(groups, measure="latency")
    n = 18
    assert pytest.approx(result.statistic / ((n**2 - 1) / (n + 1))) == result.epsilon_squared


@STUDY
def test_group_summaries_equal_numpy(groups: dict[str, list[float]]) -> None:
    expected = [
        (name, len(v), *np.percentile(v, [50, 25, 75]).tolist(), min(v), max(v)) for name, v in groups.items()
    ]
    actual = [
        (g.name, g.n, g.median, g.q1, g.q3, g.minimum, g.maximum)
        for g in compare_groups(groups, measure="latency").groups
    ]
    assert expected == actual


@FAST
@given(small_groups.filter(not_all_equal))
def test_h_equals_scipy_kruskal_on_arbitrary_tied_groups(groups: dict[str, list[int]]) -> None:
    expected = float(scipy.stats.kruskal(*groups.values()).statistic)
    assert expected == compare_groups(groups, measure="x", n_resamples=49).statistic


@FAST
@given(small_groups)
def test_p_values_and_effect_size_are_proportions(groups: dict[str, list[int]]) -> None:
    result = compare_groups(groups, measure="x", n_resamples=49)
    assert (True, True, True) == (
        0.0 <= result.p_asymptotic <= 1.0,
        0.0 <= result.p_permutation <= 1.0,
        0.0 <= result.epsilon_squared <= 1.0 + 1e-12,
    )


def test_singleton_group_gets_an_exact_permutation_p() -> None:
    # 4 ways to pick the singleton; H is maximal when it holds 1 or 4, so p = 2/4.
    result = compare_groups({"a": [1], "b": [2, 3, 4]}, measure="x")
    assert result.permutation_exact
    assert pytest.approx(0.5) == result.p_permutation


def test_singleton_group_permutation_p_equals_brute_force_enumeration() -> None:
    groups = {"a": [1.0], "b": [2.0, 2.0, 3.0], "c": [3.0, 5.0]}
    pooled = [v for values in groups.values() for v in values]
    observed = float(scipy.stats.kruskal(*groups.values()).statistic)
    orderings = list(itertools.permutations(pooled))
    at_least = sum(
        float(scipy.stats.kruskal(o[:1], o[1:4], o[4:]).statistic) >= observed * (1 - 1e-12)
        for o in orderings
    )
    result = compare_groups(groups, measure="x")
    assert pytest.approx(at_least / len(orderings)) == result.p_permutation


def test_result_is_immutable() -> None:
    result = compare_groups(MS_LATENCY, measure="MS latency")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        result.statistic = 0.0  # type: ignore[misc]


def test_group_values_are_stored_as_tuples() -> None:
    result = compare_groups(MS_LATENCY, measure="MS latency")
    assert (4.0, 2.0, 3.0, 5.0) == result.groups[1].values


# --------------------------------------------------------------------------- degenerate data


def test_all_equal_values_give_h_zero_and_p_one() -> None:
    result = compare_groups({"a": [3, 3, 3], "b": [3, 3]}, measure="x")
    assert (0.0, 1.0, 1.0, 0.0, True) == (
        result.statistic,
        result.p_asymptotic,
        result.p_permutation,
        result.epsilon_squared,
        result.degenerate,
    )


def test_all_equal_values_carry_a_note() -> None:
    result = compare_groups({"a": [3, 3, 3], "b": [3, 3]}, measure="x")
    assert result.note is not None
    assert "all values are equal" in result.note


def test_non_degenerate_result_has_no_note() -> None:
    result = compare_groups(MS_LATENCY, measure="MS latency")
    assert (False, None) == (result.degenerate, result.note)


# --------------------------------------------------------------------------- input errors


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ({"direct": [1, 2]}, "MS latency: need at least two groups to compare, got 1 ('direct')"),
        ({}, "MS latency: need at least two groups to compare, got 0 (none)"),
        ({"direct": [1, 2], "none": []}, "MS latency: group 'none' has no values"),
        (
            {"direct": [1, 2, math.nan], "none": [1]},
            "MS latency: group 'direct' value [2] = nan is not finite",
        ),
        (
            {"direct": [1], "none": [math.inf]},
            "MS latency: group 'none' value [0] = inf is not finite",
        ),
        (
            {"direct": [1], "none": [2, -math.inf]},
            "MS latency: group 'none' value [1] = -inf is not finite",
        ),
        (
            {"direct": [1, "4"], "none": [1]},
            "MS latency: group 'direct' value [1] = '4' is not a number",
        ),
        (
            {"direct": [1], "none": [None]},
            "MS latency: group 'none' value [0] = None is not a number",
        ),
        (
            {"direct": [True], "none": [1]},
            "MS latency: group 'direct' value [0] = True is not a number",
        ),
        (
            {"direct": "4, 6", "none": [1]},
            "MS latency: group 'direct' must be a sequence of numbers, got str",
        ),
        ({1: [1], "none": [1]}, "MS latency: group name 1 is not a string"),
    ],
    ids=[
        "one-group",
        "no-groups",
        "empty-group",
        "nan",
        "inf",
        "minus-inf",
        "string-value",
        "none-value",
        "bool-value",
        "string-group",
        "non-string-name",
    ],
)
def test_bad_input_raises_naming_measure_group_and_value(groups: Any, message: str) -> None:
    with pytest.raises(StatsInputError, match=re.escape(message)):
        compare_groups(groups, measure="MS latency")


def test_stats_input_error_is_a_library_error_and_a_value_error() -> None:
    with pytest.raises(StatsInputError) as caught:
        compare_groups({"a": [1]}, measure="x")
    assert (True, True) == (
        isinstance(caught.value, DmtTimelineError),
        isinstance(caught.value, ValueError),
    )


def test_non_positive_n_resamples_raises() -> None:
    with pytest.raises(StatsInputError, match=r"x: n_resamples must be a positive integer, got 0"):
        compare_groups(MS_LATENCY, measure="x", n_resamples=0)


@pytest.mark.parametrize(
    "call",
    [pairwise_mannwhitney, pairwise_dunn],
    ids=["mannwhitney", "dunn"],
)
def test_pairwise_tests_validate_groups(call: Callable[..., Any]) -> None:
    with pytest.raises(StatsInputError, match=re.escape("x: group 'b' value [0] = nan")):
        call({"a": [1], "b": [math.nan]}, measure="x")


def test_unknown_correction_raises() -> None:
    with pytest.raises(StatsInputError, match="x: unknown correction 'bonferroni'"):
        pairwise_dunn(MS_LATENCY, measure="x", correction="bonferroni")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- Holm


def test_holm_adjusts_a_hand_computed_example() -> None:
    # Sorted: 0.01 * 3 = 0.03; 0.03 * 2 = 0.06; max(0.06, 0.04 * 1) = 0.06.
    assert pytest.approx([0.03, 0.06, 0.06]) == list(holm_adjust([0.01, 0.04, 0.03]))


def test_holm_caps_at_one() -> None:
    assert (1.0, 1.0) == holm_adjust([0.5, 0.6])


def test_holm_of_nothing_is_nothing() -> None:
    assert () == holm_adjust([])


@pytest.mark.parametrize(
    ("p_values", "message"),
    [
        ([0.1, 1.5], "p-value [1] = 1.5 is not in [0, 1]"),
        ([-0.1], "p-value [0] = -0.1 is not in [0, 1]"),
        ([math.nan], "p-value [0] = nan is not finite"),
    ],
    ids=["above-one", "negative", "nan"],
)
def test_holm_rejects_values_that_are_not_probabilities(p_values: list[float], message: str) -> None:
    with pytest.raises(StatsInputError, match=re.escape(message)):
        holm_adjust(p_values)


@FAST
@given(st.lists(st.floats(min_value=0.0, max_value=1.0), max_size=20))
def test_holm_is_at_least_raw_at_most_one_and_monotone(raw: list[float]) -> None:
    adjusted = holm_adjust(raw)
    order_kept = all(
        adjusted[i] <= adjusted[j] for i in range(len(raw)) for j in range(len(raw)) if raw[i] <= raw[j]
    )
    assert (True, True, True) == (
        all(a >= p for a, p in zip(adjusted, raw, strict=True)),
        all(a <= 1.0 for a in adjusted),
        order_kept,
    )


# --------------------------------------------------------------------------- Mann-Whitney


def test_mannwhitney_pairs_follow_input_order() -> None:
    result = pairwise_mannwhitney(PSORIASIS_LATENCY, measure="psoriasis")
    assert PAIRS == [r.pair for r in result.results]


def test_mannwhitney_permutation_p_equals_scipy() -> None:
    method = scipy.stats.PermutationMethod(n_resamples=9999, **{SEED_KEYWORD: 0})
    expected = [
        scipy.stats.mannwhitneyu(
            PSORIASIS_LATENCY[a], PSORIASIS_LATENCY[b], alternative="two-sided", method=method
        )
        for a, b in PAIRS
    ]
    actual = pairwise_mannwhitney(PSORIASIS_LATENCY, measure="psoriasis").results
    assert [(float(e.statistic), float(e.pvalue)) for e in expected] == [
        (r.statistic, r.p_value) for r in actual
    ]


def test_mannwhitney_asymptotic_p_equals_scipy() -> None:
    expected = [
        float(
            scipy.stats.mannwhitneyu(
                MS_LATENCY[a], MS_LATENCY[b], alternative="two-sided", method="asymptotic"
            ).pvalue
        )
        for a, b in PAIRS
    ]
    result = pairwise_mannwhitney(MS_LATENCY, measure="MS latency", method="asymptotic")
    assert expected == [r.p_value for r in result.results]


def test_mannwhitney_holm_adjusts_the_raw_p_values() -> None:
    result = pairwise_mannwhitney(PSORIASIS_LATENCY, measure="psoriasis")
    assert list(holm_adjust([r.p_value for r in result.results])) == [r.p_adjusted for r in result.results]


def test_mannwhitney_bh_equals_scipy_false_discovery_control() -> None:
    result = pairwise_mannwhitney(PSORIASIS_LATENCY, measure="psoriasis", correction="bh")
    expected = scipy.stats.false_discovery_control([r.p_value for r in result.results])
    assert expected.tolist() == [r.p_adjusted for r in result.results]


def test_mannwhitney_all_tied_pair_has_p_one() -> None:
    result = pairwise_mannwhitney({"a": [2, 2], "b": [2, 2, 2], "c": [5]}, measure="x")
    assert (3.0, 1.0) == (result.results[0].statistic, result.results[0].p_value)


def test_mannwhitney_singleton_group_gets_an_exact_permutation_p() -> None:
    # U = 0 for [1] vs [2, 3, 4]; P(U <= 0) = 1/4, two-sided p = 2 * 1/4.
    result = pairwise_mannwhitney({"a": [1], "b": [2, 3, 4]}, measure="x").results[0]
    assert 0.0 == result.statistic
    assert pytest.approx(0.5) == result.p_value


def test_mannwhitney_unknown_method_raises() -> None:
    with pytest.raises(StatsInputError, match="x: unknown method 'exact'"):
        pairwise_mannwhitney(MS_LATENCY, measure="x", method="exact")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- Dunn


def test_dunn_without_ties_equals_hand_computation() -> None:
    # Ranks equal values; mean ranks 1.5, 3.5, 5.5; N(N + 1)/12 = 3.5; 1/2 + 1/2 = 1.
    result = pairwise_dunn({"a": [1, 2], "b": [3, 4], "c": [5, 6]}, measure="x")
    z = [-2 / math.sqrt(3.5), -4 / math.sqrt(3.5), -2 / math.sqrt(3.5)]
    expected = [v for zi in z for v in (zi, float(2 * scipy.stats.norm.sf(abs(zi))))]
    assert pytest.approx(expected) == [v for r in result.results for v in (r.statistic, r.p_value)]


def test_dunn_tie_correction_equals_hand_computation() -> None:
    # Mid-ranks 1.5, 1.5, 3.5, 3.5; N(N + 1)/12 = 5/3; ties 2 * (8 - 2) / (12 * 3) = 1/3;
    # variance (5/3 - 1/3) * (1/2 + 1/2) = 4/3, so z = -2 / sqrt(4/3) = -sqrt(3).
    result = pairwise_dunn({"a": [1, 1], "b": [2, 2]}, measure="x")
    assert pytest.approx(-math.sqrt(3)) == result.results[0].statistic


@FAST
@given(
    st.lists(st.integers(0, 4), min_size=1, max_size=7),
    st.lists(st.integers(0, 4), min_size=1, max_size=7),
)
def test_dunn_z_squared_equals_kruskal_h_for_two_groups(a: list[int], b: list[int]) -> None:
    groups = {"a": a, "b": b}
    assume(not_all_equal(groups))
    z = pairwise_dunn(groups, measure="x").results[0].statistic
    assert pytest.approx(float(scipy.stats.kruskal(a, b).statistic)) == z**2


def test_dunn_all_equal_values_give_z_zero_and_p_one() -> None:
    result = pairwise_dunn({"a": [1, 1], "b": [1]}, measure="x")
    assert (0.0, 1.0, 1.0) == (
        result.results[0].statistic,
        result.results[0].p_value,
        result.results[0].p_adjusted,
    )


# --------------------------------------------------------------------------- output


def round_trip(document: dict[str, Any]) -> Any:
    return json.loads(json.dumps(document, allow_nan=False))


def test_as_dict_round_trips_through_json() -> None:
    result = compare_groups(MS_LATENCY, measure="MS latency")
    assert result.as_dict() == round_trip(result.as_dict())


def test_as_dict_keeps_the_numbers() -> None:
    loaded = round_trip(compare_groups(MS_LATENCY, measure="MS latency").as_dict())
    result = compare_groups(MS_LATENCY, measure="MS latency")
    assert (
        result.statistic,
        result.df,
        result.p_asymptotic,
        result.p_permutation,
        result.epsilon_squared,
    ) == (
        loaded["statistic"],
        loaded["df"],
        loaded["p_asymptotic"],
        loaded["p_permutation"],
        loaded["epsilon_squared"],
    )


def test_as_dict_lists_groups_with_their_values() -> None:
    loaded = round_trip(compare_groups(MS_LATENCY, measure="MS latency").as_dict())
    assert MS_LATENCY == {g["name"]: g["values"] for g in loaded["groups"]}


def test_degenerate_as_dict_is_strict_json() -> None:
    result = compare_groups({"a": [1, 1], "b": [1]}, measure="x")
    assert result.as_dict() == round_trip(result.as_dict())


@pytest.mark.parametrize(
    "call",
    [pairwise_mannwhitney, pairwise_dunn],
    ids=["mannwhitney", "dunn"],
)
def test_pairwise_as_dict_round_trips_through_json(call: Callable[..., Any]) -> None:
    result = call(PSORIASIS_LATENCY, measure="psoriasis")
    assert result.as_dict() == round_trip(result.as_dict())


def test_str_shows_h_and_every_group() -> None:
    result = compare_groups(MS_LATENCY, measure="MS latency")
    text = str(result)
    assert (True, True, True) == (
        f"{result.statistic:.4g}" in text,
        "MS latency" in text,
        all(name in text for name in MS_LATENCY),
    )


def test_pairwise_str_shows_every_pair() -> None:
    text = str(pairwise_dunn(MS_LATENCY, measure="MS latency"))
    assert all(f"{a} vs {b}" in text for a, b in PAIRS)


# --------------------------------------------------------------------------- ranges


SEPARATED = {
    "a": [(1, 2), (1, 2), (2, 3), (2, 3), (3, 4)],
    "b": [(8, 9), (8, 9), (9, 10), (9, 10), (10, 11)],
}
# Separated at the lower ends (1 vs 5), overlapping at the upper ends.
FLIPPING = {
    "a": [(1, 2), (1, 4), (1, 6), (1, 8), (1, 10)],
    "b": [(5, 5), (5, 6), (5, 7), (5, 9), (5, 11)],
}


def test_range_conclusion_holds_when_both_ends_agree() -> None:
    result = compare_ranges(SEPARATED, measure="latency")
    assert (True, True, True) == (
        result.significant_low,
        result.significant_high,
        result.conclusion_holds,
    )


def test_range_conclusion_flips_when_ends_disagree() -> None:
    result = compare_ranges(FLIPPING, measure="latency")
    assert (True, False, False) == (
        result.significant_low,
        result.significant_high,
        result.conclusion_holds,
    )


def test_range_comparison_runs_each_end_as_compare_groups() -> None:
    result = compare_ranges(FLIPPING, measure="latency")
    lows = {name: [lo for lo, _ in pairs] for name, pairs in FLIPPING.items()}
    highs = {name: [hi for _, hi in pairs] for name, pairs in FLIPPING.items()}
    expected: tuple[GroupComparison, GroupComparison] = (
        compare_groups(lows, measure="latency"),
        compare_groups(highs, measure="latency"),
    )
    assert expected == (result.low, result.high)


def test_range_as_dict_round_trips_through_json() -> None:
    result = compare_ranges(FLIPPING, measure="latency")
    assert result.as_dict() == round_trip(result.as_dict())


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ({"a": [(3, 2)], "b": [(1, 1)]}, "latency: group 'a' range [0] = (3, 2) has low > high"),
        ({"a": [(1, 2)], "b": [(1,)]}, "latency: group 'b' range [0] = (1,) is not a (low, high) pair"),
        (
            {"a": [(1, math.nan)], "b": [(1, 1)]},
            "latency: group 'a' range [0] high = nan is not finite",
        ),
        ({"a": [(1, 2)], "b": []}, "latency: group 'b' has no values"),
    ],
    ids=["reversed", "not-a-pair", "nan", "empty-group"],
)
def test_bad_ranges_raise_naming_the_group_and_range(ranges: Any, message: str) -> None:
    with pytest.raises(StatsInputError, match=re.escape(message)):
        compare_ranges(ranges, measure="latency")


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.5, math.nan])
def test_alpha_outside_zero_one_raises(alpha: float) -> None:
    with pytest.raises(StatsInputError, match="latency: alpha"):
        compare_ranges(SEPARATED, measure="latency", alpha=alpha)
