"""``dmt-timeline describe``: episodes, transitions, transfers and latencies of a cohort."""

from __future__ import annotations

import argparse
import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any, Final

import attrs

from dmt_timeline._collector import collector_paused
from dmt_timeline.catalogue import CATALOGUE, Therapy, TherapyClass
from dmt_timeline.cli._common import SOURCES_HELP, add_table_options, finish, load_source, non_negative
from dmt_timeline.errors import TimelineError, UnknownTherapyError, quoted
from dmt_timeline.latency import (
    Latency,
    _concerns,
    cohort_outcomes,
    index_episode,
    latency,
    outcome_condition,
    outcome_keys,
)
from dmt_timeline.model import Cohort
from dmt_timeline.timeline import (
    DEFAULT_GRACE_MONTHS,
    Selector,
    Timeline,
    check_grace_months,
    resolve_selector,
    transfer,
)


def _counts(title: str, counter: Counter[str]) -> list[str]:
    return (
        [title, *(f"  {name:<32} {n:>4}" for name, n in counter.most_common())]
        if counter
        else [title, "  none"]
    )


def _latency_line(outcome: str, found: Sequence[Latency], unknown: int) -> str:
    observed = [item for item in found if item.observed]
    text = f"  {outcome:<12} {len(observed)} observed, {len(found) - len(observed)} censored"
    if unknown:
        text += f", {unknown} unknown (nothing observed, no last follow-up)"
    if observed:
        lows = [item.months.low for item in observed]
        highs = [item.months.high for item in observed]
        if lows == highs:
            text += f"; months min {min(lows)}, median {statistics.median(lows):g}, max {max(lows)}"
        else:
            text += (
                f"; months (low..high ends) min {min(lows)}..{min(highs)}, "
                f"median {statistics.median(lows):g}..{statistics.median(highs):g}, "
                f"max {max(lows)}..{max(highs)}"
            )
    return text


@attrs.frozen
class Question:
    """What ``describe``, ``summary`` and ``plot`` are asked about a cohort.

    Attributes:
        index: The therapy (or class) latencies count from and transfers lead to; None for
            neither.
        source: The therapy (or class) transfers come from; None for no transfers.
        outcomes: Outcome keys; None for those the cohort's own data speak of.
        grace_months: The grace period transitions are judged with.
    """

    index: Selector | None = None
    source: Selector | None = None
    outcomes: tuple[str, ...] | None = None
    grace_months: int = DEFAULT_GRACE_MONTHS


STUDY_QUESTION: Final = Question("natalizumab", TherapyClass.INTERFERON_BETA)
"""The bundled study's question (its design, asked of the bundled cohort only): latencies after
the first natalizumab start, and transfers from interferon beta to it."""


def selector(text: str) -> Therapy | TherapyClass:
    """A therapy (name, alias or code), or a mechanism class written ``class:<name>``."""
    kind, colon, name = text.partition(":")
    if not colon or kind.strip().casefold() != "class":
        return CATALOGUE.get(text)
    for member in TherapyClass:
        if member.value.casefold() == name.strip().casefold():
            return member
    known = ", ".join(repr(member.value) for member in TherapyClass)
    raise UnknownTherapyError(f"therapy class {quoted(name.strip())} is not one of {known}")


def _name(selector: Selector) -> str:
    return selector.value if isinstance(selector, TherapyClass) else str(selector)


@collector_paused()  # a timeline per patient, kept: see dmt_timeline._collector
def describe(cohort: Cohort, question: Question | None = None) -> str:
    """A plain-text description of a cohort through the timeline algebra.

    Patients, episodes by therapy and transitions by kind; with ``question.index``, response
    latencies after each patient's first start of it (for the outcomes asked, by default those
    the cohort's data speak of; a comorbidity only for the patients it concerns); with
    ``question.source`` too, transfers from the source to that start by kind. Without a
    question, the bundled study's (interferon beta to natalizumab).

    Raises:
        TimelineError: what :meth:`Timeline.of <dmt_timeline.Timeline.of>` refuses, with its message.
    """
    ask = STUDY_QUESTION if question is None else question
    grace = ask.grace_months
    check_grace_months(grace)
    timelines = [Timeline.of(patient) for patient in cohort]
    episodes = Counter(e.therapy.name for t in timelines for e in t)
    transitions = Counter(
        f"{tr.kind.value} ({tr.change.value})" for t in timelines for tr in t.transitions(grace_months=grace)
    )
    lines = [
        f"{len(cohort)} patients, {sum(episodes.values())} therapy episodes",
        *([f"source: {cohort.metadata.source}"] if cohort.metadata.source else []),
        *_counts("episodes by therapy:", episodes),
        *_counts(f"transitions by kind ({grace}-month grace period):", transitions),
    ]
    if ask.index is None:
        return "\n".join(lines)
    index = resolve_selector(ask.index)
    index_name = _name(ask.index)
    if ask.source is not None:
        transfers: Counter[str] = Counter()
        for t in timelines:
            found = transfer(t, ask.source, index, initiation="first")
            transfers[found[0].kind.value if found else f"no {index_name}"] += 1
        lines.extend(
            _counts(f"{_name(ask.source)} -> first {index_name} start, by transfer kind:", transfers)
        )
    lines.extend(latency_lines(cohort, ask.index, ask.outcomes))
    return "\n".join(lines)


def latency_lines(cohort: Cohort, selected: Selector, outcomes: Sequence[str] | None) -> list[str]:
    """Latencies after each patient's first start of ``selected``, one line per outcome."""
    index = resolve_selector(selected)
    index_name = _name(selected)
    chosen = cohort_outcomes(cohort) if outcomes is None else outcome_keys(outcomes)
    conditions = {outcome: outcome_condition(outcome) for outcome in chosen}
    latencies: dict[str, list[Latency]] = {outcome: [] for outcome in chosen}
    unknown: Counter[str] = Counter()
    for patient in cohort:
        position = index_episode(patient, index, initiation="first")
        if position is None:
            continue
        for outcome in chosen:
            if not _concerns(patient, conditions[outcome]):
                continue
            try:
                latencies[outcome].append(latency(patient, outcome, episode=position))
            except TimelineError:
                unknown[outcome] += 1
    return [
        f"latencies after the first {index_name} start:",
        *(_latency_line(outcome, latencies[outcome], unknown[outcome]) for outcome in chosen),
    ]


def question_of(args: argparse.Namespace) -> Question | None:
    """The question the options ask; None (the study's) for the bundled cohort asked nothing."""
    source = getattr(args, "source", None)
    asked = args.index is not None or source is not None or args.outcome or args.grace_months is not None
    if args.file is None and not asked:
        return None
    return Question(
        None if args.index is None else selector(args.index),
        None if getattr(args, "source", None) is None else selector(args.source),
        None if not args.outcome else tuple(args.outcome),
        DEFAULT_GRACE_MONTHS if args.grace_months is None else args.grace_months,
    )


def add_question_options(command: Any, *, source: bool = True) -> None:
    """The options that say what to ask of a cohort: index, source, outcomes, grace period."""
    command.add_argument(
        "--index",
        metavar="THERAPY",
        help=(
            "the therapy latencies count from (and transfers lead to): a name, alias or code, or a "
            "class written class:<name> (the bundled cohort: its study's, natalizumab)"
        ),
    )
    if source:
        command.add_argument(
            "--source",
            metavar="THERAPY",
            help="with --index, also count transfers from this therapy or class:<name> to it",
        )
    command.add_argument(
        "--outcome",
        action="append",
        metavar="KEY",
        help="an outcome, MS or a comorbidity's name; repeatable (default: those the cohort's data name)",
    )
    command.add_argument(
        "--grace-months",
        type=non_negative,
        metavar="N",
        help=f"the grace period transitions are judged with (default: {DEFAULT_GRACE_MONTHS})",
    )


def run(args: argparse.Namespace) -> int:
    print(describe(load_source(args), question_of(args)))
    return finish(args, 0)


def register(sub: Any) -> None:
    """Add the ``describe`` command to the subparsers ``sub``."""
    command = sub.add_parser(
        "describe",
        help="episodes, transitions, transfers and latencies of a cohort (the bundled cohort by default)",
    )
    command.add_argument("file", nargs="?", help=f"{SOURCES_HELP} (default: the bundled cohort)")
    add_table_options(command)
    add_question_options(command)
    command.set_defaults(handler=run)
