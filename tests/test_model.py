"""The domain model: EDSS, episodes, stop reasons, observations, diagnoses, patients, cohorts."""

from __future__ import annotations

import math
import re

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline.catalogue import CATALOGUE, TherapyClass
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import DmtTimelineError, InvalidDateError, InvalidValueError
from dmt_timeline.model import (
    EDSS,
    MAX_TEXT_LENGTH,
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
    parse_reasons,
)

NAT = CATALOGUE["natalizumab"]
GA = CATALOGUE["glatiramer acetate"]
R = SwitchReason
MS = Condition.MULTIPLE_SCLEROSIS
PS = Condition.PSORIASIS


def episode(
    start: str = "2006",
    stop: str | StopState = NOT_RECORDED,
    reasons: tuple[SwitchReason, ...] = (),
    edss: EDSS | None = None,
) -> TherapyEpisode:
    end = stop if isinstance(stop, StopState) else PartialDate.parse(stop)
    return TherapyEpisode(NAT, PartialDate.parse(start), end, reasons, edss)


def ms_latency(months: int = 4, index: int = 0) -> ResponseObservation:
    return ResponseObservation(Outcome.MS_ACTIVITY_CEASED, index, MS, latency_months=months)


def ms_on(date: str, index: int = 0) -> ResponseObservation:
    return ResponseObservation(Outcome.MS_ACTIVITY_CEASED, index, MS, date=PartialDate.parse(date))


# -- EDSS -------------------------------------------------------------------------------------

VALID_EDSS = [0.0] + [1.0 + 0.5 * i for i in range(19)]


def test_there_are_twenty_edss_scores() -> None:
    assert (20, 10.0) == (len(VALID_EDSS), VALID_EDSS[-1])


@pytest.mark.parametrize("score", VALID_EDSS)
def test_edss_accepts_every_score(score: float) -> None:
    assert score == EDSS(score).score


def test_edss_accepts_an_integer_and_keeps_a_float() -> None:
    assert (3.0, float) == (EDSS(3).score, type(EDSS(3).score))


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (0.5, "0.5"),
        (3.25, "3.25"),
        (10.5, "10.5"),
        (-1, "-1"),
        (11, "11"),
        (math.nan, "nan"),
        (math.inf, "inf"),
        (True, "True"),
        ("3", "'3'"),
        (None, "None"),
    ],
)
def test_edss_refuses_a_non_score_naming_it(value: object, named: str) -> None:
    with pytest.raises(InvalidValueError, match=rf"^EDSS {re.escape(named)} is not a score"):
        EDSS(value)  # type: ignore[arg-type]  # wrong types are part of the table


@given(st.floats(allow_nan=False).filter(lambda x: x not in VALID_EDSS))
def test_edss_refuses_every_other_float(value: float) -> None:
    with pytest.raises(InvalidValueError):
        EDSS(value)


@pytest.mark.parametrize(("score", "expected"), [(3.0, "3"), (3.5, "3.5"), (0, "0")])
def test_edss_str(score: float, expected: str) -> None:
    assert expected == str(EDSS(score))


# -- stop reasons -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LOE", (R.LOSS_OF_EFFECTIVENESS,)),
        ("tlrb", (R.INTOLERANCE,)),
        ("Ps", (R.COMORBIDITY_WORSENING,)),
        ("JCV+", (R.SAFETY_RISK,)),
        ("JCV+*", (R.SAFETY_RISK,)),
        ("Pregn", (R.PREGNANCY,)),
        ("pregn", (R.PREGNANCY,)),
        ("other", (R.OTHER,)),
        ("NA", ()),
        ("n/a", ()),
        ("", ()),
        ("  ", ()),
        ("LOE, Ps", (R.LOSS_OF_EFFECTIVENESS, R.COMORBIDITY_WORSENING)),
        ("Ps; LOE", (R.COMORBIDITY_WORSENING, R.LOSS_OF_EFFECTIVENESS)),
        ("LOE/tlrb", (R.LOSS_OF_EFFECTIVENESS, R.INTOLERANCE)),
        ("LOE, LOE", (R.LOSS_OF_EFFECTIVENESS,)),
    ],
)
def test_parse_reasons(text: str, expected: tuple[SwitchReason, ...]) -> None:
    assert expected == parse_reasons(text)


@pytest.mark.parametrize(
    ("text", "named"), [("XYZ", "'XYZ'"), ("LOE, relapse", "'relapse'"), ("JCV-", "'JCV-'")]
)
def test_parse_reasons_refuses_an_unknown_code_naming_it(text: str, named: str) -> None:
    with pytest.raises(InvalidValueError, match=f"stop reason {re.escape(named)} is not one of"):
        parse_reasons(text)


def test_parse_reasons_refuses_non_text_naming_it() -> None:
    with pytest.raises(InvalidValueError, match="stop reasons None"):
        parse_reasons(None)  # type: ignore[arg-type]  # the point of the test


def test_parse_reasons_takes_linear_time_on_a_long_run_of_footnote_stars() -> None:
    # \\*+$ retried from every star: 40,000 stars before an "x" took seconds.
    import time  # noqa: PLC0415 - only this test

    text = "*" * 9_000 + "x"
    began = time.perf_counter()
    with pytest.raises(InvalidValueError, match=r"stop reason '\*{9}"):
        parse_reasons(text)
    assert time.perf_counter() - began < 0.5


def test_parse_reasons_refuses_a_cell_longer_than_the_bound_naming_the_field() -> None:
    text = "*" * 40_000 + "x"
    with pytest.raises(InvalidValueError) as caught:
        parse_reasons(text)
    assert f"stop reasons: 40001 characters, more than the {MAX_TEXT_LENGTH} a cell may have" == str(
        caught.value
    )


def test_parse_reasons_at_the_bound_is_read() -> None:
    assert (SwitchReason.LOSS_OF_EFFECTIVENESS,) == parse_reasons("LOE" + " " * (MAX_TEXT_LENGTH - 4) + "*")


@given(st.text(max_size=60))
def test_parse_reasons_messages_are_bounded_and_one_line(text: str) -> None:
    try:
        parse_reasons(text)
    except InvalidValueError as exc:
        message = str(exc)
        assert "\n" not in message
        assert len(message) < 200


@given(st.lists(st.sampled_from(SwitchReason)))
def test_parse_reasons_reads_joined_codes(reasons: list[SwitchReason]) -> None:
    expected = tuple(dict.fromkeys(reasons))
    assert expected == parse_reasons(", ".join(r.value for r in reasons))


# -- therapy episodes -------------------------------------------------------------------------


def test_stop_defaults_to_not_recorded() -> None:
    assert NOT_RECORDED is TherapyEpisode(NAT, PartialDate(2006)).stop


def test_ongoing_and_not_recorded_are_different() -> None:
    assert episode(stop=ONGOING) != episode(stop=NOT_RECORDED)


def test_a_stop_date_is_a_partial_date() -> None:
    assert PartialDate(2008, 5) == episode(stop="2008-05").stop


def test_start_and_stop_may_be_given_as_text() -> None:
    made = TherapyEpisode(NAT, "2006", "2008")
    assert (PartialDate(2006), PartialDate(2008)) == (made.start, made.stop)


@pytest.mark.parametrize(
    ("start", "stop"),
    [("2006", "2005"), ("2006-03", "2006-02"), ("2006-03-15", "2006-03-14"), ("2006-03", "2005")],
)
def test_a_stop_certainly_before_the_start_is_refused_naming_both(start: str, stop: str) -> None:
    with pytest.raises(InvalidValueError, match=f"^stop {stop} is before start {start}$"):
        episode(start, stop)


@pytest.mark.parametrize(
    ("start", "stop"),
    [
        ("2006", "2006"),
        ("2006", "2006-01"),
        ("2006-03-15", "2006-03"),
        ("2006-03-15", "2006-03-15"),
        ("2006", "2007"),
    ],
)
def test_a_stop_that_may_be_after_the_start_is_accepted(start: str, stop: str) -> None:
    assert PartialDate.parse(stop) == episode(start, stop).stop


def test_an_ongoing_episode_with_reasons_is_refused_naming_them() -> None:
    with pytest.raises(InvalidValueError, match="stop ongoing contradicts reasons LOE, Ps"):
        episode(stop=ONGOING, reasons=(R.LOSS_OF_EFFECTIVENESS, R.COMORBIDITY_WORSENING))


def test_not_recorded_stop_with_reasons_is_accepted() -> None:
    assert (R.INTOLERANCE,) == episode(reasons=(R.INTOLERANCE,)).reasons


def test_repeated_reasons_are_refused() -> None:
    with pytest.raises(InvalidValueError, match="repeat"):
        episode(reasons=(R.INTOLERANCE, R.INTOLERANCE))


def test_reasons_that_are_not_switch_reasons_are_refused_naming_them() -> None:
    with pytest.raises(InvalidValueError, match=re.escape("reasons[0] 'LOE' is not a SwitchReason")):
        episode(reasons=("LOE",))  # type: ignore[arg-type]  # the point of the test


def test_a_therapy_that_is_not_from_the_catalogue_is_refused_naming_it() -> None:
    with pytest.raises(InvalidValueError, match="therapy 'natalizumab' is not a catalogue Therapy"):
        TherapyEpisode("natalizumab", PartialDate(2006))  # type: ignore[arg-type]  # the point of the test


def test_a_bad_start_is_refused_naming_it() -> None:
    with pytest.raises(InvalidDateError, match="'2006-13'"):
        TherapyEpisode(NAT, "2006-13")


def test_episode_edss_is_converted() -> None:
    assert EDSS(3.5) == TherapyEpisode(NAT, PartialDate(2006), edss=3.5).edss


def test_episode_edss_is_validated() -> None:
    with pytest.raises(InvalidValueError, match=r"EDSS 0\.5"):
        TherapyEpisode(NAT, PartialDate(2006), edss=0.5)


@pytest.mark.parametrize(
    ("stop", "reasons", "expected"),
    [
        ("2008", (), True),
        (ONGOING, (), False),
        (NOT_RECORDED, (), None),
        (NOT_RECORDED, (R.LOSS_OF_EFFECTIVENESS,), True),
    ],
)
def test_stopped(stop: str | StopState, reasons: tuple[SwitchReason, ...], expected: bool | None) -> None:
    assert expected is episode(stop=stop, reasons=reasons).stopped


def test_therapy_class() -> None:
    assert TherapyClass.ANTI_ALPHA4_INTEGRIN is episode().therapy_class


@pytest.mark.parametrize(
    ("stop", "expected"),
    [
        (ONGOING, "Nat 2006..ongoing"),
        (NOT_RECORDED, "Nat 2006..not recorded"),
        ("2008-05", "Nat 2006..2008-05"),
    ],
)
def test_episode_str(stop: str | StopState, expected: str) -> None:
    assert expected == str(episode(stop=stop))


# -- response observations --------------------------------------------------------------------


def test_observation_by_latency() -> None:
    assert 4 == ms_latency(4).latency_months


def test_observation_by_date() -> None:
    assert PartialDate(2007, 3) == ms_on("2007-03").date


def test_observation_without_date_or_latency_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="date None and latency_months None"):
        ResponseObservation(Outcome.MS_ACTIVITY_CEASED, 0, MS)


def test_observation_with_both_date_and_latency_is_refused_naming_both() -> None:
    with pytest.raises(InvalidValueError, match="date 2007 and latency_months 4"):
        ResponseObservation(Outcome.MS_ACTIVITY_CEASED, 0, MS, date=PartialDate(2007), latency_months=4)


@pytest.mark.parametrize(
    ("outcome", "condition"),
    [(Outcome.MS_ACTIVITY_CEASED, PS), (Outcome.COMORBIDITY_IMPROVED, MS)],
)
def test_condition_must_fit_outcome(outcome: Outcome, condition: Condition) -> None:
    with pytest.raises(
        InvalidValueError, match=f"condition {condition.value} does not fit outcome {outcome.value}"
    ):
        ResponseObservation(outcome, 0, condition, latency_months=2)


@pytest.mark.parametrize("grade", [SGI.BETTER, SGI.MUCH_BETTER])
def test_improving_grades_are_accepted(grade: SGI) -> None:
    assert (
        grade is ResponseObservation(Outcome.COMORBIDITY_IMPROVED, 0, PS, latency_months=2, grade=grade).grade
    )


@pytest.mark.parametrize("grade", [g for g in SGI if g not in (SGI.BETTER, SGI.MUCH_BETTER)])
def test_other_grades_are_refused_naming_them(grade: SGI) -> None:
    with pytest.raises(InvalidValueError, match=f"grade {grade.value} does not count as improvement"):
        ResponseObservation(Outcome.COMORBIDITY_IMPROVED, 0, PS, latency_months=2, grade=grade)


def test_a_grade_for_ms_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="grade: an SGI grade applies to a comorbidity"):
        ResponseObservation(Outcome.MS_ACTIVITY_CEASED, 0, MS, latency_months=2, grade=SGI.BETTER)


@pytest.mark.parametrize(
    ("grade", "expected"),
    [
        (SGI.MUCH_WORSE, False),
        (SGI.WORSE, False),
        (SGI.SOMEWHAT_WORSE, False),
        (SGI.NO_CHANGE, False),
        (SGI.SOMEWHAT_BETTER, False),
        (SGI.BETTER, True),
        (SGI.MUCH_BETTER, True),
    ],
)
def test_sgi_improvement(grade: SGI, expected: bool) -> None:
    assert expected == grade.is_improvement


@pytest.mark.parametrize(("latency", "named"), [(-1, "-1"), (True, "True"), (2.5, "2.5"), ("4", "'4'")])
def test_a_latency_that_is_not_whole_months_is_refused_naming_it(latency: object, named: str) -> None:
    with pytest.raises(InvalidValueError, match=f"^latency_months {re.escape(named)} is not"):
        ResponseObservation(Outcome.MS_ACTIVITY_CEASED, 0, MS, latency_months=latency)  # type: ignore[arg-type]  # table


@pytest.mark.parametrize(("index", "named"), [(-1, "-1"), (None, "None"), (True, "True"), ("0", "'0'")])
def test_an_episode_index_that_is_not_an_index_is_refused_naming_it(index: object, named: str) -> None:
    with pytest.raises(InvalidValueError, match=f"^episode {re.escape(named)} is not"):
        ResponseObservation(Outcome.MS_ACTIVITY_CEASED, index, MS, latency_months=2)  # type: ignore[arg-type]  # table


@pytest.mark.parametrize(
    ("observation", "expected"),
    [
        (ResponseObservation(Outcome.MS_ACTIVITY_CEASED, 0, MS, latency_months=2), "MS"),
        (ResponseObservation(Outcome.COMORBIDITY_IMPROVED, 0, PS, latency_months=2), "psoriasis"),
    ],
)
def test_observation_key(observation: ResponseObservation, expected: str) -> None:
    assert expected == observation.key


# -- diagnoses and treatments -----------------------------------------------------------------


@pytest.mark.parametrize("csf", list(CSFBands))
def test_csf_is_accepted_for_ms(csf: CSFBands) -> None:
    assert csf is Diagnosis(MS, PartialDate(2007), csf).csf


@pytest.mark.parametrize("condition", [c for c in Condition if c is not MS])
def test_csf_is_refused_for_other_conditions_naming_both(condition: Condition) -> None:
    with pytest.raises(
        InvalidValueError, match=f"csf positive is MS evidence, not evidence for {condition.value}"
    ):
        Diagnosis(condition, PartialDate(2007), CSFBands.POSITIVE)


def test_diagnosis_date_may_be_text() -> None:
    assert PartialDate(2007) == Diagnosis(PS, "2007").date


def test_diagnosis_refuses_a_condition_that_is_not_one_naming_it() -> None:
    with pytest.raises(InvalidValueError, match="condition 'MS' is not a Condition"):
        Diagnosis("MS")  # type: ignore[arg-type]  # the point of the test


def test_treatment_without_modalities_is_refused() -> None:
    with pytest.raises(InvalidValueError, match=re.escape("modalities ()")):
        ComorbidityTreatment(PS, ())


def test_treatment_refuses_a_modality_that_is_not_one_naming_it() -> None:
    with pytest.raises(InvalidValueError, match=re.escape("modalities[0] 'topical' is not a Modality")):
        ComorbidityTreatment(PS, ("topical",))


def test_treatment_modalities_become_a_tuple() -> None:
    treatment = ComorbidityTreatment(PS, [Modality.TOPICAL, Modality.STEROID])
    assert (Modality.TOPICAL, Modality.STEROID) == treatment.modalities


# -- patients ---------------------------------------------------------------------------------


def test_a_patient_with_observations() -> None:
    patient = Patient("P1", episodes=(episode("2006"),), observations=(ms_latency(4, 0),))
    assert 1 == len(patient.observations)


def test_episodes_become_a_tuple() -> None:
    assert (episode(),) == Patient("P1", episodes=[episode()]).episodes


@pytest.mark.parametrize("index", [1, 3])
def test_an_observation_of_a_missing_episode_is_refused(index: int) -> None:
    with pytest.raises(
        InvalidValueError,
        match=rf"^patient 'P1': observations\[0\]\.episode: {index} does not name one of the 1 episodes$",
    ):
        Patient("P1", episodes=(episode(),), observations=(ms_latency(index=index),))


def test_an_observation_certainly_before_its_episode_is_refused() -> None:
    with pytest.raises(
        InvalidValueError,
        match=r"^patient 'P1': observations\[0\]\.date: 2005 is before its episode's start 2006$",
    ):
        Patient("P1", episodes=(episode("2006"),), observations=(ms_on("2005"),))


def test_an_observation_that_may_follow_its_episode_is_accepted() -> None:
    patient = Patient("P1", episodes=(episode("2006-05"),), observations=(ms_on("2006"),))
    assert PartialDate(2006) == patient.observations[0].date


def test_an_observation_after_last_follow_up_is_refused() -> None:
    with pytest.raises(
        InvalidValueError, match=r"^patient 'P1': observations\[0\]\.date: 2012 is after last_follow_up 2010$"
    ):
        Patient(
            "P1", episodes=(episode("2006"),), observations=(ms_on("2012"),), last_follow_up=PartialDate(2010)
        )


def test_an_episode_starting_after_last_follow_up_is_refused() -> None:
    with pytest.raises(
        InvalidValueError, match=r"^patient 'P1': episodes\[1\]\.start: 2012 is after last_follow_up 2010$"
    ):
        Patient("P1", episodes=(episode("2006"), episode("2012")), last_follow_up=PartialDate(2010))


def test_an_episode_starting_in_the_year_of_last_follow_up_is_accepted() -> None:
    patient = Patient("P1", episodes=(episode("2010-11"),), last_follow_up=PartialDate(2010))
    assert PartialDate(2010) == patient.last_follow_up


@pytest.mark.parametrize(
    ("field", "item", "named"),
    [
        ("episodes", "GA 2006", "episodes[0]: str is not a TherapyEpisode"),
        ("diagnoses", 5, "diagnoses[0]: int is not a Diagnosis"),
        ("observations", None, "observations[0]: NoneType is not a ResponseObservation"),
        ("comorbidity_treatments", 1.5, "comorbidity_treatments[0]: float is not a ComorbidityTreatment"),
    ],
)
def test_patient_refuses_items_of_the_wrong_kind(field: str, item: object, named: str) -> None:
    with pytest.raises(InvalidValueError, match=f"^patient 'P1': {re.escape(named)}$"):
        Patient("P1", **{field: (item,)})  # type: ignore[arg-type]  # the point of the test


@pytest.mark.parametrize(("patient_id", "named"), [("", "''"), ("  ", "'  '"), (7, "7"), (None, "None")])
def test_patient_id_must_be_text_naming_it(patient_id: object, named: str) -> None:
    with pytest.raises(InvalidValueError, match=f"patient id {re.escape(named)} must be non-empty text"):
        Patient(patient_id)  # type: ignore[arg-type]  # the point of the test


def test_patient_edss_is_converted() -> None:
    patient = Patient("P1", baseline_edss=2, last_edss=3.5)
    assert (EDSS(2.0), EDSS(3.5)) == (patient.baseline_edss, patient.last_edss)


def test_patient_edss_is_validated() -> None:
    with pytest.raises(InvalidValueError, match=r"EDSS 0\.5"):
        Patient("P1", baseline_edss=0.5)


def test_labels_are_sorted_pairs() -> None:
    patient = Patient("P1", labels={"b": "2", "a": "1"})
    assert (("a", "1"), ("b", "2")) == patient.labels


def test_label_looks_up_one_label() -> None:
    patient = Patient("P1", labels={"group": "direct"})
    assert ("direct", None) == (patient.label("group"), patient.label("other"))


def test_diagnosis_finds_the_first_of_a_condition() -> None:
    ms = Diagnosis(MS, PartialDate(2001), CSFBands.POSITIVE)
    patient = Patient("P1", diagnoses=(Diagnosis(PS, PartialDate(1999)), ms))
    assert (ms, None) == (patient.diagnosis(MS), patient.diagnosis(Condition.UVEITIS))


# -- cohorts ----------------------------------------------------------------------------------


def test_cohort_refuses_duplicate_ids_naming_the_id() -> None:
    with pytest.raises(
        InvalidValueError, match=re.escape("patients[1].id: 'P1' is not unique in the cohort")
    ):
        Cohort((Patient("P1"), Patient("P1")))


def test_cohort_refuses_a_non_patient() -> None:
    with pytest.raises(InvalidValueError, match=re.escape("patients[1]: str is not a Patient")):
        Cohort((Patient("P1"), "P2"))


def test_cohort_looks_patients_up_by_id() -> None:
    cohort = Cohort((Patient("P1"), Patient("P2")))
    assert Patient("P2") == cohort["P2"]


def test_cohort_refuses_an_unknown_id() -> None:
    with pytest.raises(KeyError, match="P9"):
        Cohort((Patient("P1"),))["P9"]


def test_cohort_len_and_iter() -> None:
    cohort = Cohort([Patient("P1"), Patient("P2")])
    assert (2, ["P1", "P2"]) == (len(cohort), [p.id for p in cohort])


def test_cohort_metadata_defaults_to_empty() -> None:
    assert CohortMetadata("", "", "") == Cohort(()).metadata


# -- immutability -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (EDSS(3.0), "score"),
        (episode(), "stop"),
        (ms_latency(), "latency_months"),
        (Diagnosis(PS), "date"),
        (ComorbidityTreatment(PS, (Modality.TOPICAL,)), "current"),
        (Patient("P1"), "id"),
        (Cohort(()), "patients"),
        (CohortMetadata(), "source"),
    ],
)
def test_values_are_frozen(value: object, field: str) -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(value, field, None)


def test_evolve_makes_a_changed_copy() -> None:
    original = episode(stop=NOT_RECORDED)
    changed = attrs.evolve(original, stop=ONGOING)
    assert (NOT_RECORDED, ONGOING) == (original.stop, changed.stop)


def test_evolve_validates_again() -> None:
    with pytest.raises(InvalidValueError, match="stop 2005 is before start 2006"):
        attrs.evolve(episode("2006"), stop=PartialDate(2005))


def test_model_errors_are_value_errors_and_library_errors() -> None:
    with pytest.raises(ValueError, match=r"EDSS 0\.5") as info:
        EDSS(0.5)
    assert isinstance(info.value, DmtTimelineError)


def test_patient_can_carry_every_kind_of_record() -> None:
    patient = Patient(
        "P1",
        episodes=(TherapyEpisode(GA, PartialDate(2001), reasons=(R.LOSS_OF_EFFECTIVENESS,)), episode("2006")),
        diagnoses=(Diagnosis(MS, PartialDate(2001), CSFBands.POSITIVE), Diagnosis(PS, PartialDate(2005))),
        observations=(
            ms_latency(6, 1),
            ResponseObservation(Outcome.COMORBIDITY_IMPROVED, 1, PS, latency_months=3),
        ),
        baseline_edss=EDSS(4.0),
        last_edss=EDSS(6.5),
        comorbidity_treatments=(ComorbidityTreatment(PS, (Modality.TOPICAL,), current=True),),
    )
    assert (2, 2, 2, 1) == tuple(
        len(x)
        for x in (patient.episodes, patient.diagnoses, patient.observations, patient.comorbidity_treatments)
    )


def test_latency_months_beyond_a_century_is_refused() -> None:
    with pytest.raises(
        InvalidValueError, match=re.escape("latency_months 1201 is not a whole number of months in 0..1200")
    ):
        ResponseObservation(Outcome.MS_ACTIVITY_CEASED, 0, Condition.MULTIPLE_SCLEROSIS, latency_months=1201)


def test_sequence_beyond_a_thousand_is_refused() -> None:
    with pytest.raises(InvalidValueError, match=re.escape("sequence 1001 is not a whole number in 1..1000")):
        TherapyEpisode(CATALOGUE["Nat"], "2010", sequence=1001)
