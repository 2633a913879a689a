"""Rank-based comparison of one numeric measure across named groups.

Kruskal-Wallis (asymptotic and permutation p-values, epsilon squared), pairwise
Mann-Whitney U and Dunn follow-ups with Holm or Benjamini-Hochberg adjustment, and a
bracketing check for measures known only to within a range (coarse dates).
"""

from __future__ import annotations

import inspect
import itertools
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt
from scipy import stats

from dmt_timeline.errors import StatsInputError

__all__ = [
    "Correction",
    "GroupComparison",
    "GroupSummary",
    "PairResult",
    "PairwiseComparison",
    "RangeComparison",
    "compare_groups",
    "compare_ranges",
    "holm_adjust",
    "pairwise_dunn",
    "pairwise_mannwhitney",
]

Correction = Literal["holm", "bh"]
"""Multiple-comparison adjustment: Holm (FWER) or Benjamini-Hochberg (FDR)."""

_Groups = tuple[tuple[str, tuple[float, ...]], ...]
_FloatArray = npt.NDArray[np.float64]

_ALL_EQUAL_NOTE = "all values are equal, so the groups cannot differ; H = 0 and p = 1 by definition"

# SciPy 1.15 renamed the seed argument of permutation_test/PermutationMethod to `rng`
# (SPEC 7); the project supports scipy>=1.11, so pick whichever the installed version has.
# An integer seeds a Generator under `rng` and a RandomState under `random_state`, so
# Monte Carlo p-values are reproducible for one SciPy version, not across that change.
_SEED_KEYWORD = "rng" if "rng" in inspect.signature(stats.permutation_test).parameters else "random_state"


def _seed(random_state: int | None) -> dict[str, Any]:
    return {_SEED_KEYWORD: random_state}


# --------------------------------------------------------------------------- validation


def _validated(groups: Mapping[str, Sequence[float]], measure: str) -> _Groups:
    """Check the input and return it as (name, values-as-floats) pairs in mapping order."""
    if not isinstance(groups, Mapping):
        raise StatsInputError(
            f"{measure}: groups must be a mapping of group name to values, got {type(groups).__name__}"
        )
    if len(groups) < 2:
        names = ", ".join(repr(name) for name in groups) or "none"
        raise StatsInputError(f"{measure}: need at least two groups to compare, got {len(groups)} ({names})")
    out: list[tuple[str, tuple[float, ...]]] = []
    for name, values in groups.items():
        if not isinstance(name, str):
            raise StatsInputError(f"{measure}: group name {name!r} is not a string")
        out.append((name, _validated_values(values, measure=measure, where=f"group {name!r}")))
    return tuple(out)


def _validated_values(values: object, *, measure: str, where: str) -> tuple[float, ...]:
    # A string is a Sequence too; "4, 6" is a transcription slip, not four characters.
    if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        raise StatsInputError(
            f"{measure}: {where} must be a sequence of numbers, got {type(values).__name__}"
        )
    checked = [
        _finite_number(value, measure=measure, where=f"{where} value [{index}]")
        for index, value in enumerate(values)
    ]
    if not checked:
        raise StatsInputError(f"{measure}: {where} has no values")
    return tuple(checked)


def _finite_number(value: object, *, measure: str, where: str) -> float:
    # bool is an int subclass, but True as a latency is a bug, not 1 month.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise StatsInputError(f"{measure}: {where} = {value!r} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise StatsInputError(f"{measure}: {where} = {value!r} is not finite")
    return number


def _check_resamples(n_resamples: int, measure: str) -> None:
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 1:
        raise StatsInputError(f"{measure}: n_resamples must be a positive integer, got {n_resamples!r}")


def _all_equal(data: _Groups) -> bool:
    pooled = [value for _, values in data for value in values]
    return all(value == pooled[0] for value in pooled)


# --------------------------------------------------------------------------- formatting


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    """Left-align the first column, right-align the rest."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append(indent + "  ".join(cells).rstrip())
    return lines


# --------------------------------------------------------------------------- omnibus test


@attrs.frozen
class GroupSummary:
    """One group's values and descriptive statistics.

    Quartiles use NumPy's default ``linear`` interpolation (Hyndman & Fan type 7, R's default
    ``quantile`` type), which matters with n = 4-7 and many ties.

    Attributes:
        name: Group name.
        values: The values, as floats, in input order.
        n: Number of values.
        median: Median.
        q1: First quartile (25th percentile, linear interpolation).
        q3: Third quartile (75th percentile, linear interpolation).
        minimum: Smallest value.
        maximum: Largest value.
    """

    name: str
    values: tuple[float, ...]
    n: int
    median: float
    q1: float
    q3: float
    minimum: float
    maximum: float

    @classmethod
    def of(cls, name: str, values: Sequence[float]) -> GroupSummary:
        """Summarise already-validated values.

        Args:
            name: Group name.
            values: At least one finite number.

        Returns:
            The summary.
        """
        array = np.asarray(values, dtype=np.float64)
        q1, median, q3 = (float(q) for q in np.percentile(array, [25.0, 50.0, 75.0]))
        return cls(
            name=name,
            values=tuple(float(v) for v in values),
            n=len(values),
            median=median,
            q1=q1,
            q3=q3,
            minimum=float(array.min()),
            maximum=float(array.max()),
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as JSON-compatible builtins."""
        return {
            "name": self.name,
            "values": list(self.values),
            "n": self.n,
            "median": self.median,
            "q1": self.q1,
            "q3": self.q3,
            "min": self.minimum,
            "max": self.maximum,
        }


@attrs.frozen
class GroupComparison:
    """Result of a Kruskal-Wallis comparison of one measure across groups.

    Attributes:
        measure: What was compared, e.g. ``"MS latency (months)"``.
        groups: Per-group summaries, in input order.
        statistic: Kruskal-Wallis H, corrected for ties.
        df: Degrees of freedom, k - 1.
        p_asymptotic: Upper-tail chi-squared(df) p-value, as from ``scipy.stats.kruskal``.
        p_permutation: Permutation p-value for H (see ``compare_groups``).
        permutation_exact: Whether every distinct assignment of values to groups was
            enumerated (exact p) rather than sampled (Monte Carlo p).
        n_resamples: Permutation budget requested.
        random_state: Seed of the Monte Carlo permutations (``None``: not reproducible).
        epsilon_squared: Effect size epsilon squared, H / (n - 1), in [0, 1].
        degenerate: True when all values are equal and no test was run.
        note: Why the result is degenerate, else ``None``.
    """

    measure: str
    groups: tuple[GroupSummary, ...]
    statistic: float
    df: int
    p_asymptotic: float
    p_permutation: float
    permutation_exact: bool
    n_resamples: int
    random_state: int | None
    epsilon_squared: float
    degenerate: bool = False
    note: str | None = None

    @property
    def n_total(self) -> int:
        """Number of values over all groups."""
        return sum(group.n for group in self.groups)

    def p_value(self, kind: Literal["permutation", "asymptotic"] = "permutation") -> float:
        """Return the permutation or the asymptotic p-value."""
        return self.p_permutation if kind == "permutation" else self.p_asymptotic

    def _permutation_detail(self) -> str:
        if self.degenerate:
            return "not run"
        if self.permutation_exact:
            return "exact, all assignments"
        return f"Monte Carlo, {self.n_resamples} resamples, seed {self.random_state}"

    def __str__(self) -> str:
        lines = [f"Kruskal-Wallis test: {self.measure}"]
        lines += [
            f"  {label:<18} {value}"
            for label, value in [
                ("H (tie-corrected)", _fmt(self.statistic)),
                ("df", str(self.df)),
                ("p (asymptotic)", _fmt(self.p_asymptotic)),
                ("p (permutation)", f"{_fmt(self.p_permutation)} ({self._permutation_detail()})"),
                ("epsilon squared", _fmt(self.epsilon_squared)),
            ]
        ]
        if self.note is not None:
            lines.append(f"  note: {self.note}")
        lines += _table(
            ["group", "n", "median", "Q1", "Q3", "min", "max"],
            [
                [g.name, str(g.n), *map(_fmt, (g.median, g.q1, g.q3, g.minimum, g.maximum))]
                for g in self.groups
            ],
        )
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """Return the result as JSON-compatible builtins (no NaN, no NumPy types)."""
        return {
            "measure": self.measure,
            "test": "kruskal-wallis",
            "statistic": self.statistic,
            "df": self.df,
            "p_asymptotic": self.p_asymptotic,
            "p_permutation": self.p_permutation,
            "permutation_exact": self.permutation_exact,
            "n_resamples": self.n_resamples,
            "random_state": self.random_state,
            "epsilon_squared": self.epsilon_squared,
            "n_total": self.n_total,
            "degenerate": self.degenerate,
            "note": self.note,
            "groups": [group.as_dict() for group in self.groups],
        }


def _n_assignments(sizes: Sequence[int]) -> int:
    """Distinct assignments of n labelled values to groups of these sizes (multinomial)."""
    count = math.factorial(sum(sizes))
    for size in sizes:
        count //= math.factorial(size)
    return count


_Statistic = Callable[..., _FloatArray]


def _kruskal_h(*samples: _FloatArray, axis: int) -> _FloatArray:
    # Taking `axis` lets permutation_test evaluate a whole batch of resamples per call.
    statistic: _FloatArray = stats.kruskal(*samples, axis=axis).statistic
    return statistic


def _mannwhitney_u(x: _FloatArray, y: _FloatArray, axis: int) -> _FloatArray:
    statistic: _FloatArray = stats.mannwhitneyu(x, y, axis=axis, method="asymptotic").statistic
    return statistic


def _permutation_p(
    samples: Sequence[_FloatArray],
    statistic: _Statistic,
    *,
    alternative: Literal["greater", "two-sided"],
    n_resamples: int,
    random_state: int | None,
) -> tuple[float, bool]:
    """Permutation p-value of ``statistic`` for exchangeable group labels.

    Returns:
        The p-value and whether it came from full enumeration (exact) rather than sampling.
    """
    sizes = [sample.size for sample in samples]
    if min(sizes) >= 2:
        result = stats.permutation_test(
            samples,
            statistic,
            permutation_type="independent",
            vectorized=True,
            n_resamples=n_resamples,
            alternative=alternative,
            **_seed(random_state),
        )
        return float(result.pvalue), _n_assignments(sizes) <= n_resamples
    # permutation_test refuses a sample of one observation. Permuting the pooled values and
    # cutting them at the fixed group sizes gives the same null distribution (each distinct
    # assignment appears prod(n_i!) times), so it is the same test, only enumerated less
    # economically (n! orderings) and with a different Monte Carlo stream.
    cuts = np.cumsum(sizes)[:-1]

    def pooled_statistic(pooled: _FloatArray, axis: int) -> _FloatArray:
        pooled = np.moveaxis(pooled, axis, -1)
        return statistic(*np.split(pooled, cuts, axis=-1), axis=-1)

    result = stats.permutation_test(
        (np.concatenate(samples),),
        pooled_statistic,
        permutation_type="pairings",
        vectorized=True,
        n_resamples=n_resamples,
        alternative=alternative,
        **_seed(random_state),
    )
    return float(result.pvalue), math.factorial(sum(sizes)) <= n_resamples


def compare_groups(
    groups: Mapping[str, Sequence[float]],
    *,
    measure: str,
    n_resamples: int = 9999,
    random_state: int | None = 0,
) -> GroupComparison:
    """Compare one measure across groups with the Kruskal-Wallis test.

    H is tie-corrected (``scipy.stats.kruskal``); the asymptotic p-value refers H to
    chi-squared with k - 1 df, which is rough for groups this small with many ties, so a
    permutation p-value is also computed: ``scipy.stats.permutation_test`` on H itself,
    ``permutation_type="independent"``, ``alternative="greater"``. When the number of
    distinct assignments of the values to groups (n! / prod n_i!) is at most
    ``n_resamples`` all are enumerated and p is exact; otherwise p is Monte Carlo,
    (b + 1) / (m + 1) for b of m resampled H at least the observed one, which is a valid
    p-value (Phipson & Smyth 2010). A group of one value, which ``permutation_test`` rejects,
    is handled by permuting the pooled values against the fixed group sizes (same null).

    Effect size is epsilon squared, E²_R = H / ((n² - 1) / (n + 1)) = H / (n - 1)
    (Tomczak M, Tomczak E. The need to report effect size estimates revisited.
    Trends Sport Sci. 2014;1(21):19-25).

    When every value in every group is equal, H is 0/0; rather than a NaN this returns
    H = 0, p = 1, epsilon squared = 0 with ``degenerate=True`` and an explanatory ``note``.

    Args:
        groups: Group name to values; at least two groups, each non-empty, finite numbers.
        measure: Name of the measure, used in the output and in error messages.
        n_resamples: Permutation budget (see above).
        random_state: Seed for Monte Carlo permutations; ``None`` for a fresh one.

    Returns:
        The comparison.

    Raises:
        StatsInputError: Fewer than two groups, an empty group, a non-numeric or
            non-finite value, or a non-positive ``n_resamples``.
    """
    data = _validated(groups, measure)
    _check_resamples(n_resamples, measure)
    summaries = tuple(GroupSummary.of(name, values) for name, values in data)
    n_total = sum(len(values) for _, values in data)
    df = len(data) - 1
    if _all_equal(data):
        return GroupComparison(
            measure=measure,
            groups=summaries,
            statistic=0.0,
            df=df,
            p_asymptotic=1.0,
            p_permutation=1.0,
            permutation_exact=False,
            n_resamples=n_resamples,
            random_state=random_state,
            epsilon_squared=0.0,
            degenerate=True,
            note=_ALL_EQUAL_NOTE,
        )
    arrays = [np.asarray(values, dtype=np.float64) for _, values in data]
    kruskal = stats.kruskal(*arrays)
    h = float(kruskal.statistic)
    p_permutation, exact = _permutation_p(
        arrays,
        _kruskal_h,
        alternative="greater",
        n_resamples=n_resamples,
        random_state=random_state,
    )
    return GroupComparison(
        measure=measure,
        groups=summaries,
        statistic=h,
        df=df,
        p_asymptotic=float(kruskal.pvalue),
        p_permutation=p_permutation,
        permutation_exact=exact,
        n_resamples=n_resamples,
        random_state=random_state,
        epsilon_squared=h / (n_total - 1),
    )


# --------------------------------------------------------------------------- adjustment


def holm_adjust(p_values: Sequence[float]) -> tuple[float, ...]:
    """Holm's step-down adjustment (Holm 1979), controlling the family-wise error rate.

    With the m raw p-values sorted ascending, p_(1) <= ... <= p_(m), the adjusted value
    of p_(i) is max over j <= i of min(1, (m - j + 1) * p_(j)); the running maximum keeps
    the adjusted values in the same order as the raw ones. Results are returned in input
    order. (SciPy has no Holm adjustment; ``false_discovery_control`` is BH/BY only.)

    Args:
        p_values: Raw p-values in [0, 1].

    Returns:
        Adjusted p-values, in input order; each >= its raw value and <= 1.

    Raises:
        StatsInputError: A value that is not a number in [0, 1].
    """
    raw = [_probability(p, index) for index, p in enumerate(p_values)]
    m = len(raw)
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(sorted(range(m), key=raw.__getitem__)):
        running = max(running, min(1.0, (m - rank) * raw[index]))
        adjusted[index] = running
    return tuple(adjusted)


def _probability(value: object, index: int) -> float:
    number = _finite_number(value, measure="p-values", where=f"p-value [{index}]")
    if not 0.0 <= number <= 1.0:
        raise StatsInputError(f"p-values: p-value [{index}] = {value!r} is not in [0, 1]")
    return number


def _adjust(p_values: Sequence[float], correction: Correction) -> tuple[float, ...]:
    if correction == "holm":
        return holm_adjust(p_values)
    if correction == "bh":
        return tuple(float(p) for p in stats.false_discovery_control(list(p_values), method="bh"))
    raise StatsInputError(f"unknown correction {correction!r}; expected 'holm' or 'bh'")


# --------------------------------------------------------------------------- pairwise tests


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


# --------------------------------------------------------------------------- range sensitivity


@attrs.frozen
class RangeComparison:
    """Whether a significance conclusion survives reading ranges at either end.

    Attributes:
        measure: What was compared.
        alpha: Significance level.
        decision: Which p-value the conclusion uses, ``"permutation"`` or ``"asymptotic"``.
        low: Comparison using the lower end of every range.
        high: Comparison using the upper end of every range.
        significant_low: p < alpha at the lower ends.
        significant_high: p < alpha at the upper ends.
        conclusion_holds: Both readings reach the same conclusion.
    """

    measure: str
    alpha: float
    decision: Literal["permutation", "asymptotic"]
    low: GroupComparison
    high: GroupComparison
    significant_low: bool
    significant_high: bool
    conclusion_holds: bool

    def __str__(self) -> str:
        def verdict(significant: bool) -> str:
            return "significant" if significant else "not significant"

        p_low = self.low.p_value(self.decision)
        p_high = self.high.p_value(self.decision)
        holds = "holds" if self.conclusion_holds else "does NOT hold"
        return "\n".join(
            [
                f"Range sensitivity: {self.measure} (alpha {self.alpha:g}, {self.decision} p)",
                f"  lower ends: p = {_fmt(p_low)}, {verdict(self.significant_low)}",
                f"  upper ends: p = {_fmt(p_high)}, {verdict(self.significant_high)}",
                f"  conclusion {holds} across the two readings",
                "",
                "Lower ends:",
                str(self.low),
                "",
                "Upper ends:",
                str(self.high),
            ]
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the result as JSON-compatible builtins."""
        return {
            "measure": self.measure,
            "alpha": self.alpha,
            "decision": self.decision,
            "significant_low": self.significant_low,
            "significant_high": self.significant_high,
            "conclusion_holds": self.conclusion_holds,
            "low": self.low.as_dict(),
            "high": self.high.as_dict(),
        }


def compare_ranges(
    ranges: Mapping[str, Sequence[tuple[float, float]]],
    *,
    measure: str,
    alpha: float = 0.05,
    decision: Literal["permutation", "asymptotic"] = "permutation",
    n_resamples: int = 9999,
    random_state: int | None = 0,
) -> RangeComparison:
    """Run ``compare_groups`` at the lower and at the upper ends of value ranges.

    For measures known only to within a range (a latency in months between partial dates),
    this reports whether "p < alpha" is the same at both extreme readings. It is a
    bracketing heuristic: H is not monotone in the individual values, so agreement at the
    two ends does not bound the p-value over all readings inside the ranges.

    Args:
        ranges: Group name to (low, high) pairs, one per subject, with low <= high.
        measure: Name of the measure.
        alpha: Significance level, in (0, 1).
        decision: Which p-value decides significance.
        n_resamples: Permutation budget, as for ``compare_groups``.
        random_state: Seed, as for ``compare_groups``.

    Returns:
        Both comparisons and whether the conclusion holds across them.

    Raises:
        StatsInputError: Invalid groups, a range that is not a (low, high) pair of finite
            numbers with low <= high, alpha outside (0, 1), or an unknown ``decision``.
    """
    level = _finite_number(alpha, measure=measure, where="alpha")
    if not 0.0 < level < 1.0:
        raise StatsInputError(f"{measure}: alpha = {alpha!r} is not in (0, 1)")
    if decision not in ("permutation", "asymptotic"):
        raise StatsInputError(
            f"{measure}: unknown decision {decision!r}; expected 'permutation' or 'asymptotic'"
        )
    if not isinstance(ranges, Mapping):
        raise StatsInputError(
            f"{measure}: ranges must be a mapping of group name to (low, high) pairs, "
            f"got {type(ranges).__name__}"
        )
    lows: dict[str, list[float]] = {}
    highs: dict[str, list[float]] = {}
    for name, pairs in ranges.items():
        bounds = _ranges(pairs, measure=measure, where=f"group {name!r}")
        lows[name] = [lo for lo, _ in bounds]
        highs[name] = [hi for _, hi in bounds]
    knobs: dict[str, Any] = {"n_resamples": n_resamples, "random_state": random_state}
    low = compare_groups(lows, measure=measure, **knobs)
    high = compare_groups(highs, measure=measure, **knobs)
    significant_low = low.p_value(decision) < level
    significant_high = high.p_value(decision) < level
    return RangeComparison(
        measure=measure,
        alpha=level,
        decision=decision,
        low=low,
        high=high,
        significant_low=significant_low,
        significant_high=significant_high,
        conclusion_holds=significant_low == significant_high,
    )


def _ranges(pairs: object, *, measure: str, where: str) -> list[tuple[float, float]]:
    if isinstance(pairs, str | bytes) or not isinstance(pairs, Sequence):
        raise StatsInputError(f"{measure}: {where} must be a sequence of (low, high) pairs")
    return [_range(pair, measure=measure, where=f"{where} range [{i}]") for i, pair in enumerate(pairs)]


def _range(pair: object, *, measure: str, where: str) -> tuple[float, float]:
    if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
        raise StatsInputError(f"{measure}: {where} = {pair!r} is not a (low, high) pair")
    low = _finite_number(pair[0], measure=measure, where=f"{where} low")
    high = _finite_number(pair[1], measure=measure, where=f"{where} high")
    if low > high:
        raise StatsInputError(f"{measure}: {where} = {pair!r} has low > high")
    return low, high
