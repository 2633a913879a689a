"""``dmt-timeline report``: a cohort report as one self-contained HTML file."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dmt_timeline.cli._common import PROG, load, whole_number


def run(args: argparse.Namespace) -> int:
    from dmt_timeline.report import write_report  # noqa: PLC0415 - only when asked

    cohort = load(args.file)
    try:
        written = write_report(cohort, args.output, min_cell_count=args.min_cell_count)
    except OSError as exc:
        print(f"{PROG}: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(written)
    return 0


def register(sub: Any) -> None:
    """Add the ``report`` command to the subparsers ``sub``."""
    report = sub.add_parser(
        "report",
        help="write a cohort report as one HTML file that opens in any browser, offline",
        description=(
            "Write a self-contained HTML report of a cohort (the bundled cohort by default): its "
            "summary, episodes by therapy, transitions by kind, the swimmer plot (with the plot "
            "extra) and, for the bundled cohort, the study's reproduction. Counts below the "
            "threshold are shown as <threshold."
        ),
    )
    report.add_argument("file", nargs="?", help="a cohort JSON file (default: the bundled cohort)")
    report.add_argument("-o", "--output", required=True, metavar="PATH", help="where to write the .html file")
    report.add_argument(
        "--min-cell-count",
        type=whole_number(1, "is below 1"),
        default=5,
        metavar="N",
        help="show counts from 1 to N-1 as <N (default 5; 1 shows every count)",
    )
    report.set_defaults(handler=run)
