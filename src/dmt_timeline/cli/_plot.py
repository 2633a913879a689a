"""``dmt-timeline plot``: a swimmer plot or time-to-response curves of a cohort."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from dmt_timeline.cli._common import PROG, SOURCES_HELP, add_table_options, finish, load_source
from dmt_timeline.cli._describe import STUDY_QUESTION, selector
from dmt_timeline.model import Patient
from dmt_timeline.timeline import Selector


def run(args: argparse.Namespace) -> int:
    from dmt_timeline.plot import figure_format  # noqa: PLC0415 - only when asked

    figure_format(args.output)  # refuse a bad extension before drawing anything
    index: Selector | None = None
    if args.figure == "response":
        if args.index is None and args.file is not None:
            print(
                f"{PROG}: plot response: pass --index THERAPY, the therapy latencies count from",
                file=sys.stderr,
            )
            return 1
        # The bundled cohort's index is its study's: natalizumab.
        index = STUDY_QUESTION.index if args.index is None else selector(args.index)
    cohort = load_source(args)
    group_by: Callable[[Patient], str] | str | None = args.group_by
    if group_by is None and args.file is None and args.figure == "swimmer":
        # The bundled cohort is drawn as the study groups it: by treatment paradigm.
        from dmt_timeline.studies.natalizumab_psoriasis import paradigm  # noqa: PLC0415 - only when asked

        group_by = paradigm
    try:
        from dmt_timeline.plot import response_curves, save_figure, swimmer_plot  # noqa: PLC0415

        if args.figure == "swimmer":
            figure = swimmer_plot(cohort, group_by=group_by)
        else:
            assert index is not None  # chosen above for the response figure
            figure = response_curves(cohort, index=index, outcomes=args.outcome, group_by=group_by)
        written = save_figure(figure, args.output)
    except ImportError as exc:
        # dmt_timeline.plot names the extra to install; a missing extra is bad input, not a crash.
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{PROG}: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(written)
    return finish(args, 0)


def register(sub: Any) -> None:
    """Add the ``plot`` command and its figures to the subparsers ``sub``."""
    plot = sub.add_parser(
        "plot",
        help="draw a figure of a cohort as PNG, SVG, PDF or TIFF (needs the plot extra)",
        description=(
            "Draw a figure of a cohort (the bundled cohort by default). Needs matplotlib: "
            'pip install "dmt-timeline[plot]".'
        ),
    )
    figures = plot.add_subparsers(dest="figure", metavar="FIGURE", required=True)
    swimmer = figures.add_parser(
        "swimmer",
        help="one lane per patient, therapy episodes as bars over the days their dates allow",
        description=(
            "A swimmer plot: one lane per patient. The bundled cohort is grouped by the study's "
            "treatment paradigm unless --group-by says otherwise; a cohort file is ungrouped."
        ),
    )
    response = figures.add_parser(
        "response",
        help="cumulative proportion responding over months since the index therapy started",
        description="Time-to-response curves, one per outcome (and per group with --group-by).",
    )
    for figure_cmd in (swimmer, response):
        figure_cmd.add_argument("file", nargs="?", help=f"{SOURCES_HELP} (default: the bundled cohort)")
        add_table_options(figure_cmd)
        figure_cmd.add_argument(
            "-o",
            "--output",
            required=True,
            metavar="PATH",
            help="where to write: a .png, .svg, .pdf or .tif file",
        )
        figure_cmd.add_argument("--group-by", metavar="LABEL", help="group by this patient label")
        figure_cmd.set_defaults(handler=run)
    response.add_argument(
        "--index",
        metavar="THERAPY",
        help=(
            "the therapy latencies count from: a name, alias or code, or class:<name>; needed with a "
            "cohort file (the bundled cohort: its study's, natalizumab)"
        ),
    )
    response.add_argument(
        "--outcome",
        action="append",
        metavar="KEY",
        help=(
            "an outcome to draw, MS or a comorbidity's name; repeatable (default: those the cohort's "
            "data name)"
        ),
    )
