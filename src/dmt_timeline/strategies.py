"""Hypothesis strategies for the library's values, for your own property tests.

Every strategy builds valid values by construction (no filtering), takes keyword-only
arguments that default to the whole valid domain, and shrinks towards simple values: year
precision, the earliest dates, few episodes, no optional fields. Importing this module
registers a strategy for each domain type, so ``st.from_type(Patient)`` works.

Hypothesis is a test dependency (``pip install dmt-timeline[test]``); ``import dmt_timeline``
never imports this module.

Example::

    from hypothesis import given

    from dmt_timeline import Timeline
    from dmt_timeline.strategies import patients

    @given(patients(max_episodes=4))
    def test_every_generated_patient_has_a_timeline(patient):
        assert len(Timeline.of(patient)) == len(patient.episodes)
"""

from __future__ import annotations

import datetime as dt
import functools
from calendar import monthrange
from collections.abc import Callable, Collection
from typing import Final

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from dmt_timeline.catalogue import CATALOGUE, Catalogue, Therapy
from dmt_timeline.dates import MAX_YEAR, MIN_YEAR, MonthRange, PartialDate, Precision
from dmt_timeline.model import (
    EDSS,
    MAX_LATENCY_MONTHS,
    NOT_RECORDED,
    ONGOING,
    SGI,
    Cohort,
    CohortMetadata,
    ComorbidityTreatment,
    Condition,
    CSFBands,
    Diagnosis,
    Modality,
    Outcome,
    Patient,
    ResponseObservation,
    StopState,
    SwitchReason,
    TherapyEpisode,
)
from dmt_timeline.timeline import DEFAULT_MAX_OVERLAP_MONTHS, Timeline

__all__ = [
    "cohort_metadata",
    "cohorts",
    "comorbidity_treatments",
    "diagnoses",
    "edss_scores",
    "month_ranges",
    "partial_dates",
    "patients",
    "refinements",
    "response_observations",
    "switch_reasons",
    "therapies",
    "therapy_episodes",
    "timelines",
]

_EARLIEST: Final = dt.date(MIN_YEAR, 1, 1)
_LATEST: Final = dt.date(MAX_YEAR, 12, 31)
_PRECISIONS: Final = (Precision.YEAR, Precision.MONTH, Precision.DAY)  # simplest first
_EDSS_SCORES: Final = (0.0, *(1.0 + 0.5 * k for k in range(19)))
_DEFAULT_MAX_EPISODES: Final = 6
# How far after the previous start the next one is looked for, in days: near first (a
# realistic history, and the simple end to shrink to), then anywhere.
_WINDOWS: Final = (3 * 366, 12 * 366, None)
_WINDOW_CHOICES: Final = st.sampled_from(_WINDOWS)
_OUTCOMES: Final = st.sampled_from(Outcome)
_COMORBIDITIES: Final = st.sampled_from([c for c in Condition if c is not Condition.MULTIPLE_SCLEROSIS])
_OPTIONAL_GRADES: Final = st.none() | st.sampled_from([g for g in SGI if g.is_improvement])
_OPTIONAL_CSF: Final = st.none() | st.sampled_from(CSFBands)


# -- partial dates ---------------------------------------------------------------------------


def _unit(precision: Precision, day: dt.date) -> int:
    """The index of the year, month or day that contains ``day``."""
    if precision is Precision.YEAR:
        return day.year
    if precision is Precision.MONTH:
        return day.year * 12 + day.month - 1
    return day.toordinal()


def _date_of(precision: Precision, unit: int) -> PartialDate:
    if precision is Precision.YEAR:
        return PartialDate(unit)
    if precision is Precision.MONTH:
        return PartialDate(unit // 12, unit % 12 + 1)
    return PartialDate.from_date(dt.date.fromordinal(unit))


def _unit_range(
    precision: Precision,
    lo: dt.date,
    hi: dt.date,
    *,
    ends_from: dt.date | None = None,
    starts_until: dt.date | None = None,
) -> tuple[int, int] | None:
    """The units of ``precision`` that lie wholly in ``lo..hi``, whose last day is not before
    ``ends_from`` and whose first day is not after ``starts_until``; None when there are none."""
    first, last = _unit(precision, lo), _unit(precision, hi)
    if _date_of(precision, first).first_day < lo:
        first += 1
    if _date_of(precision, last).last_day > hi:
        last -= 1
    if ends_from is not None:
        first = max(first, _unit(precision, ends_from))
    if starts_until is not None:
        last = min(last, _unit(precision, starts_until))
    return (first, last) if first <= last else None


def _builder(precision: Precision) -> Callable[[int], PartialDate]:
    def build(unit: int) -> PartialDate:
        return _date_of(precision, unit)

    return build


@functools.lru_cache(maxsize=4096)  # built per draw; a new strategy costs a validation each time
def _dates(
    lo: dt.date,
    hi: dt.date,
    precisions: tuple[Precision, ...],
    *,
    ends_from: dt.date | None = None,
    starts_until: dt.date | None = None,
) -> st.SearchStrategy[PartialDate] | None:
    """Partial dates as :func:`_unit_range` describes them, coarsest precision first."""
    branches: list[st.SearchStrategy[PartialDate]] = []
    for precision in precisions:
        found = _unit_range(precision, lo, hi, ends_from=ends_from, starts_until=starts_until)
        if found is not None:
            branches.append(st.integers(*found).map(_builder(precision)))
    return st.one_of(branches) if branches else None


def _day_bound(value: object, name: str, *, latest: bool) -> dt.date:
    if isinstance(value, PartialDate):
        day = value.last_day if latest else value.first_day
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    else:
        raise InvalidArgument(f"{name}={value!r} must be a PartialDate or a date")
    if not _EARLIEST <= day <= _LATEST:
        raise InvalidArgument(f"{name}={value!r} is outside the years {MIN_YEAR}..{MAX_YEAR}")
    return day


def _day_range(min_value: object, max_value: object) -> tuple[dt.date, dt.date]:
    lo = _EARLIEST if min_value is None else _day_bound(min_value, "min_value", latest=False)
    hi = _LATEST if max_value is None else _day_bound(max_value, "max_value", latest=True)
    if lo > hi:
        raise InvalidArgument(f"min_value={min_value} is after max_value={max_value}")
    return lo, hi


def _precisions(precisions: Collection[Precision] | None) -> tuple[Precision, ...]:
    if precisions is None:
        return _PRECISIONS
    chosen = set(precisions)
    if not chosen:
        raise InvalidArgument("precisions=() is empty: give at least one Precision")
    for item in chosen:
        if not isinstance(item, Precision):
            raise InvalidArgument(f"precisions contains {item!r}, which is not a Precision")
    return tuple(p for p in _PRECISIONS if p in chosen)


def _checked_dates(
    lo: dt.date, hi: dt.date, precisions: tuple[Precision, ...]
) -> st.SearchStrategy[PartialDate]:
    found = _dates(lo, hi, precisions)
    if found is None:
        names = ", ".join(p.value for p in precisions)
        raise InvalidArgument(f"no partial date of precision {names} lies wholly within {lo}..{hi}")
    return found


def partial_dates(
    *,
    min_value: PartialDate | dt.date | None = None,
    max_value: PartialDate | dt.date | None = None,
    precisions: Collection[Precision] | None = None,
) -> st.SearchStrategy[PartialDate]:
    """Partial dates whose every reading lies between ``min_value`` and ``max_value``.

    A generated date ``d`` satisfies ``d.first_day >= min_value`` and ``d.last_day <= max_value``
    (a partial-date bound counts from its first day, or up to its last day). Dates shrink
    towards the coarsest allowed precision and the earliest day.

    Args:
        min_value: The earliest day any reading may mean; default 1 January of ``MIN_YEAR``.
        max_value: The latest day any reading may mean; default 31 December of ``MAX_YEAR``.
        precisions: The precisions to generate; default all three.

    Raises:
        InvalidArgument: when the bounds are not dates, are outside the supported years,
            are out of order, or leave no whole year, month or day of the allowed precisions.

    Example::

        @given(partial_dates(min_value=PartialDate(2000), precisions=[Precision.YEAR]))
        def test_years(date):
            assert date.precision is Precision.YEAR and date.year >= 2000
    """
    lo, hi = _day_range(min_value, max_value)
    return _checked_dates(lo, hi, _precisions(precisions))


def refinements(date: PartialDate, *, strict: bool = False) -> st.SearchStrategy[PartialDate]:
    """Partial dates that refine ``date``: each of its readings is one of ``date``'s readings.

    A year refines to itself, one of its months or one of its days; a month to itself or one
    of its days; a day only to itself. The strategy shrinks towards ``date`` itself.

    Args:
        date: The date to refine.
        strict: Leave ``date`` itself out (only strictly more precise dates).

    Raises:
        InvalidArgument: when ``date`` is not a PartialDate, or ``strict`` is asked of a day.

    Example::

        @given(refinements(PartialDate(2007)))
        def test_refines(refined):
            assert PartialDate(2007).covers(refined)
    """
    if not isinstance(date, PartialDate):
        raise InvalidArgument(f"date={date!r} must be a PartialDate")
    coarsest = _PRECISIONS.index(date.precision) + (1 if strict else 0)
    if coarsest >= len(_PRECISIONS):
        raise InvalidArgument(f"date={date} is day-precise: nothing refines it strictly")
    return _checked_dates(date.first_day, date.last_day, _PRECISIONS[coarsest:])


def month_ranges(
    *, min_value: int | None = None, max_value: int | None = None
) -> st.SearchStrategy[MonthRange]:
    """Month ranges ``low..high`` with both ends between ``min_value`` and ``max_value``.

    Example::

        @given(month_ranges(min_value=0))
        def test_non_negative(months):
            assert 0 <= months.low <= months.high
    """
    for name, value in (("min_value", min_value), ("max_value", max_value)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise InvalidArgument(f"{name}={value!r} must be an integer or None")
    if min_value is not None and max_value is not None and min_value > max_value:
        raise InvalidArgument(f"min_value={min_value} is above max_value={max_value}")

    @st.composite
    def build(draw: st.DrawFn) -> MonthRange:
        low = draw(st.integers(min_value, max_value))
        return MonthRange(low, draw(st.integers(low, max_value)))

    return build()


# -- model values ----------------------------------------------------------------------------


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


def _diagnosis(draw: st.DrawFn, condition: Condition, dates: st.SearchStrategy[PartialDate]) -> Diagnosis:
    date = draw(st.none() | dates)
    ms = condition is Condition.MULTIPLE_SCLEROSIS
    csf = draw(_OPTIONAL_CSF) if ms else None
    return Diagnosis(condition, date, csf)


def diagnoses(
    *,
    min_value: PartialDate | dt.date | None = None,
    max_value: PartialDate | dt.date | None = None,
    precisions: Collection[Precision] | None = None,
) -> st.SearchStrategy[Diagnosis]:
    """Diagnoses, with an optional date between the bounds; only MS carries CSF evidence.

    Example::

        @given(diagnoses())
        def test_csf_is_ms_evidence(diagnosis):
            assert diagnosis.csf is None or diagnosis.condition is Condition.MULTIPLE_SCLEROSIS
    """
    lo, hi = _day_range(min_value, max_value)
    dates = _checked_dates(lo, hi, _precisions(precisions))

    @st.composite
    def build(draw: st.DrawFn) -> Diagnosis:
        return _diagnosis(draw, draw(st.sampled_from(Condition)), dates)

    return build()


def comorbidity_treatments() -> st.SearchStrategy[ComorbidityTreatment]:
    """Treatments of a comorbidity: one or more distinct modalities, current or not.

    Example::

        @given(comorbidity_treatments())
        def test_has_a_modality(treatment):
            assert treatment.modalities
    """
    return st.builds(
        ComorbidityTreatment,
        _COMORBIDITIES,
        st.lists(st.sampled_from(Modality), min_size=1, unique=True).map(tuple),
        st.booleans(),
    )


def _observation(draw: st.DrawFn, episode: int, dates: st.SearchStrategy[PartialDate]) -> ResponseObservation:
    outcome = draw(_OUTCOMES)
    if outcome is Outcome.MS_ACTIVITY_CEASED:
        condition, grade = Condition.MULTIPLE_SCLEROSIS, None
    else:
        condition = draw(_COMORBIDITIES)
        grade = draw(_OPTIONAL_GRADES)
    if draw(st.booleans()):
        return ResponseObservation(outcome, episode, condition, date=draw(dates), grade=grade)
    months = draw(st.integers(min_value=0, max_value=MAX_LATENCY_MONTHS))
    return ResponseObservation(outcome, episode, condition, latency_months=months, grade=grade)


def response_observations(
    *,
    episodes: st.SearchStrategy[int] | None = None,
    dates: st.SearchStrategy[PartialDate] | None = None,
) -> st.SearchStrategy[ResponseObservation]:
    """Response observations on their own: a stated latency (the simplest) or a date.

    The outcome and condition always fit (MS for ``MS activity ceased``, a comorbidity
    otherwise) and a grade, when present, counts as improvement. Observations that must fit a
    patient's episodes come from :func:`patients`.

    Args:
        episodes: The index episode positions; default any index ``>= 0``.
        dates: The observation dates; default :func:`partial_dates`.

    Example::

        @given(response_observations(episodes=st.just(0)))
        def test_first_episode(observation):
            assert observation.episode == 0
    """
    positions = st.integers(min_value=0) if episodes is None else episodes
    when = partial_dates() if dates is None else dates
    for name, value in (("episodes", positions), ("dates", when)):
        if not isinstance(value, st.SearchStrategy):
            raise InvalidArgument(f"{name}={value!r} must be a strategy")

    @st.composite
    def build(draw: st.DrawFn) -> ResponseObservation:
        return _observation(draw, draw(positions), when)

    return build()


def cohort_metadata() -> st.SearchStrategy[CohortMetadata]:
    """Cohort metadata of any text (empty, the default, is the simplest)."""
    return st.builds(CohortMetadata, st.text(), st.text(), st.text())


# -- histories -------------------------------------------------------------------------------


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


def _default_ids() -> st.SearchStrategy[str]:
    # No whitespace at all, so every drawn text is a valid (non-blank) id.
    text = st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
        min_size=1,
        max_size=12,
    )
    return st.integers(min_value=1, max_value=99_999).map(lambda n: f"P{n:02d}") | text


def patients(
    *,
    min_episodes: int = 0,
    max_episodes: int | None = None,
    ids: st.SearchStrategy[str] | None = None,
    therapies: st.SearchStrategy[Therapy] | None = None,
    min_value: PartialDate | dt.date | None = None,
    max_value: PartialDate | dt.date | None = None,
    precisions: Collection[Precision] | None = None,
    sequences: bool | None = None,
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
) -> st.SearchStrategy[Patient]:
    """Valid patients whose history :meth:`Timeline.of` accepts at ``max_overlap_months``.

    Episodes are generated as by :func:`timelines` and stored in any order (shrinking towards
    timeline order). Observations each refer to one of the episodes; a dated one is never
    before its episode's start nor after the last follow-up. The last follow-up, when present,
    is never before any start. Diagnoses (one per condition), EDSS scores, comorbidity
    treatments and labels are optional.

    Args:
        min_episodes: The fewest episodes.
        max_episodes: The most episodes; default ``max(min_episodes, 6)``.
        ids: The patient ids; default short ids such as ``"P07"`` or text without spaces.
        therapies: The therapies to draw from; default :func:`therapies`.
        min_value: The earliest day any date may mean.
        max_value: The latest day any date may mean.
        precisions: The precisions of every date; default all three.
        sequences: Number the episodes (True), never (False) or either (None).
        max_overlap_months: The overlap the histories must respect, or None for any.

    Example::

        @given(patients(min_episodes=1, precisions=[Precision.YEAR]))
        def test_has_a_first_line(patient):
            assert Timeline.of(patient).lines()[0].number == 1
    """
    spec = _history_spec(
        min_size=min_episodes,
        max_size=max_episodes,
        therapies=therapies,
        min_value=min_value,
        max_value=max_value,
        precisions=precisions,
        sequences=sequences,
        max_overlap_months=max_overlap_months,
        names=("min_episodes", "max_episodes"),
    )
    if ids is not None and not isinstance(ids, st.SearchStrategy):
        raise InvalidArgument(f"ids={ids!r} must be a strategy; wrap one id in st.just()")
    id_strategy = _default_ids() if ids is None else ids
    diagnosis_dates = _checked_dates(spec.lo, spec.hi, spec.precisions)
    conditions = st.lists(st.sampled_from(Condition), max_size=3, unique=True)
    text = st.text(max_size=20)
    labels = st.dictionaries(text, text, max_size=2)
    treatments = st.lists(comorbidity_treatments(), max_size=2)

    @st.composite
    def build(draw: st.DrawFn) -> Patient:
        patient_id = draw(id_strategy)
        ordered, follow_up = _history(draw, spec)
        episodes = draw(st.permutations(ordered))
        observations: list[ResponseObservation] = []
        if episodes:
            for _ in range(draw(st.integers(0, 4))):
                index = draw(st.integers(0, len(episodes) - 1))
                until = None if follow_up is None else follow_up.last_day
                start = episodes[index].start
                dates = _dates(
                    spec.lo, spec.hi, spec.precisions, ends_from=start.first_day, starts_until=until
                )
                assert dates is not None  # the start itself is a candidate
                observations.append(_observation(draw, index, dates))
        return Patient(
            patient_id,
            tuple(episodes),
            tuple(_diagnosis(draw, c, diagnosis_dates) for c in draw(conditions)),
            tuple(observations),
            draw(_OPTIONAL_EDSS),
            draw(_OPTIONAL_EDSS),
            follow_up,
            tuple(draw(treatments)),
            tuple(draw(labels).items()),
        )

    return build()


def _id_of(patient: Patient) -> str:
    return patient.id


def cohorts(
    elements: st.SearchStrategy[Patient] | None = None,
    *,
    min_size: int = 0,
    max_size: int | None = None,
) -> st.SearchStrategy[Cohort]:
    """Cohorts of patients with unique ids, and metadata.

    Args:
        elements: The patients; default :func:`patients`.
        min_size: The fewest patients.
        max_size: The most patients; default no limit (Hypothesis keeps lists short).

    Example::

        @given(cohorts(patients(max_episodes=3), max_size=5))
        def test_ids_unique(cohort):
            assert len({p.id for p in cohort}) == len(cohort)
    """
    if elements is not None and not isinstance(elements, st.SearchStrategy):
        raise InvalidArgument(f"elements={elements!r} must be a strategy of patients")
    people = patients() if elements is None else elements
    return st.builds(
        Cohort,
        st.lists(people, min_size=min_size, max_size=max_size, unique_by=_id_of).map(tuple),
        cohort_metadata(),
    )


st.register_type_strategy(PartialDate, partial_dates())
st.register_type_strategy(MonthRange, month_ranges())
st.register_type_strategy(EDSS, edss_scores())
st.register_type_strategy(Therapy, therapies())
st.register_type_strategy(TherapyEpisode, therapy_episodes())
st.register_type_strategy(Diagnosis, diagnoses())
st.register_type_strategy(ResponseObservation, response_observations())
st.register_type_strategy(ComorbidityTreatment, comorbidity_treatments())
st.register_type_strategy(CohortMetadata, cohort_metadata())
st.register_type_strategy(Patient, patients())
st.register_type_strategy(Cohort, cohorts())
st.register_type_strategy(Timeline, timelines())
