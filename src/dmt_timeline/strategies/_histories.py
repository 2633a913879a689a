"""Strategies for whole histories: the checked arguments, the episodes in timeline order, and
timelines."""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from collections.abc import Collection
from typing import Final

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from dmt_timeline.catalogue import Therapy
from dmt_timeline.dates import PartialDate, Precision
from dmt_timeline.model import TherapyEpisode
from dmt_timeline.strategies._episodes import _episode, _stop, _therapy_strategy
from dmt_timeline.strategies._partial_dates import (
    _LATEST,
    _checked_dates,
    _date_of,
    _dates,
    _day_range,
    _precisions,
    _unit_range,
)
from dmt_timeline.timeline import DEFAULT_MAX_OVERLAP_MONTHS, Timeline

_DEFAULT_MAX_EPISODES: Final = 6
# How far after the previous start the next one is looked for, in days: near first (a
# realistic history, and the simple end to shrink to), then anywhere.
_WINDOWS: Final = (3 * 366, 12 * 366, None)
_WINDOW_CHOICES: Final = st.sampled_from(_WINDOWS)


def _overlap_limit(next_start: PartialDate, months: int) -> dt.date:
    """The latest first day of a stop that keeps ``whole_months(stop, next start) >= -months``
    on some reading: the day before ``months + 1`` whole months have passed since the next
    start's last day."""
    anchor = next_start.last_day
    target = anchor.year * 12 + anchor.month - 1 + months + 1
    year, month = divmod(target, 12)
    month += 1
    if anchor.day <= monthrange(year, month)[1]:
        first_too_late = dt.date(year, month, anchor.day)
    else:
        year, month = divmod(target + 1, 12)
        first_too_late = dt.date(year, month + 1, 1)
    return min(first_too_late - dt.timedelta(days=1), _LATEST)


@attrs.frozen
class _HistorySpec:
    """The checked arguments shared by :func:`timelines` and :func:`patients`."""

    min_size: int
    max_size: int
    therapies: st.SearchStrategy[Therapy]
    lo: dt.date
    hi: dt.date
    precisions: tuple[Precision, ...]
    sequences: bool | None
    max_overlap_months: int | None
    room: int  # how many starts fit without sequences (distinct first days of the finest unit)


def _history_spec(
    *,
    min_size: int,
    max_size: int | None,
    therapies: st.SearchStrategy[Therapy] | None,
    min_value: PartialDate | dt.date | None,
    max_value: PartialDate | dt.date | None,
    precisions: Collection[Precision] | None,
    sequences: bool | None,
    max_overlap_months: int | None,
    names: tuple[str, str] = ("min_size", "max_size"),
) -> _HistorySpec:
    low_name, high_name = names
    for name, value in ((low_name, min_size), (high_name, max_size)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise InvalidArgument(f"{name}={value!r} must be a whole number >= 0")
    high = max(min_size, _DEFAULT_MAX_EPISODES) if max_size is None else max_size
    if min_size > high:
        raise InvalidArgument(f"{low_name}={min_size} is above {high_name}={max_size}")
    overlap = max_overlap_months
    if overlap is not None and (not isinstance(overlap, int) or isinstance(overlap, bool) or overlap < 0):
        raise InvalidArgument(f"max_overlap_months={overlap!r} must be a whole number >= 0 or None")
    if sequences not in (None, True, False):
        raise InvalidArgument(f"sequences={sequences!r} must be True, False or None")
    lo, hi = _day_range(min_value, max_value)
    chosen = _precisions(precisions)
    _checked_dates(lo, hi, chosen)
    finest = _unit_range(chosen[-1], lo, hi)
    room = 0 if finest is None else finest[1] - finest[0] + 1
    if sequences is False and min_size > room:
        raise InvalidArgument(
            f"{low_name}={min_size} starts do not fit between {lo} and {hi} without sequences "
            f"(at most {room}); pass sequences=None or True"
        )
    return _HistorySpec(
        min_size, high, _therapy_strategy(therapies), lo, hi, chosen, sequences, max_overlap_months, room
    )


def _starts(draw: st.DrawFn, spec: _HistorySpec, size: int, numbered: bool) -> list[PartialDate]:
    """Start dates in timeline order.

    Numbered histories may repeat or tie coarse starts (the sequence orders them), so each
    start is only required not to be certainly before the previous one. Unnumbered starts
    have strictly increasing first days, so the dates alone give the order; each leaves room
    for the starts still to come.
    """
    finest = spec.precisions[-1]
    last_unit = _unit_range(finest, spec.lo, spec.hi)
    found: list[PartialDate] = []
    for k in range(size):
        lo, ends_from, cap, near = spec.lo, None, None, None
        if not numbered and last_unit is not None:
            cap = _date_of(finest, last_unit[1] - (size - 1 - k)).first_day
        if found:
            previous = found[-1].first_day
            if numbered:
                ends_from = previous
            else:
                lo = max(lo, previous + dt.timedelta(days=1))
            window = draw(_WINDOW_CHOICES)
            if window is not None:
                near = dt.date.fromordinal(min(previous.toordinal() + window, _LATEST.toordinal()))
        until = min(d for d in (cap, near, _LATEST) if d is not None)
        dates = _dates(lo, spec.hi, spec.precisions, ends_from=ends_from, starts_until=until)
        if dates is None:  # the window was too narrow for these precisions; look further
            dates = _dates(lo, spec.hi, spec.precisions, ends_from=ends_from, starts_until=cap)
        assert dates is not None  # room was reserved above
        found.append(draw(dates))
    return found


def _history(draw: st.DrawFn, spec: _HistorySpec) -> tuple[list[TherapyEpisode], PartialDate | None]:
    """Episodes in timeline order that :meth:`Timeline.problems` accepts, and a last follow-up."""
    numbered = draw(st.booleans()) if spec.sequences is None else spec.sequences
    high = spec.max_size if numbered else min(spec.max_size, spec.room)
    size = draw(st.integers(spec.min_size, max(high, spec.min_size)))
    if size > spec.room:
        numbered = True
    starts = _starts(draw, spec, size, numbered)
    episodes: list[TherapyEpisode] = []
    for k, start in enumerate(starts):
        therapy = draw(spec.therapies)
        until = None
        if k + 1 < size and spec.max_overlap_months is not None:
            until = _overlap_limit(starts[k + 1], spec.max_overlap_months)
        limited = until is not None
        stop = _stop(
            draw,
            start,
            lo=spec.lo,
            hi=spec.hi,
            precisions=spec.precisions,
            allow_ongoing=not limited,
            starts_until=until,
        )
        episodes.append(_episode(draw, therapy, start, stop, k + 1 if numbered else None))
    follow_up = None
    if draw(st.booleans()):
        latest = max((s.first_day for s in starts), default=None)
        dates = _dates(spec.lo, spec.hi, spec.precisions, ends_from=latest)
        assert dates is not None  # the latest start is a candidate
        follow_up = draw(dates)
    return episodes, follow_up


def timelines(
    *,
    min_size: int = 0,
    max_size: int | None = None,
    therapies: st.SearchStrategy[Therapy] | None = None,
    min_value: PartialDate | dt.date | None = None,
    max_value: PartialDate | dt.date | None = None,
    precisions: Collection[Precision] | None = None,
    sequences: bool | None = None,
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
) -> st.SearchStrategy[Timeline]:
    """Realistic timelines: starts that mostly increase, stops that respect the next start.

    Every generated timeline has no :meth:`~dmt_timeline.Timeline.problems` at
    ``max_overlap_months``, so :meth:`Timeline.of` accepts the same history: only the last
    episode may be ongoing, and no stop certainly overlaps the next start by more than
    ``max_overlap_months`` whole months. With ``max_overlap_months=None`` any episode may be
    ongoing and stops are bounded only by ``max_value``.

    Without sequences, starts have strictly increasing first days (so coarse starts such as
    ``2007`` then ``2007-05`` still overlap on some readings); with sequences (``1, 2, ...``
    in timeline order) starts may tie, and each is only never certainly before the previous.
    The timeline may carry a last follow-up, never before any start. Timelines shrink towards
    fewer episodes, year precision, earlier dates, not-recorded stops and no optional fields.

    Args:
        min_size: The fewest episodes.
        max_size: The most episodes; default ``max(min_size, 6)``.
        therapies: The therapies to draw from; default :func:`therapies`.
        min_value: The earliest day any date may mean.
        max_value: The latest day any date may mean.
        precisions: The precisions of every date; default all three.
        sequences: Number the episodes (True), never (False) or either (None).
        max_overlap_months: The overlap the histories must respect, or None for any.

    Raises:
        InvalidArgument: for sizes that are negative or out of order, bad date bounds, or
            more starts than fit between the bounds without sequences.

    Example::

        @given(timelines(min_value=PartialDate(2000), max_value=PartialDate(2010)))
        def test_transitions(timeline):
            assert len(timeline.transitions()) == max(len(timeline) - 1, 0)
    """
    spec = _history_spec(
        min_size=min_size,
        max_size=max_size,
        therapies=therapies,
        min_value=min_value,
        max_value=max_value,
        precisions=precisions,
        sequences=sequences,
        max_overlap_months=max_overlap_months,
    )

    @st.composite
    def build(draw: st.DrawFn) -> Timeline:
        episodes, follow_up = _history(draw, spec)
        return Timeline.from_episodes(episodes, last_follow_up=follow_up)

    return build()
