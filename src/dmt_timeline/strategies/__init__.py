"""Hypothesis strategies for the library's values, for your own property tests.

Every strategy builds valid values by construction (no filtering), takes keyword-only
arguments that default to the whole valid domain, and shrinks towards simple values: year
precision, the earliest dates, few episodes, no optional fields. Importing this module
registers a strategy for each domain type, so ``st.from_type(Patient)`` works.

Hypothesis is a test dependency (``pip install dmt-timeline[test]``); ``import dmt_timeline``
never imports this module.

Example::

    from hypothesis import given

    from dmt_timeline import Timeline
    from dmt_timeline.strategies import patients

    @given(patients(max_episodes=4))
    def test_every_generated_patient_has_a_timeline(patient):
        assert len(Timeline.of(patient)) == len(patient.episodes)
"""

from __future__ import annotations

from dmt_timeline.strategies import _registry  # noqa: F401  (importing it registers the type strategies)
from dmt_timeline.strategies._episodes import edss_scores, switch_reasons, therapies, therapy_episodes
from dmt_timeline.strategies._events import edss_assessments, mri_scans, relapses, scored_assessments
from dmt_timeline.strategies._histories import timelines
from dmt_timeline.strategies._partial_dates import month_ranges, partial_dates, refinements
from dmt_timeline.strategies._patients import cohorts, patients
from dmt_timeline.strategies._records import (
    cohort_metadata,
    comorbidity_treatments,
    conditions,
    diagnoses,
    response_observations,
)
from dmt_timeline.strategies._regimens import regimen_timelines

__all__ = [
    "cohort_metadata",
    "cohorts",
    "comorbidity_treatments",
    "conditions",
    "diagnoses",
    "edss_assessments",
    "edss_scores",
    "month_ranges",
    "mri_scans",
    "partial_dates",
    "patients",
    "refinements",
    "regimen_timelines",
    "relapses",
    "response_observations",
    "scored_assessments",
    "switch_reasons",
    "therapies",
    "therapy_episodes",
    "timelines",
]
