"""The omnibus test: Kruskal-Wallis across all groups, with group summaries and effect size."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import attrs
import numpy as np
from scipy import stats

from dmt_timeline.stats._format import _fmt, _table
from dmt_timeline.stats._permutation import _permutation_p
from dmt_timeline.stats._validation import _all_equal, _check_resamples, _FloatArray, _validated

_ALL_EQUAL_NOTE = "all values are equal, so the groups cannot differ; H = 0 and p = 1 by definition"


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


def _kruskal_h(*samples: _FloatArray, axis: int) -> _FloatArray:
    # Taking `axis` lets permutation_test evaluate a whole batch of resamples per call.
    statistic: _FloatArray = stats.kruskal(*samples, axis=axis).statistic
    return statistic


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
