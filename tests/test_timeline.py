"""The timeline algebra: order, lines, look-ups, transitions, transfers, and the laws they keep."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from dmt_timeline.catalogue import CATALOGUE, TherapyClass
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.dates import MonthRange, Order, PartialDate, Truth, whole_months
from dmt_timeline.errors import TimelineError, UnknownTherapyError
from dmt_timeline.model import NOT_RECORDED, ONGOING, Patient, StopState, TherapyEpisode
from dmt_timeline.regimens import REGIMENS, RegimenKind
from dmt_timeline.strategies import partial_dates, refinements, timelines
from dmt_timeline.timeline import (
    Change,
    Line,
    Timeline,
    Transfer,
    TransferKind,
    Transition,
    TransitionKind,
    transfer,
)

DIRECT, LAG, OVERLAP, INDETERMINATE = (
    TransitionKind.DIRECT,
    TransitionKind.LAG,
    TransitionKind.OVERLAP,
    TransitionKind.INDETERMINATE,
)
IFN_CLASS = TherapyClass.INTERFERON_BETA


def ep(
    therapy: str,
    start: str,
    stop: str | StopState = NOT_RECORDED,
    *,
    sequence: int | None = None,
) -> TherapyEpisode:
    end = stop if isinstance(stop, StopState) else PartialDate.parse(stop)
    return TherapyEpisode(CATALOGUE[therapy], PartialDate.parse(start), end, sequence=sequence)


def line(*episodes: TherapyEpisode, last_follow_up: str | None = None) -> Timeline:
    follow_up = None if last_follow_up is None else PartialDate.parse(last_follow_up)
    return Timeline.from_episodes(episodes, last_follow_up=follow_up)


def patient(*episodes: TherapyEpisode, patient_id: str = "P07") -> Patient:
    return Patient(patient_id, episodes)


# -- normalisation ---------------------------------------------------------------------------


def test_episodes_are_ordered_by_start() -> None:
    ga, ifn, nat = ep("GA", "2007"), ep("IFNb", "2009"), ep("Nat", "2011")
    assert (ga, ifn, nat) == line(nat, ga, ifn).episodes


def test_equal_first_days_put_the_earlier_last_day_first() -> None:
    year, month = ep("GA", "2007"), ep("IFNb", "2007-01")
    assert (month, year) == line(year, month).episodes


def test_equal_starts_are_ordered_by_therapy_name() -> None:
    nat, dmf = ep("Nat", "2013"), ep("DMF", "2013")
    assert (dmf, nat) == line(nat, dmf).episodes


def test_sequence_orders_episodes_when_every_episode_has_one() -> None:
    nat, dmf = ep("Nat", "2013", sequence=1), ep("DMF", "2013", sequence=2)
    assert (nat, dmf) == line(dmf, nat).episodes


def test_sequence_is_ignored_unless_every_episode_has_one() -> None:
    late, early = ep("Nat", "2013", sequence=1), ep("DMF", "2010")
    assert (early, late) == line(late, early).episodes


def test_timeline_of_patient_keeps_its_id_and_follow_up() -> None:
    person = Patient("P07", (ep("Nat", "2006"),), last_follow_up=PartialDate(2012))
    timeline = Timeline.of(person)
    assert ("P07", PartialDate(2012)) == (timeline.patient_id, timeline.last_follow_up)


# -- lines and look-ups ----------------------------------------------------------------------


def test_lines_number_episodes_from_one() -> None:
    ga, nat = ep("GA", "2007"), ep("Nat", "2011")
    assert (Line(1, ga), Line(2, nat)) == line(nat, ga).lines()


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("natalizumab", ["Nat"]),
        ("Tysabri", ["Nat"]),
        ("nat", ["Nat"]),
        (CATALOGUE["natalizumab"], ["Nat"]),
        ("IFNb", ["IFNb"]),
        (IFN_CLASS, ["IFNb", "IFNb-1a"]),
        (TherapyClass.ANTI_CD20, []),
    ],
    ids=["name", "brand", "label-any-case", "therapy", "generic-alias", "class", "absent-class"],
)
def test_episodes_of_matches_name_alias_therapy_and_class(selector: Any, expected: list[str]) -> None:
    timeline = line(ep("IFNb", "2001"), ep("Avonex", "2003"), ep("Nat", "2008"))
    assert expected == [e.therapy.label for e in timeline.episodes_of(selector)]


def test_episodes_of_an_unknown_name_is_refused() -> None:
    with pytest.raises(UnknownTherapyError, match=r"unknown therapy 'natalizumob'.*'natalizumab'"):
        line(ep("Nat", "2008")).episodes_of("natalizumob")


def test_initiations_lists_every_start_in_order() -> None:
    first, again = ep("Nat", "2012"), ep("Nat", "2018")
    timeline = line(again, ep("Fing", "2016"), first)
    assert (first, again) == timeline.initiations("Nat")


def test_first_initiation_is_the_earliest_start() -> None:
    first = ep("Nat", "2012")
    assert first == line(ep("Nat", "2018"), ep("Fing", "2016"), first).first_initiation("Nat")


def test_first_initiation_of_a_therapy_never_started_is_none() -> None:
    assert None is line(ep("GA", "2012")).first_initiation("Nat")


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2010", Truth.TRUE),
        ("2007-06", Truth.UNDETERMINED),
        ("2007", Truth.UNDETERMINED),
        ("2006-12-31", Truth.FALSE),
    ],
)
def test_exposed_before_is_three_valued(date: str, expected: Truth) -> None:
    assert expected is line(ep("IFNb", "2007"), ep("Nat", "2011")).exposed_before(IFN_CLASS, date)


def test_exposed_before_is_true_when_any_start_is_certainly_before() -> None:
    timeline = line(ep("Nat", "2010"), ep("Fing", "2012"), ep("Nat", "2014"))
    assert Truth.TRUE is timeline.exposed_before("Nat", PartialDate(2014))


def test_exposed_before_a_therapy_never_started_is_false() -> None:
    assert Truth.FALSE is line(ep("GA", "2007")).exposed_before("Nat", "2020")


def test_path_joins_labels_in_order() -> None:
    assert "GA -> IFNb -> Nat" == line(ep("Nat", "2011"), ep("IFNb", "2009"), ep("GA", "2007")).path()


def test_path_takes_a_separator() -> None:
    assert "GA, Nat" == line(ep("GA", "2007"), ep("Nat", "2011")).path(separator=", ")


def test_path_of_an_empty_timeline_is_empty() -> None:
    assert "" == line().path()


# -- stops that are not recorded -------------------------------------------------------------


def test_not_recorded_stop_is_bounded_by_the_next_start() -> None:
    (transition,) = line(ep("GA", "2007"), ep("IFNb", "2009")).transitions()
    assert MonthRange(0, 35) == transition.gap


def test_not_recorded_stop_of_the_last_episode_is_bounded_by_last_follow_up() -> None:
    timeline = line(ep("GA", "2007"), last_follow_up="2012-06")
    assert (dt.date(2007, 1, 1), dt.date(2012, 6, 30), True) == timeline._stop_bounds(0)


def test_not_recorded_stop_of_the_last_episode_without_follow_up_is_open() -> None:
    assert (dt.date(2007, 1, 1), dt.date.max, True) == line(ep("GA", "2007"))._stop_bounds(0)


# -- transitions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stop", "start", "kind", "gap"),
    [
        ("2010-01-15", "2010-03-01", DIRECT, MonthRange(1, 1)),
        ("2010-01-15", "2010-01-15", DIRECT, MonthRange(0, 0)),
        ("2010-01-15", "2010-05-14", DIRECT, MonthRange(3, 3)),
        ("2010-01-15", "2010-05-15", LAG, MonthRange(4, 4)),
        ("2010-01-15", "2011-01-15", LAG, MonthRange(12, 12)),
        ("2010-08-15", "2010-06-01", OVERLAP, MonthRange(-2, -2)),
        ("2010-06-30", "2010-06-01", OVERLAP, MonthRange(0, 0)),
    ],
    ids=[
        "direct",
        "same-day",
        "last-day-of-grace",
        "first-day-past-grace",
        "lag",
        "overlap",
        "short-overlap",
    ],
)
def test_day_precise_transition_kinds(stop: str, start: str, kind: TransitionKind, gap: MonthRange) -> None:
    (transition,) = line(ep("GA", "2009-06-01", stop), ep("Nat", start)).transitions()
    assert (kind, gap, "") == (transition.kind, transition.gap, transition.reason)


def test_ongoing_episode_overlaps_the_next_with_no_gap() -> None:
    (transition,) = line(ep("GA", "2009", ONGOING), ep("Nat", "2011")).transitions()
    assert (OVERLAP, None) == (transition.kind, transition.gap)


def test_year_precise_transition_is_indeterminate_with_its_range() -> None:
    (transition,) = line(ep("GA", "2007"), ep("IFNb", "2009")).transitions()
    assert (INDETERMINATE, MonthRange(0, 35)) == (transition.kind, transition.gap)


def test_indeterminate_reason_names_the_range_and_the_readings() -> None:
    (transition,) = line(ep("GA", "2007"), ep("IFNb", "2009")).transitions()
    expected = "between 0 and 35 months, so it may be a direct switch or lag gap (grace period 3 months)"
    assert expected in transition.reason


def test_dated_stop_that_may_overlap_is_indeterminate() -> None:
    (transition,) = line(ep("GA", "2008", "2010"), ep("Nat", "2010-06")).transitions()
    assert (INDETERMINATE, MonthRange(-6, 5)) == (transition.kind, transition.gap)
    assert "overlap or direct switch" in transition.reason


def test_grace_months_changes_the_kind() -> None:
    timeline = line(ep("GA", "2009-06-01", "2010-01-15"), ep("Nat", "2010-07-01"))
    kinds = [timeline.transitions(grace_months=g)[0].kind for g in (3, 5)]
    assert [LAG, DIRECT] == kinds


def test_transition_records_its_grace_period() -> None:
    (transition,) = line(ep("GA", "2007"), ep("IFNb", "2009")).transitions(grace_months=6)
    assert 6 == transition.grace_months


@given(timelines(), st.lists(st.integers(0, 24), min_size=1, max_size=4))
def test_transitions_do_not_depend_on_what_was_asked_before(timeline: Timeline, graces: list[int]) -> None:
    # A timeline keeps the transitions it last worked out: asking with other grace periods in
    # between must give what a timeline that was never asked gives.
    for grace in graces:
        fresh = Timeline.from_episodes(timeline.episodes, last_follow_up=timeline.last_follow_up)
        assert fresh.transitions(grace_months=grace) == timeline.transitions(grace_months=grace)
        assert all(t.grace_months == grace for t in timeline.transitions(grace_months=grace))


@pytest.mark.parametrize("grace", [True, 2.5, "3", None])
def test_a_grace_period_that_is_not_a_whole_number_is_refused(grace: Any) -> None:
    timeline = line(ep("GA", "2007"), ep("IFNb", "2009"))
    with pytest.raises(TimelineError, match=f"grace_months {re.escape(repr(grace))} is not a whole number"):
        timeline.transitions(grace_months=grace)


def test_negative_grace_is_refused() -> None:
    with pytest.raises(TimelineError, match="grace_months -1 is negative"):
        line(ep("GA", "2007"), ep("IFNb", "2009")).transitions(grace_months=-1)


@pytest.mark.parametrize(
    ("first", "second", "change"),
    [
        ("glatiramer acetate", "glatiramer acetate", Change.RESTART),
        ("glatiramer acetate", "fingolimod", Change.SWITCH),
        # Natalizumab is given every 4 to 6 weeks: 2015 to 2016 may be its next dose.
        ("natalizumab", "natalizumab", Change.NEXT_DOSE_OR_RESTART),
    ],
)
def test_restart_of_the_same_therapy_is_not_a_switch(first: str, second: str, change: Change) -> None:
    (transition,) = line(ep(first, "2012", "2015"), ep(second, "2016")).transitions()
    assert change is transition.change


def test_transition_text_names_episodes_kind_and_gap() -> None:
    (transition,) = line(ep("GA", "2010-01-15", "2010-03-01"), ep("Nat", "2010-04-01")).transitions()
    assert "GA 2010-01-15..2010-03-01 -> Nat 2010-04-01..not recorded: direct switch, gap 1 month" == str(
        transition
    )


def test_transition_text_says_restart() -> None:
    (transition,) = line(ep("GA", "2010-01-15", "2010-03-01"), ep("GA", "2011-04-01")).transitions()
    assert (
        "GA 2010-01-15..2010-03-01 -> GA 2011-04-01..not recorded: lag gap (restart), gap 13 months"
        == str(transition)
    )


def test_one_episode_has_no_transitions() -> None:
    assert () == line(ep("Nat", "2008")).transitions()


# -- treatment-free intervals ----------------------------------------------------------------


def test_certain_gap_is_a_certain_treatment_free_interval() -> None:
    (interval,) = line(
        ep("GA", "2009-06-01", "2010-01-15"), ep("Nat", "2011-01-15")
    ).treatment_free_intervals()
    assert (MonthRange(12, 12), Truth.TRUE) == (interval.months, interval.certain)


def test_not_recorded_stop_gives_an_undetermined_treatment_free_interval() -> None:
    (interval,) = line(ep("GA", "2007"), ep("IFNb", "2009")).treatment_free_intervals()
    assert (MonthRange(0, 35), Truth.UNDETERMINED) == (interval.months, interval.certain)


def test_possible_overlap_is_cut_at_zero_months() -> None:
    (interval,) = line(ep("GA", "2008", "2010"), ep("Nat", "2010-06")).treatment_free_intervals()
    assert (MonthRange(0, 5), Truth.UNDETERMINED) == (interval.months, interval.certain)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (ep("GA", "2009", ONGOING), ep("Nat", "2011")),
        (ep("GA", "2009-01-01", "2010-08-15"), ep("Nat", "2010-06-01")),
        (ep("GA", "2009-01-01", "2010-06-30"), ep("Nat", "2010-06-01")),
        (ep("GA", "2009-01-01", "2010-06-01"), ep("Nat", "2010-06-01")),
        (ep("GA", "2010-06-01"), ep("Nat", "2010-06-01")),
    ],
    ids=["ongoing", "overlap", "overlap-under-a-month", "same-day", "not-recorded-same-day"],
)
def test_no_treatment_free_interval_when_no_reading_leaves_a_gap(
    first: TherapyEpisode, second: TherapyEpisode
) -> None:
    assert () == line(first, second).treatment_free_intervals()


def test_duplicated_episodes_keep_their_own_bounds() -> None:
    timeline = line(ep("GA", "2007"), ep("GA", "2007"), ep("Nat", "2009"))
    assert [Truth.UNDETERMINED, Truth.UNDETERMINED] == [
        i.certain for i in timeline.treatment_free_intervals()
    ]


# -- histories that cannot be a timeline -----------------------------------------------------


def test_ongoing_episode_followed_by_another_therapy_is_refused() -> None:
    person = patient(ep("Nat", "2006", ONGOING), ep("Fing", "2008"))
    message = "patient 'P07': episode Nat 2006..ongoing is ongoing, yet Fing 2008..not recorded started 2008"
    with pytest.raises(TimelineError, match=re.escape(message)):
        Timeline.of(person)


def test_certain_large_overlap_is_refused() -> None:
    person = patient(ep("GA", "2009-01-01", "2012-01-01"), ep("Nat", "2010-06"))
    message = (
        "patient 'P07': episodes GA 2009-01-01..2012-01-01 and Nat 2010-06..not recorded overlap by at "
        "least 18 months on every reading (stop 2012-01-01, start 2010-06); at most 3 is accepted"
    )
    with pytest.raises(TimelineError, match=re.escape(message)):
        Timeline.of(person)


def test_overlap_within_the_limit_is_accepted() -> None:
    person = patient(ep("GA", "2009-01-01", "2010-09-15"), ep("Nat", "2010-06-01"))
    assert 2 == len(Timeline.of(person))


def test_overlap_limit_can_be_raised() -> None:
    person = patient(ep("GA", "2009-01-01", "2012-01-01"), ep("Nat", "2010-06"))
    assert 2 == len(Timeline.of(person, max_overlap_months=24))


@pytest.mark.parametrize(
    "episodes",
    [
        (ep("Nat", "2006", ONGOING), ep("Fing", "2008")),
        (ep("GA", "2009-01-01", "2012-01-01"), ep("Nat", "2010-06")),
    ],
    ids=["ongoing", "large-overlap"],
)
def test_any_overlap_is_accepted_without_a_limit(episodes: tuple[TherapyEpisode, ...]) -> None:
    assert 2 == len(Timeline.of(patient(*episodes), max_overlap_months=None))


def test_overlapping_restart_of_the_same_therapy_is_accepted() -> None:
    person = patient(ep("Nat", "2006", ONGOING), ep("Nat", "2008"))
    assert 2 == len(Timeline.of(person))


def test_sequence_that_contradicts_certain_dates_is_refused() -> None:
    person = patient(ep("GA", "2010", sequence=1), ep("Nat", "2008", sequence=2))
    message = (
        "patient 'P07': episodes GA 2010..not recorded (sequence 1) and Nat 2008..not recorded "
        "(sequence 2): the later in sequence certainly starts first"
    )
    with pytest.raises(TimelineError, match=re.escape(message)):
        Timeline.of(person)


def test_sequence_that_contradicts_certain_dates_is_refused_even_without_an_overlap_limit() -> None:
    person = patient(ep("GA", "2010", sequence=1), ep("Nat", "2008", sequence=2))
    with pytest.raises(TimelineError, match="the later in sequence certainly starts first"):
        Timeline.of(person, max_overlap_months=None)


def test_unchecked_contradictory_sequence_is_refused_by_transitions() -> None:
    timeline = line(ep("GA", "2010-09", sequence=1), ep("Nat", "2010-06", sequence=2))
    with pytest.raises(TimelineError, match=r"GA 2010-09\.\.not recorded \(sequence 1\) and Nat 2010-06"):
        timeline.transitions()


def test_problems_lists_every_problem() -> None:
    timeline = line(ep("Nat", "2006", ONGOING), ep("Fing", "2008", ONGOING), ep("GA", "2010"))
    assert 2 == len(timeline.problems())


# -- transfers -------------------------------------------------------------------------------


def test_transfer_is_direct_when_the_source_precedes_the_target() -> None:
    ifn, nat = ep("IFNb", "2003"), ep("Nat", "2006")
    timeline = line(ep("GA", "2001"), ifn, nat)
    assert (Transfer(TransferKind.DIRECT, nat, ifn),) == transfer(
        timeline, IFN_CLASS, "Nat", initiation="first"
    )


def test_transfer_is_indirect_through_other_therapies() -> None:
    ifn, ga, nat = ep("IFNb", "1996"), ep("GA", "2003"), ep("Nat", "2007")
    timeline = line(ifn, ga, nat)
    expected = (Transfer(TransferKind.INDIRECT, nat, ifn, (ga,)),)
    assert expected == transfer(timeline, IFN_CLASS, "Nat", initiation="first")


def test_transfer_is_none_without_a_source_before_the_target() -> None:
    nat = ep("Nat", "2014")
    timeline = line(ep("GA", "2012"), nat, ep("IFNb", "2016"))
    assert (Transfer(TransferKind.NONE, nat),) == transfer(timeline, IFN_CLASS, "Nat", initiation="first")


def test_transfer_to_a_target_never_started_is_empty() -> None:
    assert () == transfer(line(ep("IFNb", "2003")), IFN_CLASS, "Nat", initiation="each")


def test_transfer_starts_from_the_latest_source() -> None:
    latest, nat = ep("IFNb", "2007"), ep("Nat", "2009")
    timeline = line(ep("IFNb", "2001"), ep("GA", "2004"), latest, nat)
    assert (Transfer(TransferKind.DIRECT, nat, latest),) == transfer(
        timeline, IFN_CLASS, "Nat", initiation="first"
    )


NAT_TWICE = (ep("IFNb", "2008"), ep("Nat", "2012"), ep("Fing", "2016"), ep("Nat", "2018"))


@pytest.mark.parametrize(
    ("initiation", "expected"),
    [
        ("first", [(TransferKind.DIRECT, "2012", ())]),
        ("last", [(TransferKind.INDIRECT, "2018", ("Nat", "Fing"))]),
        ("each", [(TransferKind.DIRECT, "2012", ()), (TransferKind.INDIRECT, "2018", ("Nat", "Fing"))]),
    ],
)
def test_transfer_initiation_chooses_which_starts_of_the_target(
    initiation: Any, expected: list[tuple[TransferKind, str, tuple[str, ...]]]
) -> None:
    found = transfer(line(*NAT_TWICE), IFN_CLASS, "natalizumab", initiation=initiation)
    assert expected == [(t.kind, str(t.target.start), tuple(e.therapy.label for e in t.via)) for t in found]


def test_transfer_with_an_invalid_initiation_is_refused() -> None:
    initiation: Any = "second"
    with pytest.raises(TimelineError, match="initiation 'second' is not one of 'first', 'last', 'each'"):
        transfer(line(*NAT_TWICE), IFN_CLASS, "Nat", initiation=initiation)


def test_transfer_text_lists_the_episodes_between() -> None:
    (found,) = transfer(line(*NAT_TWICE), IFN_CLASS, "Nat", initiation="last")
    expected = (
        "indirect: IFNb 2008..not recorded -> Nat 2018..not recorded "
        "via Nat 2012..not recorded, Fing 2016..not recorded"
    )
    assert expected == str(found)


# -- the study's three paradigms -------------------------------------------------------------

STUDY = load_natalizumab_psoriasis()
PARADIGM = {
    TransferKind.DIRECT: "direct IFN to Nat",
    TransferKind.INDIRECT: "indirect IFN to Nat",
    TransferKind.NONE: "no IFN before Nat",
}


@pytest.mark.parametrize("person", STUDY.patients, ids=[p.id for p in STUDY.patients])
def test_transfer_reproduces_the_published_group(person: Patient) -> None:
    (found,) = transfer(Timeline.of(person), IFN_CLASS, "natalizumab", initiation="first")
    assert person.label("published_group") == PARADIGM[found.kind]


def test_study_groups_have_the_published_sizes() -> None:
    kinds = [
        transfer(Timeline.of(p), IFN_CLASS, "natalizumab", initiation="first")[0].kind for p in STUDY.patients
    ]
    assert [7, 4, 7] == [kinds.count(k) for k in TransferKind]


# -- laws ------------------------------------------------------------------------------------

# A few years of mixed precision, so that transitions of every kind turn up.
NEARBY = timelines(max_size=4, min_value=PartialDate(2000), max_value=PartialDate(2003))
GRACES = st.integers(min_value=0, max_value=24)


def _day(data: st.DataObject, first: dt.date, last: dt.date) -> dt.date:
    return dt.date.fromordinal(data.draw(st.integers(first.toordinal(), last.toordinal())))


def _reading(data: st.DataObject, timeline: Timeline, index: int) -> tuple[dt.date, dt.date]:
    """One concrete reading (stop day, next start day) of transition ``index``."""
    before, after = timeline.episodes[index], timeline.episodes[index + 1]
    if isinstance(before.stop, PartialDate):
        start = _day(data, before.start.first_day, min(before.start.last_day, before.stop.last_day))
        stop = _day(data, max(before.stop.first_day, start), before.stop.last_day)
        return stop, _day(data, after.start.first_day, after.start.last_day)
    # Not recorded: the episode stopped on a day from its start to the next start.
    following = _day(data, max(after.start.first_day, before.start.first_day), after.start.last_day)
    start = _day(data, before.start.first_day, min(before.start.last_day, following))
    return _day(data, start, following), following


def _extreme_readings(timeline: Timeline, index: int) -> list[tuple[dt.date, dt.date]]:
    """The readings at the corners: latest stop and earliest start, the reverse, and touching."""
    before, after = timeline.episodes[index], timeline.episodes[index + 1]
    first, last = after.start.first_day, after.start.last_day
    if not isinstance(before.stop, PartialDate):
        return [(before.start.first_day, last), (max(first, before.start.first_day),) * 2]
    stop_lo, stop_hi = max(before.stop.first_day, before.start.first_day), before.stop.last_day
    readings = [(stop_hi, first), (stop_lo, last)]
    touch_lo, touch_hi = max(stop_lo, first), min(stop_hi, last)
    if touch_lo <= touch_hi:
        readings.append((touch_lo, touch_lo))
    return readings


def _kind_of(stop: dt.date, start: dt.date, grace: int, scheduled: int | None = None) -> TransitionKind:
    """The reference definition of a transition's kind on one reading; ``scheduled``, for the
    next dose or course of a regimen, is its re-dosing interval."""
    if stop > start:
        return OVERLAP
    if scheduled is not None:
        return TransitionKind.SCHEDULED if whole_months(stop, start) <= grace + scheduled else LAG
    return DIRECT if whole_months(stop, start) <= grace else LAG


def _scheduled(transition: Transition) -> int | None:
    """The re-dosing interval a same-therapy transition of a regimen is judged with, or None."""
    regimen = REGIMENS.of(transition.before.therapy)
    same = transition.before.therapy == transition.after.therapy
    return regimen.redose if same and regimen.kind is not RegimenKind.CONTINUOUS else None


def _refine(data: st.DataObject, episode: TherapyEpisode) -> TherapyEpisode:
    start = data.draw(refinements(episode.start))
    stop = data.draw(refinements(episode.stop)) if isinstance(episode.stop, PartialDate) else episode.stop
    # A refinement of both dates may put the stop certainly before the start: not a reading.
    assume(not (isinstance(stop, PartialDate) and stop.compare(start) is Order.BEFORE))
    return attrs.evolve(episode, start=start, stop=stop)


@given(NEARBY, GRACES, st.data())
def test_refinement_never_turns_one_definite_kind_into_another(
    timeline: Timeline, grace: int, data: st.DataObject
) -> None:
    fine_episodes = [_refine(data, e) for e in timeline.episodes]
    fine = Timeline.from_episodes(fine_episodes, last_follow_up=timeline.last_follow_up)
    # A refinement that contradicts the source's sequence is not a reading of the history.
    assume(fine.problems(max_overlap_months=None) == ())
    position = [next(j for j, e in enumerate(fine.episodes) if e is f) for f in fine_episodes]
    coarse_transitions, fine_transitions = (
        timeline.transitions(grace_months=grace),
        fine.transitions(grace_months=grace),
    )
    for i, coarse in enumerate(coarse_transitions):
        if position[i + 1] != position[i] + 1:
            continue  # refining reordered these episodes: no longer the same transition
        refined = fine_transitions[position[i]]
        if coarse.kind is not INDETERMINATE:
            assert coarse.kind is refined.kind


@given(NEARBY, GRACES, st.data())
def test_refined_gap_lies_inside_the_coarse_gap(timeline: Timeline, grace: int, data: st.DataObject) -> None:
    fine_episodes = [_refine(data, e) for e in timeline.episodes]
    fine = Timeline.from_episodes(fine_episodes, last_follow_up=timeline.last_follow_up)
    assume(fine.problems(max_overlap_months=None) == ())
    position = [next(j for j, e in enumerate(fine.episodes) if e is f) for f in fine_episodes]
    fine_transitions = fine.transitions(grace_months=grace)
    for i, coarse in enumerate(timeline.transitions(grace_months=grace)):
        if position[i + 1] != position[i] + 1:
            continue
        refined = fine_transitions[position[i]]
        if coarse.gap is None:
            assert None is refined.gap
        else:
            assert refined.gap is not None
            assert coarse.gap.contains_range(refined.gap), (coarse, refined)


@given(timelines(max_size=5), st.data())
def test_input_order_does_not_matter(timeline: Timeline, data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(timeline.episodes))
    assert timeline == Timeline.from_episodes(shuffled, last_follow_up=timeline.last_follow_up)


@given(timelines(max_size=5))
def test_normalisation_is_idempotent(timeline: Timeline) -> None:
    assert timeline == Timeline(timeline.episodes, timeline.last_follow_up, timeline.patient_id)


CLOSE_DATES = partial_dates(min_value=PartialDate(2007), max_value=PartialDate(2008))


@given(CLOSE_DATES, CLOSE_DATES)
def test_converse_orders_agree(a: PartialDate, b: PartialDate) -> None:
    assert b.compare(a) is a.compare(b).converse


@given(CLOSE_DATES, CLOSE_DATES)
def test_certainly_before_is_certainly_after_seen_from_the_other(a: PartialDate, b: PartialDate) -> None:
    assert (a.compare(b) is Order.BEFORE) == b.is_after(a).certain


@given(NEARBY, st.data())
def test_gap_range_contains_every_reading(timeline: Timeline, data: st.DataObject) -> None:
    for i, transition in enumerate(timeline.transitions()):
        if transition.gap is None:
            continue
        for stop, start in [*_extreme_readings(timeline, i), _reading(data, timeline, i)]:
            assert whole_months(stop, start) in transition.gap, (transition, stop, start)


@given(NEARBY, GRACES, st.data())
def test_definite_kind_holds_on_every_reading(timeline: Timeline, grace: int, data: st.DataObject) -> None:
    for i, transition in enumerate(timeline.transitions(grace_months=grace)):
        if transition.gap is None or transition.kind is INDETERMINATE:
            continue
        readings = [*_extreme_readings(timeline, i), _reading(data, timeline, i), _reading(data, timeline, i)]
        scheduled = _scheduled(transition)
        assert {transition.kind} == {_kind_of(s, n, grace, scheduled) for s, n in readings}, transition


@given(NEARBY, GRACES)
def test_indeterminate_kind_has_readings_of_two_kinds(timeline: Timeline, grace: int) -> None:
    for i, transition in enumerate(timeline.transitions(grace_months=grace)):
        if transition.kind is INDETERMINATE:
            kinds = {_kind_of(s, n, grace, _scheduled(transition)) for s, n in _extreme_readings(timeline, i)}
            assert len(kinds) >= 2, transition


@given(NEARBY, GRACES)
def test_kind_agrees_with_the_gap_and_the_grace_period(timeline: Timeline, grace: int) -> None:
    for transition in timeline.transitions(grace_months=grace):
        gap = transition.gap
        allowed = grace + (_scheduled(transition) or 0)
        if gap is None:
            assert OVERLAP is transition.kind
        elif transition.kind in {DIRECT, TransitionKind.SCHEDULED}:
            assert (transition.kind is DIRECT) == (_scheduled(transition) is None)
            assert gap.low >= 0
            assert gap.high <= allowed
        elif transition.kind is LAG:
            assert gap.low > allowed
        elif transition.kind is OVERLAP:
            assert gap.high <= 0
