"""The registration of a strategy for each domain type, so ``st.from_type(Patient)`` works.

Importing this module registers them; :mod:`dmt_timeline.strategies` imports it.
"""

from __future__ import annotations

from hypothesis import strategies as st

from dmt_timeline.catalogue import Therapy
from dmt_timeline.conditions import Condition
from dmt_timeline.dates import MonthRange, PartialDate
from dmt_timeline.events import EdssAssessment, MriScan, Relapse, ScoredAssessment
from dmt_timeline.model import (
    EDSS,
    Cohort,
    CohortMetadata,
    ComorbidityTreatment,
    Diagnosis,
    Patient,
    ResponseObservation,
    TherapyEpisode,
)
from dmt_timeline.strategies._episodes import edss_scores, therapies, therapy_episodes
from dmt_timeline.strategies._events import edss_assessments, mri_scans, relapses, scored_assessments
from dmt_timeline.strategies._histories import timelines
from dmt_timeline.strategies._partial_dates import month_ranges, partial_dates
from dmt_timeline.strategies._patients import cohorts, patients
from dmt_timeline.strategies._records import (
    cohort_metadata,
    comorbidity_treatments,
    conditions,
    diagnoses,
    response_observations,
)
from dmt_timeline.timeline import Timeline

st.register_type_strategy(PartialDate, partial_dates())
st.register_type_strategy(Relapse, relapses())
st.register_type_strategy(EdssAssessment, edss_assessments())
st.register_type_strategy(MriScan, mri_scans())
st.register_type_strategy(ScoredAssessment, scored_assessments())
st.register_type_strategy(MonthRange, month_ranges())
st.register_type_strategy(EDSS, edss_scores())
st.register_type_strategy(Therapy, therapies())
st.register_type_strategy(TherapyEpisode, therapy_episodes())
st.register_type_strategy(Condition, conditions())
st.register_type_strategy(Diagnosis, diagnoses())
st.register_type_strategy(ResponseObservation, response_observations())
st.register_type_strategy(ComorbidityTreatment, comorbidity_treatments())
st.register_type_strategy(CohortMetadata, cohort_metadata())
st.register_type_strategy(Patient, patients())
st.register_type_strategy(Cohort, cohorts())
st.register_type_strategy(Timeline, timelines())
