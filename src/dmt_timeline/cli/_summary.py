"""``dmt-timeline summary``: a short summary of a cohort."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from dmt_timeline.cli._common import SOURCES_HELP, add_table_options, finish, load_source
from dmt_timeline.cli._describe import Question, add_question_options, latency_lines, question_of
from dmt_timeline.model import Cohort
from dmt_timeline.timeline import Timeline, check_grace_months


def summarise(cohort: Cohort, question: Question | None = None) -> str:
    """A short plain-text summary of a cohort: patients, episodes by therapy, stop reasons.

    With a question (see :class:`~dmt_timeline.cli._describe.Question`): transitions by kind
    judged with its grace period, and with an index, the latencies after its first start.
    """
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
    if question is None:
        return "\n".join(lines)
    check_grace_months(question.grace_months)
    timelines = [Timeline.of(patient) for patient in cohort]
    kinds = Counter(
        f"{tr.kind.value} ({tr.change.value})"
        for t in timelines
        for tr in t.transitions(grace_months=question.grace_months)
    )
    lines.append(f"transitions by kind ({question.grace_months}-month grace period):")
    lines.extend(f"  {kind:<24} {n:>4}" for kind, n in kinds.most_common())
    if question.index is not None:
        lines.extend(latency_lines(cohort, question.index, question.outcomes))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    asked = args.index is not None or args.outcome or args.grace_months is not None
    print(summarise(load_source(args), question_of(args) if asked else None))
    return finish(args, 0)


def register(sub: Any) -> None:
    """Add the ``summary`` command to the subparsers ``sub``."""
    command = sub.add_parser("summary", help="summarise a cohort file (the bundled cohort by default)")
    command.add_argument("file", nargs="?", help=f"{SOURCES_HELP} (default: the bundled cohort)")
    add_table_options(command)
    add_question_options(command, source=False)
    command.set_defaults(handler=run)
