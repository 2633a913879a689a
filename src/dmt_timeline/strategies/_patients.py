"""Strategies for patients, with observations that fit their episodes, and cohorts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from dmt_timeline.catalogue import Therapy
from dmt_timeline.dates import PartialDate, Precision
from dmt_timeline.model import _EVENT_DATES, Cohort, Patient, ResponseObservation, Sex
from dmt_timeline.strategies._episodes import _OPTIONAL_EDSS
from dmt_timeline.strategies._events import edss_assessments, mri_scans, relapses, scored_assessments
from dmt_timeline.strategies._histories import _history, _history_spec
from dmt_timeline.strategies._partial_dates import _checked_dates, _dates
from dmt_timeline.strategies._records import _diagnosis, _observation, cohort_metadata, comorbidity_treatments
from dmt_timeline.strategies._records import conditions as any_conditions
from dmt_timeline.timeline import DEFAULT_MAX_OVERLAP_MONTHS


def _default_ids() -> st.SearchStrategy[str]:
    # No whitespace at all, so every drawn text is a valid (non-blank) id.
    text = st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
        min_size=1,
        max_size=12,
    )
    return st.integers(min_value=1, max_value=99_999).map(lambda n: f"P{n:02d}") | text


def _birth_date(
    draw: st.DrawFn,
    spec: Any,
    records: tuple[object, ...],
    events: dict[str, tuple[Any, ...]],
    follow_up: PartialDate | None,
) -> PartialDate | None:
    """An optional birth date that no date of the patient is certainly before."""
    dates: list[PartialDate | None] = [follow_up]
    dates += [getattr(r, "start", None) or getattr(r, "date", None) for r in records]
    dates += [date_of(e) for field, date_of in _EVENT_DATES for e in events[field]]
    until = min((d.last_day for d in dates if d is not None), default=spec.hi)
    found = _dates(spec.lo, spec.hi, spec.precisions, starts_until=until)
    if found is None or not draw(st.booleans()):
        return None
    return draw(found)


def patients(
    *,
    min_episodes: int = 0,
    max_episodes: int | None = None,
    ids: st.SearchStrategy[str] | None = None,
    therapies: st.SearchStrategy[Therapy] | None = None,
    min_value: PartialDate | dt.date | None = None,
    max_value: PartialDate | dt.date | None = None,
    precisions: Collection[Precision] | None = None,
    sequences: bool | None = None,
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
) -> st.SearchStrategy[Patient]:
    """Valid patients whose history :meth:`Timeline.of` accepts at ``max_overlap_months``.

    Episodes are generated as by :func:`timelines` and stored in any order (shrinking towards
    timeline order). Observations each refer to one of the episodes; a dated one is never
    before its episode's start nor after the last follow-up. The last follow-up, when present,
    is never before any start. Diagnoses (one per condition), EDSS scores, comorbidity
    treatments, labels, clinical events (relapses, EDSS assessments, MRI scans, other scored
    assessments; none after the last follow-up), sex and a birth date (that no date of the
    patient is certainly before) are optional.

    Args:
        min_episodes: The fewest episodes.
        max_episodes: The most episodes; default ``max(min_episodes, 6)``.
        ids: The patient ids; default short ids such as ``"P07"`` or text without spaces.
        therapies: The therapies to draw from; default :func:`therapies`.
        min_value: The earliest day any date may mean.
        max_value: The latest day any date may mean.
        precisions: The precisions of every date; default all three.
        sequences: Number the episodes (True), never (False) or either (None).
        max_overlap_months: The overlap the histories must respect, or None for any.

    Example::

        @given(patients(min_episodes=1, precisions=[Precision.YEAR]))
        def test_has_a_first_line(patient):
            assert Timeline.of(patient).lines()[0].number == 1
    """
    spec = _history_spec(
        min_size=min_episodes,
        max_size=max_episodes,
        therapies=therapies,
        min_value=min_value,
        max_value=max_value,
        precisions=precisions,
        sequences=sequences,
        max_overlap_months=max_overlap_months,
        names=("min_episodes", "max_episodes"),
    )
    if ids is not None and not isinstance(ids, st.SearchStrategy):
        raise InvalidArgument(f"ids={ids!r} must be a strategy; wrap one id in st.just()")
    id_strategy = _default_ids() if ids is None else ids
    diagnosis_dates = _checked_dates(spec.lo, spec.hi, spec.precisions)
    conditions = st.lists(any_conditions(), max_size=3, unique=True)
    text = st.text(max_size=20)
    labels = st.dictionaries(text, text, max_size=2)
    treatments = st.lists(comorbidity_treatments(), max_size=2)

    @st.composite
    def build(draw: st.DrawFn) -> Patient:
        patient_id = draw(id_strategy)
        ordered, follow_up = _history(draw, spec)
        episodes = draw(st.permutations(ordered))
        observations: list[ResponseObservation] = []
        if episodes:
            for _ in range(draw(st.integers(0, 4))):
                index = draw(st.integers(0, len(episodes) - 1))
                until = None if follow_up is None else follow_up.last_day
                start = episodes[index].start
                dates = _dates(
                    spec.lo, spec.hi, spec.precisions, ends_from=start.first_day, starts_until=until
                )
                assert dates is not None  # the start itself is a candidate
                observations.append(_observation(draw, index, dates))
        until = spec.hi if follow_up is None else min(spec.hi, follow_up.last_day)
        # Events are drawn for some patients only, to keep whole cohorts cheap to generate.
        strategies: tuple[Callable[..., st.SearchStrategy[Any]], ...] = (
            relapses,
            edss_assessments,
            mri_scans,
            scored_assessments,
        )
        events: dict[str, tuple[Any, ...]] = {
            field: tuple(draw(st.lists(strategy(min_value=spec.lo, max_value=until), max_size=2)))
            if draw(st.booleans())
            else ()
            for (field, _), strategy in zip(_EVENT_DATES, strategies, strict=True)
        }
        diagnoses = tuple(_diagnosis(draw, c, diagnosis_dates) for c in draw(conditions))
        return Patient(
            patient_id,
            tuple(episodes),
            diagnoses,
            tuple(observations),
            draw(_OPTIONAL_EDSS),
            draw(_OPTIONAL_EDSS),
            follow_up,
            tuple(draw(treatments)),
            tuple(draw(labels).items()),
            **events,
            sex=draw(st.none() | st.sampled_from(Sex)),
            birth_date=_birth_date(draw, spec, (*episodes, *diagnoses), events, follow_up),
        )

    return build()


def _id_of(patient: Patient) -> str:
    return patient.id


def cohorts(
    elements: st.SearchStrategy[Patient] | None = None,
    *,
    min_size: int = 0,
    max_size: int | None = None,
) -> st.SearchStrategy[Cohort]:
    """Cohorts of patients with unique ids, and metadata.

    Args:
        elements: The patients; default :func:`patients`.
        min_size: The fewest patients.
        max_size: The most patients; default no limit (Hypothesis keeps lists short).

    Example::

        @given(cohorts(patients(max_episodes=3), max_size=5))
        def test_ids_unique(cohort):
            assert len({p.id for p in cohort}) == len(cohort)
    """
    if elements is not None and not isinstance(elements, st.SearchStrategy):
        raise InvalidArgument(f"elements={elements!r} must be a strategy of patients")
    people = patients() if elements is None else elements
    return st.builds(
        Cohort,
        st.lists(people, min_size=min_size, max_size=max_size, unique_by=_id_of).map(tuple),
        cohort_metadata(),
    )
