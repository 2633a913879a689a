"""Confirmed disability worsening (CDW) on the EDSS and the other scored measures, with each
event classified as relapse-associated (RAW) or independent of relapse activity (PIRA).

The scan follows the definition msprog and pymsprog implement (assessments read in date order,
a change from the baseline confirmed at a later assessment and at every one in between), so that
results can be checked against pymsprog event by event; every criterion is a field of
:class:`CdwSettings`, printed with the results. Dates must be known to the day: an assessment or
a relapse known only to the month or year is refused with an error naming the patient and the
field, because a confirmation window of 84 days cannot be judged on a month.
"""

from __future__ import annotations

import bisect
import enum
import math
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, Literal

import attrs

from dmt_timeline.dates import PartialDate, Precision
from dmt_timeline.errors import InvalidDateError, InvalidValueError, describe_value, quoted
from dmt_timeline.events import Measure
from dmt_timeline.model import Patient

__all__ = [
    "Baseline",
    "CdwSettings",
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

    def __str__(self) -> str:
        return (
            f"{self.patient} {self.kind.value} {self.date} {self.value:g}"
            f" (baseline {self.baseline_value:g} on {self.baseline_date}, confirmed {self.confirmed})"
        )


@attrs.frozen
class DisabilityResults:
    """The events found, with the settings that found them (printed together).

    Attributes:
        settings: The criteria.
        scale: What was scanned.
        events: The events, by patient (in input order) then date.
    """

    settings: CdwSettings
    scale: Scale
    events: tuple[DisabilityEvent, ...]

    def __str__(self) -> str:
        name = self.scale if isinstance(self.scale, str) else self.scale.value
        header = f"Confirmed disability events on {name}: {len(self.events)}"
        body = [str(e) for e in self.events] or ["(none)"]
        settings = [f"  {line}" for line in str(self.settings).splitlines()]
        return "\n".join(["Settings:", *settings, header, *body])

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


def confirmed_disability_events(
    patients: Iterable[Patient], settings: CdwSettings | None = None, *, scale: Scale = "EDSS"
) -> DisabilityResults:
    """Confirmed disability worsening (and, with ``EventSelection.ALL``, improvement) per patient.

    Args:
        patients: The patients; their ``edss_assessments`` (or ``assessments`` of the measure)
            and ``relapses`` are read.
        settings: The criteria; the defaults of :class:`CdwSettings` when None.
        scale: ``"EDSS"`` or a :class:`Measure`.

    Returns:
        The events with the settings.

    Raises:
        InvalidDateError: An assessment of the scale, or a relapse that could matter, is not
            dated to the day.
        InvalidValueError: ``scale`` is neither ``"EDSS"`` nor a Measure.
    """
    if settings is None:
        settings = CdwSettings()
    if scale != "EDSS" and not isinstance(scale, Measure):
        raise InvalidValueError(f"scale {describe_value(scale)} is not 'EDSS' or a Measure")
    found: list[DisabilityEvent] = []
    for patient in patients:
        events = _scan(patient, scale, settings)
        if settings.events is EventSelection.FIRST:
            events = [e for e in events if e.kind is not DisabilityKind.CDI]
        found.extend(events)
    return DisabilityResults(settings, scale, tuple(found))
