"""The ``dmt-timeline`` command, one module per subcommand.

Subcommands: ``reproduce`` (the default when none is given), ``validate``, ``describe``,
``summary``, ``plot`` (``plot swimmer``, ``plot response``), ``report``, ``batch``, ``import`` (a CSV
or Excel table through a layout file into a cohort file) and ``layout draft``. Errors are printed as
one ``dmt-timeline: <message>`` block on stderr with exit status 1, never as a traceback; an
error that is not the library's own (a fault of the library) is named by its kind only, since
its message may quote the input. The
study (and through it scipy), the serializer, matplotlib, numpy, pyarrow and dask are imported
only by the commands that use them, so the command starts quickly; a missing ``plot``,
``tables`` or ``dask`` extra is reported the same way.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from dmt_timeline.cli import (
    _batch,
    _describe,
    _import,
    _layout,
    _plot,
    _report,
    _reproduce,
    _summary,
    _validate,
)
from dmt_timeline.cli._common import PROG
from dmt_timeline.cli._describe import describe
from dmt_timeline.cli._summary import summarise
from dmt_timeline.cli._validate import validate
from dmt_timeline.errors import DmtTimelineError

__all__ = ["describe", "main", "summarise", "validate"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "MS disease-modifying-therapy histories: reproduce the bundled natalizumab and psoriasis "
            "case series, and check, describe or summarise cohort files. Without a command, prints "
            "the 'reproduce' report and exits 0 unless an error stops it."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in (_reproduce, _validate, _describe, _summary, _plot, _report, _batch, _import, _layout):
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (0 ok, 1 for bad input or a claim that differs,
    2 for bad usage)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # The bare command is the library's main job: show the reproduced bundled study. Its
        # status reports errors only; `dmt-timeline reproduce` also fails on a differing claim.
        args = parser.parse_args([*(sys.argv[1:] if argv is None else argv), "reproduce"])
        args.check = False
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except DmtTimelineError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`dmt-timeline | head`); quietly stop writing to it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # the last resort: no traceback, no input text
        # A third-party message may quote a record, and a traceback's frames hold it: show
        # neither, only the kind of fault. Every known cause is fixed where it arises.
        print(
            f"{PROG}: internal error ({type(exc).__name__}); no details are shown, since they may "
            "quote the input. Please report it with the command that failed.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
