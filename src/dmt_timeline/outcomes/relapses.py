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

import attrs

from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import TimelineError, quoted
from dmt_timeline.model import Patient, StopState

__all__ = ["DAYS_PER_YEAR", "RelapseRate", "episode_relapse_rates", "relapse_rate"]

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
