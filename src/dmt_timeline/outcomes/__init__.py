"""MS outcomes derived from clinical events: confirmed disability worsening (RAW and PIRA) and
annualised relapse rates."""

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
from dmt_timeline.outcomes.relapses import DAYS_PER_YEAR, RelapseRate, episode_relapse_rates, relapse_rate

__all__ = [
    "DAYS_PER_YEAR",
    "Baseline",
    "CdwSettings",
    "DisabilityEvent",
    "DisabilityKind",
    "DisabilityResults",
    "EventSelection",
    "RelapseRate",
    "confirmed_disability_events",
    "episode_relapse_rates",
    "minimum_change",
    "relapse_rate",
]
