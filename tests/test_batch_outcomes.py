"""The batch engine's confirmed disability worsening: the object path's events, from tables."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmt_timeline.dates import PartialDate, Precision
from dmt_timeline.errors import InvalidDateError, InvalidValueError, TimelineError
from dmt_timeline.events import EdssAssessment, Relapse
from dmt_timeline.io.tables import episodes_table, events_table, follow_up_table
from dmt_timeline.model import Patient
from dmt_timeline.outcomes import (
    Baseline,
    CdwSettings,
    DisabilityResults,
    EventSelection,
    confirmed_disability_events,
    episode_relapse_rates,
)
from dmt_timeline.strategies import cohorts, edss_scores, partial_dates, patients, relapses

pa = pytest.importorskip("pyarrow")
pytest.importorskip("numpy")

from dmt_timeline.batch import disability_events  # noqa: E402 - after the extra's check
from dmt_timeline.batch import episode_relapse_rates as batch_relapse_rates  # noqa: E402

DATA = Path(__file__).parent / "data" / "msprog"
Row = tuple[str, str, str, float, str, float, str]


def _object_rows(results: DisabilityResults) -> list[Row]:
    return [
        (
            e.patient,
            e.kind.value,
            str(e.date),
            e.value,
            str(e.baseline_date),
            e.baseline_value,
            str(e.confirmed),
        )
        for e in results.events
    ]


def _batch_rows(table: Any) -> list[Row]:
    return [
        (
            r["patient_id"],
            r["kind"],
            r["date"].isoformat(),
            r["value"],
            r["baseline_date"].isoformat(),
            r["baseline_value"],
            r["confirmed"].isoformat(),
        )
        for r in table.to_pylist()
    ]


def _both(cohort: list[Patient], cdw: CdwSettings) -> tuple[Any, Any]:
    """Each path's rows, or the class of the error it refused the cohort with."""
    try:
        expected: Any = _object_rows(confirmed_disability_events(cohort, cdw))
    except InvalidDateError as error:
        expected = type(error)
    try:
        actual: Any = _batch_rows(disability_events(events_table(cohort).to_arrow(), cdw))
    except InvalidDateError as error:
        actual = type(error)
    return expected, actual


# -- pymsprog's own data: the CSV files as a registry gives them, relapses in their own table --


def _csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def _visits(dataset: str) -> Any:
    subject = "id" if dataset == "toy" else "subject"
    rows = _csv(f"{dataset}_visits.csv")
    dates = [r["date"] for r in rows]
    return pa.table(
        {
            "patient_id": [r[subject] for r in rows],
            "date_earliest": dates,
            "date_latest": dates,
            "edss": [float(r["EDSS"]) for r in rows],
        }
    )


def _relapses(dataset: str) -> Any:
    subject = "id" if dataset == "toy" else "subject"
    rows = _csv(f"{dataset}_relapses.csv")
    dates = [r["date"] for r in rows]
    return pa.table({"patient_id": [r[subject] for r in rows], "date_earliest": dates, "date_latest": dates})


def _expected(name: str) -> list[Row]:
    return [
        (
            r["subject"],
            r["type"],
            r["date"],
            float(r["value"]),
            r["bl_date"],
            float(r["bl_value"]),
            r["conf_date"],
        )
        for r in _csv(name)
    ]


def _fixture_settings(event: str, baseline: str, rule: str) -> CdwSettings:
    return CdwSettings(
        events=EventSelection.ALL if event == "multiple" else EventSelection.FIRST,
        baseline=Baseline(baseline),
        edss_one_point_up_to=5.0 if rule == "_edss50" else 5.5,
        sustained=rule == "_sustained",
        confirmation_days=168 if rule == "_24weeks" else 84,
    )


@pytest.mark.parametrize("event", ["multiple", "firstCDW"])
@pytest.mark.parametrize("baseline", ["fixed", "roving"])
@pytest.mark.parametrize(
    ("dataset", "rule"),
    [
        ("toy", "_edss55"),
        ("toy", "_edss50"),
        ("generated", "_edss55"),
        ("generated", "_edss50"),
        ("generated", "_sustained"),
        ("generated", "_24weeks"),
    ],
)
def test_events_agree_with_pymsprog(dataset: str, rule: str, baseline: str, event: str) -> None:
    expected = _expected(f"{dataset}_EDSS_{event}_{baseline}{rule}.csv")
    table = disability_events(
        _visits(dataset), _fixture_settings(event, baseline, rule), relapses=_relapses(dataset)
    )
    assert expected == _batch_rows(table)


# -- the object path's events on generated cohorts, across settings ---------------------------

START, END = dt.date(2015, 1, 1), dt.date(2018, 12, 31)
DAY = [Precision.DAY]


@st.composite
def followed_patients(draw: st.DrawFn, pid: str) -> Patient:
    """Patients with many day-dated assessments over a few years, so that events are common."""
    when = partial_dates(min_value=START, max_value=END, precisions=DAY)
    readings = draw(st.lists(st.builds(EdssAssessment, date=when, score=edss_scores()), max_size=14))
    onsets = draw(st.lists(st.builds(Relapse, onset=when), max_size=4))
    return Patient(id=pid, edss_assessments=readings, relapses=onsets)


@st.composite
def followed_cohorts(draw: st.DrawFn) -> list[Patient]:
    size = draw(st.integers(0, 6))
    return [draw(followed_patients(f"P{i}")) for i in range(size)]


settings_st = st.builds(
    CdwSettings,
    baseline=st.sampled_from(Baseline),
    events=st.sampled_from(EventSelection),
    confirmation_days=st.sampled_from([0, 84, 168]),
    tolerance_before=st.sampled_from([0, 7, 30]),
    tolerance_after=st.sampled_from([0, 30, 730.5, float("inf")]),
    sustained=st.booleans(),
    relapse_to_baseline=st.integers(0, 90),
    relapse_to_confirmation=st.integers(0, 90),
    relapse_associated=st.integers(0, 120),
    pira_free_before=st.sampled_from([0, 90]),
    pira_free_after=st.sampled_from([0, 30]),
    classify=st.booleans(),
    edss_one_point_up_to=st.sampled_from([5.0, 5.5]),
)


@settings(max_examples=300, deadline=None)  # the first call imports pyarrow
@given(followed_cohorts(), settings_st)
def test_the_object_paths_events_on_day_dated_cohorts(cohort: list[Patient], cdw: CdwSettings) -> None:
    expected, actual = _both(cohort, cdw)
    assert expected == actual


@settings(deadline=None)
@given(cohorts(patients(max_episodes=1), max_size=4), settings_st)
def test_the_object_paths_events_on_any_cohort_or_a_refusal_of_coarse_dates(
    cohort: Any, cdw: CdwSettings
) -> None:
    # The object path answers coarse dates three-valued; the batch engine refuses them.
    expected, actual = _both(list(cohort), cdw)
    if actual is InvalidDateError:
        assert any(
            d.precision is not Precision.DAY
            for p in cohort
            for d in [*(a.date for a in p.edss_assessments), *(r.onset for r in p.relapses)]
        )
    else:
        assert expected == actual


# -- documented behaviour ---------------------------------------------------------------------


def _table(*rows: tuple[str, str, str, float | None]) -> Any:
    """Rows of (patient, kind, date as text, score); a date of a year or month means all of it."""
    lo, hi = [], []
    for _, _, date, _ in rows:
        partial = PartialDate.parse(date)
        lo.append(partial.first_day.isoformat())
        hi.append(partial.last_day.isoformat())
    return pa.table(
        {
            "patient_id": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "date_earliest": lo,
            "date_latest": hi,
            "edss": pa.array([r[3] for r in rows], pa.float64()),
        }
    )


WORSENING = (
    ("A", "edss", "2020-01-01", 2.0),
    ("A", "edss", "2020-04-01", 3.0),
    ("A", "edss", "2020-07-01", 3.0),
)


def test_a_confirmed_worsening_without_relapses_is_pira() -> None:
    found = disability_events(_table(*WORSENING))
    assert [("A", "PIRA", "2020-04-01", 3.0, "2020-01-01", 2.0, "2020-07-01")] == _batch_rows(found)


def test_a_relapse_row_of_the_events_table_makes_it_raw() -> None:
    found = disability_events(_table(*WORSENING, ("A", "relapse", "2020-03-15", None)))
    assert ["RAW"] == found.column("kind").to_pylist()


def test_rows_of_mri_and_other_assessments_are_not_read() -> None:
    rows = (("A", "mri", "2020-03", None), ("A", "assessment", "2020-03-15", None))
    assert ["PIRA"] == disability_events(_table(*WORSENING, *rows)).column("kind").to_pylist()


def test_of_two_assessments_on_one_day_the_later_row_stands() -> None:
    found = disability_events(_table(*WORSENING, ("A", "edss", "2020-07-01", 2.0)))
    assert 0 == found.num_rows


def test_patients_come_in_order_of_first_appearance() -> None:
    rows = [(pid, *row[1:]) for pid in ("Z", "B") for row in WORSENING]
    assert ["Z", "B"] == disability_events(_table(*rows)).column("patient_id").to_pylist()


def test_the_settings_are_kept_in_the_schema_metadata() -> None:
    cdw = CdwSettings(baseline=Baseline.ROVING)
    assert str(cdw).encode() == disability_events(_table(*WORSENING), cdw).schema.metadata[b"settings"]


def test_pandas_output() -> None:
    frame = disability_events(_table(*WORSENING), output="pandas")
    assert ["PIRA"] == frame["kind"].tolist()


def test_an_empty_table_gives_no_events() -> None:
    found = disability_events(_table())
    assert (0, ["patient_id", "kind", "date", "value", "baseline_date", "baseline_value", "confirmed"]) == (
        found.num_rows,
        found.column_names,
    )


def test_an_assessment_known_to_the_month_is_refused_by_row_and_patient() -> None:
    with pytest.raises(
        InvalidDateError, match=r"patient 'A': an EDSS assessment date '2020-09' is not a day at row\(s\) 5"
    ):
        disability_events(_table(*WORSENING, ("A", "edss", "2020-09", 3.0)))


def test_a_coarse_relapse_that_could_matter_is_refused() -> None:
    with pytest.raises(InvalidDateError, match=r"a relapse date '2020' is not a day at row\(s\) 5"):
        disability_events(_table(*WORSENING, ("A", "relapse", "2020", None)))


def test_a_coarse_relapse_wholly_before_the_window_is_ignored() -> None:
    found = disability_events(_table(*WORSENING, ("A", "relapse", "2018", None)))
    assert ["PIRA"] == found.column("kind").to_pylist()


def test_a_relapses_table_of_unknown_patients_is_ignored() -> None:
    relapses = pa.table({"patient_id": ["Q"], "date_earliest": ["2020-03-15"], "date_latest": ["2020-03-15"]})
    assert ["PIRA"] == disability_events(_table(*WORSENING), relapses=relapses).column("kind").to_pylist()


@pytest.mark.parametrize(
    ("row", "msg"),
    [
        (("A", "scan", "2020-09-01", None), r"column kind: not one of .* at row\(s\) 5"),
        (("A", "edss", "2020-09-01", None), r"column edss: blank for an EDSS assessment at row\(s\) 5"),
        (("A", "edss", "2020-09-01", 0.5), r"column edss: not a score .* at row\(s\) 5"),
    ],
)
def test_bad_rows_are_refused_by_column_and_row(row: tuple[str, str, str, float | None], msg: str) -> None:
    with pytest.raises(InvalidValueError, match=msg):
        disability_events(_table(*WORSENING, row))


def test_settings_must_be_cdw_settings() -> None:
    with pytest.raises(InvalidValueError, match="settings: expected CdwSettings, not dict"):
        disability_events(_table(*WORSENING), {})  # type: ignore[arg-type]


def test_a_coarse_relapse_of_the_relapses_table_is_refused_by_its_row() -> None:
    relapses = pa.table(
        {
            "patient_id": ["A", "A"],
            "date_earliest": ["2019-01-01", "2020-03-01"],
            "date_latest": ["2019-01-01", "2020-03-31"],
        }
    )
    with pytest.raises(
        InvalidDateError, match=r"relapse \(relapses table\) date '2020-03' is not a day at row\(s\) 3"
    ):
        disability_events(_table(*WORSENING), relapses=relapses)


def test_a_change_from_a_baseline_many_readings_back_is_found() -> None:
    """Readings further apart than the screen for stable patients compares are scanned anyway."""
    start = dt.date(2020, 1, 1)
    scores = [2.0] + [2.5] * 16 + [3.0, 3.0]
    readings = [
        EdssAssessment(PartialDate.from_date(start + dt.timedelta(days=90 * i)), v)
        for i, v in enumerate(scores)
    ]
    cohort = [Patient(id="A", edss_assessments=readings)]
    expected, actual = _both(cohort, CdwSettings())
    assert (1, expected) == (len(actual), actual)


# -- annualised relapse rates per episode -----------------------------------------------------


def _rates_both(cohort: list[Patient], *, skip: bool) -> tuple[Any, Any]:
    """Each path's rates, or the class of the error it refused the cohort with."""
    try:
        expected: Any = [
            (r.patient, r.episode, r.relapses, r.exposure_days, r.rate)
            for p in cohort
            for r in episode_relapse_rates(p, skip_unknown_stop=skip)
        ]
    except TimelineError as error:
        expected = type(error)
    try:
        found = batch_relapse_rates(
            episodes_table(cohort).to_arrow(),
            events_table(cohort, kinds=["relapse"]).to_arrow(),
            follow_up=follow_up_table(cohort).to_arrow(),
            skip_unknown_stop=skip,
        )
        actual: Any = [
            (
                r["patient_id"],
                r["episode"],
                (r["relapses_low"], r["relapses_high"]),
                (r["exposure_days_low"], r["exposure_days_high"]),
                (r["rate_low"], r["rate_high"]),
            )
            for r in found.to_pylist()
        ]
    except TimelineError as error:
        actual = type(error)
    return expected, actual


@settings(deadline=None)
@given(cohorts(max_size=5), st.booleans())
def test_relapse_rates_are_the_object_paths_on_any_cohort(cohort: Any, skip: bool) -> None:
    expected, actual = _rates_both(list(cohort), skip=skip)
    assert expected == actual


@st.composite
def relapsing_patients(draw: st.DrawFn, pid: str) -> Patient:
    """Patients with therapy episodes and relapses dated around them, at any precision."""
    patient = draw(patients(min_episodes=1, max_episodes=3, ids=st.just(pid), min_value=START, max_value=END))
    onsets = draw(st.lists(relapses(min_value=START, max_value=END), max_size=6))
    follow_up = patient.last_follow_up
    kept = [r for r in onsets if follow_up is None or r.onset.first_day <= follow_up.last_day]
    return attrs.evolve(patient, relapses=kept, birth_date=None)  # no relapse before birth


@settings(deadline=None)
@given(
    st.lists(st.integers(0, 9), max_size=4, unique=True).flatmap(
        lambda ids: st.tuples(*(relapsing_patients(f"P{i}") for i in ids))
    )
)
def test_relapse_rates_are_the_object_paths_with_relapses_around_the_episodes(
    cohort: tuple[Patient, ...],
) -> None:
    expected, actual = _rates_both(list(cohort), skip=True)
    assert expected == actual


def test_relapse_rates_refuse_an_episode_with_no_end_by_patient_episode_and_row() -> None:
    episodes = pa.table(
        {
            "patient_id": ["A", "A"],
            "therapy": ["fingolimod", "natalizumab"],
            "start_earliest": ["2018-01-01", "2020-01-01"],
            "start_latest": ["2018-01-01", "2020-01-01"],
            "stop_state": ["date", "ongoing"],
            "stop_earliest": ["2019-12-31", None],
            "stop_latest": ["2019-12-31", None],
        }
    )
    relapses = pa.table({"patient_id": ["A"], "date_earliest": ["2019-06-01"], "date_latest": ["2019-06-01"]})
    with pytest.raises(
        TimelineError, match=r"patient 'A': episodes\[1\] stop is ongoing with no last_follow_up"
    ):
        batch_relapse_rates(episodes, relapses)
    found = batch_relapse_rates(episodes, relapses, skip_unknown_stop=True)
    assert [("A", 0, 1, 730)] == [
        (r["patient_id"], r["episode"], r["relapses_low"], r["exposure_days_low"]) for r in found.to_pylist()
    ]
