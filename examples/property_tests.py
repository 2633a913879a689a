"""Property tests of one's own, written with the library's Hypothesis strategies.

Copy this file into your tests/ folder and run it with pytest; it also runs as a script.
Each test states a rule your analysis relies on and lets Hypothesis look for a history that
breaks it.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from dmt_timeline import PartialDate, Patient, Precision, Timeline, TransitionKind, Truth
from dmt_timeline.strategies import partial_dates, patients, refinements, timelines


@given(timelines(max_size=5))
def test_a_direct_switch_never_has_a_gap_beyond_the_grace_period(timeline: Timeline) -> None:
    for transition in timeline.transitions(grace_months=3):
        if transition.kind is TransitionKind.DIRECT:
            assert transition.gap is not None
            assert transition.gap.high <= 3


@given(st.data(), partial_dates(precisions=[Precision.YEAR]), partial_dates())
def test_a_more_precise_date_never_flips_a_certain_answer(
    data: st.DataObject, coarse: PartialDate, other: PartialDate
) -> None:
    fine = data.draw(refinements(coarse))
    before = coarse.is_before(other)
    if before is not Truth.UNDETERMINED:
        assert before == fine.is_before(other)


@given(patients(max_episodes=4))
def test_every_episode_is_one_line_of_therapy(patient: Patient) -> None:
    timeline = Timeline.of(patient)
    assert [line.episode for line in timeline.lines()] == list(timeline.episodes)
    assert len(patient.episodes) == len(timeline.lines())


if __name__ == "__main__":
    for test in (
        test_a_direct_switch_never_has_a_gap_beyond_the_grace_period,
        test_a_more_precise_date_never_flips_a_certain_answer,
        test_every_episode_is_one_line_of_therapy,
    ):
        settings(max_examples=50)(test)()
        print(f"{test.__name__}: holds")
