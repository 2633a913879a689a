"""Clinical events: every invariant refused by name, every valid value built."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import CohortFormatError, InvalidValueError
from dmt_timeline.events import (
    EdssAssessment,
    Measure,
    MriScan,
    Recovery,
    Relapse,
    RelapseSeverity,
    ScoredAssessment,
)
from dmt_timeline.model import Cohort, Patient
from dmt_timeline.serialize import dumps, loads
from dmt_timeline.strategies import edss_assessments, mri_scans, relapses, scored_assessments


def test_a_relapse_known_to_the_month_keeps_its_precision() -> None:
    relapse = Relapse("2014-03", severity=RelapseSeverity.MODERATE, recovery=Recovery.PARTIAL, steroids=True)
    assert PartialDate.parse("2014-03") == relapse.onset
    assert "2014-03" == str(relapse.onset)


def test_a_relapse_refuses_a_severity_that_is_text() -> None:
    with pytest.raises(InvalidValueError, match="severity 'severe' is not a RelapseSeverity"):
        Relapse("2014", severity="severe")  # type: ignore[arg-type]


def test_steroids_must_be_true_false_or_none() -> None:
    with pytest.raises(InvalidValueError, match="steroids 'yes' is not true, false or None"):
        Relapse("2014", steroids="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize("score", [0.5, 3.25, 10.5, -1, float("nan")])
def test_an_edss_assessment_is_on_the_grid(score: float) -> None:
    with pytest.raises(InvalidValueError, match="is not a score"):
        EdssAssessment("2015-06-01", score)


def test_an_edss_assessment_takes_a_number_on_the_grid() -> None:
    assert 3.5 == EdssAssessment("2015-06-01", 3.5).score.score


def test_a_scan_reports_at_least_one_count() -> None:
    with pytest.raises(InvalidValueError, match="a scan reports at least one count"):
        MriScan("2016")


@pytest.mark.parametrize("count", [-1, 1001, 2.0, True])
def test_lesion_counts_are_whole_and_bounded(count: object) -> None:
    with pytest.raises(InvalidValueError, match=r"is not a count of lesions in 0\.\.1000"):
        MriScan("2016", new_t2=count)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("new_t2", "gd", "active"),
    [(0, 0, False), (1, None, True), (None, 2, True), (0, None, None), (None, 0, None)],
)
def test_a_scan_is_active_when_any_lesion_is_new_or_enhancing(
    new_t2: int | None, gd: int | None, active: bool | None
) -> None:
    assert active == MriScan("2016", new_t2=new_t2, gd_enhancing=gd).active


@pytest.mark.parametrize(
    ("measure", "value"),
    [
        (Measure.SDMT, 55.5),
        (Measure.SDMT, 111),
        (Measure.SDMT, -1),
        (Measure.T25FW, 0),
        (Measure.T25FW, 180.5),
        (Measure.NHPT, 301),
        (Measure.NHPT, float("inf")),
        (Measure.T25FW, True),
    ],
)
def test_scores_outside_their_range_are_refused(measure: Measure, value: float) -> None:
    with pytest.raises(InvalidValueError, match=f"is not a {measure.value} score"):
        ScoredAssessment(measure, "2017", value)


def test_worsening_direction_per_measure() -> None:
    assert [True, True, False] == [m.higher_is_worse for m in (Measure.T25FW, Measure.NHPT, Measure.SDMT)]


@given(relapses())
def test_generated_relapses_rebuild(relapse: Relapse) -> None:
    assert relapse == Relapse(relapse.onset, relapse.severity, relapse.recovery, relapse.steroids)


@given(edss_assessments())
def test_generated_edss_assessments_are_on_the_grid(assessment: EdssAssessment) -> None:
    score = assessment.score.score
    assert score == 0 or (1 <= score <= 10 and (2 * score).is_integer())


@given(mri_scans())
def test_generated_scans_report_a_count(scan: MriScan) -> None:
    assert scan.new_t2 is not None or scan.gd_enhancing is not None


@given(scored_assessments())
def test_generated_scores_lie_in_their_range(assessment: ScoredAssessment) -> None:
    low, high = assessment.measure.valid_range
    assert low <= assessment.value <= high


@given(st.from_type(Relapse), st.from_type(MriScan), st.from_type(ScoredAssessment))
def test_event_types_are_registered(relapse: Relapse, scan: MriScan, score: ScoredAssessment) -> None:
    assert isinstance(relapse, Relapse)
    assert isinstance(scan, MriScan)
    assert isinstance(score, ScoredAssessment)


def test_a_patient_carries_events_through_a_round_trip() -> None:

    patient = Patient(
        "P1",
        relapses=(Relapse("2014-03", severity=RelapseSeverity.MILD),),
        edss_assessments=(EdssAssessment("2015-01-02", 3.5),),
        mri_scans=(MriScan("2016", new_t2=2),),
        assessments=(ScoredAssessment(Measure.SDMT, "2017", 50),),
    )
    cohort = Cohort((patient,))
    assert cohort == loads(dumps(cohort), Cohort)


def test_an_event_after_the_last_follow_up_is_refused_by_patient_and_field() -> None:

    with pytest.raises(
        InvalidValueError, match=r"patient 'P1': relapses\[0\]: 2019 is after last_follow_up 2018"
    ):
        Patient("P1", last_follow_up="2018", relapses=(Relapse("2019"),))


def test_an_event_that_may_fall_before_the_last_follow_up_is_kept() -> None:

    assert 1 == len(
        Patient("P1", last_follow_up="2018-06", mri_scans=(MriScan("2018", gd_enhancing=0),)).mri_scans
    )


def test_a_bad_event_in_a_document_is_named_by_patient_and_path() -> None:

    document = '{"patients": [{"id": "P1", "edss_assessments": [{"date": "2015", "score": 3.25}]}]}'
    with pytest.raises(CohortFormatError) as caught:
        loads(document, Cohort)
    assert (
        "patient 'P1': edss_assessments[0].score: EDSS 3.25 is not a score: "
        "expected 0 or 1.0..10.0 in steps of 0.5",
    ) == caught.value.problems
