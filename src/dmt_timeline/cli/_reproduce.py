"""``dmt-timeline reproduce``: the bundled case series' claims, derived from its table."""

from __future__ import annotations

import argparse
import json
from typing import Any

from dmt_timeline.cli._common import SOURCES_HELP, add_table_options, finish, load_source, positive

_EPILOG = """\
exit status:
  0  every claim the table can decide agrees with the publication
  1  at least one claim differs, or the input could not be read

With the bundled cohort the status is 1, truthfully: the publication's text says 16 of 18
patients needed no systemic psoriasis therapy at last evaluation, while its own table records
no current systemic treatment for anyone (18 of 18). Claims the data cannot decide (stop dates
are not recorded) are reported as "not derivable" and do not change the status.
"""


def run(args: argparse.Namespace) -> int:
    from dmt_timeline.studies.natalizumab_psoriasis import reproduce  # noqa: PLC0415 - pulls in scipy

    given = args.file is not None or args.layout is not None or args.sheet is not None
    cohort = load_source(args) if given else None  # load_source refuses a layout without a file
    report = reproduce(cohort, n_resamples=args.resamples, random_state=args.seed)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, allow_nan=False))
    else:
        print(report)
    # The bare command shows the report; `reproduce` is also a check whose status scripts read.
    return finish(args, 0 if report.all_derivable_agree or not args.check else 1)


def register(sub: Any) -> None:
    """Add the ``reproduce`` command to the subparsers ``sub``."""
    command = sub.add_parser(
        "reproduce",
        help="check the case series' claims against its table (the default command)",
        description=(
            "Derive every quantitative claim of the natalizumab and psoriasis case series from "
            "its table and rerun its Kruskal-Wallis comparisons."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("file", nargs="?", help=f"{SOURCES_HELP} (default: the bundled cohort)")
    add_table_options(command)
    command.add_argument("--json", action="store_true", help="print the report as JSON")
    command.add_argument(
        "--resamples", type=positive, default=9999, help="permutation resamples (default: 9999)"
    )
    command.add_argument("--seed", type=int, default=0, help="seed of the permutations (default: 0)")
    command.set_defaults(handler=run, check=True)
