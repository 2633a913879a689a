"""The timeline algebra: one patient's episodes in order, the transitions between them, and
transfers from one therapy to a later one.

Every answer holds for all readings of the partial dates or says it cannot tell. A reading
picks one day for every partial date; an episode whose stop is not recorded may have stopped
on any day from its start to the start of the next episode (or to last follow-up).
"""

from __future__ import annotations

import datetime as dt
import enum
from calendar import monthrange
from collections.abc import Iterable, Iterator, Sequence
from typing import Final, Literal

import attrs

from dmt_timeline import _display
from dmt_timeline.catalogue import CATALOGUE, Therapy, TherapyClass
from dmt_timeline.dates import (
    MonthRange,
    PartialDate,
    Truth,
    _code,
    _code_key,
    _month_range,
    _whole_months,
)
from dmt_timeline.errors import TimelineError, quoted
from dmt_timeline.model import ONGOING, Patient, TherapyEpisode
from dmt_timeline.regimens import REGIMENS, RegimenKind, Regimens

__all__ = [
    "DEFAULT_GRACE_MONTHS",
    "DEFAULT_MAX_OVERLAP_MONTHS",
    "Change",
    "Line",
    "Timeline",
    "Transfer",
    "TransferKind",
    "Transition",
    "TransitionKind",
    "TreatmentFreeInterval",
    "transfer",
]

DEFAULT_GRACE_MONTHS: Final = 3
"""A transition whose treatment-free gap is at most this many whole months is a direct switch.

Three months is a common choice in registry studies of MS switching; pass ``grace_months`` to
use another.
"""

DEFAULT_MAX_OVERLAP_MONTHS: Final = 3
"""Consecutive episodes of different therapies that certainly overlap by more whole months than
this are refused as a data error (pass ``max_overlap_months=None`` to accept any overlap)."""

Selector = Therapy | TherapyClass | str


def resolve_selector(selector: Selector) -> Therapy | TherapyClass:
    """Resolve a therapy name, a Therapy or a TherapyClass to what episodes are matched on."""
    if isinstance(selector, str):
        return CATALOGUE.get(selector)
    return selector


def therapy_matches(therapy: Therapy, target: Therapy | TherapyClass) -> bool:
    """Whether a therapy is the target therapy or of the target class."""
    if isinstance(target, TherapyClass):
        return therapy.therapy_class is target
    return therapy == target


def episode_matches(episode: TherapyEpisode, target: Therapy | TherapyClass) -> bool:
    return therapy_matches(episode.therapy, target)


def _episode_key(episode: TherapyEpisode) -> tuple[object, ...]:
    """The documented total order of episodes when the source gives no sequence.

    The sequence is the last key: when only some episodes carry one, two episodes equal in all
    else must still come out in one order, whatever order they were given in.
    """
    stop = episode.stop
    sequence = episode.sequence
    stop_key = (1, *_code_key(stop)) if isinstance(stop, PartialDate) else (0, stop.value, 0, 0)
    reasons = episode.reasons
    edss = episode.edss
    return (
        _code_key(episode.start),
        episode.therapy.name,
        stop_key,
        tuple([r.value for r in reasons]) if reasons else (),
        -1.0 if edss is None else edss.score,
        -1 if sequence is None else sequence,
    )


def _sequence(episode: TherapyEpisode) -> int:
    return episode.sequence  # type: ignore[return-value]  # only called when every one is set


def _normalise(episodes: Iterable[TherapyEpisode]) -> tuple[TherapyEpisode, ...]:
    items = episodes if type(episodes) is tuple else tuple(episodes)
    previous = 0
    for episode in items:
        sequence = episode.sequence
        if sequence is None or sequence <= previous:
            break
        previous = sequence
    else:
        # Every sequence set and rising (the common case), or no episode at all: already in
        # the order sorting would give, without the keys.
        return items
    if len(items) < 2:
        return items  # one episode without a sequence: in order too
    return in_order(items, by_sequence=None not in [e.sequence for e in items])


def in_order(items: Sequence[TherapyEpisode], *, by_sequence: bool) -> tuple[TherapyEpisode, ...]:
    """``items`` in timeline order, by sequence first or not (see :class:`Timeline`).

    The sort is stable, so any subset of a timeline's episodes comes out in the order it has
    in the whole timeline, when ``by_sequence`` says how the whole timeline is ordered.
    """
    if by_sequence:
        sequences = [e.sequence for e in items]
        if len(set(sequences)) == len(items):
            # Distinct sequences decide the order alone: the rest of the key would never be read.
            if sequences == sorted(sequences):  # type: ignore[type-var]  # every one is set
                return tuple(items)  # already in order (the common case): what sorting gives
            return tuple(sorted(items, key=_sequence))
        return tuple(sorted(items, key=lambda e: (e.sequence, _episode_key(e))))
    return tuple(sorted(items, key=_episode_key))


class TransitionKind(enum.Enum):
    """How one episode gives way to the next, on every reading of the dates.

    ``SCHEDULED``: the next dose or course of the same regimen came within its dosing or course
    interval plus the grace period (see :mod:`dmt_timeline.regimens`): one treatment, not a gap.
    """

    DIRECT = "direct switch"
    LAG = "lag gap"
    OVERLAP = "overlap"
    INDETERMINATE = "indeterminate"
    SCHEDULED = "scheduled"


class Change(enum.Enum):
    """What a transition does to the treatment.

    ``SWITCH`` to another therapy; ``RESTART`` of the same therapy after a gap (or an overlap);
    ``NEXT_DOSE``: an interval regimen's next infusion or injection on schedule (one treatment);
    ``NEXT_DOSE_OR_RESTART`` when the dates cannot tell those two apart; ``COURSE``: a planned
    next course of a course regimen (alemtuzumab's second, cladribine's year 2);
    ``RETREATMENT``: a course beyond the planned ones; ``SWITCH_OR_RESTART``: a therapy
    recorded only by its class (``IFNb``) and a product of that class (``Avonex``), which may be
    the same drug or another.
    """

    SWITCH = "switch"
    RESTART = "restart"
    NEXT_DOSE = "next dose"
    NEXT_DOSE_OR_RESTART = "next dose or restart"
    COURSE = "next course"
    RETREATMENT = "retreatment"
    SWITCH_OR_RESTART = "switch or restart"


def _class_level(therapy: Therapy) -> bool:
    """A catalogue entry that names only a class ("interferon beta"), not a product."""
    return therapy.name == therapy.therapy_class.value


def _family(a: Therapy, b: Therapy) -> bool:
    """A class-level entry and another entry of that class: maybe the same drug."""
    return a.therapy_class is b.therapy_class and (_class_level(a) or _class_level(b))


def _window_truth(gap: MonthRange | None, months: int) -> Truth:
    """Whether the next start falls within ``months`` after the stop, over every reading."""
    if gap is None or gap.high < months:
        return Truth.TRUE
    if gap.low >= months:
        return Truth.FALSE
    return Truth.UNDETERMINED


def _inside(gap: MonthRange | None, low: int, high: int | None) -> Truth:
    """Whether the gap lies within [low, high] months (no upper bound when ``high`` is None),
    over every reading."""
    if gap is None or gap.high < low or (high is not None and gap.low > high):
        return Truth.FALSE
    if low <= gap.low and (high is None or gap.high <= high):
        return Truth.TRUE
    return Truth.UNDETERMINED


@attrs.frozen
class Transition:
    """What lies between two consecutive episodes.

    Attributes:
        before: The earlier episode.
        after: The next episode.
        gap: Whole months from ``before``'s stop to ``after``'s start over every reading;
            negative months mean overlap. ``None`` when ``before`` is ongoing, so the overlap
            has no known end.
        kind: Direct, lag, overlap, or indeterminate when the readings disagree.
        change: A switch, a restart, a planned next course, a retreatment, or a switch or
            restart (see :class:`Change`).
        grace_months: The grace period the kind was judged with.
        reason: Why the kind is indeterminate (empty otherwise).
        effect_window: For a change of therapy, whether the next one started while the
            previous one's effect may still be present (within its carry-over after the last
            dose), over every reading; None when no source gives the carry-over.
        washout: For a change of therapy, whether the gap lies within the washout recommended
            for the pair (:func:`dmt_timeline.regimens.washout`: TRUE), outside it (FALSE:
            shorter than recommended, or an unplanned interruption), or cannot be told; None
            when no source gives a figure for the pair.
    """

    before: TherapyEpisode
    after: TherapyEpisode
    gap: MonthRange | None
    kind: TransitionKind
    change: Change
    grace_months: int
    reason: str = ""
    effect_window: Truth | None = None
    washout: Truth | None = None

    def __str__(self) -> str:
        gap = "open-ended overlap" if self.gap is None else f"gap {self.gap}"
        change = "" if self.change is Change.SWITCH else f" ({self.change.value})"
        text = f"{self.before} -> {self.after}: {self.kind.value}{change}, {gap}"
        if self.effect_window is Truth.TRUE:
            text += ", inside the previous therapy's effect window"
        elif self.effect_window is Truth.UNDETERMINED:
            text += ", possibly inside the previous therapy's effect window"
        return f"{text} ({self.reason})" if self.reason else text

    def __repr__(self) -> str:
        return _display.transition_repr(self)


@attrs.frozen
class TreatmentFreeInterval:
    """The time between two episodes during which the patient may have been untreated."""

    after: TherapyEpisode
    before: TherapyEpisode
    months: MonthRange
    certain: Truth

    def __str__(self) -> str:
        return f"untreated {self.months} between {self.after} and {self.before}"


@attrs.frozen
class Line:
    """A numbered line of therapy (1 for the first episode, as a table's "1st DMT")."""

    number: int
    episode: TherapyEpisode

    def __repr__(self) -> str:
        return _display.line_repr(self)


def _classify(
    stop_lo: dt.date, stop_hi: dt.date, start_lo: dt.date, start_hi: dt.date, *, grace: int, bounded: bool
) -> tuple[MonthRange, TransitionKind, str]:
    """Classify the readings (stop day s, next start day n) of a transition."""
    return _classify_codes(_code(stop_lo), _code(stop_hi), _code(start_lo), _code(start_hi), grace, bounded)


def _classify_codes(  # noqa: PLR0917 - called once per transition: positional is the cheaper call
    stop_lo: int,
    stop_hi: int,
    start_lo: int,
    start_hi: int,
    grace: int,
    bounded: bool,
    scheduled: int | None = None,
) -> tuple[MonthRange, TransitionKind, str]:
    """Classify the readings (stop day s, next start day n) of a transition, days as day codes.

    ``bounded`` says that s <= n on every reading (a stop that is not recorded is bounded by
    the next start), so overlap is impossible and the smallest gap is zero when the ranges meet.
    ``scheduled``, for the next dose or course of a regimen, is its re-dosing interval in
    months: a gap within it plus the grace period is ``SCHEDULED`` rather than direct.
    """
    if scheduled is not None:
        gap, kind, reason = _classify_codes(stop_lo, stop_hi, start_lo, start_hi, grace + scheduled, bounded)
        if kind is TransitionKind.DIRECT:
            return gap, TransitionKind.SCHEDULED, ""
        if reason:
            reason = reason.replace(TransitionKind.DIRECT.value, TransitionKind.SCHEDULED.value).replace(
                f"(grace period {grace + scheduled} months)",
                f"(re-dosing interval {scheduled} months and grace period {grace} months)",
            )
        return gap, kind, reason
    overlap_possible = not bounded and start_lo < stop_hi
    gapless_possible = start_hi >= stop_lo
    # The gap is smallest with s as late and n as early as allowed (zero, among readings with
    # s <= n, when the ranges meet), and largest the other way round; with whole dates on
    # both sides the two are one reading.
    apart = _whole_months(stop_hi, start_lo)
    least = apart if start_lo > stop_hi else 0
    most = apart if stop_lo == stop_hi and start_lo == start_hi else _whole_months(stop_lo, start_hi)
    gap = _month_range(least if bounded else apart, most)
    direct = gapless_possible and least <= grace
    lag = gapless_possible and most > grace
    if overlap_possible + direct + lag == 1:  # one kind on every reading: the common case
        if overlap_possible:
            return gap, TransitionKind.OVERLAP, ""
        return gap, TransitionKind.DIRECT if direct else TransitionKind.LAG, ""
    kinds: list[TransitionKind] = []
    if overlap_possible:
        kinds.append(TransitionKind.OVERLAP)
    if gapless_possible:
        if least <= grace:
            kinds.append(TransitionKind.DIRECT)
        if most > grace:
            kinds.append(TransitionKind.LAG)
    if len(kinds) == 1:
        return gap, kinds[0], ""
    readings = " or ".join([k.value for k in kinds])
    reason = (
        f"the gap lies between {gap.low} and {gap.high} months, so it may be a {readings} "
        f"(grace period {grace} months)"
    )
    return gap, TransitionKind.INDETERMINATE, reason


def check_grace_months(grace_months: object) -> None:
    """Refuse a grace period that is not a whole number of months >= 0 (the batch engine's too).

    Raises:
        TimelineError: naming the value.
    """
    if not isinstance(grace_months, int) or isinstance(grace_months, bool):
        raise TimelineError(f"grace_months {grace_months!r} is not a whole number of months")
    if grace_months < 0:
        raise TimelineError(f"grace_months {grace_months} is negative")


def _same_therapy(a: TherapyEpisode, b: TherapyEpisode) -> bool:
    x, y = a.therapy, b.therapy
    # Equal therapies share a name: comparing names first spares the whole comparison of two
    # different ones, the common case.
    return x is y or (x.name == y.name and x == y)


_LAST_DAY: Final = _code(dt.date.max)  # the bound of an open stop with nothing after it


def _add_months(code: int, months: int) -> int:
    """The day code ``months`` calendar months after ``code`` (the day clamped to the month's
    length); the last day there is stays where it is."""
    if code == _LAST_DAY:
        return code
    ordinal = (code >> 5) + months  # year * 12 + month, with month 1..12
    year, month = divmod(ordinal - 1, 12)
    if year > dt.MAXYEAR:
        return _LAST_DAY
    day = min(code & 31, monthrange(year, month + 1)[1])
    return ((year * 12 + month + 1) << 5) | day


@attrs.frozen
class Timeline:
    """One patient's episodes, normalised into one documented order.

    The order: when every episode carries a ``sequence`` (the source's own 1st, 2nd, 3rd...),
    by sequence; otherwise by start (earliest day, then latest day, coarser first), then
    therapy name, stop, reasons, EDSS and sequence (none first). The same episodes give the
    same timeline whatever order they come in, and normalising a timeline again changes nothing.

    Build one with :meth:`of` (from a patient, checked) or :meth:`from_episodes`.
    """

    episodes: tuple[TherapyEpisode, ...] = attrs.field(converter=_normalise)
    last_follow_up: PartialDate | None = None
    patient_id: str = ""
    # The transitions last worked out, with the grace period they were judged with: asking for
    # them again must not repeat the work. The timeline is immutable, so they never go stale;
    # not part of its value.
    _known: tuple[int, Regimens, tuple[Transition, ...]] | None = attrs.field(
        init=False, eq=False, repr=False, default=None
    )

    @classmethod
    def of(cls, patient: Patient, *, max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS) -> Timeline:
        """The timeline of a patient, checked for histories that cannot be one.

        Raises:
            TimelineError: naming the patient, the episodes and the dates when two episodes
                of different therapies certainly overlap by more than ``max_overlap_months``,
                or when a source sequence contradicts the dates.
        """
        timeline = cls(patient.episodes, patient.last_follow_up, patient.id)
        problems = timeline.problems(max_overlap_months=max_overlap_months)
        if problems:
            raise TimelineError("; ".join(problems))
        return timeline

    @classmethod
    def from_episodes(
        cls,
        episodes: Iterable[TherapyEpisode],
        *,
        last_follow_up: PartialDate | None = None,
        patient_id: str = "",
    ) -> Timeline:
        """A timeline from bare episodes (not checked; see :meth:`problems`)."""
        return cls(tuple(episodes), last_follow_up, patient_id)

    def __iter__(self) -> Iterator[TherapyEpisode]:
        return iter(self.episodes)

    def __len__(self) -> int:
        return len(self.episodes)

    def __repr__(self) -> str:
        return _display.timeline_repr(self)

    def _name(self) -> str:
        return f"patient {quoted(self.patient_id)}: " if self.patient_id else ""

    def problems(self, *, max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS) -> tuple[str, ...]:
        """Every reason this history cannot be a timeline, one line each (empty when it can)."""
        episodes = self.episodes
        if len(episodes) < 2:
            return ()
        ordered = True
        for i in range(len(episodes) - 1):
            # episodes[i].start.compare(episodes[i + 1].start) is Order.AFTER, without the call.
            if episodes[i].start._lo > episodes[i + 1].start._hi:
                ordered = False
                break
        # When every pair is in order, the overlaps are read from the transitions, worked out
        # once for whoever asks next; a pair out of order has no transition to work out.
        transitions = self.transitions() if ordered and max_overlap_months is not None else None
        found: list[str] = []
        for i in range(len(episodes) - 1):
            a, b = episodes[i], episodes[i + 1]
            if a.start._lo > b.start._hi:
                found.append(
                    f"{self._name()}episodes {a} (sequence {a.sequence}) and {b} "
                    f"(sequence {b.sequence}): the later in sequence certainly starts first"
                )
                continue
            if max_overlap_months is None or _same_therapy(a, b):
                continue
            transition = (
                self._work_out(i, DEFAULT_GRACE_MONTHS, REGIMENS) if transitions is None else transitions[i]
            )
            gap = transition.gap
            if gap is None:
                found.append(
                    f"{self._name()}episode {a} is ongoing, yet {b} started {b.start}: "
                    "record when it stopped, or accept overlaps with max_overlap_months=None"
                )
            elif gap.high < -max_overlap_months:
                found.append(
                    f"{self._name()}episodes {a} and {b} overlap by at least {-gap.high} months "
                    f"on every reading (stop {a.stop}, start {b.start}); at most "
                    f"{max_overlap_months} is accepted"
                )
        return tuple(found)

    # -- episodes and lines -----------------------------------------------------------------

    def lines(self) -> tuple[Line, ...]:
        """The episodes numbered as lines of therapy, from 1."""
        return tuple(Line(n, e) for n, e in enumerate(self.episodes, 1))

    def episodes_of(self, selector: Selector) -> tuple[TherapyEpisode, ...]:
        """Episodes of a therapy (name, alias or :class:`Therapy`) or of a :class:`TherapyClass`."""
        target = resolve_selector(selector)
        return tuple(e for e in self.episodes if episode_matches(e, target))

    def initiations(self, selector: Selector) -> tuple[TherapyEpisode, ...]:
        """Every start of a therapy or class, in timeline order."""
        return self.episodes_of(selector)

    def first_initiation(self, selector: Selector) -> TherapyEpisode | None:
        """The first episode of a therapy or class, or None."""
        found = self.episodes_of(selector)
        return found[0] if found else None

    def exposed_before(self, selector: Selector, date: PartialDate | str) -> Truth:
        """Had the patient started the therapy or class before ``date``?"""
        when = PartialDate.coerce(date)
        answer = Truth.FALSE
        for episode in self.episodes_of(selector):
            answer = answer | episode.start.is_before(when)
        return answer

    def path(self, *, separator: str = " -> ") -> str:
        """The therapy sequence as text, by the therapies' short labels: ``GA -> IFNb -> Nat``."""
        return separator.join(e.therapy.label for e in self.episodes)

    # -- transitions --------------------------------------------------------------------------

    def _stop_bounds(self, index: int) -> tuple[dt.date, dt.date, bool] | None:
        """The earliest and latest stop day of an episode, and whether it is bounded by the next
        start; None when the episode is ongoing."""
        episode = self.episodes[index]
        start_lo = episode.start.first_day
        if isinstance(episode.stop, PartialDate):
            lo, hi = episode.stop.first_day, episode.stop.last_day
            return max(lo, start_lo), hi, False
        if episode.stop is ONGOING:
            return None
        # Not recorded: a derived bound, never an invented date.
        if index + 1 < len(self.episodes):
            return start_lo, max(start_lo, self.episodes[index + 1].start.last_day), True
        if self.last_follow_up is not None:
            return start_lo, max(start_lo, self.last_follow_up.last_day), True
        return start_lo, dt.date.max, True

    def _stop_codes(self, index: int) -> tuple[int, int, bool] | None:
        """:meth:`_stop_bounds` with the days as day codes (no dates built)."""
        episode = self.episodes[index]
        start_lo = episode.start._lo
        stop = episode.stop
        if isinstance(stop, PartialDate):
            return max(stop._lo, start_lo), stop._hi, False
        if stop is ONGOING:
            return None
        # Not recorded: a derived bound, never an invented date.
        if index + 1 < len(self.episodes):
            return start_lo, max(start_lo, self.episodes[index + 1].start._hi), True
        if self.last_follow_up is not None:
            return start_lo, max(start_lo, self.last_follow_up._hi), True
        return start_lo, _LAST_DAY, True

    def _end_codes(self, index: int, after_months: int = 0) -> tuple[int, int]:
        """The earliest and latest day (as day codes) the treatment of the episode at position
        ``index`` can end over every reading: its stop (``after_months`` later, for a dose
        whose effect outlasts it), or the next episode's start when that comes first.

        An episode that is ongoing, or whose stop is not recorded, with nothing after it and no
        last follow-up, ends no later than the last day there is (``_LAST_DAY``).
        """
        bounds = self._stop_codes(index)
        lo, hi = (_LAST_DAY, _LAST_DAY) if bounds is None else (bounds[0], bounds[1])
        if after_months:
            lo, hi = _add_months(lo, after_months), _add_months(hi, after_months)
        if index + 1 < len(self.episodes):
            after = self.episodes[index + 1].start
            lo, hi = min(lo, after._lo), min(hi, after._hi)
        return lo, hi

    def treatment_end(self, index: int, *, regimens: Regimens = REGIMENS) -> tuple[int, int]:
        """The earliest and latest day (day codes) the treatment begun at position ``index``
        ends, over every reading: it runs on through the regimen's next doses and planned
        courses (transitions whose change is a next dose or next course; on some readings, a
        next dose or restart), and past the last one by its dosing interval (interval
        regimens) or its carry-over (course regimens), unless another episode starts first.
        """
        transitions = self.transitions(regimens=regimens)
        certain = (Change.NEXT_DOSE, Change.COURSE)
        possible = (*certain, Change.NEXT_DOSE_OR_RESTART)
        last_lo = last_hi = index
        while last_lo < len(transitions) and transitions[last_lo].change in certain:
            last_lo += 1
        while last_hi < len(transitions) and transitions[last_hi].change in possible:
            last_hi += 1
        regimen = regimens.of(self.episodes[index].therapy)
        if regimen.kind is RegimenKind.COURSES:
            extra = regimen.redose if regimen.carry_over is None else regimen.carry_over
        else:
            extra = regimen.redose  # the last dose covers its interval; 0 when continuous
        return self._end_codes(last_lo, extra)[0], self._end_codes(last_hi, extra)[1]

    def _course(self, index: int) -> int:
        """Which course of its therapy the episode at ``index`` is: 1 + the episodes of the
        same therapy right before it."""
        number = 1
        while index - number >= 0 and _same_therapy(self.episodes[index - number], self.episodes[index]):
            number += 1
        return number

    def _change(self, index: int, regimens: Regimens) -> tuple[Change, int | None]:
        """The change at transition ``index``, and the re-dosing interval it is judged with
        (None unless it is the next dose or course of one regimen)."""
        before, after = self.episodes[index], self.episodes[index + 1]
        if not _same_therapy(before, after):
            family = _family(before.therapy, after.therapy)
            return (Change.SWITCH_OR_RESTART if family else Change.SWITCH), None
        regimen = regimens.of(before.therapy)
        scheduled = regimen.redose if regimen.kind is not RegimenKind.CONTINUOUS else None
        if regimen.kind is RegimenKind.COURSES:
            planned = regimen.planned_courses.value if regimen.planned_courses is not None else 1
            course = self._course(index + 1)
            return (Change.COURSE if course <= planned else Change.RETREATMENT), scheduled
        return Change.RESTART, scheduled

    def _work_out(self, index: int, grace_months: int, regimens: Regimens) -> Transition:
        before, after = self.episodes[index], self.episodes[index + 1]
        change, scheduled = self._change(index, regimens)
        bounds = self._stop_codes(index)
        if bounds is None:
            window, washout = self._marks(before, after, change, None, regimens)
            return Transition(
                before, after, None, TransitionKind.OVERLAP, change, grace_months, "", window, washout
            )
        stop_lo, stop_hi, bounded = bounds
        start_lo, start_hi = after.start._lo, after.start._hi
        if bounded and stop_lo > start_hi:
            # A stop that is not recorded lies between its start and the next start; here no
            # day can (an unchecked timeline whose sequence contradicts the dates).
            raise TimelineError(
                f"{self._name()}episodes {before} (sequence {before.sequence}) and {after} "
                f"(sequence {after.sequence}): the later in sequence certainly starts first"
            )
        gap, kind, reason = _classify_codes(
            stop_lo, stop_hi, start_lo, start_hi, grace_months, bounded, scheduled
        )
        if change is Change.RESTART and scheduled is not None:
            # An interval regimen's next dose on schedule is one treatment, not a restart.
            if kind is TransitionKind.SCHEDULED:
                change = Change.NEXT_DOSE
            elif kind is TransitionKind.INDETERMINATE:
                least = _whole_months(stop_hi, start_lo) if start_lo > stop_hi else 0
                if start_hi >= stop_lo and least <= grace_months + scheduled:
                    change = Change.NEXT_DOSE_OR_RESTART
        window, washout = self._marks(before, after, change, gap, regimens)
        return Transition(before, after, gap, kind, change, grace_months, reason, window, washout)

    @staticmethod
    def _marks(
        before: TherapyEpisode,
        after: TherapyEpisode,
        change: Change,
        gap: MonthRange | None,
        regimens: Regimens,
    ) -> tuple[Truth | None, Truth | None]:
        """A change of therapy's marks: the previous therapy's effect window, and the washout
        recommended for the pair (None, None for a restart, a next dose or a next course)."""
        if change is not Change.SWITCH and change is not Change.SWITCH_OR_RESTART:
            return None, None
        carry = regimens.of(before.therapy).carry_over
        guidance = regimens.washout(before.therapy, after.therapy)
        low = None if guidance is None else guidance.low
        return (
            None if carry is None else _window_truth(gap, carry),
            None if guidance is None or low is None else _inside(gap, low, guidance.high),
        )

    def transitions(
        self, *, grace_months: int = DEFAULT_GRACE_MONTHS, regimens: Regimens = REGIMENS
    ) -> tuple[Transition, ...]:
        """The transition between each pair of consecutive episodes.

        Args:
            grace_months: The longest treatment-free gap, in whole months, of a direct switch
                (and, after a regimen's re-dosing interval, of a scheduled next dose or course).
            regimens: How each therapy is given and its effect window
                (:data:`~dmt_timeline.regimens.REGIMENS` by default; pass your own, see
                :func:`~dmt_timeline.regimens.load_regimens`).
        """
        known = self._known
        if (
            known is not None
            and known[0] == grace_months
            and known[1] is regimens
            and type(grace_months) is int
        ):
            return known[2]
        check_grace_months(grace_months)
        found = tuple([self._work_out(i, grace_months, regimens) for i in range(len(self.episodes) - 1)])
        object.__setattr__(self, "_known", (grace_months, regimens, found))  # a cache, not part of the value
        return found

    def treatment_free_intervals(self) -> tuple[TreatmentFreeInterval, ...]:
        """Each time between consecutive episodes that may have been untreated, as a month range.

        ``certain`` is TRUE when every reading leaves a gap of at least one day (the stop
        before the next start), UNDETERMINED when only some do. Transitions where no reading
        does (an ongoing episode, an overlap even shorter than a month) are left out.
        """
        found: list[TreatmentFreeInterval] = []
        # By position: equal episodes (a duplicated row) must not share one another's bounds.
        for index, transition in enumerate(self.transitions()):
            gap = transition.gap
            if gap is None or gap.high < 0:
                continue
            bounds = self._stop_codes(index)
            assert bounds is not None  # an ongoing episode has no gap
            certain = Truth.from_bounds(
                always=bounds[1] < transition.after.start._lo,
                # An overlap shorter than a month still has a gap of 0 whole months.
                never=transition.after.start._hi <= bounds[0],
            )
            if certain is Truth.FALSE:
                continue
            found.append(
                TreatmentFreeInterval(
                    transition.before, transition.after, MonthRange(max(gap.low, 0), gap.high), certain
                )
            )
        return tuple(found)


class TransferKind(enum.Enum):
    """How a source therapy reached a target therapy along the path."""

    DIRECT = "direct"
    INDIRECT = "indirect"
    NONE = "none"


@attrs.frozen
class Transfer:
    """From a source therapy (or class) to one initiation of a target.

    Attributes:
        kind: Direct (the source immediately precedes the target), indirect (other therapies
            between them, listed in ``via``), or none (no source before the target).
        target: The target episode.
        source: The latest source episode before the target, or None.
        via: The episodes between them.
    """

    kind: TransferKind
    target: TherapyEpisode
    source: TherapyEpisode | None = None
    via: tuple[TherapyEpisode, ...] = ()

    def __str__(self) -> str:
        if self.source is None:
            return f"no source before {self.target}"
        via = f" via {', '.join(str(e) for e in self.via)}" if self.via else ""
        return f"{self.kind.value}: {self.source} -> {self.target}{via}"


def transfer(
    timeline: Timeline,
    source: Selector,
    target: Selector,
    *,
    initiation: Literal["first", "last", "each"],
) -> tuple[Transfer, ...]:
    """How ``source`` reached each chosen initiation of ``target``.

    Args:
        timeline: The patient's timeline.
        source: A therapy (name, alias, :class:`Therapy`) or a :class:`TherapyClass`.
        target: Likewise.
        initiation: Which starts of the target to ask about: the first, the last, or each.

    Returns:
        One :class:`Transfer` per chosen initiation (none when the target was never started).
    """
    source_match = resolve_selector(source)
    target_match = resolve_selector(target)
    positions = [i for i, e in enumerate(timeline.episodes) if episode_matches(e, target_match)]
    if initiation == "first":
        positions = positions[:1]
    elif initiation == "last":
        positions = positions[-1:]
    elif initiation != "each":
        raise TimelineError(f"initiation {initiation!r} is not one of 'first', 'last', 'each'")
    found: list[Transfer] = []
    for j in positions:
        earlier = [i for i in range(j) if episode_matches(timeline.episodes[i], source_match)]
        target_episode = timeline.episodes[j]
        if not earlier:
            found.append(Transfer(TransferKind.NONE, target_episode))
            continue
        i = earlier[-1]
        via = timeline.episodes[i + 1 : j]
        kind = TransferKind.DIRECT if not via else TransferKind.INDIRECT
        found.append(Transfer(kind, target_episode, timeline.episodes[i], via))
    return tuple(found)
