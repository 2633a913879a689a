"""Rank-based comparison of one numeric measure across named groups.

Kruskal-Wallis (asymptotic and permutation p-values, epsilon squared), pairwise
Mann-Whitney U and Dunn follow-ups with Holm or Benjamini-Hochberg adjustment, and a
bracketing check for measures known only to within a range (coarse dates).
"""

from __future__ import annotations

from dmt_timeline.stats.adjust import Correction, holm_adjust
from dmt_timeline.stats.omnibus import GroupComparison, GroupSummary, compare_groups
from dmt_timeline.stats.pairwise import PairResult, PairwiseComparison, pairwise_dunn, pairwise_mannwhitney
from dmt_timeline.stats.ranges import RangeComparison, compare_ranges

__all__ = [
    "Correction",
    "GroupComparison",
    "GroupSummary",
    "PairResult",
    "PairwiseComparison",
    "RangeComparison",
    "compare_groups",
    "compare_ranges",
    "holm_adjust",
    "pairwise_dunn",
    "pairwise_mannwhitney",
]
