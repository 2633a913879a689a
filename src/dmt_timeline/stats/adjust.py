"""Multiple-comparison adjustment of p-values: Holm (FWER) or Benjamini-Hochberg (FDR)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from scipy import stats

from dmt_timeline.errors import StatsInputError
from dmt_timeline.stats._validation import _finite_number

Correction = Literal["holm", "bh"]
"""Multiple-comparison adjustment: Holm (FWER) or Benjamini-Hochberg (FDR)."""


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
