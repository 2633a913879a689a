"""MS outcomes derived from clinical events: confirmed disability worsening, RAW and PIRA."""

from dmt_timeline.outcomes.disability import (
    Baseline,
    CdwSettings,
    DisabilityEvent,
    DisabilityKind,
    DisabilityResults,
    EventSelection,
    confirmed_disability_events,
    minimum_change,
)

__all__ = [
    "Baseline",
    "CdwSettings",
    "DisabilityEvent",
    "DisabilityKind",
    "DisabilityResults",
    "EventSelection",
    "confirmed_disability_events",
    "minimum_change",
]
