"""Rank-based comparison of one numeric measure across named groups.

Kruskal-Wallis (asymptotic and permutation p-values, epsilon squared), pairwise
Mann-Whitney U and Dunn follow-ups with Holm or Benjamini-Hochberg adjustment, and a
bracketing check for measures known only to within a range (coarse dates).

Time to event: Kaplan-Meier, the log-rank test and Aalen-Johansen cumulative incidence
(:mod:`dmt_timeline.stats.survival`), and for times known only to a range the Turnbull NPMLE
and an interval-censored log-rank test (:mod:`dmt_timeline.stats.interval`).
"""

from __future__ import annotations

from dmt_timeline.stats.adjust import Correction, holm_adjust
from dmt_timeline.stats.interval import IntervalLogRank, Turnbull, interval_logrank, turnbull
from dmt_timeline.stats.omnibus import GroupComparison, GroupSummary, compare_groups
from dmt_timeline.stats.pairwise import PairResult, PairwiseComparison, pairwise_dunn, pairwise_mannwhitney
from dmt_timeline.stats.ranges import RangeComparison, compare_ranges
from dmt_timeline.stats.survival import (
    CumulativeIncidence,
    KaplanMeier,
    LogRank,
    aalen_johansen,
    kaplan_meier,
    logrank,
)

__all__ = [
    "Correction",
    "CumulativeIncidence",
    "GroupComparison",
    "GroupSummary",
    "IntervalLogRank",
    "KaplanMeier",
    "LogRank",
    "PairResult",
    "PairwiseComparison",
    "RangeComparison",
    "Turnbull",
    "aalen_johansen",
    "compare_groups",
    "compare_ranges",
    "holm_adjust",
    "interval_logrank",
    "kaplan_meier",
    "logrank",
    "pairwise_dunn",
    "pairwise_mannwhitney",
    "turnbull",
]
