"""Interval-censored time-to-event estimation: the Turnbull NPMLE and a generalised log-rank test.

A time known only to lie in a range (an event between two visits, a duration from partial
dates) is an interval ``(L, R]``. The non-parametric maximum likelihood estimate of its
distribution (Turnbull 1976) puts all its mass on the *Turnbull intervals*: the innermost
intervals, each a left endpoint immediately followed by a right endpoint once all endpoints are
sorted. Inside a Turnbull interval the NPMLE says how much mass there is but not where, so
S(t) is reported as two curves, mass as early as possible (``survival_lower``) and as late as
possible (``survival_upper``); they agree everywhere outside the Turnbull intervals.

Two conventions for the observation intervals, as ``closed``:

- ``"right"`` (default; R's ``interval`` package and ``Surv(type="interval2")``): ``(L, R]`` for
  L < R, exactly L when L == R, and after L when R is infinite (right-censored at L). With
  exact and right-censored data only, the NPMLE is the Kaplan-Meier estimate.
- ``"both"`` (lifelines' ``fit_interval_censoring``): ``[L, R]``.

The estimate is found by self-consistency (the EM algorithm of Turnbull 1976) from equal
masses, stopping when no mass moves by more than ``tol`` in an iteration (or after
``max_iter`` iterations; ``converged`` says which), accelerated by SQUAREM (Varadhan and Roland
2008) and then polished as R's ``interval`` package does: masses that are tending to zero are
set to zero and the rest refitted, kept only if the Kuhn-Tucker conditions confirm that no
interval left empty would raise the likelihood. Confidence limits are a seeded
nonparametric bootstrap: subjects resampled with replacement ``n_bootstrap`` times, the NPMLE
refitted, and the alpha/2 and 1 - alpha/2 quantiles taken pointwise (of the early-mass curve for
the lower limit and of the late-mass curve for the upper one).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Any, Literal

import attrs
import numpy as np
from scipy import stats

from dmt_timeline.errors import StatsInputError, describe_value
from dmt_timeline.stats._format import _fmt, _table
from dmt_timeline.stats._permutation import _permutation_p
from dmt_timeline.stats._validation import _FloatArray

__all__ = ["IntervalLogRank", "Turnbull", "interval_logrank", "turnbull"]

Closed = Literal["right", "both"]

# Sort keys of endpoints at one value: a closed left end [x, then a right end x], then an open
# left end (x, which means "just after x".
_LEFT_CLOSED, _RIGHT, _LEFT_OPEN = 0, 1, 2


def _bounds(left: object, right: object) -> tuple[_FloatArray, _FloatArray]:
    arrays = []
    for name, values in (("left", left), ("right", right)):
        if isinstance(values, str | bytes) or not hasattr(values, "__len__"):
            raise StatsInputError(f"{name}: must be a sequence of numbers, got {type(values).__name__}")
        array = np.asarray(values)
        if array.ndim != 1 or array.size == 0:
            raise StatsInputError(f"{name}: must be a non-empty one-dimensional sequence of numbers")
        if array.dtype == np.bool_ or not (
            np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
        ):
            raise StatsInputError(f"{name}: must hold numbers, got values of type {array.dtype}")
        arrays.append(array.astype(np.float64))
    low, high = arrays
    if low.size != high.size:
        raise StatsInputError(f"left and right: lengths differ ({low.size} and {high.size})")
    bad = np.flatnonzero(~np.isfinite(low) | (low < 0))
    if bad.size:
        i = int(bad[0])
        raise StatsInputError(f"left[{i}] = {describe_value(float(low[i]))} is not a finite number >= 0")
    bad = np.flatnonzero(np.isnan(high) | (high < low))
    if bad.size:
        i = int(bad[0])
        above, below = describe_value(float(high[i])), describe_value(float(low[i]))
        raise StatsInputError(f"right[{i}] = {above} is below left[{i}] = {below}")
    return low, high


def _left_kind(low: _FloatArray, high: _FloatArray, closed: Closed) -> Any:
    if closed == "both":
        return np.full(low.size, _LEFT_CLOSED)
    if closed == "right":
        return np.where(low == high, _LEFT_CLOSED, _LEFT_OPEN)
    raise StatsInputError(f"closed: must be 'right' or 'both', got {describe_value(closed)}")


@attrs.frozen
class _Fit:
    """The NPMLE of one sample: Turnbull intervals (as sort keys) and their masses."""

    lo: _FloatArray  # Turnbull interval left values
    lo_kind: Any  # their left kinds (closed or open)
    hi: _FloatArray  # right values (may be inf)
    mass: _FloatArray
    iterations: int
    converged: bool
    log_likelihood: float


def _turnbull_intervals(
    low: _FloatArray, left_kind: Any, high: _FloatArray
) -> tuple[_FloatArray, Any, _FloatArray]:
    values = np.concatenate((low, high))
    kinds = np.concatenate((left_kind, np.full(high.size, _RIGHT)))
    order = np.lexsort((kinds, values))
    values, kinds = values[order], kinds[order]
    is_left = kinds != _RIGHT
    starts = np.flatnonzero(is_left[:-1] & ~is_left[1:])
    return values[starts], kinds[starts], values[starts + 1]


def _key_le(v1: Any, k1: Any, v2: Any, k2: Any) -> Any:
    """(v1, k1) <= (v2, k2) in endpoint order, elementwise with broadcasting."""
    return (v1 < v2) | ((v1 == v2) & (k1 <= k2))


def _membership(
    low: _FloatArray,
    left_kind: Any,
    high: _FloatArray,
    *,
    ti_lo: _FloatArray,
    ti_kind: Any,
    ti_hi: _FloatArray,
) -> Any:
    """alpha[i, j]: Turnbull interval j lies inside observation interval i."""
    inside_left = _key_le(low[:, None], left_kind[:, None], ti_lo[None, :], ti_kind[None, :])
    inside_right = ti_hi[None, :] <= high[:, None]
    return inside_left & inside_right


def _em_step(alpha: _FloatArray, weights: _FloatArray, total: float, mass: _FloatArray) -> _FloatArray:
    """One self-consistency (EM) update of the masses."""
    updated: _FloatArray = mass * ((weights / (alpha @ mass)) @ alpha) / total
    return updated


def _log_likelihood(alpha: _FloatArray, weights: _FloatArray, mass: _FloatArray) -> float:
    with np.errstate(divide="ignore"):
        return float(weights @ np.log(alpha @ mass))


def _squarem(
    alpha: _FloatArray, weights: _FloatArray, mass: _FloatArray, *, tol: float, max_iter: int
) -> tuple[_FloatArray, int, bool]:
    """Self-consistency iterations from ``mass`` until no mass moves by more than ``tol``."""
    total = float(weights.sum())
    iterations = 0
    # Plain EM crawls where a mass tends to zero; SQUAREM (Varadhan and Roland 2008, scheme S3)
    # extrapolates from two EM steps, and falls back to the plain step whenever the
    # extrapolation leaves the simplex or lowers the likelihood, so the iteration stays monotone.
    while iterations < max_iter:
        first = _em_step(alpha, weights, total, mass)
        second = _em_step(alpha, weights, total, first)
        iterations += 2
        r, v = first - mass, second - 2 * first + mass
        norm_v = float(np.sqrt(v @ v))
        candidate = second
        if norm_v > 0:
            step = min(-float(np.sqrt(r @ r)) / norm_v, -1.0)
            jumped = mass - 2 * step * r + step**2 * v
            if (jumped >= 0).all() and jumped.sum() > 0:
                jumped = _em_step(alpha, weights, total, jumped / jumped.sum())
                iterations += 1
                if _log_likelihood(alpha, weights, jumped) >= _log_likelihood(alpha, weights, second):
                    candidate = jumped
        change = float(np.abs(candidate - mass).max())
        mass = candidate
        if change <= tol:
            return mass / mass.sum(), iterations, True
    return mass / mass.sum(), iterations, False


# Masses below this share of 1/n are tried at zero when polishing (then checked, never assumed).
_POLISH = 1e-2
# Slack allowed in the Kuhn-Tucker check that a Turnbull interval left at zero deserves it.
_KKT_SLACK = 1e-6


def _fit(
    low: _FloatArray, left_kind: Any, high: _FloatArray, weights: _FloatArray, *, tol: float, max_iter: int
) -> _Fit:
    ti_lo, ti_kind, ti_hi = _turnbull_intervals(low, left_kind, high)
    alpha = _membership(low, left_kind, high, ti_lo=ti_lo, ti_kind=ti_kind, ti_hi=ti_hi).astype(np.float64)
    total = float(weights.sum())
    mass, iterations, converged = _squarem(
        alpha, weights, np.full(ti_lo.size, 1.0 / ti_lo.size), tol=tol, max_iter=max_iter
    )
    # Polishing (as R's interval package does): EM approaches a zero mass only slowly, so set
    # the tiny masses to zero, refit on the rest, and keep the result only if the Kuhn-Tucker
    # conditions hold: no Turnbull interval left at zero would raise the likelihood.
    small = mass < _POLISH / total
    if converged and small.any() and not small.all():
        kept = ~small
        polished = np.zeros_like(mass)
        polished[kept], more, ok = _squarem(
            alpha[:, kept], weights, mass[kept] / mass[kept].sum(), tol=tol, max_iter=max_iter
        )
        gradient = (weights / (alpha @ polished)) @ alpha / total
        if ok and float(gradient[small].max()) <= 1 + _KKT_SLACK:
            mass, iterations = polished, iterations + more
    return _Fit(ti_lo, ti_kind, ti_hi, mass, iterations, converged, _log_likelihood(alpha, weights, mass))


def _curves(fit: _Fit, timeline: _FloatArray) -> tuple[_FloatArray, _FloatArray]:
    """S(t) = P(T > t) with each interval's mass as early (lower) and as late (upper) as possible."""
    # Early: the mass of [a, b] or (a, b] has left by any t > a, and by t = a only if it is the
    # point [a, a]. Late: it leaves only once t >= b.
    point = (fit.lo == fit.hi) & (fit.lo_kind == _LEFT_CLOSED)
    gone_early = (timeline[:, None] > fit.lo[None, :]) | (
        (timeline[:, None] == fit.lo[None, :]) & point[None, :]
    )
    gone_late = timeline[:, None] >= fit.hi[None, :]
    lower = 1.0 - (gone_early * fit.mass[None, :]).sum(axis=1)
    upper = 1.0 - (gone_late * fit.mass[None, :]).sum(axis=1)
    return np.clip(lower, 0.0, 1.0), np.clip(upper, 0.0, 1.0)


def _tuple(array: _FloatArray) -> tuple[float, ...]:
    return tuple(float(x) for x in array)


@attrs.frozen
class Turnbull:
    """The Turnbull NPMLE of an interval-censored sample.

    Attributes:
        closed: The convention the intervals were read with (see the module docstring).
        intervals: The Turnbull intervals, (left, right), in order.
        probabilities: The NPMLE's mass on each Turnbull interval.
        timeline: 0 and every distinct finite endpoint of the data, increasing.
        survival_lower: S(t) with each interval's mass placed as early as possible.
        survival_upper: S(t) with each interval's mass placed as late as possible.
        confidence_lower: Bootstrap lower limit at each time (empty without a bootstrap).
        confidence_upper: Bootstrap upper limit at each time (empty without a bootstrap).
        alpha: 1 - the confidence level.
        n_bootstrap: Bootstrap resamples drawn (0: no confidence limits).
        random_state: Seed of the bootstrap.
        iterations: Self-consistency iterations used.
        converged: Whether the largest change of mass fell to ``tol`` within ``max_iter``.
        log_likelihood: Log-likelihood of the estimate.
        n: Number of observations.
    """

    closed: Closed
    intervals: tuple[tuple[float, float], ...]
    probabilities: tuple[float, ...]
    timeline: tuple[float, ...]
    survival_lower: tuple[float, ...]
    survival_upper: tuple[float, ...]
    confidence_lower: tuple[float, ...]
    confidence_upper: tuple[float, ...]
    alpha: float
    n_bootstrap: int
    random_state: int | None
    iterations: int
    converged: bool
    log_likelihood: float
    n: int

    def support(self, threshold: float = 1e-6) -> tuple[tuple[tuple[float, float], float], ...]:
        """The Turnbull intervals with mass above ``threshold``, with their mass."""
        return tuple((i, p) for i, p in zip(self.intervals, self.probabilities, strict=True) if p > threshold)

    def survival_at(self, time: float) -> tuple[float, float]:
        """(lowest, highest) S(time) the NPMLE allows; equal outside the Turnbull intervals."""
        lo, hi = zip(*self.intervals, strict=True) if self.intervals else ((), ())
        fit = _Fit(
            np.asarray(lo, float),
            np.asarray(self._left_kinds(), int),
            np.asarray(hi, float),
            np.asarray(self.probabilities, float),
            0,
            True,
            0.0,
        )
        lower, upper = _curves(fit, np.asarray([float(time)]))
        return float(lower[0]), float(upper[0])

    def _left_kinds(self) -> list[int]:
        if self.closed == "both":
            return [_LEFT_CLOSED] * len(self.intervals)
        return [_LEFT_CLOSED if a == b else _LEFT_OPEN for a, b in self.intervals]

    def __str__(self) -> str:
        opening = "[" if self.closed == "both" else "("
        lines = [f"Turnbull NPMLE: n = {self.n}, {self.iterations} iterations, converged: {self.converged}"]
        rows = [
            [f"{'[' if a == b else opening}{_fmt(a)}, {_fmt(b)}]", f"{p:.4f}"] for (a, b), p in self.support()
        ]
        return "\n".join(lines + _table(["interval", "probability"], rows))


def _check_settings(tol: float, max_iter: int, alpha: float, n_bootstrap: int) -> None:
    if isinstance(tol, bool) or not isinstance(tol, int | float) or not 0 < tol < 1:
        raise StatsInputError(f"tol: must be a number in (0, 1), got {describe_value(tol)}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
        raise StatsInputError(f"max_iter: must be a positive integer, got {describe_value(max_iter)}")
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise StatsInputError(f"alpha: must be a number in (0, 1), got {describe_value(alpha)}")
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, int) or n_bootstrap < 0:
        raise StatsInputError(f"n_bootstrap: must be an integer >= 0, got {describe_value(n_bootstrap)}")


def _unique(
    low: _FloatArray, kind: Any, high: _FloatArray
) -> tuple[_FloatArray, Any, _FloatArray, _FloatArray, Any]:
    """Distinct observation intervals with their counts, and each observation's row among them."""
    table = np.stack((low, kind.astype(np.float64), high), axis=1)
    rows, inverse, counts = np.unique(table, axis=0, return_inverse=True, return_counts=True)
    return rows[:, 0], rows[:, 1].astype(int), rows[:, 2], counts.astype(np.float64), inverse.reshape(-1)


def turnbull(
    left: Sequence[float] | _FloatArray,
    right: Sequence[float] | _FloatArray,
    *,
    closed: Closed = "right",
    tol: float = 1e-10,
    max_iter: int = 100_000,
    alpha: float = 0.05,
    n_bootstrap: int = 0,
    random_state: int | None = 0,
) -> Turnbull:
    """The Turnbull NPMLE of the distribution of times known to lie in [L, R] ranges.

    Args:
        left: Lower ends, finite and >= 0.
        right: Upper ends, >= the lower; ``math.inf`` for right-censored.
        closed: ``"right"`` reads ``(L, R]`` (exact when L == R), ``"both"`` reads ``[L, R]``.
        tol: Stop when no mass changes by more than this in one iteration.
        max_iter: At most this many self-consistency iterations.
        alpha: 1 - the confidence level of the bootstrap limits.
        n_bootstrap: Bootstrap resamples for the confidence limits; 0 for none.
        random_state: Seed of the bootstrap (``None``: not reproducible).

    Returns:
        The estimate.

    Raises:
        StatsInputError: ranges that are empty, negative, reversed or non-numeric, or settings
            out of their range.
    """
    low, high = _bounds(left, right)
    kind = _left_kind(low, high, closed)
    _check_settings(tol, max_iter, alpha, n_bootstrap)
    u_low, u_kind, u_high, counts, inverse = _unique(low, kind, high)
    fit = _fit(u_low, u_kind, u_high, counts, tol=tol, max_iter=max_iter)
    finite = np.concatenate((low, high[np.isfinite(high)]))
    timeline = np.unique(np.concatenate(([0.0], finite)))
    lower, upper = _curves(fit, timeline)
    ci_low: tuple[float, ...] = ()
    ci_high: tuple[float, ...] = ()
    if n_bootstrap:
        rng = np.random.default_rng(random_state)
        early = np.empty((n_bootstrap, timeline.size))
        late = np.empty((n_bootstrap, timeline.size))
        for b in range(n_bootstrap):
            drawn = np.bincount(inverse[rng.integers(0, low.size, low.size)], minlength=counts.size)
            keep = drawn > 0
            resampled = _fit(
                u_low[keep],
                u_kind[keep],
                u_high[keep],
                drawn[keep].astype(np.float64),
                tol=tol,
                max_iter=max_iter,
            )
            early[b], late[b] = _curves(resampled, timeline)
        ci_low = _tuple(np.quantile(early, alpha / 2, axis=0))
        ci_high = _tuple(np.quantile(late, 1 - alpha / 2, axis=0))
    return Turnbull(
        closed=closed,
        intervals=tuple((float(a), float(b)) for a, b in zip(fit.lo, fit.hi, strict=True)),
        probabilities=_tuple(fit.mass),
        timeline=_tuple(timeline),
        survival_lower=_tuple(lower),
        survival_upper=_tuple(upper),
        confidence_lower=ci_low,
        confidence_upper=ci_high,
        alpha=float(alpha),
        n_bootstrap=n_bootstrap,
        random_state=random_state,
        iterations=fit.iterations,
        converged=fit.converged,
        log_likelihood=fit.log_likelihood,
        n=int(low.size),
    )


# -- the generalised log-rank test ----------------------------------------------------------------

Scores = Literal["sun", "finkelstein"]


@attrs.frozen
class IntervalLogRank:
    """A weighted log-rank comparison of interval-censored samples (Fay and Shaw 2010).

    Attributes:
        scores: ``"sun"`` (Sun 1996; the usual log-rank scores on right-censored data) or
            ``"finkelstein"`` (Finkelstein 1986, grouped proportional hazards).
        groups: Group names, in order of first appearance.
        sizes: Observations per group.
        score_statistics: Sum of the scores in each group (like observed minus expected events;
            positive means earlier events than under the null).
        statistic: The permutation quadratic form, chi-squared with ``df`` under the null.
        df: Groups - 1.
        p_value: Asymptotic p-value (permutational central limit theorem).
        p_permutation: Permutation p-value of ``statistic``, or ``None`` if none was asked for.
        permutation_exact: Whether every assignment was enumerated.
        n_resamples: Permutation budget (0: none).
        random_state: Seed of the permutations.
        z: For two groups, the signed statistic of the first group (``statistic`` = z²).
    """

    scores: Scores
    groups: tuple[str, ...]
    sizes: tuple[int, ...]
    score_statistics: tuple[float, ...]
    statistic: float
    df: int
    p_value: float
    p_permutation: float | None
    permutation_exact: bool
    n_resamples: int
    random_state: int | None
    z: float | None

    def __str__(self) -> str:
        name = "Sun's" if self.scores == "sun" else "Finkelstein's"
        head = f"Interval-censored log-rank test ({name} scores, permutation form)"
        lines = [head, f"  chi-squared {_fmt(self.statistic)}, df {self.df}, p {_fmt(self.p_value)}"]
        if self.z is not None:
            lines.append(f"  Z {_fmt(self.z)}")
        if self.p_permutation is not None:
            lines.append(f"  p (permutation) {_fmt(self.p_permutation)}")
        rows = [
            [g, str(n), _fmt(u)]
            for g, n, u in zip(self.groups, self.sizes, self.score_statistics, strict=True)
        ]
        return "\n".join(lines + _table(["group", "n", "score"], rows))


def _scores(low: _FloatArray, kind: Any, high: _FloatArray, fit: _Fit, scores: Scores) -> _FloatArray:
    """Each observation's score from the pooled NPMLE (Fay and Shaw 2010, equations 7 and 8)."""
    mass = fit.mass
    tail = np.concatenate((np.cumsum(mass[::-1])[::-1], [0.0]))  # mass from interval j on
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(tail[:-1] > 0, mass / tail[:-1], 0.0)
    cumulative = np.concatenate(([0.0], np.cumsum(hazard)))
    # How many Turnbull intervals lie wholly before each observation starts, and before its end.
    before_start = (~_key_le(low[:, None], kind[:, None], fit.lo[None, :], fit.lo_kind[None, :])).sum(axis=1)
    before_end = _key_le(
        fit.lo[None, :], fit.lo_kind[None, :], high[:, None], np.full((high.size, 1), _RIGHT)
    )
    before_end = before_end.sum(axis=1)
    a, b = tail[before_start], tail[before_end]
    if scores == "sun":
        log_a, log_b = -cumulative[before_start], -cumulative[before_end]
    else:
        with np.errstate(divide="ignore"):
            log_a, log_b = np.log(a), np.log(b)
    with np.errstate(invalid="ignore"):
        term_a = np.where(a > 0, a * log_a, 0.0)
        term_b = np.where(b > 0, b * log_b, 0.0)
    result: _FloatArray = (term_a - term_b) / (a - b)
    return result


def _quadratic(sizes: Sequence[int], total_n: int) -> Any:
    """The statistic of group score sums, centred and scaled by their permutation covariance."""

    def statistic(*samples: _FloatArray, axis: int) -> _FloatArray:
        pooled = np.concatenate(samples, axis=axis)
        mean = pooled.mean(axis=axis, keepdims=True)
        spread = ((pooled - mean) ** 2).sum(axis=axis) / (total_n - 1)
        n = np.asarray(sizes, float)
        sums = np.stack([s.sum(axis=axis) for s in samples], axis=-1)
        centred = sums - n * np.squeeze(mean, axis=axis)[..., None]
        # The permutation covariance is spread * (diag(n) - n n' / N); on all but the last group
        # it is invertible in closed form: its inverse is (diag(1/n) + 1/n_k) / spread.
        head = centred[..., :-1]
        quad = (head**2 / n[:-1]).sum(axis=-1) + head.sum(axis=-1) ** 2 / n[-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            value: _FloatArray = np.where(spread > 0, quad / spread, 0.0)
        return value

    return statistic


def interval_logrank(
    left: Sequence[float] | _FloatArray,
    right: Sequence[float] | _FloatArray,
    groups: Sequence[Hashable],
    *,
    scores: Scores = "sun",
    closed: Closed = "right",
    n_resamples: int = 0,
    random_state: int | None = 0,
    tol: float = 1e-10,
    max_iter: int = 100_000,
) -> IntervalLogRank:
    """Compare interval-censored samples with a weighted log-rank test in permutation form.

    The pooled NPMLE is fitted under the null; each observation gets a score (Sun's or
    Finkelstein's, Fay and Shaw 2010); the group sums are compared with their permutation
    distribution: a quadratic form referred to chi-squared with groups - 1 df (the
    permutational central limit theorem, as ``ictest(method="pclt")`` in R's ``interval``), and,
    when ``n_resamples`` > 0, a permutation p-value (exact when every assignment fits within the
    budget, else Monte Carlo, seeded). On exact and right-censored data Sun's scores are the
    usual log-rank scores.

    Args:
        left: Lower ends, finite and >= 0.
        right: Upper ends (``math.inf`` for right-censored).
        groups: A label per observation; at least two distinct.
        scores: ``"sun"`` or ``"finkelstein"``.
        closed: How the ranges are read (see :func:`turnbull`).
        n_resamples: Permutation budget; 0 for the asymptotic p-value only.
        random_state: Seed of the Monte Carlo permutations.
        tol: Convergence tolerance of the pooled NPMLE.
        max_iter: Iteration cap of the pooled NPMLE.

    Returns:
        The test.

    Raises:
        StatsInputError: bad ranges, labels of another length, fewer than two groups, or
            unknown ``scores``.
    """
    low, high = _bounds(left, right)
    kind = _left_kind(low, high, closed)
    _check_settings(tol, max_iter, 0.05, 0)
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 0:
        raise StatsInputError(f"n_resamples: must be an integer >= 0, got {describe_value(n_resamples)}")
    if scores not in ("sun", "finkelstein"):
        raise StatsInputError(f"scores: must be 'sun' or 'finkelstein', got {describe_value(scores)}")
    if isinstance(groups, str | bytes) or len(groups) != low.size:
        raise StatsInputError(f"groups: must have one label per observation ({low.size})")
    names: dict[str, int] = {}
    codes = np.array([names.setdefault(str(g), len(names)) for g in groups], dtype=np.intp)
    if len(names) < 2:
        raise StatsInputError(f"groups: need at least two groups to compare, got {len(names)}")
    u_low, u_kind, u_high, counts, inverse = _unique(low, kind, high)
    fit = _fit(u_low, u_kind, u_high, counts, tol=tol, max_iter=max_iter)
    c = _scores(u_low, u_kind, u_high, fit, scores)[inverse]
    samples = [c[codes == g] for g in range(len(names))]
    sizes = [s.size for s in samples]
    statistic_of = _quadratic(sizes, low.size)
    statistic = float(statistic_of(*samples, axis=-1))
    df = len(names) - 1
    sums = tuple(float(s.sum()) for s in samples)
    z = None
    if df == 1:
        spread = float(((c - c.mean()) ** 2).sum() / (low.size - 1))
        variance = spread * sizes[0] * sizes[1] / low.size
        z = (sums[0] - sizes[0] * float(c.mean())) / math.sqrt(variance) if variance > 0 else 0.0
    p_permutation = None
    exact = False
    if n_resamples:
        p_permutation, exact = _permutation_p(
            samples, statistic_of, alternative="greater", n_resamples=n_resamples, random_state=random_state
        )
    return IntervalLogRank(
        scores=scores,
        groups=tuple(names),
        sizes=tuple(sizes),
        score_statistics=sums,
        statistic=statistic,
        df=df,
        p_value=float(stats.chi2.sf(statistic, df)),
        p_permutation=p_permutation,
        permutation_exact=exact,
        n_resamples=n_resamples,
        random_state=random_state,
        z=z,
    )
