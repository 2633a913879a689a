"""The persistence window of a drug era: the one definition both era builders use.

Exposures of one therapy for one person join an era when the next start is at most the
window after the latest end so far. The window is the default (``persistence_days``: 30 days,
the OMOP CDM drug era convention), widened to the catalogue's ``dosing_interval_days`` for a
therapy given at longer intervals (infusions, courses); a window given for the therapy
overrides both. :func:`dmt_timeline.io.build_episodes` (one object per exposure) and
:func:`dmt_timeline.batch.exposure_transitions` (columns of day numbers) both take their
windows from :func:`persistence_window`, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping

from dmt_timeline.catalogue import Therapy

__all__ = ["persistence_window"]


def persistence_window(therapy: Therapy, default: int, overrides: Mapping[Therapy, int]) -> int:
    """The persistence window of ``therapy`` in days.

    Args:
        therapy: The therapy whose exposures are collapsed into eras.
        default: The window of a therapy without a longer dosing interval.
        overrides: Windows given per therapy, which replace the rule.
    """
    if therapy in overrides:
        return overrides[therapy]
    return max(default, therapy.dosing_interval_days or 0)
