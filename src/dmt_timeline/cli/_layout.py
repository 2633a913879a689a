"""``dmt-timeline layout draft``: a layout file drafted from a table's header, to confirm."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dmt_timeline.errors import CohortFormatError, quoted

if TYPE_CHECKING:
    from dmt_timeline.io.layouts import ExposureLayout, LongLayout


def run_draft(args: argparse.Namespace) -> int:
    from dmt_timeline.io.layouts import (  # noqa: PLC0415 - only when asked
        draft_exposure_layout,
        draft_layout,
        exposure_header,
        layout_toml,
    )
    from dmt_timeline.io.sources import table_header  # noqa: PLC0415 - only when asked

    header = table_header(args.file, sheet=args.sheet)
    name = Path(args.file).name
    sign = exposure_header(header) if args.kind is None else None
    why = (
        f"# exposures: column {quoted(sign)} reads as a dispensing table's (--kind long if not)\n"
        if sign
        else ""
    )
    layout: LongLayout | ExposureLayout
    if args.kind == "exposures" or sign is not None:
        layout, notes = draft_exposure_layout(header)
    else:
        layout, notes = draft_layout(header)
    text = (
        f"# A draft layout for {name}: read every line, correct it, then\n"
        f"# dmt-timeline import {name} --layout THIS_FILE -o cohort.json\n"
        + why
        + layout_toml(layout, notes=notes)
    )
    if args.output is None:
        print(text, end="")
        return 0
    output = Path(args.output)
    if output.exists() and not args.force:
        raise CohortFormatError(f"{output.name} exists; pass --force to overwrite it")
    output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}: check it before importing")
    return 0


def register(sub: Any) -> None:
    """Add the ``layout`` command (``layout draft``) to the subparsers ``sub``."""
    command = sub.add_parser("layout", help="draft a layout file from a table's header")
    actions = command.add_subparsers(dest="action", metavar="ACTION", required=True)
    draft = actions.add_parser(
        "draft",
        help="draft a long or exposure layout from a CSV or Excel table's header, for you to confirm",
        description=(
            "Match a table's column names to the fields of a long layout (patient id, therapy, start, "
            "stop, reasons, EDSS; other columns become patient labels), or of an exposure layout "
            "(person id, drug, start, end, stop reason, days supply), and print the layout as TOML, "
            "each field noted with how it matched. Nothing is read with it until you have checked it."
        ),
    )
    draft.add_argument("file", help="the table: a .csv or .xlsx file")
    draft.add_argument(
        "--kind",
        choices=("long", "exposures"),
        help=(
            "long: one row per therapy episode; exposures: one row per dispensing or exposure "
            '(kind = "exposures"). Default: exposures when a column is named as a days supply or a '
            "dispensing date, else long"
        ),
    )
    draft.add_argument("--sheet", help="for Excel, the sheet's name (default: the first sheet)")
    draft.add_argument("-o", "--output", help="write the draft here instead of printing it")
    draft.add_argument("--force", action="store_true", help="overwrite the output file")
    draft.set_defaults(handler=run_draft)
