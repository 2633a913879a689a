"""Strategies for clinical events: relapses, EDSS assessments, MRI scans, scored assessments."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from hypothesis import strategies as st

from dmt_timeline.dates import PartialDate
from dmt_timeline.events import (
    MAX_LESIONS,
    EdssAssessment,
    Measure,
    MriScan,
    Recovery,
    Relapse,
    RelapseSeverity,
    ScoredAssessment,
)
from dmt_timeline.strategies._episodes import edss_scores
from dmt_timeline.strategies._partial_dates import partial_dates

_Bound = PartialDate | dt.date | None


T = TypeVar("T")


def _optional(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


def relapses(*, min_value: _Bound = None, max_value: _Bound = None) -> st.SearchStrategy[Relapse]:
    """Relapses with onsets between ``min_value`` and ``max_value``; optional fields shrink to None."""
    return st.builds(
        Relapse,
        onset=partial_dates(min_value=min_value, max_value=max_value),
        severity=_optional(st.sampled_from(RelapseSeverity)),
        recovery=_optional(st.sampled_from(Recovery)),
        steroids=_optional(st.booleans()),
    )


def edss_assessments(
    *, min_value: _Bound = None, max_value: _Bound = None
) -> st.SearchStrategy[EdssAssessment]:
    """EDSS assessments dated between ``min_value`` and ``max_value``, with any valid score."""
    return st.builds(
        EdssAssessment,
        date=partial_dates(min_value=min_value, max_value=max_value),
        score=edss_scores(),
        during_relapse=_optional(st.booleans()),
    )


def mri_scans(*, min_value: _Bound = None, max_value: _Bound = None) -> st.SearchStrategy[MriScan]:
    """MRI scans with at least one lesion count; counts shrink towards zero."""
    counts = st.integers(min_value=0, max_value=MAX_LESIONS)
    return st.one_of(
        st.builds(
            MriScan,
            date=partial_dates(min_value=min_value, max_value=max_value),
            new_t2=counts,
            gd_enhancing=_optional(counts),
        ),
        st.builds(MriScan, date=partial_dates(min_value=min_value, max_value=max_value), gd_enhancing=counts),
    )


def scored_assessments(
    *, measures: tuple[Measure, ...] = tuple(Measure), min_value: _Bound = None, max_value: _Bound = None
) -> st.SearchStrategy[ScoredAssessment]:
    """Scores of the given measures, each within its valid range."""

    def build(measure: Measure) -> st.SearchStrategy[ScoredAssessment]:
        low, high = measure.valid_range
        values: st.SearchStrategy[float] = (
            st.integers(min_value=int(low), max_value=int(high)).map(float)
            if measure is Measure.SDMT
            else st.floats(min_value=low, max_value=high, exclude_min=True, allow_nan=False)
        )
        return st.builds(
            ScoredAssessment,
            measure=st.just(measure),
            date=partial_dates(min_value=min_value, max_value=max_value),
            value=values,
        )

    return st.sampled_from(measures).flatmap(build)
