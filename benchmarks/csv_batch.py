"""The batch engine on a CSV exposure table against DuckDB reading the same CSV, side by side.

    .venv/bin/python benchmarks/csv_batch.py                         # 4.9M rows, 3 runs per side
    .venv/bin/python benchmarks/csv_batch.py --rows 1000000 --repeats 3

The same synthetic exposures (``dmt_timeline.synthetic``, seed 2024) are written twice as CSV:
with ISO dates (``2015-03-10``), and with day-first numeric dates (``10/03/2015``), which the
engine reads with ``day_first=True`` and DuckDB with ``dateformat='%d/%m/%Y'``. For each file,
:func:`dmt_timeline.batch.exposure_transitions` and DuckDB running the era and transition SQL of
``benchmarks/run.py`` on ``read_csv`` of the file give eras and transitions, checked identical
(as ``run.py`` checks them). Every timed run is a fresh child process, the sides alternating,
so that each run's peak resident memory (VmHWM) is its own: the time is that of the call alone,
the memory that of the whole process, as ``/usr/bin/time`` reports it, and beyond what the
process held after its imports. Medians go to ``benchmarks/results/csv.json``. Target: at most
1.5x DuckDB's time and peak memory.
"""

# ruff: noqa: PLC0415 - each child imports what it measures

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# The SQL and the checks of the Parquet benchmark, shared: benchmarks/ is no package.
run: Any = importlib.import_module("run")

TARGET = 1.5
DAY_FIRST_FORMAT = "%d/%m/%Y"


def _read_csv_sql(path: Path, day_first: bool) -> str:
    options = f", dateformat = '{DAY_FIRST_FORMAT}'" if day_first else ""
    return (
        f"read_csv('{path}', header = true, "
        f"types = {{'start': 'DATE', 'end': 'DATE', 'person_id': 'VARCHAR'}}{options})"
    )


def _duckdb(path: Path, day_first: bool) -> tuple[Any, Any]:
    import duckdb

    con = duckdb.connect()
    run._drug_map(con)
    sql = run.ERAS_SQL.replace("read_parquet($path)", _read_csv_sql(path, day_first))
    con.execute(sql)
    transitions = con.sql(run.TRANSITIONS_SQL.replace("$grace", "3")).to_arrow_table()
    eras = con.sql("SELECT * FROM eras").to_arrow_table()
    return eras, transitions


def _engine(path: Path, day_first: bool) -> Any:
    from dmt_timeline.batch import exposure_transitions

    return exposure_transitions(path, day_first=True if day_first else None)


def child(side: str, path: str, day_first: str) -> dict[str, Any]:
    """One timed run in this fresh process: seconds of the call, peak and baseline memory."""
    if side == "engine":
        import dmt_timeline.batch  # noqa: F401 - imports before the baseline, as DuckDB's are
    else:
        import duckdb  # noqa: F401
    import pyarrow  # noqa: F401

    base = run._rss()
    start = time.perf_counter()
    found = (_engine if side == "engine" else _duckdb)(Path(path), day_first == "1")
    seconds = time.perf_counter() - start
    peak = run._peak()
    return {"seconds": seconds, "peak": peak, "extra": peak - base, "found": found is not None}


def _child(side: str, path: Path, day_first: bool) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", side, str(path), "1" if day_first else "0"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return found


def _write(rows: int, folder: Path) -> tuple[Path, Path, int]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from dmt_timeline.synthetic import synthetic_exposures

    table = synthetic_exposures(max(1, round(rows / run.ROWS_PER_PATIENT)), seed=2024, aliases=False)
    iso, day_first = folder / "exposures.csv", folder / "exposures_day_first.csv"
    pacsv.write_csv(table, iso)
    written = {
        name: pc.strftime(column, format=DAY_FIRST_FORMAT) if pa.types.is_date(column.type) else column
        for name, column in zip(table.column_names, table.columns, strict=True)
    }
    pacsv.write_csv(pa.table(written), day_first)
    return iso, day_first, table.num_rows


def _compare(path: Path, day_first: bool, repeats: int) -> dict[str, Any]:
    identical = run._same(_engine(path, day_first), _duckdb(path, day_first))
    runs: dict[str, list[dict[str, Any]]] = {"engine": [], "duckdb": []}
    for i in range(repeats):
        sides = ["engine", "duckdb"] if i % 2 == 0 else ["duckdb", "engine"]
        for side in sides:
            runs[side].append(_child(side, path, day_first))

    def median(side: str, key: str) -> float:
        return float(statistics.median(r[key] for r in runs[side]))

    return {
        "file_bytes": path.stat().st_size,
        "identical": identical,
        "runs": runs,
        **{f"{side}_{key}": median(side, key) for side in runs for key in ("seconds", "peak", "extra")},
        "time_ratio": median("engine", "seconds") / median("duckdb", "seconds"),
        "peak_ratio": median("engine", "peak") / median("duckdb", "peak"),
        "extra_ratio": median("engine", "extra") / median("duckdb", "extra"),
    }


def _lines(results: dict[str, Any]) -> str:
    lines = [
        f"{results['rows']} exposure rows; medians of {results['repeats']} fresh processes per side",
        f"{'file':22} {'engine s':>9} {'DuckDB s':>9} {'time':>6} {'engine MB':>10} {'DuckDB MB':>10} "
        f"{'peak':>6} {'extra':>6}  identical",
    ]
    for name in ("iso", "day_first"):
        r = results[name]
        met = "yes" if max(r["time_ratio"], r["peak_ratio"]) <= TARGET else "NO"
        lines.append(
            f"{name:22} {r['engine_seconds']:9.2f} {r['duckdb_seconds']:9.2f} {r['time_ratio']:5.2f}x "
            f"{r['engine_peak'] / 1e6:10.0f} {r['duckdb_peak'] / 1e6:10.0f} {r['peak_ratio']:5.2f}x "
            f"{r['extra_ratio']:5.2f}x  {r['identical']} (target <= {TARGET}x both: {met})"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=4_900_000, help="exposure rows (default 4.9M)")
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per side (default 3)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "csv.json")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    with tempfile.TemporaryDirectory(prefix="dmt_bench_csv_") as tmp:
        iso, day_first, rows = _write(args.rows, Path(tmp))
        results = {
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "rows": rows,
            "repeats": args.repeats,
            "target": TARGET,
            "iso": _compare(iso, False, args.repeats),
            "day_first": _compare(day_first, True, args.repeats),
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(_lines(results))
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
