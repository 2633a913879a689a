"""Benchmark: an OMOP CDM in DuckDB to episodes and transitions, against the OHDSI DRUG_ERA script.

    .venv/bin/python benchmarks/omop.py                   # 1,000,000 persons
    .venv/bin/python benchmarks/omop.py --persons 200000 --repeats 3

A CDM is generated in a DuckDB file: a small RxNorm vocabulary (MS ingredients, their clinical
drugs, one non-MS drug) and about 7 drug exposures a person (30-day refills with gaps of 1 to 45
days around the 30-day window, a fifth of them with a blank end and a days_supply, and
ocrelizumab infusions every 182 days). Two sides run on the same file, alternating:

- library: ``read_omop(path)`` (ingredient roll-up, mapping, filters, in DuckDB) then
  ``OmopRead.transitions(era_mode="omop")`` (the batch engine: eras and transitions);
- script: the OMOP CDM documentation's DRUG_ERA script alone (``tests/data``), in DuckDB, into
  a temporary table, which gives the eras only.

The eras of both sides are checked identical (person, ingredient, start, end, exposure count,
gap_days). The ratio of median times goes to ``benchmarks/results/omop.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from dmt_timeline.catalogue import CATALOGUE, Route, Therapy, TherapyClass
from dmt_timeline.io.omop import read_omop

HERE = Path(__file__).resolve().parent
SCRIPT = HERE.parent / "tests" / "data" / "ohdsi_drug_era_duckdb.sql"
# ingredient concept_id, name, RxCUI, clinical drug concept_id, infusion every N days (0: refills)
INGREDIENTS = (
    (1001, "natalizumab", "354770", 2001, 0),
    (1002, "ocrelizumab", "1876366", 2002, 182),
    (1005, "dimethyl fumarate", "1373478", 2005, 0),
    (1006, "fingolimod", "1012892", 2006, 0),
    (1004, "glatiramer", "G0", 2004, 0),
    (1051, "ibuprofen", "5640", 2051, 0),
)


def generate(path: Path, persons: int) -> int:
    """Write the CDM; the number of drug_exposure rows."""
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE concept (concept_id BIGINT, concept_name VARCHAR, vocabulary_id VARCHAR, "
                    "concept_class_id VARCHAR, concept_code VARCHAR)")  # fmt: skip
        con.execute(
            "CREATE TABLE concept_ancestor (ancestor_concept_id BIGINT, descendant_concept_id BIGINT)"
        )
        for ingredient, name, code, drug, _ in INGREDIENTS:
            con.execute(
                "INSERT INTO concept VALUES (?, ?, 'RxNorm', 'Ingredient', ?)", [ingredient, name, code]
            )
            con.execute(
                "INSERT INTO concept VALUES (?, ?, 'RxNorm', 'Clinical Drug', ?)", [drug, name, f"D{drug}"]
            )
            con.execute(
                "INSERT INTO concept_ancestor VALUES (?, ?), (?, ?)",
                [ingredient, ingredient, ingredient, drug],
            )
        drugs = "[" + ", ".join(str(d) for *_, d, _ in INGREDIENTS) + "]"
        every = "[" + ", ".join(str(e) for *_, e in INGREDIENTS) + "]"
        con.execute(f"""
CREATE TABLE courses AS
SELECT p AS person_id, c AS course,
       CAST(hash(p, c, 1) % {len(INGREDIENTS)} AS INTEGER) + 1 AS drug,
       DATE '2010-01-01' + CAST(hash(p, c, 2) % 3000 AS INTEGER) AS course_start,
       1 + CAST(hash(p, c, 3) % 6 AS INTEGER) AS refills
FROM range(1, {persons} + 1) t(p), range(0, 3) u(c)
WHERE c < 1 + hash(p, 0) % 3""")
        con.execute(f"""
CREATE TABLE drug_exposure AS
SELECT row_number() OVER () AS drug_exposure_id, person_id, drug_concept_id, drug_exposure_start_date,
       CASE WHEN blank THEN NULL ELSE drug_exposure_start_date + length END AS drug_exposure_end_date,
       CASE WHEN blank THEN length ELSE NULL END AS days_supply,
       CAST(NULL AS VARCHAR) AS stop_reason
FROM (
  SELECT person_id, ({drugs})[drug] AS drug_concept_id,
         course_start + CASE WHEN ({every})[drug] > 0 THEN r * ({every})[drug]
                             ELSE r * 30 + CAST(hash(person_id, course, r) % 45 AS INTEGER)
                                  * (r > 0)::INTEGER END
           AS drug_exposure_start_date,
         CASE WHEN ({every})[drug] > 0 THEN 0 ELSE 29 END AS length,
         hash(person_id, course, r, 7) % 5 = 0 AS blank
  FROM courses, (SELECT CAST(range AS INTEGER) AS r FROM range(0, 6)) v WHERE r < refills
)""")
        con.execute("DROP TABLE courses")
        con.execute(
            "CREATE TABLE observation_period AS SELECT DISTINCT person_id, "
            "DATE '2009-01-01' AS observation_period_start_date, "
            "DATE '2025-12-31' AS observation_period_end_date FROM drug_exposure"
        )
        return int(con.execute("SELECT COUNT(*) FROM drug_exposure").fetchone()[0])  # type: ignore[index]


def run_library(path: Path) -> tuple[float, Any]:
    # The non-MS drug is followed too, as the script follows every ingredient.
    catalogue = CATALOGUE.extend(
        Therapy("ibuprofen", "IBU", TherapyClass.ANTHRACENEDIONE, None, (Route.ORAL,))
    )
    start = time.perf_counter()
    read = read_omop(path, catalogue=catalogue)
    result = read.transitions(era_mode="omop")
    return time.perf_counter() - start, result


def run_script(path: Path) -> tuple[float, Any]:
    with duckdb.connect(str(path), read_only=True) as con:
        start = time.perf_counter()
        con.execute(SCRIPT.read_text(encoding="utf-8"))
        elapsed = time.perf_counter() - start
        names = {i: CATALOGUE.get(n).name if n in CATALOGUE else n for i, n, *_ in INGREDIENTS}
        eras = con.execute(
            "SELECT CAST(person_id AS VARCHAR), drug_concept_id, drug_era_start_date, drug_era_end_date, "
            "drug_exposure_count, gap_days FROM tmp_de"
        ).fetchall()
    return elapsed, {(p, names[c], s, e, int(n), int(g)) for p, c, s, e, n, g in eras}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dmt-timeline-omop-bench-") as folder:
        path = Path(folder) / "cdm.duckdb"
        t0 = time.perf_counter()
        rows = generate(path, args.persons)
        print(f"generated {args.persons} persons, {rows} drug exposures in {time.perf_counter() - t0:.1f} s")
        library, script = [], []
        checked = False
        for repeat in range(args.repeats):
            elapsed, result = run_library(path)
            library.append(elapsed)
            elapsed_s, eras = run_script(path)
            script.append(elapsed_s)
            if not checked:
                ours = {
                    (r["patient_id"], r["therapy"], r["start"], r["stop"], r["exposures"], r["gap_days"])
                    for r in result.episodes.to_pylist()
                }
                if ours != eras:
                    print(f"MISMATCH: {len(ours ^ eras)} eras differ", file=sys.stderr)
                    return 1
                checked = True
                episodes, transitions = result.episodes.num_rows, result.transitions.num_rows
            del result, eras
            print(f"repeat {repeat + 1}: library {library[-1]:.2f} s, script {script[-1]:.2f} s")
    ratio = statistics.median(library) / statistics.median(script)
    report = {
        "persons": args.persons,
        "drug_exposures": rows,
        "eras": episodes,
        "transitions": transitions,
        "eras_identical": checked,
        "library_median_s": round(statistics.median(library), 3),
        "script_median_s": round(statistics.median(script), 3),
        "ratio": round(ratio, 3),
        "target": 1.5,
        "repeats": args.repeats,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "omop.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
