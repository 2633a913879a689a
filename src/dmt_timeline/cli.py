"""The ``dmt-timeline`` command."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence

from dmt_timeline.errors import DmtTimelineError
from dmt_timeline.model import Cohort

__all__ = ["main"]


def _load(path: str | None) -> Cohort:
    if path is None:
        from dmt_timeline.datasets import load_natalizumab_psoriasis  # noqa: PLC0415 - only when asked

        return load_natalizumab_psoriasis()
    from dmt_timeline.serialize import load_cohort  # noqa: PLC0415 - only when asked

    return load_cohort(path)


def summarise(cohort: Cohort) -> str:
    """A short plain-text summary of a cohort: patients, episodes by therapy, stop reasons."""
    episodes = [e for p in cohort for e in p.episodes]
    by_therapy = Counter(e.therapy.name for e in episodes)
    by_reason = Counter(r.value for e in episodes for r in e.reasons)
    lines = [
        f"{len(cohort)} patients, {len(episodes)} therapy episodes",
        *([f"source: {cohort.metadata.source}"] if cohort.metadata.source else []),
        "episodes by therapy:",
        *(f"  {name:<24} {n:>4}" for name, n in by_therapy.most_common()),
        "stop reasons:",
        *(f"  {code:<24} {n:>4}" for code, n in by_reason.most_common()),
    ]
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dmt-timeline",
        description="MS disease-modifying-therapy histories: summarise and check cohorts.",
    )
    sub = parser.add_subparsers(dest="command")
    summary = sub.add_parser("summary", help="summarise a cohort file (the bundled cohort by default)")
    summary.add_argument("file", nargs="?", help="a cohort JSON file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (0 ok, 1 for bad input, 2 for bad usage)."""
    args = _parser().parse_args(argv)
    try:
        if args.command in (None, "summary"):
            print(summarise(_load(getattr(args, "file", None))))
            return 0
    except DmtTimelineError as exc:
        print(f"dmt-timeline: {exc}", file=sys.stderr)
        return 1
    raise AssertionError(f"unhandled command {args.command}")  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
