"""``dmt-timeline import``: a researcher's own table, through a layout file, into a cohort file."""

from __future__ import annotations

import argparse
import json
from typing import Any, Final

from dmt_timeline.io.wide import RowProblem, TableFormatError

SKIPPED: Final = 3
"""The exit status when the cohort was written without the rows reported (``--skip-bad-rows``)."""


def _report(
    args: argparse.Namespace,
    *,
    read: int,
    skipped: tuple[str, ...],
    problems: tuple[RowProblem, ...],
    written: bool,
) -> None:
    if args.json:
        doc: dict[str, Any] = {
            "file": args.file,
            "patients_read": read,
            "patients_skipped": list(skipped),
            "problems": [{"row": p.row, "column": p.column, "message": p.message} for p in problems],
            "output": args.output if written else None,
        }
        print(json.dumps(doc, indent=2))
        return
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    if not written:
        print(f"{args.file}: {count}; nothing was read")
    else:
        left_out = f", {len(skipped)} left out ({', '.join(skipped)})" if skipped else ""
        print(f"{args.file}: {read} patients read{left_out}; {count}")
    for problem in problems:
        print(f"  - {problem}")
    if written:
        print(f"wrote {args.output}")


def run(args: argparse.Namespace) -> int:
    from dmt_timeline.io.long import LongRead  # noqa: PLC0415 - only when asked
    from dmt_timeline.io.sources import read_table  # noqa: PLC0415 - only when asked
    from dmt_timeline.serialize import save_cohort  # noqa: PLC0415 - cattrs, only when asked

    try:
        result = read_table(args.file, args.layout, sheet=args.sheet, skip_bad_rows=args.skip_bad_rows)
    except TableFormatError as exc:
        problems = exc.row_problems
        _report(args, read=0, skipped=(), problems=problems, written=False)
        return 1
    skipped = result.skipped_patients if isinstance(result, LongRead) else ()
    save_cohort(result.cohort, args.output)
    _report(args, read=len(result.cohort), skipped=skipped, problems=result.skipped, written=True)
    return SKIPPED if result.skipped else 0


def register(sub: Any) -> None:
    """Add the ``import`` command to the subparsers ``sub``."""
    command = sub.add_parser(
        "import",
        help="read a table (CSV, Excel, SAS, Stata, SPSS) through a layout file into a cohort JSON file",
        description=(
            "Read a researcher's own table (CSV, Excel .xlsx, SAS, Stata or SPSS; one row per patient, "
            "per episode or per exposure) through a TOML layout file and write "
            "the cohort as JSON, printing every problem by row, column, patient and value. Exit "
            f"status: 0 when every row was read, 1 when the table was refused (nothing written), "
            f"{SKIPPED} when the cohort was written without the rows reported (--skip-bad-rows)."
        ),
    )
    command.add_argument("file", help="the table: a .csv, .xlsx, .sas7bdat, .xpt, .dta, .sav or .zsav file")
    command.add_argument(
        "--layout", required=True, help="a TOML layout file (draft one with 'dmt-timeline layout draft FILE')"
    )
    command.add_argument("-o", "--output", required=True, help="the cohort JSON file to write")
    command.add_argument("--sheet", help="for Excel, the sheet's name (default: the first sheet)")
    command.add_argument("--json", action="store_true", help="print the report as JSON")
    command.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="write the patients whose rows are all good and report the rest (exit status 3)",
    )
    command.set_defaults(handler=run)
