"""``dmt-timeline report``: a cohort report as one self-contained HTML file."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from dmt_timeline.cli._common import FHIR_PREFIX, OMOP_PREFIXES, PROG, SOURCES_HELP, load, whole_number
from dmt_timeline.model import Cohort
from dmt_timeline.progress import honouring_quiet


def _read(args: argparse.Namespace) -> tuple[Cohort, object]:
    """The cohort and, for a table, FHIR export or CDM, what its reader reported."""
    path: str | None = args.file
    if args.layout is not None:
        from dmt_timeline.io.sources import read_table  # noqa: PLC0415 - only when asked

        assert path is not None  # run() refuses --layout without FILE
        table = read_table(path, args.layout, sheet=args.sheet, skip_bad_rows=True)
        return table.cohort, table
    if path is not None and path.startswith(FHIR_PREFIX):
        from dmt_timeline.io.fhir import read_fhir  # noqa: PLC0415 - only when asked

        export = read_fhir(path.removeprefix(FHIR_PREFIX), skip_unknown=True, skip_bad_rows=True)
        return export.cohort, export
    if path is not None and path.startswith(OMOP_PREFIXES):
        from dmt_timeline.io.omop import read_omop  # noqa: PLC0415 - the omop extra, only when asked

        cdm = read_omop(path)
        return cdm.episodes().cohort, cdm
    return load(path), None


def run(args: argparse.Namespace) -> int:
    from dmt_timeline.report import write_report  # noqa: PLC0415 - only when asked

    if args.layout is not None and args.file is None:
        print(f"{PROG}: report: --layout needs a table FILE", file=sys.stderr)
        return 2
    cohort, reading = _read(args)
    try:
        written = write_report(
            cohort,
            args.output,
            min_cell_count=args.min_cell_count,
            reading=reading,
            as_of=args.as_of,
        )
    except OSError as exc:
        print(f"{PROG}: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(written)
    return 0


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None


def register(sub: Any) -> None:
    """Add the ``report`` command to the subparsers ``sub``."""
    report = sub.add_parser(
        "report",
        help="write a cohort report as one HTML file that opens in any browser, offline",
        description=(
            "Write a self-contained HTML report of a cohort (the bundled cohort by default): its "
            "summary, the data problems found on reading (for a table, FHIR export or CDM), the "
            "baseline table, episodes by therapy, transitions by kind, treatment pathways, "
            "persistence with its curves, response curves, the swimmer plot (figures with the "
            "plot extra) and, for the bundled cohort, the study's reproduction. Counts below the "
            "threshold are shown as <threshold."
        ),
    )
    report.add_argument(
        "file",
        nargs="?",
        help=f"{SOURCES_HELP}; or a CSV or Excel table with --layout (default: the bundled cohort)",
    )
    report.add_argument("-o", "--output", required=True, metavar="PATH", help="where to write the .html file")
    report.add_argument(
        "--layout", metavar="TOML", help="read FILE, a CSV or Excel table, through this layout file"
    )
    report.add_argument("--sheet", help="with --layout, the Excel sheet to read (default: the first)")
    report.add_argument(
        "--as-of",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the persistence estimates' data cut (needed when an ongoing course has no last follow-up)",
    )
    report.add_argument(
        "--min-cell-count",
        type=whole_number(1, "is below 1"),
        default=5,
        metavar="N",
        help="show counts from 1 to N-1 as <N (default 5; 1 shows every count)",
    )
    report.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bars on stderr (shown only on a terminal)"
    )
    report.set_defaults(handler=honouring_quiet(run))
