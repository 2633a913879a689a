"""Confirmed disability worsening at registry scale: the batch engine against the object path.

    .venv/bin/python benchmarks/outcomes.py                       # 100k patients x 10 EDSS, 3 repeats
    .venv/bin/python benchmarks/outcomes.py --patients 20000 --repeats 1
    .venv/bin/python benchmarks/outcomes.py --pymsprog /path/to/side-venv/bin/python --pymsprog-patients 10000

The data are synthetic and seeded: each patient has exactly ``--assessments`` day-dated EDSS
assessments (visits every 25 to 200 days, or about 12 weeks apart, with steps on the EDSS
grid, as ``tests/data/msprog/make_fixtures.py`` draws them) and, with probability 1/4 per
visit, a relapse within 100 days before to 120 days after it. They are held once as an Arrow
table with the columns of ``events_table`` (assessments and relapses) and once as ``Patient``
objects built from the same arrays, each patient with two therapy episodes (fingolimod to the
middle assessment, then natalizumab to the last). For two settings (fixed baseline, first worsening; roving
baseline, every event), alternating, medians of ``--repeats`` runs:

(a) :func:`dmt_timeline.batch.disability_events` on the Arrow table;
(b) :func:`dmt_timeline.outcomes.confirmed_disability_events` on the objects (building them is
    timed once, separately);

and the two results are checked identical, event by event; then the annualised relapse rate on
every episode, :func:`dmt_timeline.batch.episode_relapse_rates` against
:func:`dmt_timeline.outcomes.episode_relapse_rates` patient by patient, checked identical.
With ``--pymsprog`` (the python of a side venv holding pymsprog, which pins numpy<2; see
``tests/data/msprog/make_fixtures.py``),
pymsprog's ``MSprog`` is also timed on the first ``--pymsprog-patients`` patients with its
defaults as close to ours as it allows, and its events compared with ours on those patients.
Results go to ``benchmarks/results/outcomes.json``.
"""

# ruff: noqa: PLC0415 - each measurement imports what it measures

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import json
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
EPOCH = dt.date(1970, 1, 1)
GRID = [0.0] + [1.0 + 0.5 * i for i in range(19)]

# Run in the side venv: pymsprog's MSprog on the CSVs, timed, its events written as ours are.
PYMSPROG = r"""
import sys, time, pandas as pd, pymsprog
visits, relapses, out, baseline, event = sys.argv[1:6]
v = pd.read_csv(visits, dtype={"subject": str}); r = pd.read_csv(relapses, dtype={"subject": str})
def delta(b):
    return 1.5 if b == 0 else (1.0 if b <= 5.5 else 0.5)
began = time.perf_counter()
_, res = pymsprog.MSprog(v, subj_col="subject", value_col="EDSS", date_col="date", outcome="edss",
    relapse=r, event=event, baseline=baseline, RAW_PIRA=True, conf_days=84, relapse_to_bl=30,
    relapse_to_conf=30, relapse_assoc=90, delta_fun=delta, include_dates=True, include_value=True,
    include_stable=False, verbose=0)
seconds = time.perf_counter() - began
kinds = res["CDW_type"].map({"RAW": "RAW", "PIRA": "PIRA", "undefined": "CDW"})
res["type"] = kinds.where(res["event_type"] == "CDW", res["event_type"])
for c in ("date", "bl_date", "conf84_date"):
    res[c] = pd.to_datetime(res[c]).dt.date.astype(str)
res[["subject", "type", "date", "value", "bl_date", "bl_value", "conf84_date"]].to_csv(out, index=False)
print(seconds)
"""


def _cohort(patients: int, assessments: int, seed: int) -> dict[str, Any]:
    """Day numbers, scores and relapse onsets as numpy arrays, patient by patient."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = patients * assessments
    person = np.repeat(np.arange(patients), assessments)
    gaps = np.where(rng.random(n) < 0.5, rng.integers(25, 200, n), rng.integers(77, 92, n))
    gaps = gaps.reshape(patients, assessments)
    gaps[:, 0] = rng.integers(0, 3650, patients) + (dt.date(2010, 1, 1) - EPOCH).days
    day = np.cumsum(gaps, axis=1).ravel()
    steps = rng.choice([-2, -1, -1, 0, 0, 0, 0, 0, 0, 1, 1, 2], size=(patients, assessments))
    steps[:, 0] = rng.integers(0, 14, patients)
    level = np.zeros((patients, assessments), dtype=np.int64)
    for j in range(assessments):  # a random walk on the grid, clipped at its ends
        level[:, j] = np.clip((level[:, j - 1] if j else 0) + steps[:, j], 0, len(GRID) - 1)
    score = np.asarray(GRID)[level.ravel()]
    relapsed = rng.random(n) < 0.1
    onset = day[relapsed] + rng.integers(-100, 120, int(relapsed.sum()))
    return {"person": person, "day": day, "score": score, "r_person": person[relapsed], "r_day": onset}


def _ids(person: Any) -> Any:
    import numpy as np

    return np.char.add("S", person.astype(str))


def _table(data: dict[str, Any]) -> Any:
    """The cohort as an events table (assessments, then relapses; patient order is first appearance)."""
    import numpy as np
    import pyarrow as pa

    days = np.concatenate([data["day"], data["r_day"]]).astype(np.int32)
    n_edss = len(data["day"])
    kind = np.where(np.arange(len(days)) < n_edss, "edss", "relapse")
    edss = np.concatenate([data["score"], np.zeros(len(data["r_day"]))])
    dates = pa.array(days, pa.int32()).cast(pa.date32())
    return pa.table(
        {
            "patient_id": pa.array(_ids(np.concatenate([data["person"], data["r_person"]]))),
            "kind": pa.array(kind),
            "date_earliest": dates,
            "date_latest": dates,
            "edss": pa.array(edss, mask=np.arange(len(days)) >= n_edss),
        }
    )


def _episodes(data: dict[str, Any], assessments: int) -> Any:
    """Two therapy episodes a patient: fingolimod from the first assessment to the day before the
    middle one, then natalizumab from there to the last assessment."""
    import numpy as np
    import pyarrow as pa

    day = data["day"].reshape(-1, assessments)
    middle = assessments // 2
    start = np.stack([day[:, 0], day[:, middle]], axis=1).ravel().astype(np.int32)
    stop = np.stack([day[:, middle] - 1, day[:, -1]], axis=1).ravel().astype(np.int32)
    patients = np.repeat(np.arange(day.shape[0]), 2)
    starts = pa.array(start, pa.int32()).cast(pa.date32())
    stops = pa.array(stop, pa.int32()).cast(pa.date32())
    return pa.table(
        {
            "patient_id": pa.array(_ids(patients)),
            "therapy": pa.array(np.tile(["fingolimod", "natalizumab"], day.shape[0])),
            "start_earliest": starts,
            "start_latest": starts,
            "stop_state": pa.array(np.full(len(start), "date")),
            "stop_earliest": stops,
            "stop_latest": stops,
        }
    )


def _patients(data: dict[str, Any], episodes: Any) -> list[Any]:
    """The same cohort as objects."""
    from dmt_timeline._collector import collector_paused
    from dmt_timeline.catalogue import CATALOGUE
    from dmt_timeline.dates import PartialDate
    from dmt_timeline.events import EdssAssessment, Relapse
    from dmt_timeline.model import Patient, TherapyEpisode

    def date(day: int) -> PartialDate:
        return PartialDate.from_date(EPOCH + dt.timedelta(days=day))

    relapses: dict[int, list[Relapse]] = {}
    readings: dict[int, list[EdssAssessment]] = {}
    with collector_paused():  # many small objects without cycles
        for p, d in zip(data["r_person"].tolist(), data["r_day"].tolist(), strict=True):
            relapses.setdefault(p, []).append(Relapse(date(d)))
        for p, d, s in zip(
            data["person"].tolist(), data["day"].tolist(), data["score"].tolist(), strict=True
        ):
            readings.setdefault(p, []).append(EdssAssessment(date(d), s))
        courses: dict[str, list[TherapyEpisode]] = {}
        for pid, therapy, start, stop in zip(
            episodes["patient_id"].to_pylist(),
            episodes["therapy"].to_pylist(),
            episodes["start_earliest"].to_pylist(),
            episodes["stop_earliest"].to_pylist(),
            strict=True,
        ):
            course = TherapyEpisode(
                CATALOGUE.get(therapy), PartialDate.from_date(start), PartialDate.from_date(stop)
            )
            courses.setdefault(pid, []).append(course)
        return [
            Patient(
                id=f"S{p}",
                episodes=courses[f"S{p}"],
                edss_assessments=readings[p],
                relapses=relapses.get(p, []),
            )
            for p in readings
        ]


def _rows(events: Any) -> list[tuple[Any, ...]]:
    return [
        (
            e.patient,
            e.kind.value,
            e.date.first_day,
            e.value,
            e.baseline_date.first_day,
            e.baseline_value,
            e.confirmed.first_day,
        )
        for e in events
    ]


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


def _pymsprog(python: str, data: dict[str, Any], patients: int, settings: Any) -> dict[str, Any]:
    """pymsprog's time and events on the first ``patients`` patients, in a side venv."""
    import numpy as np

    keep, r_keep = data["person"] < patients, data["r_person"] < patients
    with tempfile.TemporaryDirectory() as folder:
        visits, relapses, out = (Path(folder) / name for name in ("visits.csv", "relapses.csv", "out.csv"))
        for path, person, day, score in (
            (visits, data["person"][keep], data["day"][keep], data["score"][keep]),
            (relapses, data["r_person"][r_keep], data["r_day"][r_keep], None),
        ):
            with path.open("w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["subject", "date", "EDSS"] if score is not None else ["subject", "date"])
                dates = (np.asarray(day, dtype="datetime64[D]")).astype(str).tolist()
                ids = _ids(person).tolist()
                cells = [ids, dates] if score is None else [ids, dates, score.tolist()]
                writer.writerows(zip(*cells, strict=True))
        event = "multiple" if settings.events.value == "all" else "firstCDW"
        done = subprocess.run(
            [python, "-c", PYMSPROG, str(visits), str(relapses), str(out), settings.baseline.value, event],
            check=True,
            capture_output=True,
            text=True,
        )
        with out.open(newline="") as handle:
            found = [
                (
                    r["subject"],
                    r["type"],
                    dt.date.fromisoformat(r["date"]),
                    float(r["value"]),
                    dt.date.fromisoformat(r["bl_date"]),
                    float(r["bl_value"]),
                    dt.date.fromisoformat(r["conf84_date"]),
                )
                for r in csv.DictReader(handle)
            ]
    return {"seconds": float(done.stdout.split()[-1]), "rows": found}


def _relapse_rates(cohort: list[Any], episodes: Any, table: Any, repeats: int) -> dict[str, Any]:
    """The annualised relapse rate on every episode: batch against objects, checked identical."""
    from dmt_timeline.batch import episode_relapse_rates as batch_rates
    from dmt_timeline.outcomes import episode_relapse_rates

    sides: dict[str, Callable[[], Any]] = {
        "batch": functools.partial(batch_rates, episodes, table),
        "objects": lambda: [r for p in cohort for r in episode_relapse_rates(p)],
    }
    medians, last = _median_times(sides, repeats)
    ours = [(r.patient, r.episode, *r.relapses, *r.exposure_days, *r.rate) for r in last["objects"]]
    batch = [tuple(r.values()) for r in last["batch"].to_pylist()]
    assert ours == batch, "the batch engine and the object path disagree on relapse rates"
    return {
        "episodes": len(ours),
        "batch_seconds": round(medians["batch"], 3),
        "objects_seconds": round(medians["objects"], 3),
        "objects_over_batch": round(medians["objects"] / medians["batch"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=100_000, help="patients (default 100k)")
    parser.add_argument("--assessments", type=int, default=10, help="EDSS assessments each (default 10)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per side (default 3)")
    parser.add_argument("--pymsprog", help="the python of a side venv with pymsprog (optional)")
    parser.add_argument("--pymsprog-patients", type=int, default=10_000, help="patients given to pymsprog")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "outcomes.json")
    args = parser.parse_args()

    import numpy as np
    import pyarrow as pa

    from dmt_timeline.batch import disability_events
    from dmt_timeline.outcomes import Baseline, CdwSettings, EventSelection, confirmed_disability_events

    data = _cohort(args.patients, args.assessments, seed=2024)
    table = _table(data)
    episodes = _episodes(data, args.assessments)
    began = time.perf_counter()
    cohort = _patients(data, episodes)
    build = time.perf_counter() - began
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "numpy": np.__version__,
        "pyarrow": pa.__version__,
        "patients": args.patients,
        "assessments": len(data["day"]),
        "relapses": len(data["r_day"]),
        "repeats": args.repeats,
        "objects_build_seconds": round(build, 3),
        "runs": [],
    }
    print(f"{args.patients} patients, {report['assessments']} assessments, {report['relapses']} relapses")
    print(f"building the Patient objects: {build:.2f} s")
    for settings in (
        CdwSettings(),
        CdwSettings(baseline=Baseline.ROVING, events=EventSelection.ALL),
    ):
        sides: dict[str, Callable[[], Any]] = {
            "batch": functools.partial(disability_events, table, settings),
            "objects": functools.partial(confirmed_disability_events, cohort, settings),
        }
        medians, last = _median_times(sides, args.repeats)
        ours = _rows(last["objects"].events)
        batch = [tuple(r.values()) for r in last["batch"].to_pylist()]
        assert ours == batch, "the batch engine and the object path disagree"
        kinds = {k: sum(1 for r in ours if r[1] == k) for k in ("CDW", "RAW", "PIRA", "CDI")}
        run: dict[str, Any] = {
            "settings": f"{settings.baseline.value} baseline, {settings.events.value} events",
            "events": len(ours),
            "kinds": kinds,
            "batch_seconds": round(medians["batch"], 3),
            "objects_seconds": round(medians["objects"], 3),
            "objects_over_batch": round(medians["objects"] / medians["batch"], 2),
        }
        if args.pymsprog:
            theirs = _pymsprog(args.pymsprog, data, args.pymsprog_patients, settings)
            subset = {f"S{p}" for p in range(args.pymsprog_patients)}
            mine = [r for r in batch if r[0] in subset]
            run["pymsprog_patients"] = args.pymsprog_patients
            run["pymsprog_seconds"] = round(theirs["seconds"], 3)
            run["pymsprog_events"] = len(theirs["rows"])
            run["pymsprog_identical"] = sorted(theirs["rows"]) == sorted(mine)
        report["runs"].append(run)
        print(json.dumps(run))
    report["relapse_rates"] = _relapse_rates(cohort, episodes, table, args.repeats)
    print(json.dumps(report["relapse_rates"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
