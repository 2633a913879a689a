"""Range sensitivity: whether a conclusion holds at both ends of values known only to a range."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import attrs

from dmt_timeline.errors import StatsInputError
from dmt_timeline.stats._format import _fmt
from dmt_timeline.stats._validation import _finite_number
from dmt_timeline.stats.omnibus import GroupComparison, compare_groups


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
