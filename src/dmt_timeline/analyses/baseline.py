"""A baseline table ("Table 1") by group, honest under partial dates.

The conventions are those of the ``tableone`` package's defaults: one column per group after
an ``Overall`` column; a categorical variable shows ``n (%)`` per level, the percentage over
all the group's patients, with the patients whose value is not recorded as a level
``missing``; a continuous variable shows ``median [Q1,Q3]`` (quartiles by linear
interpolation, R's type 7) and ``mean (SD)`` (sample SD, ``n - 1``) over the recorded values,
and its count of missing values.

A value that partial dates leave as a range (age at index from a birth year; disease duration
from a diagnosis year) is a pair of bounds. Medians, quartiles and means never decrease when
any value increases, so each is reported as the range from the statistic of the low bounds to
that of the high bounds, which holds the statistic of every reading. The SD is not monotone:
with ranges its low bound is the smallest SD any reading gives (computed exactly) and its high
bound is not reported (finding it is NP-hard in general).

Counts from 1 to ``min_cell_count - 1`` are suppressed as pathway counts are (shown
``<N``), with their percentages; when one level of a variable is suppressed in a column, the
smallest other non-zero level is suppressed too, so the first cannot be recovered by
subtraction. Statistics of fewer than ``min_cell_count`` recorded values are suppressed. Counts
of zero are shown. Differences between columns (``Overall`` minus the other groups) are not
protected: publish either the ``Overall`` column or the groups when that matters.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import attrs

from dmt_timeline.analyses.pathways import _column_names, _records
from dmt_timeline.catalogue import CATALOGUE, Therapy
from dmt_timeline.dates import PartialDate, whole_months
from dmt_timeline.errors import InvalidValueError, StatsInputError, describe_value, quoted
from dmt_timeline.io.tables import Column, ColumnType, TidyTable
from dmt_timeline.model import Cohort, Condition, Patient

__all__ = [
    "BASELINE_COLUMNS",
    "CHARACTERISTIC_COLUMNS",
    "Baseline",
    "baseline_characteristics",
    "baseline_table",
]

Index = Literal["first_episode", "ms_diagnosis"] | Therapy | str | Mapping[str, PartialDate]

_S, _I, _F, _B = ColumnType.STRING, ColumnType.INT, ColumnType.FLOAT, ColumnType.BOOL

OVERALL: Final = "Overall"
"""The column of every patient."""

MISSING: Final = "missing"
"""The level of a categorical variable whose value is not recorded."""

CHARACTERISTIC_COLUMNS: Final = (
    Column("patient_id", _S, "the patient"),
    Column("sex", _S, "female, male, other, or None when not recorded"),
    Column("index_earliest", ColumnType.DATE, "the earliest day the index date can mean"),
    Column("index_latest", ColumnType.DATE, "the latest day the index date can mean"),
    Column("age_low", _I, "the fewest whole years of age at the index date"),
    Column("age_high", _I, "the most whole years of age at the index date"),
    Column("disease_duration_low", _F, "the fewest years (whole months / 12) since MS diagnosis"),
    Column("disease_duration_high", _F, "the most years (whole months / 12) since MS diagnosis"),
    Column("baseline_edss", _F, "EDSS at baseline"),
)
"""Columns of :func:`baseline_characteristics`."""

BASELINE_COLUMNS: Final = (
    Column("group", _S, "the group, or 'Overall'"),
    Column("variable", _S, "'n', a categorical or a continuous variable"),
    Column("level", _S, "a category or 'missing' (categorical); None otherwise"),
    Column(
        "statistic",
        _S,
        "'n' and 'percent' (categorical and the group size); 'median', 'q1', 'q3', 'mean',"
        " 'sd' and 'missing' (continuous)",
    ),
    Column("low", _F, "the statistic, or its lowest value over every reading of the dates"),
    Column("high", _F, "its highest value (None for an SD of ranges)"),
    Column("suppressed", _B, "whether the cell is suppressed (low and high are then None)"),
)
"""Columns of :attr:`Baseline.table`."""

DEFAULT_CONTINUOUS: Final = ("age", "disease_duration", "baseline_edss")
_NAMES: Final = {
    "age": "age (years)",
    "disease_duration": "disease duration (years)",
    "baseline_edss": "baseline EDSS",
}


# ----------------------------------------------------------------------------- characteristics


def _day_range(patient: Patient, index: Index) -> tuple[dt.date, dt.date] | None:
    """The earliest and latest day the index date of ``patient`` can mean."""
    if isinstance(index, Mapping):
        date = index.get(patient.id)
        return None if date is None else (date.first_day, date.last_day)
    if index == "ms_diagnosis":
        diagnosis = patient.diagnosis(Condition.MULTIPLE_SCLEROSIS)
        date = None if diagnosis is None else diagnosis.date
        return None if date is None else (date.first_day, date.last_day)
    starts = [e.start for e in patient.episodes if index in ("first_episode", e.therapy)]
    if not starts:
        return None
    # The first of several starts the dates may not order: on each reading, the earliest.
    return min(s.first_day for s in starts), min(s.last_day for s in starts)


def _months(start: PartialDate, index: tuple[dt.date, dt.date]) -> tuple[int, int]:
    return whole_months(start.last_day, index[0]), whole_months(start.first_day, index[1])


def _check_index(index: object) -> Index:
    if isinstance(index, (Therapy, Mapping)) or index in ("first_episode", "ms_diagnosis"):
        return index
    if isinstance(index, str):
        return CATALOGUE.get(index)  # a therapy's name or alias; unknown names are refused there
    raise InvalidValueError(
        f"index {describe_value(index)} is not 'first_episode', 'ms_diagnosis', a therapy"
        " or a mapping from patient id to date"
    )


def baseline_characteristics(
    cohort: Cohort | Iterable[Patient], *, index: Index = "first_episode"
) -> TidyTable:
    """One row per patient with the characteristics a baseline table summarises.

    Ages are whole years (whole months // 12) from the birth date to the index date, over
    every reading of both; an age below 0 is not a reading (nothing is before the birth), so
    the low bound is at least 0. Disease duration is whole months / 12 from the first MS
    diagnosis to the index date (negative when the index is before the diagnosis).

    Args:
        cohort: The patients.
        index: ``"first_episode"`` (the first start of any therapy), ``"ms_diagnosis"``, a
            :class:`~dmt_timeline.Therapy` or a therapy's name (its first start), or a mapping
            from patient id to an index date. A patient without an index date has no age or
            duration.

    Returns:
        See :data:`CHARACTERISTIC_COLUMNS`; add patient labels with
        :meth:`~dmt_timeline.io.tables.TidyTable.with_labels` to group or tabulate by them.
    """
    index = _check_index(index)
    rows = []
    for patient in cohort:
        days = _day_range(patient, index)
        age: tuple[int | None, int | None] = (None, None)
        duration: tuple[float | None, float | None] = (None, None)
        if days is not None and patient.birth_date is not None:
            low, high = _months(patient.birth_date, days)
            age = (max(0, low) // 12, max(0, high) // 12)
        diagnosis = patient.diagnosis(Condition.MULTIPLE_SCLEROSIS)
        if days is not None and diagnosis is not None and diagnosis.date is not None:
            low, high = _months(diagnosis.date, days)
            duration = (low / 12, high / 12)
        rows.append(
            (
                patient.id,
                None if patient.sex is None else patient.sex.value,
                None if days is None else days[0],
                None if days is None else days[1],
                *age,
                *duration,
                None if patient.baseline_edss is None else float(patient.baseline_edss.score),
            )
        )
    return TidyTable(CHARACTERISTIC_COLUMNS, tuple(rows))


# ----------------------------------------------------------------------------- statistics


def _quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    if len(values) == 1:
        return (values[0],) * 3
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, median, q3


def _smallest_sd(lows: Sequence[float], highs: Sequence[float]) -> float:
    """The smallest sample SD of values each in ``[low, high]``.

    For a fixed centre ``c`` the closest values are ``clip(c, low, high)``, so the smallest sum
    of squares is the minimum over ``c`` of the summed squared distances from ``c`` to the
    ranges: a convex function whose slope, ``sum(c - clip(c))``, is piecewise linear and
    increasing. Its zero is found between the two range ends where the slope changes sign.
    """
    n = len(lows)
    if min(highs) >= max(lows):
        return 0.0  # the ranges share a value: every value can be equal
    hs, ls = sorted(highs), sorted(lows)
    h_sums = list(itertools.accumulate(hs, initial=0.0))
    l_sums = list(itertools.accumulate(ls, initial=0.0))

    def pulled(c: float) -> tuple[int, float]:
        """How many ranges lie wholly below or above ``c``, and the sum of their near ends."""
        below, above = bisect.bisect_left(hs, c), bisect.bisect_right(ls, c)
        return below + n - above, h_sums[below] + l_sums[n] - l_sums[above]

    def slope(c: float) -> float:
        count, total = pulled(c)
        return count * c - total

    points = sorted({*hs, *ls})
    # The slope is <= 0 at the smallest high end and >= 0 at the largest low end.
    lo = bisect.bisect_left(points, hs[0])
    hi = bisect.bisect_left(points, ls[-1])
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if slope(points[mid]) <= 0:
            lo = mid
        else:
            hi = mid
    count, total = pulled((points[lo] + points[hi]) / 2)
    c = min(max(total / count, points[lo]), points[hi])
    squares = math.fsum((c - min(max(c, low), high)) ** 2 for low, high in zip(lows, highs, strict=True))
    return math.sqrt(squares / (n - 1))


def _continuous(lows: list[float], highs: list[float]) -> dict[str, tuple[float | None, float | None]]:
    if not lows:
        return dict.fromkeys(("median", "q1", "q3", "mean", "sd"), (None, None))
    sl, sh = sorted(lows), sorted(highs)
    (q1l, ml, q3l), (q1h, mh, q3h) = _quartiles(sl), _quartiles(sh)
    sd: tuple[float | None, float | None] = (None, None)
    if len(lows) > 1:
        if lows == highs:
            exact = statistics.stdev(lows)
            sd = (exact, exact)
        else:
            sd = (_smallest_sd(lows, highs), None)
    return {
        "median": (ml, mh),
        "q1": (q1l, q1h),
        "q3": (q3l, q3h),
        "mean": (statistics.fmean(lows), statistics.fmean(highs)),
        "sd": sd,
    }


# ----------------------------------------------------------------------------- the table


@attrs.frozen
class Baseline:
    """A baseline table: the tidy cells, and how they were made.

    Attributes:
        table: One row per cell; see :data:`BASELINE_COLUMNS`.
        groups: The columns in order, ``Overall`` first.
        categorical: The categorical variables, in order.
        continuous: The continuous variables, in order.
        min_cell_count: Counts below this (and above 0) are suppressed.
    """

    table: TidyTable
    groups: tuple[str, ...]
    categorical: tuple[str, ...]
    continuous: tuple[str, ...]
    min_cell_count: int

    def cell(self, group: str, variable: str, level: str | None, statistic: str) -> tuple[Any, Any, bool]:
        """``(low, high, suppressed)`` of one cell.

        Raises:
            KeyError: when the table has no such cell.
        """
        for row in self.table.rows:
            if row[:4] == (group, variable, level, statistic):
                return row[4], row[5], row[6]
        raise KeyError((group, variable, level, statistic))

    def rows(self) -> list[tuple[str, str, list[str]]]:
        """The printable table: ``(variable heading, level, one text per group)`` per line."""
        hidden = f"<{self.min_cell_count}"
        out: list[tuple[str, str, list[str]]] = []

        def count(group: str, variable: str, level: str | None) -> str:
            n, _, suppressed = self.cell(group, variable, level, "n")
            if suppressed:
                return hidden
            if level is None:
                return str(int(n))
            pct, _, _ = self.cell(group, variable, level, "percent")
            return f"{int(n)} ({_number(pct)})" if pct is not None else str(int(n))

        out.append(("n", "", [count(g, "n", None) for g in self.groups]))
        levels = {v: [] for v in self.categorical}  # type: dict[str, list[str]]
        for row in self.table.rows:
            if row[1] in levels and row[2] not in levels[row[1]]:
                levels[row[1]].append(row[2])
        for variable in self.categorical:
            for i, level in enumerate(levels[variable]):
                head = f"{variable}, n (%)" if i == 0 else ""
                out.append((head, level, [count(g, variable, level) for g in self.groups]))
        for variable in self.continuous:
            name = _NAMES.get(variable, variable)
            medians, means, missing = [], [], []
            for g in self.groups:
                stats = {s: self.cell(g, variable, None, s) for s in ("median", "q1", "q3", "mean", "sd")}
                if stats["median"][2]:
                    medians.append(hidden)
                    means.append(hidden)
                else:
                    q1, med, q3 = (_span(*stats[s][:2]) for s in ("q1", "median", "q3"))
                    medians.append(f"{med} [{q1},{q3}]" if stats["median"][0] is not None else "")
                    means.append(_mean_sd(stats["mean"][:2], stats["sd"][:2]))
                lost, _, suppressed = self.cell(g, variable, None, "missing")
                missing.append(hidden if suppressed else str(int(lost)))
            out.append((f"{name}, median [Q1,Q3]", "", medians))
            out.append((f"{name}, mean (SD)", "", means))
            out.append((f"{name}, missing", "", missing))
        return out

    def to_text(self) -> str:
        """The table as aligned text, one column per group."""
        lines = [("", "", list(self.groups)), *self.rows()]
        widths = [max(len(line[0]) for line in lines), max(len(line[1]) for line in lines)]
        widths += [max(len(line[2][i]) for line in lines) for i in range(len(self.groups))]
        text = []
        for head, level, cells in lines:
            parts = [head.ljust(widths[0]), level.ljust(widths[1])]
            parts += [c.rjust(w) for c, w in zip(cells, widths[2:], strict=True)]
            text.append("  ".join(parts).rstrip())
        return "\n".join(text)

    def __str__(self) -> str:
        return self.to_text()


def _number(value: float) -> str:
    return f"{value:.1f}"


def _span(low: float | None, high: float | None) -> str:
    if low is None:
        return ""
    if high is None:
        return f">={_number(low)}"
    return _number(low) if _number(low) == _number(high) else f"{_number(low)}..{_number(high)}"


def _mean_sd(mean: tuple[Any, Any], sd: tuple[Any, Any]) -> str:
    if mean[0] is None:
        return ""
    return f"{_span(*mean)} ({_span(*sd)})" if sd[0] is not None else _span(*mean)


def _value_pairs(
    records: list[dict[str, Any]], names: tuple[str, ...], variable: str
) -> list[tuple[float, float] | None]:
    pair = (f"{variable}_low", f"{variable}_high")
    fields = pair if all(p in names for p in pair) else (variable, variable)
    out: list[tuple[float, float] | None] = []
    for row, record in enumerate(records, start=1):
        low, high = record[fields[0]], record[fields[1]]
        if _absent(low) or _absent(high):
            out.append(None)
            continue
        for field, value in zip(fields, (low, high), strict=True):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise StatsInputError(f"row {row}: {field} {describe_value(value)} is not a number")
        if high < low:
            raise StatsInputError(f"row {row}: {fields[1]} {high} is below {fields[0]} {low}")
        out.append((float(low), float(high)))
    return out


def _absent(value: Any) -> bool:
    # pandas hands over NaN or its NA for a missing value.
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) == "<NA>"


def _needed(names: tuple[str, ...], variable: str) -> tuple[str, ...]:
    pair = (f"{variable}_low", f"{variable}_high")
    if all(p in names for p in pair):
        return pair
    if variable in names:
        return (variable,)
    raise StatsInputError(
        f"the table has no column {quoted(variable)} (nor {quoted(pair[0])} and {quoted(pair[1])})"
    )


def _suppress_counts(cells: dict[str, int], low: int) -> set[str]:
    """The levels to hide: each count in ``1..low-1``, and one more when only one is hidden."""
    hidden = {k for k, n in cells.items() if 0 < n < low}
    if len(hidden) == 1:
        others = sorted((n, k) for k, n in cells.items() if n > 0 and k not in hidden)
        if others:
            hidden.add(others[0][1])
    return hidden


def baseline_table(
    table: Any,
    *,
    by: str | None = None,
    categorical: Sequence[str] = ("sex",),
    continuous: Sequence[str] = DEFAULT_CONTINUOUS,
    index: Index = "first_episode",
    min_cell_count: int = 5,
) -> Baseline:
    """A baseline table by group; see the module docstring for its conventions.

    Args:
        table: One row per patient (a ``TidyTable``, pandas DataFrame or pyarrow Table), as
            :func:`baseline_characteristics` makes it, perhaps with label columns; or a cohort
            (then :func:`baseline_characteristics` with ``index`` and every patient label is
            used). A continuous variable ``v`` is read from ``v_low`` and ``v_high`` when the
            table has both (a range), else from ``v``.
        by: The column whose values are the groups (a patient label); None for ``Overall`` only.
            Patients without a value are the group ``missing``.
        categorical: Columns summarised as ``n (%)`` per level.
        continuous: Columns summarised as median [Q1,Q3], mean (SD) and missing.
        index: The index date when ``table`` is a cohort.
        min_cell_count: Counts in ``1..min_cell_count - 1`` are suppressed (1 suppresses nothing).

    Raises:
        StatsInputError: naming the row and column when the table cannot be read.
        InvalidValueError: when ``min_cell_count`` is not a whole number >= 1.
    """
    if isinstance(min_cell_count, bool) or not isinstance(min_cell_count, int) or min_cell_count < 1:
        raise InvalidValueError(f"min_cell_count {describe_value(min_cell_count)} is not a whole number >= 1")
    if isinstance(table, Cohort) or (
        isinstance(table, (list, tuple)) and all(isinstance(p, Patient) for p in table)
    ):
        patients = list(table)
        table = baseline_characteristics(patients, index=index).with_labels(patients)
    names = _column_names(table)
    if names is None:
        raise StatsInputError(
            f"a table must be a TidyTable, a pandas DataFrame or a pyarrow Table, not {type(table).__name__}"
        )
    needed = ["patient_id", *categorical, *(f for v in continuous for f in _needed(names, v))]
    if by is not None:
        needed.append(by)
    records = _records(table, list(dict.fromkeys(needed)))

    def text(value: Any) -> str:
        return MISSING if _absent(value) else str(value)

    group_of = [text(r[by]) for r in records] if by is not None else [OVERALL] * len(records)
    found = sorted(set(group_of)) if by is not None else []
    groups = (OVERALL, *found)
    levels = {
        v: sorted({text(r[v]) for r in records} - {MISSING})
        + ([MISSING] if any(_absent(r[v]) for r in records) else [])
        for v in categorical
    }
    values = {v: _value_pairs(records, names, v) for v in continuous}
    rows: list[tuple[Any, ...]] = []
    for group in groups:
        members = [i for i, g in enumerate(group_of) if group in (OVERALL, g)]
        n = len(members)
        small = 0 < n < min_cell_count
        rows.append((group, "n", None, "n", None if small else float(n), None if small else float(n), small))
        for variable in categorical:
            counts = dict.fromkeys(levels[variable], 0)
            for i in members:
                counts[text(records[i][variable])] += 1
            hidden = {*counts} if small else _suppress_counts(counts, min_cell_count)
            for level, k in counts.items():
                gone = level in hidden
                pct = 100.0 * k / n if n else None
                rows.append(
                    (
                        group,
                        variable,
                        level,
                        "n",
                        None if gone else float(k),
                        None if gone else float(k),
                        gone,
                    )
                )
                rows.append(
                    (group, variable, level, "percent", None if gone else pct, None if gone else pct, gone)
                )
        for variable in continuous:
            present = [v for i in members if (v := values[variable][i]) is not None]
            lost = n - len(present)
            few = 0 < len(present) < min_cell_count
            stats = _continuous([p[0] for p in present], [p[1] for p in present])
            for name, (low, high) in stats.items():
                rows.append((group, variable, None, name, None if few else low, None if few else high, few))
            gone = small or 0 < lost < min_cell_count
            rows.append(
                (
                    group,
                    variable,
                    None,
                    "missing",
                    None if gone else float(lost),
                    None if gone else float(lost),
                    gone,
                )
            )
    return Baseline(
        TidyTable(BASELINE_COLUMNS, tuple(rows)),
        groups,
        tuple(categorical),
        tuple(continuous),
        min_cell_count,
    )
