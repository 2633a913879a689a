"""Time to first relapse from an index start: hand-worked at day, month and year precision,
censored as latencies are, ranges that narrow when dates are refined."""

from __future__ import annotations

import datetime as dt
import math

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.dates import PartialDate, Truth, whole_months
from dmt_timeline.errors import InvalidValueError, TimelineError
from dmt_timeline.events import Relapse
from dmt_timeline.latency import CENSOR_AT, latency
from dmt_timeline.model import ONGOING, Patient, TherapyEpisode
from dmt_timeline.outcomes import cohort_first_relapses, first_relapse
from dmt_timeline.stats import turnbull
from dmt_timeline.strategies import partial_dates, refinements, timelines
from dmt_timeline.timeline import Timeline

IFN, NAT = CATALOGUE["IFNb"], CATALOGUE["natalizumab"]


def patient(*onsets: str, follow_up: str | None = "2022-01-31") -> Patient:
    return Patient(
        id="p",
        episodes=[
            TherapyEpisode(IFN, "2015-01-10", "2017-06-30"),
            TherapyEpisode(NAT, "2017-09-01", ONGOING),
        ],
        last_follow_up=follow_up,
        relapses=[Relapse(o) for o in onsets],
    )


def test_the_first_relapse_after_the_start_in_days() -> None:
    found = first_relapse(patient("2014-05-01", "2016-03-01", "2016-09-01"), episode=0)
    days = (dt.date(2016, 3, 1) - dt.date(2015, 1, 10)).days
    assert (Truth.TRUE, (days, days), 1) == (found.observed, found.days, found.relapse)
    assert (416.0, 416.0) == found.interval
    assert "p episodes[0] from 2015-01-10: first relapse after 416 days" == str(found)


def test_a_relapse_on_the_start_day_is_day_zero() -> None:
    assert (0, 0) == first_relapse(patient("2015-01-10"), episode=0).days


def test_no_relapse_on_the_index_is_censored_when_it_ends() -> None:
    found = first_relapse(patient("2017-08-01"), episode=0)
    # Interferon stopped 2017-06-30: 902 days after the start; the August relapse is not on it.
    assert (Truth.FALSE, (902, 902), None) == (found.observed, found.days, found.relapse)
    assert (902.0, math.inf) == found.interval
    assert "p episodes[0] from 2015-01-10: censored after 902 days" == str(found)


def test_last_follow_up_follows_past_the_index() -> None:
    found = first_relapse(patient("2017-08-01"), episode=0, censor_at="last follow-up")
    assert (Truth.TRUE, (934, 934)) == (found.observed, found.days)


def test_an_ongoing_index_is_censored_at_the_last_follow_up() -> None:
    found = first_relapse(patient(), episode=1)
    assert (Truth.FALSE, (dt.date(2022, 1, 31) - dt.date(2017, 9, 1)).days) == (found.observed, found.days[0])


def test_a_month_gives_a_range() -> None:
    found = first_relapse(patient("2016-03"), episode=0)
    # From 2016-03-01 (416 days) to 2016-03-31 (446).
    assert (Truth.TRUE, (416, 446), 0) == (found.observed, found.days, found.relapse)


def test_a_year_that_straddles_the_stop_cannot_tell_whether_it_came_first() -> None:
    found = first_relapse(patient("2017"), episode=0)
    # 2017-01-01 is 722 days after the start, the stop 902: the relapse may come after the stop.
    assert (Truth.UNDETERMINED, (722, 902)) == (found.observed, found.days)
    assert (722.0, math.inf) == found.interval
    assert "first relapse or censoring after 722-902 days" in str(found)


def test_two_relapses_that_may_each_be_first_name_none() -> None:
    found = first_relapse(patient("2016-03", "2016-03-15"), episode=0)
    # The first is on the 1st at the earliest and on the 15th at the latest.
    assert (Truth.TRUE, (416, 430), None) == (found.observed, found.days, found.relapse)


def test_nothing_to_censor_at_is_refused_by_name() -> None:
    with pytest.raises(TimelineError, match="patient 'p': no relapse certainly after"):
        first_relapse(patient(follow_up=None), episode=1)
    with pytest.raises(TimelineError, match="episode '2' does not name one of the 2 episodes"):
        first_relapse(patient(), episode=2)
    with pytest.raises(TimelineError, match="censor_at"):
        first_relapse(patient(), episode=0, censor_at="never")  # type: ignore[arg-type]


def test_a_cohort_takes_each_patients_index_and_feeds_the_turnbull_estimate() -> None:
    cohort = [
        attrs.evolve(patient("2016-03-01"), id="a"),
        attrs.evolve(patient("2017"), id="b"),
        attrs.evolve(patient(), id="c"),
        Patient(id="never", episodes=[TherapyEpisode(NAT, "2019-01-01", "2019-12-31")]),
    ]
    found = cohort_first_relapses(cohort, index="IFNb")
    assert ["a", "b", "c"] == [f.patient for f in found]
    left, right = zip(*(f.interval for f in found), strict=True)
    fit = turnbull(left, right, closed="both")
    low, high = fit.survival_at(2000.0)
    assert 0.0 <= low <= high <= 1.0
    assert (1.0, 1.0) == fit.survival_at(0.0)


# -- properties ----------------------------------------------------------------------------------

NEARBY = timelines(min_size=1, max_size=3, min_value=PartialDate(2000), max_value=PartialDate(2003))
ONSETS = st.lists(partial_dates(min_value=PartialDate(2000), max_value=PartialDate(2003)), max_size=3)


def _patient(timeline: Timeline, onsets: list[PartialDate], follow_up: PartialDate) -> Patient:
    return Patient(
        id="p", episodes=timeline.episodes, last_follow_up=follow_up, relapses=[Relapse(o) for o in onsets]
    )


@given(NEARBY, ONSETS, st.data())
def test_censoring_is_the_latencys(
    timeline: Timeline, onsets: list[PartialDate], data: st.DataObject
) -> None:
    follow_up = PartialDate(2004)
    p = _patient(timeline, [], follow_up)
    episode = data.draw(st.integers(0, len(p.episodes) - 1))
    for censor_at in CENSOR_AT:
        found = first_relapse(p, episode=episode, censor_at=censor_at)
        months = latency(p, "MS", episode=episode, censor_at=censor_at).months
        start = p.episodes[episode].start
        assert Truth.FALSE is found.observed
        low = dt.date.fromordinal(start.last_day.toordinal() + found.days[0])
        high = dt.date.fromordinal(start.first_day.toordinal() + found.days[1])
        assert months.low == max(whole_months(start.last_day, low), 0)
        assert months.high == max(whole_months(start.first_day, high), 0)


@given(NEARBY, ONSETS, st.data())
def test_refining_relapse_dates_narrows_and_never_flips(
    timeline: Timeline, onsets: list[PartialDate], data: st.DataObject
) -> None:
    follow_up = PartialDate(2004)
    try:
        coarse_patient = _patient(timeline, onsets, follow_up)
    except InvalidValueError:
        assume(False)
    episode = data.draw(st.integers(0, len(coarse_patient.episodes) - 1))
    fine_patient = attrs.evolve(coarse_patient, relapses=[Relapse(data.draw(refinements(o))) for o in onsets])
    coarse = first_relapse(coarse_patient, episode=episode)
    fine = first_relapse(fine_patient, episode=episode)
    if coarse.observed is not Truth.UNDETERMINED:
        assert coarse.observed is fine.observed
    assert coarse.days[0] <= fine.days[0]
    assert fine.days[1] <= coarse.days[1]
    if coarse.relapse is not None:
        assert coarse.relapse == fine.relapse
