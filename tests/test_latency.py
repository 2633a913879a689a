"""Response latencies: stated and dated observations, censoring, lags, and the study's table."""

from __future__ import annotations

import re
from typing import Any

import attrs
import pytest
import scipy.stats

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.dates import MonthRange, PartialDate
from dmt_timeline.errors import TimelineError
from dmt_timeline.latency import (
    Latency,
    cohort_latencies,
    cohort_outcomes,
    index_episode,
    latency,
    outcome_lag,
    to_censored_data,
)
from dmt_timeline.model import (
    ONGOING,
    Condition,
    Diagnosis,
    Outcome,
    Patient,
    ResponseObservation,
    SwitchReason,
    TherapyEpisode,
)
from dmt_timeline.timeline import Timeline

NAT = CATALOGUE["natalizumab"]
MS, PS = Condition.MULTIPLE_SCLEROSIS, Condition.PSORIASIS
EPISODES = (TherapyEpisode(CATALOGUE["IFNb"], PartialDate(2003)), TherapyEpisode(NAT, PartialDate(2007)))


def stated(outcome: str, months: int, episode: int = 1) -> ResponseObservation:
    if outcome == "MS":
        return ResponseObservation(Outcome.MS_ACTIVITY_CEASED, episode, MS, latency_months=months)
    return ResponseObservation(Outcome.COMORBIDITY_IMPROVED, episode, PS, latency_months=months)


def dated(outcome: str, date: str, episode: int = 1) -> ResponseObservation:
    when = PartialDate.parse(date)
    if outcome == "MS":
        return ResponseObservation(Outcome.MS_ACTIVITY_CEASED, episode, MS, date=when)
    return ResponseObservation(Outcome.COMORBIDITY_IMPROVED, episode, PS, date=when)


def patient(*observations: ResponseObservation, last_follow_up: str | None = None) -> Patient:
    follow_up = None if last_follow_up is None else PartialDate.parse(last_follow_up)
    return Patient("P07", EPISODES, observations=observations, last_follow_up=follow_up)


# -- one latency -----------------------------------------------------------------------------


def test_stated_latency_is_kept_as_given() -> None:
    found = latency(patient(stated("MS", 4)), "MS", episode=1)
    assert (MonthRange(4, 4), True) == (found.months, found.observed)


def test_dated_observation_gives_a_range_of_whole_months() -> None:
    # Start 2007, observed 2008: from 2007-12-31 to 2008-01-01 (0) up to 2007-01-01 to 2008-12-31 (23).
    found = latency(patient(dated("MS", "2008")), "MS", episode=1)
    assert MonthRange(0, 23) == found.months


def test_dated_observation_in_the_start_year_is_cut_at_zero() -> None:
    found = latency(patient(dated("MS", "2007-06")), "MS", episode=1)
    assert MonthRange(0, 5) == found.months


def test_first_of_several_observations_counts() -> None:
    found = latency(patient(stated("MS", 6), stated("MS", 4)), "MS", episode=1)
    assert MonthRange(4, 4) == found.months


def test_first_of_a_stated_and_a_dated_observation_runs_from_the_smallest_low_to_the_smallest_high() -> None:
    found = latency(patient(dated("MS", "2008"), stated("MS", 4)), "MS", episode=1)
    assert MonthRange(0, 4) == found.months


@pytest.mark.parametrize(
    "observation",
    [stated("psoriasis", 2), stated("MS", 2, episode=0)],
    ids=["other-outcome", "other-episode"],
)
def test_only_the_outcome_and_episode_asked_for_count(observation: ResponseObservation) -> None:
    found = latency(patient(observation, stated("MS", 5)), "MS", episode=1)
    assert MonthRange(5, 5) == found.months


def test_latency_names_its_patient_outcome_and_episode() -> None:
    found = latency(patient(stated("psoriasis", 2)), "psoriasis", episode=1)
    assert ("P07", "psoriasis", EPISODES[1]) == (found.patient_id, found.outcome, found.episode)


def test_no_response_is_censored_at_follow_up_when_asked_to_follow_beyond_the_index() -> None:
    found = latency(patient(last_follow_up="2010"), "MS", episode=1, censor_at="last follow-up")
    # From 2007 to 2010: 2007-12-31..2010-01-01 (24) up to 2007-01-01..2010-12-31 (47).
    assert (MonthRange(24, 47), False, True) == (found.months, found.observed, found.censored)


def test_an_index_stop_not_recorded_may_censor_from_its_start_to_follow_up() -> None:
    # The stop is not recorded: it may be any day from the start to the last follow-up.
    found = latency(patient(last_follow_up="2010"), "MS", episode=1)
    assert (MonthRange(0, 47), False) == (found.months, found.observed)


def test_censored_latency_says_so() -> None:
    assert "P07 MS: 0..47 months (censored: no response observed)" == str(
        latency(patient(last_follow_up="2010"), "MS", episode=1)
    )


def test_no_response_and_no_follow_up_is_refused() -> None:
    message = (
        "patient 'P07': no psoriasis response observed after Nat 2007..not recorded "
        "and no last_follow_up to censor at"
    )
    with pytest.raises(TimelineError, match=re.escape(message)):
        latency(patient(stated("MS", 3)), "psoriasis", episode=1)


@pytest.mark.parametrize("episode", [2, -1])
def test_episode_outside_the_patient_is_refused(episode: int) -> None:
    with pytest.raises(
        TimelineError, match=f"patient 'P07': episode {episode} does not name one of the 2 episodes"
    ):
        latency(patient(stated("MS", 3)), "MS", episode=episode)


def test_an_outcome_that_is_no_condition_name_is_refused() -> None:
    with pytest.raises(TimelineError, match="patient 'P07': outcome: condition name '  ' is blank"):
        latency(patient(last_follow_up="2010"), "  ", episode=1)


def test_an_outcome_of_a_condition_never_observed_is_censored() -> None:
    found = latency(patient(last_follow_up="2010"), "myasthenia gravis", episode=1)

    assert ("myasthenia gravis", False) == (found.outcome, found.observed)


# -- index episodes --------------------------------------------------------------------------


@pytest.mark.parametrize(("initiation", "expected"), [("first", 2), ("last", 0)])
def test_index_episode_follows_timeline_order(initiation: Any, expected: int) -> None:
    episodes = (TherapyEpisode(NAT, PartialDate(2018)), TherapyEpisode(CATALOGUE["Fing"], PartialDate(2016)))
    person = Patient("P15", (*episodes, TherapyEpisode(NAT, PartialDate(2012))))
    assert expected == index_episode(person, "Nat", initiation=initiation)


def test_index_episode_of_a_duplicated_episode_finds_the_later_one_last() -> None:
    person = Patient("P15", (TherapyEpisode(NAT, PartialDate(2012)), TherapyEpisode(NAT, PartialDate(2012))))
    assert 1 == index_episode(person, "Nat", initiation="last")


def test_index_episode_of_a_therapy_never_started_is_none() -> None:
    assert None is index_episode(patient(), "ocrelizumab")


def test_index_episode_with_an_invalid_initiation_is_refused() -> None:
    initiation: Any = "each"
    with pytest.raises(TimelineError, match="initiation 'each' is not one of 'first', 'last'"):
        index_episode(patient(), "Nat", initiation=initiation)


# -- lags ------------------------------------------------------------------------------------


def test_outcome_lag_is_ms_minus_psoriasis() -> None:
    person = patient(stated("MS", 4), stated("psoriasis", 2))
    assert MonthRange(2, 2) == outcome_lag(
        latency(person, "MS", episode=1), latency(person, "psoriasis", episode=1)
    )


def test_outcome_lag_of_ranges_is_a_range() -> None:
    person = patient(dated("MS", "2008"), stated("psoriasis", 2))
    assert MonthRange(-2, 21) == outcome_lag(
        latency(person, "MS", episode=1), latency(person, "psoriasis", episode=1)
    )


def test_outcome_lag_with_a_censored_latency_is_refused() -> None:
    person = patient(stated("MS", 4), last_follow_up="2010")
    ms, ps = latency(person, "MS", episode=1), latency(person, "psoriasis", episode=1)
    with pytest.raises(
        TimelineError, match="patient 'P07': psoriasis latency is censored, so the lag is unknown"
    ):
        outcome_lag(ms, ps)


def test_outcome_lag_across_patients_is_refused() -> None:
    first = latency(patient(stated("MS", 4)), "MS", episode=1)
    other = Patient("P08", EPISODES, observations=(stated("psoriasis", 1),))
    with pytest.raises(TimelineError, match="lag between P07 MS and P08 psoriasis: latencies must share"):
        outcome_lag(first, latency(other, "psoriasis", episode=1))


# -- the study's table -----------------------------------------------------------------------

STUDY = load_natalizumab_psoriasis()
IDS = [f"P{n:02d}" for n in range(1, 19)]
MS_MONTHS = [4, 6, 6, 2, 8, 3, 4, 4, 2, 3, 5, 6, 3, 4, 3, 3, 5, 4]
PS_MONTHS = [2, 3, 4, 2, 3, 2, 3, 1, 1, 1, 3, 3, 2, 1, 1, 2, 5, 3]


def study_rows() -> tuple[Latency, ...]:
    return cohort_latencies(STUDY, index="natalizumab")


def test_cohort_latencies_gives_two_rows_per_patient() -> None:
    assert 36 == len(study_rows())


def test_every_study_latency_is_observed() -> None:
    assert all(row.observed for row in study_rows())


@pytest.mark.parametrize(("outcome", "months"), [("MS", MS_MONTHS), ("psoriasis", PS_MONTHS)])
def test_study_latencies_match_the_table(outcome: str, months: list[int]) -> None:
    found = {row.patient_id: row.months for row in study_rows() if row.outcome == outcome}
    assert {i: MonthRange.exact(m) for i, m in zip(IDS, months, strict=True)} == found


def test_cohort_latencies_leaves_out_patients_never_given_the_index_therapy() -> None:
    assert () == cohort_latencies(STUDY, index="ocrelizumab")


def test_study_latencies_are_counted_from_the_first_natalizumab_start() -> None:
    p15 = [row.episode.start for row in study_rows() if row.patient_id == "P15"]
    assert [PartialDate(2012), PartialDate(2012)] == p15


# -- handing latencies to scipy --------------------------------------------------------------


def mixed_rows() -> list[Latency]:
    observed = latency(patient(dated("MS", "2008")), "MS", episode=1)
    censored = latency(patient(last_follow_up="2010"), "MS", episode=1)
    return [observed, censored, observed]


@pytest.mark.parametrize(
    ("reading", "before", "at"),
    [("low", -1.0, 0.0), ("high", 22.0, 23.0)],
)
def test_censored_data_takes_the_chosen_end_of_each_range(reading: Any, before: float, at: float) -> None:
    # Two responses (at 0 or 23 months) and one censored row: the Kaplan-Meier CDF jumps to 2/3.
    cdf = scipy.stats.ecdf(to_censored_data(mixed_rows(), reading=reading)).cdf
    assert [0.0, pytest.approx(2 / 3)] == [cdf.evaluate(before), cdf.evaluate(at)]


def test_censored_data_counts() -> None:
    data = to_censored_data(mixed_rows(), reading="low")
    assert (3, 1) == (len(data), data.num_censored())


def test_censored_data_feeds_scipy_ecdf() -> None:
    result = scipy.stats.ecdf(to_censored_data(study_rows(), reading="low"))
    assert 1.0 == pytest.approx(result.cdf.evaluate(8.0))


def test_censored_data_with_an_invalid_reading_is_refused() -> None:
    reading: Any = "middle"
    with pytest.raises(TimelineError, match="reading 'middle' is not one of 'low', 'high'"):
        to_censored_data(mixed_rows(), reading=reading)


def test_cohort_latencies_refuse_an_outcome_that_is_no_condition_name() -> None:
    with pytest.raises(TimelineError, match=r"outcome: condition name 'a\\nb' holds a control character"):
        cohort_latencies(load_natalizumab_psoriasis(), index="natalizumab", outcomes=("a\nb",))


def test_cohort_latencies_of_a_condition_nobody_has_are_none() -> None:
    assert () == cohort_latencies(load_natalizumab_psoriasis(), index="natalizumab", outcomes=("psoraisis",))


def test_cohort_latencies_name_an_outcome_as_observations_do() -> None:
    cohort = load_natalizumab_psoriasis()
    spelled = cohort_latencies(cohort, index="natalizumab", outcomes=(" PSORIASIS ", "multiple sclerosis"))

    assert cohort_latencies(cohort, index="natalizumab", outcomes=("psoriasis", "MS")) == spelled


# -- censoring follows the index (rule 7) ----------------------------------------------------

OCR = CATALOGUE["ocrelizumab"]


def _switched(**follow: str) -> Patient:
    """The issue's patient: natalizumab from 2012-01, stopped 2012-06 for JCV, then ocrelizumab."""
    return Patient(
        "J1",
        (
            TherapyEpisode(NAT, "2012-01", stop="2012-06", reasons=(SwitchReason.SAFETY_RISK,)),
            TherapyEpisode(OCR, "2012-07", stop=ONGOING),
        ),
        last_follow_up=follow.get("last_follow_up", "2020-06"),
    )


def test_a_latency_is_censored_when_the_index_treatment_ends() -> None:
    found = latency(_switched(), "MS", episode=0)
    # The last natalizumab dose covers its interval (up to 2 months) but ocrelizumab starts in
    # 2012-07: 2012-01 to 2012-07 is 5 whole months (31 Jan to 1 Jul) up to 6 (1 Jan to 31 Jul).
    assert (MonthRange(5, 6), False) == (found.months, found.observed)


def test_following_beyond_the_index_runs_to_last_follow_up() -> None:
    found = latency(_switched(), "MS", episode=0, censor_at="last follow-up")
    assert (MonthRange(100, 101), False) == (found.months, found.observed)


def test_a_latency_is_censored_at_the_next_start_when_that_comes_first() -> None:
    patient = Patient(
        "J2",
        (TherapyEpisode(NAT, "2012-01", stop="2012-09"), TherapyEpisode(OCR, "2012-07", stop=ONGOING)),
        last_follow_up="2020",
    )
    assert MonthRange(5, 6) == latency(patient, "MS", episode=0).months


def test_a_stop_date_censors_without_a_last_follow_up() -> None:
    # Stopped in 2012-06; the last dose covers up to 2 months more: censored in 2012-08.
    patient = Patient("J3", (TherapyEpisode(NAT, "2012-01", stop="2012-06"),))
    assert MonthRange(6, 7) == latency(patient, "MS", episode=0).months


def test_a_continuous_therapy_is_censored_at_its_stop() -> None:
    patient = Patient("J5", (TherapyEpisode(CATALOGUE["fingolimod"], "2012-01", stop="2012-06"),))
    assert MonthRange(4, 5) == latency(patient, "MS", episode=0).months


def test_alemtuzumab_is_followed_through_its_second_course_and_its_carry_over() -> None:
    alem = CATALOGUE["alemtuzumab"]
    patient = Patient(
        "J6",
        (
            TherapyEpisode(alem, "2015-03-02", stop="2015-03-06"),
            TherapyEpisode(alem, "2016-03-07", stop="2016-03-09"),
            TherapyEpisode(OCR, "2021-06-01", stop=ONGOING),
        ),
        last_follow_up="2022-01-10",
    )
    # Not censored five days after the start: 48 months after the second course's last day.
    found = latency(patient, "MS", episode=0)
    assert (MonthRange(60, 60), False) == (found.months, found.observed)


def test_a_switch_inside_the_carry_over_censors_at_the_switch() -> None:
    alem = CATALOGUE["alemtuzumab"]
    patient = Patient(
        "J7",
        (
            TherapyEpisode(alem, "2015-03-02", stop="2015-03-06"),
            TherapyEpisode(OCR, "2016-09-01", stop=ONGOING),
        ),
        last_follow_up="2022",
    )
    assert MonthRange(17, 17) == latency(patient, "MS", episode=0).months


def test_an_unknown_censoring_rule_is_refused() -> None:
    with pytest.raises(TimelineError, match="censor_at 'end' is not one of 'index end', 'last follow-up'"):
        latency(_switched(), "MS", episode=0, censor_at="end")  # type: ignore[arg-type]


def test_latency_refuses_what_the_timeline_refuses_with_its_message() -> None:
    patient = Patient(
        "J4", (TherapyEpisode(NAT, "2010", stop=ONGOING), TherapyEpisode(OCR, "2012")), last_follow_up="2020"
    )
    with pytest.raises(TimelineError) as expected:
        Timeline.of(patient)
    with pytest.raises(TimelineError) as actual:
        latency(patient, "MS", episode=0)
    assert str(expected.value) == str(actual.value)


# -- outcomes come from the cohort, and a comorbidity only from those who have it --------------


def test_outcomes_default_to_those_the_cohort_names() -> None:
    ms_only = Patient("M1", (TherapyEpisode(NAT, "2012-01", stop="2012-06"),), last_follow_up="2014")
    assert () == cohort_outcomes([ms_only])
    diagnosed = attrs.evolve(ms_only, diagnoses=(Diagnosis(MS),))
    assert ("MS",) == cohort_outcomes([diagnosed])
    assert ["MS"] == [row.outcome for row in cohort_latencies([diagnosed], index="natalizumab")]


def test_a_comorbidity_outcome_asks_only_the_patients_diagnosed_with_it() -> None:
    with_psoriasis = Patient(
        "S1",
        (TherapyEpisode(NAT, "2012-01", stop="2012-06"),),
        diagnoses=(Diagnosis(MS), Diagnosis(PS)),
        last_follow_up="2014",
    )
    without = attrs.evolve(with_psoriasis, id="S2", diagnoses=(Diagnosis(MS),))
    rows = cohort_latencies([with_psoriasis, without], index="natalizumab", outcomes=["MS", "psoriasis"])
    assert [("S1", "MS"), ("S1", "psoriasis"), ("S2", "MS")] == [(r.patient_id, r.outcome) for r in rows]


def test_the_study_cohort_names_ms_and_psoriasis() -> None:
    assert ("MS", "psoriasis") == cohort_outcomes(load_natalizumab_psoriasis())
