"""Right-censored time-to-event estimation: Kaplan-Meier, the log-rank test, Aalen-Johansen.

The conventions are lifelines' (``KaplanMeierFitter``, ``multivariate_logrank_test``,
``AalenJohansenFitter``), so results agree with it to rounding; the tests hold them to 1e-8:

- the timeline is every distinct duration, with 0 in front; at a time with both events and
  censorings, the events come first (the censored are at risk at their own time);
- pointwise confidence intervals use Greenwood's variance on the log(-log) scale ("exponential
  Greenwood", R's ``conf.type="log-log"``); where S = 1 the interval is [1, 1];
- the median is the first time S(t) <= 0.5 (infinity when S never gets there), and its
  interval is where the pointwise confidence limits cross 0.5, which is what lifelines'
  ``median_survival_times(confidence_interval_)`` gives (the Brookmeyer-Crowley idea of
  inverting the pointwise interval, here with the log(-log) interval);
- numbers at risk at a time t count the durations >= t (R's ``summary(survfit, times=)``).

numpy and scipy only; lifelines is the reference in the tests, not a dependency.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Any

import attrs
import numpy as np
from scipy import stats

from dmt_timeline.errors import StatsInputError, describe_value
from dmt_timeline.stats._format import _fmt, _table
from dmt_timeline.stats._validation import _FloatArray

__all__ = [
    "CumulativeIncidence",
    "KaplanMeier",
    "LogRank",
    "aalen_johansen",
    "kaplan_meier",
    "logrank",
]


def _durations(values: object, what: str = "durations") -> _FloatArray:
    """Finite, non-negative numbers as a float array (strings and booleans refused)."""
    if isinstance(values, str | bytes) or not hasattr(values, "__len__"):
        raise StatsInputError(f"{what}: must be a sequence of numbers, got {type(values).__name__}")
    array = np.asarray(values)
    if array.ndim != 1 or array.size == 0:
        raise StatsInputError(f"{what}: must be a non-empty one-dimensional sequence of numbers")
    if array.dtype == np.bool_ or not (
        np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    ):
        raise StatsInputError(f"{what}: must hold numbers, got values of type {array.dtype}")
    out = array.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(out) | (out < 0))
    if bad.size:
        i = int(bad[0])
        raise StatsInputError(f"{what}[{i}] = {describe_value(float(out[i]))} is not a finite number >= 0")
    return out


def _observed(values: object, n: int) -> npt_bool:
    if values is None:
        return np.ones(n, dtype=np.bool_)
    array = np.asarray(values)
    if array.shape != (n,):
        raise StatsInputError(f"observed: must have one entry per duration ({n}), got shape {array.shape}")
    if array.dtype != np.bool_:
        if not np.issubdtype(array.dtype, np.integer) or not np.isin(array, (0, 1)).all():
            raise StatsInputError("observed: must hold booleans (or 0 and 1)")
        array = array.astype(np.bool_)
    return array


npt_bool = Any  # a boolean numpy array; numpy's own typing gains nothing here


def _check_alpha(alpha: float) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise StatsInputError(
            f"alpha: must be a number strictly between 0 and 1, got {describe_value(alpha)}"
        )
    return float(alpha)


def _event_table(
    durations: _FloatArray, observed: npt_bool
) -> tuple[_FloatArray, _FloatArray, _FloatArray, _FloatArray]:
    """Times (0 first), at risk, events and censorings at each time."""
    weights = observed.astype(np.float64)
    whole = durations.astype(np.int64)
    if int(whole.max()) <= 4 * durations.size + 1024 and (whole == durations).all():
        # Whole numbers in a modest range (months, days): counted directly, in linear time.
        counts = np.bincount(whole).astype(np.float64)
        present = np.flatnonzero(counts)
        times = present.astype(np.float64)
        removed = counts[present]
        events = np.bincount(whole, weights=weights)[present].astype(np.float64)
    else:
        times, inverse = np.unique(durations, return_inverse=True)
        removed = np.bincount(inverse, minlength=times.size).astype(np.float64)
        events = np.bincount(inverse, weights=weights, minlength=times.size).astype(np.float64)
    if times[0] != 0.0:
        times = np.concatenate(([0.0], times))
        removed = np.concatenate(([0.0], removed))
        events = np.concatenate(([0.0], events))
    at_risk = (durations.size - np.concatenate(([0.0], np.cumsum(removed)[:-1]))).astype(np.float64)
    return times.astype(np.float64), at_risk, events, removed - events


def _first_at_or_below(times: _FloatArray, curve: _FloatArray, level: float) -> float:
    hits = np.flatnonzero(curve <= level)
    return float(times[hits[0]]) if hits.size else math.inf


def _tuple(array: _FloatArray) -> tuple[float, ...]:
    return tuple(float(x) for x in array)


@attrs.frozen
class KaplanMeier:
    """A Kaplan-Meier estimate, with lifelines' names for its parts.

    Attributes:
        timeline: 0 and every distinct duration, increasing.
        survival_function: S(t) at each time of the timeline (right-continuous).
        confidence_lower: Lower pointwise confidence limit at each time (log(-log) Greenwood).
        confidence_upper: Upper pointwise confidence limit at each time.
        at_risk_counts: Durations >= each time.
        events: Events at each time.
        censored: Censorings at each time.
        alpha: 1 - the confidence level.
        median: First time S(t) <= 0.5; infinity when S stays above 0.5.
        median_confidence_interval: Times where the lower and upper limits first reach 0.5.
    """

    timeline: tuple[float, ...]
    survival_function: tuple[float, ...]
    confidence_lower: tuple[float, ...]
    confidence_upper: tuple[float, ...]
    at_risk_counts: tuple[int, ...]
    events: tuple[int, ...]
    censored: tuple[int, ...]
    alpha: float
    median: float
    median_confidence_interval: tuple[float, float]

    @property
    def confidence_interval(self) -> tuple[tuple[float, float], ...]:
        """(lower, upper) at each time of the timeline."""
        return tuple(zip(self.confidence_lower, self.confidence_upper, strict=True))

    @property
    def n(self) -> int:
        """Number of durations."""
        return self.at_risk_counts[0]

    def survival_at(self, time: float) -> float:
        """S(time): the value of the step function at ``time`` (1 before the first event)."""
        i = int(np.searchsorted(self.timeline, time, side="right")) - 1
        return 1.0 if i < 0 else self.survival_function[i]

    def at_risk(self, times: Sequence[float]) -> tuple[int, ...]:
        """Numbers at risk (durations >= t) at each of ``times``, for a table under a figure."""
        timeline = np.asarray(self.timeline)
        counts = (*self.at_risk_counts, 0)
        return tuple(int(counts[int(np.searchsorted(timeline, t, side="left"))]) for t in times)

    def as_dict(self) -> dict[str, Any]:
        """JSON-compatible builtins (infinity as ``None``)."""
        return {
            "timeline": list(self.timeline),
            "survival_function": list(self.survival_function),
            "confidence_lower": list(self.confidence_lower),
            "confidence_upper": list(self.confidence_upper),
            "at_risk": list(self.at_risk_counts),
            "events": list(self.events),
            "censored": list(self.censored),
            "alpha": self.alpha,
            "median": _finite_or_none(self.median),
            "median_confidence_interval": [_finite_or_none(x) for x in self.median_confidence_interval],
        }

    def __str__(self) -> str:
        level = f"{100 * (1 - self.alpha):g}%"
        low, high = self.median_confidence_interval
        lines = [
            f"Kaplan-Meier estimate: n = {self.n}, events = {sum(self.events)}",
            f"  median {_fmt(self.median)} ({level} CI {_fmt(low)} to {_fmt(high)})",
        ]
        rows = [
            [_fmt(t), str(r), str(e), str(c), _fmt(s), _fmt(lo), _fmt(hi)]
            for t, r, e, c, s, lo, hi in zip(
                self.timeline,
                self.at_risk_counts,
                self.events,
                self.censored,
                self.survival_function,
                self.confidence_lower,
                self.confidence_upper,
                strict=True,
            )
        ]
        lines += _table(["time", "at risk", "events", "censored", "S(t)", "lower", "upper"], rows)
        return "\n".join(lines)


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def kaplan_meier(
    durations: Sequence[float] | _FloatArray,
    observed: Sequence[bool] | npt_bool | None = None,
    *,
    alpha: float = 0.05,
) -> KaplanMeier:
    """The Kaplan-Meier estimate of S(t) = P(T > t) from right-censored durations.

    Args:
        durations: Time to the event or to censoring, each finite and >= 0.
        observed: True where the event was seen, False where censored; all True when None.
        alpha: 1 - the confidence level of the pointwise intervals.

    Returns:
        The estimate; see the module docstring for the conventions.

    Raises:
        StatsInputError: empty, negative or non-finite durations, ``observed`` of another
            length or not boolean, or ``alpha`` outside (0, 1).
    """
    times_in = _durations(durations)
    seen = _observed(observed, times_in.size)
    alpha = _check_alpha(alpha)
    times, at_risk, events, censored = _event_table(times_in, seen)
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.exp(np.cumsum(np.log(at_risk - events) - np.log(at_risk)))
        term = events / (at_risk * (at_risk - events))
        term[np.isinf(term)] = 0.0  # as lifelines: a time where everyone left adds no variance
        greenwood = np.cumsum(term)
        z = float(stats.norm.ppf(1 - alpha / 2))
        log_s = np.log(survival)
        lower = np.exp(-np.exp(np.log(-log_s) - z * np.sqrt(greenwood) / log_s))
        upper = np.exp(-np.exp(np.log(-log_s) + z * np.sqrt(greenwood) / log_s))
    lower[np.isnan(lower)] = 1.0
    upper[np.isnan(upper)] = 1.0
    return KaplanMeier(
        timeline=_tuple(times),
        survival_function=_tuple(survival),
        confidence_lower=_tuple(lower),
        confidence_upper=_tuple(upper),
        at_risk_counts=tuple(int(x) for x in at_risk),
        events=tuple(int(x) for x in events),
        censored=tuple(int(x) for x in censored),
        alpha=alpha,
        median=_first_at_or_below(times, survival, 0.5),
        median_confidence_interval=(
            _first_at_or_below(times, lower, 0.5),
            _first_at_or_below(times, upper, 0.5),
        ),
    )


@attrs.frozen
class LogRank:
    """A log-rank comparison of survival across groups.

    Attributes:
        groups: Group names, in order of first appearance.
        observed: Events in each group.
        expected: Events expected in each group under equal hazards.
        statistic: The chi-squared statistic (O - E)' V^- (O - E).
        df: Degrees of freedom, groups - 1.
        p_value: Upper-tail chi-squared(df) probability.
    """

    groups: tuple[str, ...]
    observed: tuple[float, ...]
    expected: tuple[float, ...]
    statistic: float
    df: int
    p_value: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-compatible builtins."""
        return {
            "test": "log-rank",
            "groups": list(self.groups),
            "observed": list(self.observed),
            "expected": list(self.expected),
            "statistic": self.statistic,
            "df": self.df,
            "p_value": self.p_value,
        }

    def __str__(self) -> str:
        lines = [f"Log-rank test: chi-squared {_fmt(self.statistic)}, df {self.df}, p {_fmt(self.p_value)}"]
        rows = [
            [g, _fmt(o), _fmt(e)] for g, o, e in zip(self.groups, self.observed, self.expected, strict=True)
        ]
        return "\n".join(lines + _table(["group", "observed", "expected"], rows))


def _labels(groups: Sequence[Hashable], n: int) -> tuple[tuple[str, ...], Any]:
    if isinstance(groups, str | bytes) or len(groups) != n:
        raise StatsInputError(f"groups: must have one label per duration ({n})")
    names: dict[str, int] = {}
    codes = np.empty(n, dtype=np.intp)
    for i, label in enumerate(groups):
        if label is None:
            raise StatsInputError(f"groups[{i}]: a label is missing")
        codes[i] = names.setdefault(str(label), len(names))
    return tuple(names), codes


def logrank(
    durations: Sequence[float] | _FloatArray,
    groups: Sequence[Hashable],
    observed: Sequence[bool] | npt_bool | None = None,
) -> LogRank:
    """The log-rank test that two or more groups share one survival function.

    At each distinct event time, events are shared out in proportion to the numbers at risk
    (hypergeometric expectation and covariance); the statistic is the quadratic form of
    observed minus expected over all but the last group, referred to chi-squared with
    groups - 1 df. This is lifelines' ``logrank_test`` for two groups and
    ``multivariate_logrank_test`` for more.

    Args:
        durations: Time to the event or censoring, each finite and >= 0.
        groups: A label per duration (compared by their text); at least two distinct.
        observed: True where the event was seen; all True when None.

    Returns:
        The test.

    Raises:
        StatsInputError: bad durations or flags, labels of another length, fewer than two groups.
    """
    times_in = _durations(durations)
    seen = _observed(observed, times_in.size)
    names, codes = _labels(groups, times_in.size)
    if len(names) < 2:
        raise StatsInputError(f"groups: need at least two groups to compare, got {len(names)}")
    k = len(names)
    times, inverse = np.unique(times_in, return_inverse=True)
    m = times.size
    # Per time and group: events, and removals (to derive numbers at risk).
    events = np.zeros((m, k))
    removed = np.zeros((m, k))
    np.add.at(removed, (inverse, codes), 1.0)
    np.add.at(events, (inverse[seen], codes[seen]), 1.0)
    at_risk = removed[::-1].cumsum(axis=0)[::-1]
    n = at_risk.sum(axis=1)
    d = events.sum(axis=1)
    keep = d > 0
    n, d, at_risk, events = n[keep], d[keep], at_risk[keep], events[keep]
    expected = at_risk * (d / n)[:, None]
    share = at_risk / n[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    variance = np.einsum("t,ti,ij->ij", factor, share, np.eye(k)) - np.einsum(
        "t,ti,tj->ij", factor, share, share
    )
    diff = events.sum(axis=0) - expected.sum(axis=0)
    sub = variance[:-1, :-1]
    statistic = float(diff[:-1] @ np.linalg.pinv(sub) @ diff[:-1])
    df = k - 1
    return LogRank(
        groups=names,
        observed=_tuple(events.sum(axis=0)),
        expected=_tuple(expected.sum(axis=0)),
        statistic=statistic,
        df=df,
        p_value=float(stats.chi2.sf(statistic, df)),
    )


@attrs.frozen
class CumulativeIncidence:
    """An Aalen-Johansen estimate of the cumulative incidence of one cause among competing ones.

    Attributes:
        cause: The event code of interest.
        timeline: 0 and every distinct duration, increasing.
        cumulative_incidence: F(t) = P(T <= t, cause) at each time.
        confidence_lower: Lower pointwise limit (delta-method variance, log(-log) scale).
        confidence_upper: Upper pointwise limit.
        variance: The variance of F(t) at each time (Collett's Greenwood-type formula).
        at_risk_counts: Durations >= each time.
        events: Events of the cause at each time.
        alpha: 1 - the confidence level.
    """

    cause: Hashable
    timeline: tuple[float, ...]
    cumulative_incidence: tuple[float, ...]
    confidence_lower: tuple[float, ...]
    confidence_upper: tuple[float, ...]
    variance: tuple[float, ...]
    at_risk_counts: tuple[int, ...]
    events: tuple[int, ...]
    alpha: float

    @property
    def confidence_interval(self) -> tuple[tuple[float, float], ...]:
        """(lower, upper) at each time of the timeline."""
        return tuple(zip(self.confidence_lower, self.confidence_upper, strict=True))

    def incidence_at(self, time: float) -> float:
        """F(time), 0 before the first event."""
        i = int(np.searchsorted(self.timeline, time, side="right")) - 1
        return 0.0 if i < 0 else self.cumulative_incidence[i]

    def at_risk(self, times: Sequence[float]) -> tuple[int, ...]:
        """Numbers at risk (durations >= t) at each of ``times``."""
        timeline = np.asarray(self.timeline)
        counts = (*self.at_risk_counts, 0)
        return tuple(int(counts[int(np.searchsorted(timeline, t, side="left"))]) for t in times)


def aalen_johansen(
    durations: Sequence[float] | _FloatArray,
    events: Sequence[Hashable | None],
    *,
    cause: Hashable,
    censored: Hashable | None = 0,
    alpha: float = 0.05,
) -> CumulativeIncidence:
    """Cumulative incidence of ``cause`` with the other causes competing (Aalen-Johansen).

    F(t) = sum over event times s <= t of S(s-) d_cause(s) / n(s), with S the Kaplan-Meier
    estimate of being free of every cause. Ties between causes are handled exactly (all
    events at a time use the survival just before it); lifelines instead jitters times when
    two causes tie, so the tests compare on data without such ties and check the tied case
    against the formula. Variance and interval are lifelines': Collett's (2015, p. 411)
    Greenwood-type variance and a delta-method interval on the log(-log) scale; where F = 0
    the interval is [0, 0].

    Args:
        durations: Time to the first event of any cause, or to censoring.
        events: The cause of each event, or ``censored`` (or None) where none was seen.
        cause: The cause whose incidence is wanted.
        censored: The code that marks a censored duration.
        alpha: 1 - the confidence level.

    Returns:
        The estimate.

    Raises:
        StatsInputError: bad durations, events of another length, or ``alpha`` outside (0, 1).
    """
    times_in = _durations(durations)
    alpha = _check_alpha(alpha)
    if isinstance(events, str | bytes) or len(events) != times_in.size:
        raise StatsInputError(f"events: must have one entry per duration ({times_in.size})")
    any_event = np.fromiter((e is not None and e != censored for e in events), np.bool_, times_in.size)
    of_cause = np.fromiter(
        (e is not None and e != censored and e == cause for e in events), np.bool_, times_in.size
    )
    times, at_risk, d_all, _ = _event_table(times_in, any_event)
    _, _, d_cause, _ = _event_table(times_in, of_cause)
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.exp(np.cumsum(np.log(at_risk - d_all) - np.log(at_risk)))
        lag = np.concatenate(([1.0], survival[:-1]))
        incidence = np.cumsum(d_cause / at_risk * lag)
        # Var F(t) = sum_i (F(t) - F_i)^2 a_i + sum_i b_i - 2 sum_i (F(t) - F_i) c_i, expanded
        # in powers of F(t) so that every time's sum is a running sum (as lifelines does).
        a = d_all / at_risk / (at_risk - d_all)
        b = lag**2 * d_cause * (at_risk - d_cause) / at_risk**3
        c = lag * d_cause / at_risk**2
        sa, sab, sabb = np.cumsum(a), np.cumsum(a * incidence), np.cumsum(a * incidence**2)
        sc, scb = np.cumsum(c), np.cumsum(c * incidence)
        variance = (
            (sabb - 2 * incidence * sab + incidence**2 * sa) + np.cumsum(b) - 2 * (incidence * sc - scb)
        )
        log_f = np.log(incidence)
        se = np.sqrt(variance) / (incidence * np.abs(log_f))
        z = float(stats.norm.ppf(1 - alpha / 2))
        one = np.exp(-np.exp(np.log(-log_f) + z * se))
        two = np.exp(-np.exp(np.log(-log_f) - z * se))
    lower, upper = np.fmin(one, two), np.fmax(one, two)
    zero = incidence == 0
    lower[zero] = 0.0
    upper[zero] = 0.0
    return CumulativeIncidence(
        cause=cause,
        timeline=_tuple(times),
        cumulative_incidence=_tuple(incidence),
        confidence_lower=_tuple(lower),
        confidence_upper=_tuple(upper),
        variance=_tuple(variance),
        at_risk_counts=tuple(int(x) for x in at_risk),
        events=tuple(int(x) for x in d_cause),
        alpha=alpha,
    )
