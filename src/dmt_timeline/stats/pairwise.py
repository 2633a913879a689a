"""Pairwise follow-ups: Mann-Whitney U and Dunn's z for every pair of groups, adjusted."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import attrs
import numpy as np
from scipy import stats

from dmt_timeline.errors import StatsInputError
from dmt_timeline.stats._format import _fmt, _table
from dmt_timeline.stats._permutation import _permutation_p, _seed
from dmt_timeline.stats._validation import _all_equal, _check_resamples, _FloatArray, _validated
from dmt_timeline.stats.adjust import Correction, _adjust


@attrs.frozen
class PairResult:
    """One pairwise comparison.

    Attributes:
        group_a: First group of the pair (earlier in input order).
        group_b: Second group of the pair.
        statistic: Test statistic (Mann-Whitney U of ``group_a``, or Dunn's z, positive
            when ``group_a`` has the higher mean rank).
        p_value: Raw two-sided p-value.
        p_adjusted: p-value adjusted over all pairs of the family.
    """

    group_a: str
    group_b: str
    statistic: float
    p_value: float
    p_adjusted: float

    @property
    def pair(self) -> tuple[str, str]:
        """The two group names."""
        return (self.group_a, self.group_b)

    def as_dict(self) -> dict[str, Any]:
        """Return the result as JSON-compatible builtins."""
        return {
            "group_a": self.group_a,
            "group_b": self.group_b,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
        }


@attrs.frozen
class PairwiseComparison:
    """All pairwise comparisons of one measure, with adjusted p-values.

    Attributes:
        measure: What was compared.
        test: Test and p-value method, e.g. ``"Mann-Whitney U (two-sided, permutation)"``.
        statistic_name: ``"U"`` or ``"z"``.
        correction: Adjustment used for ``p_adjusted``.
        results: One result per pair of groups, in input order.
    """

    measure: str
    test: str
    statistic_name: str
    correction: Correction
    results: tuple[PairResult, ...]

    def __str__(self) -> str:
        lines = [f"{self.test}: {self.measure}"]
        lines += _table(
            ["pair", self.statistic_name, "p", f"p ({self.correction})"],
            [
                [f"{r.group_a} vs {r.group_b}", *map(_fmt, (r.statistic, r.p_value, r.p_adjusted))]
                for r in self.results
            ],
        )
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """Return the comparisons as JSON-compatible builtins."""
        return {
            "measure": self.measure,
            "test": self.test,
            "statistic_name": self.statistic_name,
            "correction": self.correction,
            "results": [result.as_dict() for result in self.results],
        }


def _check_correction(correction: str, measure: str) -> None:
    if correction not in ("holm", "bh"):
        raise StatsInputError(f"{measure}: unknown correction {correction!r}; expected 'holm' or 'bh'")


def _mannwhitney_u(x: _FloatArray, y: _FloatArray, axis: int) -> _FloatArray:
    statistic: _FloatArray = stats.mannwhitneyu(x, y, axis=axis, method="asymptotic").statistic
    return statistic


def pairwise_mannwhitney(
    groups: Mapping[str, Sequence[float]],
    *,
    measure: str,
    correction: Correction = "holm",
    method: Literal["permutation", "asymptotic"] = "permutation",
    n_resamples: int = 9999,
    random_state: int | None = 0,
) -> PairwiseComparison:
    """Two-sided Mann-Whitney U test for every pair of groups, with adjusted p-values.

    SciPy's ``method="exact"`` ignores ties and ``"auto"`` falls back to the normal
    approximation when there are any, which is poor for n of 4-7 with many ties. The
    default here is therefore a permutation test of U (``scipy.stats.PermutationMethod``),
    which conditions on the observed ties; with two groups of sizes a and b it is exact
    whenever C(a + b, a) <= ``n_resamples`` (3432 for 7 vs 7), else Monte Carlo. (A group
    of one value is permuted through the pooled data instead, exact when (a + b)! fits.)
    The two-sided permutation p is twice the smaller one-sided p, capped at 1 (SciPy's rule).
    ``method="asymptotic"`` uses the tie-corrected normal approximation with continuity
    correction, as R's ``wilcox.test`` does when there are ties. Each pair is run with the
    same seed so that the results do not depend on the order of the pairs.

    Args:
        groups: Group name to values, as for ``compare_groups``.
        measure: Name of the measure.
        correction: ``"holm"`` (family-wise error) or ``"bh"`` (false discovery rate).
        method: ``"permutation"`` or ``"asymptotic"`` (see above).
        n_resamples: Permutation budget per pair.
        random_state: Seed for Monte Carlo permutations.

    Returns:
        The pairwise comparisons; the statistic is U of the first group of each pair.

    Raises:
        StatsInputError: Invalid groups (as for ``compare_groups``), correction or method.
    """
    data = _validated(groups, measure)
    _check_correction(correction, measure)
    if method == "permutation":
        _check_resamples(n_resamples, measure)
        scipy_method: Any = stats.PermutationMethod(n_resamples=n_resamples, **_seed(random_state))
    elif method == "asymptotic":
        scipy_method = "asymptotic"
    else:
        raise StatsInputError(f"{measure}: unknown method {method!r}; expected 'permutation' or 'asymptotic'")
    raw: list[tuple[str, str, float, float]] = []
    for (name_a, a), (name_b, b) in itertools.combinations(data, 2):
        if all(v == a[0] for v in (*a, *b)):
            # All values tie: U = ab/2 exactly and the groups cannot differ.
            raw.append((name_a, name_b, len(a) * len(b) / 2.0, 1.0))
            continue
        x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if method == "permutation" and min(x.size, y.size) < 2:
            # PermutationMethod inherits permutation_test's refusal of one-value samples.
            u = float(_mannwhitney_u(x, y, axis=0))
            p, _ = _permutation_p(
                [x, y],
                _mannwhitney_u,
                alternative="two-sided",
                n_resamples=n_resamples,
                random_state=random_state,
            )
            raw.append((name_a, name_b, u, p))
            continue
        result = stats.mannwhitneyu(x, y, alternative="two-sided", method=scipy_method)
        raw.append((name_a, name_b, float(result.statistic), float(result.pvalue)))
    return PairwiseComparison(
        measure=measure,
        test=f"Mann-Whitney U (two-sided, {method})",
        statistic_name="U",
        correction=correction,
        results=_with_adjusted(raw, correction),
    )


def _with_adjusted(
    raw: Sequence[tuple[str, str, float, float]], correction: Correction
) -> tuple[PairResult, ...]:
    adjusted = _adjust([p for *_, p in raw], correction)
    return tuple(
        PairResult(group_a=a, group_b=b, statistic=s, p_value=p, p_adjusted=q)
        for (a, b, s, p), q in zip(raw, adjusted, strict=True)
    )


def pairwise_dunn(
    groups: Mapping[str, Sequence[float]],
    *,
    measure: str,
    correction: Correction = "holm",
) -> PairwiseComparison:
    """Dunn's (1964) test for every pair of groups, on ranks of the pooled data.

    With N values ranked together (mid-ranks for ties), group mean ranks R_i and sizes n_i,
    and t_s the sizes of the tie blocks,

        z_ij = (R_i - R_j) / sqrt((N(N + 1)/12 - sum(t_s^3 - t_s) / (12(N - 1))) * (1/n_i + 1/n_j))

    and the raw p-value is two-sided normal, ``2 * (1 - Phi(abs(z)))``. With two groups z² equals
    the tie-corrected Kruskal-Wallis H. Unlike pairwise Mann-Whitney tests, Dunn's test uses
    the same pooled ranking as the omnibus test. The normal reference is asymptotic; treat
    p-values from groups this small as approximate.

    Args:
        groups: Group name to values, as for ``compare_groups``.
        measure: Name of the measure.
        correction: ``"holm"`` or ``"bh"``.

    Returns:
        The pairwise comparisons; the statistic is z, positive when the first group of the
        pair has the higher mean rank. If all values are equal, z = 0 and p = 1.

    Raises:
        StatsInputError: Invalid groups (as for ``compare_groups``) or correction.
    """
    data = _validated(groups, measure)
    _check_correction(correction, measure)
    pooled = np.concatenate([np.asarray(values, dtype=np.float64) for _, values in data])
    n = pooled.size
    ranks = stats.rankdata(pooled)
    bounds = np.cumsum([0] + [len(values) for _, values in data])
    mean_rank = {
        name: float(ranks[start:stop].mean())
        for (name, _), start, stop in zip(data, bounds[:-1], bounds[1:], strict=True)
    }
    _, tie_sizes = np.unique(pooled, return_counts=True)
    tie_term = float(np.sum(tie_sizes.astype(np.float64) ** 3 - tie_sizes)) / (12.0 * (n - 1))
    spread = n * (n + 1) / 12.0 - tie_term
    degenerate = _all_equal(data)
    raw: list[tuple[str, str, float, float]] = []
    for (name_a, a), (name_b, b) in itertools.combinations(data, 2):
        if degenerate:
            # Every rank is the same mid-rank: the variance is 0/0, the groups cannot differ.
            raw.append((name_a, name_b, 0.0, 1.0))
            continue
        z = (mean_rank[name_a] - mean_rank[name_b]) / math.sqrt(spread * (1 / len(a) + 1 / len(b)))
        raw.append((name_a, name_b, z, float(2.0 * stats.norm.sf(abs(z)))))
    return PairwiseComparison(
        measure=measure,
        test="Dunn z (two-sided, asymptotic)",
        statistic_name="z",
        correction=correction,
        results=_with_adjusted(raw, correction),
    )
