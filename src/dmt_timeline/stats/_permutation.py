"""Permutation p-values for exchangeable group labels, exact or Monte Carlo, seeded."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
from scipy import stats

from dmt_timeline.stats._validation import _FloatArray

# SciPy 1.15 renamed the seed argument of permutation_test/PermutationMethod to `rng`
# (SPEC 7); the project supports scipy>=1.11, so pick whichever the installed version has.
# An integer seeds a Generator under `rng` and a RandomState under `random_state`, so
# Monte Carlo p-values are reproducible for one SciPy version, not across that change.
_SEED_KEYWORD = "rng" if "rng" in inspect.signature(stats.permutation_test).parameters else "random_state"


def _seed(random_state: int | None) -> dict[str, Any]:
    return {_SEED_KEYWORD: random_state}


def _n_assignments(sizes: Sequence[int]) -> int:
    """Distinct assignments of n labelled values to groups of these sizes (multinomial)."""
    count = math.factorial(sum(sizes))
    for size in sizes:
        count //= math.factorial(size)
    return count


_Statistic = Callable[..., _FloatArray]


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
