"""Annualised relapse rate (ARR): relapses counted over exposure years, per patient over a
period and per therapy episode, as a range when dates are partial.

A period covers its first and last day (a therapy from 2020-01-01 to 2020-12-31 is 366 days,
so a relapse on either day counts); a year is 365.25 days. When the period's ends or relapse
onsets are known only to the month or year, the count and the exposure are each given as the
fewest and the most over every reading of the dates, and the rate as the lowest and highest
those allow (outer bounds: each reading's rate lies between them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

import attrs

from dmt_timeline._collector import collector_paused
from dmt_timeline.dates import PartialDate, Truth
from dmt_timeline.errors import StatsInputError, TimelineError, quoted
from dmt_timeline.latency import CensorAt, _censoring_end, _check_censor_at, _index_starts
from dmt_timeline.model import Cohort, Patient, StopState
from dmt_timeline.outcomes.attribution import _NEVER, _code_ordinal
from dmt_timeline.regimens import REGIMENS, Regimens
from dmt_timeline.timeline import _LAST_DAY, DEFAULT_MAX_OVERLAP_MONTHS, Selector, Timeline

__all__ = [
    "DAYS_PER_YEAR",
    "FirstRelapse",
    "PooledRate",
    "RelapseRate",
    "cohort_first_relapses",
    "episode_relapse_rates",
    "first_relapse",
    "pooled_relapse_rate",
    "relapse_rate",
]

DAYS_PER_YEAR = 365.25
"""The length of a year in exposure time."""


@attrs.frozen(kw_only=True)
class RelapseRate:
    """Relapses over exposure in one period.

    Attributes:
        patient: The patient's id.
        episode: The episode's index in ``patient.episodes``, or None for a period given by hand.
        start: The first day of the period.
        stop: The last day of the period.
        relapses: The fewest and the most relapses with an onset in the period.
        exposure_days: The fewest and the most days in the period.
    """

    patient: str
    episode: int | None
    start: PartialDate
    stop: PartialDate
    relapses: tuple[int, int]
    exposure_days: tuple[int, int]

    @property
    def exposure_years(self) -> tuple[float, float]:
        """The exposure in years (365.25 days), fewest and most."""
        low, high = self.exposure_days
        return low / DAYS_PER_YEAR, high / DAYS_PER_YEAR

    @property
    def rate(self) -> tuple[float, float]:
        """The lowest and highest annualised relapse rate (equal when the dates are exact);
        ``math.inf`` as the highest when the period may be empty and hold a relapse."""
        (few, many), (short, long) = self.relapses, self.exposure_years
        low = few / long if long > 0 else 0.0
        if short > 0:
            return low, many / short
        return low, (math.inf if many else 0.0)

    @property
    def is_exact(self) -> bool:
        """Whether the count and the exposure are each one number."""
        return self.relapses[0] == self.relapses[1] and self.exposure_days[0] == self.exposure_days[1]

    def __str__(self) -> str:
        low, high = self.rate
        where = "" if self.episode is None else f" episode {self.episode}"
        head = f"{self.patient}{where} {self.start}..{self.stop}"
        if self.is_exact:
            return f"{head}: {self.relapses[0]} relapses in {self.exposure_days[0]} days, ARR {low:.3g}"
        return (
            f"{head}: {self.relapses[0]}-{self.relapses[1]} relapses"
            f" in {self.exposure_days[0]}-{self.exposure_days[1]} days, ARR {low:.3g}-{high:.3g}"
        )


@attrs.frozen(kw_only=True)
class PooledRate:
    """A cohort's annualised relapse rate: every relapse over every exposure year, pooled.

    Attributes:
        periods: How many periods (patients or episodes) were pooled.
        relapses: The fewest and the most relapses over all readings of the dates.
        exposure_years: The fewest and the most exposure years.
        rate: The lowest and highest pooled rate (equal when every date is exact).
        interval: The confidence interval: its lower limit on the reading that gives the fewest
            relapses over the most years, its upper limit on the most relapses over the fewest
            years, so that it holds every reading's interval.
        confidence: The confidence level.
        method: How the interval is computed (see :func:`pooled_relapse_rate`).
    """

    periods: int
    relapses: tuple[int, int]
    exposure_years: tuple[float, float]
    rate: tuple[float, float]
    interval: tuple[float, float]
    confidence: float
    method: str = "exact Poisson (Garwood)"

    def __str__(self) -> str:
        low, high = self.rate
        shown = f"{low:.3g}" if low == high else f"{low:.3g}-{high:.3g}"
        lower, upper = self.interval
        return (
            f"ARR {shown} ({self.confidence:.0%} CI {lower:.3g}-{upper:.3g}, {self.method}) from "
            f"{_span(self.relapses)} relapses over {self.exposure_years[0]:.4g}"
            + ("" if self.exposure_years[0] == self.exposure_years[1] else f"-{self.exposure_years[1]:.4g}")
            + f" years, {self.periods} periods"
        )


def _span(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}-{pair[1]}"


def pooled_relapse_rate(rates: Iterable[RelapseRate], *, confidence: float = 0.95) -> PooledRate:
    """The annualised relapse rate of a group: all relapses over all exposure years.

    The interval is the exact Poisson interval of the relapse count (Garwood 1936, from the
    chi-square distribution: the interval of R's ``poisson.test``) divided by the exposure. It
    treats relapses as a Poisson process with one rate for the whole group, so it is narrower
    than it should be when patients' rates differ (overdispersion); trials use negative binomial
    regression for that, which needs covariates and is left to a modelling library.

    Under partial dates the count and the exposure are ranges: the rate is given as its lowest
    and highest, and the interval runs from the lower limit of the fewest relapses over the most
    years to the upper limit of the most relapses over the fewest years.

    Args:
        rates: Periods from :func:`relapse_rate` or :func:`episode_relapse_rates` (for example
            every episode of one therapy across a cohort).
        confidence: The confidence level, between 0 and 1.

    Raises:
        StatsInputError: a confidence level outside (0, 1), no periods, or no exposure at all.
    """
    from scipy.stats import chi2  # noqa: PLC0415 - scipy is slow to import

    if not 0 < confidence < 1:
        raise StatsInputError(f"confidence {quoted(confidence)} is not between 0 and 1")
    periods = list(rates)
    if not periods:
        raise StatsInputError("pooled_relapse_rate: no periods")
    few = sum(r.relapses[0] for r in periods)
    many = sum(r.relapses[1] for r in periods)
    short = sum(r.exposure_days[0] for r in periods) / DAYS_PER_YEAR
    long = sum(r.exposure_days[1] for r in periods) / DAYS_PER_YEAR
    if long <= 0:
        raise StatsInputError("pooled_relapse_rate: the periods hold no exposure")
    alpha = 1 - confidence
    lower = float(chi2.ppf(alpha / 2, 2 * few) / 2) if few else 0.0
    upper_count = float(chi2.ppf(1 - alpha / 2, 2 * many + 2) / 2)
    rate_high = many / short if short > 0 else (math.inf if many else 0.0)
    upper = upper_count / short if short > 0 else math.inf
    return PooledRate(
        periods=len(periods),
        relapses=(few, many),
        exposure_years=(short, long),
        rate=(few / long, rate_high),
        interval=(lower / long, upper),
        confidence=confidence,
    )


def _rate(patient: Patient, episode: int | None, start: PartialDate, stop: PartialDate) -> RelapseRate:
    first, last = start.first_day.toordinal(), start.last_day.toordinal()
    end_first, end_last = stop.first_day.toordinal(), stop.last_day.toordinal()
    if end_last < first:
        where = "the period" if episode is None else f"episodes[{episode}]"
        raise TimelineError(
            f"patient {quoted(patient.id)}: {where} stops ({quoted(str(stop))}) before it starts "
            f"({quoted(str(start))})"
        )
    certain = possible = 0
    for relapse in patient.relapses:
        low, high = relapse.onset.first_day.toordinal(), relapse.onset.last_day.toordinal()
        if low >= last and high <= end_first:
            certain += 1
        if high >= first and low <= end_last:
            possible += 1
    days = (max(end_first - last + 1, 0), end_last - first + 1)
    counts = (certain, possible)
    return RelapseRate(
        patient=patient.id, episode=episode, start=start, stop=stop, relapses=counts, exposure_days=days
    )


def relapse_rate(patient: Patient, start: PartialDate | str, stop: PartialDate | str) -> RelapseRate:
    """A patient's annualised relapse rate from ``start`` to ``stop`` (both days included).

    Args:
        patient: The patient; its ``relapses`` are counted.
        start: The first day of the period (a partial date, or its text).
        stop: The last day.

    Returns:
        The count, exposure and rate, as ranges when dates are partial.

    Raises:
        TimelineError: The period stops before it starts on every reading.
        InvalidDateError: ``start`` or ``stop`` is not a date.
    """
    return _rate(patient, None, PartialDate.coerce(start), PartialDate.coerce(stop))


def episode_relapse_rates(patient: Patient, *, skip_unknown_stop: bool = False) -> tuple[RelapseRate, ...]:
    """The annualised relapse rate on each of a patient's therapy episodes, in order.

    An ongoing episode runs to the patient's ``last_follow_up``. Relapses are counted on the
    episode they occurred on, from its start to its stop, with no onset or carry-over window.

    Args:
        patient: The patient.
        skip_unknown_stop: Leave out episodes whose stop is not recorded (or ongoing with no
            ``last_follow_up``) instead of refusing them.

    Returns:
        One rate per episode with a known end.

    Raises:
        TimelineError: An episode's stop is not recorded (or it is ongoing and the patient has
            no ``last_follow_up``), unless ``skip_unknown_stop``.
    """
    rates = []
    for i, episode in enumerate(patient.episodes):
        stop = episode.stop
        if stop is StopState.ONGOING and patient.last_follow_up is not None:
            stop = patient.last_follow_up
        if isinstance(stop, StopState):
            if skip_unknown_stop:
                continue
            why = "is not recorded" if stop is StopState.NOT_RECORDED else "is ongoing with no last_follow_up"
            raise TimelineError(f"patient {quoted(patient.id)}: episodes[{i}] stop {why}: no exposure")
        rates.append(_rate(patient, i, episode.start, stop))
    return tuple(rates)


@attrs.frozen(kw_only=True)
class FirstRelapse:
    """Days from the start of an index episode to the first relapse on or after it, censored
    when the index treatment ends (or at the last follow-up), as a latency is.

    Attributes:
        patient: The patient's id.
        episode: The index episode's position in ``patient.episodes``.
        start: The index episode's start.
        observed: Whether a relapse came before the censoring, on every reading (TRUE), on none
            (FALSE), or on some (UNDETERMINED).
        days: When observed, the fewest and the most days to the first relapse; when not, the
            fewest and the most days of follow-up; when undetermined, the fewest and the most
            days to the first of the two.
        relapse: The position in ``patient.relapses`` of the relapse that is certainly first,
            when one is.
    """

    patient: str
    episode: int
    start: PartialDate
    observed: Truth
    days: tuple[int, int]
    relapse: int | None = None

    @property
    def interval(self) -> tuple[float, float]:
        """The time to the first relapse as an interval for
        :func:`~dmt_timeline.stats.turnbull` (``closed="both"``): the event lies in
        ``[low, high]`` days when observed; otherwise it is known only to come after ``low``
        (right-censored, ``high`` infinite), which is all an undetermined reading allows."""
        low, high = self.days
        if self.observed is Truth.TRUE:
            return float(low), float(high)
        return float(low), math.inf

    def __str__(self) -> str:
        low, high = self.days
        span = f"{low} days" if low == high else f"{low}-{high} days"
        what = {Truth.TRUE: "first relapse after", Truth.FALSE: "censored after"}.get(
            self.observed, "first relapse or censoring after"
        )
        return f"{self.patient} episodes[{self.episode}] from {self.start}: {what} {span}"

    def __repr__(self) -> str:
        low, high = self.days
        where = f"{quoted(self.patient)} episodes[{self.episode}]"
        return f"<FirstRelapse {where}: {low}..{high} days, observed {self.observed.value}>"


def first_relapse(
    patient: Patient,
    *,
    episode: int,
    censor_at: CensorAt = "index end",
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
    regimens: Regimens = REGIMENS,
) -> FirstRelapse:
    """The time from the start of the episode at position ``episode`` to the first relapse.

    A relapse on the start day counts (0 days). With ``censor_at="index end"`` (the default)
    follow-up ends at the first of the index treatment's end, the next therapy's start and the
    last follow-up; with ``"last follow-up"``, at the last follow-up (see
    :data:`~dmt_timeline.latency.CENSOR_AT`). A relapse on the censoring day counts.

    Raises:
        TimelineError: what :meth:`Timeline.of <dmt_timeline.Timeline.of>` refuses; naming the
            patient when ``episode`` names none of the episodes, or when no relapse certainly
            came and there is nothing to censor at (no stop, no later episode, no last follow-up).
    """
    if not isinstance(episode, int) or isinstance(episode, bool) or not 0 <= episode < len(patient.episodes):
        raise TimelineError(
            f"patient {quoted(patient.id)}: episode {quoted(episode)} does not name one of the "
            f"{len(patient.episodes)} episodes"
        )
    _check_censor_at(censor_at)
    timeline = Timeline.of(patient, max_overlap_months=max_overlap_months)
    return _first_relapse(patient, episode, censor_at, timeline, regimens)


def _follow_up_end(
    patient: Patient, episode: int, censor_at: CensorAt, timeline: Timeline, regimens: Regimens
) -> tuple[int, int] | None:
    """The earliest and latest day (ordinals) follow-up from the episode at position ``episode``
    ends, censored as a latency is (``latency.py``): at the first of the index treatment's end and
    the last follow-up, or at the last follow-up alone; None when nothing bounds it."""
    end_lo, end_hi = _censoring_end(patient, patient.episodes[episode], censor_at, timeline, regimens)
    if end_hi == _LAST_DAY:
        return None
    return _code_ordinal(end_lo), _code_ordinal(end_hi)


def _first_relapse(
    patient: Patient, episode: int, censor_at: CensorAt, timeline: Timeline, regimens: Regimens
) -> FirstRelapse:
    index = patient.episodes[episode]
    end = _follow_up_end(patient, episode, censor_at, timeline, regimens)
    open_ended = end is None
    c_lo, c_hi = (_NEVER, _NEVER) if end is None else end
    s_lo, s_hi = index.start.first_day.toordinal(), index.start.last_day.toordinal()
    soonest = latest_certain = None  # days to the first relapse: least over all, most if certain
    first = None
    for i, relapse in enumerate(patient.relapses):
        r_lo, r_hi = relapse.onset.first_day.toordinal(), relapse.onset.last_day.toordinal()
        if r_hi < s_lo or r_lo > c_hi:
            continue  # before the start or after the censoring on every reading
        low = max(r_lo - s_hi, 0)
        soonest = low if soonest is None else min(soonest, low)
        if r_lo >= s_hi and r_hi <= c_lo:  # inside the follow-up on every reading
            high = r_hi - s_lo
            if latest_certain is None or high < latest_certain:
                latest_certain, first = high, i
    censor = (max(c_lo - s_hi, 0), max(c_hi - s_lo, 0))
    if latest_certain is not None and soonest is not None:
        # Another relapse that may come first (its range begins before the certain one ends)
        # leaves which one is first open, not whether one came.
        assert first is not None  # set with latest_certain
        last = patient.relapses[first].onset.last_day
        unique = all(
            i == first or not (r.onset.first_day <= last and r.onset.last_day.toordinal() >= s_lo)
            for i, r in enumerate(patient.relapses)
        )
        return FirstRelapse(
            patient=patient.id,
            episode=episode,
            start=index.start,
            observed=Truth.TRUE,
            days=(soonest, latest_certain),
            relapse=first if unique else None,
        )
    if open_ended:
        raise TimelineError(
            f"patient {quoted(patient.id)}: no relapse certainly after {index} and no "
            "last_follow_up to censor at"
        )
    if soonest is None:
        return FirstRelapse(
            patient=patient.id, episode=episode, start=index.start, observed=Truth.FALSE, days=censor
        )
    return FirstRelapse(
        patient=patient.id,
        episode=episode,
        start=index.start,
        observed=Truth.UNDETERMINED,
        days=(min(soonest, censor[0]), censor[1]),
    )


@collector_paused()  # many small results without cycles: see dmt_timeline._collector
def cohort_first_relapses(
    cohort: Cohort | Iterable[Patient],
    *,
    index: Selector,
    initiation: Literal["first", "last"] = "first",
    censor_at: CensorAt = "index end",
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
    regimens: Regimens = REGIMENS,
) -> tuple[FirstRelapse, ...]:
    """:func:`first_relapse` after each patient's first (or last) start of ``index``; patients
    who never started it are left out (as :func:`~dmt_timeline.cohort_latencies` does)."""
    _check_censor_at(censor_at)
    starts = _index_starts(cohort, index, initiation=initiation, max_overlap_months=max_overlap_months)
    return tuple(
        _first_relapse(patient, position, censor_at, timeline, regimens)
        for patient, position, timeline in starts
    )
