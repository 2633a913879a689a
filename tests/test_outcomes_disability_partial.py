"""Confirmed disability worsening under dates known only to the month or year: hand-worked
answers (certain, possible, none) at month and year precision, and properties: day dates give
exactly the day-precise scan, every day reading of coarse dates agrees with every certain
answer, and refining dates only narrows."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmt_timeline.dates import PartialDate, Precision, Truth
from dmt_timeline.events import EdssAssessment, Measure, Relapse, ScoredAssessment
from dmt_timeline.model import Patient
from dmt_timeline.outcomes import (
    Baseline,
    CdwSettings,
    DisabilityEvent,
    DisabilityKind,
    DisabilityResults,
    EventSelection,
    confirmed_disability_events,
)
from dmt_timeline.outcomes.disability import MAX_READINGS, _coarse_readings, _scan_partial
from dmt_timeline.strategies import refinements

YES, NO, OPEN = Truth.TRUE, Truth.FALSE, Truth.UNDETERMINED


def patient(*visits: tuple[str, float], relapses: tuple[str, ...] = ()) -> Patient:
    return Patient(
        id="p",
        edss_assessments=[EdssAssessment(d, score) for d, score in visits],
        relapses=[Relapse(r) for r in relapses],
    )


def answer(
    p: Patient, cdw: CdwSettings | None = None
) -> tuple[tuple[Truth, ...], list[tuple[str, str, bool]]]:
    results = confirmed_disability_events([p], cdw)
    status = results.status(p.id)
    events = [(e.kind.value, str(e.date), e.certain) for e in results.events]
    return (status.worsening, status.raw, status.pira), events


# -- hand-worked: month precision --------------------------------------------------------------
# Baseline 2.0 on 1 January 2020, 3.0 on 10 April; the confirmation window is 77 to 814.5 days.


def test_month_certain_a_july_confirmation_is_82_to_112_days_later() -> None:
    p = patient(("2020-01-01", 2.0), ("2020-04-10", 3.0), ("2020-07", 3.0))
    assert ((YES, NO, YES), [("PIRA", "2020-04-10", True)]) == answer(p)


def test_month_possible_a_june_confirmation_is_52_to_81_days_later() -> None:
    p = patient(("2020-01-01", 2.0), ("2020-04-10", 3.0), ("2020-06", 3.0))
    assert ((OPEN, NO, OPEN), [("PIRA", "2020-04-10", False)]) == answer(p)


def test_month_none_a_may_confirmation_is_21_to_51_days_later() -> None:
    p = patient(("2020-01-01", 2.0), ("2020-04-10", 3.0), ("2020-05", 3.0))
    assert ((NO, NO, NO), []) == answer(p)


def test_month_relapse_worsening_certain_but_raw_or_pira_open() -> None:
    # A relapse in January 2020 is 75 to 105 days before the worsening on 15 April: RAW when it
    # is within 90 days, otherwise outside PIRA's 90-day window, so PIRA.
    p = patient(("2019-10-01", 2.0), ("2020-04-15", 3.0), ("2020-10-01", 3.0), relapses=("2020-01",))
    status, events = answer(p)
    assert (YES, OPEN, OPEN) == status
    assert [("PIRA", "2020-04-15", False), ("RAW", "2020-04-15", False)] == sorted(events)


def test_month_relapse_certainly_within_ninety_days_is_raw() -> None:
    p = patient(("2020-01-01", 2.0), ("2020-04-10", 3.0), ("2020-10-01", 3.0), relapses=("2020-03",))
    assert ((YES, YES, NO), [("RAW", "2020-04-10", True)]) == answer(p)


# -- hand-worked: year precision ---------------------------------------------------------------


def test_year_certain_a_confirmation_in_2021_is_357_to_721_days_later() -> None:
    p = patient(("2018", 2.0), ("2020-01-10", 3.0), ("2021", 3.0))
    assert ((YES, NO, YES), [("PIRA", "2020-01-10", True)]) == answer(p)


def test_year_possible_confirmation_one_to_730_days_later() -> None:
    p = patient(("2019", 2.0), ("2020", 3.0), ("2021", 3.0))
    assert ((OPEN, NO, OPEN), [("PIRA", "2020", False)]) == answer(p)


def test_year_none_whatever_the_order_in_the_year() -> None:
    # 2.0 "in 2020" may come before or after 3.0 on 20 December: before, the confirmation on
    # 15 January is 26 days later (too early); after, 2.0 is no worsening from a 3.0 baseline.
    p = patient(("2020", 2.0), ("2020-12-20", 3.0), ("2021-01-15", 3.0))
    assert ((NO, NO, NO), []) == answer(p)


def test_year_the_order_itself_may_be_open() -> None:
    # Three assessments in one year: any of them may come first.
    p = patient(("2020", 2.0), ("2020", 3.0), ("2020", 3.0))
    status, events = answer(p)
    assert (OPEN, NO, OPEN) == status
    assert {("PIRA", "2020", False)} == set(events)


def test_other_measures_are_answered_the_same_way() -> None:
    # SDMT worsens downwards: 50 to 45 is 5 points (4 needed); confirmed 82 to 112 days later.
    dates = ("2020-01-01", "2020-04-10", "2020-07")
    readings = [ScoredAssessment(Measure.SDMT, d, v) for d, v in zip(dates, (50, 45, 45), strict=True)]
    results = confirmed_disability_events([Patient(id="p", assessments=readings)], scale=Measure.SDMT)
    assert [("PIRA", "2020-04-10", True)] == [(e.kind.value, str(e.date), e.certain) for e in results.events]
    assert YES is results.status("p").worsening


def test_too_many_readings_is_cannot_tell_with_the_reason() -> None:
    # Six assessments and a relapse in one year: hundreds of orders, each with open windows.
    p = patient(*(("2020", 2.0 + i % 3) for i in range(6)), relapses=("2020",))
    results = confirmed_disability_events([p])
    status = results.status("p")
    assert ((), (OPEN, OPEN, OPEN), 0) == (
        results.events,
        (status.worsening, status.raw, status.pira),
        status.runs,
    )
    assert f"the dates allow more than {MAX_READINGS} runs of the scan" == status.reason


def test_the_printed_results_mark_possible_events_and_open_patients() -> None:
    text = str(confirmed_disability_events([patient(("2019", 2.0), ("2020", 3.0), ("2021", 3.0))]))
    assert text.endswith(
        "p PIRA (possible) 2020 3 (baseline 2 on 2019, confirmed 2021)\n"
        "Cannot tell:\n"
        "  p: CDW cannot tell, RAW no, PIRA cannot tell (the dates do not decide the order or a window)"
    )


# -- properties --------------------------------------------------------------------------------

START = dt.date(2020, 1, 1)
SCORES = [1.0, 2.0, 2.5, 3.0, 4.0]

CDW_SETTINGS = st.builds(
    CdwSettings,
    baseline=st.sampled_from(Baseline),
    events=st.sampled_from(EventSelection),
    confirmation_days=st.sampled_from([84, 168]),
    relapse_to_baseline=st.integers(0, 60),
    relapse_associated=st.integers(0, 120),
    sustained=st.booleans(),
)


def _coarsened(day: dt.date, precision: Precision) -> PartialDate:
    if precision is Precision.YEAR:
        return PartialDate(day.year)
    if precision is Precision.MONTH:
        return PartialDate(day.year, day.month)
    return PartialDate.from_date(day)


@st.composite
def day_patients(draw: st.DrawFn) -> Patient:
    gaps = draw(st.lists(st.integers(1, 200), min_size=1, max_size=8))
    days = [START + dt.timedelta(days=sum(gaps[: i + 1])) for i in range(len(gaps))]
    scores = draw(st.lists(st.sampled_from(SCORES), min_size=len(days), max_size=len(days)))
    relapses = draw(st.lists(st.integers(-60, (days[-1] - START).days + 60), max_size=3))
    return Patient(
        id="p",
        edss_assessments=[
            EdssAssessment(PartialDate.from_date(d), s) for d, s in zip(days, scores, strict=True)
        ],
        relapses=[Relapse(PartialDate.from_date(START + dt.timedelta(days=r))) for r in relapses],
    )


@st.composite
def coarse_patients(draw: st.DrawFn) -> Patient:
    """Day-dated patients with up to three of their dates made coarse (a month or a year)."""
    p = draw(day_patients())
    dates = [a.date for a in p.edss_assessments] + [r.onset for r in p.relapses]
    chosen = draw(st.sets(st.integers(0, len(dates) - 1), max_size=3))
    precisions = {i: draw(st.sampled_from([Precision.MONTH, Precision.YEAR])) for i in sorted(chosen)}
    new = [_coarsened(d.first_day, precisions[i]) if i in precisions else d for i, d in enumerate(dates)]
    n = len(p.edss_assessments)
    return Patient(
        id="p",
        edss_assessments=[
            EdssAssessment(d, a.score) for d, a in zip(new[:n], p.edss_assessments, strict=True)
        ],
        relapses=[Relapse(d) for d in new[n:]],
    )


def _refined(data: st.DataObject, p: Patient, *, to_day: bool) -> Patient:
    def refine(date: PartialDate) -> PartialDate:
        if to_day:
            offset = data.draw(st.integers(0, (date.last_day - date.first_day).days))
            return PartialDate.from_date(date.first_day + dt.timedelta(days=offset))
        return data.draw(refinements(date))

    return Patient(
        id=p.id,
        edss_assessments=[EdssAssessment(refine(a.date), a.score) for a in p.edss_assessments],
        relapses=[Relapse(refine(r.onset)) for r in p.relapses],
    )


def _covers(coarse: DisabilityEvent, fine: DisabilityEvent) -> bool:
    """Whether ``fine`` is ``coarse`` on a reading of the dates: same kind and scores, each
    date within the coarse one."""
    return (
        (coarse.kind, coarse.value, coarse.baseline_value) == (fine.kind, fine.value, fine.baseline_value)
        and coarse.date.covers(fine.date)
        and coarse.baseline_date.covers(fine.baseline_date)
        and coarse.confirmed.covers(fine.confirmed)
    )


def _check_narrowed(coarse: DisabilityResults, fine: DisabilityResults) -> None:
    was, now = coarse.status("p"), fine.status("p")
    for part in ("worsening", "raw", "pira"):
        if getattr(was, part) is not Truth.UNDETERMINED:
            assert getattr(was, part) is getattr(now, part)
    if was.runs == 0:
        return  # too many readings: "cannot tell", with no events listed (the documented fallback)
    # Every event a refinement gives was possible; every certain event stays certain.
    for event in fine.events:
        assert any(_covers(c, event) for c in coarse.events)
    for certain in (c for c in coarse.events if c.certain):
        assert any(_covers(certain, f) and f.certain for f in fine.events)


@given(day_patients(), CDW_SETTINGS)
def test_day_dates_run_through_the_partial_scan_give_the_day_precise_events(
    p: Patient, cdw: CdwSettings
) -> None:
    expected = confirmed_disability_events([p], cdw)
    events, status = _scan_partial(p, _coarse_readings(p, "EDSS", cdw), "EDSS", cdw)
    if cdw.events is EventSelection.FIRST:
        events = [e for e in events if e.kind is not DisabilityKind.CDI]
    assert list(expected.events) == events
    assert (expected.status("p"), 1) == (status, status.runs)


@given(day_patients(), CDW_SETTINGS)
def test_day_dates_answer_yes_or_no_as_the_events_say(p: Patient, cdw: CdwSettings) -> None:
    results = confirmed_disability_events([p], cdw)
    kinds = {e.kind for e in results.events}
    status = results.status("p")
    assert all(e.certain for e in results.events)
    assert (
        Truth.from_bounds(always=bool(kinds - {DisabilityKind.CDI}), never=not kinds - {DisabilityKind.CDI}),
        Truth.from_bounds(always=DisabilityKind.RAW in kinds, never=DisabilityKind.RAW not in kinds),
        Truth.from_bounds(always=DisabilityKind.PIRA in kinds, never=DisabilityKind.PIRA not in kinds),
    ) == (status.worsening, status.raw, status.pira)


@settings(deadline=None)  # some generated patients need thousands of runs of the scan
@given(coarse_patients(), CDW_SETTINGS, st.data())
def test_every_day_reading_agrees_with_the_certain_answers(
    p: Patient, cdw: CdwSettings, data: st.DataObject
) -> None:
    exact = _refined(data, p, to_day=True)
    _check_narrowed(confirmed_disability_events([p], cdw), confirmed_disability_events([exact], cdw))


@settings(deadline=None)
@given(coarse_patients(), CDW_SETTINGS, st.data())
def test_refining_dates_only_narrows(p: Patient, cdw: CdwSettings, data: st.DataObject) -> None:
    finer = _refined(data, p, to_day=False)
    _check_narrowed(confirmed_disability_events([p], cdw), confirmed_disability_events([finer], cdw))


@pytest.mark.parametrize("date", ["2020-06", "2020"])
def test_each_day_of_a_possible_confirmation_gives_or_withholds_the_event(date: str) -> None:
    """The possible event of a coarse confirmation is given by some of its days, not by others."""
    coarse = patient(("2019-12-01", 2.0), ("2020-04-10", 3.0), (date, 3.0))
    assert (OPEN, NO, OPEN) == answer(coarse)[0]
    confirmation = PartialDate.parse(date)
    outcomes = set()
    day = confirmation.first_day
    while day <= confirmation.last_day:
        fine = patient(("2019-12-01", 2.0), ("2020-04-10", 3.0), (str(day), 3.0))
        outcomes.add(answer(fine)[0][0])
        day += dt.timedelta(days=1)
    assert {YES, NO} == outcomes
