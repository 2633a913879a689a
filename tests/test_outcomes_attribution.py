"""Attribution of events to therapy episodes: hand-worked examples of every state at day, month
and year precision; properties against a day-by-day reference and under refinement."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.dates import Order, PartialDate, Precision, whole_months
from dmt_timeline.errors import InvalidValueError, TimelineError, UnknownTherapyError
from dmt_timeline.events import EdssAssessment, MriScan, Relapse
from dmt_timeline.model import ONGOING, Patient, StopState, TherapyEpisode
from dmt_timeline.outcomes import (
    AttributionState,
    Candidate,
    EffectWindows,
    EventKind,
    attribute_date,
    attribute_events,
    cohort_attributions,
)
from dmt_timeline.regimens import REGIMENS, load_regimens
from dmt_timeline.strategies import partial_dates, refinements, timelines
from dmt_timeline.timeline import _LAST_DAY, Change, Timeline

ON, ONSET, CARRY, UNTREATED, UNDETERMINED = (
    AttributionState.ON_THERAPY,
    AttributionState.ONSET,
    AttributionState.CARRY_OVER,
    AttributionState.UNTREATED,
    AttributionState.UNDETERMINED,
)
IFN, FTY, NAT = CATALOGUE["IFNb"], CATALOGUE["fingolimod"], CATALOGUE["natalizumab"]
# No regimen data: every therapy continuous with no windows, so the examples say exactly which
# windows they use.
BARE = load_regimens({"regimen": []})


def history(**kwargs: object) -> Patient:
    return Patient(
        id="p",
        episodes=[
            TherapyEpisode(IFN, "2015-01-10", "2017-06-30"),
            TherapyEpisode(FTY, "2017-07-01", "2019-03-01"),
            TherapyEpisode(NAT, "2019-09-01", ONGOING),
        ],
        last_follow_up="2022-01",
        **kwargs,  # type: ignore[arg-type]
    )


WINDOWS = EffectWindows(BARE, onset_months=3, carry_over_months={"IFNb": 2, "fingolimod": 2})


def one(date: str, patient: Patient | None = None, windows: EffectWindows = WINDOWS) -> tuple[Candidate, ...]:
    return attribute_date(patient or history(), date, windows=windows)[0]


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2014-05-01", Candidate(UNTREATED, None)),  # before any therapy
        ("2015-01-10", Candidate(ONSET, 0)),  # the start day is on therapy, in its onset window
        ("2015-04-09", Candidate(ONSET, 0)),  # 2 whole months
        ("2015-04-10", Candidate(ON, 0)),  # 3 whole months: the window is over
        ("2017-06-30", Candidate(ON, 0)),  # the stop day is on therapy
        ("2017-07-01", Candidate(CARRY, 0)),  # fingolimod's onset, inside interferon's carry-over
        ("2017-08-29", Candidate(CARRY, 0)),  # 1 whole month after interferon's stop
        ("2017-08-30", Candidate(ONSET, 1)),  # 2 months: carry-over over, onset not yet
        ("2017-10-01", Candidate(ON, 1)),
        ("2019-04-15", Candidate(CARRY, 1)),  # after fingolimod, within its 2 months
        ("2019-05-01", Candidate(UNTREATED, None)),  # 2 whole months after 2019-03-01
        ("2019-10-01", Candidate(ONSET, 2)),
        ("2021-06-01", Candidate(ON, 2)),  # ongoing, on therapy to the last follow-up
    ],
)
def test_every_state_at_day_precision(date: str, expected: Candidate) -> None:
    assert (expected,) == one(date)


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2016", (Candidate(ON, 0),)),  # the whole year is past interferon's onset
        ("2019-05", (Candidate(UNTREATED, None),)),  # every day of May is 2 months past the stop
        ("2021", (Candidate(ON, 2),)),
        ("2019-03", (Candidate(ON, 1), Candidate(CARRY, 1))),  # the 1st is the stop day
        ("2015-04", (Candidate(ON, 0), Candidate(ONSET, 0))),
        (
            "2019",
            # on fingolimod to March, its carry-over, untreated, natalizumab's onset from
            # September and natalizumab working from December
            (
                Candidate(ON, 1),
                Candidate(ON, 2),
                Candidate(ONSET, 2),
                Candidate(CARRY, 1),
                Candidate(UNTREATED, None),
            ),
        ),
    ],
)
def test_month_and_year_dates_give_the_states_their_days_allow(
    date: str, expected: tuple[Candidate, ...]
) -> None:
    assert expected == one(date)


def test_a_next_dose_continues_the_treatment_and_its_onset_window() -> None:
    data = load_regimens(
        {
            "regimen": [
                {"therapy": "natalizumab", "kind": "interval", "redose_months": 1, "redose_source": "a label"}
            ]
        }
    )
    doses = [TherapyEpisode(NAT, f"2020-0{m}-01", f"2020-0{m}-01") for m in range(1, 6)]
    patient = Patient(id="p", episodes=doses, last_follow_up="2021-01-01")
    windows = EffectWindows(data, onset_months=3)
    assert (Candidate(ONSET, 1),) == one("2020-02-15", patient, windows)
    # Three whole months after the first infusion, although 14 days after the fourth.
    assert (Candidate(ON, 3),) == one("2020-04-15", patient, windows)
    # The last dose covers its month: on therapy to 2020-06-01.
    assert (Candidate(ON, 4),) == one("2020-06-01", patient, windows)
    assert (Candidate(UNTREATED, None),) == one("2020-06-02", patient, windows)


def test_partial_episode_dates_leave_the_state_undetermined() -> None:
    patient = Patient(id="p", episodes=[TherapyEpisode(IFN, "2015", "2016-12-31")])
    assert (Candidate(ON, 0), Candidate(ONSET, 0), Candidate(UNTREATED, None)) == one("2015-06-15", patient)
    assert (Candidate(ON, 0),) == one("2016-12", patient)  # certainly 12+ months after any start


def test_an_attribution_says_what_it_is_and_why() -> None:
    patient = history(
        relapses=[Relapse("2019-03"), Relapse("2016-02-02")], mri_scans=[MriScan("2017-08", 1, 0)]
    )
    found = attribute_events(patient, windows=WINDOWS)
    assert [EventKind.RELAPSE, EventKind.RELAPSE, EventKind.MRI] == [a.kind for a in found]
    march, february, scan = found
    assert (UNDETERMINED, None, False) == (march.state, march.episode, march.is_determined)
    assert (ON, 0, True) == (february.state, february.episode, february.is_determined)
    assert "p relapses[0] 2019-03: undetermined: on therapy (episodes[1]) | carry-over (episodes[1])" == str(
        march
    )
    assert "p relapses[1] 2016-02-02: on therapy (episodes[0])" == str(february)
    assert (ONSET, CARRY) == tuple(c.state for c in scan.candidates)  # in state order


def test_a_window_missing_from_the_data_is_named_not_invented() -> None:
    found = attribute_date(history(), "2017-08-01", windows=EffectWindows(BARE))
    # No onset for fingolimod: on therapy, and said so (were there one, interferon's carry-over
    # would be asked for next).
    assert ((Candidate(ON, 1),), ("onset of fingolimod",)) == found


def test_windows_come_from_the_regimen_data_with_their_sources() -> None:
    data = load_regimens(
        {
            "regimen": [
                {"therapy": "fingolimod", "kind": "continuous", "onset_months": 4, "onset_source": "a label"},
            ]
        }
    )
    windows = EffectWindows(data)
    window = windows.onset(FTY)
    assert window is not None
    assert (4, "a label") == (window.months, window.source)
    assert windows.carry_over(FTY) is None
    overridden = EffectWindows(data, onset_months={"Fing": 1})
    assert "1 months (given by the user)" == str(overridden.onset(FTY))
    assert (Candidate(ON, 1),) == attribute_date(history(), "2017-08-30", windows=overridden)[0]
    assert (Candidate(ONSET, 1),) == attribute_date(history(), "2017-08-30", regimens=data)[0]


def test_bad_windows_are_refused_by_name() -> None:
    with pytest.raises(InvalidValueError, match=r"onset_months -1 is not a number of months >= 0"):
        EffectWindows(onset_months=-1)
    with pytest.raises(InvalidValueError, match=r"carry_over_months\['fingolimod'\] 'x' is not"):
        EffectWindows(carry_over_months={"Fing": "x"})
    with pytest.raises(UnknownTherapyError):
        EffectWindows(onset_months={"no such drug": 3})
    with pytest.raises(InvalidValueError, match="either windows or"):
        attribute_events(history(), windows=WINDOWS, onset_months=3)


def test_a_timeline_is_attributed_as_its_patient_is() -> None:
    patient = history()
    timeline = Timeline.of(patient)
    for date in ("2014-05", "2017-08", "2019"):
        expected = attribute_date(patient, date, windows=WINDOWS)
        assert expected == attribute_date(timeline, date, windows=WINDOWS)


def test_a_history_the_timeline_refuses_is_refused_here() -> None:
    bad = Patient(id="p", episodes=[TherapyEpisode(IFN, "2015", "2019"), TherapyEpisode(FTY, "2016", "2018")])
    with pytest.raises(TimelineError, match="'p'"):
        attribute_events(bad)


def test_a_cohort_is_its_patients_in_order() -> None:
    a = history(relapses=[Relapse("2016-02-02")])
    b = attrs.evolve(a, id="q", edss_assessments=[EdssAssessment("2019-05-02", 2.0)])
    found = cohort_attributions([a, b], windows=WINDOWS)
    assert [("p", EventKind.RELAPSE), ("q", EventKind.RELAPSE), ("q", EventKind.EDSS)] == [
        (x.patient, x.kind) for x in found
    ]
    assert UNTREATED is found[-1].state


# -- properties ----------------------------------------------------------------------------------

NEARBY = timelines(max_size=4, min_value=PartialDate(2000), max_value=PartialDate(2003))
DAYS = timelines(
    max_size=4, min_value=PartialDate(2000), max_value=PartialDate(2003), precisions=[Precision.DAY]
)
EVENTS = partial_dates(min_value=PartialDate(1999), max_value=PartialDate(2004))
WINDOW_MONTHS = st.one_of(st.none(), st.integers(min_value=0, max_value=30))


def _patient(timeline: Timeline) -> Patient:
    return Patient(id="p", episodes=timeline.episodes, last_follow_up=timeline.last_follow_up)


def _reference(day: dt.date, timeline: Timeline, windows: EffectWindows) -> Candidate:
    """The state of one day on a history whose every date is a day, written from the rule."""
    ordinal = day.toordinal()

    def end(i: int) -> int:
        code = timeline.treatment_end(i, regimens=windows.regimens)[0]
        if code == _LAST_DAY:
            return dt.date.max.toordinal()
        year, month = divmod((code >> 5) - 1, 12)
        return dt.date(year, month + 1, code & 31).toordinal()

    def carried(before: int) -> int | None:
        for j in range(before - 1, -1, -1):
            episode = timeline.episodes[j]
            window = windows.carry_over(episode.therapy)
            if window is None or window.months == 0 or episode.stop is ONGOING or end(j) >= ordinal:
                continue
            stop = episode.stop
            assert isinstance(stop, PartialDate)
            if whole_months(stop.first_day, day) < window.months:
                return j
        return None

    def position(j: int) -> int:
        return next(p for p, e in enumerate(timeline.episodes) if e is timeline.episodes[j])

    transitions = timeline.transitions(regimens=windows.regimens)

    def began(i: int) -> dt.date:
        # A next dose or planned course continues the treatment begun before it.
        while i and transitions[i - 1].change in (Change.NEXT_DOSE, Change.COURSE):
            i -= 1
        return timeline.episodes[i].start.first_day

    for i in range(len(timeline.episodes) - 1, -1, -1):
        episode = timeline.episodes[i]
        if episode.start.first_day <= day and ordinal <= end(i):
            onset = windows.onset(episode.therapy)
            if onset is None or whole_months(began(i), day) >= onset.months:
                return Candidate(ON, position(i))
            j = carried(i)
            return Candidate(ONSET, position(i)) if j is None else Candidate(CARRY, position(j))
    j = carried(len(timeline.episodes))
    return Candidate(UNTREATED, None) if j is None else Candidate(CARRY, position(j))


def _windows(onset: int | None, carry: int | None) -> EffectWindows:
    return EffectWindows(REGIMENS, onset_months=onset, carry_over_months=carry)


def _check_against_reference(
    timeline: Timeline, date: PartialDate, onset: int | None, carry: int | None
) -> None:
    # Stops that are dates (or ongoing): every bound is one day, so the answer is exact.
    assume(all(isinstance(e.stop, PartialDate) or e.stop is ONGOING for e in timeline.episodes))
    windows = _windows(onset, carry)
    days = range(date.first_day.toordinal(), date.last_day.toordinal() + 1)
    expected = {_reference(dt.date.fromordinal(d), timeline, windows) for d in days}
    assert sorted(expected) == list(attribute_date(_patient(timeline), date, windows=windows)[0])


@given(DAYS, EVENTS, WINDOW_MONTHS, WINDOW_MONTHS)
def test_candidates_are_the_states_of_the_days_a_date_can_mean(
    timeline: Timeline, date: PartialDate, onset: int | None, carry: int | None
) -> None:
    _check_against_reference(timeline, date, onset, carry)


# Interval and course regimens only, so that next doses and courses come up.
DOSES = timelines(
    max_size=4,
    min_value=PartialDate(2000),
    max_value=PartialDate(2002),
    precisions=[Precision.DAY],
    therapies=st.sampled_from([NAT, CATALOGUE["ocrelizumab"], CATALOGUE["cladribine"]]),
)


@given(
    DOSES,
    partial_dates(min_value=PartialDate(2000), max_value=PartialDate(2003)),
    WINDOW_MONTHS,
    WINDOW_MONTHS,
)
def test_next_doses_and_courses_agree_with_the_reference(
    timeline: Timeline, date: PartialDate, onset: int | None, carry: int | None
) -> None:
    _check_against_reference(timeline, date, onset, carry)


NEARBY_DOSES = timelines(
    max_size=4,
    min_value=PartialDate(2000),
    max_value=PartialDate(2003),
    therapies=st.sampled_from([NAT, CATALOGUE["ocrelizumab"], CATALOGUE["cladribine"], IFN]),
)


@given(st.one_of(NEARBY, NEARBY_DOSES), EVENTS, WINDOW_MONTHS, WINDOW_MONTHS, st.data())
def test_refining_dates_never_turns_one_answer_into_another(
    timeline: Timeline, date: PartialDate, onset: int | None, carry: int | None, data: st.DataObject
) -> None:
    windows = _windows(onset, carry)
    coarse = set(attribute_date(_patient(timeline), date, windows=windows)[0])
    fine_date = data.draw(refinements(date))
    fine_episodes = []
    for episode in timeline.episodes:
        start = data.draw(refinements(episode.start))
        stop = data.draw(refinements(episode.stop)) if isinstance(episode.stop, PartialDate) else episode.stop
        assume(not (isinstance(stop, PartialDate) and stop.compare(start) is Order.BEFORE))
        fine_episodes.append(attrs.evolve(episode, start=start, stop=stop))
    fine_timeline = Timeline.from_episodes(fine_episodes, last_follow_up=timeline.last_follow_up)
    # A refinement that reorders the episodes is not a reading of the same history.
    assume([fine_episodes.index(e) for e in fine_timeline.episodes] == list(range(len(fine_episodes))))
    assume(fine_timeline.problems() == ())
    try:
        fine_patient = _patient(fine_timeline)
    except InvalidValueError:  # a start refined past the last follow-up: not a reading
        assume(False)
    fine = set(attribute_date(fine_patient, fine_date, windows=windows)[0])
    assert fine
    assert fine <= coarse
    if len(coarse) == 1:
        assert fine == coarse


@given(NEARBY, EVENTS, WINDOW_MONTHS, WINDOW_MONTHS)
def test_an_event_certainly_inside_a_treatment_is_never_untreated(
    timeline: Timeline, date: PartialDate, onset: int | None, carry: int | None
) -> None:
    windows = _windows(onset, carry)
    candidates = attribute_date(_patient(timeline), date, windows=windows)[0]
    assert candidates
    for i, episode in enumerate(timeline.episodes):
        end = timeline.treatment_end(i, regimens=windows.regimens)[0]
        if episode.start._hi <= date._lo and date._hi <= end:
            assert Candidate(UNTREATED, None) not in candidates
            assert all(c.state is not UNTREATED for c in candidates)


@given(NEARBY, EVENTS, WINDOW_MONTHS)
def test_an_event_certainly_before_every_start_is_untreated(
    timeline: Timeline, date: PartialDate, onset: int | None
) -> None:
    assume(all(date.is_before(e.start).certain for e in timeline.episodes))
    assert (Candidate(UNTREATED, None),) == attribute_date(_patient(timeline), date, onset_months=onset)[0]


@given(NEARBY, EVENTS)
def test_without_windows_an_event_is_on_therapy_or_untreated(timeline: Timeline, date: PartialDate) -> None:
    states = {c.state for c in attribute_date(_patient(timeline), date, windows=_windows(0, 0))[0]}
    assert states <= {ON, UNTREATED}


def test_stop_state_of_an_ongoing_episode_has_no_carry_over() -> None:
    patient = Patient(
        id="p", episodes=[TherapyEpisode(FTY, "2017-07-01", ONGOING)], last_follow_up="2018-01-01"
    )
    assert StopState.ONGOING is patient.episodes[0].stop
    assert (Candidate(ON, 0),) == one("2017-12-31", patient, EffectWindows(BARE, carry_over_months=12))
