"""Attribution: on which therapy episode a clinical event happened, three-valued under partial dates.

An event on a day is in one of four states against a patient's timeline:

- **on therapy** of an episode: from its start to the end of its treatment (the stop, carried
  on through the regimen's next doses and planned courses, as
  :meth:`Timeline.treatment_end <dmt_timeline.Timeline.treatment_end>` says and latencies are
  censored), once its onset window has passed;
- in its **onset window**: on therapy, but fewer than the therapy's onset months after the start
  (before it can be expected to work);
- in the **carry-over** of an earlier episode: after that treatment ended and fewer than its
  carry-over months after its stop (its effect may still be present; 0 months is no window).
  Inside a new therapy's onset window the previous therapy's carry-over wins (the new one is not
  yet working; the old one may be); once the new therapy's onset has passed, the event is on it;
- **untreated**: none of these.

Months are whole months (:func:`~dmt_timeline.dates.whole_months`), as the timeline's effect
window is judged: a day is inside an ``n``-month window when fewer than ``n`` whole months have
passed. Where episodes overlap, the later-starting one counts. For course regimens
(alemtuzumab, cladribine) the treatment's end already includes the carry-over, as it does for
latencies, so an event in the years after the last course is on that therapy.

When dates are partial, every reading of the event's date and the episodes' dates is considered
and the answer is **undetermined** unless all readings agree, with the states the readings allow
as candidates. The windows come from the regimen data with their sources
(:mod:`dmt_timeline.regimens`), or from the caller; a therapy with no window in the data is
treated as having none and named in the result's ``unknown_windows``, never given an invented one.
"""

from __future__ import annotations

import datetime as dt
import enum
from calendar import monthrange
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

import attrs

from dmt_timeline._collector import collector_paused
from dmt_timeline.catalogue import CATALOGUE, Therapy
from dmt_timeline.dates import PartialDate, Truth
from dmt_timeline.errors import InvalidValueError, describe_value, quoted
from dmt_timeline.model import Cohort, Patient, StopState
from dmt_timeline.regimens import REGIMENS, Regimens
from dmt_timeline.timeline import DEFAULT_MAX_OVERLAP_MONTHS, Change, Timeline

__all__ = [
    "Attribution",
    "AttributionState",
    "Candidate",
    "EffectWindows",
    "EventKind",
    "Window",
    "attribute_date",
    "attribute_events",
    "cohort_attributions",
]


class AttributionState(enum.Enum):
    """Where an event lies against the treatment."""

    ON_THERAPY = "on therapy"
    ONSET = "onset window"
    CARRY_OVER = "carry-over"
    UNTREATED = "untreated"
    UNDETERMINED = "undetermined"


_STATE_ORDER: Final = {state: i for i, state in enumerate(AttributionState)}


class EventKind(enum.Enum):
    """Which of a patient's event lists an event comes from (the field's name)."""

    RELAPSE = "relapses"
    EDSS = "edss_assessments"
    MRI = "mri_scans"
    ASSESSMENT = "assessments"


_DATE_OF: Final[dict[EventKind, Callable[[Any], PartialDate]]] = {
    EventKind.RELAPSE: lambda event: event.onset,
    EventKind.EDSS: lambda event: event.date,
    EventKind.MRI: lambda event: event.date,
    EventKind.ASSESSMENT: lambda event: event.date,
}


@attrs.frozen
class Window:
    """An onset or carry-over window: whole months and where the figure comes from."""

    months: int
    source: str

    def __str__(self) -> str:
        return f"{self.months} months ({self.source})"


def _months_map(value: object, name: str) -> tuple[tuple[str, int], ...] | int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise InvalidValueError(f"{name} {describe_value(value)} is not a number of months >= 0")
        return value
    if not isinstance(value, Mapping):
        raise InvalidValueError(
            f"{name} {describe_value(value)} is not months or a mapping of therapy to months"
        )
    pairs: dict[str, int] = {}
    for key, months in value.items():
        if not isinstance(key, str | Therapy):
            raise InvalidValueError(f"{name}: key {describe_value(key)} is not a therapy")
        therapy = key if isinstance(key, Therapy) else CATALOGUE.get(key)
        if not isinstance(months, int) or isinstance(months, bool) or months < 0:
            raise InvalidValueError(
                f"{name}[{quoted(therapy.name)}] {describe_value(months)} is not a number of months >= 0"
            )
        pairs[therapy.name] = months
    return tuple(sorted(pairs.items()))


def _onset_map(value: object) -> tuple[tuple[str, int], ...] | int | None:
    return _months_map(value, "onset_months")


def _carry_map(value: object) -> tuple[tuple[str, int], ...] | int | None:
    return _months_map(value, "carry_over_months")


_GIVEN: Final = "given by the user"
_CONTINUES: Final = (Change.NEXT_DOSE, Change.COURSE)


@attrs.frozen
class EffectWindows:
    """The onset and carry-over windows attribution uses, per therapy.

    Attributes:
        regimens: The regimen data the windows are read from (with their sources).
        onset_months: Months for every therapy (an int), or per therapy (a mapping of catalogue
            names or aliases to months), replacing the data; None to use the data only.
        carry_over_months: The same for carry-over.
    """

    regimens: Regimens = REGIMENS
    onset_months: tuple[tuple[str, int], ...] | int | None = attrs.field(default=None, converter=_onset_map)
    carry_over_months: tuple[tuple[str, int], ...] | int | None = attrs.field(
        default=None, converter=_carry_map
    )

    def _given(self, therapy: Therapy, which: tuple[tuple[str, int], ...] | int | None) -> int | None:
        if isinstance(which, int):
            return which
        return None if which is None else dict(which).get(therapy.name)

    def onset(self, therapy: Therapy) -> Window | None:
        """The onset window of a therapy; None when neither the data nor the caller gives one."""
        given = self._given(therapy, self.onset_months)
        if given is not None:
            return Window(given, _GIVEN)
        figure = self.regimens.of(therapy).onset_months
        return None if figure is None else Window(figure.value, figure.source)

    def carry_over(self, therapy: Therapy) -> Window | None:
        """The carry-over window of a therapy; None when neither the data nor the caller gives one."""
        given = self._given(therapy, self.carry_over_months)
        if given is not None:
            return Window(given, _GIVEN)
        figure = self.regimens.of(therapy).carry_over_months
        return None if figure is None else Window(figure.value, figure.source)


@attrs.frozen(order=True)
class Candidate:
    """One state an event may be in, with its episode (position in ``patient.episodes``; None
    when untreated)."""

    state: AttributionState = attrs.field(order=lambda s: _STATE_ORDER[s])
    episode: int | None = attrs.field(order=lambda e: -1 if e is None else e)

    def __str__(self) -> str:
        if self.episode is None:
            return self.state.value
        return f"{self.state.value} (episodes[{self.episode}])"


@attrs.frozen(kw_only=True)
class Attribution:
    """The attribution of one event.

    Attributes:
        patient: The patient's id.
        kind: Which event list the event is in.
        event: Its position in that list.
        date: Its date (a relapse's onset).
        candidates: The states some reading of the dates allows, in state order; one when the
            dates decide.
        unknown_windows: The windows that could change the answer but are not known
            (``"onset of natalizumab"``, ``"carry-over of fingolimod"``), taken as none.
    """

    patient: str
    kind: EventKind
    event: int
    date: PartialDate
    candidates: tuple[Candidate, ...]
    unknown_windows: tuple[str, ...] = ()

    @property
    def state(self) -> AttributionState:
        """The state, or :attr:`AttributionState.UNDETERMINED` when the dates cannot decide."""
        return self.candidates[0].state if len(self.candidates) == 1 else AttributionState.UNDETERMINED

    @property
    def episode(self) -> int | None:
        """The episode the event is attributed to, when the dates decide it (None when
        untreated or undetermined)."""
        return self.candidates[0].episode if len(self.candidates) == 1 else None

    @property
    def is_determined(self) -> bool:
        """Whether every reading of the dates gives the same state and episode."""
        return len(self.candidates) == 1

    def __str__(self) -> str:
        head = f"{self.patient} {self.kind.value}[{self.event}] {self.date}: "
        if self.is_determined:
            text = head + str(self.candidates[0])
        else:
            text = head + "undetermined: " + " | ".join(map(str, self.candidates))
        if self.unknown_windows:
            text += f" [no {', '.join(self.unknown_windows)} in the data]"
        return text

    def __repr__(self) -> str:
        # The id quoted and capped, as every repr of the library shows one.
        head = f"{quoted(self.patient)} {self.kind.value}[{self.event}] {self.date}"
        return f"<Attribution {head}: {' | '.join(map(str, self.candidates))}>"


# -- days as ordinals ---------------------------------------------------------------------------

_NEVER: Final = dt.date.max.toordinal() + 1  # a bound past every day there is


def _code_ordinal(code: int) -> int:
    """The ordinal of a day code (see dmt_timeline.dates)."""
    year, month = divmod((code >> 5) - 1, 12)
    return dt.date(year, month + 1, code & 31).toordinal()


def _months_on(day: int, months: int) -> int:
    """The first day (ordinal) at least ``months`` whole months after ``day``: the day the
    window of that many months starting on ``day`` is over."""
    if day >= _NEVER:
        return _NEVER
    date = dt.date.fromordinal(day)
    year, month = divmod(date.year * 12 + date.month - 1 + months, 12)
    if year > dt.MAXYEAR:
        return _NEVER
    month += 1
    if date.day <= monthrange(year, month)[1]:
        return dt.date(year, month, date.day).toordinal()
    # The day has no twin in that month (31 March + 1 month): the window ends when the next
    # month begins, since whole months count only a day that has come round again.
    return dt.date(year, month, monthrange(year, month)[1]).toordinal() + 1


# Three-valued comparisons of a day with a bound known only to lie in [lo, hi].
def _ge(day: int, lo: int, hi: int) -> Truth:
    return Truth.from_bounds(always=day >= hi, never=day < lo)


def _le(day: int, lo: int, hi: int) -> Truth:
    return Truth.from_bounds(always=day <= lo, never=day > hi)


def _gt(day: int, lo: int, hi: int) -> Truth:
    return Truth.from_bounds(always=day > hi, never=day <= lo)


def _lt(day: int, lo: int, hi: int) -> Truth:
    return Truth.from_bounds(always=day < lo, never=day >= hi)


@attrs.frozen
class _Episode:
    """One episode's bounds as ordinals: start, the start of the treatment it continues (its own
    unless it is a next dose or course), end of treatment, end of the onset window (None when
    unknown) and end of its carry-over window (None when unknown or ongoing)."""

    position: int
    name: str
    start: tuple[int, int]
    began: tuple[int, int]
    end: tuple[int, int]
    effective: tuple[int, int] | None
    onset: int
    carried: tuple[int, int] | None
    carry_unknown: bool

    def bounds(self) -> Iterable[int]:
        for pair in (self.start, self.began, self.end, self.effective, self.carried):
            if pair is not None:
                yield from pair


def _episodes(
    patient_episodes: tuple[object, ...], timeline: Timeline, windows: EffectWindows
) -> list[_Episode]:
    found: list[_Episode] = []
    transitions = timeline.transitions(regimens=windows.regimens)
    for i, episode in enumerate(timeline.episodes):
        position = next(p for p, e in enumerate(patient_episodes) if e is episode)
        start = (episode.start.first_day.toordinal(), episode.start.last_day.toordinal())
        # A next dose or planned course continues one treatment: its onset window is the
        # treatment's, from the first start, not a new one (on the readings where it may be a
        # restart, from its own start too).
        began = start
        change = transitions[i - 1].change if i else None
        if change in _CONTINUES:
            began = found[-1].began
        elif change is Change.NEXT_DOSE_OR_RESTART:
            began = (found[-1].began[0], start[1])
        end_lo, end_hi = timeline.treatment_end(i, regimens=windows.regimens)
        end = (_code_ordinal(end_lo), _code_ordinal(end_hi))
        onset = windows.onset(episode.therapy)
        effective = (
            None
            if onset is None
            else (_months_on(began[0], onset.months), _months_on(began[1], onset.months))
        )
        carry = windows.carry_over(episode.therapy)
        carried = None
        if carry is not None and carry.months > 0 and episode.stop is not StopState.ONGOING:
            # The stop's bounds as the timeline reads them (a stop not recorded lies between the
            # start and the next start or last follow-up): the timeline's one reading of a stop.
            stop = timeline._stop_bounds(i)
            if stop is not None:
                carried = (
                    _months_on(stop[0].toordinal(), carry.months),
                    _months_on(stop[1].toordinal(), carry.months),
                )
        found.append(
            _Episode(
                position,
                episode.therapy.name,
                start,
                began,
                end,
                effective,
                0 if onset is None else onset.months,
                carried,
                carry is None and episode.stop is not StopState.ONGOING,
            )
        )
    return found


def _carry(day: int, episodes: list[_Episode], before: int, out: set[Candidate], unknown: set[str]) -> bool:
    """Add the carry-over states ``day`` may be in, from the episodes before position ``before``
    in timeline order, most recent first; True when no carry-over is certain (so that the
    caller's fallback state is possible)."""
    for ep in reversed(episodes[:before]):
        ended = _gt(day, *ep.end)
        if ended is Truth.FALSE:
            continue
        if ep.carried is None:
            # No window: earlier therapies' windows may still reach this far.
            if ep.carry_unknown:
                unknown.add(f"carry-over of {ep.name}")
            continue
        inside = ended & _lt(day, *ep.carried)
        if inside.possible:
            out.add(Candidate(AttributionState.CARRY_OVER, ep.position))
        if inside.certain:
            return False
    return True


def _working(day: int, ep: _Episode) -> Truth:
    """On therapy and past the onset window."""
    assert ep.effective is not None
    return Truth.from_bounds(
        always=ep.effective[1] <= day and ep.start[1] <= day <= ep.end[0],
        never=ep.effective[0] > day or ep.start[0] > day or day > ep.end[1],
    )


def _waiting(day: int, ep: _Episode) -> Truth:
    """On therapy, inside the onset window. The window runs from the treatment's start, so a
    reading has it open on the day only if that start is no later than the day and its window not
    yet over; the latest such start has the latest end. (Comparing the start and the window's end
    separately would allow readings that are none: a start after the day with a window over
    before it.)"""
    assert ep.effective is not None
    if day < ep.start[0] or day > ep.end[1]:
        return Truth.FALSE
    latest = min(day, ep.began[1])
    if latest < ep.began[0]:
        return Truth.FALSE
    window_end = ep.effective[1] if latest == ep.began[1] else _months_on(latest, ep.onset)
    if window_end <= day:
        return Truth.FALSE
    return Truth.from_bounds(
        always=ep.start[1] <= day <= ep.end[0] and ep.began[1] <= day and ep.effective[0] > day, never=False
    )


def _states_on(day: int, episodes: list[_Episode], out: set[Candidate], unknown: set[str]) -> None:
    """Add the states ``day`` may be in on some reading of the episodes' dates."""
    untreated_possible = True
    for k in range(len(episodes) - 1, -1, -1):
        ep = episodes[k]
        covers = _ge(day, *ep.start) & _le(day, *ep.end)
        if not covers.possible:
            continue
        if ep.effective is None:
            unknown.add(f"onset of {ep.name}")
            working, waiting = covers, Truth.FALSE
        else:
            working, waiting = _working(day, ep), _waiting(day, ep)
        if working.possible:
            out.add(Candidate(AttributionState.ON_THERAPY, ep.position))
        if waiting.possible and _carry(day, episodes, k, out, unknown):
            out.add(Candidate(AttributionState.ONSET, ep.position))
        if covers.certain:
            untreated_possible = False
            break
    if untreated_possible and _carry(day, episodes, len(episodes), out, unknown):
        out.add(Candidate(AttributionState.UNTREATED, None))


def _attribute(date: PartialDate, episodes: list[_Episode]) -> tuple[tuple[Candidate, ...], tuple[str, ...]]:
    first, last = date.first_day.toordinal(), date.last_day.toordinal()
    # Every comparison above changes its answer only at a bound or the day after one, so the
    # event's days fall into stretches with one answer each: one day of each stretch will do.
    cuts = {first}
    for ep in episodes:
        for bound in ep.bounds():
            cuts.update(c for c in (bound, bound + 1) if first < c <= last)
    out: set[Candidate] = set()
    unknown: set[str] = set()
    for day in sorted(cuts):
        _states_on(day, episodes, out, unknown)
    return tuple(sorted(out)), tuple(sorted(unknown))


def _windows(
    windows: EffectWindows | None,
    onset_months: int | Mapping[str, int] | None,
    carry_over_months: int | Mapping[str, int] | None,
    regimens: Regimens,
) -> EffectWindows:
    if windows is not None:
        if onset_months is not None or carry_over_months is not None or regimens is not REGIMENS:
            raise InvalidValueError(
                "give either windows or onset_months/carry_over_months/regimens, not both"
            )
        return windows
    return EffectWindows(regimens, onset_months, carry_over_months)


def attribute_date(
    patient: Patient | Timeline,
    date: PartialDate | str,
    *,
    windows: EffectWindows | None = None,
    onset_months: int | Mapping[str, int] | None = None,
    carry_over_months: int | Mapping[str, int] | None = None,
    regimens: Regimens = REGIMENS,
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
) -> tuple[tuple[Candidate, ...], tuple[str, ...]]:
    """The states a day (or month, or year) may be in against a patient's treatment.

    Args:
        patient: The patient (only its episodes and last follow-up are read), or a timeline,
            whose problems are then not checked again; the candidates' episodes are
            positions in the patient's ``episodes`` or the timeline's.
        date: The date.
        windows: The effect windows; or give the next three.
        onset_months: Onset months for every therapy, or per therapy, over the data.
        carry_over_months: Carry-over months likewise.
        regimens: The regimen data (windows and how each therapy is given).
        max_overlap_months: As for :meth:`Timeline.of <dmt_timeline.Timeline.of>`.

    Returns:
        The candidate states (one when the dates decide) and the unknown windows.

    Raises:
        TimelineError: what :meth:`Timeline.of <dmt_timeline.Timeline.of>` refuses (for a patient).
        InvalidValueError: a window that is not months, or an unknown therapy.
    """
    chosen = _windows(windows, onset_months, carry_over_months, regimens)
    if isinstance(patient, Timeline):
        timeline = patient
    else:
        timeline = Timeline.of(patient, max_overlap_months=max_overlap_months)
    return _attribute(PartialDate.coerce(date), _episodes(patient.episodes, timeline, chosen))


def _patient_attributions(
    patient: Patient, windows: EffectWindows, max_overlap_months: int | None
) -> list[Attribution]:
    timeline = Timeline.of(patient, max_overlap_months=max_overlap_months)
    episodes = _episodes(patient.episodes, timeline, windows)
    found = []
    for kind in EventKind:
        date_of = _DATE_OF[kind]
        for i, event in enumerate(getattr(patient, kind.value)):
            date = date_of(event)
            candidates, unknown = _attribute(date, episodes)
            found.append(
                Attribution(
                    patient=patient.id,
                    kind=kind,
                    event=i,
                    date=date,
                    candidates=candidates,
                    unknown_windows=unknown,
                )
            )
    return found


def attribute_events(
    patient: Patient,
    *,
    windows: EffectWindows | None = None,
    onset_months: int | Mapping[str, int] | None = None,
    carry_over_months: int | Mapping[str, int] | None = None,
    regimens: Regimens = REGIMENS,
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
) -> tuple[Attribution, ...]:
    """Every event of a patient (relapses, EDSS assessments, MRI scans, other assessments, in
    that order) attributed to its episode; arguments as :func:`attribute_date`."""
    chosen = _windows(windows, onset_months, carry_over_months, regimens)
    return tuple(_patient_attributions(patient, chosen, max_overlap_months))


@collector_paused()  # many small results without cycles: see dmt_timeline._collector
def cohort_attributions(
    cohort: Cohort | Iterable[Patient],
    *,
    windows: EffectWindows | None = None,
    onset_months: int | Mapping[str, int] | None = None,
    carry_over_months: int | Mapping[str, int] | None = None,
    regimens: Regimens = REGIMENS,
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
) -> tuple[Attribution, ...]:
    """:func:`attribute_events` for every patient of a cohort, in order."""
    chosen = _windows(windows, onset_months, carry_over_months, regimens)
    found: list[Attribution] = []
    for patient in cohort:
        found.extend(_patient_attributions(patient, chosen, max_overlap_months))
    return tuple(found)
