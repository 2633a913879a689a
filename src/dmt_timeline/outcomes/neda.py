"""NEDA-3, no evidence of disease activity: no relapse, no confirmed disability worsening and no
MRI activity (new or enlarging T2, or gadolinium-enhancing lesions) over a window after a
therapy's start, three-valued: achieved, not achieved, or cannot tell.

The window covers the days from ``rebaseline_months`` to ``months`` whole months after the
episode's start. Re-baselining (ignoring activity in the first months, before the therapy can be
expected to work, and taking an MRI then as the new reference) is common in the literature;
the ECTRIMS/EAN guideline (Montalban et al., Mult Scler 2018;24:96-120) recommends a reference
MRI usually within 6 months of starting a therapy, so ``rebaseline_months=6`` is a usual choice.
The default is none.

A component shows activity (not achieved) when an event certainly in the window shows it. It
shows none only when the window is observed: follow-up (to the index treatment's end or the last
follow-up, as for latencies) certainly reaches the window's end, an MRI scan certainly in the
window reports both counts, and an EDSS assessment is certainly in the window. Anything else is
"cannot tell", with the reasons.

Confirmed disability worsening is judged over every reading of coarse dates
(:mod:`dmt_timeline.outcomes.disability`): a worsening shows activity when it is certain and
certainly dated in the window, and none when no worsening any reading gives can fall in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import attrs

from dmt_timeline._collector import collector_paused
from dmt_timeline.dates import PartialDate, Truth
from dmt_timeline.errors import InvalidValueError, TimelineError, describe_value, quoted
from dmt_timeline.latency import CensorAt, _check_censor_at, _index_starts
from dmt_timeline.model import Cohort, Patient
from dmt_timeline.outcomes.attribution import _months_on
from dmt_timeline.outcomes.disability import CdwSettings, DisabilityKind, confirmed_disability_events
from dmt_timeline.outcomes.relapses import _follow_up_end
from dmt_timeline.regimens import REGIMENS, Regimens
from dmt_timeline.timeline import DEFAULT_MAX_OVERLAP_MONTHS, Selector, Timeline

__all__ = ["Neda", "cohort_neda", "neda"]

_WORSENING = (DisabilityKind.CDW, DisabilityKind.RAW, DisabilityKind.PIRA)


@attrs.frozen(kw_only=True)
class Neda:
    """NEDA-3 over one window after an episode's start.

    Attributes:
        patient: The patient's id.
        episode: The episode's position in ``patient.episodes``.
        start: The episode's start.
        months: The window ends this many whole months after the start ...
        rebaseline_months: ... and begins this many (0: at the start).
        relapse: Relapse activity in the window (TRUE), none (FALSE), or cannot tell.
        disability: Confirmed disability worsening dated in the window, likewise.
        mri: New or enlarging T2 or enhancing lesions on a scan in the window, likewise.
        reasons: Why a component cannot tell.
    """

    patient: str
    episode: int
    start: PartialDate
    months: int
    rebaseline_months: int
    relapse: Truth
    disability: Truth
    mri: Truth
    reasons: tuple[str, ...] = ()

    @property
    def achieved(self) -> Truth:
        """NEDA-3: no activity of any of the three kinds (TRUE), some (FALSE), or cannot tell."""
        return ~(self.relapse | self.disability | self.mri)

    @property
    def status(self) -> str:
        """``"achieved"``, ``"not achieved"`` or ``"cannot tell"``."""
        return {Truth.TRUE: "achieved", Truth.FALSE: "not achieved"}.get(self.achieved, "cannot tell")

    def __str__(self) -> str:
        window = f"months {self.rebaseline_months}-{self.months}"
        parts = ", ".join(
            f"{name} {'yes' if t is Truth.TRUE else 'no' if t is Truth.FALSE else '?'}"
            for name, t in (("relapse", self.relapse), ("CDW", self.disability), ("MRI", self.mri))
        )
        head = f"{self.patient} episodes[{self.episode}] from {self.start}, {window}"
        text = f"{head}: NEDA-3 {self.status} ({parts})"
        return text + "".join(f"; {r}" for r in self.reasons)

    def __repr__(self) -> str:
        window = f"months {self.rebaseline_months}-{self.months}"
        return f"<Neda {quoted(self.patient)} episodes[{self.episode}] {window}: {self.status}>"


def _inside(date: PartialDate, window: tuple[int, int, int, int]) -> Truth:
    """Whether a date lies in a window whose first day is in [a_lo, a_hi] and whose end (the
    first day after it) is in [b_lo, b_hi], over every reading."""
    a_lo, a_hi, b_lo, b_hi = window
    lo, hi = date.first_day.toordinal(), date.last_day.toordinal()
    return Truth.from_bounds(always=lo >= a_hi and hi < b_lo, never=hi < a_lo or lo >= b_hi)


def _check_months(months: object, rebaseline_months: object) -> None:
    for name, value in (("months", months), ("rebaseline_months", rebaseline_months)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidValueError(f"{name} {describe_value(value)} is not a number of months >= 0")
    assert isinstance(months, int)
    assert isinstance(rebaseline_months, int)
    if rebaseline_months >= months:
        raise InvalidValueError(f"rebaseline_months {rebaseline_months} is not below months {months}")


def neda(
    patient: Patient,
    *,
    episode: int,
    months: int = 24,
    rebaseline_months: int = 0,
    settings: CdwSettings | None = None,
    censor_at: CensorAt = "index end",
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
    regimens: Regimens = REGIMENS,
) -> Neda:
    """NEDA-3 from ``rebaseline_months`` to ``months`` after the start of the episode at
    position ``episode``.

    Args:
        patient: The patient with relapses, EDSS assessments and MRI scans.
        episode: The index episode's position in ``patient.episodes``.
        months: The window's end, whole months after the start.
        rebaseline_months: Activity before this many months is ignored (see the module's note).
        settings: The confirmed disability worsening definition (defaults: :class:`CdwSettings`).
        censor_at: Where follow-up ends, as for latencies (:data:`~dmt_timeline.latency.CENSOR_AT`).
        max_overlap_months: As for :meth:`Timeline.of <dmt_timeline.Timeline.of>`.
        regimens: How each therapy is given (when the index treatment ends).

    Raises:
        TimelineError: what the timeline refuses; an episode that names none of the patient's.
        InvalidValueError: months that are not whole months >= 0, or a re-baseline not before
            the window's end.
    """
    if not isinstance(episode, int) or isinstance(episode, bool) or not 0 <= episode < len(patient.episodes):
        raise TimelineError(
            f"patient {quoted(patient.id)}: episode {quoted(episode)} does not name one of the "
            f"{len(patient.episodes)} episodes"
        )
    _check_months(months, rebaseline_months)
    _check_censor_at(censor_at)
    timeline = Timeline.of(patient, max_overlap_months=max_overlap_months)
    return _neda(
        patient, episode, months, rebaseline_months, settings or CdwSettings(), censor_at, timeline, regimens
    )


def _neda(  # noqa: PLR0917 - private, called once per patient
    patient: Patient,
    episode: int,
    months: int,
    rebaseline: int,
    settings: CdwSettings,
    censor_at: CensorAt,
    timeline: Timeline,
    regimens: Regimens,
) -> Neda:
    index = patient.episodes[episode]
    s_lo, s_hi = index.start.first_day.toordinal(), index.start.last_day.toordinal()
    window = (
        _months_on(s_lo, rebaseline),
        _months_on(s_hi, rebaseline),
        _months_on(s_lo, months),
        _months_on(s_hi, months),
    )
    reasons: list[str] = []
    # Follow-up ends as a latency's does (latency.py): the index treatment's end, the last follow-up.
    end = _follow_up_end(patient, episode, censor_at, timeline, regimens)
    # Observed to the window's last day (the day before its end) on every reading.
    followed = end is not None and end[0] >= window[3] - 1
    if not followed:
        reasons.append("follow-up may end before the window does")

    relapse = _relapses(patient, window, followed, reasons)
    mri = _mri(patient, window, reasons)
    disability = _disability(patient, window, settings, reasons)
    return Neda(
        patient=patient.id,
        episode=episode,
        start=index.start,
        months=months,
        rebaseline_months=rebaseline,
        relapse=relapse,
        disability=disability,
        mri=mri,
        reasons=tuple(reasons),
    )


def _relapses(
    patient: Patient, window: tuple[int, int, int, int], followed: bool, reasons: list[str]
) -> Truth:
    relapse = Truth.FALSE
    for r in patient.relapses:
        inside = _inside(r.onset, window)
        if inside is Truth.TRUE:
            relapse = Truth.TRUE
            break
        if inside is Truth.UNDETERMINED:
            relapse = Truth.UNDETERMINED
    if relapse is Truth.UNDETERMINED:
        reasons.append("a relapse may fall in the window")
    elif relapse is Truth.FALSE and not followed:
        relapse = Truth.UNDETERMINED
    return relapse


def _mri(patient: Patient, window: tuple[int, int, int, int], reasons: list[str]) -> Truth:
    mri = Truth.FALSE
    seen = False
    for scan in patient.mri_scans:
        inside = _inside(scan.date, window)
        if inside is Truth.FALSE:
            continue
        active = scan.active
        if inside is Truth.TRUE and active is True:
            mri = Truth.TRUE
            break
        if inside is Truth.TRUE and active is False:
            seen = True
        elif active is not False:
            mri = Truth.UNDETERMINED
    if mri is Truth.FALSE and not seen:
        mri = Truth.UNDETERMINED
        reasons.append("no MRI scan certainly in the window reports both counts")
    elif mri is Truth.UNDETERMINED:
        reasons.append("a scan that may fall in the window shows or may show activity")
    return mri


def _disability(
    patient: Patient, window: tuple[int, int, int, int], settings: CdwSettings, reasons: list[str]
) -> Truth:
    results = confirmed_disability_events([patient], settings)
    status = results.patients[0]
    worsening = [e for e in results.events if e.kind in _WORSENING]
    if any(e.certain and _inside(e.date, window) is Truth.TRUE for e in worsening):
        return Truth.TRUE
    if status.runs == 0:
        reasons.append(f"worsening cannot be judged: {status.reason}")
        return Truth.UNDETERMINED
    # Every worsening any reading of the dates gives is listed, so none of them possibly in the
    # window means none on any reading.
    if any(_inside(e.date, window) is not Truth.FALSE for e in worsening):
        reasons.append("a confirmed worsening may fall in the window, or may not occur")
        return Truth.UNDETERMINED
    if not any(_inside(a.date, window) is Truth.TRUE for a in patient.edss_assessments):
        reasons.append("no EDSS assessment certainly in the window")
        return Truth.UNDETERMINED
    return Truth.FALSE


@collector_paused()  # many small results without cycles: see dmt_timeline._collector
def cohort_neda(
    cohort: Cohort | Iterable[Patient],
    *,
    index: Selector,
    initiation: Literal["first", "last"] = "first",
    months: int = 24,
    rebaseline_months: int = 0,
    settings: CdwSettings | None = None,
    censor_at: CensorAt = "index end",
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
    regimens: Regimens = REGIMENS,
) -> tuple[Neda, ...]:
    """:func:`neda` after each patient's first (or last) start of ``index``; patients who never
    started it are left out."""
    _check_months(months, rebaseline_months)
    _check_censor_at(censor_at)
    chosen = settings or CdwSettings()
    starts = _index_starts(cohort, index, initiation=initiation, max_overlap_months=max_overlap_months)
    return tuple(
        _neda(patient, position, months, rebaseline_months, chosen, censor_at, timeline, regimens)
        for patient, position, timeline in starts
    )
