"""Tests for the batch engine: vectorised rules agree with the scalar ones, and whole tables
agree with the object model patient by patient."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmt_timeline.batch import (
    KINDS,
    classify_arrays,
    dask_exposure_transitions,
    episode_transfers,
    episode_transitions,
    eras_as_episodes,
    exposure_transitions,
    partition_by_patient,
    whole_months_array,
)
from dmt_timeline.catalogue import CATALOGUE, TherapyClass
from dmt_timeline.dates import PartialDate, whole_months
from dmt_timeline.errors import InvalidValueError, TimelineError, UnknownTherapyError
from dmt_timeline.io.exposures import Exposure, build_episodes
from dmt_timeline.io.tables import TRANSFER_COLUMNS, episodes_table, transfers_table
from dmt_timeline.model import Cohort, TherapyEpisode, parse_reasons
from dmt_timeline.strategies import cohorts, patients
from dmt_timeline.synthetic import synthetic_cohort, synthetic_exposures
from dmt_timeline.timeline import Timeline, _classify

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")
pacsv = pytest.importorskip("pyarrow.csv")
pq = pytest.importorskip("pyarrow.parquet")

EPOCH = dt.date(1970, 1, 1).toordinal()
DAYS = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
TRANSITION_COLUMNS = ["patient_id", "position", "before_therapy", "after_therapy", "kind", "change"]


def _days(dates: list[dt.date]) -> Any:
    return np.array([d.toordinal() - EPOCH for d in dates], dtype=np.int64)


def _object_transitions(cohort: Cohort, *, checked: bool = True) -> list[tuple[Any, ...]]:
    rows = []
    for patient in cohort:
        timeline = Timeline.of(patient) if checked else Timeline.from_episodes(patient.episodes)
        for i, t in enumerate(timeline.transitions(), 1):
            gap = (None, None) if t.gap is None else (t.gap.low, t.gap.high)
            rows.append(
                (
                    patient.id,
                    i,
                    t.before.therapy.name,
                    t.after.therapy.name,
                    t.kind.value,
                    t.change.value,
                    *gap,
                    None if t.effect_window is None else t.effect_window.value,
                    None if t.washout is None else t.washout.value,
                )
            )
    return sorted(rows)


def _batch_rows(table: Any) -> list[tuple[Any, ...]]:
    return sorted(
        tuple(row.values())
        for row in table.select(
            [*TRANSITION_COLUMNS, "gap_low", "gap_high", "effect_window", "washout"]
        ).to_pylist()
    )


def _exposures_of(table: Any) -> list[Exposure]:
    return [
        Exposure(r["person_id"], r["drug"], r["start"], r["end"], parse_reasons(r["reason"] or ""), i)
        for i, r in enumerate(table.to_pylist(), 1)
    ]


def _stop_day(episode: TherapyEpisode) -> dt.date:
    assert isinstance(episode.stop, PartialDate)  # eras always stop on a day
    return episode.stop.first_day


def _object_eras(table: Any) -> list[tuple[Any, ...]]:
    build = build_episodes(_exposures_of(table))
    return [
        (p.id, line, e.therapy.name, e.start.first_day, _stop_day(e), ";".join(r.value for r in e.reasons))
        for p in build.cohort
        for line, e in enumerate(p.episodes, 1)
    ]


# -- the vectorised rules ----------------------------------------------------------------------


@given(st.lists(st.tuples(DAYS, DAYS), min_size=1, max_size=50))
def test_whole_months_array_agrees_with_whole_months(pairs: list[tuple[dt.date, dt.date]]) -> None:
    expected = [whole_months(a, b) for a, b in pairs]
    actual = whole_months_array(_days([a for a, _ in pairs]), _days([b for _, b in pairs]))
    assert expected == actual.tolist()


def test_whole_months_array_counts_to_the_unbounded_stop() -> None:
    actual = whole_months_array(_days([dt.date(2000, 1, 31)]), _days([dt.date.max]))
    assert [whole_months(dt.date(2000, 1, 31), dt.date.max)] == actual.tolist()


@st.composite
def _readings(draw: st.DrawFn) -> tuple[dt.date, dt.date, dt.date, dt.date, bool]:
    stop_lo, stop_hi = sorted((draw(DAYS), draw(DAYS)))
    start_lo, start_hi = sorted((draw(DAYS), draw(DAYS)))
    bounded = draw(st.booleans()) and stop_lo <= start_hi
    return stop_lo, stop_hi, start_lo, start_hi, bounded


@given(st.lists(_readings(), min_size=1, max_size=30), st.integers(0, 24))
def test_classify_arrays_agrees_with_the_timeline(
    cases: list[tuple[dt.date, dt.date, dt.date, dt.date, bool]], grace: int
) -> None:
    expected = []
    for stop_lo, stop_hi, start_lo, start_hi, bounded in cases:
        gap, kind, _ = _classify(stop_lo, stop_hi, start_lo, start_hi, grace=grace, bounded=bounded)
        expected.append((gap.low, gap.high, kind))
    low, high, codes = classify_arrays(
        _days([c[0] for c in cases]),
        _days([c[1] for c in cases]),
        _days([c[2] for c in cases]),
        _days([c[3] for c in cases]),
        np.array([c[4] for c in cases]),
        grace=grace,
    )
    actual = [
        (lo, hi, KINDS[k]) for lo, hi, k in zip(low.tolist(), high.tolist(), codes.tolist(), strict=True)
    ]
    assert expected == actual


# -- episodes with partial dates ----------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(cohorts(patients(max_episodes=5), max_size=6))
def test_episode_transitions_agree_with_the_object_model(cohort: Cohort) -> None:
    table = episodes_table(cohort).to_arrow()
    assert _object_transitions(cohort) == _batch_rows(episode_transitions(table, partition_size=2))


def test_episode_transitions_agree_on_a_synthetic_cohort_with_partial_dates() -> None:
    cohort = synthetic_cohort(1500, seed=9)
    table = episodes_table(cohort).to_arrow()
    assert _object_transitions(cohort) == _batch_rows(episode_transitions(table, partition_size=400))


def test_an_episodes_table_read_from_csv_gives_what_the_table_gives(tmp_path: Path) -> None:
    # CSV is read as text: the whole-number and number columns are parsed, strictly.
    cohort = synthetic_cohort(200, seed=9)
    path = tmp_path / "episodes.csv"
    episodes_table(cohort).to_csv(path)
    assert _object_transitions(cohort) == _batch_rows(episode_transitions(path))


def test_a_sequence_that_is_not_a_whole_number_is_refused_by_column() -> None:
    table = episodes_table(synthetic_cohort(5, seed=1)).to_arrow()
    broken = table.set_column(
        table.schema.get_field_index("sequence"), "sequence", pa.array(["1.5"] * table.num_rows)
    )
    with pytest.raises(InvalidValueError, match="column sequence: not a whole number"):
        episode_transitions(broken)


def test_episode_transitions_include_indeterminate_ones() -> None:
    table = episodes_table(synthetic_cohort(300, seed=9)).to_arrow()
    assert "indeterminate" in set(episode_transitions(table)["kind"].to_pylist())


def test_episode_bounds_that_are_no_partial_date_are_refused() -> None:
    table = episodes_table(synthetic_cohort(5, seed=1)).to_arrow()
    latest = pa.array([dt.date(2000, 3, 2)] * table.num_rows, pa.date32())
    earliest = pa.array([dt.date(2000, 1, 2)] * table.num_rows, pa.date32())
    broken = table.set_column(table.schema.get_field_index("start_earliest"), "start_earliest", earliest)
    broken = broken.set_column(broken.schema.get_field_index("start_latest"), "start_latest", latest)
    with pytest.raises(InvalidValueError, match="start_earliest/start_latest"):
        episode_transitions(broken)


def test_a_stop_that_is_no_partial_date_is_named_by_its_row_in_the_table() -> None:
    rows = episodes_table(synthetic_cohort(20, seed=1)).to_arrow().to_pylist()
    dated = [i for i, row in enumerate(rows) if row["stop_state"] == "date"]
    assert dated[-1] > len(dated) - 1  # some rows before it are not dated, so the numbers differ
    rows[dated[-1]]["stop_latest"] = rows[dated[-1]]["stop_earliest"] + dt.timedelta(days=40)
    with pytest.raises(
        InvalidValueError, match=rf"stop_earliest/stop_latest: .* at row\(s\) {dated[-1] + 2}$"
    ):
        episode_transitions(pa.Table.from_pylist(rows))


def test_histories_that_overlap_too_long_are_refused() -> None:
    rows = {
        "patient_id": ["P1", "P1"],
        "therapy": ["fingolimod", "natalizumab"],
        "start_earliest": [dt.date(2010, 1, 1), dt.date(2011, 1, 1)],
        "start_latest": [dt.date(2010, 1, 1), dt.date(2011, 1, 1)],
        "stop_state": ["date", "ongoing"],
        "stop_earliest": [dt.date(2013, 1, 1), None],
        "stop_latest": [dt.date(2013, 1, 1), None],
    }
    with pytest.raises(TimelineError, match="patient 'P1'"):
        episode_transitions(pa.table(rows))


@pytest.mark.parametrize(("grace", "problem"), [(-1, "is negative"), (True, "is not a whole number")])
def test_both_engines_refuse_a_grace_period_the_timeline_refuses(grace: Any, problem: str) -> None:
    cohort = synthetic_cohort(5, seed=1)
    table = episodes_table(cohort).to_arrow()
    exposures = synthetic_exposures(5, seed=1)
    for run in (
        lambda: episode_transitions(table, grace_months=grace),
        lambda: exposure_transitions(exposures, grace_months=grace),
        lambda: Timeline.of(cohort.patients[0]).transitions(grace_months=grace),
    ):
        with pytest.raises(TimelineError, match=f"grace_months {grace} {problem}"):
            run()


# -- transfers -----------------------------------------------------------------------------------

SELECTORS = st.sampled_from([therapy.name for therapy in CATALOGUE]) | st.sampled_from(list(TherapyClass))
INITIATIONS = st.sampled_from(["first", "last", "each"])


def _by_patient(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows grouped by patient, each patient's in the order given (the timeline's)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["patient_id"], []).append(row)
    return grouped


def _object_transfers(cohort: Cohort, source: Any, target: Any, initiation: Any) -> list[dict[str, Any]]:
    table = transfers_table(cohort, source, target, initiation=initiation)
    return [dict(zip([c.name for c in TRANSFER_COLUMNS], row, strict=True)) for row in table.rows]


@settings(max_examples=80, deadline=None)
@given(cohorts(patients(max_episodes=5), max_size=6), SELECTORS, SELECTORS, INITIATIONS)
def test_episode_transfers_agree_with_the_object_model(
    cohort: Cohort, source: Any, target: Any, initiation: Any
) -> None:
    table = episodes_table(cohort).to_arrow()
    found = episode_transfers(table, source, target, initiation=initiation, partition_size=2)
    assert _by_patient(_object_transfers(cohort, source, target, initiation)) == _by_patient(
        found.to_pylist()
    )


def test_episode_transfers_agree_on_a_synthetic_cohort() -> None:
    cohort = synthetic_cohort(1500, seed=9)
    table = episodes_table(cohort).to_arrow()
    pairs: list[tuple[TherapyClass | str, str]] = [
        (TherapyClass.INTERFERON_BETA, "natalizumab"),
        ("glatiramer acetate", "ocrelizumab"),
    ]
    for source, target in pairs:
        for initiation in ("first", "last", "each"):
            expected = _object_transfers(cohort, source, target, initiation)
            found = episode_transfers(table, source, target, initiation=initiation, partition_size=400)
            assert expected  # the comparison has something to compare
            assert _by_patient(expected) == _by_patient(found.to_pylist())


def test_episode_transfers_have_the_columns_of_the_transfers_table() -> None:
    table = episodes_table(synthetic_cohort(50, seed=2)).to_arrow()
    found = episode_transfers(table, "interferon beta-1a", "natalizumab", output="pandas")
    assert [c.name for c in TRANSFER_COLUMNS] == list(found.columns)


def test_episode_transfers_of_an_empty_table_have_the_columns_and_no_row() -> None:
    table = episodes_table(synthetic_cohort(50, seed=2)).to_arrow().slice(0, 0)
    found = episode_transfers(table, "interferon beta-1a", "natalizumab")
    assert ([c.name for c in TRANSFER_COLUMNS], 0) == (found.column_names, found.num_rows)


def test_episode_transfers_refuse_an_unknown_initiation() -> None:
    table = episodes_table(synthetic_cohort(5, seed=2)).to_arrow()
    with pytest.raises(TimelineError, match="initiation 'second' is not one of"):
        episode_transfers(table, "interferon beta-1a", "natalizumab", initiation="second")  # type: ignore[arg-type]


# -- exposure tables ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exposures() -> Any:
    return synthetic_exposures(400, seed=21)


def test_eras_agree_with_build_episodes(exposures: Any) -> None:
    result = exposure_transitions(exposures)
    columns = ["patient_id", "line", "therapy", "start", "stop", "reasons"]
    actual = [tuple(r.values()) for r in result.episodes.select(columns).to_pylist()]
    assert _object_eras(exposures) == actual


def test_exposure_transitions_agree_with_the_object_model(exposures: Any) -> None:
    build = build_episodes(_exposures_of(exposures))
    expected = _object_transitions(build.cohort, checked=False)  # claims eras may overlap
    assert expected == _batch_rows(exposure_transitions(exposures).transitions)


def test_partitions_do_not_change_the_answer(exposures: Any) -> None:
    whole = exposure_transitions(exposures)
    parts = exposure_transitions(exposures, partition_size=7)
    assert whole.transitions.equals(parts.transitions)


@st.composite
def _small_tables(draw: st.DrawFn) -> Any:
    n = draw(st.integers(1, 25))
    base = dt.date(2015, 1, 1)
    starts = [base + dt.timedelta(days=draw(st.integers(0, 400))) for _ in range(n)]
    return pa.table(
        {
            "person_id": [draw(st.sampled_from(["A", "B", "C"])) for _ in range(n)],
            "drug": [draw(st.sampled_from(["DMF", "Tecfidera", "natalizumab", "OCR"])) for _ in range(n)],
            "start": starts,
            "end": [s + dt.timedelta(days=draw(st.integers(0, 40))) for s in starts],
            "reason": [draw(st.sampled_from(["", "LOE", "tlrb, Ps"])) for _ in range(n)],
        }
    )


@settings(max_examples=60, deadline=None)
@given(_small_tables())
def test_eras_agree_with_build_episodes_on_any_small_table(table: Any) -> None:
    columns = ["patient_id", "line", "therapy", "start", "stop", "reasons"]
    actual = [tuple(r.values()) for r in exposure_transitions(table).episodes.select(columns).to_pylist()]
    assert _object_eras(table) == actual


def test_eras_as_episodes_give_the_same_transitions(exposures: Any) -> None:
    result = exposure_transitions(exposures)
    # Eras are not checked for overlaps, so neither is the table made of them.
    again = episode_transitions(eras_as_episodes(result.episodes), max_overlap_months=None)
    assert _batch_rows(result.transitions) == _batch_rows(again)


def test_parquet_csv_and_pandas_give_the_same_answer(exposures: Any, tmp_path: Path) -> None:
    pq.write_table(exposures, tmp_path / "x.parquet")
    pacsv.write_csv(exposures, tmp_path / "x.csv")
    results = [
        exposure_transitions(source).transitions
        for source in (tmp_path / "x.parquet", tmp_path / "x.csv", exposures.to_pandas())
    ]
    assert [True, True] == [results[0].equals(r) for r in results[1:]]


def test_pandas_output_is_a_data_frame(exposures: Any) -> None:
    frame = exposure_transitions(exposures, output="pandas").transitions
    assert exposure_transitions(exposures).transitions.to_pandas().equals(frame)


def test_an_end_before_its_start_is_refused_with_its_row() -> None:
    table = pa.table(
        {"person_id": ["A"], "drug": ["DMF"], "start": [dt.date(2015, 2, 1)], "end": [dt.date(2015, 1, 1)]}
    )
    with pytest.raises(InvalidValueError, match=r"end before start at row\(s\) 2"):
        exposure_transitions(table)


def test_unknown_drugs_are_refused_with_their_counts() -> None:
    table = pa.table(
        {
            "person_id": ["A", "A"],
            "drug": ["aspirin", "aspirin"],
            "start": [dt.date(2015, 1, 1)] * 2,
            "end": [dt.date(2015, 1, 2)] * 2,
        }
    )
    with pytest.raises(UnknownTherapyError, match="'aspirin' x2"):
        exposure_transitions(table)


def test_unknown_drugs_can_be_skipped_and_reported() -> None:
    table = pa.table(
        {
            "person_id": ["A", "A"],
            "drug": ["aspirin", "DMF"],
            "start": [dt.date(2015, 1, 1)] * 2,
            "end": [dt.date(2015, 1, 2)] * 2,
        }
    )
    assert (("aspirin", 1),) == exposure_transitions(table, skip_unknown=True).unknown


def test_text_dates_that_are_not_whole_dates_are_refused() -> None:
    table = pa.table({"person_id": ["A"], "drug": ["DMF"], "start": ["2015-01"], "end": ["2015-02-01"]})
    with pytest.raises(InvalidValueError, match="column start: not a whole date"):
        exposure_transitions(table)


# -- scale-out -----------------------------------------------------------------------------------


def test_partitions_hold_whole_patients(exposures: Any, tmp_path: Path) -> None:
    paths = partition_by_patient(exposures, tmp_path, partitions=3)
    ids = [set(pq.read_table(p)["person_id"].to_pylist()) for p in paths]
    assert 0 == len((ids[0] & ids[1]) | (ids[1] & ids[2]) | (ids[0] & ids[2]))


def test_dask_gives_the_single_process_answer(exposures: Any, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    partition_by_patient(exposures, tmp_path, partitions=3)
    cluster = distributed.LocalCluster(
        processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0"
    )
    with cluster, distributed.Client(cluster) as client:
        scaled = dask_exposure_transitions(tmp_path, client=client)
    single = exposure_transitions(exposures)
    expected = (single.episodes.to_pylist(), single.transitions.to_pylist())
    assert expected == (scaled.episodes.to_pylist(), scaled.transitions.to_pylist())


def test_merging_files_that_interleave_ids_sorts_them(exposures: Any, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    ids = exposures["person_id"].to_pylist()
    odd = pa.array([int(i[1:]) % 2 == 1 for i in ids])
    pq.write_table(exposures.filter(odd), tmp_path / "odd.parquet")
    pq.write_table(exposures.filter(pa.compute.invert(odd)), tmp_path / "even.parquet")
    cluster = distributed.LocalCluster(
        processes=False, n_workers=1, threads_per_worker=1, dashboard_address=":0"
    )
    with cluster, distributed.Client(cluster) as client:
        scaled = dask_exposure_transitions(tmp_path, client=client)
    assert exposure_transitions(exposures).transitions.to_pylist() == scaled.transitions.to_pylist()
