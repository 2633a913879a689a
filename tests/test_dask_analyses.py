"""The episode functions and the analyses on Dask give the one-process tables, whole."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmt_timeline.analyses import dask_pathway_counts, dask_persistence, persistence
from dmt_timeline.analyses.pathways import PathwaySettings, pathway_counts
from dmt_timeline.batch import (
    dask_episode_latencies,
    dask_episode_transfers,
    dask_episode_transitions,
    episode_latencies,
    episode_transfers,
    episode_transitions,
    partition_by_patient,
)
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.errors import InvalidValueError, StatsInputError, TimelineError
from dmt_timeline.io.tables import diagnoses_table, episodes_table, follow_up_table, observations_table
from dmt_timeline.strategies import cohorts
from dmt_timeline.synthetic import synthetic_cohort

pa = pytest.importorskip("pyarrow")
distributed = pytest.importorskip("distributed")

SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0"
    )
    with cluster, distributed.Client(cluster) as connected:
        yield connected


@pytest.fixture(scope="module")
def cohort() -> Any:
    return synthetic_cohort(300, seed=11)


@pytest.fixture(scope="module")
def episodes(cohort: Any) -> Any:
    return episodes_table(cohort).to_arrow()


def _parts(table: Any, folder: Path, partitions: int = 3) -> Path:
    partition_by_patient(table, folder, partitions=partitions, person_id="patient_id", replace=True)
    return folder


def _rows(table: Any) -> list[dict[str, Any]]:
    return list(table.to_pylist())


# -- the batch engine's episode functions ------------------------------------------------------


def test_transitions_on_dask_are_the_single_process_table(client: Any, episodes: Any, tmp_path: Path) -> None:
    scaled = dask_episode_transitions(_parts(episodes, tmp_path), client=client)
    single = episode_transitions(episodes)
    assert single.num_rows > 300
    assert _rows(single) == _rows(scaled)
    assert single.schema == scaled.schema


def test_transfers_on_dask_are_the_single_process_table(client: Any, episodes: Any, tmp_path: Path) -> None:
    folder = _parts(episodes, tmp_path)
    for initiation in ("first", "each"):
        single = episode_transfers(episodes, "interferon beta-1a", "natalizumab", initiation=initiation)
        scaled = dask_episode_transfers(
            folder, "interferon beta-1a", "natalizumab", client=client, initiation=initiation
        )
        assert single.num_rows > 0
        assert _rows(single) == _rows(scaled)


def test_latencies_on_dask_are_the_single_process_table(client: Any, tmp_path: Path) -> None:
    bundled = load_natalizumab_psoriasis()
    episodes = episodes_table(bundled).to_arrow()
    tables = {
        "follow_up": follow_up_table(bundled).to_arrow(),
        "diagnoses": diagnoses_table(bundled).to_arrow(),
    }
    observations = observations_table(bundled).to_arrow()
    single = episode_latencies(episodes, observations, index="natalizumab", **tables)
    scaled = dask_episode_latencies(
        _parts(episodes, tmp_path, 4), observations, client=client, index="natalizumab", **tables
    )
    assert single.num_rows > 0
    assert _rows(single) == _rows(scaled)


def test_an_observation_of_a_patient_in_no_file_is_named_by_its_row(client: Any, tmp_path: Path) -> None:
    bundled = load_natalizumab_psoriasis()
    episodes = episodes_table(bundled).to_arrow()
    observations = observations_table(bundled).to_arrow()
    stranger = observations.slice(0, 1).set_column(0, "patient_id", pa.array(["nobody"]))
    observations = pa.concat_tables([observations, stranger])
    with pytest.raises(InvalidValueError) as single:
        episode_latencies(
            episodes, observations, index="natalizumab", follow_up=follow_up_table(bundled).to_arrow()
        )
    with pytest.raises(InvalidValueError) as scaled:
        dask_episode_latencies(
            _parts(episodes, tmp_path),
            observations,
            client=client,
            index="natalizumab",
            follow_up=follow_up_table(bundled).to_arrow(),
        )
    assert str(single.value) == str(scaled.value)
    # The stranger is the last row; the header is row 1.
    assert f"row(s) {observations.num_rows + 1}" in str(scaled.value)


def test_a_history_refused_is_refused_naming_the_file(client: Any, episodes: Any, tmp_path: Path) -> None:
    first = episodes.slice(0, 1).to_pylist()[0]
    overlapping = {**first, "therapy": "natalizumab" if first["therapy"] != "natalizumab" else "fingolimod"}
    broken = pa.concat_tables([episodes, pa.Table.from_pylist([overlapping], schema=episodes.schema)])
    with pytest.raises(TimelineError) as single:
        episode_transitions(broken)
    with pytest.raises(TimelineError, match=r"^'part-0000\.parquet': ") as scaled:
        dask_episode_transitions(_parts(broken, tmp_path), client=client)
    assert str(single.value) in str(scaled.value)


# -- the analyses -------------------------------------------------------------------------------


def _same_counts(a: Any, b: Any) -> None:
    assert a.settings == b.settings
    assert a.counts.rows == b.counts.rows
    assert a.attrition.rows == b.attrition.rows


@pytest.mark.parametrize("censor", ["minCellCount", "remove", "mean"])
def test_pathway_counts_on_dask_are_the_single_process_counts(
    client: Any, episodes: Any, tmp_path: Path, censor: str
) -> None:
    chosen = PathwaySettings(min_cell_count=3, censor=censor)  # type: ignore[arg-type]
    single = pathway_counts(episodes, chosen)
    scaled = dask_pathway_counts(_parts(episodes, tmp_path, 4), chosen, client=client)
    with_pathway = single.attrition.rows[-1][3]
    shown = sum(row[2] for row in single.counts.rows if row[2] is not None and not row[4])
    assert shown < with_pathway  # some cells are suppressed
    _same_counts(single, scaled)


def test_suppression_follows_the_sum_not_the_parts(client: Any, tmp_path: Path) -> None:
    # One pathway, two patients in each of three files: 2 < 5 in every file, 6 >= 5 in all.
    base = synthetic_cohort(1, seed=3)
    row = episodes_table(base).to_arrow().slice(0, 1).to_pylist()[0]
    rows = [{**row, "patient_id": f"P{i}"} for i in range(6)]
    table = pa.Table.from_pylist(rows)
    single = pathway_counts(table)
    scaled = dask_pathway_counts(_parts(table, tmp_path, 3), client=client)
    assert [(r[1], r[2]) for r in scaled.counts.rows] == [(row["therapy"], 6)]
    _same_counts(single, scaled)


def test_stratified_pathway_counts_on_dask(client: Any, episodes: Any, tmp_path: Path) -> None:
    by = {p: "odd" if int(p[-1]) % 2 else "even" for p in set(episodes["patient_id"].to_pylist())}
    chosen = PathwaySettings(level="class", filter_treatments="all", min_cell_count=2)
    _same_counts(
        pathway_counts(episodes, chosen, by=by),
        dask_pathway_counts(_parts(episodes, tmp_path), chosen, client=client, by=by),
    )


def test_a_row_pathways_cannot_read_is_named_with_its_file(
    client: Any, episodes: Any, tmp_path: Path
) -> None:
    broken = episodes.set_column(
        episodes.column_names.index("stop_state"), "stop_state", pa.array(["sometime"] * episodes.num_rows)
    )
    with pytest.raises(StatsInputError, match=r"^'part-0000\.parquet': row 1, patient "):
        dask_pathway_counts(_parts(broken, tmp_path), client=client)


def _same_persistence(a: Any, b: Any) -> None:
    assert a.course_table.equals(b.course_table)
    assert a == b  # every group's estimates, the settings, the undecidable gaps


@pytest.mark.parametrize(
    ("options"),
    [
        {"definition": "gap"},
        {"definition": "switch", "group_by": "therapy_class"},
        {"definition": "stop", "group_by": None, "as_of": dt.date(2015, 1, 1)},
    ],
)
def test_persistence_on_dask_is_the_single_process_persistence(
    client: Any, cohort: Any, episodes: Any, tmp_path: Path, options: dict[str, Any]
) -> None:
    follow_up = follow_up_table(cohort).to_arrow()
    single = persistence(episodes, follow_up=follow_up, **options)
    scaled = dask_persistence(_parts(episodes, tmp_path, 5), client=client, follow_up=follow_up, **options)
    assert single.course_table.num_rows > 300
    _same_persistence(single, scaled)


def test_persistence_bootstrap_on_dask_draws_as_one_process(
    client: Any, cohort: Any, episodes: Any, tmp_path: Path
) -> None:
    follow_up = follow_up_table(cohort).to_arrow()
    options = {"follow_up": follow_up, "n_bootstrap": 20, "random_state": 4, "group_by": None}
    single = persistence(episodes, **options)
    assert single.groups[""].turnbull is not None  # partial dates: the Turnbull estimate
    _same_persistence(single, dask_persistence(_parts(episodes, tmp_path), client=client, **options))


def test_a_data_cut_before_every_episode_is_refused(client: Any, episodes: Any, tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match=r"no episodes \(before the data cut\)"):
        dask_persistence(_parts(episodes, tmp_path), client=client, as_of=dt.date(1971, 1, 1))


@SLOW
@given(cohort=cohorts(max_size=8), partitions=st.integers(1, 4))
def test_any_cohort_in_any_partitions_gives_the_single_process_answers(
    client: Any, tmp_path_factory: Any, cohort: Any, partitions: int
) -> None:
    episodes = episodes_table(cohort).to_arrow()
    if episodes.num_rows == 0:
        return
    folder = _parts(episodes, tmp_path_factory.mktemp("parts"), partitions)
    assert _rows(episode_transitions(episodes)) == _rows(dask_episode_transitions(folder, client=client))
    chosen = PathwaySettings(min_cell_count=1, filter_treatments="all")
    _same_counts(pathway_counts(episodes, chosen), dask_pathway_counts(folder, chosen, client=client))
    cut = dt.date(2030, 1, 1)
    try:
        single = persistence(episodes, as_of=cut)
    except InvalidValueError as exc:  # nothing before the cut, or an ongoing course unbounded
        problem = str(exc)
    else:
        _same_persistence(single, dask_persistence(folder, client=client, as_of=cut))
        return
    with pytest.raises(InvalidValueError) as scaled:
        dask_persistence(folder, client=client, as_of=cut)
    assert problem in str(scaled.value)


def test_a_parquet_file_gives_the_answer_of_its_table(episodes: Any, tmp_path: Path) -> None:
    # The tie-breaking columns (sequence, reasons, edss) are read from a file too.
    import pyarrow.parquet as pq  # noqa: PLC0415

    pq.write_table(episodes, tmp_path / "episodes.parquet")
    assert _rows(episode_transitions(episodes)) == _rows(episode_transitions(tmp_path / "episodes.parquet"))


# -- the vectorised pathways -------------------------------------------------------------------

_DAY0 = dt.date(2010, 1, 1)


@st.composite
def _episode_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Episodes of a few patients: mostly day-precise, some ranges, ties, overlaps and open stops."""
    rows = []
    for patient in range(draw(st.integers(0, 6))):
        for _ in range(draw(st.integers(1, 5))):
            start = draw(st.sampled_from([100, 250]) | st.integers(0, 400))  # ties too
            spread = draw(st.sampled_from([0, 0, 0, 0, 20]))
            state = draw(st.sampled_from(["date", "date", "date", "ongoing", "not recorded"]))
            stop = start + draw(st.integers(0, 200))
            stop_spread = draw(st.sampled_from([0, 0, 30]))
            therapy = draw(st.sampled_from(["natalizumab", "fingolimod", "ocrelizumab"]))
            rows.append(
                {
                    "patient_id": f"P{patient}",
                    "therapy": therapy,
                    "therapy_class": CLASSES[therapy],
                    "start_earliest": _DAY0 + dt.timedelta(start),
                    "start_latest": _DAY0 + dt.timedelta(start + spread),
                    "stop_state": state,
                    "stop_earliest": _DAY0 + dt.timedelta(stop + spread) if state == "date" else None,
                    "stop_latest": _DAY0 + dt.timedelta(stop + spread + stop_spread)
                    if state == "date"
                    else None,
                }
            )
    draw(st.randoms()).shuffle(rows)
    return rows


CLASSES = {"natalizumab": "anti-integrin", "fingolimod": "S1P", "ocrelizumab": "anti-CD20"}

_SETTINGS = st.builds(
    PathwaySettings,
    level=st.sampled_from(["ingredient", "class"]),
    min_era_days=st.sampled_from([0, 0, 30]),
    era_collapse_days=st.sampled_from([0, 30]),
    combination_window_days=st.sampled_from([1, 30, 10_000]),
    filter_treatments=st.sampled_from(["first", "changes", "all"]),
    max_path_length=st.integers(1, 6),
    min_cell_count=st.integers(1, 3),
)


def _table(rows: list[dict[str, Any]]) -> Any:
    schema = pa.schema(
        [("patient_id", pa.string()), ("therapy", pa.string()), ("therapy_class", pa.string())]
        + [(n, pa.date32()) for n in ("start_earliest", "start_latest")]
        + [("stop_state", pa.string())]
        + [(n, pa.date32()) for n in ("stop_earliest", "stop_latest")]
    )
    return pa.Table.from_pylist(rows, schema=schema)


@settings(max_examples=300, deadline=None)
@given(rows=_episode_rows(), chosen=_SETTINGS)
def test_the_vectorised_pathways_are_the_general_rules(rows: list[dict[str, Any]], chosen: Any) -> None:
    from dmt_timeline.analyses import pathways  # noqa: PLC0415

    table = _table(rows)
    general = pathways._tally(table, chosen, None, fast=False)
    assert pathways._tally(table, chosen, None) == general
    # Text as codes, as the batch engine writes ids and therapies.
    for name in ("patient_id", "therapy", "therapy_class"):
        at = table.column_names.index(name)
        table = table.set_column(at, name, pa.compute.dictionary_encode(table[name]))
    assert pathways._tally(table, chosen, None) == general
    assert pathway_counts(table, chosen) == pathways._counted(
        *pathways._tally(table, chosen, None, fast=False), chosen
    )


def test_patients_no_rule_changes_never_reach_the_general_rules() -> None:
    from dmt_timeline.analyses._fast_pathways import fast_tally  # noqa: PLC0415

    rows = [
        {
            "patient_id": f"P{p}",
            "therapy": therapy,
            "therapy_class": CLASSES[therapy],
            "start_earliest": _DAY0 + dt.timedelta(400 * k + p),
            "start_latest": _DAY0 + dt.timedelta(400 * k + p),
            "stop_state": "date",
            "stop_earliest": _DAY0 + dt.timedelta(400 * k + p + 300),
            "stop_latest": _DAY0 + dt.timedelta(400 * k + p + 300),
        }
        for p in range(4)
        for k, therapy in enumerate(["fingolimod", "natalizumab", "fingolimod"][: p + 1])
    ]

    def general(_: Any) -> Any:
        raise AssertionError("a patient went to the general rules")

    found = fast_tally(_table(rows), PathwaySettings(filter_treatments="all"), general)
    assert found is not None
    assert found[0] == {
        (None, "fingolimod"): 1,
        (None, "fingolimod > natalizumab"): 1,
        (None, "fingolimod > natalizumab > fingolimod"): 2,
    }


@given(
    n_codes=st.integers(1, 40),
    rows=st.lists(st.lists(st.integers(0, 39), min_size=1, max_size=20), min_size=1, max_size=30),
)
def test_distinct_rows_as_numbers_are_numpys_distinct_rows(n_codes: int, rows: list[list[int]]) -> None:
    import numpy as np  # noqa: PLC0415

    from dmt_timeline.analyses._fast_pathways import _distinct_rows  # noqa: PLC0415

    width = max(map(len, rows))
    matrix = np.array([[v % n_codes for v in row] + [-1] * (width - len(row)) for row in rows])
    found, counts = _distinct_rows(np, matrix, n_codes)
    expected, expected_counts = np.unique(matrix, axis=0, return_counts=True)
    assert found.tolist() == expected.tolist()
    assert counts.tolist() == expected_counts.tolist()
