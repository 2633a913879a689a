"""What the publication states: its title and its own value for every claim, by claim id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

TITLE: Final = "Natalizumab in 18 patients with comorbid multiple sclerosis and psoriasis"

_NOT_SIGNIFICANT: Final = "no significant difference"

PUBLISHED: Final[Mapping[str, int | str]] = {
    "cohort_size": 18,
    "group_direct": 7,
    "group_indirect": 4,
    "group_no_ifn": 7,
    "ifnb_users": 11,
    "ifnb_stopped_for_psoriasis": "10 of 11",
    "ifnb_stopped_for_ms_activity": "3 of 11",
    "ga_stopped_for_psoriasis": 0,
    "dmf_started": 3,
    "dmf_stopped_intolerance_or_loe": "3 of 3",
    "dmf_stopped_intolerance": 2,
    "dmf_about_two_years": "1 of 3",
    "natalizumab_started": "18 of 18",
    "natalizumab_started_twice": "1 (lines 1 and 3)",
    "ms_activity_ceased": "18 of 18",
    "psoriasis_improved": "18 of 18",
    "ms_latency_range": "2-8 months",
    "psoriasis_latency_range": "1-5 months",
    "skin_before_ms": "most",
    "no_further_treatment": "15 of 18",
    "topical_treatment_continued": 3,
    "no_systemic_psoriasis_treatment": "16 of 18",
    "csf_positive": "16 of 18 positive, 2 not done",
    "psoriasis_after_ifnb": "5 of 11",
    "ifnb_indirect_to_natalizumab": "4 of 11",
    "ifnb_direct_to_natalizumab": "7 of 11",
    "direct_lag_two_to_three_years": "2 of 7",
    "last_evaluation": "2017-2020",
    "ms_latency_by_paradigm": _NOT_SIGNIFICANT,
    "psoriasis_latency_by_paradigm": _NOT_SIGNIFICANT,
    "lag_by_paradigm": _NOT_SIGNIFICANT,
}
"""The publication's own values, by claim id; nothing else in the module is typed in."""


def _published_count(claim_id: str) -> int:
    """The count a published value states: ``7`` or the ``5`` of ``"5 of 11"``."""
    value = PUBLISHED[claim_id]
    return value if isinstance(value, int) else int(value.split()[0])
