"""Strategies for therapies, EDSS scores, switch reasons and single therapy episodes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Final

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from dmt_timeline.catalogue import CATALOGUE, Catalogue, Therapy
from dmt_timeline.dates import PartialDate, Precision
from dmt_timeline.model import EDSS, NOT_RECORDED, ONGOING, StopState, SwitchReason, TherapyEpisode
from dmt_timeline.strategies._partial_dates import _checked_dates, _dates, _day_range, _precisions

_EDSS_SCORES: Final = (0.0, *(1.0 + 0.5 * k for k in range(19)))


def edss_scores(*, min_value: float = 0.0, max_value: float = 10.0) -> st.SearchStrategy[EDSS]:
    """EDSS scores (0, then 1.0 to 10.0 in steps of 0.5) between ``min_value`` and ``max_value``.

    Shrinks towards the lowest allowed score.

    Raises:
        InvalidArgument: when no score lies between the bounds.

    Example::

        @given(edss_scores(min_value=6.0))
        def test_needs_assistance(edss):
            assert edss.score >= 6.0
    """
    for name, value in (("min_value", min_value), ("max_value", max_value)):
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise InvalidArgument(f"{name}={value!r} must be a number")
    scores = [EDSS(s) for s in _EDSS_SCORES if min_value <= s <= max_value]
    if not scores:
        raise InvalidArgument(f"no EDSS score lies between min_value={min_value} and max_value={max_value}")
    return st.sampled_from(scores)


def therapies(*, catalogue: Catalogue = CATALOGUE) -> st.SearchStrategy[Therapy]:
    """Therapies from ``catalogue``; shrinks towards its first entry.

    Raises:
        InvalidArgument: when ``catalogue`` is not a non-empty Catalogue.

    Example::

        @given(therapies())
        def test_known(therapy):
            assert therapy.name in CATALOGUE
    """
    if not isinstance(catalogue, Catalogue) or not len(catalogue):
        raise InvalidArgument(f"catalogue={catalogue!r} must be a non-empty Catalogue")
    return st.sampled_from(catalogue.therapies)


def switch_reasons() -> st.SearchStrategy[SwitchReason]:
    """Reasons an episode stopped, from the closed vocabulary.

    Example::

        @given(st.lists(switch_reasons(), unique=True))
        def test_codes_parse(reasons):
            assert tuple(reasons) == parse_reasons(", ".join(r.value for r in reasons))
    """
    return st.sampled_from(SwitchReason)


_OPTIONAL_EDSS: Final = st.none() | edss_scores()
_REASONS: Final = st.lists(switch_reasons(), unique=True).map(tuple)
_STOP_KINDS: Final = st.sampled_from(("not recorded", "date", "ongoing"))
_STOP_KINDS_NOT_ONGOING: Final = st.sampled_from(("not recorded", "date"))


def _stop(
    draw: st.DrawFn,
    start: PartialDate,
    *,
    lo: dt.date,
    hi: dt.date,
    precisions: tuple[Precision, ...],
    allow_ongoing: bool,
    starts_until: dt.date | None = None,
) -> PartialDate | StopState:
    """A stop for an episode starting at ``start``: not recorded, ongoing, or a date that is
    not certainly before the start (and whose first day is not after ``starts_until``)."""
    kind = draw(_STOP_KINDS if allow_ongoing else _STOP_KINDS_NOT_ONGOING)
    if kind == "ongoing":
        return ONGOING
    if kind == "date":
        # The start's own year, month or day is always a candidate, so this is never empty.
        dates = _dates(lo, hi, precisions, ends_from=start.first_day, starts_until=starts_until)
        assert dates is not None
        return draw(dates)
    return NOT_RECORDED


def _episode(
    draw: st.DrawFn,
    therapy: Therapy,
    start: PartialDate,
    stop: PartialDate | StopState,
    sequence: int | None = None,
) -> TherapyEpisode:
    # Drawn even when ongoing (and then dropped) so that an ongoing stop is no "shorter" to
    # Hypothesis than a not-recorded one, which stays the simplest stop to shrink to.
    reasons = draw(_REASONS)
    if stop is ONGOING:
        reasons = ()
    return TherapyEpisode(therapy, start, stop, reasons, draw(_OPTIONAL_EDSS), sequence)


def therapy_episodes(
    *,
    therapies: st.SearchStrategy[Therapy] | None = None,
    min_value: PartialDate | dt.date | None = None,
    max_value: PartialDate | dt.date | None = None,
    precisions: Collection[Precision] | None = None,
    allow_ongoing: bool = True,
) -> st.SearchStrategy[TherapyEpisode]:
    """Single therapy episodes with dates between ``min_value`` and ``max_value``.

    The stop is not recorded (the simplest), a date that is never certainly before the start,
    or (if ``allow_ongoing``) ongoing; an ongoing episode has no stop reasons. The EDSS is
    optional and ``sequence`` is left unset: :func:`timelines` and :func:`patients` number
    whole histories.

    Args:
        therapies: The therapies to draw from; default :func:`therapies` over the catalogue.
        min_value: The earliest day any date may mean.
        max_value: The latest day any date may mean.
        precisions: The precisions of the start and stop dates; default all three.
        allow_ongoing: Whether the episode may be ongoing.

    Example::

        @given(therapy_episodes(precisions=[Precision.YEAR], allow_ongoing=False))
        def test_stops(episode):
            assert episode.stop is not ONGOING
    """
    lo, hi = _day_range(min_value, max_value)
    chosen = _precisions(precisions)
    starts = _checked_dates(lo, hi, chosen)
    pick = _therapy_strategy(therapies)

    @st.composite
    def build(draw: st.DrawFn) -> TherapyEpisode:
        therapy = draw(pick)
        start = draw(starts)
        stop = _stop(draw, start, lo=lo, hi=hi, precisions=chosen, allow_ongoing=allow_ongoing)
        return _episode(draw, therapy, start, stop)

    return build()


def _therapy_strategy(value: st.SearchStrategy[Therapy] | None) -> st.SearchStrategy[Therapy]:
    if value is None:
        return therapies()
    if not isinstance(value, st.SearchStrategy):
        raise InvalidArgument(f"therapies={value!r} must be a strategy; wrap one therapy in st.just()")
    return value
