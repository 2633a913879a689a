"""Treatment pathways over the tidy episodes table, honest under partial dates.

The settings are named after OHDSI TreatmentPatterns' ``computePathways`` and ``export`` and
mean the same thing when every date is a day. A partial date is the set of days it could be,
so each rule below acts only on what is *certain*, on every reading of the dates:

* ``min_era_days``: an era is dropped when it is certainly shorter (its longest reading).
* ``era_collapse_days``: two eras of the same step are one era when the gap between them is at
  most this on every reading (overlapping eras have a negative gap and collapse too).
* ``combination_window_days``: two eras of different steps become the step ``A+B`` (names
  sorted) over the part they share when they overlap by at least this on every reading. As in
  TreatmentPatterns, the earlier-starting era keeps a part before the combination and the
  later-stopping era a part after it, each kept unless certainly shorter than
  ``min_post_combination_days``; with partial dates such a part is formed only when the dates
  certainly order the two starts (the two stops), so no part is invented. Unlike
  TreatmentPatterns, an era lying wholly inside another but overlapping it by less than the
  window is not a combination, and an overlap shorter than the window leaves both eras whole
  (TreatmentPatterns' ``overlapMethod = "truncate"`` shortens the earlier one, which changes
  no step order).
* Order: steps are ordered by start. Steps whose start order the dates cannot tell are written
  together as ``{A, B}`` ("in an order the dates cannot tell"): a run of steps starts a new
  position only when it certainly starts after every step of the run before. Two steps starting
  on the same known day are ordered as TreatmentPatterns orders them, by stop (by name when
  both stop on one known day), when the dates certainly order their stops.
* ``filter_treatments``: ``"first"`` keeps the first occurrence of each step (inside ``{...}`` a
  repeated step is kept once), ``"changes"`` drops a step equal to the definite step before it
  (a ``{A, A}`` is one ``A``), ``"all"`` keeps every step.
* ``max_path_length``: the first steps are kept; a ``{...}`` that would cross the limit is left
  out with everything after it, because which of its steps comes first is not known.

* Index window (``index_step`` or ``index_column``, with ``window_start_days`` and
  ``window_end_days``), applied first, as TreatmentPatterns applies its window to the treatment
  cohorts: an era is kept when its start is certainly inside the window, dropped when certainly
  outside, and otherwise kept and written with ``?`` after its step (``B > C?``: C possibly
  started inside the window). The index is the first start of ``index_step`` (a range when the
  dates cannot tell which of its eras came first) or a date per patient from ``index_column``;
  patients without an index have no pathway. ``max_path_length`` counts a ``?`` step as a
  step, so a reading that leaves it out may be cut one step short.

The *readings* of a pathway are the orders of each ``{...}``, with each ``?`` step kept or left
out, with the filter applied again; making dates more precise gives a pathway that is one of them.

An era whose stop is ``ongoing`` lasts at least until the latest earliest day of any date the
patient's episodes record (it is still running at the end of the record); a stop that is
``not recorded`` may be any day from the start on.

Pathways are written ``A > A+B > {C, D}``. Counts below ``min_cell_count`` are suppressed as
``censor`` says: ``"minCellCount"`` shows ``<N`` and leaves the count empty (TreatmentPatterns
writes the threshold itself as the count), ``"remove"`` drops the row, ``"mean"`` replaces each
such count with the rounded mean of all the suppressed counts of the table (as
TreatmentPatterns does, rounding half to even as R does).
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import math
import numbers
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from dmt_timeline.errors import InvalidValueError, StatsInputError, describe_value, quoted
from dmt_timeline.io.tables import Column, ColumnType, TidyTable
from dmt_timeline.progress import showing, stage

__all__ = [
    "ATTRITION_COLUMNS",
    "COUNT_COLUMNS",
    "GAP_COLUMNS",
    "LINE_COLUMNS",
    "PATHWAY_COLUMNS",
    "REACHED_COLUMNS",
    "LinesOfTherapy",
    "PathwayCounts",
    "PathwaySettings",
    "lines_of_therapy",
    "pathway_counts",
    "pathway_readings",
    "patient_pathways",
    "time_between_treatments",
]

Level = Literal["ingredient", "class"]
FilterTreatments = Literal["first", "changes", "all"]
Censor = Literal["minCellCount", "remove", "mean"]

STEP_SEPARATOR: Final = " > "
"""Between the positions of a pathway's text."""

MAYBE: Final = "?"
"""After a step that the dates leave possibly, not certainly, inside the index window."""


def _choice(options: tuple[str, ...]) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value not in options:
            allowed = ", ".join(options)
            raise InvalidValueError(f"{attribute.name} {describe_value(value)} is not one of {allowed}")

    return check


def _optional_text(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise InvalidValueError(f"{attribute.name} {describe_value(value)} is not a name")


def _optional_days(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidValueError(f"{attribute.name} {describe_value(value)} is not a whole number of days")


def _at_least(low: int) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise InvalidValueError(
                f"{attribute.name} {describe_value(value)} is not a whole number >= {low}"
            )

    return check


@attrs.frozen(kw_only=True)
class PathwaySettings:
    """How eras become a pathway; recorded with every result. See the module docstring.

    Attributes:
        level: ``"ingredient"`` (the therapy) or ``"class"`` (its therapy class).
        min_era_days: Drop eras certainly shorter than this (TreatmentPatterns' ``minEraDuration``).
        era_collapse_days: Join same-step eras whose gap is certainly at most this (``eraCollapseSize``).
        combination_window_days: Certain overlap that makes ``A+B`` (``combinationWindow``), >= 1.
        min_post_combination_days: Drop a part before or after a combination certainly shorter
            than this (``minPostCombinationDuration``).
        filter_treatments: ``"first"``, ``"changes"`` or ``"all"`` (``filterTreatments``).
        max_path_length: The most steps kept (``maxPathLength``).
        min_cell_count: Counts below this are suppressed (``minCellCount``).
        censor: ``"minCellCount"``, ``"remove"`` or ``"mean"`` (``censorType``).
        index_step: Restrict each pathway to a window around the first start of this step (a
            therapy, or a class at class level); patients who never start it have no pathway.
        index_column: Or around a date per patient read from this column of the table (text
            ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, or a date; one value per patient, for
            example a label added by ``with_labels``); patients without one have no pathway.
        window_start_days: The window starts this many days after the index (negative:
            before); None for no start. Used only with an index.
        window_end_days: The window ends this many days after the index; None for no end.
    """

    level: Level = attrs.field(default="ingredient", validator=_choice(("ingredient", "class")))
    min_era_days: int = attrs.field(default=0, validator=_at_least(0))
    era_collapse_days: int = attrs.field(default=30, validator=_at_least(0))
    combination_window_days: int = attrs.field(default=30, validator=_at_least(1))
    min_post_combination_days: int = attrs.field(default=30, validator=_at_least(0))
    filter_treatments: FilterTreatments = attrs.field(
        default="first", validator=_choice(("first", "changes", "all"))
    )
    max_path_length: int = attrs.field(default=5, validator=_at_least(1))
    min_cell_count: int = attrs.field(default=5, validator=_at_least(1))
    censor: Censor = attrs.field(
        default="minCellCount", validator=_choice(("minCellCount", "remove", "mean"))
    )
    index_step: str | None = attrs.field(default=None, validator=_optional_text)
    index_column: str | None = attrs.field(default=None, validator=_optional_text)
    window_start_days: int | None = attrs.field(default=0, validator=_optional_days)
    window_end_days: int | None = attrs.field(default=None, validator=_optional_days)

    def __attrs_post_init__(self) -> None:
        if self.index_step is not None and self.index_column is not None:
            raise InvalidValueError("index_step and index_column: give one index, not both")
        start, end = self.window_start_days, self.window_end_days
        if start is not None and end is not None and start > end:
            raise InvalidValueError(f"window_start_days {start} is after window_end_days {end}")

    def window_text(self) -> str:
        """The window as text, for the attrition table: ``[0, 365] days from first natalizumab``."""
        index = f"first {self.index_step}" if self.index_step is not None else f"column {self.index_column}"
        start = "..." if self.window_start_days is None else str(self.window_start_days)
        end = "..." if self.window_end_days is None else str(self.window_end_days)
        return f"[{start}, {end}] days from {index}"

    def describe(self) -> tuple[tuple[str, str], ...]:
        """Each setting's name and value, for printing with the results."""
        return tuple((a.name, str(getattr(self, a.name))) for a in attrs.fields(PathwaySettings))


_S, _I, _B = ColumnType.STRING, ColumnType.INT, ColumnType.BOOL

PATHWAY_COLUMNS: Final = (
    Column("patient_id", _S, "the patient"),
    Column("pathway", _S, "steps joined by ' > '; '{A, B}' when the dates cannot tell their order"),
    Column("steps", _I, "how many steps (each step inside '{...}' counts)"),
    Column("undetermined", _I, "how many links between consecutive steps the dates cannot order"),
    Column(
        "window_undetermined", _I, "how many steps are possibly, not certainly, in the index window ('?')"
    ),
)
"""Columns of :func:`patient_pathways`."""

COUNT_COLUMNS: Final = (
    Column("group", _S, "the stratum (None when not stratified)"),
    Column("pathway", _S, "the pathway's text"),
    Column("n", _I, "patients (None when suppressed as '<N')"),
    Column("shown", _S, "the count as published: a number or '<N'"),
    Column("suppressed", _B, "whether the count is below the minimum cell count"),
)
"""Columns of :attr:`PathwayCounts.counts`."""

ATTRITION_COLUMNS: Final = (
    Column("stage", _I, "1 for the input, then each setting in the order applied"),
    Column("setting", _S, "the setting applied at this stage"),
    Column("value", _S, "its value"),
    Column("patients", _I, "patients with at least one era (step) left"),
    Column("eras", _I, "eras (steps) left"),
)
"""Columns of :attr:`PathwayCounts.attrition`."""

LINE_COLUMNS: Final = (
    Column("line_low", _I, "the earliest line the step can be at"),
    Column("line_high", _I, "the latest line the step can be at (differs inside '{...}')"),
    Column("step", _S, "the therapy, class or combination"),
    Column("n", _I, "patients (None when suppressed)"),
    Column("shown", _S, "the count as published"),
    Column("suppressed", _B, "whether the count is below the minimum cell count"),
)
"""Columns of :attr:`LinesOfTherapy.therapies`."""

REACHED_COLUMNS: Final = (
    Column("line", _I, "the line"),
    Column("n", _I, "patients with at least this many steps (None when suppressed)"),
    Column("shown", _S, "the count as published"),
    Column("suppressed", _B, "whether the count is below the minimum cell count"),
)
"""Columns of :attr:`LinesOfTherapy.reached`."""

GAP_COLUMNS: Final = (
    Column("bound", _S, "'low' (fewest whole months) or 'high' (most whole months)"),
    Column("n", _I, "transitions with a gap (open-ended ones have none)"),
    Column("min", ColumnType.FLOAT, "smallest"),
    Column("q1", ColumnType.FLOAT, "first quartile (linear interpolation, R's type 7)"),
    Column("median", ColumnType.FLOAT, "median"),
    Column("q3", ColumnType.FLOAT, "third quartile"),
    Column("max", ColumnType.FLOAT, "largest"),
)
"""Columns of :func:`time_between_treatments`."""


@attrs.frozen
class PathwayCounts:
    """Pathway counts of a cohort with the settings that made them and the attrition."""

    settings: PathwaySettings
    counts: TidyTable
    attrition: TidyTable


@attrs.frozen
class LinesOfTherapy:
    """Which steps are at each line, and how many patients reach each line."""

    settings: PathwaySettings
    therapies: TidyTable
    reached: TidyTable


# ----------------------------------------------------------------------------- reading tables

_NEEDED: Final = (
    "patient_id",
    "start_earliest",
    "start_latest",
    "stop_state",
    "stop_earliest",
    "stop_latest",
)


def _column_names(table: Any) -> tuple[str, ...] | None:
    if isinstance(table, TidyTable):
        return table.names
    names = getattr(table, "column_names", None)  # pyarrow
    if names is None:
        names = getattr(table, "columns", None)  # pandas
    if names is None:
        return None
    return tuple(str(n) for n in names)


def _records(table: Any, needed: Sequence[str]) -> list[dict[str, Any]]:
    names = _column_names(table)
    if names is None:
        raise StatsInputError(
            f"a table must be a TidyTable, a pandas DataFrame or a pyarrow Table, not {type(table).__name__}"
        )
    missing = [n for n in needed if n not in names]
    if missing:
        raise StatsInputError(f"the table has no column {', '.join(quoted(n) for n in missing)}")
    if isinstance(table, TidyTable):
        return table.to_dicts()
    if hasattr(table, "to_pylist"):
        return list(table.select(list(needed)).to_pylist())
    frame = table[list(needed)].astype(object)
    frame = frame.where(frame.notna(), None)
    return list(frame.to_dict("records"))


def _text(record: Mapping[str, Any], field: str, row: int) -> str:
    value = record[field]
    if not isinstance(value, str):
        raise StatsInputError(f"row {row}: {field} {describe_value(value)} is not text")
    return value


def _day(record: Mapping[str, Any], field: str, row: int, patient: str) -> int | None:
    value = record[field]
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().toordinal()
    if isinstance(value, dt.date):
        return value.toordinal()
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        # Text dates as a CSV or the batch engine's readers hand them over.
        year, month, day = (int(part) for part in value.split("-"))
        if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1] and year >= 1:
            return dt.date(year, month, day).toordinal()
    raise StatsInputError(
        f"row {row}, patient {quoted(patient)}: {field} {describe_value(value)} is not a day"
    )


_ISO_DAY: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

_OPEN: Final = dt.date.max.toordinal() + 1
"""The latest stop of an era with no stop date: after every day."""


@attrs.frozen
class _Era:
    """One era as day ordinals: its start and stop each lie between a low and a high day."""

    names: tuple[str, ...]
    s_lo: int
    s_hi: int
    e_lo: int
    e_hi: int
    maybe: bool = False  # possibly, not certainly, in the index window

    @property
    def label(self) -> str:
        return "+".join(self.names)

    @property
    def step(self) -> str:
        """The label as a pathway writes it: ``?`` marks a step possibly outside the window."""
        return self.label + MAYBE if self.maybe else self.label

    def key(self) -> tuple[int, int, int, int, str]:
        return (self.s_lo, self.s_hi, self.e_lo, self.e_hi, self.step)


def _eras_by_patient(table: Any, level: Level) -> dict[str, list[_Era]]:
    step = "therapy" if level == "ingredient" else "therapy_class"
    records = _records(table, (*_NEEDED, step))
    raw: dict[str, list[tuple[str, int, int, str, int | None, int | None]]] = defaultdict(list)
    for row, record in enumerate(records, start=1):
        patient = _text(record, "patient_id", row)
        name = _text(record, step, row)
        s_lo = _day(record, "start_earliest", row, patient)
        s_hi = _day(record, "start_latest", row, patient)
        if s_lo is None or s_hi is None or s_hi < s_lo:
            raise StatsInputError(
                f"row {row}, patient {quoted(patient)}: start_earliest/start_latest is not a day range"
            )
        state = _text(record, "stop_state", row)
        e_lo = _day(record, "stop_earliest", row, patient)
        e_hi = _day(record, "stop_latest", row, patient)
        if state == "date" and (e_lo is None or e_hi is None or e_hi < e_lo):
            raise StatsInputError(
                f"row {row}, patient {quoted(patient)}: stop_earliest/stop_latest is not a day range"
            )
        if state not in ("date", "ongoing", "not recorded"):
            raise StatsInputError(
                f"row {row}, patient {quoted(patient)}: stop_state {describe_value(state)}"
                " is not date, ongoing or not recorded"
            )
        raw[patient].append((name, s_lo, s_hi, state, e_lo, e_hi))
    eras: dict[str, list[_Era]] = {}
    for patient, items in raw.items():
        # An ongoing era still runs at the end of the record: at least until the latest day
        # that any of the patient's dates certainly reaches.
        record_end = max([i[1] for i in items] + [i[4] for i in items if i[4] is not None])
        built = []
        for name, s_lo, s_hi, state, e_lo, e_hi in items:
            if state == "date":
                assert e_lo is not None  # checked while reading
                assert e_hi is not None
                built.append(_Era((name,), s_lo, s_hi, max(e_lo, s_lo), max(e_hi, s_hi)))
            elif state == "ongoing":
                built.append(_Era((name,), s_lo, s_hi, max(record_end, s_lo), _OPEN))
            else:
                built.append(_Era((name,), s_lo, s_hi, s_lo, _OPEN))
        eras[patient] = sorted(built, key=_Era.key)
    return eras


# ----------------------------------------------------------------------------- the rules


def _index_days(
    table: Any, eras: dict[str, list[_Era]], settings: PathwaySettings
) -> dict[str, tuple[int, int, _Era | None]]:
    """Each patient's index as the earliest and latest day it can be, and the era whose start
    it is when one era of the index step certainly starts first."""
    out: dict[str, tuple[int, int, _Era | None]] = {}
    if settings.index_step is not None:
        for patient, items in eras.items():
            candidates = [e for e in items if e.label == settings.index_step]
            if not candidates:
                continue
            first = [e for e in candidates if all(e.s_hi <= o.s_lo for o in candidates if o is not e)]
            out[patient] = (
                min(e.s_lo for e in candidates),
                min(e.s_hi for e in candidates),
                first[0] if first else None,
            )
        return out
    column = settings.index_column
    assert column is not None  # one of the two is set: checked by the caller
    for row, record in enumerate(_records(table, ("patient_id", column)), start=1):
        patient = _text(record, "patient_id", row)
        days = _index_value(record[column], row, patient, column)
        if days is None:
            continue
        found = out.setdefault(patient, (*days, None))
        if found[:2] != days:
            raise StatsInputError(
                f"row {row}, patient {quoted(patient)}: {quoted(column)} differs between the patient's rows"
            )
    return out


def _index_value(value: Any, row: int, patient: str, column: str) -> tuple[int, int] | None:
    from dmt_timeline.dates import PartialDate  # noqa: PLC0415 - only an index column needs it
    from dmt_timeline.errors import InvalidDateError  # noqa: PLC0415

    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.toordinal(), value.toordinal()
    if isinstance(value, str):
        try:
            date = PartialDate.parse(value)
        except InvalidDateError:
            pass
        else:
            return date.first_day.toordinal(), date.last_day.toordinal()
    raise StatsInputError(
        f"row {row}, patient {quoted(patient)}: {column} {describe_value(value)} is not a date"
    )


def _in_window(
    eras: dict[str, list[_Era]], index: Mapping[str, tuple[int, int, _Era | None]], settings: PathwaySettings
) -> dict[str, list[_Era]]:
    """Eras whose start is certainly in the window, and those possibly in it marked ``maybe``."""
    low = -math.inf if settings.window_start_days is None else settings.window_start_days
    high = math.inf if settings.window_end_days is None else settings.window_end_days
    out: dict[str, list[_Era]] = {}
    for patient, items in eras.items():
        if patient not in index:
            out[patient] = []
            continue
        i_lo, i_hi, first = index[patient]
        kept = []
        for era in items:
            if era is first:
                least = most = 0
            else:
                least, most = era.s_lo - i_hi, era.s_hi - i_lo
                if era.label == settings.index_step:
                    least = max(least, 0)  # the index is the first start of this step
            if most < low or least > high:
                continue
            kept.append(era if low <= least and most <= high else attrs.evolve(era, maybe=True))
        out[patient] = kept
    return out


def _min_era(eras: list[_Era], days: int) -> list[_Era]:
    return [e for e in eras if e.e_hi - e.s_lo >= days]


def _collapse(eras: list[_Era], days: int) -> list[_Era]:
    by_label: dict[str, list[_Era]] = defaultdict(list)
    for era in eras:
        by_label[era.label].append(era)
    out: list[_Era] = []
    for items in by_label.values():
        current = items[0]
        for era in items[1:]:
            # The longest gap on any reading, whichever of the two comes first.
            gap = max(era.s_hi - current.e_lo, current.s_hi - era.e_lo)
            if gap <= days:
                current = _Era(
                    current.names,
                    min(current.s_lo, era.s_lo),
                    min(current.s_hi, era.s_hi),
                    max(current.e_lo, era.e_lo),
                    max(current.e_hi, era.e_hi),
                    current.maybe and era.maybe,  # one certain era makes the joined one certain
                )
            else:
                out.append(current)
                current = era
        out.append(current)
    return sorted(out, key=_Era.key)


def _part(era: _Era, days: int) -> list[_Era]:
    """The part, unless it is certainly shorter than ``days`` or certainly empty."""
    if era.e_hi - era.s_lo < days or era.e_hi <= era.s_lo:
        return []
    return [attrs.evolve(era, e_lo=max(era.e_lo, era.s_lo))]


def _split(a: _Era, b: _Era, settings: PathwaySettings) -> list[_Era]:
    names = tuple(sorted(set(a.names) | set(b.names)))
    s_lo, s_hi = max(a.s_lo, b.s_lo), max(a.s_hi, b.s_hi)
    e_lo, e_hi = min(a.e_lo, b.e_lo), min(a.e_hi, b.e_hi)
    parts = [_Era(names, s_lo, s_hi, e_lo, e_hi, a.maybe or b.maybe)]
    keep = settings.min_post_combination_days
    for first, second in ((a, b), (b, a)):
        if first.s_hi < second.s_lo:  # ``first`` certainly starts first: its part before
            parts += _part(
                _Era(first.names, first.s_lo, first.s_hi, second.s_lo, second.s_hi, first.maybe), keep
            )
        if first.e_lo > second.e_hi:  # ``first`` certainly stops last: its part after
            parts += _part(
                _Era(first.names, second.e_lo, second.e_hi, first.e_lo, first.e_hi, first.maybe), keep
            )
    return parts


def _combine(eras: list[_Era], settings: PathwaySettings) -> list[_Era]:
    window = settings.combination_window_days
    eras = sorted(eras, key=_Era.key)
    while True:
        pair = next(
            (
                (i, j)
                for i in range(len(eras))
                for j in range(i + 1, len(eras))
                if eras[i].label != eras[j].label
                and min(eras[i].e_lo, eras[j].e_lo) - max(eras[i].s_hi, eras[j].s_hi) >= window
            ),
            None,
        )
        if pair is None:
            return eras
        i, j = pair
        parts = _split(eras[i], eras[j], settings)
        eras = sorted([e for k, e in enumerate(eras) if k not in pair] + parts, key=_Era.key)


def _ordered_tie(a: _Era, b: _Era) -> bool:
    """Both start on one known day, and their stops order them (TreatmentPatterns' tie-break)."""
    if not a.s_lo == a.s_hi == b.s_lo == b.s_hi:
        return False
    known_equal = a.e_lo == a.e_hi == b.e_lo == b.e_hi
    return known_equal or a.e_hi < b.e_lo or b.e_hi < a.e_lo


def _positions(eras: list[_Era]) -> list[list[_Era]]:
    """Eras in start order, grouped where the dates cannot tell the order."""
    slots: list[list[_Era]] = []
    for era in sorted(eras, key=_Era.key):
        if slots and not all(m.s_hi < era.s_lo or _ordered_tie(m, era) for m in slots[-1]):
            slots[-1].append(era)
        else:
            slots.append([era])
    return slots


Path = tuple[tuple[str, ...], ...]
"""A pathway: positions, each the sorted steps the dates cannot order (one step when definite)."""


def _filter(path: Path, how: FilterTreatments) -> Path:
    if how == "all":
        return path
    out: list[tuple[str, ...]] = []
    if how == "first":
        seen: set[str] = set()
        for slot in path:
            kept = tuple(sorted(set(slot) - seen))
            seen.update(slot)
            if kept:
                out.append(kept)
        return tuple(out)
    for slot in path:
        single = slot if len(set(slot)) > 1 else slot[:1]
        if len(single) == 1 and out and out[-1] == single:
            continue
        out.append(single)
    return tuple(out)


def _truncate(path: Path, length: int) -> Path:
    out: list[tuple[str, ...]] = []
    used = 0
    for slot in path:
        if used + len(slot) > length:
            break
        out.append(slot)
        used += len(slot)
    return tuple(out)


def _text_of(path: Path) -> str:
    return STEP_SEPARATOR.join(slot[0] if len(slot) == 1 else "{" + ", ".join(slot) + "}" for slot in path)


def _pathways(table: Any, settings: PathwaySettings) -> tuple[dict[str, Path], list[tuple[Any, ...]]]:
    eras = _eras_by_patient(table, settings.level)
    stages: list[tuple[str, str, dict[str, int]]] = []

    def record(setting: str, value: object, sizes: dict[str, int]) -> None:
        stages.append((setting, str(value), sizes))

    record("input", "", {p: len(e) for p, e in eras.items()})
    if settings.index_step is not None or settings.index_column is not None:
        eras = _in_window(eras, _index_days(table, eras, settings), settings)
        record("index window", settings.window_text(), {p: len(e) for p, e in eras.items()})
    eras = {p: _min_era(e, settings.min_era_days) for p, e in eras.items()}
    record("min_era_days", settings.min_era_days, {p: len(e) for p, e in eras.items()})
    eras = {p: _collapse(e, settings.era_collapse_days) if e else e for p, e in eras.items()}
    record("era_collapse_days", settings.era_collapse_days, {p: len(e) for p, e in eras.items()})
    eras = {p: _combine(e, settings) for p, e in eras.items()}
    record("combination_window_days", settings.combination_window_days, {p: len(e) for p, e in eras.items()})
    paths = {
        p: _filter(
            tuple(tuple(sorted(m.step for m in slot)) for slot in _positions(e)), settings.filter_treatments
        )
        for p, e in eras.items()
    }
    record("filter_treatments", settings.filter_treatments, {p: sum(map(len, x)) for p, x in paths.items()})
    paths = {p: _truncate(x, settings.max_path_length) for p, x in paths.items()}
    record("max_path_length", settings.max_path_length, {p: sum(map(len, x)) for p, x in paths.items()})
    attrition = [
        (stage, setting, value, sum(1 for n in sizes.values() if n), sum(sizes.values()))
        for stage, (setting, value, sizes) in enumerate(stages, start=1)
    ]
    return {p: x for p, x in sorted(paths.items()) if x}, attrition


# ----------------------------------------------------------------------------- public


def patient_pathways(table: Any, settings: PathwaySettings | None = None) -> TidyTable:
    """One row per patient with at least one step; see :data:`PATHWAY_COLUMNS`.

    Args:
        table: Episodes as :func:`~dmt_timeline.io.tables.episodes_table` writes them: a
            ``TidyTable``, a pandas DataFrame or a pyarrow Table with its columns
            ``patient_id``, ``therapy`` (``therapy_class`` at class level),
            ``start_earliest``, ``start_latest``, ``stop_state``, ``stop_earliest`` and
            ``stop_latest``; days as dates, datetimes or ``YYYY-MM-DD`` text. Other
            columns are ignored, so the batch engine's input serves as it is.
        settings: How eras become a pathway; default :class:`PathwaySettings()`.

    Raises:
        StatsInputError: naming the row and the column when the table cannot be read.
    """
    settings = PathwaySettings() if settings is None else settings
    paths, _ = _pathways(table, settings)
    rows = tuple(
        (
            p,
            _text_of(x),
            sum(map(len, x)),
            sum(len(slot) - 1 for slot in x),
            sum(step.endswith(MAYBE) for slot in x for step in slot),
        )
        for p, x in paths.items()
    )
    return TidyTable(PATHWAY_COLUMNS, rows)


def pathway_readings(pathway: str, filter_treatments: FilterTreatments = "all") -> frozenset[str]:
    """The definite pathways a pathway's text can mean: each ``{...}`` in each order, each step
    marked ``?`` (possibly in the index window) kept or left out, filtered again."""
    slots: list[list[str]] = []
    for part in pathway.split(STEP_SEPARATOR) if pathway else []:
        slots.append(part[1:-1].split(", ") if part.startswith("{") else [part])
    maybe = sorted({step for slot in slots for step in slot if step.endswith(MAYBE)})
    readings = set()
    for kept in itertools.product((True, False), repeat=len(maybe)):
        dropped = {step for step, keep in zip(maybe, kept, strict=True) if not keep}
        chosen = [[step.removesuffix(MAYBE) for step in slot if step not in dropped] for slot in slots]
        for choice in itertools.product(*(itertools.permutations(s) for s in chosen)):
            flat: Path = tuple((step,) for order in choice for step in order)
            readings.add(_text_of(_filter(flat, filter_treatments)))
    return frozenset(readings)


def _groups(table: Any, patients: Iterable[str], by: str | Mapping[str, str] | None) -> dict[str, str | None]:
    wanted = list(patients)
    if by is None:
        return dict.fromkeys(wanted)
    if isinstance(by, str):
        found: dict[str, str] = {}
        for row, record in enumerate(_records(table, ("patient_id", by)), start=1):
            patient = _text(record, "patient_id", row)
            value = str(record[by]) if record[by] is not None else ""
            if found.setdefault(patient, value) != value:
                raise StatsInputError(
                    f"row {row}, patient {quoted(patient)}: {quoted(by)} differs between the patient's rows"
                )
        return {p: found[p] for p in wanted}
    out: dict[str, str | None] = {}
    for patient in wanted:
        if patient not in by:
            raise StatsInputError(f"patient {quoted(patient)} has no group in by")
        out[patient] = by[patient]
    return out


def _suppress(cells: list[tuple[tuple[Any, ...], int]], settings: PathwaySettings) -> list[tuple[Any, ...]]:
    """Rows ``(*key, n, shown, suppressed)`` from ``(key, count)`` pairs, suppressed as set."""
    low = [n for _, n in cells if n < settings.min_cell_count]
    mean = round(statistics.mean(low)) if low else 0
    rows = []
    for key, n in cells:
        if n >= settings.min_cell_count:
            rows.append((*key, n, str(n), False))
        elif settings.censor == "minCellCount":
            rows.append((*key, None, f"<{settings.min_cell_count}", True))
        elif settings.censor == "mean":
            rows.append((*key, mean, str(mean), True))
    return rows


def pathway_counts(
    table: Any,
    settings: PathwaySettings | None = None,
    *,
    by: str | Mapping[str, str] | None = None,
    progress: bool | None = None,
) -> PathwayCounts:
    """Patients per pathway, with small-cell suppression and the attrition of each setting.

    Args:
        table: Episodes, as for :func:`patient_pathways`.
        settings: How eras become a pathway and how counts are suppressed.
        by: Stratify by a column of ``table`` (one value per patient) or a mapping from
            patient id to group; None for one stratum.
        progress: Show the stage on stderr: None when it is a terminal (see
            :mod:`dmt_timeline.progress`), True anywhere, False never.

    Raises:
        StatsInputError: when the table cannot be read or a patient has no (or two) groups.
    """
    settings = PathwaySettings() if settings is None else settings
    with showing(progress), stage("pathway counts"):
        return _counted(*_tally(table, settings, by), settings)


def _tally(
    table: Any, settings: PathwaySettings, by: str | Mapping[str, str] | None, *, fast: bool = True
) -> tuple[Counter[tuple[str | None, str]], list[tuple[Any, ...]]]:
    """Patients per (group, pathway) and the attrition rows, before suppression: the part of
    :func:`pathway_counts` that partitions of whole patients add up. Without strata or an
    index window, the patients no rule changes are counted over arrays (``fast``)."""
    if fast and by is None and settings.index_step is None and settings.index_column is None:
        from dmt_timeline.analyses._fast_pathways import fast_tally  # noqa: PLC0415 - numpy

        found = fast_tally(table, settings, lambda rest: _tally(rest, settings, None, fast=False))
        if found is not None:
            return found
    paths, attrition = _pathways(table, settings)
    groups = _groups(table, paths, by)
    return Counter((groups[p], _text_of(x)) for p, x in paths.items()), attrition


def _counted(
    tally: Counter[tuple[str | None, str]], attrition: list[tuple[Any, ...]], settings: PathwaySettings
) -> PathwayCounts:
    """The published counts: suppression applies to the whole cohort's counts, never a part's."""
    rows = _suppress(list(tally.items()), settings)
    # Suppressed cells follow the others by name: their order must not tell their counts apart.
    rows.sort(key=lambda r: (r[0] or "", r[4], 0 if r[4] else -r[2], r[1]))
    return PathwayCounts(
        settings, TidyTable(COUNT_COLUMNS, tuple(rows)), TidyTable(ATTRITION_COLUMNS, tuple(attrition))
    )


def lines_of_therapy(table: Any, settings: PathwaySettings | None = None) -> LinesOfTherapy:
    """Steps at each line of the pathways, and patients reaching each line, both suppressed.

    A step inside ``{...}`` may be at any line its group spans: it is counted once under that
    range (``line_low`` to ``line_high``). A step marked ``?`` (possibly outside the index
    window) may be absent, so the steps after it may be a line earlier: their ranges say so,
    and a patient reaches a line when the steps certainly in the window reach it.
    """
    settings = PathwaySettings() if settings is None else settings
    paths, _ = _pathways(table, settings)
    at: Counter[tuple[int, int, str]] = Counter()
    reached: Counter[int] = Counter()
    for path in paths.values():
        certain = possible = 0  # steps before this slot: certainly there, possibly there
        for slot in path:
            sure = sum(not step.endswith(MAYBE) for step in slot)
            for step in sorted(set(slot)):
                at[(certain + 1, possible + len(slot), step)] += 1
            certain += sure
            possible += len(slot)
        for n in range(1, certain + 1):
            reached[n] += 1
    therapies = _suppress(list(at.items()), settings)
    # Suppressed cells follow the others by name: their order must not tell their counts apart.
    therapies.sort(key=lambda r: (r[0], r[1], r[5], 0 if r[5] else -r[3], r[2]))
    lines = _suppress([((n,), reached[n]) for n in sorted(reached)], settings)
    return LinesOfTherapy(
        settings, TidyTable(LINE_COLUMNS, tuple(therapies)), TidyTable(REACHED_COLUMNS, tuple(lines))
    )


def _summary(values: list[int]) -> tuple[float | None, ...]:
    if not values:
        return (None,) * 5
    ordered = sorted(values)
    if len(ordered) == 1:
        v = float(ordered[0])
        return (v, v, v, v, v)
    q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return (float(ordered[0]), float(q1), float(median), float(q3), float(ordered[-1]))


def time_between_treatments(transitions: Any) -> TidyTable:
    """The distribution of the gap between consecutive treatments, for each bound of its range.

    Args:
        transitions: :func:`~dmt_timeline.io.tables.transitions_table` (a ``TidyTable``, pandas
            or pyarrow), whose ``gap_low`` and ``gap_high`` are whole months.

    Returns:
        Two rows, ``low`` and ``high``; see :data:`GAP_COLUMNS`. Transitions from an open-ended
        episode have no gap and are not counted.
    """
    lows: list[int] = []
    highs: list[int] = []
    for row, record in enumerate(_records(transitions, ("gap_low", "gap_high")), start=1):
        low, high = record["gap_low"], record["gap_high"]
        if low is None or high is None:
            continue
        for field, value in (("gap_low", low), ("gap_high", high)):
            # pandas hands over numpy integers: any integral number but a bool is a count.
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise StatsInputError(f"row {row}: {field} {describe_value(value)} is not a whole number")
        lows.append(int(low))
        highs.append(int(high))
    return TidyTable(
        GAP_COLUMNS, (("low", len(lows), *_summary(lows)), ("high", len(highs), *_summary(highs)))
    )
