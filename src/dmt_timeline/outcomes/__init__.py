"""MS outcomes derived from clinical events: attribution of events to therapy episodes,
confirmed disability worsening (RAW and PIRA), annualised relapse rates, time to first relapse
NEDA-3, when MS activity ceased, and treatment strategies."""

from dmt_timeline.outcomes.activity import (
    DEFAULT_QUIET_MONTHS,
    ActivityCeased,
    LatencyCheck,
    activity_ceased,
    check_latencies,
    cohort_activity_ceased,
)
from dmt_timeline.outcomes.attribution import (
    Attribution,
    AttributionState,
    Candidate,
    EffectWindows,
    EventKind,
    Window,
    attribute_date,
    attribute_events,
    cohort_attributions,
)
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
from dmt_timeline.outcomes.neda import Neda, cohort_neda, neda
from dmt_timeline.outcomes.relapses import (
    DAYS_PER_YEAR,
    FirstRelapse,
    RelapseRate,
    cohort_first_relapses,
    episode_relapse_rates,
    first_relapse,
    relapse_rate,
)

__all__ = [
    "DAYS_PER_YEAR",
    "DEFAULT_QUIET_MONTHS",
    "ActivityCeased",
    "Attribution",
    "AttributionState",
    "Baseline",
    "Candidate",
    "CdwSettings",
    "DisabilityEvent",
    "DisabilityKind",
    "DisabilityResults",
    "EffectWindows",
    "EventKind",
    "EventSelection",
    "FirstRelapse",
    "LatencyCheck",
    "Neda",
    "RelapseRate",
    "Window",
    "activity_ceased",
    "attribute_date",
    "attribute_events",
    "check_latencies",
    "cohort_activity_ceased",
    "cohort_attributions",
    "cohort_first_relapses",
    "cohort_neda",
    "confirmed_disability_events",
    "episode_relapse_rates",
    "first_relapse",
    "minimum_change",
    "neda",
    "relapse_rate",
]
