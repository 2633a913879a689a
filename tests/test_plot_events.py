"""Tests for clinical events in figures: markers on swimmer lanes and EDSS trajectories."""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import InvalidValueError
from dmt_timeline.events import EdssAssessment, MriScan, Relapse
from dmt_timeline.model import NOT_RECORDED, Cohort, Patient, TherapyEpisode
from dmt_timeline.plot import edss_trajectories, swimmer_plot
from dmt_timeline.strategies import edss_assessments

pytest.importorskip("matplotlib")


def _year(day: dt.date) -> float:
    # Written here from its definition, not imported: a day as a fractional calendar year.
    return day.year + (day.toordinal() - dt.date(day.year, 1, 1).toordinal()) / (
        366 if calendar.isleap(day.year) else 365
    )


def _window(date: PartialDate) -> tuple[float, float]:
    return _year(date.first_day), _year(date.last_day)


def _lines(figure: Figure, gid: str) -> list[Line2D]:
    return [line for line in figure.axes[0].get_lines() if line.get_gid() == gid]


def _flat(points: list[tuple[float, float]]) -> list[float]:
    """Points as x0, y0, x1, y1...: what pytest.approx compares."""
    return [value for point in points for value in point]


def _points(lines: list[Line2D]) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for line in lines for x, y in np.asarray(line.get_xydata())]


def _patient(pid: str = "A") -> Patient:
    return Patient(
        pid,
        episodes=[TherapyEpisode(CATALOGUE["natalizumab"], "2014-01", NOT_RECORDED)],
        last_follow_up="2019",
        relapses=[Relapse("2015-03"), Relapse("2016-07-14")],
        mri_scans=[
            MriScan("2017", new_t2=2),
            MriScan("2018-05-02", new_t2=0, gd_enhancing=0),
            MriScan("2018-09", new_t2=0),
        ],
        edss_assessments=[EdssAssessment("2016", 3.5), EdssAssessment("2014-02-03", 2.0)],
    )


# -- swimmer lanes -------------------------------------------------------------------------


def test_swimmer_events_are_off_by_default() -> None:
    figure = swimmer_plot([_patient()])
    assert _lines(figure, "relapse") == []
    assert _lines(figure, "mri") == []


def test_swimmer_relapses_sit_on_the_upper_edge_at_the_middle_of_their_dates() -> None:
    figure = swimmer_plot([_patient("A"), _patient("B")], show_events=True)
    expected = [
        ((lo + hi) / 2, lane - 0.22)
        for lane in (0, 1)
        for lo, hi in (_window(PartialDate(2015, 3)), _window(PartialDate(2016, 7, 14)))
    ]
    assert _flat(_points(_lines(figure, "relapse"))) == pytest.approx(_flat(expected))


def test_swimmer_draws_a_range_only_where_a_date_is_partial() -> None:
    figure = swimmer_plot([_patient()], show_events=True)
    lo, hi = _window(PartialDate(2015, 3))
    assert _flat(_points(_lines(figure, "relapse-range"))) == pytest.approx([lo, -0.22, hi, -0.22])
    ranges = [x for x, _ in _points(_lines(figure, "mri-range"))]
    assert ranges == pytest.approx([*_window(PartialDate(2017)), *_window(PartialDate(2018, 9))])


def test_swimmer_scans_sit_on_the_lower_edge_filled_by_activity() -> None:
    figure = swimmer_plot([_patient()], show_events=True)
    scans = _lines(figure, "mri")
    assert [y for _, y in _points(scans)] == [0.22, 0.22, 0.22]
    # Active (new T2), inactive (both counts zero), unknown (no enhancing count, no new T2).
    assert [line.get_markerfacecolor() for line in scans] == ["#000000", "#FFFFFF", "#999999"]


def test_swimmer_legend_explains_the_event_markers() -> None:
    figure = swimmer_plot([_patient()], show_events=True)
    legend = figure.axes[0].get_legend()
    assert legend is not None
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels[-4:] == [
        "relapse (line: possible dates)",
        "MRI, active",
        "MRI, no activity",
        "MRI, activity unknown",
    ]


def test_swimmer_axis_reaches_events_after_the_last_episode_bound() -> None:
    patient = Patient(
        "A",
        episodes=[TherapyEpisode(CATALOGUE["natalizumab"], "2014", "2015")],
        relapses=[Relapse("2021-06")],
    )
    without = swimmer_plot([patient]).axes[0].get_xlim()[1]
    with_events = swimmer_plot([patient], show_events=True).axes[0].get_xlim()[1]
    assert without < 2021.5 < with_events


# -- EDSS trajectories ---------------------------------------------------------------------


def test_trajectory_joins_assessments_in_date_order_at_their_middles() -> None:
    figure = edss_trajectories([_patient()])
    (path,) = _lines(figure, "edss-path")
    first, second = PartialDate(2014, 2, 3), PartialDate(2016)
    assert _flat(_points([path])) == pytest.approx(
        [sum(_window(first)) / 2, 2.0, sum(_window(second)) / 2, 3.5]
    )


def test_trajectory_draws_partial_dates_as_ranges_at_their_score() -> None:
    figure = edss_trajectories([_patient()])
    (year_range,) = _lines(figure, "edss-range")  # the day-precise assessment has none
    assert _flat(_points([year_range])) == pytest.approx([2016.0, 3.5, _year(dt.date(2016, 12, 31)), 3.5])


def test_trajectory_relapses_along_the_foot_in_the_patients_colour() -> None:
    figure = edss_trajectories([_patient()])
    relapses = _lines(figure, "relapse")
    (path,) = _lines(figure, "edss-path")
    assert [y for _, y in _points(relapses)] == [-0.45, -0.45]
    assert {line.get_color() for line in relapses} == {path.get_color()}
    assert _lines(edss_trajectories([_patient()], show_relapses=False), "relapse") == []


def test_trajectory_groups_share_a_colour_and_name_the_legend() -> None:
    patients = [
        Patient("A", labels={"arm": "early"}, edss_assessments=[EdssAssessment("2015", 2.0)]),
        Patient("B", labels={"arm": "late"}, edss_assessments=[EdssAssessment("2015", 3.0)]),
        Patient("C", labels={"arm": "early"}, edss_assessments=[EdssAssessment("2016", 1.0)]),
    ]
    figure = edss_trajectories(patients, group_by="arm")
    # Drawn group by group: A and C (early), then B (late).
    colours = [line.get_color() for line in _lines(figure, "edss-path")]
    assert [p[0] for p in _points(_lines(figure, "edss-path"))] == pytest.approx(
        [2015.5, 2016.5, 2015.5], abs=0.01
    )
    assert colours[0] == colours[1] != colours[2]
    legend = figure.axes[0].get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["early", "late"]


def test_trajectory_skips_patients_without_assessments_and_refuses_none() -> None:
    figure = edss_trajectories([_patient("A"), Patient("B")])
    assert len(_lines(figure, "edss-path")) == 1
    with pytest.raises(InvalidValueError, match="no patient has an EDSS assessment"):
        edss_trajectories(Cohort([Patient("B")]))


@settings(max_examples=25, deadline=None)
@given(st.lists(edss_assessments(), min_size=1, max_size=6))
def test_trajectory_every_assessment_is_a_marker_within_its_possible_days(
    assessments: list[EdssAssessment],
) -> None:
    figure = edss_trajectories([Patient("A", edss_assessments=assessments)])
    (markers,) = _lines(figure, "edss")
    drawn = sorted(_points([markers]))
    expected = sorted((sum(_window(a.date)) / 2, a.score.score) for a in assessments)
    assert _flat(drawn) == pytest.approx(_flat(expected))
    ranges = _lines(figure, "edss-range")
    assert len(ranges) == sum(1 for a in assessments if a.date.first_day != a.date.last_day)


def test_swimmer_edss_scores_sit_in_the_lane_at_the_middle_of_their_dates() -> None:
    figure = swimmer_plot([_patient()], show_edss=True)
    scores = [t for t in figure.axes[0].texts if t.get_gid() == "edss"]
    expected = [(sum(_window(PartialDate(2016))) / 2, 0.0), (_year(dt.date(2014, 2, 3)), 0.0)]
    assert [t.get_text() for t in scores] == ["3.5", "2"]
    assert _flat([t.get_position() for t in scores]) == pytest.approx(_flat(expected))
    (year_range,) = _lines(figure, "edss-range")
    assert _flat(_points([year_range])) == pytest.approx([2016.0, 0.0, _year(dt.date(2016, 12, 31)), 0.0])
    assert _lines(figure, "relapse") == []  # EDSS alone: relapses and scans stay off


def test_swimmer_edss_is_off_by_default() -> None:
    figure = swimmer_plot([_patient()], show_events=True)
    assert [t for t in figure.axes[0].texts if t.get_gid() == "edss"] == []
