"""Confirmed disability worsening (CDW) on the EDSS and the other scored measures, with each
event classified as relapse-associated (RAW) or independent of relapse activity (PIRA).

The scan follows the definition msprog and pymsprog implement (assessments read in date order,
a change from the baseline confirmed at a later assessment and at every one in between), so that
results can be checked against pymsprog event by event; every criterion is a field of
:class:`CdwSettings`, printed with the results.

Dates known only to the month or year are answered three-valued, not refused. A coarse date is
a range of days, so the order of the assessments may be undetermined (and two of them may fall
on one day, when the later one in the input stands, as for day dates), and each test the rule
makes on days (the confirmation window; a relapse within the baseline, confirmation, RAW or
PIRA window) may hold on every reading of the dates, on none, or on some. The scan is run once
for every order of the assessments their ranges allow (the ranges narrowed along the order), and
within an order it forks at every test the ranges cannot decide, following both answers; each
answer narrows the difference of days it tested, so later tests of the same two dates agree with
it. Every reading of the dates follows one of these runs. So:

- exact: an answer of yes or no (CDW, RAW, PIRA per patient) and an event marked ``certain``
  hold on every reading of the dates; dates known to the day give exactly the events of the
  day-precise scan (which they still run), and refining a date never flips a yes or a no;
- conservative: differences between different pairs of dates are narrowed independently (the
  days of a third date that would tie them are not tracked), so a run may stand for no reading
  at all: a "possible" event or a "cannot tell" may be one that no reading gives;
- bounded: a patient needing more than :data:`MAX_READINGS` runs (many coarse dates close
  together: five assessments and a relapse in one year already need more) is "cannot tell"
  for CDW, RAW and PIRA, with no events and the reason in :class:`CdwStatus`; such a patient
  costs about half a second.

An event's date is its assessment's date (its range of days).
"""

from __future__ import annotations

import bisect
import enum
import functools
import math
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, Literal

import attrs

from dmt_timeline.dates import PartialDate, Precision, Truth
from dmt_timeline.errors import InvalidDateError, InvalidValueError, describe_value, quoted
from dmt_timeline.events import Measure
from dmt_timeline.model import Patient

__all__ = [
    "MAX_READINGS",
    "Baseline",
    "CdwSettings",
    "CdwStatus",
    "DisabilityEvent",
    "DisabilityKind",
    "DisabilityResults",
    "EventSelection",
    "confirmed_disability_events",
    "minimum_change",
]

Scale = Measure | Literal["EDSS"]
"""What is scanned: ``"EDSS"`` (the patient's ``edss_assessments``) or a :class:`Measure`."""


class Baseline(enum.Enum):
    """Where a change is measured from."""

    FIXED = "fixed"
    """The first assessment not within ``relapse_to_baseline`` days after a relapse."""
    ROVING = "roving"
    """As fixed, then moved to the first confirmation assessment of every confirmed event
    (worsening or improvement), as pymsprog's ``baseline='roving'``."""


class EventSelection(enum.Enum):
    """Which events are reported."""

    FIRST = "first"
    """The first confirmed worsening only (pymsprog ``event='firstCDW'``)."""
    ALL = "all"
    """Every confirmed worsening and improvement, in date order (pymsprog ``event='multiple'``)."""


class DisabilityKind(enum.Enum):
    """The kind of a confirmed disability event."""

    CDW = "CDW"
    """Confirmed worsening that is neither RAW nor PIRA (or any worsening when not classified)."""
    RAW = "RAW"
    """Relapse-associated worsening: a relapse within ``relapse_associated`` days before it."""
    PIRA = "PIRA"
    """Progression independent of relapse activity: no relapse in the relapse-free windows
    around the event and around at least one confirmation assessment."""
    CDI = "CDI"
    """Confirmed disability improvement (reported with :attr:`EventSelection.ALL`)."""


def _non_negative(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
    if not ok or (isinstance(value, float) and math.isnan(value)):
        raise InvalidValueError(f"{attribute.name} {describe_value(value)} is not a number of days >= 0")


def _percent(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= 100:
        raise InvalidValueError(f"{attribute.name} {describe_value(value)} is not a whole percent in 1..100")


def _enum(kind: type[enum.Enum]) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, kind):
            raise InvalidValueError(f"{attribute.name} {describe_value(value)} is not a {kind.__name__}")

    return check


@attrs.frozen(kw_only=True)
class CdwSettings:
    """Every criterion of the confirmed-disability-worsening definition, in one frozen value.

    The defaults are pymsprog's (``MSprog`` 1.0.7) except ``edss_one_point_up_to``, which
    follows the usual published rule (1.0 up to 5.5); pymsprog's ``compute_delta`` uses 5.0.

    Attributes:
        baseline: Fixed or roving baseline.
        events: The first worsening only, or every event.
        confirmation_days: Days from the event to its confirmation (84 is 12 weeks, 168 is 24).
        tolerance_before: A confirmation assessment may come this many days early.
        tolerance_after: ... and this many days late (``math.inf``: "or later").
        sustained: Require the change at every later assessment too, to the end of follow-up
            (pymsprog ``require_sust_days=inf``). As in pymsprog, a confirmed change that does
            not last is no event, but still moves a roving baseline.
        relapse_to_baseline: An assessment within this many days after a relapse onset (on the
            day itself included) cannot be a baseline; relapses earlier than this before the
            first assessment are ignored altogether, as in msprog.
        relapse_to_confirmation: The same for confirmation assessments.
        relapse_associated: A worsening with a relapse onset within this many days before it
            (or on the same day) is RAW.
        pira_free_before: PIRA needs no relapse from this many days before the event and before
            one of its confirmation assessments ...
        pira_free_after: ... to this many days after each.
        classify: Classify worsening as RAW or PIRA (pymsprog ``RAW_PIRA``).
        edss_one_point_up_to: The EDSS baseline up to which (inclusive) the minimum increase is
            1.0; above it, 0.5; from 0 it is 1.5.
        timed_percent: Minimum worsening of T25FW and 9HPT, percent of baseline.
        sdmt_points: Minimum SDMT decrease in points ...
        sdmt_percent: ... or this percent of baseline, whichever is smaller (pymsprog's rule).
    """

    baseline: Baseline = attrs.field(default=Baseline.FIXED, validator=_enum(Baseline))
    events: EventSelection = attrs.field(default=EventSelection.FIRST, validator=_enum(EventSelection))
    confirmation_days: float = attrs.field(default=84, validator=_non_negative)
    tolerance_before: float = attrs.field(default=7, validator=_non_negative)
    tolerance_after: float = attrs.field(default=730.5, validator=_non_negative)
    sustained: bool = attrs.field(default=False)
    relapse_to_baseline: float = attrs.field(default=30, validator=_non_negative)
    relapse_to_confirmation: float = attrs.field(default=30, validator=_non_negative)
    relapse_associated: float = attrs.field(default=90, validator=_non_negative)
    pira_free_before: float = attrs.field(default=90, validator=_non_negative)
    pira_free_after: float = attrs.field(default=30, validator=_non_negative)
    classify: bool = attrs.field(default=True)
    edss_one_point_up_to: float = attrs.field(default=5.5, validator=_non_negative)
    timed_percent: int = attrs.field(default=20, validator=_percent)
    sdmt_points: float = attrs.field(default=4, validator=_non_negative)
    sdmt_percent: int = attrs.field(default=20, validator=_percent)

    @sustained.validator
    @classify.validator
    def _check_flag(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, bool):
            raise InvalidValueError(f"{attribute.name} {describe_value(value)} is not true or false")

    def __str__(self) -> str:
        s = self
        lines = [
            f"baseline: {s.baseline.value}",
            f"events: {s.events.value}",
            f"confirmation: {s.confirmation_days:g} days (-{s.tolerance_before:g}/+{s.tolerance_after:g}),"
            " at every assessment up to the first confirmation"
            + (" and at every later one" if s.sustained else ""),
            f"no baseline within {s.relapse_to_baseline:g} days after a relapse",
            f"no confirmation within {s.relapse_to_confirmation:g} days after a relapse",
            f"RAW: relapse within {s.relapse_associated:g} days before the event"
            if s.classify
            else "RAW/PIRA: not classified",
        ]
        if s.classify:
            lines.append(
                f"PIRA: no relapse from {s.pira_free_before:g} days before to {s.pira_free_after:g} days"
                " after the event and a confirmation"
            )
        lines += [
            f"EDSS minimum increase: 1.5 from 0, 1.0 up to {s.edss_one_point_up_to:g}, 0.5 above",
            f"T25FW, 9HPT minimum worsening: {s.timed_percent}% of baseline",
            f"SDMT minimum decrease: {s.sdmt_points:g} points or {s.sdmt_percent}% of baseline,"
            " whichever is smaller",
        ]
        return "\n".join(lines)


def _exact(value: float) -> Decimal:
    # The shortest repr is the number as it was written, so 6.6 - 5.5 is exactly 1.1 (20% of 5.5).
    return Decimal(repr(float(value)))


def minimum_change(baseline: float, scale: Scale, settings: CdwSettings) -> Decimal:
    """The smallest clinically meaningful change from a baseline score, as a decimal.

    Args:
        baseline: The baseline score.
        scale: ``"EDSS"`` or a :class:`Measure`.
        settings: The thresholds.

    Returns:
        The minimum change (a positive amount; its direction is the scale's).
    """
    base = _exact(baseline)
    if scale == "EDSS":
        if base == 0:
            return Decimal("1.5")
        return Decimal("1.0") if base <= _exact(settings.edss_one_point_up_to) else Decimal("0.5")
    if scale is Measure.SDMT:
        return min(base * settings.sdmt_percent / 100, _exact(settings.sdmt_points))
    return base * settings.timed_percent / 100


@attrs.frozen(kw_only=True)
class DisabilityEvent:
    """One confirmed disability event.

    Attributes:
        patient: The patient's id.
        scale: ``"EDSS"`` or the :class:`Measure`.
        kind: CDW, RAW, PIRA or CDI.
        date: The first assessment at which the change was seen (the event's onset).
        value: The score there.
        baseline_date: The baseline it was measured from.
        baseline_value: The baseline score.
        confirmed: The first assessment that confirmed it.
    """

    patient: str
    scale: Scale
    kind: DisabilityKind
    date: PartialDate
    value: float
    baseline_date: PartialDate
    baseline_value: float
    confirmed: PartialDate
    certain: bool = True

    def __str__(self) -> str:
        kind = self.kind.value + ("" if self.certain else " (possible)")
        return (
            f"{self.patient} {kind} {self.date} {self.value:g}"
            f" (baseline {self.baseline_value:g} on {self.baseline_date}, confirmed {self.confirmed})"
        )


@attrs.frozen(kw_only=True)
class CdwStatus:
    """Whether a patient had confirmed disability worsening, three-valued over every reading of
    the dates.

    Attributes:
        patient: The patient's id.
        worsening: A confirmed worsening (CDW, RAW or PIRA) on every reading (TRUE), on none
            (FALSE), or cannot tell.
        raw: A relapse-associated worsening, likewise.
        pira: A worsening independent of relapse activity, likewise.
        runs: How many runs of the scan the dates needed (1 when every date is a day; 0 when
            there were too many to follow).
        reason: Why it cannot tell, when it cannot.
    """

    patient: str
    worsening: Truth
    raw: Truth
    pira: Truth
    runs: int
    reason: str = ""

    def __str__(self) -> str:
        def word(t: Truth) -> str:
            return {Truth.TRUE: "yes", Truth.FALSE: "no"}.get(t, "cannot tell")

        text = f"{self.patient}: CDW {word(self.worsening)}, RAW {word(self.raw)}, PIRA {word(self.pira)}"
        return text + (f" ({self.reason})" if self.reason else "")


@attrs.frozen
class DisabilityResults:
    """The events found, with the settings that found them (printed together).

    Attributes:
        settings: The criteria.
        scale: What was scanned.
        events: The events, by patient (in input order) then date; under coarse dates an event
            that only some readings of the dates give has ``certain`` False.
        patients: Per patient, whether worsening (RAW, PIRA) occurred: yes, no or cannot tell.
    """

    settings: CdwSettings
    scale: Scale
    events: tuple[DisabilityEvent, ...]
    patients: tuple[CdwStatus, ...] = ()

    def __str__(self) -> str:
        name = self.scale if isinstance(self.scale, str) else self.scale.value
        header = f"Confirmed disability events on {name}: {len(self.events)}"
        body = [str(e) for e in self.events] or ["(none)"]
        settings = [f"  {line}" for line in str(self.settings).splitlines()]
        # Patients the dates leave undecided are listed: events alone cannot say "cannot tell".
        open_ = [f"  {p}" for p in self.patients if Truth.UNDETERMINED in (p.worsening, p.raw, p.pira)]
        return "\n".join(
            ["Settings:", *settings, header, *body, *(["Cannot tell:", *open_] if open_ else [])]
        )

    def status(self, patient: str) -> CdwStatus:
        """The three-valued answer for one patient.

        Raises:
            InvalidValueError: No patient of that id was scanned.
        """
        for found in self.patients:
            if found.patient == patient:
                return found
        raise InvalidValueError(f"patient {quoted(patient)} was not scanned")

    def of_kind(self, kind: DisabilityKind) -> tuple[DisabilityEvent, ...]:
        """The events of one kind."""
        return tuple(e for e in self.events if e.kind is kind)


def _day(patient: Patient, field: str, index: int, date: PartialDate) -> int:
    if date.precision is not Precision.DAY:
        raise InvalidDateError(
            f"patient {quoted(patient.id)}: {field}[{index}] date {quoted(str(date))} is not a day;"
            " confirmed disability worsening needs assessment and relapse dates to the day"
        )
    return date.first_day.toordinal()


def _readings(patient: Patient, scale: Scale) -> list[tuple[int, PartialDate, float]]:
    rows: list[tuple[int, PartialDate, float]] = []
    if scale == "EDSS":
        for i, a in enumerate(patient.edss_assessments):
            rows.append((_day(patient, "edss_assessments", i, a.date), a.date, a.score.score))
    else:
        for i, s in enumerate(patient.assessments):
            if s.measure is scale:
                rows.append((_day(patient, "assessments", i, s.date), s.date, s.value))
    rows.sort(key=lambda row: row[0])  # stable: same-day readings keep their order
    # Two readings on one day: the last one stands, as in pymsprog.
    kept: list[tuple[int, PartialDate, float]] = []
    for row in rows:
        if kept and kept[-1][0] == row[0]:
            kept[-1] = row
        else:
            kept.append(row)
    return kept


def _relapse_days(patient: Patient, first: int, settings: CdwSettings) -> list[int]:
    days = []
    for i, relapse in enumerate(patient.relapses):
        if relapse.onset.last_day.toordinal() < first - settings.relapse_to_baseline:
            continue  # ignored on every reading of its date (see relapse_to_baseline)
        days.append(_day(patient, "relapses", i, relapse.onset))
    return sorted(days)


def _relapse_free(day: int, relapses: Sequence[int], s: CdwSettings) -> bool:
    if s.pira_free_before + s.pira_free_after == 0:
        return True  # an empty window checks nothing, as in pymsprog
    # Relapses are sorted: the first at or after the window's start decides.
    at = bisect.bisect_left(relapses, day - s.pira_free_before)
    return at == len(relapses) or relapses[at] > day + s.pira_free_after


def _kind(
    s: CdwSettings, since: float, day: int, confirmations: list[int], relapses: Sequence[int]
) -> DisabilityKind:
    """RAW, PIRA or neither, for a worsening first seen on ``day``."""
    if not s.classify:
        return DisabilityKind.CDW
    if since <= s.relapse_associated:
        return DisabilityKind.RAW
    if _relapse_free(day, relapses, s) and any(_relapse_free(c, relapses, s) for c in confirmations):
        return DisabilityKind.PIRA
    return DisabilityKind.CDW


Found = tuple[DisabilityKind, int, int, int]
"""An event as positions into one patient's readings: kind, change, baseline, confirmation."""


def _confirmed(  # noqa: PLR0912 - the scan is one rule, read best in one piece
    days: Sequence[int],
    values: Sequence[Any],
    thresholds: Sequence[Any],
    relapses: Sequence[int],
    settings: CdwSettings,
    *,
    worse_up: bool,
    since: Sequence[float] | None = None,
) -> list[Found]:
    """The rule itself, over one patient's readings as arrays; the object path and the batch
    engine (:func:`dmt_timeline.batch.disability_events`) both call it.

    Args:
        days: Day numbers of the readings, ascending, one reading a day.
        values: Their scores (exact: decimals, or floats on the EDSS grid).
        thresholds: The minimum change from each reading as a baseline (:func:`minimum_change`).
        relapses: Day numbers of relapse onsets, ascending.
        settings: The criteria.
        worse_up: Whether a higher score is worse.
        since: Days from the latest of ``relapses`` on or before each reading (``math.inf``
            when none), when the caller has them (the batch engine computes them for every
            patient at once); computed here otherwise.

    Returns:
        The events found, in date order, unconfirmed improvements of :attr:`EventSelection.FIRST`
        included (the caller drops them).
    """
    s = settings
    n = len(days)
    if not n:
        return []
    relapses = [r for r in relapses if r >= days[0] - s.relapse_to_baseline]
    if since is None:
        latest: list[float] = []
        for d in days:
            at = bisect.bisect_right(relapses, d)
            latest.append(d - relapses[at - 1] if at else math.inf)
        since = latest

    def worsened(x: int, bl: int) -> bool:
        diff = values[x] - values[bl] if worse_up else values[bl] - values[x]
        return bool(diff >= thresholds[bl])

    def improved(x: int, bl: int) -> bool:
        diff = values[bl] - values[x] if worse_up else values[x] - values[bl]
        return bool(diff >= thresholds[bl])

    found: list[Found] = []
    bl, search = 0, 1
    low, high = s.confirmation_days - s.tolerance_before, s.confirmation_days + s.tolerance_after
    while True:
        while since[bl] < s.relapse_to_baseline:
            bl += 1
            if bl >= n - 1:
                return found
        search = max(search, bl + 1)
        change = next((x for x in range(search, n) if worsened(x, bl) or improved(x, bl)), None)
        if change is None:
            return found
        conf = [
            x
            for x in range(change + 1, n)
            if low <= days[x] - days[change] <= high and since[x] >= s.relapse_to_confirmation
        ]
        if conf and all(improved(x, bl) for x in range(change, conf[0] + 1)):
            kind = DisabilityKind.CDI
            lasts = not s.sustained or all(improved(x, bl) for x in range(conf[0] + 1, n))
        elif conf and all(worsened(x, bl) for x in range(change, conf[0] + 1)):
            # Confirmations count only while the worsening lasts.
            lapse = next((x for x in range(conf[0] + 1, n) if not worsened(x, bl)), n)
            conf = [c for c in conf if c < lapse]
            kind = _kind(s, since[change], days[change], [days[c] for c in conf], relapses)
            lasts = not s.sustained or lapse == n
        else:
            search = change + 1
            continue
        if lasts:
            found.append((kind, change, bl, conf[0]))
            if kind is not DisabilityKind.CDI and s.events is EventSelection.FIRST:
                return found
        elif s.baseline is Baseline.FIXED:  # an unsustained change moves only a roving baseline
            search = change + 1
            continue
        if s.baseline is Baseline.ROVING:
            bl = conf[0]
        search = conf[0] + 1


def _scan(patient: Patient, scale: Scale, settings: CdwSettings) -> list[DisabilityEvent]:
    readings = _readings(patient, scale)
    if not readings:
        return []
    values = [_exact(r[2]) for r in readings]
    days = [r[0] for r in readings]
    found = _confirmed(
        days,
        values,
        [minimum_change(float(v), scale, settings) for v in values],
        _relapse_days(patient, days[0], settings),
        settings,
        worse_up=scale == "EDSS" or scale is not Measure.SDMT,
    )
    return [
        DisabilityEvent(
            patient=patient.id,
            scale=scale,
            kind=kind,
            date=readings[x][1],
            value=readings[x][2],
            baseline_date=readings[bl][1],
            baseline_value=readings[bl][2],
            confirmed=readings[conf][1],
        )
        for kind, x, bl, conf in found
    ]


MAX_READINGS = 4096
"""The most runs of the scan one patient's coarse dates may need (orders of the assessments
times undecided tests); beyond it the patient is "cannot tell" (see the module's note)."""

_WORSENING = (DisabilityKind.CDW, DisabilityKind.RAW, DisabilityKind.PIRA)


class _TooManyRunsError(Exception):
    """More runs than MAX_READINGS: the caller answers "cannot tell"."""


@attrs.frozen(eq=False)  # compared by identity: one object per assessment
class _Reading:
    """One assessment under coarse dates: its position in the input, date, score (and as a
    decimal, with the minimum change from it), and first and last day."""

    position: int
    date: PartialDate
    value: float
    exact: Decimal
    threshold: Decimal
    lo: int
    hi: int


def _coarse_readings(patient: Patient, scale: Scale, settings: CdwSettings) -> list[_Reading]:
    if scale == "EDSS":
        pairs = [(a.date, a.score.score) for a in patient.edss_assessments]
    else:
        pairs = [(a.date, a.value) for a in patient.assessments if a.measure is scale]
    return [
        _Reading(
            i,
            d,
            v,
            _exact(v),
            minimum_change(v, scale, settings),
            d.first_day.toordinal(),
            d.last_day.toordinal(),
        )
        for i, (d, v) in enumerate(pairs)
    ]


def _is_precise(patient: Patient, scale: Scale, settings: CdwSettings) -> bool:
    """Whether every date the scan reads is a day (then the day-precise scan runs)."""
    if scale == "EDSS":
        dates = [a.date for a in patient.edss_assessments]
    else:
        dates = [a.date for a in patient.assessments if a.measure is scale]
    if not dates:
        return True  # no assessment: no relapse can matter
    if any(d.precision is not Precision.DAY for d in dates):
        return False
    coarse = [r.onset for r in patient.relapses if r.onset.precision is not Precision.DAY]
    if not coarse:
        return True
    first = min(d.first_day for d in dates).toordinal()
    # A relapse that is ignored on every reading (see relapse_to_baseline) may be coarse.
    return all(d.last_day.toordinal() < first - settings.relapse_to_baseline for d in coarse)


def _orders(readings: list[_Reading], budget: list[int]) -> Iterable[list[tuple[_Reading, int, int]]]:
    """Every order of the readings their ranges allow, as (kept reading, first day, last day)
    with the ranges narrowed along the order; readings that may share a day are also tried on
    one day, where the later in the input stands (as in the day-precise scan)."""

    def spend() -> None:
        budget[0] -= 1
        if budget[0] < 0:
            raise _TooManyRunsError

    def chain(groups: list[list[_Reading]]) -> list[tuple[_Reading, int, int]] | None:
        lows: list[int] = []
        highs: list[int] = []
        for k, g in enumerate(groups):
            lo, hi = max(r.lo for r in g), min(r.hi for r in g)
            lows.append(max(lo, lows[k - 1] + 1) if k else lo)
            highs.append(hi)
        for k in range(len(groups) - 2, -1, -1):
            highs[k] = min(highs[k], highs[k + 1] - 1)
        if any(lo > hi for lo, hi in zip(lows, highs, strict=True)):
            return None
        return [
            (max(g, key=lambda r: r.position), lo, hi) for g, lo, hi in zip(groups, lows, highs, strict=True)
        ]

    def grow(
        rest: list[_Reading], groups: list[list[_Reading]], floor: int
    ) -> Iterable[list[list[_Reading]]]:
        if not rest:
            yield groups
            return
        latest = min(r.hi for r in rest)
        candidates = [r for r in rest if max(r.lo, floor) <= latest]
        for mask in range(1, 1 << len(candidates)):
            spend()
            group = [r for b, r in enumerate(candidates) if mask >> b & 1]
            lo = max(floor, *(r.lo for r in group))
            others = [r for r in rest if r not in group]
            if lo > min(r.hi for r in group) or any(r.hi <= lo for r in others):
                continue
            yield from grow(others, [*groups, group], lo + 1)

    start = sorted(readings, key=lambda r: (r.lo, r.hi, r.position))
    for groups in grow(start, [], -(10**9)):
        narrowed = chain(groups)
        if narrowed is not None:
            yield narrowed


class _Forks:
    """Decides the tests of one run: as ``prefix`` says, then True, leaving the False branch
    on ``pending``; a test asked again (the same ``key``) gets the same answer."""

    def __init__(self, prefix: tuple[bool, ...], pending: list[tuple[bool, ...]]) -> None:
        self.chosen = list(prefix)
        self.at = 0
        self.pending = pending
        self.answers: dict[tuple[Any, ...], bool] = {}

    def __call__(self, truth: Truth, key: tuple[Any, ...]) -> bool:
        if truth is not Truth.UNDETERMINED:
            return truth is Truth.TRUE
        if key in self.answers:
            return self.answers[key]
        if self.at == len(self.chosen):
            self.pending.append((*self.chosen, False))
            self.chosen.append(True)
        self.at += 1
        self.answers[key] = self.chosen[self.at - 1]
        return self.answers[key]


_Decide = Callable[[Truth, tuple[Any, ...]], bool]


def _runs(run: Callable[[_Decide], Any], budget: list[int]) -> list[Any]:
    """``run`` once for every way of deciding the tests it cannot decide: it asks
    ``decide(truth, key)``, which answers a decided test and forks on an undetermined one."""
    results = []
    pending: list[tuple[bool, ...]] = [()]
    while pending:
        budget[0] -= 1
        if budget[0] < 0:
            raise _TooManyRunsError
        results.append(run(_Forks(pending.pop(), pending)))
    return results


_Found = tuple[DisabilityKind, int, int, int]
"""An event as input positions of its assessments: kind, change, baseline, confirmation."""


_Span = tuple[float, float]


class _Days:
    """The tests on days of one run over one order of readings. Each compares one difference
    of days (two readings, or a reading and a relapse) with one threshold; an undecided test
    forks (``decide``), and its answer narrows that difference so later tests on it agree."""

    def __init__(
        self,
        order: list[tuple[_Reading, int, int]],
        relapses: list[tuple[int, int]],
        s: CdwSettings,
        decide: _Decide,
    ) -> None:
        self.lo = [a for _, a, _ in order]
        self.hi = [b for _, _, b in order]
        self.relapses = relapses
        self.s = s
        self.decide = decide
        self.spans: dict[tuple[str, int, int], _Span] = {}

    def at_least(self, key: tuple[str, int, int], start: _Span, t: float, *, strict: bool = False) -> bool:
        low, high = self.spans.get(key, start)
        truth = Truth.from_bounds(
            always=low > t if strict else low >= t, never=high <= t if strict else high < t
        )
        answer = self.decide(truth, (key, t, strict))
        if truth is Truth.UNDETERMINED:  # t is finite here: narrow to whole days
            first = math.floor(t) + 1 if strict else math.ceil(t)
            self.spans[key] = (first, high) if answer else (low, first - 1)
        return answer

    def within(self, key: tuple[str, int, int], start: _Span, a: float, b: float, *, open_b: bool) -> bool:
        return self.at_least(key, start, a) and not self.at_least(key, start, b, strict=not open_b)

    def apart(self, x: int, y: int, low: float, high: float) -> bool:
        """Whether reading ``x`` comes ``low`` to ``high`` days after reading ``y`` (x > y)."""
        start = (max(self.lo[x] - self.hi[y], x - y), self.hi[x] - self.lo[y])
        return self.within(("reading", x, y), start, low, high, open_b=False)

    def near(self, x: int, low: float, high: float, *, open_high: bool = False) -> bool:
        """Whether a relapse that counts (see ``relapse_to_baseline``) came ``low`` to ``high``
        days before reading ``x``."""
        lo, hi = self.lo, self.hi
        for j, (r_lo, r_hi) in enumerate(self.relapses):
            if self.at_least(
                ("relapse", 0, j), (lo[0] - r_hi, hi[0] - r_lo), self.s.relapse_to_baseline, strict=True
            ):
                continue  # ignored: too long before the first assessment
            if self.within(("relapse", x, j), (lo[x] - r_hi, hi[x] - r_lo), low, high, open_b=open_high):
                return True
        return False

    def free(self, x: int) -> bool:
        s = self.s
        if s.pira_free_before + s.pira_free_after == 0:
            return True
        return not self.near(x, -s.pira_free_after, s.pira_free_before)


def _scan_order(  # noqa: PLR0917 - private, one run of the rule
    order: list[tuple[_Reading, int, int]],
    relapses: list[tuple[int, int]],
    scale: Scale,
    s: CdwSettings,
    worse_up: bool,
    decide: _Decide,
) -> list[_Found]:
    """The rule of :func:`_scan` over one order of coarse readings, the tests on days asked of
    :class:`_Days`; kept step for step beside :func:`_scan` (a property test runs both on
    day-precise data)."""
    n = len(order)
    values = [r.exact for r, _, _ in order]
    thresholds = [r.threshold for r, _, _ in order]
    days = _Days(order, relapses, s, decide)

    def changed(x: int, bl: int, up: bool) -> bool:
        diff = values[x] - values[bl] if up == worse_up else values[bl] - values[x]
        return diff >= thresholds[bl]

    def kind(change: int, conf: list[int]) -> DisabilityKind:
        if not s.classify:
            return DisabilityKind.CDW
        if days.near(change, 0, s.relapse_associated):
            return DisabilityKind.RAW
        if days.free(change) and any(days.free(c) for c in conf):
            return DisabilityKind.PIRA
        return DisabilityKind.CDW

    found: list[_Found] = []
    bl, search = 0, 1
    low, high = s.confirmation_days - s.tolerance_before, s.confirmation_days + s.tolerance_after
    while True:
        while days.near(bl, 0, s.relapse_to_baseline, open_high=True):
            bl += 1
            if bl >= n - 1:
                return found
        search = max(search, bl + 1)
        change = next((x for x in range(search, n) if changed(x, bl, True) or changed(x, bl, False)), None)
        if change is None:
            return found
        conf = [
            x
            for x in range(change + 1, n)
            if days.apart(x, change, low, high)
            and not days.near(x, 0, s.relapse_to_confirmation, open_high=True)
        ]
        if conf and all(changed(x, bl, False) for x in range(change, conf[0] + 1)):
            what = DisabilityKind.CDI
            lasts = not s.sustained or all(changed(x, bl, False) for x in range(conf[0] + 1, n))
        elif conf and all(changed(x, bl, True) for x in range(change, conf[0] + 1)):
            lapse = next((x for x in range(conf[0] + 1, n) if not changed(x, bl, True)), n)
            conf = [c for c in conf if c < lapse]
            what = kind(change, conf)
            lasts = not s.sustained or lapse == n
        else:
            search = change + 1
            continue
        if lasts:
            found.append((what, order[change][0].position, order[bl][0].position, order[conf[0]][0].position))
            if what is not DisabilityKind.CDI and s.events is EventSelection.FIRST:
                return found
        elif s.baseline is Baseline.FIXED:
            search = change + 1
            continue
        if s.baseline is Baseline.ROVING:
            bl = conf[0]
        search = conf[0] + 1


def _status(patient: str, runs: list[list[_Found]], count: int) -> CdwStatus:
    def every(kinds: tuple[DisabilityKind, ...]) -> Truth:
        hits = [any(k in kinds for k, *_ in run) for run in runs]
        return Truth.from_bounds(always=all(hits), never=not any(hits))

    return CdwStatus(
        patient=patient,
        worsening=every(_WORSENING),
        raw=every((DisabilityKind.RAW,)),
        pira=every((DisabilityKind.PIRA,)),
        runs=count,
    )


def _scan_partial(
    patient: Patient, readings: list[_Reading], scale: Scale, settings: CdwSettings
) -> tuple[list[DisabilityEvent], CdwStatus]:
    """Every run of the rule the coarse dates allow; events with whether every run gives them."""
    relapses = [(r.onset.first_day.toordinal(), r.onset.last_day.toordinal()) for r in patient.relapses]
    worse_up = scale == "EDSS" or scale is not Measure.SDMT
    budget = [MAX_READINGS]
    runs: list[list[_Found]] = []
    try:
        for order in _orders(readings, budget):
            runs += _runs(functools.partial(_scan_order, order, relapses, scale, settings, worse_up), budget)
    except _TooManyRunsError:
        undecided = Truth.UNDETERMINED
        reason = f"the dates allow more than {MAX_READINGS} runs of the scan"
        return [], CdwStatus(
            patient=patient.id, worsening=undecided, raw=undecided, pira=undecided, runs=0, reason=reason
        )
    status = _status(patient.id, runs, len(runs))
    if Truth.UNDETERMINED in (status.worsening, status.raw, status.pira):
        status = attrs.evolve(status, reason="the dates do not decide the order or a window")
    by_position = {r.position: r for r in readings}
    seen: dict[_Found, int] = {}
    for run in runs:
        for found in dict.fromkeys(run):
            seen[found] = seen.get(found, 0) + 1
    events = []
    for (kind, x, bl, conf), count in sorted(
        seen.items(), key=lambda item: (by_position[item[0][1]].lo, item[0][1])
    ):
        events.append(
            DisabilityEvent(
                patient=patient.id,
                scale=scale,
                kind=kind,
                date=by_position[x].date,
                value=by_position[x].value,
                baseline_date=by_position[bl].date,
                baseline_value=by_position[bl].value,
                confirmed=by_position[conf].date,
                certain=count == len(runs),
            )
        )
    return events, status


def confirmed_disability_events(
    patients: Iterable[Patient], settings: CdwSettings | None = None, *, scale: Scale = "EDSS"
) -> DisabilityResults:
    """Confirmed disability worsening (and, with ``EventSelection.ALL``, improvement) per patient.

    Dates known only to the month or year are answered over every reading of them (see the
    module's note): each event says whether it is certain, and :attr:`DisabilityResults.patients`
    says per patient whether worsening, RAW and PIRA occurred: yes, no or cannot tell.

    Args:
        patients: The patients; their ``edss_assessments`` (or ``assessments`` of the measure)
            and ``relapses`` are read.
        settings: The criteria; the defaults of :class:`CdwSettings` when None.
        scale: ``"EDSS"`` or a :class:`Measure`.

    Returns:
        The events with the settings and the per-patient answers.

    Raises:
        InvalidValueError: ``scale`` is neither ``"EDSS"`` nor a Measure.
    """
    if settings is None:
        settings = CdwSettings()
    if scale != "EDSS" and not isinstance(scale, Measure):
        raise InvalidValueError(f"scale {describe_value(scale)} is not 'EDSS' or a Measure")
    found: list[DisabilityEvent] = []
    statuses: list[CdwStatus] = []
    for patient in patients:
        if _is_precise(patient, scale, settings):
            events = _scan(patient, scale, settings)
            kinds = {e.kind for e in events}
            status = CdwStatus(
                patient=patient.id,
                worsening=Truth.TRUE if kinds.intersection(_WORSENING) else Truth.FALSE,
                raw=Truth.TRUE if DisabilityKind.RAW in kinds else Truth.FALSE,
                pira=Truth.TRUE if DisabilityKind.PIRA in kinds else Truth.FALSE,
                runs=1,
            )
        else:
            events, status = _scan_partial(
                patient, _coarse_readings(patient, scale, settings), scale, settings
            )
        if settings.events is EventSelection.FIRST:
            events = [e for e in events if e.kind is not DisabilityKind.CDI]
        found.extend(events)
        statuses.append(status)
    return DisabilityResults(settings, scale, tuple(found), tuple(statuses))
