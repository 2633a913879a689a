"""Pathway counts against DuckDB SQL, and pathways and persistence on Dask with 1 then 2 workers.

    .venv/bin/python benchmarks/pathways.py                       # 1M patients (~4.85M exposure rows)
    .venv/bin/python benchmarks/pathways.py --patients 100000 --repeats 3

The data are :func:`dmt_timeline.synthetic.synthetic_exposures` (seed 2024) made into eras by
:func:`dmt_timeline.batch.exposure_transitions` and written as a tidy episodes table by
:func:`dmt_timeline.batch.eras_as_episodes` (day-precise dates, every era stopped). Not timed:
both sides start from the same eras as an Arrow table in memory. One run measures:

(a) :func:`dmt_timeline.analyses.pathways.pathway_counts` (every step kept, no era dropped,
    collapsed or combined, no cell suppressed) against DuckDB SQL on the same table: an
    ordered ``string_agg`` of each patient's eras (by start, stop, name), then counts per
    pathway; the counts are checked equal; ratio of medians (target: at most 1.5x DuckDB, which
    runs on every core);
(b) unless ``--no-dask``: the table written as 8 Parquet files of whole patients, then
    :func:`dmt_timeline.analyses.dask_pathway_counts` and
    :func:`dmt_timeline.analyses.dask_persistence` on a ``LocalCluster`` of 1 then 2 worker
    processes (one thread each), results checked equal to one process; the speed-up reported.

Needs the ``tables`` extra, duckdb and ``dask[distributed]``. Results go to
``benchmarks/results/pathways.json``.
"""

# ruff: noqa: PLC0415 - each measurement imports what it measures

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGET = 1.5  # our pathway counts against DuckDB's, at most
SQL = """
WITH paths AS (
    SELECT patient_id, string_agg(therapy, ' > ' ORDER BY start_earliest, stop_earliest, therapy) AS pathway
    FROM eras GROUP BY patient_id
)
SELECT pathway, count(*) AS n FROM paths GROUP BY pathway
"""


def _eras(patients: int) -> Any:
    """The synthetic patients' eras as a tidy episodes table (Arrow)."""
    from dmt_timeline.batch import eras_as_episodes, exposure_transitions
    from dmt_timeline.synthetic import synthetic_exposures

    exposures = synthetic_exposures(patients, seed=2024, aliases=False)
    print(f"{exposures.num_rows} exposure rows of {patients} patients", flush=True)
    return eras_as_episodes(exposure_transitions(exposures).episodes)


def _settings(longest: int) -> Any:
    from dmt_timeline.analyses.pathways import PathwaySettings

    # What the SQL computes: every era a step in start order, none dropped, collapsed or combined.
    return PathwaySettings(
        era_collapse_days=0,
        combination_window_days=1_000_000,
        filter_treatments="all",
        max_path_length=longest,
        min_cell_count=1,
    )


def _timed(function: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = function()
    return time.perf_counter() - began, result


def _side_by_side(ours: Callable[[], Any], theirs: Callable[[], Any], repeats: int) -> tuple[float, float]:
    mine, other = [], []
    for _ in range(repeats):  # alternating, so that a noisy shared machine slows both alike
        mine.append(_timed(ours)[0])
        other.append(_timed(theirs)[0])
    return statistics.median(mine), statistics.median(other)


def bench_counts(eras: Any, repeats: int) -> dict[str, Any]:
    import duckdb

    from dmt_timeline.analyses.pathways import pathway_counts

    con = duckdb.connect()
    con.register("eras", eras)
    most = con.execute("SELECT max(c) FROM (SELECT count(*) c FROM eras GROUP BY patient_id)").fetchone()
    longest = max(1, int(most[0])) if most else 1
    chosen = _settings(longest)

    def ours() -> dict[str, int]:
        return {row[1]: row[2] for row in pathway_counts(eras, chosen).counts.rows}

    def theirs() -> dict[str, int]:
        return dict(con.execute(SQL).fetchall())

    equal = ours() == theirs()
    mine, other = _side_by_side(ours, theirs, repeats)
    return {
        "eras": eras.num_rows,
        "pathways": len(theirs()),
        "counts_equal": equal,
        "dmt_timeline_s": round(mine, 3),
        "duckdb_s": round(other, 3),
        "duckdb_threads": int(con.execute("SELECT current_setting('threads')").fetchone()[0]),  # type: ignore[index]
        "ratio": round(mine / other, 2),
        "target": TARGET,
    }


def bench_dask(eras: Any, repeats: int) -> dict[str, Any]:
    from distributed import Client, LocalCluster

    from dmt_timeline.analyses import dask_pathway_counts, dask_persistence, persistence
    from dmt_timeline.analyses.pathways import PathwaySettings, pathway_counts
    from dmt_timeline.batch import partition_by_patient

    chosen = PathwaySettings(min_cell_count=5)  # TreatmentPatterns' defaults: the general rules too
    found: dict[str, Any] = {"partitions": 8, "pathway_settings": "defaults (first, length 5, cells >= 5)"}
    single_paths_s, single_paths = _timed(lambda: pathway_counts(eras, chosen))
    single_courses_s, single_courses = _timed(lambda: persistence(eras))
    found["one_process_s"] = {"pathways": round(single_paths_s, 3), "persistence": round(single_courses_s, 3)}
    with tempfile.TemporaryDirectory() as folder:
        partition_by_patient(eras, folder, partitions=8, person_id="patient_id")
        for workers in (1, 2):
            cluster = LocalCluster(  # type: ignore[no-untyped-call]  # distributed is not fully typed
                n_workers=workers, threads_per_worker=1, dashboard_address=":0"
            )
            with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
                paths = dask_pathway_counts(folder, chosen, client=client)  # also warms the workers
                courses = dask_persistence(folder, client=client)
                found["identical"] = found.get("identical", True) and (
                    paths == single_paths and courses == single_courses
                )
                times = {
                    "pathways": statistics.median(
                        _timed(lambda: dask_pathway_counts(folder, chosen, client=client))[0]
                        for _ in range(repeats)
                    ),
                    "persistence": statistics.median(
                        _timed(lambda: dask_persistence(folder, client=client))[0] for _ in range(repeats)
                    ),
                }
            found[f"workers_{workers}_s"] = {k: round(v, 3) for k, v in times.items()}
    one, two = found["workers_1_s"], found["workers_2_s"]
    found["speed_up"] = {k: round(one[k] / two[k], 2) for k in one}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-dask", action="store_true", help="skip the 1 -> 2 worker measure")
    args = parser.parse_args()
    eras = _eras(args.patients)
    results: dict[str, Any] = {
        "patients": args.patients,
        "repeats": args.repeats,
        "python": platform.python_version(),
        "counts_vs_duckdb": bench_counts(eras, args.repeats),
    }
    print(json.dumps(results["counts_vs_duckdb"], indent=2), flush=True)
    if not args.no_dask:
        results["dask"] = bench_dask(eras, args.repeats)
        print(json.dumps(results["dask"], indent=2), flush=True)
    out = HERE / "results" / "pathways.json"
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
