"""Strategies for the rest of a patient record: diagnoses, comorbidity treatments, response
observations, and cohort metadata."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Final

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from dmt_timeline.catalogue import Code
from dmt_timeline.conditions import Condition
from dmt_timeline.dates import PartialDate, Precision
from dmt_timeline.model import (
    MAX_LATENCY_MONTHS,
    SGI,
    CohortMetadata,
    ComorbidityTreatment,
    CSFBands,
    Diagnosis,
    Modality,
    Outcome,
    ResponseObservation,
)
from dmt_timeline.strategies._partial_dates import _checked_dates, _day_range, _precisions, partial_dates

_OUTCOMES: Final = st.sampled_from(Outcome)
# Words of an open condition's name: printable, no spaces (names are trimmed; spaces join words).
_WORDS: Final = st.text(st.characters(exclude_categories=("C", "Z")), min_size=1, max_size=12)
# Codes no known condition has: SNOMED CT ids longer than any listed, ICD-10 codes of chapter U.
_OPEN_CODES: Final = st.lists(
    st.one_of(
        st.from_regex(r"[1-9][0-9]{11,15}", fullmatch=True).map(lambda c: Code("SNOMED CT", c, "")),
        st.from_regex(r"U[0-9]{2}(\.[0-9])?", fullmatch=True).map(lambda c: Code("ICD-10", c, "")),
    ),
    max_size=2,
    unique_by=lambda c: (c.system, c.code),
)


def conditions(*, known: bool | None = None, ms: bool = True) -> st.SearchStrategy[Condition]:
    """Conditions: the known ones of ``data/conditions.toml`` and open ones, any printable name
    of a few words, some with codes.

    Args:
        known: True for known conditions only, False for open ones only; default both.
        ms: False to leave multiple sclerosis out (for a comorbidity).

    Example::

        @given(conditions())
        def test_a_condition_is_its_name(condition):
            assert Condition(condition.name) == condition
    """
    listed = st.sampled_from([c for c in Condition.known() if ms or c != Condition.MULTIPLE_SCLEROSIS])
    named = st.builds(Condition, st.lists(_WORDS, min_size=1, max_size=3).map(" ".join), _OPEN_CODES)
    # A drawn name may be a known name or alias in another spelling: it is that condition then.
    drawn = named if ms else named.filter(lambda c: c != Condition.MULTIPLE_SCLEROSIS)
    if known is True:
        return listed
    if known is False:
        return drawn.filter(lambda c: not c.is_known)
    return listed | drawn


_COMORBIDITIES: Final = conditions(ms=False)
_OPTIONAL_GRADES: Final = st.none() | st.sampled_from([g for g in SGI if g.is_improvement])
_OPTIONAL_CSF: Final = st.none() | st.sampled_from(CSFBands)


def _diagnosis(draw: st.DrawFn, condition: Condition, dates: st.SearchStrategy[PartialDate]) -> Diagnosis:
    date = draw(st.none() | dates)
    ms = condition == Condition.MULTIPLE_SCLEROSIS
    csf = draw(_OPTIONAL_CSF) if ms else None
    return Diagnosis(condition, date, csf)


def diagnoses(
    *,
    min_value: PartialDate | dt.date | None = None,
    max_value: PartialDate | dt.date | None = None,
    precisions: Collection[Precision] | None = None,
) -> st.SearchStrategy[Diagnosis]:
    """Diagnoses, with an optional date between the bounds; only MS carries CSF evidence.

    Example::

        @given(diagnoses())
        def test_csf_is_ms_evidence(diagnosis):
            assert diagnosis.csf is None or diagnosis.condition == Condition.MULTIPLE_SCLEROSIS
    """
    lo, hi = _day_range(min_value, max_value)
    dates = _checked_dates(lo, hi, _precisions(precisions))

    @st.composite
    def build(draw: st.DrawFn) -> Diagnosis:
        return _diagnosis(draw, draw(conditions()), dates)

    return build()


def comorbidity_treatments() -> st.SearchStrategy[ComorbidityTreatment]:
    """Treatments of a comorbidity: one or more distinct modalities, current or not.

    Example::

        @given(comorbidity_treatments())
        def test_has_a_modality(treatment):
            assert treatment.modalities
    """
    return st.builds(
        ComorbidityTreatment,
        _COMORBIDITIES,
        st.lists(st.sampled_from(Modality), min_size=1, unique=True).map(tuple),
        st.booleans(),
    )


def _observation(draw: st.DrawFn, episode: int, dates: st.SearchStrategy[PartialDate]) -> ResponseObservation:
    outcome = draw(_OUTCOMES)
    if outcome is Outcome.MS_ACTIVITY_CEASED:
        condition, grade = Condition.MULTIPLE_SCLEROSIS, None
    else:
        condition = draw(_COMORBIDITIES)
        grade = draw(_OPTIONAL_GRADES)
    if draw(st.booleans()):
        return ResponseObservation(outcome, episode, condition, date=draw(dates), grade=grade)
    months = draw(st.integers(min_value=0, max_value=MAX_LATENCY_MONTHS))
    return ResponseObservation(outcome, episode, condition, latency_months=months, grade=grade)


def response_observations(
    *,
    episodes: st.SearchStrategy[int] | None = None,
    dates: st.SearchStrategy[PartialDate] | None = None,
) -> st.SearchStrategy[ResponseObservation]:
    """Response observations on their own: a stated latency (the simplest) or a date.

    The outcome and condition always fit (MS for ``MS activity ceased``, a comorbidity
    otherwise) and a grade, when present, counts as improvement. Observations that must fit a
    patient's episodes come from :func:`patients`.

    Args:
        episodes: The index episode positions; default any index ``>= 0``.
        dates: The observation dates; default :func:`partial_dates`.

    Example::

        @given(response_observations(episodes=st.just(0)))
        def test_first_episode(observation):
            assert observation.episode == 0
    """
    positions = st.integers(min_value=0) if episodes is None else episodes
    when = partial_dates() if dates is None else dates
    for name, value in (("episodes", positions), ("dates", when)):
        if not isinstance(value, st.SearchStrategy):
            raise InvalidArgument(f"{name}={value!r} must be a strategy")

    @st.composite
    def build(draw: st.DrawFn) -> ResponseObservation:
        return _observation(draw, draw(positions), when)

    return build()


def cohort_metadata() -> st.SearchStrategy[CohortMetadata]:
    """Cohort metadata of any text (empty, the default, is the simplest)."""
    return st.builds(CohortMetadata, st.text(), st.text(), st.text())
