"""Kaplan-Meier of time on drug over a million episodes: dmt_timeline against lifelines and SciPy.

    .venv/bin/python benchmarks/survival.py                 # 1M episodes, 5 repeats
    .venv/bin/python benchmarks/survival.py --episodes 200000 --repeats 3

The data are :func:`dmt_timeline.synthetic.synthetic_episodes` (seed 2024) written as a tidy
episodes table with day-precise dates (the columns of ``episodes_table``), ongoing courses
censored at each patient's last follow-up. One run measures, side by side and alternating:

(a) the estimator alone, on the same whole-month durations and event flags:
    :func:`dmt_timeline.stats.kaplan_meier` (with its log(-log) confidence intervals), lifelines'
    ``KaplanMeierFitter().fit`` (the same intervals) and ``scipy.stats.ecdf`` on
    ``CensoredData`` (the estimate alone; its intervals are asked for separately in SciPy and
    not timed); the survival functions are checked equal to 1e-10; ratio of medians
    (target: at most 1x lifelines);
(b) the whole analysis, :func:`dmt_timeline.analyses.persistence` from the Arrow table
    (courses, censoring, months, one Kaplan-Meier per therapy), reported beside (a).

Needs the ``tables`` extra, lifelines and SciPy. Results go to ``benchmarks/results/survival.json``.
"""

# ruff: noqa: PLC0415 - each measurement imports what it measures

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGET = 1.0  # our Kaplan-Meier against lifelines', at most


def _episodes(n_episodes: int) -> tuple[Any, Any]:
    """About ``n_episodes`` synthetic episodes as an Arrow episodes table, and a follow-up table."""
    import numpy as np
    import pyarrow as pa

    from dmt_timeline.synthetic import synthetic_episodes

    truth = synthetic_episodes(max(1, int(n_episodes / 2.3)), seed=2024)
    n = truth["patient"].size
    start = (np.asarray(truth["start"]) - dt.date(1970, 1, 1).toordinal() + 1).astype("int32")
    stop = (np.asarray(truth["stop"]) - dt.date(1970, 1, 1).toordinal() + 1).astype("int32")
    state = np.where(truth["stop_state"] == 1, "ongoing", "date")  # no stops left unrecorded here
    dated = state == "date"
    ids = np.char.add("S", truth["patient"].astype(str))
    table = pa.table(
        {
            "patient_id": pa.array(ids),
            "therapy": pa.array(truth["therapy"].astype(str)),
            "start_earliest": pa.array(start, pa.int32()).cast(pa.date32()),
            "start_latest": pa.array(start, pa.int32()).cast(pa.date32()),
            "stop_state": pa.array(state),
            "stop_earliest": pa.array(np.where(dated, stop, 0), pa.int32(), mask=~dated).cast(pa.date32()),
            "stop_latest": pa.array(np.where(dated, stop, 0), pa.int32(), mask=~dated).cast(pa.date32()),
            "reasons": pa.array(truth["reasons"].astype(str)),
        }
    )
    follow = (np.asarray(truth["last_follow_up"]) - dt.date(1970, 1, 1).toordinal() + 1).astype("int32")
    patients = np.unique(truth["patient"])
    follow_up = pa.table(
        {
            "patient_id": pa.array(np.char.add("S", patients.astype(str))),
            "last_follow_up_earliest": pa.array(follow, pa.int32()).cast(pa.date32()),
            "last_follow_up_latest": pa.array(follow, pa.int32()).cast(pa.date32()),
        }
    )
    assert table.num_rows == n
    return table, follow_up


def _median_times(
    sides: dict[str, Callable[[], Any]], repeats: int
) -> tuple[dict[str, float], dict[str, Any]]:
    times: dict[str, list[float]] = {name: [] for name in sides}
    last: dict[str, Any] = {}
    for _ in range(repeats):
        for name, run in sides.items():  # alternating, so that a busy machine slows all alike
            began = time.perf_counter()
            last[name] = run()
            times[name].append(time.perf_counter() - began)
    return {name: statistics.median(values) for name, values in times.items()}, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--episodes", type=int, default=1_000_000, help="episodes (default 1M)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per side (default 5)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "survival.json")
    args = parser.parse_args()

    import lifelines
    import numpy as np
    import scipy
    from scipy import stats

    from dmt_timeline.analyses import persistence
    from dmt_timeline.stats import kaplan_meier

    table, follow_up = _episodes(args.episodes)
    result = persistence(table, follow_up=follow_up, definition="stop", group_by=None)
    courses = result.course_table
    months = np.asarray(courses["months_low"].to_numpy(), dtype=np.float64)
    observed = np.asarray(courses["status"].to_numpy(zero_copy_only=False) == "discontinued")
    assert result.groups[""].exact

    data = stats.CensoredData.right_censored(months, ~observed)
    sides: dict[str, Callable[[], Any]] = {
        "dmt_timeline": lambda: kaplan_meier(months, observed),
        "lifelines": lambda: lifelines.KaplanMeierFitter().fit(months, observed),
        "scipy.ecdf": lambda: stats.ecdf(data),
    }
    medians, fitted = _median_times(sides, args.repeats)
    ours, theirs = fitted["dmt_timeline"], fitted["lifelines"]
    difference = float(
        np.abs(np.asarray(ours.survival_function) - theirs.survival_function_.to_numpy()[:, 0]).max()
    )
    sf = fitted["scipy.ecdf"].sf
    scipy_difference = float(
        np.abs(np.asarray([ours.survival_at(t) for t in sf.quantiles]) - sf.probabilities).max()
    )
    whole, _ = _median_times(
        {"persistence": lambda: persistence(table, follow_up=follow_up, definition="stop")}, args.repeats
    )
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "lifelines": lifelines.__version__,
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "episodes": int(table.num_rows),
        "courses": int(months.size),
        "distinct_times": len(ours.timeline),
        "repeats": args.repeats,
        "seconds": medians,
        "ratio_vs_lifelines": medians["dmt_timeline"] / medians["lifelines"],
        "ratio_vs_scipy_ecdf": medians["dmt_timeline"] / medians["scipy.ecdf"],
        "max_abs_difference_vs_lifelines": difference,
        "max_abs_difference_vs_scipy": scipy_difference,
        "persistence_seconds": whole["persistence"],
        "persistence_ratio_vs_lifelines_fit": whole["persistence"] / medians["lifelines"],
        "target_vs_lifelines": TARGET,
    }
    assert difference < 1e-10, difference
    assert scipy_difference < 1e-10, scipy_difference
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    sizes = f"{report['episodes']:,} episodes, {report['courses']:,} courses"
    print(f"{sizes}, {report['distinct_times']} distinct times")
    for name, seconds in medians.items():
        print(f"  {name:<14} {seconds * 1000:9.1f} ms")
    print(f"  ratio vs lifelines  {report['ratio_vs_lifelines']:.3f}x (target at most {TARGET:g}x)")
    print(f"  ratio vs scipy.ecdf {report['ratio_vs_scipy_ecdf']:.3f}x")
    print(f"  persistence from the Arrow table: {whole['persistence'] * 1000:.1f} ms (reported)")


if __name__ == "__main__":
    main()
