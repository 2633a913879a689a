"""``dmt-timeline describe``: episodes, transitions, transfers and latencies of a cohort."""

from __future__ import annotations

import argparse
import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

from dmt_timeline._collector import collector_paused
from dmt_timeline.catalogue import TherapyClass
from dmt_timeline.cli._common import load
from dmt_timeline.errors import TimelineError
from dmt_timeline.latency import Latency, index_episode, latency
from dmt_timeline.model import Cohort
from dmt_timeline.timeline import Timeline, transfer


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


@collector_paused()  # a timeline per patient, kept: see dmt_timeline._collector
def describe(cohort: Cohort) -> str:
    """A plain-text description of a cohort through the timeline algebra.

    Patients, episodes by therapy, transitions by kind, transfers from interferon beta to
    each patient's first natalizumab start by kind, and response latencies after that start.

    Raises:
        TimelineError: naming the patient when a history cannot be a timeline.
    """
    timelines = [Timeline.of(patient) for patient in cohort]
    episodes = Counter(e.therapy.name for t in timelines for e in t)
    transitions = Counter(f"{tr.kind.value} ({tr.change.value})" for t in timelines for tr in t.transitions())
    transfers: Counter[str] = Counter()
    for t in timelines:
        found = transfer(t, TherapyClass.INTERFERON_BETA, "natalizumab", initiation="first")
        transfers[found[0].kind.value if found else "no natalizumab"] += 1
    outcomes = ["MS", *sorted({o.key for p in cohort for o in p.observations} - {"MS"})]
    latencies: dict[str, list[Latency]] = {outcome: [] for outcome in outcomes}
    unknown: Counter[str] = Counter()
    for patient in cohort:
        position = index_episode(patient, "natalizumab", initiation="first")
        if position is None:
            continue
        for outcome in outcomes:
            try:
                latencies[outcome].append(latency(patient, outcome, episode=position))
            except TimelineError:
                unknown[outcome] += 1
    lines = [
        f"{len(cohort)} patients, {sum(episodes.values())} therapy episodes",
        *([f"source: {cohort.metadata.source}"] if cohort.metadata.source else []),
        *_counts("episodes by therapy:", episodes),
        *_counts("transitions by kind (3-month grace period):", transitions),
        *_counts("interferon beta -> first natalizumab start, by transfer kind:", transfers),
        "latencies after the first natalizumab start:",
        *(_latency_line(outcome, latencies[outcome], unknown[outcome]) for outcome in outcomes),
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    print(describe(load(args.file)))
    return 0


def register(sub: Any) -> None:
    """Add the ``describe`` command to the subparsers ``sub``."""
    command = sub.add_parser(
        "describe",
        help="episodes, transitions, transfers and latencies of a cohort (the bundled cohort by default)",
    )
    command.add_argument("file", nargs="?", help="a cohort JSON file")
    command.set_defaults(handler=run)
