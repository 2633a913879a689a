"""Every claim of the publication, in the order of ``PUBLISHED``, checked against the cohort."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dmt_timeline.model import Cohort
from dmt_timeline.studies.natalizumab_psoriasis.claim import Claim, _simple
from dmt_timeline.studies.natalizumab_psoriasis.cohort_claims import (
    _csf_claim,
    _follow_up_claim,
    _treatment_claims,
)
from dmt_timeline.studies.natalizumab_psoriasis.discontinuation_claims import _dmf_claims, _ifnb_claims
from dmt_timeline.studies.natalizumab_psoriasis.kruskal_wallis import _comparisons
from dmt_timeline.studies.natalizumab_psoriasis.paradigm_claims import _group_claims, _ifn_path_claims
from dmt_timeline.studies.natalizumab_psoriasis.response_claims import (
    _comparison_claims,
    _latency_claims,
    _natalizumab_claims,
)
from dmt_timeline.studies.natalizumab_psoriasis.rows import _Row, _rows

if TYPE_CHECKING:  # scipy comes in with stats; it is imported when the comparisons run
    from dmt_timeline.stats import GroupComparison


def _claims(rows: Sequence[_Row], found: Sequence[GroupComparison]) -> tuple[Claim, ...]:
    return (
        _simple("cohort_size", "The series has 18 patients.", len(rows)),
        *_group_claims(rows),
        *_ifnb_claims(rows),
        *_dmf_claims(rows),
        *_natalizumab_claims(rows),
        *_latency_claims(rows),
        *_treatment_claims(rows),
        _csf_claim(rows),
        *_ifn_path_claims(rows),
        _follow_up_claim(rows),
        *_comparison_claims(found),
    )


def claims(cohort: Cohort, *, n_resamples: int = 9999, random_state: int | None = 0) -> tuple[Claim, ...]:
    """Every quantitative statement of the publication that its table can support, checked.

    Args:
        cohort: The patients (the bundled cohort, or a corrected transcription of it).
        n_resamples: Permutation budget of the three comparisons.
        random_state: Seed of their Monte Carlo permutations.

    Returns:
        The claims, in the order of :data:`PUBLISHED`.

    Raises:
        TimelineError: when a patient's history cannot be a timeline, a patient never started
            natalizumab, or a latency the comparisons need is censored or not whole months.
    """
    rows = _rows(cohort)
    return _claims(rows, _comparisons(rows, n_resamples=n_resamples, random_state=random_state))
