"""How fast a researcher's own table is read: a long chart review through a layout, in rows per second.

    .venv/bin/python benchmarks/own_data.py                 # 100k rows, 5 repeats
    .venv/bin/python benchmarks/own_data.py --rows 20000    # a quick run

The table is generated (seed 2024) the way a chart review is written: dates in several
spellings (``2007``, ``03/2007``, ``Mar 2007``, ``2007-3``, ``14/03/2007`` read day first),
stop cells ``ongoing``, brand names and aliases, reasons in common spellings, an EDSS and a
``Sex`` label. Every row is good, so the whole table is read. Reported: the median time of
:func:`dmt_timeline.io.sources.read_table` on the CSV (and on the same rows as ``.xlsx`` with
``--excel``, which needs openpyxl), rows per second by wall clock and by this process's CPU time
(a shared machine's wall clock counts other processes too), and the time of ``csv.reader`` alone
over the same file for scale. Timings are printed, never asserted.
"""

# ruff: noqa: PLC0415 - the reader is imported where it is timed

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HEADER = ["Patient", "Sex", "Drug", "Start date", "Stop date", "Reason for stopping", "EDSS at stop"]
LAYOUT = """\
[columns]
patient_id = "Patient"
therapy = "Drug"
start = "Start date"
stop = "Stop date"
reasons = "Reason for stopping"
edss = "EDSS at stop"
labels = ["Sex"]

[reading]
day_first = true

[crosswalk.reasons]
"GI side effects" = "adverse event"
"""
DRUGS = ["Avonex", "Rebif", "Copaxone", "Tysabri", "Gilenya", "Tecfidera", "Ocrevus", "IFNb", "GA", "DMF"]
REASONS = ["lack of efficacy", "intolerance", "GI side effects", "PML risk", "Psoriasis", "pregnancy", "AE"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _date(rng: random.Random, year: int) -> str:
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice(
        [
            f"{year}",
            f"{month:02d}/{year}",
            f"{MONTHS[month - 1]} {year}",
            f"{year}-{month}",
            f"{day:02d}/{month:02d}/{year}",
        ]
    )


def chart_rows(rows: int, seed: int = 2024) -> list[list[object]]:
    """``rows`` rows of a chart review, about three episodes per patient, every row good."""
    rng = random.Random(seed)
    out: list[list[object]] = []
    patient = 0
    while len(out) < rows:
        patient += 1
        sex = rng.choice("FM")
        year = rng.randint(1995, 2010)
        count = min(rng.randint(1, 5), rows - len(out))
        for i in range(count):
            last = i == count - 1
            stop_year = year + rng.randint(1, 3)
            stop = rng.choice(["ongoing", "Current"]) if last else _date(rng, stop_year)
            reason = "" if last else rng.choice(REASONS)
            edss = "" if last else rng.choice(["0", "1.5", "2", "3.5", "6"])
            out.append([f"P{patient:06d}", sex, rng.choice(DRUGS), _date(rng, year), stop, reason, edss])
            year = stop_year + 1
    return out


def _median_seconds(
    run: Callable[[], object], repeats: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    """The median over ``repeats`` runs, by wall clock or (``time.process_time``) this process's CPU."""
    times: list[float] = []
    for _ in range(repeats):
        start = clock()
        run()
        times.append(clock() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--excel", action="store_true", help="also time the same rows as .xlsx")
    args = parser.parse_args()

    from dmt_timeline.io.sources import read_table

    rows = chart_rows(args.rows)
    with tempfile.TemporaryDirectory() as folder:
        table, layout = Path(folder) / "chart.csv", Path(folder) / "layout.toml"
        layout.write_text(LAYOUT, encoding="utf-8")
        with table.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(rows)
        patients = len(read_table(table, layout).cohort)

        def parse_only() -> None:
            with table.open(newline="", encoding="utf-8") as handle:
                for _ in csv.reader(handle):
                    pass

        results: dict[str, object] = {"rows": args.rows, "patients": patients, "repeats": args.repeats}
        seconds = _median_seconds(lambda: read_table(table, layout), args.repeats)
        results["csv_seconds"] = round(seconds, 3)
        results["csv_rows_per_second"] = round(args.rows / seconds)
        # CPU time too: on a shared machine the wall clock also counts other processes' turns.
        cpu = _median_seconds(lambda: read_table(table, layout), args.repeats, time.process_time)
        results["csv_cpu_seconds"] = round(cpu, 3)
        results["csv_rows_per_cpu_second"] = round(args.rows / cpu)
        results["csv_reader_alone_seconds"] = round(_median_seconds(parse_only, args.repeats), 3)
        if args.excel:
            import openpyxl

            book = openpyxl.Workbook(write_only=True)
            sheet = book.create_sheet("chart")
            sheet.append(HEADER)
            for row in rows:
                sheet.append(row)
            excel = Path(folder) / "chart.xlsx"
            book.save(excel)
            seconds = _median_seconds(lambda: read_table(excel, layout), args.repeats)
            results["xlsx_seconds"] = round(seconds, 3)
            results["xlsx_rows_per_second"] = round(args.rows / seconds)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
