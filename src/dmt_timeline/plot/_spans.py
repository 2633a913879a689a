"""What partial dates allow, in fractional calendar years: episode spans and response windows."""

from __future__ import annotations

import calendar
import datetime as dt

import attrs

from dmt_timeline.dates import PartialDate
from dmt_timeline.model import ONGOING, Patient, ResponseObservation
from dmt_timeline.timeline import Timeline


def _year(day: dt.date) -> float:
    """A day as a fractional calendar year, so the x axis reads in years."""
    length = 366 if calendar.isleap(day.year) else 365
    return day.year + (day.timetuple().tm_yday - 1) / length


def _add_months(day: dt.date, months: int) -> dt.date:
    ordinal = day.year * 12 + day.month - 1 + months
    year, month = divmod(ordinal, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@attrs.frozen
class _Span:
    """What the dates allow for one episode, in fractional years."""

    start_lo: float
    start_hi: float
    stop_lo: float
    stop_hi: float | None  # None: open-ended (no later bound in the data)
    ongoing: bool


def _spans(timeline: Timeline) -> list[_Span]:
    spans: list[_Span] = []
    episodes = timeline.episodes
    for i, episode in enumerate(episodes):
        start_lo, start_hi = episode.start.first_day, episode.start.last_day
        stop_hi: dt.date | None
        if isinstance(episode.stop, PartialDate):
            stop_lo, stop_hi = max(episode.stop.first_day, start_lo), episode.stop.last_day
        elif episode.stop is ONGOING:
            # Still on it at last follow-up: certain up to there, unknown after.
            stop_lo = timeline.last_follow_up.first_day if timeline.last_follow_up else start_hi
            stop_hi = None
        else:
            # Not recorded: it may have stopped any day from its start to the next start (or
            # last follow-up); a bound derived from the data, never an invented date.
            stop_lo = start_lo
            if i + 1 < len(episodes):
                stop_hi = max(start_lo, episodes[i + 1].start.last_day)
            elif timeline.last_follow_up is not None:
                stop_hi = max(start_lo, timeline.last_follow_up.last_day)
            else:
                stop_hi = None
        spans.append(
            _Span(
                _year(start_lo),
                _year(start_hi),
                _year(stop_lo),
                None if stop_hi is None else _year(stop_hi),
                episode.stop is ONGOING,
            )
        )
    return spans


def _response_window(patient: Patient, obs: ResponseObservation) -> tuple[float, float]:
    """The days a response can have been observed on, as fractional years."""
    if obs.date is not None:
        return _year(obs.date.first_day), _year(obs.date.last_day)
    assert obs.latency_months is not None  # an observation has a date or a latency
    start = patient.episodes[obs.episode].start
    return (
        _year(_add_months(start.first_day, obs.latency_months)),
        _year(_add_months(start.last_day, obs.latency_months)),
    )
