"""Strategies for histories of real regimens: courses and scheduled doses, then maybe a switch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from dmt_timeline.catalogue import CATALOGUE, Therapy
from dmt_timeline.dates import PartialDate, Precision
from dmt_timeline.model import NOT_RECORDED, TherapyEpisode
from dmt_timeline.regimens import REGIMENS, RegimenKind, Regimens
from dmt_timeline.timeline import Timeline


def _coarse(day: dt.date, precision: Precision) -> PartialDate:
    if precision is Precision.YEAR:
        return PartialDate(day.year)
    if precision is Precision.MONTH:
        return PartialDate(day.year, day.month)
    return PartialDate(day.year, day.month, day.day)


def regimen_timelines(
    *,
    min_doses: int = 1,
    max_doses: int = 4,
    regimens: Regimens = REGIMENS,
    kinds: Collection[RegimenKind] = (RegimenKind.COURSES, RegimenKind.INTERVAL),
    precisions: Collection[Precision] | None = None,
    sequences: bool | None = None,
) -> st.SearchStrategy[Timeline]:
    """Timelines of one regimen given as courses or doses, one episode each, spaced about the
    regimen's re-dosing interval apart (on schedule, late, or much later), and perhaps a switch
    to another therapy afterwards at any gap; with a last follow-up or not.

    Every date is the true day written at a drawn precision, so :meth:`Timeline.of` accepts
    every history. Shrinks towards fewer doses, on-schedule spacing, day precision and no switch.

    Args:
        min_doses: The fewest courses or doses.
        max_doses: The most.
        regimens: Where the regimens come from; default the bundled ones.
        kinds: Which kinds of regimen to draw (default: courses and interval).
        precisions: The precisions of every date; default all three.
        sequences: Number the episodes (True), never (False) or either (None).

    Raises:
        InvalidArgument: for counts out of order, or no regimen of the kinds asked for.
    """
    if not 1 <= min_doses <= max_doses:
        raise InvalidArgument(
            f"min_doses={min_doses}, max_doses={max_doses}: need 1 <= min_doses <= max_doses"
        )
    chosen = [r for r in regimens if r.kind in kinds and r.kind is not RegimenKind.CONTINUOUS]
    if not chosen:
        raise InvalidArgument(f"no regimen of the kinds {sorted(k.value for k in kinds)}")
    levels = tuple(precisions) if precisions else (Precision.DAY, Precision.MONTH, Precision.YEAR)
    others = [t for t in CATALOGUE if t.name not in {r.therapy for r in chosen}]

    @st.composite
    def build(draw: st.DrawFn) -> Timeline:
        regimen = draw(st.sampled_from(chosen))
        therapy: Therapy = CATALOGUE.get(regimen.therapy)
        count = draw(st.integers(min_doses, max_doses))
        day = dt.date(2000, 1, 1) + dt.timedelta(days=draw(st.integers(0, 15 * 365)))
        days: list[tuple[dt.date, dt.date]] = []
        for _ in range(count):
            length = draw(st.integers(0, 40))  # a course or infusion: days to weeks
            days.append((day, day + dt.timedelta(days=length)))
            # The next one: on schedule (within a month of the interval), a little or much later.
            late = draw(st.sampled_from((0, 3, 12, 36)))
            spacing = (regimen.redose + late) * 30 + draw(st.integers(-14, 30))
            day = day + dt.timedelta(days=max(spacing, length + 1))
        precision = draw(st.sampled_from(levels))
        number = draw(st.booleans()) if sequences is None else sequences
        episodes = [
            TherapyEpisode(
                therapy,
                _coarse(start, draw(st.sampled_from(levels)) if draw(st.booleans()) else precision),
                stop=_coarse(stop, draw(st.sampled_from(levels))),
                sequence=i + 1 if number else None,
            )
            for i, (start, stop) in enumerate(days)
        ]
        last_stop = days[-1][1]
        if draw(st.booleans()):
            next_day = last_stop + dt.timedelta(days=draw(st.integers(1, 8 * 365)))
            other = draw(st.sampled_from(others))
            episodes.append(
                TherapyEpisode(
                    other,
                    _coarse(next_day, draw(st.sampled_from(levels))),
                    # Not recorded rather than ongoing: a coarse start may sort before the last
                    # course, and an ongoing episode before another is refused.
                    stop=NOT_RECORDED,
                    sequence=len(episodes) + 1 if number else None,
                )
            )
            last_stop = next_day
        follow_up = None
        if draw(st.booleans()):
            follow_up = _coarse(last_stop + dt.timedelta(days=draw(st.integers(0, 5 * 365))), precision)
        return Timeline.from_episodes(draw(st.permutations(episodes)), last_follow_up=follow_up)

    return build()
