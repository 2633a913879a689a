"""Tests for dmt_timeline.analyses.persistence: courses, censoring, ranges and estimates."""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmt_timeline import Cohort, Patient
from dmt_timeline.analyses import persistence
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.dates import whole_months
from dmt_timeline.errors import DmtTimelineError, InvalidValueError, StatsInputError
from dmt_timeline.io.tables import (
    EPISODE_COLUMNS,
    FOLLOW_UP_COLUMNS,
    TidyTable,
    episodes_table,
    follow_up_table,
)

D = dt.date
CLASSES = {"interferon beta": "interferon beta", "natalizumab": "anti-alpha4 integrin", "fingolimod": "S1P"}


def _bounds(date: D | None, precision: str) -> tuple[D | None, D | None, str | None]:
    if date is None:
        return None, None, None
    if precision == "year":
        return D(date.year, 1, 1), D(date.year, 12, 31), "year"
    if precision == "month":
        return (
            D(date.year, date.month, 1),
            D(date.year, date.month, calendar.monthrange(date.year, date.month)[1]),
            "month",
        )
    return date, date, "day"


def _episode(
    patient: str,
    therapy: str,
    start: D,
    stop: D | str,
    reasons: str = "",
    *,
    start_precision: str = "day",
    stop_precision: str = "day",
) -> tuple[Any, ...]:
    state = stop if isinstance(stop, str) else "date"
    stop_day = stop if isinstance(stop, D) else None
    return (
        patient,
        0,
        1,
        None,
        therapy,
        CLASSES.get(therapy, therapy),
        None,
        *_bounds(start, start_precision),
        state,
        *_bounds(stop_day, stop_precision),
        reasons,
        None,
    )


def _table(*rows: tuple[Any, ...]) -> TidyTable:
    return TidyTable(EPISODE_COLUMNS, rows)


def _follow_up(**days: D) -> TidyTable:
    return TidyTable(FOLLOW_UP_COLUMNS, tuple((p, d, d, "day") for p, d in days.items()))


# Patient A: interferon stopped for LOE, restarted 6 weeks later, stopped again, then natalizumab
# ongoing at last follow-up.
HISTORY = _table(
    _episode("A", "interferon beta", D(2010, 1, 15), D(2011, 3, 20), "LOE"),
    _episode("A", "interferon beta", D(2011, 5, 1), D(2012, 1, 10), "LOE"),
    _episode("A", "natalizumab", D(2012, 2, 1), "ongoing"),
)
FOLLOW = _follow_up(A=D(2013, 6, 30))


def _courses(result: Any) -> list[tuple[Any, ...]]:
    return [
        (r["group"], r["episodes"], r["status"], r["months_low"], r["months_high"])
        for r in result.courses.to_dicts()
    ]


def test_stop_definition_counts_every_stop() -> None:
    result = persistence(HISTORY, follow_up=FOLLOW, definition="stop")
    assert [
        ("interferon beta", 1, "discontinued", 14, 14),
        ("interferon beta", 1, "discontinued", 8, 8),
        ("natalizumab", 1, "censored", 16, 16),
    ] == _courses(result)


def test_gap_definition_joins_a_restart_within_the_grace_period() -> None:
    result = persistence(HISTORY, follow_up=FOLLOW, definition="gap", grace_months=3)
    assert [
        ("interferon beta", 2, "discontinued", 23, 23),
        ("natalizumab", 1, "censored", 16, 16),
    ] == _courses(result)


def test_gap_definition_splits_a_restart_beyond_the_grace_period() -> None:
    result = persistence(HISTORY, follow_up=FOLLOW, definition="gap", grace_months=0)
    assert 3 == len(result.courses)


def test_switch_definition_censors_a_stop_without_a_next_therapy() -> None:
    table = _table(
        _episode("B", "fingolimod", D(2015, 3, 1), D(2016, 3, 1), "tlrb"),
    )
    result = persistence(table, definition="switch")
    assert [("fingolimod", 1, "censored", 12, 12)] == _courses(result)
    assert [("fingolimod", 1, "discontinued", 12, 12)] == _courses(persistence(table, definition="stop"))


def test_switch_definition_joins_restarts_of_the_same_therapy() -> None:
    result = persistence(HISTORY, follow_up=FOLLOW, definition="switch", grace_months=0)
    assert ("interferon beta", 2, "discontinued", 23, 23) == _courses(result)[0]


def test_data_cut_censors_later_stops_and_drops_later_starts() -> None:
    result = persistence(HISTORY, as_of=D(2011, 12, 1), definition="stop")
    assert [
        ("interferon beta", 1, "discontinued", 14, 14),
        ("interferon beta", 1, "censored", 7, 7),
    ] == _courses(result)


def test_follow_up_after_the_data_cut_is_cut() -> None:
    result = persistence(HISTORY, follow_up=FOLLOW, as_of=D(2012, 12, 1), definition="stop")
    assert ("natalizumab", 1, "censored", 10, 10) == _courses(result)[-1]


def test_partial_dates_give_ranges_and_a_turnbull_estimate() -> None:
    table = _table(
        _episode("C", "interferon beta", D(2008, 6, 1), D(2010, 5, 1), "LOE", start_precision="year"),
        _episode("D", "interferon beta", D(2009, 2, 10), D(2010, 2, 1), "Ps", stop_precision="month"),
        _episode("E", "interferon beta", D(2009, 2, 10), "ongoing"),
    )
    result = persistence(table, follow_up=_follow_up(E=D(2010, 2, 10)), definition="stop")
    assert [
        ("interferon beta", 1, "discontinued", 16, 28),
        ("interferon beta", 1, "discontinued", 11, 12),
        ("interferon beta", 1, "censored", 12, 12),
    ] == _courses(result)
    group = result.groups["interferon beta"]
    assert not group.exact
    assert group.kaplan_meier is None
    assert group.turnbull is not None
    assert group.reading_low is not None
    assert group.reading_high is not None
    assert 16.0 == group.reading_low.median


def test_a_stop_not_recorded_lies_before_the_next_start_or_is_unknown() -> None:
    table = _table(
        _episode("F", "interferon beta", D(2010, 1, 1), "not recorded"),
        _episode("F", "natalizumab", D(2011, 7, 1), D(2012, 7, 1), "JCV+"),
        _episode("G", "fingolimod", D(2010, 1, 1), "not recorded"),
    )
    result = persistence(table, definition="stop", group_by=None)
    assert [("", 1, "discontinued", 0, 18), ("", 1, "discontinued", 12, 12), ("", 1, "unknown", 0, None)] == (
        _courses(result)
    )
    assert 1 == result.groups[""].unknown


def test_grouping_by_class_builds_courses_of_the_class() -> None:
    result = persistence(HISTORY, follow_up=FOLLOW, definition="stop", group_by="therapy_class")
    assert {"interferon beta", "anti-alpha4 integrin"} == set(result.groups)


def test_cause_specific_incidence_of_discontinuation() -> None:
    table = _table(
        _episode("H", "natalizumab", D(2010, 1, 1), D(2011, 1, 1), "JCV+"),
        _episode("I", "natalizumab", D(2010, 1, 1), D(2012, 1, 1), "LOE;Ps"),
        _episode("J", "natalizumab", D(2010, 1, 1), D(2013, 1, 1), "JCV+"),
        _episode("K", "natalizumab", D(2010, 1, 1), "ongoing"),
    )
    result = persistence(table, as_of=D(2014, 1, 1), definition="stop")
    jcv = result.by_reason("natalizumab", "JCV+")
    loe = result.by_reason("natalizumab", "LOE")
    assert 0.25 == pytest.approx(jcv.incidence_at(12))
    assert 0.5 == pytest.approx(jcv.incidence_at(36))
    assert 0.25 == pytest.approx(loe.incidence_at(48))


# -- one function, every form of the table ----------------------------------------------------------


def test_cohort_tables_pandas_arrow_and_csv_agree(tmp_path: Path) -> None:
    cohort = load_natalizumab_psoriasis()
    table, follow = episodes_table(cohort), follow_up_table(cohort)
    cut = D(2014, 12, 31)
    expected = persistence(table, follow_up=follow, as_of=cut)
    table.to_csv(tmp_path / "episodes.csv")
    for source in (table.to_pandas(), table.to_arrow(), tmp_path / "episodes.csv"):
        assert expected.courses == persistence(source, follow_up=follow, as_of=cut).courses


def test_batch_engine_eras_are_read_as_they_come() -> None:
    from dmt_timeline.batch import eras_as_episodes, exposure_transitions  # noqa: PLC0415
    from dmt_timeline.synthetic import synthetic_exposures  # noqa: PLC0415

    eras = eras_as_episodes(exposure_transitions(synthetic_exposures(50, seed=4)).episodes)
    result = persistence(eras, as_of=D(2040, 1, 1), definition="stop")
    assert eras.num_rows == len(result.courses)
    assert all(group.exact for group in result.groups.values())  # eras start and stop on a day
    assert set(result.groups) == set(result.estimates())


def test_bundled_cohort_with_year_dates_says_what_the_data_support() -> None:
    cohort = load_natalizumab_psoriasis()
    result = persistence(episodes_table(cohort), as_of=D(2014, 12, 31))
    natalizumab = result.groups["natalizumab"]
    assert not natalizumab.exact
    assert natalizumab.n == natalizumab.discontinued + natalizumab.censored + natalizumab.unknown


# -- against lifelines, on exact data -----------------------------------------------------------------

day = st.dates(min_value=D(2000, 1, 1), max_value=D(2020, 12, 31))


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[str, str, D, D]]:
    rows: list[tuple[str, str, D, D]] = []
    for p in range(draw(st.integers(min_value=1, max_value=12))):
        start = draw(day)
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            therapy = draw(st.sampled_from(sorted(CLASSES)))
            length = draw(st.integers(min_value=0, max_value=2000))
            stop = start + dt.timedelta(days=length)
            rows.append((f"P{p}", therapy, start, stop))
            start = stop + dt.timedelta(days=draw(st.integers(min_value=1, max_value=400)))
    return rows


@settings(deadline=None)  # the first call imports lifelines
@given(histories())
def test_exact_dates_give_kaplan_meier_agreeing_with_lifelines(rows: list[tuple[str, str, D, Any]]) -> None:
    lifelines = pytest.importorskip("lifelines")
    result = persistence(_table(*(_episode(*r, "LOE") for r in rows)), definition="stop", group_by=None)
    group = result.groups[""]
    assert group.exact
    assert group.kaplan_meier is not None
    months = [whole_months(start, stop) for _, _, start, stop in rows]
    reference = lifelines.KaplanMeierFitter().fit(months, [True] * len(months))
    assert np.allclose(
        reference.survival_function_.iloc[:, 0], group.kaplan_meier.survival_function, atol=1e-12
    )


# -- refinement only narrows ------------------------------------------------------------------------


@settings(deadline=None)  # timings belong to benchmarks/, and the machine is shared
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=364),
            st.integers(min_value=0, max_value=364),
            st.sampled_from(["day", "month", "year"]),
            st.sampled_from(["day", "month", "year"]),
            st.sampled_from(["date", "ongoing"]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_coarser_dates_give_ranges_holding_the_exact_months(episodes: list[tuple[Any, ...]]) -> None:
    # Episode i starts in year 2000 + 3i and stops in the next year, so coarse dates keep the order.
    fine, coarse = [], []
    for i, (start_day, stop_day, start_precision, stop_precision, state) in enumerate(episodes):
        start = D(2000 + 3 * i, 1, 1) + dt.timedelta(days=start_day)
        stop: D | str = D(2001 + 3 * i, 1, 1) + dt.timedelta(days=stop_day) if state == "date" else state
        fine.append(_episode("R", "fingolimod", start, stop))
        coarse.append(
            _episode(
                "R", "fingolimod", start, stop, start_precision=start_precision, stop_precision=stop_precision
            )
        )
    follow = _follow_up(R=D(2030, 6, 15))
    exact = persistence(_table(*fine), follow_up=follow, definition="stop").courses.to_dicts()
    ranged = persistence(_table(*coarse), follow_up=follow, definition="stop").courses.to_dicts()
    assert [r["status"] for r in exact] == [r["status"] for r in ranged]
    for truth, bounds in zip(exact, ranged, strict=True):
        assert truth["months_low"] == truth["months_high"]
        assert bounds["months_low"] <= truth["months_low"] <= bounds["months_high"]


# -- refusals ---------------------------------------------------------------------------------------


def test_an_ongoing_course_needs_follow_up_or_a_data_cut() -> None:
    with pytest.raises(InvalidValueError, match=r"patient 'A'.*ongoing") as info:
        persistence(HISTORY)
    assert isinstance(info.value, DmtTimelineError)


@pytest.mark.parametrize(
    "settings",
    [{"definition": "lapse"}, {"grace_months": -1}, {"grace_months": 1.5}, {"group_by": "atc"}],
)
def test_settings_out_of_range_are_refused(settings: dict[str, Any]) -> None:
    with pytest.raises(StatsInputError):
        persistence(HISTORY, follow_up=FOLLOW, **settings)


def test_an_unknown_stop_state_is_refused() -> None:
    table = _table(_episode("A", "fingolimod", D(2010, 1, 1), "paused"))
    with pytest.raises(InvalidValueError, match="stop_state: 'paused'"):
        persistence(table, as_of=D(2012, 1, 1))


def test_a_missing_column_is_refused() -> None:
    frame = HISTORY.to_pandas().drop(columns=["stop_state"])
    with pytest.raises(InvalidValueError, match="stop_state"):
        persistence(frame, follow_up=FOLLOW)


@pytest.mark.parametrize("with_follow_up", [False, True])
def test_a_cohort_without_episodes_is_the_library_error_with_or_without_follow_up(
    with_follow_up: bool,
) -> None:
    cohort = Cohort((Patient("P1"),))
    follow_up = follow_up_table(cohort) if with_follow_up else None
    with pytest.raises(InvalidValueError, match="no episodes"):
        persistence(episodes_table(cohort), follow_up=follow_up, as_of=dt.date(2020, 1, 1))


def _shifted(rows: list[tuple[str, str, D, Any]], years: int) -> list[tuple[str, str, D, Any]]:
    return [
        (p, t, start.replace(year=start.year + years), stop.replace(year=stop.year + years))
        for p, t, start, stop in rows
    ]


@settings(deadline=None)
@given(histories(), st.sampled_from(["stop", "gap", "switch"]), st.booleans())
def test_days_before_1970_are_days_like_any_other(
    rows: list[tuple[str, str, D, Any]], definition: Any, ongoing_last: bool
) -> None:
    # 56 years keep every date's weekday and leap day (2000 to 2020 becomes 1944 to 1964), so
    # whole months, and with them every course, are the same either side of 1970, where the
    # day numbers turn negative.
    def run(years: int) -> Any:
        moved = _shifted(rows, -years)
        episodes = [_episode(*r, "LOE") for r in moved]
        if ongoing_last:
            episodes[-1] = _episode(*moved[-1][:3], "ongoing")
        cut = D(2021 - years, 6, 30)
        follow = _follow_up(**{p: D(2021 - years, 1, 31) for p, *_ in moved})
        return persistence(_table(*episodes), follow_up=follow, as_of=cut, definition=definition)

    now, then = run(0), run(56)
    assert _courses(now) == _courses(then)

    def counts(result: Any) -> dict[str, tuple[int, int, int, int, bool]]:
        return {k: (g.n, g.discontinued, g.censored, g.unknown, g.exact) for k, g in result.groups.items()}

    assert counts(now) == counts(then)


@pytest.mark.parametrize("as_of", ["2012-01-01", dt.datetime(2012, 1, 1), 20120101])
def test_a_data_cut_that_is_no_day_is_refused_by_name(as_of: object) -> None:
    with pytest.raises(InvalidValueError, match="as_of: must be a day"):
        persistence(HISTORY, follow_up=FOLLOW, as_of=as_of)  # type: ignore[arg-type]
