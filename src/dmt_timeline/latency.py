"""Response latencies: months from the start of an index episode to the first observed response,
per outcome, right-censored when the index treatment ends; and the lag between two outcomes.

A latency the data state in whole months is kept as given; one derived from dated observations
is a :class:`~dmt_timeline.MonthRange` over every reading of the dates.

Censoring (rule 7): with no response observed, a latency is censored at the first of the end of
the index treatment, the next therapy's start and the last follow-up, over every reading of the
dates (``censor_at="index end"``, the default): a patient who stopped the index therapy after
five months is not credited with years of follow-up on it. The index treatment ends at the
index episode's stop, carried on through its regimen's next doses and planned courses and past
the last by the dosing interval (interval regimens) or the carry-over (course regimens); see
:meth:`Timeline.treatment_end <dmt_timeline.Timeline.treatment_end>`. ``censor_at="last follow-up"``
follows every patient to the last follow-up whatever they took after the index (an
intention-to-treat reading).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Final, Literal

import attrs

from dmt_timeline import _display
from dmt_timeline._collector import collector_paused
from dmt_timeline.dates import MonthRange, _month_range, _whole_months
from dmt_timeline.errors import InvalidValueError, TimelineError, quoted
from dmt_timeline.model import Cohort, Condition, Patient, TherapyEpisode, outcome_key
from dmt_timeline.regimens import REGIMENS, Regimens
from dmt_timeline.timeline import (
    _LAST_DAY,
    DEFAULT_MAX_OVERLAP_MONTHS,
    Selector,
    Timeline,
    episode_matches,
    in_order,
    resolve_selector,
)

if TYPE_CHECKING:  # scipy is imported only when a table is handed to it
    from scipy.stats import CensoredData

__all__ = [
    "CENSOR_AT",
    "CensorAt",
    "Latency",
    "cohort_latencies",
    "cohort_outcomes",
    "index_episode",
    "latency",
    "outcome_condition",
    "outcome_keys",
    "outcome_lag",
    "to_censored_data",
]


@attrs.frozen
class Latency:
    """Months from the start of the index episode to the first observed response.

    Attributes:
        patient_id: Whose latency it is.
        outcome: The outcome's key: ``"MS"`` or the comorbidity's name (``"psoriasis"``).
        months: The latency, or the follow-up time when censored, over every reading.
        observed: False when no response was observed while the patient was followed
            (right-censored; see ``censor_at`` of :func:`latency`).
        episode: The index episode.
    """

    patient_id: str
    outcome: str
    months: MonthRange
    observed: bool
    episode: TherapyEpisode

    @property
    def censored(self) -> bool:
        """True when the latency is right-censored."""
        return not self.observed

    def __str__(self) -> str:
        suffix = "" if self.observed else " (censored: no response observed)"
        return f"{self.patient_id} {self.outcome}: {self.months}{suffix}"

    def __repr__(self) -> str:
        return _display.latency_repr(self)


def outcome_condition(outcome: str) -> Condition:
    """The condition an outcome key names: ``"MS"`` (or any name of MS) or any comorbidity's name.

    Raises:
        TimelineError: for a key that is no condition's name (blank, too long, not text).
    """
    if outcome == "MS":  # the outcome tables' key for MS (see outcome_key), not a condition alias
        return Condition.MULTIPLE_SCLEROSIS
    try:
        return Condition(outcome)
    except InvalidValueError as exc:
        raise TimelineError(f"outcome: {exc}") from None


def outcome_keys(outcomes: Iterable[str]) -> tuple[str, ...]:
    """Outcome names as latencies name them (``"Psoriasis"`` is ``"psoriasis"``, ``"multiple
    sclerosis"`` is ``"MS"``), each once, in the order given.

    Raises:
        TimelineError: as :func:`outcome_condition`.
    """
    return tuple(dict.fromkeys(outcome_key(outcome_condition(o)) for o in outcomes))


CensorAt = Literal["index end", "last follow-up"]
"""Where a latency with no response is censored: see :data:`CENSOR_AT`."""

CENSOR_AT: Final[tuple[CensorAt, ...]] = ("index end", "last follow-up")
"""The censoring rules: ``"index end"`` (the default), at the first of the index treatment's end
(:meth:`Timeline.treatment_end <dmt_timeline.Timeline.treatment_end>`), the next therapy's start
and the last follow-up; ``"last follow-up"``, at the last follow-up
whatever the patient took after the index (intention to treat)."""


def _check_censor_at(censor_at: object) -> None:
    if censor_at not in CENSOR_AT:
        known = ", ".join(repr(c) for c in CENSOR_AT)
        raise TimelineError(f"censor_at {quoted(censor_at)} is not one of {known}")


def cohort_outcomes(cohort: Cohort | Iterable[Patient]) -> tuple[str, ...]:
    """The outcome keys a cohort's own data speak of: ``"MS"`` and each comorbidity some patient
    is diagnosed with or has a response observation of: the known conditions in the order of
    :meth:`Condition.known() <dmt_timeline.Condition.known>` (MS first), then any other by name.
    """
    seen: dict[str, Condition] = {}  # by spelling: one condition may be written several ways
    for patient in cohort:
        seen.update((d.condition.name, d.condition) for d in patient.diagnoses)
        seen.update((o.condition.name, o.condition) for o in patient.observations)
    return _in_order(seen.values())


def _in_order(conditions: Iterable[Condition]) -> tuple[str, ...]:
    """Outcome keys of conditions, each once: the known in their order, then the rest by name.

    A condition written several ways (``Lupus``, ``lupus``) is named by the first of its
    spellings in sorted order, whatever order the data give them in.
    """
    spelled: dict[Condition, Condition] = {}
    for condition in conditions:
        kept = spelled.get(condition)
        if kept is None or condition.name < kept.name:
            spelled[condition] = condition
    known = [c for c in Condition.known() if c in spelled]
    rest = sorted((c for c in spelled.values() if not c.is_known), key=lambda c: (c.name.casefold(), c.name))
    return tuple(outcome_key(c) for c in (*known, *rest))


def _concerns(patient: Patient, condition: Condition) -> bool:
    """Whether an outcome applies to a patient: MS to everyone; a comorbidity to those
    diagnosed with it or observed responding in it."""
    if condition == Condition.MULTIPLE_SCLEROSIS:
        return True
    return any(d.condition == condition for d in patient.diagnoses) or any(
        o.condition == condition for o in patient.observations
    )


def index_episode(
    patient: Patient, therapy: Selector, *, initiation: Literal["first", "last"] = "first"
) -> int | None:
    """The position in ``patient.episodes`` of the first (or last) start of a therapy or class.

    "First" and "last" follow the patient's timeline order (see :class:`~dmt_timeline.Timeline`).
    """
    if initiation not in ("first", "last"):
        raise TimelineError(f"initiation {initiation!r} is not one of 'first', 'last'")
    target = resolve_selector(therapy)
    # The timeline order of the matching episodes alone: sorting is stable, so it is the order
    # they have in the patient's whole timeline, without building and sorting that timeline.
    episodes = patient.episodes
    ordered = in_order(
        [e for e in episodes if episode_matches(e, target)],
        by_sequence=bool(episodes) and all(e.sequence is not None for e in episodes),
    )
    if not ordered:
        return None
    chosen = ordered[0] if initiation == "first" else ordered[-1]
    # By identity: a duplicated episode is equal to its twin, and "last" must find the later.
    return next(i for i, e in enumerate(patient.episodes) if e is chosen)


def _index_starts(
    patients: Iterable[Patient],
    index: Selector,
    *,
    initiation: Literal["first", "last"],
    max_overlap_months: int | None,
) -> Iterator[tuple[Patient, int, Timeline]]:
    """Each patient who started ``index``, with the position of that start and the patient's
    checked timeline: the one walk of the cohort functions that follow patients from an index.
    Every patient's history is checked, started or not, as every path that classifies does
    (rule 9)."""
    target = resolve_selector(index)  # once, not once per patient
    for patient in patients:
        timeline = Timeline.of(patient, max_overlap_months=max_overlap_months)
        position = index_episode(patient, target, initiation=initiation)
        if position is not None:
            yield patient, position, timeline


def latency(
    patient: Patient,
    outcome: str,
    *,
    episode: int,
    censor_at: CensorAt = "index end",
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
    regimens: Regimens = REGIMENS,
) -> Latency:
    """The latency of one outcome after the episode at position ``episode``.

    The first response is the earliest over every reading: its range runs from the smallest
    low to the smallest high of the observations' ranges (the observations the data attribute
    to the episode). With none, the latency is censored as ``censor_at`` says (see
    :data:`CENSOR_AT`), over every reading of the dates; ``regimens`` says how each therapy is
    given (see :meth:`Timeline.treatment_end <dmt_timeline.Timeline.treatment_end>`).

    Raises:
        TimelineError: what :meth:`Timeline.of <dmt_timeline.Timeline.of>` refuses, with its
            message; naming the patient and the outcome when nothing was observed and there
            is nothing to censor at (no stop, no later episode, no last follow-up), when
            ``episode`` names none of the patient's episodes, or when ``outcome`` is no
            condition's name (see :func:`outcome_condition`).
    """
    valid = type(episode) is int and 0 <= episode < len(patient.episodes)  # the common case, quickly
    if not valid and (
        not isinstance(episode, int) or isinstance(episode, bool) or not 0 <= episode < len(patient.episodes)
    ):
        raise TimelineError(
            f"patient {quoted(patient.id)}: episode {episode!r} does not name one of the "
            f"{len(patient.episodes)} episodes"
        )
    try:
        condition = outcome_condition(outcome)
    except TimelineError as exc:
        raise TimelineError(f"patient {quoted(patient.id)}: {exc}") from None
    _check_censor_at(censor_at)
    timeline = Timeline.of(patient, max_overlap_months=max_overlap_months)  # one answer: rule 9
    return _latency(patient, condition, episode, censor_at, timeline, regimens)


def _censoring_end(
    patient: Patient, index: TherapyEpisode, censor_at: CensorAt, timeline: Timeline, regimens: Regimens
) -> tuple[int, int]:
    """Where follow-up from ``index`` ends, as the earliest and latest day codes: the first of
    the index treatment's end and the last follow-up (``"index end"``), or the last follow-up
    alone; ``_LAST_DAY`` when nothing bounds it. The one censoring rule of latencies and of the
    outcomes followed from an index (time to first relapse, activity ceased, NEDA)."""
    end_lo, end_hi = _LAST_DAY, _LAST_DAY
    if censor_at == "index end":
        # By identity: a duplicated episode is equal to its twin.
        position = next(i for i, e in enumerate(timeline.episodes) if e is index)
        end_lo, end_hi = timeline.treatment_end(position, regimens=regimens)
    follow_up = patient.last_follow_up
    if follow_up is not None:
        end_lo, end_hi = min(end_lo, follow_up._lo), min(end_hi, follow_up._hi)
    return end_lo, end_hi


def _latency(  # noqa: PLR0917 - private, called once per patient and outcome
    patient: Patient,
    condition: Condition,
    episode: int,
    censor_at: CensorAt,
    timeline: Timeline,
    regimens: Regimens,
) -> Latency:
    """:func:`latency` once its arguments are checked, with the patient's checked timeline."""
    index = patient.episodes[episode]
    # The smallest low and the smallest high over the observations' ranges: a stated latency,
    # or months_between(start, date) clamped at zero, worked out on integers.
    low: int | None = None
    high: int | None = None
    outcome = outcome_key(condition)
    for obs in patient.observations:
        if obs.episode == episode and obs.condition == condition:
            if obs.latency_months is not None:
                lo = hi = obs.latency_months
            else:
                date = obs.date
                assert date is not None  # a ResponseObservation has exactly one of the two
                start = index.start
                lo = max(_whole_months(start._hi, date._lo), 0)
                hi = max(_whole_months(start._lo, date._hi), 0)
            low = lo if low is None or lo < low else low
            high = hi if high is None or hi < high else high
    if low is not None and high is not None:
        return Latency(patient.id, outcome, _month_range(low, high), True, index)
    end_lo, end_hi = _censoring_end(patient, index, censor_at, timeline, regimens)
    if end_hi == _LAST_DAY:
        raise TimelineError(
            f"patient {quoted(patient.id)}: no {outcome} response observed after {index} and no "
            "last_follow_up to censor at"
        )
    start = index.start
    months = _month_range(max(_whole_months(start._hi, end_lo), 0), max(_whole_months(start._lo, end_hi), 0))
    return Latency(patient.id, outcome, months, False, index)


@collector_paused()  # many small results without cycles: see dmt_timeline._collector
def cohort_latencies(
    cohort: Cohort | Iterable[Patient],
    *,
    index: Selector,
    outcomes: Sequence[str] | None = None,
    initiation: Literal["first", "last"] = "first",
    censor_at: CensorAt = "index end",
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
    regimens: Regimens = REGIMENS,
) -> tuple[Latency, ...]:
    """Latencies of each outcome after each patient's first (or last) start of ``index``.

    Patients who never started the index therapy are left out. ``outcomes`` defaults to those
    the cohort's own data speak of (:func:`cohort_outcomes`). A comorbidity outcome is asked
    only of the patients it concerns: those diagnosed with the comorbidity or observed
    responding in it. ``censor_at``: see :data:`CENSOR_AT`; ``regimens``: how each therapy is
    given, which says when the index treatment ends (see :mod:`dmt_timeline.regimens`).

    Raises:
        TimelineError: as :func:`latency`, and for an outcome that is no condition's name.
    """
    patients = cohort if isinstance(cohort, Cohort) else tuple(cohort)  # read twice below
    named = cohort_outcomes(patients) if outcomes is None else tuple(outcomes)
    chosen = tuple(dict.fromkeys(outcome_condition(o) for o in named))
    _check_censor_at(censor_at)
    found: list[Latency] = []
    starts = _index_starts(patients, index, initiation=initiation, max_overlap_months=max_overlap_months)
    for patient, position, timeline in starts:
        found.extend(
            _latency(patient, condition, position, censor_at, timeline, regimens)
            for condition in chosen
            if _concerns(patient, condition)
        )
    return tuple(found)


def outcome_lag(first: Latency, second: Latency) -> MonthRange:
    """``first`` minus ``second`` in months (the study's MS latency minus psoriasis latency).

    Raises:
        TimelineError: when either latency is censored (the lag is then unknown).
    """
    if first.patient_id != second.patient_id or first.episode != second.episode:
        raise TimelineError(
            f"lag between {first.patient_id} {first.outcome} and {second.patient_id} "
            f"{second.outcome}: latencies must share a patient and an index episode"
        )
    for item in (first, second):
        if item.censored:
            raise TimelineError(
                f"patient {quoted(item.patient_id)}: {item.outcome} latency is censored, "
                "so the lag is unknown"
            )
    return first.months - second.months


def to_censored_data(latencies: Iterable[Latency], *, reading: Literal["low", "high"]) -> CensoredData:
    """Hand latencies to scipy as right-censored data, at the low or high end of their ranges.

    Example: ``scipy.stats.ecdf(to_censored_data(rows, reading="low"))``.
    """
    if reading not in ("low", "high"):
        raise TimelineError(f"reading {reading!r} is not one of 'low', 'high'")
    from scipy.stats import CensoredData  # noqa: PLC0415 - scipy is heavy; import it on use

    observed: list[float] = []
    censored: list[float] = []
    for item in latencies:
        value = float(item.months.low if reading == "low" else item.months.high)
        (observed if item.observed else censored).append(value)
    return CensoredData(uncensored=observed, right=censored)
