"""Tests for treatment pathways: worked examples of every setting, suppression by hand, the three
input kinds, and the rules (input order does not matter; refining dates gives one of the readings).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.patches import Wedge

from dmt_timeline.analyses.pathways import (
    PathwaySettings,
    lines_of_therapy,
    pathway_counts,
    pathway_readings,
    patient_pathways,
    time_between_treatments,
)
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.dates import PartialDate, Precision
from dmt_timeline.errors import InvalidValueError, StatsInputError
from dmt_timeline.io.tables import (
    EPISODE_COLUMNS,
    Column,
    ColumnType,
    TidyTable,
    episodes_table,
    transitions_table,
)
from dmt_timeline.model import Patient, TherapyEpisode
from dmt_timeline.plot import pathway_sunburst
from dmt_timeline.strategies import cohorts, partial_dates, patients, refinements

ALL = PathwaySettings(filter_treatments="all", min_cell_count=1)
"""Every step kept, nothing suppressed: the settings most examples isolate one rule with."""

NO_COMBINATION = 10**7
"""A combination window no generated overlap reaches."""


def _day(text: str) -> PartialDate:
    return PartialDate.parse(text)


def _table(*rows: tuple[str, str, str, str]) -> TidyTable:
    """Episodes ``(patient, therapy, start, stop)``; a stop is a date, 'ongoing' or 'not recorded'."""
    out = []
    for i, (patient, therapy, start, stop) in enumerate(rows):
        begin = _day(start)
        end = None if stop in ("ongoing", "not recorded") else _day(stop)
        out.append(
            (
                patient,
                i,
                None,
                None,
                therapy,
                f"class {therapy}",
                None,
                begin.first_day,
                begin.last_day,
                begin.precision.value,
                "date" if end is not None else stop,
                end.first_day if end is not None else None,
                end.last_day if end is not None else None,
                end.precision.value if end is not None else None,
                "",
                None,
            )
        )
    return TidyTable(EPISODE_COLUMNS, tuple(out))


def _after(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def _pathways(table: Any, settings: PathwaySettings = ALL) -> dict[str, str]:
    return {row["patient_id"]: row["pathway"] for row in patient_pathways(table, settings).to_dicts()}


# ----------------------------------------------------------------------------- worked examples


def test_a_small_pathway_table_worked_by_hand() -> None:
    table = _table(
        ("P1", "A", "2010-01-01", "2010-06-30"),  # overlaps B by 29 days: a switch
        ("P1", "B", "2010-06-01", "2011-01-01"),
        ("P1", "C", "2012", "2013"),  # C and D: which started first the dates cannot tell
        ("P1", "D", "2012-05", "2013"),
        ("P2", "A", "2010-01-01", "2010-12-31"),
        ("P3", "B", "2009", "not recorded"),
    )
    expected = [
        {
            "patient_id": "P1",
            "pathway": "A > B > {C, D}",
            "steps": 4,
            "undetermined": 1,
            "window_undetermined": 0,
        },
        {"patient_id": "P2", "pathway": "A", "steps": 1, "undetermined": 0, "window_undetermined": 0},
        {"patient_id": "P3", "pathway": "B", "steps": 1, "undetermined": 0, "window_undetermined": 0},
    ]
    assert expected == patient_pathways(table, ALL).to_dicts()


@pytest.mark.parametrize(("gap", "expected"), [(29, "A"), (30, "A"), (31, "A > A")])
def test_era_collapse_joins_gaps_up_to_the_setting(gap: int, expected: str) -> None:
    table = _table(
        ("P", "A", "2010-01-01", "2010-03-01"), ("P", "A", _after("2010-03-01", gap), "2010-12-31")
    )
    assert {"P": expected} == _pathways(table, PathwaySettings(era_collapse_days=30, filter_treatments="all"))


def test_era_collapse_waits_for_a_certain_gap() -> None:
    # Stopped in March 2010, restarted in April 2010: the gap is 1 to 60 days.
    table = _table(("P", "A", "2009-01-01", "2010-03"), ("P", "A", "2010-04", "2010-12-31"))
    assert {"P": "A > A"} == _pathways(table, PathwaySettings(era_collapse_days=30, filter_treatments="all"))
    assert {"P": "A"} == _pathways(table, PathwaySettings(era_collapse_days=60, filter_treatments="all"))


@pytest.mark.parametrize(("overlap", "expected"), [(29, "A > B"), (30, "A > A+B > B"), (31, "A > A+B > B")])
def test_combination_needs_an_overlap_of_the_window(overlap: int, expected: str) -> None:
    table = _table(
        ("P", "A", "2010-01-01", "2010-12-31"), ("P", "B", _after("2010-12-31", -overlap), "2011-12-31")
    )
    settings = PathwaySettings(combination_window_days=30, filter_treatments="all")
    assert {"P": expected} == _pathways(table, settings)


def test_combination_parts_shorter_than_min_post_combination_are_dropped() -> None:
    # B starts 20 days after A and both stop together: the A part before is 20 days long.
    table = _table(("P", "A", "2010-01-01", "2010-12-31"), ("P", "B", "2010-01-21", "2010-12-31"))
    assert {"P": "A+B"} == _pathways(table, PathwaySettings(filter_treatments="all"))
    assert {"P": "A > A+B"} == _pathways(
        table, PathwaySettings(filter_treatments="all", min_post_combination_days=20)
    )


def test_a_combination_under_year_dates_forms_only_the_certain_part() -> None:
    # Both ran through all of 2011 whatever the days: a certain combination, but which started
    # first, in 2010, is unknown, so no part before it is formed.
    table = _table(("P", "A", "2010", "2012"), ("P", "B", "2010", "2013"))
    assert {"P": "A+B > B"} == _pathways(table)


def test_an_overlap_the_dates_cannot_confirm_is_no_combination() -> None:
    table = _table(("P", "A", "2010", "2011"), ("P", "B", "2010", "2011"))
    assert {"P": "{A, B}"} == _pathways(table)


def test_min_era_days_drops_only_certainly_short_eras() -> None:
    table = _table(
        ("P", "A", "2010-01-01", "2010-01-20"),  # 19 days
        ("P", "B", "2010-03-01", "2010-03"),  # 0 to 30 days: perhaps long enough
        ("P", "C", "2010-06-01", "2010-12-31"),
    )
    assert {"P": "B > C"} == _pathways(table, PathwaySettings(min_era_days=20, filter_treatments="all"))


FILTERED = _table(
    ("P", "A", "2010-01-01", "2010-03-01"),
    ("P", "B", "2010-06-01", "2010-09-01"),
    ("P", "A", "2011-01-01", "2011-03-01"),
    ("P", "A", "2011-06-01", "2011-09-01"),
    ("P", "C", "2012-01-01", "2012-03-01"),
)


@pytest.mark.parametrize(
    ("how", "expected"),
    [("all", "A > B > A > A > C"), ("changes", "A > B > A > C"), ("first", "A > B > C")],
)
def test_each_filter_mode(how: Any, expected: str) -> None:
    assert {"P": expected} == _pathways(FILTERED, PathwaySettings(filter_treatments=how))


def test_filters_inside_an_undetermined_order() -> None:
    table = _table(
        ("P", "A", "2009-01-01", "2009-03-01"), ("P", "A", "2010", "2011"), ("P", "B", "2010", "2011")
    )
    assert {"P": "A > {A, B}"} == _pathways(table, PathwaySettings(filter_treatments="all"))
    assert {"P": "A > B"} == _pathways(table, PathwaySettings(filter_treatments="first"))
    assert {"P": "A > {A, B}"} == _pathways(table, PathwaySettings(filter_treatments="changes"))


def test_max_path_length_stops_before_an_undetermined_order_it_would_cross() -> None:
    table = _table(
        ("P", "A", "2009-01-01", "2009-03-01"), ("P", "B", "2010", "2011"), ("P", "C", "2010", "2011")
    )
    assert {"P": "A > {B, C}"} == _pathways(table, PathwaySettings(max_path_length=3))
    assert {"P": "A"} == _pathways(table, PathwaySettings(max_path_length=2))


def test_class_level() -> None:
    table = _table(("P", "A", "2010-01-01", "2010-03-01"), ("P", "B", "2010-06-01", "2010-09-01"))
    assert {"P": "class A > class B"} == _pathways(table, PathwaySettings(level="class"))


def test_same_day_starts_are_ordered_by_stop_as_treatment_patterns_does() -> None:
    table = _table(("P", "B", "2010-01-01", "2010-01-20"), ("P", "A", "2010-01-01", "2010-12-31"))
    assert {"P": "B > A"} == _pathways(table)


def test_an_ongoing_era_runs_at_least_to_the_end_of_the_record() -> None:
    table = _table(("P", "A", "2010-01-01", "ongoing"), ("P", "B", "2011-01-01", "2012-01-01"))
    assert {"P": "A > A+B"} == _pathways(table)
    unknown = _table(("P", "A", "2010-01-01", "not recorded"), ("P", "B", "2011-01-01", "2012-01-01"))
    assert {"P": "A > B"} == _pathways(unknown)


def _counted(sizes: dict[str, int]) -> TidyTable:
    rows = []
    for therapy, size in sizes.items():
        rows += [(f"{therapy}{i}", therapy, "2010-01-01", "2010-12-31") for i in range(size)]
    return _table(*rows)


COUNTED = _counted({"A": 7, "B": 3, "C": 2})


def test_suppression_min_cell_count_worked_by_hand() -> None:
    expected = [
        {"group": None, "pathway": "A", "n": 7, "shown": "7", "suppressed": False},
        {"group": None, "pathway": "B", "n": None, "shown": "<5", "suppressed": True},
        {"group": None, "pathway": "C", "n": None, "shown": "<5", "suppressed": True},
    ]
    assert expected == pathway_counts(COUNTED).counts.to_dicts()


def test_suppression_remove_worked_by_hand() -> None:
    expected = [{"group": None, "pathway": "A", "n": 7, "shown": "7", "suppressed": False}]
    assert expected == pathway_counts(COUNTED, PathwaySettings(censor="remove")).counts.to_dicts()


def test_suppression_mean_rounds_half_to_even_as_r_does() -> None:
    # The suppressed counts are 3 and 2: their mean 2.5 rounds to 2.
    expected = [("A", 7, False), ("B", 2, True), ("C", 2, True)]
    counts = pathway_counts(COUNTED, PathwaySettings(censor="mean")).counts.to_dicts()
    assert expected == [(r["pathway"], r["n"], r["suppressed"]) for r in counts]


def test_counts_by_a_mapping_of_groups() -> None:
    groups = {f"A{i}": "x" if i < 5 else "y" for i in range(7)} | {f"B{i}": "x" for i in range(3)}
    groups |= {f"C{i}": "y" for i in range(2)}
    counts = pathway_counts(COUNTED, PathwaySettings(min_cell_count=3), by=groups).counts.to_dicts()
    expected = [("x", "A", "5"), ("x", "B", "3"), ("y", "A", "<3"), ("y", "C", "<3")]
    assert expected == [(r["group"], r["pathway"], r["shown"]) for r in counts]


def test_counts_by_a_patient_without_a_group_is_refused() -> None:
    with pytest.raises(StatsInputError, match="has no group"):
        pathway_counts(COUNTED, by={"A0": "x"})


def test_counts_by_a_column() -> None:
    table = _counted({"A": 2})
    columns = (*table.columns, Column("site", ColumnType.STRING))
    labelled = TidyTable(columns, tuple((*row, "north") for row in table.rows))
    counts = pathway_counts(labelled, PathwaySettings(min_cell_count=1), by="site").counts.to_dicts()
    assert [("north", "A", 2)] == [(r["group"], r["pathway"], r["n"]) for r in counts]


def test_attrition_worked_by_hand() -> None:
    table = _table(
        ("P1", "A", "2010-01-01", "2010-01-10"),  # dropped by min_era_days
        ("P2", "A", "2010-01-01", "2010-03-01"),
        ("P2", "A", "2010-03-15", "2010-06-01"),  # joined to the era before
        ("P2", "B", "2010-04-01", "2010-12-31"),  # overlaps A by 61 days: A, A+B, B
    )
    attrition = pathway_counts(table, PathwaySettings(min_era_days=20, filter_treatments="all")).attrition
    expected = [
        ("input", 2, 4),
        ("min_era_days", 1, 3),
        ("era_collapse_days", 1, 2),
        ("combination_window_days", 1, 3),
        ("filter_treatments", 1, 3),
        ("max_path_length", 1, 3),
    ]
    assert expected == [(r["setting"], r["patients"], r["eras"]) for r in attrition.to_dicts()]


def test_settings_are_recorded_with_the_counts() -> None:
    settings = PathwaySettings(min_cell_count=3)
    assert settings == pathway_counts(COUNTED, settings).settings
    assert ("min_cell_count", "3") in settings.describe()


def test_lines_of_therapy_worked_by_hand() -> None:
    table = _table(
        ("P1", "A", "2010-01-01", "2010-03-01"),
        ("P1", "B", "2010-06-01", "2010-09-01"),
        ("P2", "A", "2010-01-01", "2010-03-01"),
        ("P3", "B", "2010", "2011"),
        ("P3", "C", "2010", "2011"),
    )
    lines = lines_of_therapy(table, PathwaySettings(min_cell_count=2))
    therapies = [(r["line_low"], r["line_high"], r["step"], r["shown"]) for r in lines.therapies.to_dicts()]
    assert [(1, 1, "A", "2"), (1, 2, "B", "<2"), (1, 2, "C", "<2"), (2, 2, "B", "<2")] == therapies
    assert [(1, "3"), (2, "2")] == [(r["line"], r["shown"]) for r in lines.reached.to_dicts()]


def test_time_between_treatments_worked_by_hand() -> None:
    columns = (Column("gap_low", ColumnType.INT), Column("gap_high", ColumnType.INT))
    table = TidyTable(columns, ((0, 1), (2, 3), (4, 5), (10, 12), (None, None)))
    expected = [
        {"bound": "low", "n": 4, "min": 0.0, "q1": 1.5, "median": 3.0, "q3": 5.5, "max": 10.0},
        {"bound": "high", "n": 4, "min": 1.0, "q1": 2.5, "median": 4.0, "q3": 6.75, "max": 12.0},
    ]
    assert expected == time_between_treatments(table).to_dicts()


def test_time_between_treatments_of_pandas_agrees() -> None:
    table = transitions_table(load_natalizumab_psoriasis())
    assert time_between_treatments(table) == time_between_treatments(table.to_pandas())


def test_pandas_and_arrow_give_the_same_pathways() -> None:
    table = episodes_table(load_natalizumab_psoriasis())
    expected = patient_pathways(table)
    assert expected == patient_pathways(table.to_pandas())
    assert expected == patient_pathways(table.to_arrow())


def test_a_table_without_classes_and_with_text_days_serves_the_ingredient_level() -> None:
    pa = pytest.importorskip("pyarrow")
    table = episodes_table(load_natalizumab_psoriasis())
    keep = [
        "patient_id",
        "therapy",
        "start_earliest",
        "start_latest",
        "stop_state",
        "stop_earliest",
        "stop_latest",
    ]
    texts = [
        {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items() if k in keep}
        for row in table.to_dicts()
    ]
    assert patient_pathways(table) == patient_pathways(pa.Table.from_pylist(texts))


def test_a_day_that_does_not_exist_is_named_with_its_row() -> None:
    table = _table(("P", "A", "2010-01-01", "2010-03-01"))
    row = dict(zip(table.names, table.rows[0], strict=True)) | {"start_earliest": "2010-02-30"}
    bad = TidyTable(table.columns, (tuple(row.values()),))
    with pytest.raises(StatsInputError, match="row 1, patient 'P': start_earliest '2010-02-30' is not a day"):
        patient_pathways(bad)


def test_pathway_readings() -> None:
    assert frozenset({"A > B > C > B", "A > C > B"}) == pathway_readings("A > {B, C} > B", "changes")
    assert frozenset({"A > B", "B > A"}) == pathway_readings("{A, B}")


def test_a_missing_column_is_named() -> None:
    table = TidyTable((Column("patient_id", ColumnType.STRING),), (("P",),))
    with pytest.raises(StatsInputError, match="'therapy'"):
        patient_pathways(table)


def test_a_table_of_another_kind_is_refused() -> None:
    with pytest.raises(StatsInputError, match="not list"):
        patient_pathways([])


@pytest.mark.parametrize(
    "kwargs",
    [{"level": "drug"}, {"combination_window_days": 0}, {"filter_treatments": "First"}, {"censor": "drop"}],
)
def test_invalid_settings_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidValueError, match=next(iter(kwargs))):
        PathwaySettings(**kwargs)


# ----------------------------------------------------------------------------- sunburst


def _wedges(counts: Any, **kwargs: Any) -> list[Wedge]:
    figure = pathway_sunburst(counts, **kwargs)
    return [p for p in figure.axes[0].patches if isinstance(p, Wedge)]


def test_sunburst_rings_are_lines_and_angles_are_shares() -> None:
    table = _table(
        ("P1", "A", "2010-01-01", "2010-03-01"),
        ("P1", "B", "2010-06-01", "2010-09-01"),
        ("P2", "A", "2010-01-01", "2010-03-01"),
        ("P3", "B", "2010-01-01", "2010-03-01"),
        ("P4", "B", "2010-01-01", "2010-03-01"),
    )
    wedges = _wedges(pathway_counts(table, PathwaySettings(min_cell_count=1)))
    spans = sorted((w.get_gid(), round(w.theta2 - w.theta1, 6)) for w in wedges)
    assert [("line1", 180.0), ("line1", 180.0), ("line2", 90.0)] == spans


def test_sunburst_shows_an_undetermined_order_as_one_dotted_wedge() -> None:
    table = _table(("P", "A", "2010", "2011"), ("P", "B", "2010", "2011"))
    (wedge,) = _wedges(pathway_counts(table, PathwaySettings(min_cell_count=1)))
    assert ("...", 360.0) == (wedge.get_hatch(), wedge.theta2 - wedge.theta1)


def test_sunburst_leaves_suppressed_counts_out_and_says_so() -> None:
    figure = pathway_sunburst(pathway_counts(COUNTED))
    assert "2 pathway(s) with fewer than 5 patients not drawn" == figure.axes[0].get_title()
    assert 1 == len([p for p in figure.axes[0].patches if isinstance(p, Wedge)])


def test_sunburst_of_strata_needs_a_group() -> None:
    counts = pathway_counts(
        COUNTED, by=dict.fromkeys([f"A{i}" for i in range(7)] + ["B0", "B1", "B2", "C0", "C1"], "x")
    )
    with pytest.raises(InvalidValueError, match="name the stratum"):
        pathway_sunburst(counts)
    assert 1 == len(_wedges(counts, group="x"))


# ----------------------------------------------------------------------------- rules


@given(cohorts(max_size=4), st.randoms(use_true_random=False))
def test_input_row_order_does_not_matter(cohort: Any, random: Any) -> None:
    table = episodes_table(cohort)
    rows = list(table.rows)
    random.shuffle(rows)
    shuffled = TidyTable(table.columns, tuple(rows))
    settings = PathwaySettings(filter_treatments="all", min_cell_count=2)
    assert patient_pathways(table, settings) == patient_pathways(shuffled, settings)
    assert pathway_counts(table, settings) == pathway_counts(shuffled, settings)


def _refined(draw: st.DrawFn, patient: Patient, *, day: bool) -> Patient:
    episodes = []
    for episode in patient.episodes:
        stop = episode.stop
        # A stop may share days with its start: refine the start to a day the stop allows.
        latest = min(episode.start.last_day, stop.last_day) if isinstance(stop, PartialDate) else None
        if day or (latest is not None and latest < episode.start.last_day):
            start = draw(
                partial_dates(
                    min_value=episode.start.first_day,
                    max_value=latest or episode.start.last_day,
                    precisions=[Precision.DAY],
                )
            )
        else:
            start = draw(refinements(episode.start))
        if isinstance(stop, PartialDate):
            low = max(stop.first_day, start.first_day)
            if day or low > stop.first_day:
                stop = draw(partial_dates(min_value=low, max_value=stop.last_day, precisions=[Precision.DAY]))
            else:
                stop = draw(refinements(stop))
        episodes.append(TherapyEpisode(episode.therapy, start, stop, episode.reasons))
    return Patient(patient.id, episodes=tuple(episodes))


@st.composite
def _refined_pairs(draw: st.DrawFn, day: bool) -> tuple[Patient, Patient]:
    patient = draw(patients(max_episodes=4, ids=st.just("P")))
    return patient, _refined(draw, patient, day=day)


def _refinable(how: Any) -> PathwaySettings:
    # No combination and no era dropped: finer dates may then only settle the order. (A
    # combination, or with "all" an era joined, that only finer dates make certain is a new
    # fact, not a reading: the how-to says so.)
    return PathwaySettings(combination_window_days=NO_COMBINATION, max_path_length=100, filter_treatments=how)


@pytest.mark.parametrize("how", ["first", "changes"])
@given(pair=_refined_pairs(day=False))
def test_refined_dates_give_one_of_the_readings(how: Any, pair: tuple[Patient, Patient]) -> None:
    coarse, fine = (_pathways(episodes_table([p]), _refinable(how)).get("P", "") for p in pair)
    assert pathway_readings(fine, how) <= pathway_readings(coarse, how)


@pytest.mark.parametrize("how", ["first", "changes"])
@given(pair=_refined_pairs(day=True))
def test_day_dates_give_one_definite_reading(how: Any, pair: tuple[Patient, Patient]) -> None:
    coarse, fine = (_pathways(episodes_table([p]), _refinable(how)).get("P", "") for p in pair)
    assert pathway_readings(fine, how) <= pathway_readings(coarse, how)
    if all(isinstance(e.stop, PartialDate) for e in pair[1].episodes):
        assert "{" not in fine


# ----------------------------------------------------------------------------- index window


WINDOW_TABLE = (
    ("P1", "A", "2010-01-01", "2010-05-01"),  # before the index: out
    ("P1", "B", "2010-06-01", "2011-01-01"),  # the index
    ("P1", "C", "2011-03-01", "2011-06-01"),  # 273 days after it: in
    ("P1", "D", "2012", "2013"),  # 579 to 943 days after it: out
    ("P2", "A", "2010-01-01", "2010-12-31"),  # never starts B: no pathway
)


def test_index_window_worked_by_hand() -> None:
    settings = PathwaySettings(index_step="B", window_start_days=0, window_end_days=365)
    rows = patient_pathways(_table(*WINDOW_TABLE), settings).to_dicts()
    assert [("P1", "B > C", 0)] == [(r["patient_id"], r["pathway"], r["window_undetermined"]) for r in rows]


def test_a_step_possibly_in_the_window_is_marked() -> None:
    # C in 2011: 214 to 578 days after the index, across the window's end at 365.
    table = _table(*WINDOW_TABLE[:2], ("P1", "C", "2011", "2012-06-01"))
    settings = PathwaySettings(index_step="B", window_end_days=365, filter_treatments="all")
    (row,) = patient_pathways(table, settings).to_dicts()
    assert ("B > C?", 1) == (row["pathway"], row["window_undetermined"])
    assert frozenset({"B > C", "B"}) == pathway_readings(row["pathway"])


def test_an_index_date_column_of_partial_dates() -> None:
    table = _table(("P1", "A", "2009-06-01", "2009-12-01"), ("P1", "B", "2010-06-01", "2011-01-01"))
    labelled = TidyTable(
        (*table.columns, Column("index", ColumnType.STRING)), tuple((*r, "2010") for r in table.rows)
    )
    # Index in 2010: A is certainly before it, B possibly on or after it.
    (row,) = patient_pathways(labelled, PathwaySettings(index_column="index")).to_dicts()
    assert "B?" == row["pathway"]


def test_an_index_column_value_that_is_not_a_date_is_named() -> None:
    table = _table(("P1", "A", "2009-06-01", "2009-12-01"))
    labelled = TidyTable((*table.columns, Column("index", ColumnType.STRING)), ((*table.rows[0], "soon"),))
    with pytest.raises(StatsInputError, match="row 1, patient 'P1': index 'soon' is not a date"):
        patient_pathways(labelled, PathwaySettings(index_column="index"))


def test_the_window_is_a_stage_of_the_attrition() -> None:
    settings = PathwaySettings(index_step="B", window_end_days=365)
    attrition = pathway_counts(_table(*WINDOW_TABLE), settings).attrition.to_dicts()
    assert ("index window", "[0, 365] days from first B", 1, 2) == tuple(
        attrition[1][k] for k in ("setting", "value", "patients", "eras")
    )


def test_window_settings_that_conflict_are_refused() -> None:
    with pytest.raises(InvalidValueError, match="give one index"):
        PathwaySettings(index_step="B", index_column="index")
    with pytest.raises(InvalidValueError, match="window_start_days 10 is after window_end_days 5"):
        PathwaySettings(index_step="B", window_start_days=10, window_end_days=5)


def _windowed(patient: Patient, how: Any) -> PathwaySettings:
    first = min(patient.episodes, key=lambda e: e.start.sort_key).therapy.name if patient.episodes else "x"
    return attrs.evolve(_refinable(how), index_step=first, window_start_days=-200, window_end_days=400)


@pytest.mark.parametrize("how", ["first", "changes"])  # "all": see _refinable
@given(pair=_refined_pairs(day=False))
def test_refined_dates_give_one_of_the_windowed_readings(how: Any, pair: tuple[Patient, Patient]) -> None:
    settings = _windowed(pair[0], how)
    coarse, fine = (_pathways(episodes_table([p]), settings).get("P", "") for p in pair)
    assert pathway_readings(fine, how) <= pathway_readings(coarse, how)


def test_lines_after_a_step_possibly_in_the_window_are_ranges() -> None:
    table = _table(
        ("P1", "C", "2010-05", "2010-05-31"),  # 31 days to 0 before the index: across -30
        ("P1", "B", "2010-06-01", "2011-01-01"),  # the index
        ("P1", "D", "2011-02-01", "2011-06-01"),  # 245 days after it: in
    )
    settings = PathwaySettings(index_step="B", window_start_days=-30, window_end_days=400, min_cell_count=1)
    lines = lines_of_therapy(table, settings)
    # C? > B > D: B is at line 2, or line 1 when C started outside the window; D at 3 or 2.
    assert [(1, 1, "C?"), (1, 2, "B"), (2, 3, "D")] == [
        (r["line_low"], r["line_high"], r["step"]) for r in lines.therapies.to_dicts()
    ]
    assert [1, 2] == [r["line"] for r in lines.reached.to_dicts()]
