"""The public Hypothesis strategies: valid by construction, bounded as asked, shrinking to simple values."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from dmt_timeline.catalogue import CATALOGUE, Catalogue
from dmt_timeline.dates import MAX_YEAR, MIN_YEAR, MonthRange, PartialDate, Precision, whole_months
from dmt_timeline.model import (
    EDSS,
    NOT_RECORDED,
    ONGOING,
    Cohort,
    CohortMetadata,
    ComorbidityTreatment,
    Condition,
    Diagnosis,
    Patient,
    ResponseObservation,
    SwitchReason,
    TherapyEpisode,
)
from dmt_timeline.strategies import (
    cohorts,
    diagnoses,
    edss_scores,
    month_ranges,
    partial_dates,
    patients,
    refinements,
    response_observations,
    switch_reasons,
    therapies,
    therapy_episodes,
    timelines,
)
from dmt_timeline.strategies._histories import _overlap_limit
from dmt_timeline.timeline import Timeline

Y, M, D = Precision.YEAR, Precision.MONTH, Precision.DAY
FIRST_THERAPY = CATALOGUE.therapies[0]


def anything(_: object) -> bool:
    return True


def test_importing_the_package_does_not_import_the_strategies() -> None:
    code = "import sys, dmt_timeline; print('dmt_timeline.strategies' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert "False" == out.stdout.strip()


# -- partial dates ---------------------------------------------------------------------------


@given(partial_dates())
def test_partial_dates_lie_in_the_supported_years(date: PartialDate) -> None:
    assert MIN_YEAR <= date.year <= MAX_YEAR


@given(partial_dates(min_value=PartialDate(2007, 3), max_value=dt.date(2009, 6, 10)))
def test_partial_dates_lie_wholly_within_the_bounds(date: PartialDate) -> None:
    assert dt.date(2007, 3, 1) <= date.first_day
    assert date.last_day <= dt.date(2009, 6, 10)


@pytest.mark.parametrize("precisions", [[Y], [M], [D], [Y, D]], ids=["year", "month", "day", "year-day"])
@given(data=st.data())
def test_partial_dates_have_the_chosen_precisions(precisions: list[Precision], data: st.DataObject) -> None:
    assert data.draw(partial_dates(precisions=precisions)).precision in precisions


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, PartialDate(MIN_YEAR)),
        ({"min_value": dt.date(2007, 3, 5)}, PartialDate(2008)),
        ({"min_value": dt.date(2007, 3, 5), "max_value": PartialDate(2007, 12)}, PartialDate(2007, 4)),
        ({"precisions": [D]}, PartialDate(MIN_YEAR, 1, 1)),
    ],
    ids=["default", "year-after-bound", "month-within-year", "day"],
)
def test_partial_dates_shrink_to_the_coarsest_earliest_date(
    kwargs: dict[str, Any], expected: PartialDate
) -> None:
    assert expected == find(partial_dates(**kwargs), anything)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"min_value": PartialDate(2010), "max_value": PartialDate(2009)},
            "min_value=2010 is after max_value=2009",
        ),
        ({"min_value": "2007"}, "min_value='2007' must be a PartialDate or a date"),
        ({"max_value": dt.datetime(2007, 1, 1)}, "max_value=datetime.datetime.2007, 1, 1, 0, 0. must be"),
        (
            {"min_value": dt.date(1850, 1, 1)},
            "min_value=datetime.date.1850, 1, 1. is outside the years 1900..2100",
        ),
        ({"precisions": []}, "precisions=.. is empty"),
        ({"precisions": ["year"]}, "precisions contains 'year', which is not a Precision"),
        (
            {"min_value": dt.date(2007, 3, 5), "max_value": dt.date(2007, 3, 20), "precisions": [Y, M]},
            "no partial date of precision year, month lies wholly within 2007-03-05..2007-03-20",
        ),
    ],
    ids=["order", "text", "datetime", "year-range", "no-precision", "not-a-precision", "empty"],
)
def test_partial_dates_refuse_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        partial_dates(**kwargs)


# -- refinements -----------------------------------------------------------------------------


@pytest.mark.parametrize("date", [PartialDate(2008), PartialDate(2008, 2), PartialDate(2008, 2, 29)])
@given(data=st.data())
def test_refinements_are_covered_by_the_date(date: PartialDate, data: st.DataObject) -> None:
    assert date.covers(data.draw(refinements(date)))


@given(refinements(PartialDate(2008), strict=True))
def test_strict_refinements_are_more_precise(date: PartialDate) -> None:
    assert Precision.YEAR is not date.precision


@pytest.mark.parametrize(
    ("date", "strict", "expected"),
    [
        (PartialDate(2008), False, PartialDate(2008)),
        (PartialDate(2008), True, PartialDate(2008, 1)),
        (PartialDate(2008, 2), True, PartialDate(2008, 2, 1)),
        (PartialDate(2008, 2, 29), False, PartialDate(2008, 2, 29)),
    ],
)
def test_refinements_shrink_to_the_date_or_its_first_part(
    date: PartialDate, strict: bool, expected: PartialDate
) -> None:
    assert expected == find(refinements(date, strict=strict), anything)


def test_strict_refinement_of_a_day_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="date=2008-02-29 is day-precise: nothing refines it strictly"):
        refinements(PartialDate(2008, 2, 29), strict=True)


def test_refinements_of_text_are_refused() -> None:
    date: Any = "2008"
    with pytest.raises(InvalidArgument, match="date='2008' must be a PartialDate"):
        refinements(date)


# -- month ranges, EDSS, therapies, reasons --------------------------------------------------


@given(month_ranges(min_value=-3, max_value=40))
def test_month_ranges_lie_within_the_bounds(months: MonthRange) -> None:
    assert -3 <= months.low <= months.high <= 40


def test_month_ranges_refuse_bounds_out_of_order() -> None:
    with pytest.raises(InvalidArgument, match="min_value=5 is above max_value=2"):
        month_ranges(min_value=5, max_value=2)


@given(edss_scores(min_value=1.0, max_value=4.0))
def test_edss_scores_lie_within_the_bounds(edss: EDSS) -> None:
    assert 1.0 <= edss.score <= 4.0


def test_edss_scores_shrink_to_zero() -> None:
    assert EDSS(0) == find(edss_scores(), anything)


@pytest.mark.parametrize("score", [0.0, 1.0, 5.5, 10.0])
def test_edss_scores_reach_every_score(score: float) -> None:
    assert EDSS(score) == find(edss_scores(), lambda e: e.score == score)


def test_edss_scores_refuse_a_range_without_a_score() -> None:
    with pytest.raises(
        InvalidArgument, match=r"no EDSS score lies between min_value=0\.25 and max_value=0\.75"
    ):
        edss_scores(min_value=0.25, max_value=0.75)


@given(therapies())
def test_therapies_come_from_the_catalogue(therapy: Any) -> None:
    assert therapy is CATALOGUE[therapy.name]


def test_therapies_refuse_an_empty_catalogue() -> None:
    with pytest.raises(InvalidArgument, match=r"catalogue=.* must be a non-empty Catalogue"):
        therapies(catalogue=Catalogue(()))


@given(st.lists(switch_reasons(), unique=True))
def test_switch_reasons_are_the_vocabulary(reasons: list[SwitchReason]) -> None:
    assert set(reasons) <= set(SwitchReason)


# -- episodes --------------------------------------------------------------------------------


def test_therapy_episodes_shrink_to_the_simplest_episode() -> None:
    assert TherapyEpisode(FIRST_THERAPY, PartialDate(MIN_YEAR)) == find(therapy_episodes(), anything)


@given(therapy_episodes(min_value=PartialDate(2007), max_value=PartialDate(2008)))
def test_therapy_episode_stops_lie_within_the_bounds(episode: TherapyEpisode) -> None:
    stop = episode.stop
    assert not isinstance(stop, PartialDate) or stop.last_day <= dt.date(2008, 12, 31)


@given(therapy_episodes(allow_ongoing=False))
def test_therapy_episodes_can_be_kept_from_being_ongoing(episode: TherapyEpisode) -> None:
    assert ONGOING is not episode.stop


def test_therapy_episodes_reach_a_stop_coarser_than_the_start() -> None:
    def coarser(e: TherapyEpisode) -> bool:
        return isinstance(e.stop, PartialDate) and e.stop.precision is Y and e.start.precision is D

    found = find(therapy_episodes(), coarser)
    assert TherapyEpisode(FIRST_THERAPY, PartialDate(MIN_YEAR, 1, 1), PartialDate(MIN_YEAR)) == found


@given(therapy_episodes(therapies=st.just(CATALOGUE["Nat"])))
def test_therapy_episodes_take_a_therapy_strategy(episode: TherapyEpisode) -> None:
    assert CATALOGUE["Nat"] is episode.therapy


def test_therapy_episodes_refuse_a_therapy_that_is_not_a_strategy() -> None:
    value: Any = CATALOGUE["Nat"]
    with pytest.raises(InvalidArgument, match=r"therapies=Therapy\('natalizumab'\) must be a strategy"):
        therapy_episodes(therapies=value)


# -- timelines -------------------------------------------------------------------------------


@pytest.mark.parametrize("max_overlap_months", [0, 3, 12])
@given(data=st.data())
def test_timelines_have_no_problems(max_overlap_months: int, data: st.DataObject) -> None:
    strategy = timelines(
        min_value=PartialDate(2000), max_value=PartialDate(2004), max_overlap_months=max_overlap_months
    )
    assert () == data.draw(strategy).problems(max_overlap_months=max_overlap_months)


@given(timelines(min_size=2, max_size=3))
def test_timelines_have_the_chosen_size(timeline: Timeline) -> None:
    assert 2 <= len(timeline) <= 3


@given(timelines(sequences=True, max_size=4))
def test_numbered_timelines_number_episodes_in_order(timeline: Timeline) -> None:
    assert list(range(1, len(timeline) + 1)) == [e.sequence for e in timeline]


@given(timelines(sequences=False, max_size=4))
def test_unnumbered_timelines_have_strictly_increasing_first_days(timeline: Timeline) -> None:
    firsts = [e.start.first_day for e in timeline]
    assert (firsts, None) == (sorted(set(firsts)), next((e.sequence for e in timeline if e.sequence), None))


@given(timelines(max_size=4))
def test_only_the_last_episode_of_a_timeline_is_ongoing(timeline: Timeline) -> None:
    assert ONGOING not in [e.stop for e in timeline.episodes[:-1]]


@given(timelines(max_size=4))
def test_last_follow_up_is_never_before_a_start(timeline: Timeline) -> None:
    follow_up = timeline.last_follow_up
    assert follow_up is None or all(e.start.first_day <= follow_up.last_day for e in timeline)


def test_timelines_without_an_overlap_limit_reach_an_ongoing_episode_before_another() -> None:
    found = find(timelines(min_size=2, max_overlap_months=None), lambda t: t.episodes[0].stop is ONGOING)
    assert ONGOING is found.episodes[0].stop


def test_timelines_shrink_to_the_simplest_history() -> None:
    simplest = (
        TherapyEpisode(FIRST_THERAPY, PartialDate(MIN_YEAR)),
        TherapyEpisode(FIRST_THERAPY, PartialDate(MIN_YEAR + 1)),
    )
    assert Timeline(simplest) == find(timelines(min_size=2), anything)


@given(
    timelines(
        min_size=3, max_size=3, min_value=PartialDate(2000), max_value=PartialDate(2001), precisions=[Y]
    )
)
def test_timelines_number_histories_that_need_it_to_fit(timeline: Timeline) -> None:
    assert [1, 2, 3] == [e.sequence for e in timeline]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_size": -1}, "min_size=-1 must be a whole number >= 0"),
        ({"min_size": 3, "max_size": 2}, "min_size=3 is above max_size=2"),
        ({"max_overlap_months": -1}, "max_overlap_months=-1 must be a whole number >= 0 or None"),
        ({"sequences": "yes"}, "sequences='yes' must be True, False or None"),
        (
            {
                "min_size": 3,
                "sequences": False,
                "min_value": PartialDate(2000),
                "max_value": PartialDate(2001),
                "precisions": [Y],
            },
            "min_size=3 starts do not fit between 2000-01-01 and 2001-12-31 without sequences",
        ),
    ],
    ids=["negative", "order", "overlap", "sequences", "no-room"],
)
def test_timelines_refuse_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        timelines(**kwargs)


@pytest.mark.parametrize("months", [0, 1, 3, 11])
@given(data=st.data())
def test_overlap_limit_is_the_last_stop_day_within_the_limit(months: int, data: st.DataObject) -> None:
    following = data.draw(partial_dates(max_value=PartialDate(2099)))
    limit = _overlap_limit(following, months)
    within = whole_months(limit, following.last_day)
    beyond = whole_months(limit + dt.timedelta(days=1), following.last_day)
    assert (True, True) == (within >= -months, beyond < -months)


# -- patients and cohorts --------------------------------------------------------------------


@given(patients(max_episodes=4))
def test_patients_have_timelines(patient: Patient) -> None:
    assert len(patient.episodes) == len(Timeline.of(patient))


@given(patients(min_episodes=1, max_episodes=4, max_overlap_months=0))
def test_patients_respect_the_overlap_limit(patient: Patient) -> None:
    assert () == Timeline(patient.episodes).problems(max_overlap_months=0)


@given(patients(min_episodes=2, max_episodes=3))
def test_patients_have_the_chosen_number_of_episodes(patient: Patient) -> None:
    assert 2 <= len(patient.episodes) <= 3


@given(patients(max_episodes=4))
def test_dated_observations_are_not_before_their_episode(patient: Patient) -> None:
    for obs in patient.observations:
        assert obs.date is None or obs.date.last_day >= patient.episodes[obs.episode].start.first_day


@given(patients(ids=st.just("P99")))
def test_patients_take_an_id_strategy(patient: Patient) -> None:
    assert "P99" == patient.id


def test_patients_reach_episodes_out_of_timeline_order() -> None:
    found = find(patients(min_episodes=2), lambda p: Timeline.of(p).episodes != p.episodes)
    assert Timeline.of(found).episodes != found.episodes


def test_patients_shrink_to_one_simple_episode() -> None:
    expected = Patient("P01", (TherapyEpisode(FIRST_THERAPY, PartialDate(MIN_YEAR)),))
    assert expected == find(patients(min_episodes=1), anything)


def test_patients_refuse_episode_counts_out_of_order() -> None:
    with pytest.raises(InvalidArgument, match="min_episodes=4 is above max_episodes=2"):
        patients(min_episodes=4, max_episodes=2)


@given(cohorts(patients(max_episodes=2), min_size=1, max_size=4))
def test_cohorts_have_the_chosen_size(cohort: Cohort) -> None:
    assert 1 <= len(cohort) <= 4


def test_cohorts_shrink_to_simple_patients() -> None:
    found = find(cohorts(patients(max_episodes=1), min_size=2, max_size=2), anything)
    assert (["P01", "P02"], CohortMetadata()) == ([p.id for p in found], found.metadata)


# -- other values and type registration ------------------------------------------------------


@given(diagnoses())
def test_only_ms_diagnoses_carry_csf_evidence(diagnosis: Diagnosis) -> None:
    assert diagnosis.csf is None or diagnosis.condition is Condition.MULTIPLE_SCLEROSIS


@given(response_observations(episodes=st.just(2)))
def test_response_observations_take_an_episode_strategy(observation: ResponseObservation) -> None:
    assert 2 == observation.episode


@pytest.mark.parametrize(
    "cls",
    [
        PartialDate,
        EDSS,
        type(FIRST_THERAPY),
        TherapyEpisode,
        Patient,
        Cohort,
        MonthRange,
        Diagnosis,
        ResponseObservation,
        ComorbidityTreatment,
        CohortMetadata,
        Timeline,
    ],
    ids=lambda t: t.__name__,
)
@settings(max_examples=5)
@given(data=st.data())
def test_types_are_registered(cls: type, data: st.DataObject) -> None:
    assert isinstance(data.draw(st.from_type(cls)), cls)


def test_not_recorded_is_the_simplest_stop() -> None:
    assert NOT_RECORDED is find(therapy_episodes(), anything).stop
