"""Confirmed disability worsening: every criterion by a hand-worked example, the rules by
properties. (Agreement with pymsprog is in test_outcomes_msprog.py.)"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline.dates import PartialDate, Truth
from dmt_timeline.errors import DmtTimelineError, InvalidValueError
from dmt_timeline.events import EdssAssessment, Measure, Relapse, ScoredAssessment
from dmt_timeline.model import Patient
from dmt_timeline.outcomes import (
    Baseline,
    CdwSettings,
    DisabilityKind,
    EventSelection,
    confirmed_disability_events,
    minimum_change,
)

START = dt.date(2020, 1, 1)


def day(offset: int) -> PartialDate:
    return PartialDate.from_date(START + dt.timedelta(days=offset))


def patient(*visits: tuple[int, float], relapses: tuple[int, ...] = (), pid: str = "p") -> Patient:
    return Patient(
        id=pid,
        edss_assessments=[EdssAssessment(day(d), score) for d, score in visits],
        relapses=[Relapse(day(d)) for d in relapses],
    )


def kinds(p: Patient, settings: CdwSettings | None = None) -> list[tuple[str, DisabilityKind]]:
    return [(str(e.date), e.kind) for e in confirmed_disability_events([p], settings).events]


ALL = CdwSettings(events=EventSelection.ALL)


def test_a_worsening_confirmed_at_twelve_weeks_without_relapses_is_pira() -> None:
    events = confirmed_disability_events([patient((0, 2.0), (100, 3.0), (190, 3.0))]).events
    assert 1 == len(events)
    event = events[0]
    assert (DisabilityKind.PIRA, day(100), 3.0, day(0), 2.0, day(190)) == (
        event.kind,
        event.date,
        event.value,
        event.baseline_date,
        event.baseline_value,
        event.confirmed,
    )


def test_a_worsening_not_confirmed_is_no_event() -> None:
    assert [] == kinds(patient((0, 2.0), (100, 3.0), (190, 2.0)))


def test_every_assessment_up_to_the_confirmation_must_show_the_worsening() -> None:
    assert [] == kinds(patient((0, 2.0), (100, 3.0), (130, 2.5), (190, 3.0)))


def test_confirmation_must_come_within_the_tolerance_window() -> None:
    # 84 days - 7: an assessment 76 days after the event is too early, 77 is in time.
    assert [] == kinds(patient((0, 2.0), (100, 3.0), (176, 3.0)))
    assert [(str(day(100)), DisabilityKind.PIRA)] == kinds(patient((0, 2.0), (100, 3.0), (177, 3.0)))


def test_twenty_four_week_confirmation_is_a_setting() -> None:
    visits = patient((0, 2.0), (100, 3.0), (190, 3.0))
    assert [] == kinds(visits, CdwSettings(confirmation_days=168))


def test_a_relapse_before_the_worsening_makes_it_raw() -> None:
    assert [(str(day(100)), DisabilityKind.RAW)] == kinds(
        patient((0, 2.0), (100, 3.0), (190, 3.0), relapses=(20,))
    )


def test_a_relapse_just_after_the_worsening_makes_it_neither_raw_nor_pira() -> None:
    # Day 120 is within 30 days after the event: not RAW (that looks back 90 days), not PIRA.
    assert [(str(day(100)), DisabilityKind.CDW)] == kinds(
        patient((0, 2.0), (100, 3.0), (190, 3.0), relapses=(120,))
    )


def test_classification_is_a_setting() -> None:
    visits = patient((0, 2.0), (100, 3.0), (190, 3.0), relapses=(20,))
    assert [(str(day(100)), DisabilityKind.CDW)] == kinds(visits, CdwSettings(classify=False))


def test_an_assessment_soon_after_a_relapse_is_no_baseline() -> None:
    # The relapse on day -10 rules out the day-0 baseline; day 40 (3.0) becomes the baseline.
    p = patient((0, 2.0), (40, 3.0), (150, 3.0), (240, 3.0), relapses=(-10,))
    assert [] == kinds(p)


def test_an_assessment_soon_after_a_relapse_is_no_confirmation() -> None:
    p = patient((0, 2.0), (100, 3.0), (190, 3.0), relapses=(170,))
    assert [] == kinds(p)


def test_a_relapse_long_before_the_first_assessment_is_ignored_even_as_raw() -> None:
    # As msprog: relapses more than relapse_to_baseline days before the first assessment are dropped.
    p = patient((0, 2.0), (40, 3.0), (130, 3.0), relapses=(-31,))
    assert [(str(day(40)), DisabilityKind.PIRA)] == kinds(p)


@pytest.mark.parametrize(
    ("baseline", "needed"), [(0.0, "1.5"), (1.0, "1.0"), (5.0, "1.0"), (5.5, "1.0"), (6.0, "0.5")]
)
def test_edss_minimum_increase_by_baseline(baseline: float, needed: str) -> None:
    assert Decimal(needed) == minimum_change(baseline, "EDSS", CdwSettings())


def test_the_edss_boundary_is_a_setting_pymsprog_puts_at_five() -> None:
    assert Decimal("0.5") == minimum_change(5.5, "EDSS", CdwSettings(edss_one_point_up_to=5.0))
    p = patient((0, 5.5), (100, 6.0), (190, 6.0))
    assert [] == kinds(p)
    assert [(str(day(100)), DisabilityKind.PIRA)] == kinds(p, CdwSettings(edss_one_point_up_to=5.0))


@pytest.mark.parametrize(
    ("measure", "baseline", "needed"),
    [
        (Measure.T25FW, 5.5, "1.1"),
        (Measure.NHPT, 20.0, "4"),
        (Measure.SDMT, 50.0, "4"),
        (Measure.SDMT, 15.0, "3"),
    ],
)
def test_other_measures_minimum_change(measure: Measure, baseline: float, needed: str) -> None:
    assert Decimal(needed) == minimum_change(baseline, measure, CdwSettings())


def sdmt(pid: str, *scores: float) -> Patient:
    dates = (day(0), day(100), day(190))
    readings = [ScoredAssessment(Measure.SDMT, d, v) for d, v in zip(dates, scores, strict=True)]
    return Patient(id=pid, assessments=readings)


def test_sdmt_worsens_downwards() -> None:
    patients = [sdmt("up", 50, 60, 60), sdmt("down", 50, 46, 46)]
    results = confirmed_disability_events(patients, ALL, scale=Measure.SDMT)
    found = [(e.patient, e.kind) for e in results.events]
    assert [("up", DisabilityKind.CDI), ("down", DisabilityKind.PIRA)] == found


def test_roving_baseline_moves_to_the_confirmation_of_each_event() -> None:
    p = patient((0, 2.0), (100, 3.0), (190, 3.0), (300, 2.5), (400, 4.0), (500, 4.0))
    fixed = confirmed_disability_events([p], ALL).events
    roving = confirmed_disability_events(
        [p], CdwSettings(events=EventSelection.ALL, baseline=Baseline.ROVING)
    ).events
    # Fixed: 4.0 on day 400 is +2 from 2.0. Roving: +1 from 3.0 on day 190, its new baseline.
    assert [(day(100), day(0)), (day(400), day(0))] == [(e.date, e.baseline_date) for e in fixed]
    assert [(day(100), day(0)), (day(400), day(190))] == [(e.date, e.baseline_date) for e in roving]


def test_first_reports_only_the_first_worsening() -> None:
    p = patient((0, 4.0), (100, 2.0), (190, 2.0), (300, 5.0), (400, 5.0), (500, 6.0), (600, 6.0))
    settings = CdwSettings(baseline=Baseline.ROVING)
    assert [(str(day(300)), DisabilityKind.PIRA)] == kinds(p, settings)


def test_two_assessments_on_one_day_the_last_stands() -> None:
    p = Patient(
        id="p",
        edss_assessments=[
            EdssAssessment(day(0), 2.0),
            EdssAssessment(day(100), 3.0),
            EdssAssessment(day(100), 2.0),
            EdssAssessment(day(190), 3.0),
        ],
    )
    assert [] == kinds(p)


def test_assessments_known_only_to_the_month_are_answered_not_refused() -> None:
    # Two assessments: nothing can confirm a change, on any reading of the month.
    p = Patient(
        id="p-7", edss_assessments=[EdssAssessment("2020-01-05", 2.0), EdssAssessment("2020-03", 3.0)]
    )
    results = confirmed_disability_events([p])
    assert ((), Truth.FALSE) == (results.events, results.status("p-7").worsening)


def test_a_relapse_known_only_to_the_year_that_could_matter_leaves_it_open() -> None:
    # On 1 January 2020 it rules out the baseline; in April it makes the worsening RAW.
    p = patient((0, 2.0), (100, 3.0), (190, 3.0))
    p = Patient(id="p", edss_assessments=p.edss_assessments, relapses=[Relapse("2020")])
    status = confirmed_disability_events([p]).status("p")
    assert (Truth.UNDETERMINED,) * 3 == (status.worsening, status.raw, status.pira)


def test_a_coarse_relapse_wholly_before_the_window_is_ignored() -> None:
    p = patient((0, 2.0), (100, 3.0), (190, 3.0))
    p = Patient(id="p", edss_assessments=p.edss_assessments, relapses=[Relapse("2018")])
    assert [(str(day(100)), DisabilityKind.PIRA)] == kinds(p)


def test_asking_for_a_patient_not_scanned_quotes_the_id() -> None:
    with pytest.raises(InvalidValueError, match=r"patient 'p\\n7' was not scanned") as info:
        confirmed_disability_events([]).status("p\n7")
    assert isinstance(info.value, DmtTimelineError)


def test_day_dates_answer_yes_or_no_per_patient_in_one_run() -> None:
    results = confirmed_disability_events(
        [patient((0, 2.0), (100, 3.0), (190, 3.0), pid="a"), patient(pid="b")]
    )
    assert [
        ("a", Truth.TRUE, Truth.FALSE, Truth.TRUE, 1),
        ("b", Truth.FALSE, Truth.FALSE, Truth.FALSE, 1),
    ] == [(s.patient, s.worsening, s.raw, s.pira, s.runs) for s in results.patients]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("confirmation_days", -1),
        ("tolerance_after", math.nan),
        ("timed_percent", 0),
        ("timed_percent", 20.5),
        ("baseline", "fixed"),
        ("classify", 1),
    ],
)
def test_settings_refuse_what_is_not_a_criterion(field: str, value: object) -> None:
    with pytest.raises(InvalidValueError, match=field):
        CdwSettings(**{field: value})  # type: ignore[arg-type]


def test_an_unknown_scale_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="scale 'MSFC' is not 'EDSS' or a Measure"):
        confirmed_disability_events([], scale="MSFC")  # type: ignore[arg-type]


def test_the_settings_are_printed_with_the_results() -> None:
    results = confirmed_disability_events([patient((0, 2.0), (100, 3.0), (190, 3.0), pid="a")])
    text = str(results)
    assert text.startswith(
        "Settings:\n  baseline: fixed\n  events: first\n  confirmation: 84 days (-7/+730.5)"
    )
    assert "EDSS minimum increase: 1.5 from 0, 1.0 up to 5.5, 0.5 above" in text
    assert text.endswith(
        "Confirmed disability events on EDSS: 1\n"
        "a PIRA 2020-04-10 3 (baseline 2 on 2020-01-01, confirmed 2020-07-09)"
    )


# Properties over generated day-dated trajectories.

GRID = [0.0] + [1.0 + 0.5 * i for i in range(19)]


@st.composite
def trajectories(draw: st.DrawFn) -> Patient:
    gaps = draw(st.lists(st.integers(1, 200), min_size=1, max_size=12))
    days = [sum(gaps[:i]) for i in range(len(gaps))]
    scores = draw(st.lists(st.sampled_from(GRID), min_size=len(days), max_size=len(days)))
    relapses = draw(st.lists(st.integers(-60, days[-1] + 60), max_size=4))
    return patient(*zip(days, scores, strict=True), relapses=tuple(relapses))


settings_st = st.builds(
    CdwSettings,
    baseline=st.sampled_from(Baseline),
    events=st.sampled_from(EventSelection),
    confirmation_days=st.sampled_from([84, 168]),
    relapse_to_baseline=st.integers(0, 60),
    relapse_associated=st.integers(0, 120),
)


@given(trajectories(), settings_st)
def test_every_event_meets_its_threshold_and_its_window(p: Patient, settings: CdwSettings) -> None:
    for e in confirmed_disability_events([p], settings).events:
        change = Decimal(repr(e.value)) - Decimal(repr(e.baseline_value))
        needed = minimum_change(e.baseline_value, "EDSS", settings)
        assert (change <= -needed) if e.kind is DisabilityKind.CDI else (change >= needed)
        gap = (e.confirmed.first_day - e.date.first_day).days
        assert settings.confirmation_days - settings.tolerance_before <= gap
        assert gap <= settings.confirmation_days + settings.tolerance_after
        assert e.baseline_date.first_day < e.date.first_day


@given(trajectories(), settings_st)
def test_first_is_the_first_worsening_of_all(p: Patient, settings: CdwSettings) -> None:
    first = confirmed_disability_events([p], attrs_evolve(settings, EventSelection.FIRST)).events
    every = confirmed_disability_events([p], attrs_evolve(settings, EventSelection.ALL)).events
    worsening = [e for e in every if e.kind is not DisabilityKind.CDI]
    assert worsening[:1] == list(first)


@given(trajectories(), settings_st)
def test_classifying_changes_kinds_only(p: Patient, settings: CdwSettings) -> None:
    plain = confirmed_disability_events([p], attrs.evolve(settings, classify=False)).events
    classified = confirmed_disability_events([p], attrs.evolve(settings, classify=True)).events
    assert [
        attrs.evolve(e, kind=DisabilityKind.CDW) if e.kind is not DisabilityKind.CDI else e
        for e in classified
    ] == list(plain)


@given(trajectories(), st.randoms())
def test_input_order_does_not_matter(p: Patient, rnd: object) -> None:
    assert isinstance(rnd, random.Random)
    shuffled = list(p.edss_assessments)
    rnd.shuffle(shuffled)
    again = Patient(id=p.id, edss_assessments=shuffled, relapses=p.relapses)
    assert confirmed_disability_events([p], ALL) == confirmed_disability_events([again], ALL)


def attrs_evolve(settings: CdwSettings, events: EventSelection) -> CdwSettings:
    return attrs.evolve(settings, events=events)


def test_the_sdmt_rule_of_pymsprogs_docstring_is_a_setting() -> None:
    """Three points or 10%, whichever is smaller (pymsprog's docstring; its code uses 4 or 20%)."""
    docstring_rule = CdwSettings(sdmt_points=3, sdmt_percent=10)
    assert (Decimal("3"), Decimal("2.5")) == (
        minimum_change(50.0, Measure.SDMT, docstring_rule),
        minimum_change(25.0, Measure.SDMT, docstring_rule),
    )


def test_a_sustained_worsening_must_last_to_the_end_of_follow_up() -> None:
    lasting = patient((0, 2.0), (100, 3.0), (190, 3.0), (400, 3.5))
    lapsing = patient((0, 2.0), (100, 3.0), (190, 3.0), (400, 2.5))
    sustained = CdwSettings(sustained=True)
    assert [(str(day(100)), DisabilityKind.PIRA)] == kinds(lasting, sustained)
    assert [] == kinds(lapsing, sustained)
    assert [(str(day(100)), DisabilityKind.PIRA)] == kinds(lapsing)


def test_an_unsustained_change_still_moves_a_roving_baseline_as_in_pymsprog() -> None:
    # 3.0 on day 100 lapses on day 300, so it is no event; the baseline moves to day 190 all the
    # same, and 4.0 from day 400 is +1 from it (from the first baseline, 2.0, it would be +2).
    p = patient((0, 2.0), (100, 3.0), (190, 3.0), (300, 2.5), (400, 4.0), (500, 4.0))
    settings = CdwSettings(sustained=True, baseline=Baseline.ROVING, events=EventSelection.ALL)
    events = confirmed_disability_events([p], settings).events
    assert [(day(400), day(190))] == [(e.date, e.baseline_date) for e in events]


def test_results_select_events_by_kind_and_say_when_there_are_none() -> None:
    raw = patient((0, 2.0), (100, 3.0), (190, 3.0), relapses=(20,), pid="raw")
    pira = patient((0, 2.0), (100, 3.0), (190, 3.0), pid="pira")
    results = confirmed_disability_events([raw, pira])
    assert ["raw"] == [e.patient for e in results.of_kind(DisabilityKind.RAW)]
    assert ["pira"] == [e.patient for e in results.of_kind(DisabilityKind.PIRA)]
    assert str(confirmed_disability_events([])).endswith("Confirmed disability events on EDSS: 0\n(none)")


def test_results_name_the_measure() -> None:
    text = str(confirmed_disability_events([], scale=Measure.SDMT))
    assert "Confirmed disability events on SDMT: 0" in text
