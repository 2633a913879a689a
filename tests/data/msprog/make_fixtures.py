"""Regenerate the pymsprog fixtures (run with a side venv that has pymsprog, not the project's).

pymsprog pins numpy<2 and this project needs numpy>=2, so pymsprog cannot be a test dependency:

    python3 -m venv /tmp/msprog-venv && /tmp/msprog-venv/bin/pip install -q pymsprog==1.0.7
    /tmp/msprog-venv/bin/python tests/data/msprog/make_fixtures.py

It writes the inputs (toy data, generated data) and pymsprog's events beside this file. Not a
test module (pytest collects only ``test_*.py``); modules are imported by name so that mypy,
which does not have pymsprog, sees them as ``Any``.
"""

from __future__ import annotations

import importlib
import random
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
EVENTS = ("multiple", "firstCDW")
BASELINES = ("fixed", "roving")
COLUMNS = ["subject", "type", "date", "value", "bl_date", "bl_value", "conf_date"]


def edss_delta(limit: float) -> Any:
    """The EDSS minimum increase, 1.0 up to ``limit`` (dmt_timeline's edss_one_point_up_to)."""

    def delta(baseline: float) -> float:
        if baseline == 0:
            return 1.5
        return 1.0 if baseline <= limit else 0.5

    return delta


def generate(seed: int, subjects: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """EDSS trajectories with relapses: visits every 1 to 7 months, steps on the EDSS grid."""
    rng = random.Random(seed)
    grid = [0.0] + [1.0 + 0.5 * i for i in range(19)]
    visits: list[dict[str, Any]] = []
    relapses: list[dict[str, Any]] = []
    for s in range(1, subjects + 1):
        day = rng.randrange(0, 3650)
        level = rng.randrange(0, 14)
        for _ in range(rng.randrange(2, 14)):
            visits.append({"subject": s, "day": day, "EDSS": grid[level]})
            if rng.random() < 0.25:
                relapses.append({"subject": s, "day": day + rng.randrange(-100, 120)})
            level = min(max(level + rng.choice([-2, -1, 0, 0, 0, 1, 1, 2, 3]), 0), len(grid) - 1)
            day += rng.choice([rng.randrange(25, 200), rng.randrange(77, 92)])
    return visits, relapses


def main() -> None:
    pd = importlib.import_module("pandas")
    pymsprog = importlib.import_module("pymsprog")
    start = pd.Timestamp("2015-01-01")

    toy_visits, toy_relapses = pymsprog.load_toy_data()
    toy_visits.to_csv(HERE / "toy_visits.csv", index=False)
    toy_relapses.to_csv(HERE / "toy_relapses.csv", index=False)

    visits, relapses = generate(seed=20261202, subjects=300)
    gen_visits = pd.DataFrame(visits)
    gen_visits["date"] = (start + pd.to_timedelta(gen_visits["day"], unit="D")).dt.date.astype(str)
    gen_relapses = pd.DataFrame(relapses)
    gen_relapses["date"] = (start + pd.to_timedelta(gen_relapses["day"], unit="D")).dt.date.astype(str)
    gen_visits[["subject", "date", "EDSS"]].to_csv(HERE / "generated_visits.csv", index=False)
    gen_relapses[["subject", "date"]].to_csv(HERE / "generated_relapses.csv", index=False)

    # Ties where float arithmetic and the decimal numbers disagree (T25FW 5.5 -> 6.6 is +20%);
    # subject 2 worsens clearly, so that pymsprog has an event to report (it fails on none).
    dates = ["2020-01-01", "2020-06-01", "2020-09-01"]
    tie = pd.DataFrame({"subject": [1, 1, 1, 2, 2, 2], "date": dates * 2, "T25FW": [5.5, 6.6, 6.6, 5, 7, 7]})
    tie.to_csv(HERE / "tie_visits.csv", index=False)

    # Dates known to the month: pymsprog reads each as the first of its month.
    months = ["2020-01", "2020-04", "2020-07"]
    partial = pd.DataFrame({"subject": [1, 1, 1], "date": months, "EDSS": [2, 3, 3]})
    partial.to_csv(HERE / "partial_visits.csv", index=False)

    # (file stem, data, relapses, column, pymsprog outcome, delta_fun, require_sust_days, conf_days)
    partial_run = ("partial_EDSS", partial, None, "EDSS", "edss", edss_delta(5.5), 0.0, 84)
    inf, usual, gen = float("inf"), edss_delta(5.5), (gen_visits, gen_relapses)
    for event in EVENTS:
        for baseline in BASELINES:
            tail = f"{event}_{baseline}"
            runs = [
                (f"toy_EDSS_{tail}_edss55", toy_visits, toy_relapses, "EDSS", "edss", usual, 0.0, 84),
                (f"toy_EDSS_{tail}_edss50", toy_visits, toy_relapses, "EDSS", "edss", None, 0.0, 84),
                (f"toy_SDMT_{tail}", toy_visits, toy_relapses, "SDMT", "sdmt", None, 0.0, 84),
                (f"generated_EDSS_{tail}_edss55", *gen, "EDSS", "edss", usual, 0.0, 84),
                (f"generated_EDSS_{tail}_edss50", *gen, "EDSS", "edss", None, 0.0, 84),
                (f"generated_EDSS_{tail}_sustained", *gen, "EDSS", "edss", usual, inf, 84),
                (f"generated_EDSS_{tail}_24weeks", *gen, "EDSS", "edss", usual, 0.0, 168),
                (f"tie_T25FW_{tail}", tie, None, "T25FW", "t25fw", None, 0.0, 84),
                partial_run,  # the same event under every setting
            ]
            for stem, data, rel, column, outcome, delta, sustain, conf in runs:
                subject = "id" if stem.startswith("toy") else "subject"
                _, results = pymsprog.MSprog(
                    data,
                    subj_col=subject,
                    value_col=column,
                    date_col="date",
                    outcome=outcome,
                    relapse=rel,
                    event=event,
                    baseline=baseline,
                    RAW_PIRA=True,
                    conf_days=conf,
                    relapse_to_bl=30,
                    relapse_to_conf=30,
                    relapse_assoc=90,
                    delta_fun=delta,
                    require_sust_days=sustain,
                    include_dates=True,
                    include_value=True,
                    include_stable=False,
                    verbose=0,
                )
                out = results.rename(columns={subject: "subject"})
                # event_type is CDW or CDI; CDW_type is RAW, PIRA or "undefined" (neither).
                kinds = out["CDW_type"].map({"RAW": "RAW", "PIRA": "PIRA", "undefined": "CDW"})
                out["type"] = kinds.where(out["event_type"] == "CDW", out["event_type"])
                out = out.rename(columns={f"conf{conf}_date": "conf_date"})
                for col in ("date", "bl_date", "conf_date"):
                    out[col] = pd.to_datetime(out[col]).dt.date.astype(str)
                out[COLUMNS].to_csv(HERE / f"{stem}.csv", index=False)


if __name__ == "__main__":
    main()
