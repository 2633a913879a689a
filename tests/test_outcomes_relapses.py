"""Annualised relapse rates: hand-worked at day, month and year precision; ranges that only
narrow when dates are refined."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import StatsInputError, TimelineError
from dmt_timeline.events import Relapse
from dmt_timeline.model import NOT_RECORDED, ONGOING, Patient, TherapyEpisode
from dmt_timeline.outcomes import DAYS_PER_YEAR, episode_relapse_rates, pooled_relapse_rate, relapse_rate
from dmt_timeline.outcomes.relapses import RelapseRate

NAT = CATALOGUE["natalizumab"]


def with_relapses(*onsets: str, **kwargs: object) -> Patient:
    return Patient(id="p", relapses=[Relapse(o) for o in onsets], **kwargs)  # type: ignore[arg-type]


def test_a_period_counts_relapses_on_its_first_and_last_day() -> None:
    rate = relapse_rate(
        with_relapses("2019-12-31", "2020-01-01", "2020-12-31", "2021-01-01"), "2020-01-01", "2020-12-31"
    )
    assert ((2, 2), (366, 366)) == (rate.relapses, rate.exposure_days)
    assert (2 / (366 / DAYS_PER_YEAR),) * 2 == rate.rate
    assert rate.is_exact
    assert "p 2020-01-01..2020-12-31: 2 relapses in 366 days, ARR 2" == str(rate)


def test_month_dates_give_ranges() -> None:
    rate = relapse_rate(with_relapses("2020-03", "2020-04-10"), "2020-03", "2020-05")
    # The March relapse may precede a start in late March; the period is 32 to 92 days long.
    assert ((1, 2), (32, 92)) == (rate.relapses, rate.exposure_days)
    assert (1 / (92 / DAYS_PER_YEAR), 2 / (32 / DAYS_PER_YEAR)) == rate.rate
    assert not rate.is_exact
    assert "p 2020-03..2020-05: 1-2 relapses in 32-92 days, ARR 3.97-22.8" == str(rate)


def test_year_dates_give_ranges() -> None:
    rate = relapse_rate(with_relapses("2015", "2016"), "2015", "2017")
    # Fewest days: 2015-12-31 to 2017-01-01 (2016 is a leap year); most: 2015-01-01 to 2017-12-31.
    assert ((1, 2), (368, 1096)) == (rate.relapses, rate.exposure_days)


def test_a_period_that_may_be_empty_may_have_an_unbounded_rate() -> None:
    rate = relapse_rate(with_relapses("2020-03"), "2020-03", "2020-03")
    assert ((0, 1), (0, 31)) == (rate.relapses, rate.exposure_days)
    assert (0.0, float("inf")) == rate.rate


def test_a_period_that_stops_before_it_starts_is_refused() -> None:
    with pytest.raises(TimelineError, match=r"patient 'p': the period stops \('2019'\) before it starts"):
        relapse_rate(with_relapses(), "2020-01-01", "2019")


def test_each_episode_over_its_exposure_and_an_ongoing_one_to_last_follow_up() -> None:
    p = with_relapses(
        "2018-06-01",
        "2020-02-01",
        episodes=[
            TherapyEpisode(CATALOGUE["IFNb"], "2018-01-01", "2019-12-31"),
            TherapyEpisode(NAT, "2020-01-01", ONGOING),
        ],
        last_follow_up="2020-12-31",
    )
    rates = episode_relapse_rates(p)
    assert [(0, (1, 1), (730, 730)), (1, (1, 1), (366, 366))] == [
        (r.episode, r.relapses, r.exposure_days) for r in rates
    ]


def test_an_episode_with_no_recorded_stop_is_refused_or_skipped() -> None:
    p = with_relapses(episodes=[TherapyEpisode(NAT, "2020-01-01", NOT_RECORDED)])
    with pytest.raises(TimelineError, match=r"patient 'p': episodes\[0\] stop is not recorded: no exposure"):
        episode_relapse_rates(p)
    assert () == episode_relapse_rates(p, skip_unknown_stop=True)


def test_an_ongoing_episode_without_follow_up_is_refused() -> None:
    p = with_relapses(episodes=[TherapyEpisode(NAT, "2020-01-01", ONGOING)])
    with pytest.raises(TimelineError, match="is ongoing with no last_follow_up"):
        episode_relapse_rates(p)


def coarsen(date: dt.date, precision: int) -> PartialDate:
    return PartialDate(date.year, *(date.month, date.day)[:precision])


days = st.dates(dt.date(2010, 1, 1), dt.date(2014, 12, 31))


@given(
    st.tuples(days, days).map(sorted),
    st.lists(days, max_size=6),
    st.lists(st.integers(0, 2), min_size=8, max_size=8),
)
def test_coarser_dates_only_widen_every_range(
    period: list[dt.date], onsets: list[dt.date], cut: list[int]
) -> None:
    start, stop = period
    fine = relapse_rate(
        Patient(id="p", relapses=[Relapse(PartialDate.from_date(o)) for o in onsets]),
        PartialDate.from_date(start),
        PartialDate.from_date(stop),
    )
    coarse = relapse_rate(
        Patient(id="p", relapses=[Relapse(coarsen(o, cut[i % 6 + 2])) for i, o in enumerate(onsets)]),
        coarsen(start, cut[0]),
        coarsen(stop, cut[1]),
    )
    assert fine.is_exact
    for wide, exact in ((coarse.relapses, fine.relapses), (coarse.exposure_days, fine.exposure_days)):
        assert wide[0] <= exact[0] == exact[1] <= wide[1]
    assert coarse.rate[0] <= fine.rate[0] <= coarse.rate[1]


# -- pooled rates --------------------------------------------------------------------------------


def _period(relapses: int, days: int) -> RelapseRate:
    return RelapseRate(
        patient="p",
        episode=None,
        start=PartialDate.parse("2020-01-01"),
        stop=PartialDate.parse("2020-01-01"),
        relapses=(relapses, relapses),
        exposure_days=(days, days),
    )


YEAR = round(DAYS_PER_YEAR * 4)  # four years of days: 1461


@pytest.mark.parametrize(
    ("relapses", "lower", "upper"),
    # The exact Poisson limits of a count (Garwood 1936), as printed in tables of them and
    # given by R's poisson.test(x)$conf.int.
    [(0, 0.0, 3.689), (1, 0.0253, 5.572), (10, 4.795, 18.390)],
)
def test_the_interval_is_the_exact_poisson_interval_over_the_exposure(
    relapses: int, lower: float, upper: float
) -> None:
    pooled = pooled_relapse_rate([_period(relapses, YEAR)])  # 4 years
    assert pooled.rate == (relapses / 4, relapses / 4)
    assert pooled.interval == pytest.approx((lower / 4, upper / 4), abs=0.0005)


def test_periods_pool_their_relapses_and_years() -> None:
    pooled = pooled_relapse_rate([_period(3, YEAR), _period(7, YEAR)], confidence=0.9)
    assert ((10, 10), (8.0, 8.0), (1.25, 1.25)) == (pooled.relapses, pooled.exposure_years, pooled.rate)
    assert pooled.interval[0] < 1.25 < pooled.interval[1]
    assert str(pooled).startswith("ARR 1.25 (90% CI ")


def test_a_patients_episode_rates_pool() -> None:
    patient = with_relapses(
        "2020-06-01",
        "2021-03-01",
        episodes=[TherapyEpisode(NAT, PartialDate.parse("2020-01-01"), PartialDate.parse("2021-12-31"))],
    )
    pooled = pooled_relapse_rate(episode_relapse_rates(patient))
    assert (2, 2) == pooled.relapses
    assert pooled.exposure_years == (731 / DAYS_PER_YEAR,) * 2


@pytest.mark.parametrize(
    ("rates", "confidence", "problem"),
    [
        ([], 0.95, "no periods"),
        ([_period(1, 0)], 0.95, "no exposure"),
        ([_period(1, 10)], 1.0, "confidence '1.0' is not between 0 and 1"),
    ],
)
def test_pooling_refuses_what_has_no_rate(rates: list[RelapseRate], confidence: float, problem: str) -> None:
    with pytest.raises(StatsInputError, match=problem):
        pooled_relapse_rate(rates, confidence=confidence)


ranges = st.tuples(st.integers(0, 6), st.integers(0, 3), st.integers(1, 800), st.integers(0, 400))


@given(st.lists(ranges, min_size=1, max_size=6), st.data())
def test_a_range_of_readings_holds_every_readings_rate_and_interval(
    spans: list[tuple[int, int, int, int]], data: st.DataObject
) -> None:
    coarse = [
        RelapseRate(
            patient="p",
            episode=None,
            start=PartialDate.parse("2020"),
            stop=PartialDate.parse("2020"),
            relapses=(few, few + more),
            exposure_days=(short, short + longer),
        )
        for few, more, short, longer in spans
    ]
    # One reading: a count and an exposure inside each period's ranges.
    reading = [
        _period(
            data.draw(st.integers(r.relapses[0], r.relapses[1])),
            data.draw(st.integers(r.exposure_days[0], r.exposure_days[1])),
        )
        for r in coarse
    ]
    wide, one = pooled_relapse_rate(coarse), pooled_relapse_rate(reading)
    assert wide.rate[0] <= one.rate[0] <= wide.rate[1]
    assert wide.interval[0] <= one.interval[0] + 1e-12
    assert one.interval[1] <= wide.interval[1] + 1e-12
