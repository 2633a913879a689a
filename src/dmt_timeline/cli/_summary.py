"""``dmt-timeline summary``: a short summary of a cohort."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from dmt_timeline.cli._common import load
from dmt_timeline.model import Cohort


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


def run(args: argparse.Namespace) -> int:
    print(summarise(load(args.file)))
    return 0


def register(sub: Any) -> None:
    """Add the ``summary`` command to the subparsers ``sub``."""
    command = sub.add_parser("summary", help="summarise a cohort file (the bundled cohort by default)")
    command.add_argument("file", nargs="?", help="a cohort JSON file")
    command.set_defaults(handler=run)
