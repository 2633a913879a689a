"""Benchmarks of dmt_timeline, side by side in one run: ratios of medians, and peak memory.

    .venv/bin/python benchmarks/run.py                  # the full sizes the targets are set at
    .venv/bin/python benchmarks/run.py --quick          # a smaller smoke run, targets not judged

(a) batch: a long exposure table in Parquet -> eras (30-day window) -> transitions, by
    :func:`dmt_timeline.batch.exposure_transitions` and by DuckDB SQL (the OMOP drug era
    gaps-and-islands definition and a window-function gap classification); results checked
    identical; ratio of median times (target <= 1.5).
(b) object path: cohort JSON -> validated objects -> all transitions and latencies, against
    ``orjson.loads`` of the same bytes (target <= 3); and validated construction against
    unvalidated ``object.__new__`` + ``setattr`` (reported, no target).
(c) memory, each in a fresh child process: resident bytes per loaded episode beyond the
    parsed JSON (target <= 300), and the batch engine's peak resident memory over the Arrow
    size of its input (target <= 2).

Timings are medians of ``--repeats`` runs, the sides alternating, so that a noisy shared
machine slows them alike. In (b) each side runs in fresh child processes of its own, so that
neither inherits the other's heap. Results go to ``benchmarks/results/latest.json``.
"""

# ruff: noqa: PLC0415 - each measurement imports what it measures, so children start light

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGETS = {
    "batch_vs_duckdb": 1.5,
    "objects_vs_orjson": 3.0,
    "bytes_per_episode": 300.0,
    "batch_peak_vs_arrow": 2.0,
}
FULL_ROWS = 5_000_000  # the sizes the targets are set at
FULL_PATIENTS = 100_000
ROWS_PER_PATIENT = 4.85  # what dmt_timeline.synthetic.synthetic_exposures gives on average


def _rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak() -> int:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def _without_gc(function: Callable[[], Any]) -> Any:
    enabled = gc.isenabled()
    gc.disable()
    try:
        return function()
    finally:
        if enabled:
            gc.enable()


def _side_by_side(
    a: Callable[[], Any], b: Callable[[], Any], repeats: int
) -> tuple[list[float], list[float]]:
    times_a: list[float] = []
    times_b: list[float] = []
    for i in range(repeats):
        pairs = [(a, times_a), (b, times_b)]
        for function, times in pairs if i % 2 == 0 else reversed(pairs):
            gc.collect()
            times.append(_timed(function)[0])
    return times_a, times_b


# -- (a) batch against DuckDB ----------------------------------------------------------------

ERAS_SQL = """
CREATE OR REPLACE TEMP TABLE eras AS
WITH x AS (
    SELECT e.person_id, m.therapy, m.win, e.start AS s, e."end" AS e
    FROM read_parquet($path) AS e JOIN drug_map AS m USING (drug)
), y AS (
    SELECT *, max(e) OVER (
        PARTITION BY person_id, therapy ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ) AS prev_end
    FROM x
), z AS (
    SELECT *, sum(CASE WHEN prev_end IS NULL OR s - prev_end > win THEN 1 ELSE 0 END) OVER (
        PARTITION BY person_id, therapy ORDER BY s, e ROWS UNBOUNDED PRECEDING
    ) AS era
    FROM y
)
SELECT person_id, therapy, min(s) AS s, max(e) AS e, count(*) AS exposures
FROM z GROUP BY person_id, therapy, era
"""

TRANSITIONS_SQL = """
WITH t AS (
    SELECT person_id, therapy, s, e, row_number() OVER w AS line,
           lead(therapy) OVER w AS next_therapy, lead(s) OVER w AS next_s
    FROM eras WINDOW w AS (PARTITION BY person_id ORDER BY s, therapy)
), g AS (
    SELECT *, CASE WHEN next_s >= e
        THEN (year(next_s) * 12 + month(next_s)) - (year(e) * 12 + month(e)) - (day(next_s) < day(e))::INT
        ELSE -((year(e) * 12 + month(e)) - (year(next_s) * 12 + month(next_s)) - (day(e) < day(next_s))::INT)
    END AS gap
    FROM t WHERE next_s IS NOT NULL
)
SELECT person_id AS patient_id, line AS position, therapy AS before_therapy, next_therapy AS after_therapy,
       CASE WHEN next_s < e THEN 'overlap' WHEN gap <= $grace THEN 'direct switch' ELSE 'lag gap' END AS kind,
       CASE WHEN therapy = next_therapy THEN 'restart' ELSE 'switch' END AS change,
       gap AS gap_low, gap AS gap_high
FROM g
"""


def _drug_map(con: Any) -> None:
    import pyarrow as pa

    from dmt_timeline.catalogue import CATALOGUE
    from dmt_timeline.eras import persistence_window
    from dmt_timeline.io.exposures import DEFAULT_PERSISTENCE_DAYS

    rows = [
        (name, t.name, persistence_window(t, DEFAULT_PERSISTENCE_DAYS, {}))
        for t in CATALOGUE
        for name in t.names
    ]
    table = pa.table({k: [r[i] for r in rows] for i, k in enumerate(("drug", "therapy", "win"))})
    con.register("drug_map_view", table)
    con.execute("CREATE OR REPLACE TABLE drug_map AS SELECT * FROM drug_map_view")


def _duckdb(con: Any, path: Path) -> tuple[Any, Any]:
    con.execute(ERAS_SQL.replace("$path", f"'{path}'"))
    transitions = con.sql(TRANSITIONS_SQL.replace("$grace", "3")).to_arrow_table()
    eras = con.sql("SELECT * FROM eras").to_arrow_table()
    return eras, transitions


def _sorted(table: Any, keys: list[str]) -> Any:
    return table.sort_by([(k, "ascending") for k in keys])


def _plain(table: Any) -> Any:
    """Dictionary-encoded text columns as plain text, for comparing with DuckDB's output."""
    import pyarrow as pa

    return pa.table(
        {
            name: column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column
            for name, column in zip(table.column_names, table.columns, strict=True)
        }
    )


def _same(batch: Any, duck: tuple[Any, Any]) -> bool:
    import pyarrow as pa
    import pyarrow.compute as pc

    eras, transitions = duck
    mine = _plain(batch.episodes.select(["patient_id", "therapy", "start", "stop", "exposures"]))
    theirs = eras.rename_columns(["patient_id", "therapy", "start", "stop", "exposures"]).cast(mine.schema)
    keys = ["patient_id", "start", "therapy"]
    columns = [
        "patient_id",
        "position",
        "before_therapy",
        "after_therapy",
        "kind",
        "change",
        "gap_low",
        "gap_high",
    ]
    a = _sorted(_plain(batch.transitions.select(columns)), ["patient_id", "position"])
    b = _sorted(transitions.select(columns).cast(a.schema), ["patient_id", "position"])
    same_eras = _sorted(mine, keys).equals(_sorted(theirs, keys))
    # The SQL knows no regimens: between two eras of an infusion or course therapy it says lag
    # gap or direct switch and restart, where the engine says a scheduled next dose or course.
    # Those rows are held equal on everything but kind and change; every other row on all.
    redosed = pa.array([_redosed(t) for t in a["after_therapy"].to_pylist()])
    regimen_row = pc.and_(pc.equal(a["before_therapy"], a["after_therapy"]), redosed)
    fixed = [c for c in columns if c not in ("kind", "change")]
    same_kinds = a.filter(pc.invert(regimen_row)).equals(b.filter(pc.invert(regimen_row)))
    same_rest = a.select(fixed).equals(b.select(fixed))
    return bool(
        same_eras and same_kinds and same_rest and pc.all(pc.is_valid(a["kind"])).as_py()
    ) and isinstance(a, pa.Table)


def _redosed(therapy: str) -> bool:
    """Whether a therapy is given as interval doses or courses (the regimen data say so)."""
    from dmt_timeline.regimens import REGIMENS, RegimenKind

    return REGIMENS.of(therapy).kind is not RegimenKind.CONTINUOUS


def bench_batch(rows: int, repeats: int, workdir: Path) -> dict[str, Any]:
    import duckdb
    import pyarrow.parquet as pq

    from dmt_timeline.batch import exposure_transitions
    from dmt_timeline.synthetic import synthetic_exposures

    patients = max(1, round(rows / ROWS_PER_PATIENT))
    path = workdir / f"exposures_{patients}.parquet"
    if not path.exists():
        # Row groups of 128k rows, as data lakes write them; both engines read the same file.
        pq.write_table(synthetic_exposures(patients, seed=2024, aliases=False), path, row_group_size=1 << 17)
    arrow_bytes = pq.read_table(path).nbytes
    con = duckdb.connect()
    _drug_map(con)
    identical = _same(exposure_transitions(path), _duckdb(con, path))
    mine, theirs = _side_by_side(lambda: exposure_transitions(path), lambda: _duckdb(con, path), repeats)
    peak = _child(["batch-memory", str(path)])
    return {
        "rows": pq.read_metadata(path).num_rows,
        "patients": patients,
        "duckdb_threads": con.sql("SELECT current_setting('threads')").fetchall()[0][0],
        "identical": identical,
        "batch_s": mine,
        "duckdb_s": theirs,
        "batch_median_s": statistics.median(mine),
        "duckdb_median_s": statistics.median(theirs),
        "batch_vs_duckdb": statistics.median(mine) / statistics.median(theirs),
        "arrow_input_bytes": arrow_bytes,
        "batch_peak_extra_bytes": peak["extra"],
        "batch_peak_vs_arrow": peak["extra"] / arrow_bytes,
    }


def child_batch_memory(path: str) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dmt_timeline.batch import exposure_transitions

    first = next(pq.ParquetFile(path).iter_batches(batch_size=1000))
    exposure_transitions(pa.Table.from_batches([first]))  # load the lazily imported kernels
    del first
    gc.collect()
    base = _rss()
    result = exposure_transitions(path)
    return {"extra": _peak() - base, "episodes": result.episodes.num_rows}


# -- (b) the object path against orjson -------------------------------------------------------


def _object_path(data: bytes, *, keep: bool = False, pause: bool = False) -> tuple[int, int, Any]:
    """Load, then every transition and two latencies per patient; with ``keep``, every result
    is kept (as a table or list would), else only counted; with ``pause``, the loop runs with
    the collector paused. What was built is returned, so that freeing it falls outside the
    timing, as freeing ``orjson.loads``' result does."""
    from dmt_timeline.latency import latency
    from dmt_timeline.model import Cohort
    from dmt_timeline.serialize import loads
    from dmt_timeline.timeline import Timeline

    cohort = loads(data, Cohort)
    kept: list[Any] = []
    transitions = latencies = 0
    if pause:
        gc.disable()
    try:
        for patient in cohort:
            found = Timeline.of(patient).transitions()
            last = len(patient.episodes) - 1
            responses = [latency(patient, outcome, episode=last) for outcome in ("MS", "psoriasis")]
            transitions += len(found)
            latencies += len(responses)
            if keep:
                kept.append((found, responses))
    finally:
        if pause:
            gc.enable()
    return transitions, latencies, (cohort, kept)


def _construction(doc: dict[str, Any], repeats: int) -> dict[str, Any]:
    """Validated ``__init__`` against ``object.__new__`` + ``setattr`` for dates and episodes."""
    from dmt_timeline.catalogue import CATALOGUE
    from dmt_timeline.dates import PartialDate
    from dmt_timeline.model import NOT_RECORDED, TherapyEpisode

    def split(text: str) -> tuple[int, int | None, int | None]:
        parts = [int(p) for p in text.split("-")]
        return parts[0], (parts[1] if len(parts) > 1 else None), (parts[2] if len(parts) > 2 else None)

    raw = [
        (CATALOGUE.get(e["therapy"]), split(e["start"]), e.get("sequence"))
        for p in doc["patients"]
        for e in p["episodes"]
    ]

    def validated() -> list[TherapyEpisode]:
        return [TherapyEpisode(t, PartialDate(*ymd), sequence=seq) for t, ymd, seq in raw]

    def unvalidated() -> list[TherapyEpisode]:
        new, put = object.__new__, object.__setattr__
        found = []
        for t, (y, m, d), seq in raw:
            date = new(PartialDate)
            put(date, "year", y)
            put(date, "month", m)
            put(date, "day", d)
            episode = new(TherapyEpisode)
            for name, value in (
                ("therapy", t),
                ("start", date),
                ("stop", NOT_RECORDED),
                ("reasons", ()),
                ("edss", None),
                ("sequence", seq),
            ):
                put(episode, name, value)
            found.append(episode)
        return found

    assert validated() == unvalidated()
    slow, fast = _side_by_side(validated, unvalidated, repeats)
    return {
        "episodes": len(raw),
        "validated_median_s": statistics.median(slow),
        "unvalidated_median_s": statistics.median(fast),
        "validated_vs_unvalidated": statistics.median(slow) / statistics.median(fast),
    }


# The two sides of (b) each run in a fresh interpreter: the collector's work during a parse
# depends on what else is alive and on its recent history, so a side run in the same process
# as the other inherits its heap (in one process the floor came out up to 30% lower).
OBJECT_SIDES = {
    "objects": "the object path: loads, Timeline.of(...).transitions(), latencies",
    "objects-kept": "the same, keeping every transition and latency, the collector as it is",
    "objects-kept-paused": "the same, the loop run with the collector paused, as the docs advise",
    "orjson": "orjson.loads, the collector as the process has it",
    "orjson-no-gc": "orjson.loads with the collector paused, as loads() pauses it",
    "loads": "loads(bytes, Cohort) alone",
}


def child_object_times(side: str, path: str, repeats: str) -> dict[str, Any]:
    """Time one side of (b) ``repeats`` times in this (fresh) process."""
    import orjson

    from dmt_timeline.model import Cohort
    from dmt_timeline.serialize import loads

    data = Path(path).read_bytes()
    function: Callable[[], Any] = {
        "objects": lambda: _object_path(data),
        "objects-kept": lambda: _object_path(data, keep=True),
        "objects-kept-paused": lambda: _object_path(data, keep=True, pause=True),
        "orjson": lambda: orjson.loads(data),
        "orjson-no-gc": lambda: _without_gc(lambda: orjson.loads(data)),
        "loads": lambda: loads(data, Cohort),
    }[side]
    times = []
    for _ in range(int(repeats)):
        gc.collect()
        times.append(_timed(function)[0])
    return {"side": side, "times": times}


def _fresh_side_by_side(path: Path, sides: list[str], repeats: int) -> dict[str, list[float]]:
    """Each side ``repeats`` times, one fresh child process per side and round, the sides
    alternating so that a noisy shared machine slows them alike."""
    times: dict[str, list[float]] = {side: [] for side in sides}
    per_child = 2  # the first run of a process may differ; the median over all runs absorbs it
    for round_ in range(max(1, repeats // per_child)):
        for side in sides if round_ % 2 == 0 else reversed(sides):
            times[side].extend(_child(["object-times", side, str(path), str(per_child)])["times"])
    return times


def bench_objects(patients: int, repeats: int, workdir: Path) -> dict[str, Any]:
    import orjson

    from dmt_timeline.synthetic import synthetic_cohort_document

    path = workdir / f"cohort_{patients}.json"
    doc = synthetic_cohort_document(patients, seed=2024)
    path.write_bytes(orjson.dumps(doc))
    episodes = sum(len(p["episodes"]) for p in doc["patients"])
    construction = _construction(doc, repeats)
    del doc
    data = path.read_bytes()
    transitions, latencies, _ = _object_path(data)
    times = _fresh_side_by_side(path, list(OBJECT_SIDES), repeats)
    median = {side: statistics.median(found) for side, found in times.items()}
    memory = _child(["object-memory", str(path)])
    return {
        "patients": patients,
        "episodes": episodes,
        "json_bytes": len(data),
        "transitions": transitions,
        "latencies": latencies,
        "sides": OBJECT_SIDES,
        "times_s": times,
        "objects_median_s": median["objects"],
        "orjson_median_s": median["orjson"],
        "objects_vs_orjson": median["objects"] / median["orjson"],
        "orjson_no_gc_median_s": median["orjson-no-gc"],
        "objects_vs_orjson_no_gc": median["objects"] / median["orjson-no-gc"],
        "objects_kept_median_s": median["objects-kept"],
        "objects_kept_vs_orjson": median["objects-kept"] / median["orjson"],
        "objects_kept_paused_median_s": median["objects-kept-paused"],
        "objects_kept_paused_vs_orjson": median["objects-kept-paused"] / median["orjson"],
        "load_only_median_s": median["loads"],
        "load_only_vs_orjson": median["loads"] / median["orjson"],
        "bytes_per_episode": memory["extra"] / episodes,
        "construction": construction,
    }


def child_object_memory(path: str) -> dict[str, Any]:
    import orjson

    from dmt_timeline.model import Cohort
    from dmt_timeline.serialize import structure

    doc = orjson.loads(Path(path).read_bytes())
    gc.collect()
    base = _rss()
    cohort = structure(doc, Cohort)
    gc.collect()
    return {"extra": _rss() - base, "patients": len(cohort)}


# -- (d) scale-out with Dask ------------------------------------------------------------------


def bench_dask(rows: int, repeats: int, workdir: Path) -> dict[str, Any]:
    """1 against 2 worker processes (one thread each) over a dataset partitioned by patient."""
    from distributed import Client, LocalCluster

    from dmt_timeline.batch import dask_exposure_transitions, exposure_transitions, partition_by_patient

    patients = max(1, round(rows / ROWS_PER_PATIENT))
    source = workdir / f"exposures_{patients}.parquet"
    dataset = workdir / "by_patient"
    partition_by_patient(source, dataset, partitions=8)
    single = exposure_transitions(source)
    found: dict[str, Any] = {"partitions": 8}
    for workers in (1, 2):
        cluster = LocalCluster(  # type: ignore[no-untyped-call]  # distributed is not fully typed
            n_workers=workers, threads_per_worker=1, dashboard_address=":0"
        )
        with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
            scaled = dask_exposure_transitions(dataset, client=client)  # also warms the workers
            found["identical"] = found.get("identical", True) and bool(
                _plain(single.transitions).equals(_plain(scaled.transitions))
                and _plain(single.episodes).equals(_plain(scaled.episodes))
            )
            times = [
                _timed(lambda: dask_exposure_transitions(dataset, client=client))[0] for _ in range(repeats)
            ]
        found[f"workers_{workers}_s"] = times
        found[f"workers_{workers}_median_s"] = statistics.median(times)
    found["speedup_1_to_2"] = found["workers_1_median_s"] / found["workers_2_median_s"]
    return found


# -- running ---------------------------------------------------------------------------------


def _child(args: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _table(results: dict[str, Any]) -> str:
    batch, objects = results["batch"], results["objects"]
    # The targets are set at the full sizes: fixed costs weigh more in smaller runs, and the
    # collector's share of orjson.loads grows faster than the cohort.
    full_batch = batch["rows"] >= FULL_ROWS
    full_objects = objects["patients"] >= FULL_PATIENTS
    rows = [
        ("batch vs DuckDB (time)", batch["batch_vs_duckdb"], TARGETS["batch_vs_duckdb"], full_batch),
        (
            "objects vs orjson.loads (time)",
            objects["objects_vs_orjson"],
            TARGETS["objects_vs_orjson"],
            full_objects,
        ),
        (
            "bytes per loaded episode",
            objects["bytes_per_episode"],
            TARGETS["bytes_per_episode"],
            full_objects,
        ),
        (
            "batch peak RSS / Arrow input",
            batch["batch_peak_vs_arrow"],
            TARGETS["batch_peak_vs_arrow"],
            full_batch,
        ),
    ]
    lines = [f"{'measure':34} {'value':>10} {'target':>8}  met"]
    for name, value, target, judged in rows:
        met = ("yes" if value <= target else "NO") if judged else "(judged at full size)"
        lines.append(f"{name:34} {value:10.2f} {target:8.2f}  {met}")
    quiet = results["objects"]["objects_vs_orjson_no_gc"]
    lines.append(f"{'  the same vs orjson, GC paused':34} {quiet:10.2f} {'-':>8}  (reported)")
    kept = results["objects"]["objects_kept_vs_orjson"]
    lines.append(f"{'  the same, every result kept':34} {kept:10.2f} {'-':>8}  (reported)")
    paused = results["objects"]["objects_kept_paused_vs_orjson"]
    lines.append(f"{'  kept, the loop with GC paused':34} {paused:10.2f} {'-':>8}  (reported)")
    load = results["objects"]["load_only_vs_orjson"]
    lines.append(f"{'  of which loads() alone vs orjson':34} {load:10.2f} {'-':>8}  (reported)")
    construction = results["objects"]["construction"]["validated_vs_unvalidated"]
    lines.append(f"{'validated vs unvalidated build':34} {construction:10.2f} {'-':>8}  (reported)")
    lines.append(f"batch and DuckDB results identical: {results['batch']['identical']}")
    if "dask" in results:
        dask = results["dask"]
        lines.append(
            f"Dask 1 -> 2 workers speed-up: {dask['speedup_1_to_2']:.2f}x (identical: {dask['identical']})"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1M rows, 20k patients, 3 repeats")
    parser.add_argument("--rows", type=int, help="exposure rows for (a); default 5M (1M with --quick)")
    parser.add_argument("--patients", type=int, help="cohort patients for (b); default 100k (20k quick)")
    parser.add_argument("--repeats", type=int, help="runs per side; default 5 (3 with --quick)")
    parser.add_argument("--dask", action="store_true", help="also time 1 against 2 Dask workers")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        children: dict[str, Callable[..., dict[str, Any]]] = {
            "batch-memory": child_batch_memory,
            "object-memory": child_object_memory,
            "object-times": child_object_times,
        }
        found = children[kind](*rest)
        print(json.dumps(found))
        return
    rows = args.rows or (1_000_000 if args.quick else FULL_ROWS)
    patients = args.patients or (20_000 if args.quick else FULL_PATIENTS)
    repeats = args.repeats or (3 if args.quick else 5)
    with tempfile.TemporaryDirectory(prefix="dmt_bench_") as tmp:
        workdir = Path(tmp)
        results = {
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "system": platform.platform(),
            },
            "repeats": repeats,
            "targets": TARGETS,
            "batch": bench_batch(rows, repeats, workdir),
            "objects": bench_objects(patients, repeats, workdir),
        }
        if args.dask:
            results["dask"] = bench_dask(rows, repeats, workdir)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(_table(results))
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
