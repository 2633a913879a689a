"""The study's response derived from events: "MS activity ceased", the first time on or after the
start of an index episode from which no relapse and no MRI activity occur for a chosen quiet
period, as a :class:`~dmt_timeline.Latency` that the latency statistics and curves take.

Definition. The candidate times are the index start and every activity on or after it (a
relapse's onset; an MRI scan showing new or enlarging T2 or enhancing lesions, dated at the
scan). Activity ceased at the first candidate ``c`` whose quiet period, the days after ``c`` up
to ``quiet_months`` whole months after it, holds no activity and is followed to its last day.
So a patient with no activity after the start responds at month 0, and one whose last relapse
came 4 months in and who was then followed quietly for the period responds at month 4.
``quiet_months`` is a parameter: 12 months is the default, as in the one-year windows of
NEDA-type definitions; say which you used. With ``require_scan=True`` the quiet period must also
hold an MRI scan showing no activity (both counts zero), as NEDA's MRI component asks.

Follow-up ends as a latency's does (:data:`~dmt_timeline.latency.CENSOR_AT`). With no candidate
whose quiet period is observed, the latency is censored at the end of follow-up, as confirmed
events are (the convention of time-to-confirmed-event analyses, such as msprog's).

Partial dates: the answer is TRUE (observed on every reading of the dates), FALSE (on none) or
cannot tell, and the months a range over every reading; a scan with one count missing and the
other zero may or may not show activity, and is read both ways. Refining a date only narrows
the range and never flips a definite answer (checked by property tests).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from typing import Final, Literal

import attrs

from dmt_timeline._collector import collector_paused
from dmt_timeline.dates import MonthRange, PartialDate, Truth, whole_months
from dmt_timeline.errors import InvalidValueError, TimelineError, describe_value, quoted
from dmt_timeline.latency import CensorAt, Latency, _check_censor_at, _index_starts, _latency
from dmt_timeline.model import Cohort, Condition, Patient
from dmt_timeline.outcomes.attribution import _months_on
from dmt_timeline.outcomes.relapses import _follow_up_end
from dmt_timeline.regimens import REGIMENS, Regimens
from dmt_timeline.timeline import DEFAULT_MAX_OVERLAP_MONTHS, Selector, Timeline

__all__ = [
    "DEFAULT_QUIET_MONTHS",
    "ActivityCeased",
    "LatencyCheck",
    "activity_ceased",
    "check_latencies",
    "cohort_activity_ceased",
]

DEFAULT_QUIET_MONTHS: Final = 12
"""The quiet period's default length, in whole months."""

_MOST_UNSURE_SCANS: Final = 6
"""Scans with a count missing solved one assignment at a time (2**6 passes at most)."""


@attrs.frozen(kw_only=True)
class ActivityCeased:
    """When MS activity ceased after an index episode's start, derived from events.

    Attributes:
        patient: The patient's id.
        episode: The index episode's position in ``patient.episodes``.
        start: The index episode's start.
        quiet_months: The quiet period asked for.
        require_scan: Whether the quiet period had to hold a scan showing no activity.
        observed: Whether activity ceased within follow-up on every reading (TRUE), on none
            (FALSE, censored), or on some.
        months: When observed, whole months from the start to the cessation; when not, the
            months of follow-up; when cannot tell, the range covering both.
        reasons: Why it cannot tell.
    """

    patient: str
    episode: int
    start: PartialDate
    quiet_months: int
    require_scan: bool
    observed: Truth
    months: MonthRange
    reasons: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        """``"ceased"``, ``"censored"`` or ``"cannot tell"``."""
        return {Truth.TRUE: "ceased", Truth.FALSE: "censored"}.get(self.observed, "cannot tell")

    def latency(self, patient: Patient) -> Latency:
        """This result as an MS :class:`~dmt_timeline.Latency` of ``patient`` (the one it was
        derived from), for :func:`~dmt_timeline.latency.to_censored_data` and the curves.

        A result that cannot tell is given as censored over its range: on every reading the
        response comes no earlier than its low end, which is all both readings share.

        Raises:
            TimelineError: ``patient`` is not the patient of this result.
        """
        if patient.id != self.patient or not 0 <= self.episode < len(patient.episodes):
            raise TimelineError(
                f"patient {quoted(patient.id)}: not the patient {quoted(self.patient)} of this result"
            )
        return Latency(
            self.patient, "MS", self.months, self.observed is Truth.TRUE, patient.episodes[self.episode]
        )

    def __str__(self) -> str:
        head = f"{self.patient} episodes[{self.episode}] from {self.start}"
        text = f"{head}: {self.status} ({self.months}; quiet {self.quiet_months} months)"
        return text + "".join(f"; {r}" for r in self.reasons)

    def __repr__(self) -> str:
        where = f"{quoted(self.patient)} episodes[{self.episode}]"
        return f"<ActivityCeased {where}: {self.status} {self.months}>"


def _check_quiet(quiet_months: object) -> None:
    if not isinstance(quiet_months, int) or isinstance(quiet_months, bool) or quiet_months < 1:
        raise InvalidValueError(f"quiet_months {describe_value(quiet_months)} is not a number of months >= 1")


def _months(start: int, stop: int) -> int:
    """Whole months between two day ordinals, clamped at zero."""
    return max(whole_months(dt.date.fromordinal(start), dt.date.fromordinal(stop)), 0)


def _span(date: PartialDate) -> tuple[int, int]:
    return date.first_day.toordinal(), date.last_day.toordinal()


def activity_ceased(
    patient: Patient,
    *,
    episode: int,
    quiet_months: int = DEFAULT_QUIET_MONTHS,
    require_scan: bool = False,
    censor_at: CensorAt = "index end",
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
    regimens: Regimens = REGIMENS,
) -> ActivityCeased:
    """When MS activity ceased after the start of the episode at position ``episode``.

    Args:
        patient: The patient, with relapses and MRI scans.
        episode: The index episode's position in ``patient.episodes``.
        quiet_months: The quiet period, whole months (see the module's definition).
        require_scan: The quiet period must hold a scan showing no activity.
        censor_at: Where follow-up ends, as for latencies.
        max_overlap_months: As for :meth:`Timeline.of <dmt_timeline.Timeline.of>`.
        regimens: How each therapy is given (when the index treatment ends).

    Raises:
        TimelineError: what the timeline refuses; an episode that names none of the patient's;
            nothing to end follow-up at (no stop, no later episode, no last follow-up).
        InvalidValueError: a quiet period that is not a whole number of months >= 1.
    """
    if not isinstance(episode, int) or isinstance(episode, bool) or not 0 <= episode < len(patient.episodes):
        raise TimelineError(
            f"patient {quoted(patient.id)}: episode {quoted(episode)} does not name one of the "
            f"{len(patient.episodes)} episodes"
        )
    _check_quiet(quiet_months)
    _check_censor_at(censor_at)
    timeline = Timeline.of(patient, max_overlap_months=max_overlap_months)
    return _ceased(patient, episode, quiet_months, bool(require_scan), censor_at, timeline, regimens)


# One possible activity: its first and last day (ordinals) and whether it is certainly activity.
_Activity = tuple[int, int, bool]


def _ceased(  # noqa: PLR0917 - private, called once per patient
    patient: Patient,
    episode: int,
    quiet: int,
    require_scan: bool,
    censor_at: CensorAt,
    timeline: Timeline,
    regimens: Regimens,
) -> ActivityCeased:
    index = patient.episodes[episode]
    end = _follow_up_end(patient, episode, censor_at, timeline, regimens)
    if end is None:
        raise TimelineError(
            f"patient {quoted(patient.id)}: nothing ends follow-up after {index} (no stop, no later "
            "episode, no last_follow_up), so a quiet period cannot be observed"
        )
    s_lo, s_hi = _span(index.start)
    activity: list[_Activity] = [(*_span(r.onset), True) for r in patient.relapses]
    quiet_scans: list[tuple[int, int]] = []
    for scan in patient.mri_scans:
        active = scan.active
        if active is False:
            quiet_scans.append(_span(scan.date))
        else:  # active, or one count missing and the other zero: it may be activity
            activity.append((*_span(scan.date), active is True))
    activity = [a for a in activity if a[1] >= s_lo]  # not before the start on every reading

    # A scan with one count missing and the other zero may or may not be activity. With few of
    # them each assignment is solved apart and the answers joined (exact over them); with many,
    # one pass takes each as possible activity (never wrong, more often "cannot tell").
    unsure = [i for i, a in enumerate(activity) if not a[2]]
    if not 0 < len(unsure) <= _MOST_UNSURE_SCANS:
        observed, months, reasons = _solve(activity, quiet_scans, (s_lo, s_hi), end, quiet, require_scan)
    else:
        answers = []
        for bits in itertools.product((False, True), repeat=len(unsure)):
            chosen = dict(zip(unsure, bits, strict=True))
            assigned = [(lo, hi, True) for i, (lo, hi, _) in enumerate(activity) if chosen.get(i, True)]
            answers.append(_solve(assigned, quiet_scans, (s_lo, s_hi), end, quiet, require_scan))
        kinds = {o for o, _, _ in answers}
        observed = kinds.pop() if len(kinds) == 1 else Truth.UNDETERMINED
        months = MonthRange(min(m.low for _, m, _ in answers), max(m.high for _, m, _ in answers))
        reasons = []
        if observed is Truth.UNDETERMINED:
            reasons = list(dict.fromkeys(r for _, _, why in answers for r in why))
            if len({o for o, _, _ in answers}) > 1 or not reasons:
                reasons.append("a scan with one count missing may show activity")
    return ActivityCeased(
        patient=patient.id,
        episode=episode,
        start=index.start,
        quiet_months=quiet,
        require_scan=require_scan,
        observed=observed,
        months=months,
        reasons=tuple(reasons),
    )


def _solve(  # noqa: PLR0917 - private, called once per reading of the unsure scans
    activity: list[_Activity],
    quiet_scans: list[tuple[int, int]],
    start: tuple[int, int],
    end: tuple[int, int],
    quiet: int,
    require_scan: bool,
) -> tuple[Truth, MonthRange, list[str]]:
    """The answer, the months and the reasons, over every reading of the dates."""
    s_lo, s_hi = start
    e_lo, e_hi = end

    def certain(c_lo: int, c_hi: int, me: int) -> str | None:
        """Why the candidate's quiet period is not certainly quiet and followed (None: it is)."""
        over = _months_on(c_hi, quiet)  # the first day after the latest reading's period
        if e_lo < over - 1:
            return "follow-up may end before the quiet period does"
        for i, (lo, hi, is_active) in enumerate(activity):
            if i != me and not (hi <= c_lo or lo >= over):
                return (
                    "an activity may fall in the quiet period"
                    if is_active
                    else "a scan with one count missing may show activity in the quiet period"
                )
        if require_scan and not any(lo > c_hi and hi < _months_on(c_lo, quiet) for lo, hi in quiet_scans):
            return "no scan showing no activity is certainly in the quiet period"
        return None

    def earliest(x_lo: int, x_hi: int, me: int) -> int | None:
        """The earliest day the candidate can be, on a reading where its period is quiet and followed."""
        x = x_lo
        while x <= x_hi:
            over = _months_on(x, quiet)
            if over - 1 > e_hi:
                return None  # later readings end later still
            # An activity that must fall inside the period keeps doing so until x reaches its
            # first day (the period only grows later), so the search jumps there.
            blocked = max(
                (
                    lo
                    for i, (lo, hi, is_active) in enumerate(activity)
                    if i != me and is_active and x < lo and hi < over
                ),
                default=None,
            )
            if blocked is not None:
                x = blocked
                continue
            if not require_scan or any(hi > x and lo < over for lo, hi in quiet_scans):
                return x
            x += 1
        return None

    # The start, always a candidate; then each activity, on the readings where it is on or after
    # the start (x_lo..x_hi). An activity certainly so is a candidate on every reading in the form
    # "the later of it and the start" (c_lo..c_hi): where it came first, the start is the candidate.
    candidates = [(s_lo, s_hi, s_lo, s_hi, -1, True)]
    candidates.extend(
        (max(lo, s_lo), hi, max(lo, s_lo), max(hi, s_hi), i, is_active)
        for i, (lo, hi, is_active) in enumerate(activity)
    )
    t_low: int | None = None
    t_high: int | None = None
    reasons: list[str] = []
    for x_lo, x_hi, c_lo, c_hi, i, is_candidate in candidates:
        first = earliest(x_lo, x_hi, i)
        if first is None:
            continue
        t_low = first if t_low is None else min(t_low, first)
        why = certain(c_lo, c_hi, i) if is_candidate else "a scan with one count missing may show activity"
        if why is None:
            t_high = c_hi if t_high is None else min(t_high, c_hi)
        elif why not in reasons:
            reasons.append(why)
    censor = _month_range_of(_months(s_hi, e_lo), _months(s_lo, e_hi))
    if t_high is not None:
        assert t_low is not None  # a certain candidate is a possible one
        months = MonthRange(_months(s_hi, t_low), max(_months(s_lo, t_high), _months(s_hi, t_low)))
        observed, reasons = Truth.TRUE, []
    elif t_low is None:
        months, observed, reasons = censor, Truth.FALSE, []
    else:
        months = MonthRange(min(_months(s_hi, t_low), censor.low), censor.high)
        observed = Truth.UNDETERMINED
    return observed, months, reasons


def _month_range_of(low: int, high: int) -> MonthRange:
    return MonthRange(low, max(low, high))


def _has_events(patient: Patient) -> bool:
    return bool(patient.relapses or patient.mri_scans)


@collector_paused()  # many small results without cycles: see dmt_timeline._collector
def cohort_activity_ceased(
    cohort: Cohort | Iterable[Patient],
    *,
    index: Selector,
    initiation: Literal["first", "last"] = "first",
    quiet_months: int = DEFAULT_QUIET_MONTHS,
    require_scan: bool = False,
    censor_at: CensorAt = "index end",
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
    regimens: Regimens = REGIMENS,
) -> tuple[ActivityCeased, ...]:
    """:func:`activity_ceased` after each patient's first (or last) start of ``index``.

    Left out: patients who never started it, and patients with no relapse and no MRI scan at
    all (no events recorded is not the same as no activity).
    """
    _check_quiet(quiet_months)
    _check_censor_at(censor_at)
    starts = _index_starts(cohort, index, initiation=initiation, max_overlap_months=max_overlap_months)
    return tuple(
        _ceased(patient, position, quiet_months, bool(require_scan), censor_at, timeline, regimens)
        for patient, position, timeline in starts
        if _has_events(patient)
    )


@attrs.frozen(kw_only=True)
class LatencyCheck:
    """A typed-in MS latency beside the one derived from events, for one patient.

    Attributes:
        patient: The patient's id.
        typed: The latency the data state (from the patient's response observations).
        derived: The one derived from events.
        tolerance_months: How far apart the two may be and still agree.
        agree: Whether they agree on every reading (TRUE), on none (FALSE), or on some.
        reason: What was compared.
    """

    patient: str
    typed: Latency
    derived: ActivityCeased
    tolerance_months: int
    agree: Truth
    reason: str

    @property
    def status(self) -> str:
        """``"agree"``, ``"disagree"`` or ``"cannot tell"``."""
        return {Truth.TRUE: "agree", Truth.FALSE: "disagree"}.get(self.agree, "cannot tell")

    def __str__(self) -> str:
        return f"{self.patient}: {self.status} ({self.reason})"

    def __repr__(self) -> str:
        return f"<LatencyCheck {quoted(self.patient)}: {self.status}>"


def _compare(typed: Latency, derived: ActivityCeased, tolerance: int) -> tuple[Truth, str]:
    if derived.observed is Truth.UNDETERMINED:
        return Truth.UNDETERMINED, "the events cannot tell whether activity ceased within follow-up"
    if typed.observed and derived.observed is Truth.TRUE:
        gap = typed.months - derived.months
        agree = Truth.from_bounds(
            always=-tolerance <= gap.low and gap.high <= tolerance,
            never=gap.low > tolerance or gap.high < -tolerance,
        )
        return agree, f"typed {typed.months}, derived {derived.months}, tolerance {tolerance} months"
    if typed.observed:
        return Truth.FALSE, f"typed {typed.months}; the events show activity through follow-up"
    if derived.observed is Truth.TRUE:
        return Truth.FALSE, f"typed: no response; the events show activity ceased at {derived.months}"
    return Truth.TRUE, "neither shows a response within follow-up"


@collector_paused()  # many small results without cycles: see dmt_timeline._collector
def check_latencies(
    cohort: Cohort | Iterable[Patient],
    *,
    index: Selector,
    initiation: Literal["first", "last"] = "first",
    quiet_months: int = DEFAULT_QUIET_MONTHS,
    require_scan: bool = False,
    tolerance_months: int = 0,
    censor_at: CensorAt = "index end",
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
    regimens: Regimens = REGIMENS,
) -> tuple[LatencyCheck, ...]:
    """The typed-in MS latency against the one derived from events, for each patient who has both.

    A patient has both when they started ``index``, have a relapse or an MRI scan, and have an
    MS response observation of the index episode (a patient with none cannot be told apart from
    one whose response was never typed in, so is not compared). Both latencies are censored by
    the same ``censor_at``.

    Raises:
        InvalidValueError: a tolerance that is not a whole number of months >= 0, or a bad
            quiet period.
        TimelineError: as :func:`activity_ceased`.
    """
    if not isinstance(tolerance_months, int) or isinstance(tolerance_months, bool) or tolerance_months < 0:
        raise InvalidValueError(
            f"tolerance_months {describe_value(tolerance_months)} is not a number of months >= 0"
        )
    _check_quiet(quiet_months)
    _check_censor_at(censor_at)
    found = []
    starts = _index_starts(cohort, index, initiation=initiation, max_overlap_months=max_overlap_months)
    for patient, position, timeline in starts:
        if not _has_events(patient):
            continue
        if not any(
            o.episode == position and o.condition is Condition.MULTIPLE_SCLEROSIS
            for o in patient.observations
        ):
            continue
        typed = _latency(patient, Condition.MULTIPLE_SCLEROSIS, position, censor_at, timeline, regimens)
        derived = _ceased(patient, position, quiet_months, bool(require_scan), censor_at, timeline, regimens)
        agree, reason = _compare(typed, derived, tolerance_months)
        found.append(
            LatencyCheck(
                patient=patient.id,
                typed=typed,
                derived=derived,
                tolerance_months=tolerance_months,
                agree=agree,
                reason=reason,
            )
        )
    return tuple(found)
