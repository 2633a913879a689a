"""Persistence: time on each therapy until discontinuation, from a tidy episodes table.

A *course* is one or more consecutive episodes of a patient on one therapy (or class) that the
definition of discontinuation counts as a single period on treatment:

- ``"stop"``: every episode is a course, and every recorded stop is a discontinuation;
- ``"gap"``: a stop followed by a restart of the same therapy within ``grace_months`` on every
  reading of the dates is not a discontinuation (the course runs on through the restart); a gap
  longer than the grace period on some reading ends the course (such gaps are counted in
  ``indeterminate_gaps`` when the dates allow both);
- ``"switch"``: restarts of the same therapy never end a course; a course is discontinued when
  a different therapy starts after it, and censored at its stop when none does.

Time on drug is counted in whole months (:func:`dmt_timeline.whole_months`) from the course's
start to its end, over every reading of the partial dates, so it is a range ``[months_low,
months_high]``. A course still ongoing is right-censored at the patient's last follow-up, or
at the data cut ``as_of`` when the follow-up is unknown or later; a stop after ``as_of`` is
censored there. A stop that is *not recorded* lies somewhere between the start and the next
episode's start (or the follow-up); with no later bound at all, nothing is known about it
(status ``"unknown"``).

Estimates per group (therapy, class, or all courses): when every time is exact (as with
day-precision dates inside one month count) the Kaplan-Meier estimate; otherwise the Turnbull
NPMLE over the ranges, a discontinuation in ``[low, high]`` months and a censoring at ``c``
read as "more than ``c``", i.e. ``[c + 1, inf]`` whole months, so that exact data give the
Kaplan-Meier estimate again. The Kaplan-Meier estimates at the low and the high reading of
every range are kept beside it as a sensitivity check (they need not bracket the NPMLE).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any, Final, Literal

import attrs

from dmt_timeline.dates import data_cut
from dmt_timeline.errors import InvalidValueError, StatsInputError, quoted
from dmt_timeline.io._frames import TABLES_EXTRA
from dmt_timeline.io.tables import EPISODE_KEY_COLUMNS, Column, ColumnType, TidyTable
from dmt_timeline.progress import showing, stage
from dmt_timeline.stats.interval import Turnbull, turnbull
from dmt_timeline.stats.survival import CumulativeIncidence, KaplanMeier, aalen_johansen, kaplan_meier
from dmt_timeline.timeline import DEFAULT_GRACE_MONTHS

__all__ = ["COURSE_COLUMNS", "Persistence", "PersistenceGroup", "persistence"]

Definition = Literal["stop", "gap", "switch"]
GroupKey = Literal["therapy", "therapy_class"] | None

_S, _I, _D = ColumnType.STRING, ColumnType.INT, ColumnType.DATE
COURSE_COLUMNS: Final = (
    Column("patient_id", _S, "the patient"),
    Column("group", _S, "the therapy (or class) of the course; empty when not grouped"),
    Column("therapy", _S, "the therapy of the course's first episode"),
    Column("episodes", _I, "episodes joined into the course"),
    Column("start_earliest", _D, "earliest day the course can have started"),
    Column("start_latest", _D, "latest day the course can have started"),
    Column("status", _S, "'discontinued', 'censored' or 'unknown'"),
    Column("months_low", _I, "fewest whole months on drug (to discontinuation or censoring)"),
    Column("months_high", _I, "most whole months on drug (None when unbounded)"),
    Column("reasons", _S, "stop reasons of a discontinuation, joined by ';'"),
)
"""Columns of :attr:`Persistence.courses`."""

_REQUIRED: Final = EPISODE_KEY_COLUMNS
_STATES: Final = ("date", "ongoing", "not recorded")
_DISCONTINUED, _CENSORED, _UNKNOWN = "discontinued", "censored", "unknown"
_STATUS: Final = (_DISCONTINUED, _CENSORED, _UNKNOWN)  # a course's status by its code
_EPOCH: Final = dt.date(1970, 1, 1)
_NO_DAY: Final = -(2**31)
"""An unknown day (a null date, no follow-up, no data cut): the smallest int32, below any
day the model allows (1900 on), so days before 1970 (negative) stay days."""
_LOOKUPS: Final = frozenset({"ids", "therapy_names", "key_names", "reason_names"})  # not per row


def _imports() -> tuple[Any, Any, Any]:
    try:
        import numpy as np  # noqa: PLC0415 - an optional extra, imported on use
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.compute as pc  # noqa: PLC0415
    except ImportError:
        raise ImportError(f"dmt_timeline.analyses needs numpy and pyarrow: {TABLES_EXTRA}") from None
    return np, pa, pc


@attrs.frozen
class PersistenceGroup:
    """Persistence of one group of courses.

    Attributes:
        name: The group (a therapy, a class, or ``""`` for all courses).
        n: Courses.
        discontinued: Courses that ended in a discontinuation.
        censored: Courses right-censored.
        unknown: Courses whose end is unknown (a stop not recorded, with no later bound).
        exact: Every time is one whole-month count and no status is unknown.
        kaplan_meier: The Kaplan-Meier estimate when ``exact``, else None.
        turnbull: The Turnbull NPMLE over the ranges when not ``exact``, else None.
        reading_low: Kaplan-Meier with every range read at its low end (None when ``exact``).
        reading_high: Kaplan-Meier with every range read at its high end (None when ``exact``).
    """

    name: str
    n: int
    discontinued: int
    censored: int
    unknown: int
    exact: bool
    kaplan_meier: KaplanMeier | None
    turnbull: Turnbull | None
    reading_low: KaplanMeier | None
    reading_high: KaplanMeier | None


@attrs.frozen
class Persistence:
    """Courses of therapy and their time-to-discontinuation estimates, with the settings used.

    Attributes:
        course_table: One row per course, as a pyarrow Table (see :data:`COURSE_COLUMNS`);
            :attr:`courses` gives the same rows as a :class:`~dmt_timeline.io.tables.TidyTable`.
        groups: Group name to its estimates, groups in sorted order.
        definition: How a discontinuation was defined (see the module docstring).
        grace_months: The grace period of ``"gap"``.
        as_of: The data cut, if any.
        group_by: The column courses were grouped by (None: all together).
        indeterminate_gaps: Restarts the dates leave on both sides of the grace period.
        n_bootstrap: Bootstrap resamples of each Turnbull estimate's confidence limits.
    """

    course_table: Any = attrs.field(eq=attrs.cmp_using(eq=lambda a, b: bool(a.equals(b))))
    groups: Mapping[str, PersistenceGroup]
    definition: Definition
    grace_months: int
    as_of: dt.date | None
    group_by: GroupKey
    indeterminate_gaps: int
    n_bootstrap: int

    @property
    def courses(self) -> TidyTable:
        """One row per course as a :class:`~dmt_timeline.io.tables.TidyTable` (built on access:
        a million courses are a million tuples; :attr:`course_table` is the columnar form)."""
        columns = [column.to_pylist() for column in self.course_table.columns]
        return TidyTable(COURSE_COLUMNS, tuple(zip(*columns, strict=True)))

    def estimates(self) -> dict[str, KaplanMeier | Turnbull]:
        """Each group's estimate, Kaplan-Meier or Turnbull: what
        :func:`dmt_timeline.plot.survival_curves` draws."""
        out: dict[str, KaplanMeier | Turnbull] = {}
        for name, group in self.groups.items():
            estimate = group.kaplan_meier if group.kaplan_meier is not None else group.turnbull
            if estimate is not None:
                out[name] = estimate
        return out

    def by_reason(
        self, group: str, reason: str, *, reading: Literal["low", "high"] = "low"
    ) -> CumulativeIncidence:
        """Cumulative incidence of discontinuation for ``reason`` (a code such as ``"LOE"``),
        other reasons competing (Aalen-Johansen).

        A course discontinued for several reasons counts under the first one listed, and one
        with none recorded under ``""``; courses whose end is unknown are left out (they carry
        no information). Aalen-Johansen needs exact times: with ranges, choose the low or the
        high reading (exact data give the same either way).

        Raises:
            StatsInputError: when ``group`` has no course with a known end.
        """
        table = self.course_table
        chosen = [i for i, name in enumerate(table["group"].to_pylist()) if name == group]
        if not chosen:
            raise StatsInputError(f"group {quoted(group)}: no courses")
        # A course with an unknown end says nothing (its likelihood is 1 whatever the
        # distribution), so leaving it out changes no estimate.
        status = table["status"].to_pylist()
        chosen = [i for i in chosen if status[i] != _UNKNOWN]
        if not chosen:
            raise StatsInputError(f"group {quoted(group)}: every course ends at an unknown time")
        ends = table["months_low" if reading == "low" else "months_high"].to_pylist()
        reasons = table["reasons"].to_pylist()
        months = [ends[i] for i in chosen]
        causes: list[object] = [
            (reasons[i] or "").split(";")[0] if status[i] == _DISCONTINUED else None for i in chosen
        ]
        return aalen_johansen(months, causes, cause=reason, censored=None)


def _table(source: Any) -> Any:
    if isinstance(source, TidyTable):
        return source.to_arrow()
    from dmt_timeline.batch import read_table  # noqa: PLC0415 - the batch engine needs the same extra

    return read_table(source, _REQUIRED)


def _days(np: Any, pa: Any, pc: Any, column: Any, name: str) -> Any:
    """Days since 1970-01-01 (nulls as :data:`_NO_DAY`)."""
    try:
        dates = pc.cast(column, pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise InvalidValueError(f"column {name}: not a date") from None
    return np.asarray(pc.fill_null(pc.cast(dates, pa.int32()), _NO_DAY).to_numpy(False), dtype=np.int64)


def _text(pa: Any, pc: Any, column: Any) -> Any:
    return pc.fill_null(pc.cast(column, pa.string()), "")


def _whole_months(start: Any, stop: Any) -> Any:
    """:func:`dmt_timeline.whole_months` over arrays of days: the batch engine's one definition."""
    from dmt_timeline.batch._classify import whole_months_array  # noqa: PLC0415 - the tables extra

    return whole_months_array(start, stop)


def _follow_up(np: Any, pa: Any, pc: Any, source: Any, ids: Any) -> tuple[Any, Any]:
    """Each patient's last follow-up [earliest, latest] in days; :data:`_NO_DAY` where unknown."""
    lo = np.full(ids.size, _NO_DAY, dtype=np.int64)
    hi = np.full(ids.size, _NO_DAY, dtype=np.int64)
    if source is None or ids.size == 0:  # no courses: nothing to look a follow-up up for
        return lo, hi
    if isinstance(source, TidyTable):
        table = source.to_arrow()
    else:
        from dmt_timeline.batch import read_table  # noqa: PLC0415

        table = read_table(source, ("patient_id", "last_follow_up_earliest", "last_follow_up_latest"))
    pid = np.asarray(_text(pa, pc, table["patient_id"]).to_numpy(False), dtype=str)
    f_lo = _days(np, pa, pc, table["last_follow_up_earliest"], "last_follow_up_earliest")
    f_hi = _days(np, pa, pc, table["last_follow_up_latest"], "last_follow_up_latest")
    where = np.searchsorted(ids, pid)
    found = (where < ids.size) & (ids[np.minimum(where, ids.size - 1)] == pid) & (f_lo != _NO_DAY)
    lo[where[found]] = f_lo[found]
    hi[where[found]] = f_hi[found]
    return lo, hi


def persistence(
    episodes: Any,
    *,
    follow_up: Any = None,
    as_of: dt.date | None = None,
    definition: Definition = "gap",
    grace_months: int = DEFAULT_GRACE_MONTHS,
    group_by: GroupKey = "therapy",
    alpha: float = 0.05,
    n_bootstrap: int = 0,
    random_state: int | None = 0,
    progress: bool | None = None,
) -> Persistence:
    """Time on each therapy until discontinuation, from a tidy episodes table.

    Args:
        episodes: The columns of :func:`dmt_timeline.io.tables.episodes_table` (at least
            patient_id, therapy, start_earliest/latest, stop_state, stop_earliest/latest; also
            therapy_class to group by class and reasons for competing risks), as a
            :class:`~dmt_timeline.io.tables.TidyTable`, a pandas DataFrame, a pyarrow Table or
            a Parquet or CSV path: a cohort's table and a batch-engine table alike.
        follow_up: The columns of :func:`dmt_timeline.io.tables.follow_up_table`, or None.
        as_of: The data cut: nothing after it is seen.
        definition: ``"stop"``, ``"gap"`` or ``"switch"`` (see the module docstring).
        grace_months: Longest gap before a restart that ``"gap"`` still counts as persistence.
        group_by: ``"therapy"``, ``"therapy_class"``, or None for all courses together.
        alpha: 1 - the confidence level of the estimates.
        n_bootstrap: Bootstrap resamples for the Turnbull estimates' limits (0: none).
        random_state: Seed of the bootstrap.
        progress: Show the stages (courses, estimates) on stderr: None when it is a terminal
            (see :mod:`dmt_timeline.progress`), True anywhere, False never.

    Returns:
        The courses and the estimates per group.

    Raises:
        InvalidValueError: a missing column, a stop state outside the vocabulary, an unreadable
            date, or an ongoing course with neither a last follow-up nor ``as_of``.
        StatsInputError: a definition, grace period or group key outside its range.
        ImportError: naming the extra when numpy or pyarrow is missing.
    """
    np, _, _ = _imports()
    _check_settings(definition, grace_months, group_by)
    as_of = data_cut(as_of)
    with showing(progress):
        with stage("persistence: courses"):
            course_table, indeterminate, codes = _courses(
                episodes,
                follow_up=follow_up,
                as_of=as_of,
                definition=definition,
                grace_months=grace_months,
                group_by=group_by,
            )
        with stage("persistence: estimates"):
            groups = _group_estimates(
                np, *codes, alpha=alpha, n_bootstrap=n_bootstrap, random_state=random_state
            )
    return Persistence(
        course_table=course_table,
        groups=groups,
        definition=definition,
        grace_months=grace_months,
        as_of=as_of,
        group_by=group_by,
        indeterminate_gaps=indeterminate,
        n_bootstrap=n_bootstrap,
    )


def _courses(
    episodes: Any,
    *,
    follow_up: Any,
    as_of: dt.date | None,
    definition: Definition,
    grace_months: int,
    group_by: GroupKey,
    empty_ok: bool = False,
) -> tuple[Any, int, tuple[Any, ...]]:
    """The course table, the undecidable restarts, and (group names, each course's group code,
    status code, months low, months high) for :func:`_group_estimates`. Courses never cross
    patients, so the tables of partitions of whole patients add up (``empty_ok``: a part may
    hold nothing before the data cut)."""
    np, pa, pc = _imports()
    data = _episode_columns(np, pa, pc, _table(episodes), group_by)
    fu_lo, fu_hi = _follow_up(np, pa, pc, follow_up, data["ids"])
    cut = _NO_DAY if as_of is None else (as_of - _EPOCH).days
    seen = data["pid"].size if cut == _NO_DAY else int((data["start_lo"] <= cut).sum())
    if empty_ok and not seen:
        return None, 0, ()
    data = _in_order(np, data, cut)
    joins, indeterminate = _joins(np, data, definition, grace_months)
    first = np.flatnonzero(~joins)
    last = np.r_[first[1:] - 1, data["pid"].size - 1]
    follow_lo, follow_hi = fu_lo[data["pid"][last]], fu_hi[data["pid"][last]]
    if cut != _NO_DAY:
        follow_lo = np.where((follow_lo == _NO_DAY) | (follow_lo > cut), cut, follow_lo)
        follow_hi = np.where((follow_hi == _NO_DAY) | (follow_hi > cut), cut, follow_hi)
    status, months_low, months_high = _ends(
        np, data, first, last, follow=(follow_lo, follow_hi), cut=cut, definition=definition
    )
    # Statuses as codes into _STATUS, groups as codes into their names: a million courses
    # are compared as integers and turned into text once, a column at a time.
    if group_by is None:
        group_names, group_of = np.asarray([""]), np.zeros(first.size, dtype=np.int64)
    else:
        group_names, group_of = data["key_names"], data["key"][first]
    # The reasons of a course that did not end in a discontinuation are blank.
    reason_blank = int(np.searchsorted(data["reason_names"], ""))
    if reason_blank >= data["reason_names"].size or data["reason_names"][reason_blank] != "":
        data["reason_names"] = np.insert(data["reason_names"], reason_blank, "")
        data["reasons"] = np.where(data["reasons"] >= reason_blank, data["reasons"] + 1, data["reasons"])

    def text(names: Any, codes: Any) -> Any:
        return pc.cast(
            pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(names)), pa.string()
        )

    def days(values: Any) -> Any:
        return pa.array(values, pa.int64()).cast(pa.int32()).cast(pa.date32())

    course_table = pa.Table.from_arrays(
        [
            text(data["ids"], data["pid"][first]),
            text(group_names, group_of),
            text(data["therapy_names"], data["therapy"][first]),
            pa.array(last - first + 1, pa.int64()),
            days(data["start_lo"][first]),
            days(data["start_hi"][first]),
            text(np.asarray(_STATUS), status),
            pa.array(months_low, pa.int64()),
            pa.array(months_high, pa.int64(), mask=status == 2),
            text(data["reason_names"], np.where(status == 0, data["reasons"][last], reason_blank)),
        ],
        names=[column.name for column in COURSE_COLUMNS],
    )
    return course_table, indeterminate, (group_names, group_of, status, months_low, months_high)


def _group_estimates(  # noqa: PLR0917 - the arrays of _courses, in its order
    np: Any,
    group_names: Any,
    group_of: Any,
    status: Any,
    months_low: Any,
    months_high: Any,
    *,
    alpha: float,
    n_bootstrap: int,
    random_state: int | None,
) -> dict[str, PersistenceGroup]:
    """Each group's estimates from all its courses (in course order: the bootstrap draws by it)."""
    groups = {}
    for code in np.unique(group_of).tolist():
        mask = group_of == code
        name = str(group_names[code])
        groups[name] = _estimate(
            np,
            name,
            status[mask],
            months_low[mask],
            months_high[mask],
            alpha=alpha,
            n_bootstrap=n_bootstrap,
            random_state=random_state,
        )
    return groups


def _check_settings(definition: object, grace_months: object, group_by: object) -> None:
    if definition not in ("stop", "gap", "switch"):
        raise StatsInputError(f"definition: must be 'stop', 'gap' or 'switch', got {quoted(definition)}")
    if isinstance(grace_months, bool) or not isinstance(grace_months, int) or grace_months < 0:
        raise StatsInputError(f"grace_months: must be a whole number >= 0, got {quoted(grace_months)}")
    if group_by not in ("therapy", "therapy_class", None):
        raise StatsInputError(f"group_by: must be 'therapy', 'therapy_class' or None, got {quoted(group_by)}")


def _codes(np: Any, pa: Any, pc: Any, column: Any) -> tuple[Any, Any]:
    """A text column as its sorted distinct values and each row's index among them."""
    encoded = pc.dictionary_encode(_text(pa, pc, column).combine_chunks())
    values = np.asarray(encoded.dictionary.to_pylist(), dtype=str)
    order = np.argsort(values, kind="stable")
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    return values[order], rank[np.asarray(encoded.indices.to_numpy(False), dtype=np.int64)]


def _episode_columns(np: Any, pa: Any, pc: Any, table: Any, group_by: GroupKey) -> dict[str, Any]:
    """The columns persistence needs as numpy arrays: text as codes into sorted ``*_names``
    (never compared as Python strings row by row), dates as days since 1970-01-01."""
    if group_by == "therapy_class" and "therapy_class" not in table.column_names:
        raise InvalidValueError("table: column therapy_class missing")
    ids, pid = _codes(np, pa, pc, table["patient_id"])
    therapy_names, therapy = _codes(np, pa, pc, table["therapy"])
    state_names, state = _codes(np, pa, pc, table["stop_state"])
    unknown_states = sorted(set(state_names.tolist()) - set(_STATES))
    if unknown_states:
        raise InvalidValueError(
            f"column stop_state: {quoted(unknown_states[0])} is not one of 'date', 'ongoing', 'not recorded'"
        )
    if "reasons" in table.column_names:
        reason_names, reasons = _codes(np, pa, pc, table["reasons"])
    else:
        reason_names, reasons = np.asarray([""]), np.zeros(pid.size, dtype=np.int64)
    # Courses are built on the grouping level: a switch between two interferons is no switch
    # of class.
    if group_by == "therapy_class":
        key_names, key = _codes(np, pa, pc, table["therapy_class"])
    else:
        key_names, key = therapy_names, therapy
    data = {
        "ids": ids,
        "therapy_names": therapy_names,
        "key_names": key_names,
        "reason_names": reason_names,
        "pid": pid,
        "therapy": therapy,
        "key": key,
        "reasons": reasons,
        "dated": state == int(np.searchsorted(state_names, "date")) if "date" in state_names else state < 0,
        "ongoing": state == int(np.searchsorted(state_names, "ongoing"))
        if "ongoing" in state_names
        else state < 0,
    }
    for short, name in (("start_lo", "start_earliest"), ("start_hi", "start_latest")):
        data[short] = _days(np, pa, pc, table[name], name)
    for short, name in (("stop_lo", "stop_earliest"), ("stop_hi", "stop_latest")):
        data[short] = _days(np, pa, pc, table[name], name)
    return data


def _in_order(np: Any, data: dict[str, Any], cut: int) -> dict[str, Any]:
    """Episodes seen by the data cut, in the timeline's order within each patient (start, row)."""
    pid, start_lo, start_hi = data["pid"], data["start_lo"], data["start_hi"]
    rows = np.flatnonzero(np.ones(pid.size, dtype=bool) if cut == _NO_DAY else start_lo <= cut)
    if rows.size == 0:
        raise InvalidValueError("table: no episodes (before the data cut)")
    rows = rows[np.lexsort((rows, start_hi[rows], start_lo[rows], pid[rows]))]
    out = {name: (values if name in _LOOKUPS else values[rows]) for name, values in data.items()}
    same_next = np.zeros(rows.size, dtype=bool)
    same_next[:-1] = out["pid"][1:] == out["pid"][:-1]
    out["same_patient_next"] = same_next
    return out


def _joins(np: Any, data: dict[str, Any], definition: Definition, grace: int) -> tuple[Any, int]:
    """Which episodes continue the course before them, and how many restarts are undecidable."""
    n = data["pid"].size
    same_key_prev = np.zeros(n, dtype=bool)
    same_key_prev[1:] = data["same_patient_next"][:-1] & (data["key"][1:] == data["key"][:-1])
    if definition == "stop":
        return np.zeros(n, dtype=bool), 0
    if definition == "switch":
        return same_key_prev, 0
    restart = same_key_prev.copy()
    restart[1:] &= data["dated"][:-1]
    gap_high = _whole_months(np.r_[0, data["stop_lo"][:-1]], data["start_hi"])
    gap_low = _whole_months(np.r_[0, data["stop_hi"][:-1]], data["start_lo"])
    indeterminate = int((restart & (gap_low <= grace) & (gap_high > grace)).sum())
    return restart & (gap_high <= grace), indeterminate


def _ends(
    np: Any,
    data: dict[str, Any],
    first: Any,
    last: Any,
    *,
    follow: tuple[Any, Any],
    cut: int,
    definition: Definition,
) -> tuple[Any, Any, Any]:
    """Each course's status and its range of whole months on drug."""
    follow_lo, follow_hi = follow
    end_dated, end_ongoing = data["dated"][last], data["ongoing"][last]
    not_recorded = ~end_dated & ~end_ongoing
    has_next = data["same_patient_next"][last]
    next_start_hi = data["start_hi"][np.minimum(last + 1, data["pid"].size - 1)]
    course_lo, course_hi = data["start_lo"][first], data["start_hi"][first]
    stop_lo, stop_hi = data["stop_lo"][last], data["stop_hi"][last]
    # A stop after the data cut is not seen: the course is censored at the cut, as if ongoing.
    after_cut = end_dated & (cut != _NO_DAY) & (stop_lo > cut)
    at_follow_up = end_ongoing | after_cut
    unbounded = at_follow_up & (follow_lo == _NO_DAY)
    if unbounded.any():
        i = int(np.flatnonzero(unbounded)[0])
        raise InvalidValueError(
            f"patient {quoted(str(data['ids'][data['pid'][last[i]]]))}: an ongoing course needs a last "
            "follow-up or as_of to be censored at"
        )
    # A stop not recorded before another therapy: some day from the start to that therapy's
    # start. With nothing after it, the data say nothing about when (or whether) it stopped.
    between = not_recorded & has_next
    unknown = not_recorded & ~has_next
    end_lo = np.select([at_follow_up, between], [follow_lo, course_hi], stop_lo)
    end_hi = np.select([at_follow_up, between], [follow_hi, next_start_hi], stop_hi)
    censored = at_follow_up.copy()
    if definition == "switch":
        censored |= end_dated & ~after_cut & ~has_next  # stopped, and nothing else started
    status = np.select([unknown, censored], [2, 1], 0)  # codes into _STATUS
    months_low = np.where(unknown, 0, np.maximum(_whole_months(course_hi, end_lo), 0))
    months_high = np.where(unknown, 0, np.maximum(_whole_months(course_lo, end_hi), 0))
    return status, months_low, np.maximum(months_high, months_low)


def _estimate(
    np: Any,
    name: str,
    status: Any,
    low: Any,
    high: Any,
    *,
    alpha: float,
    n_bootstrap: int,
    random_state: int | None,
) -> PersistenceGroup:
    event = status == 0
    unknown = status == 2
    exact = bool((low == high).all() and not unknown.any())
    group = PersistenceGroup(
        name=name,
        n=int(status.size),
        discontinued=int(event.sum()),
        censored=int((status == 1).sum()),
        unknown=int(unknown.sum()),
        exact=exact,
        kaplan_meier=None,
        turnbull=None,
        reading_low=None,
        reading_high=None,
    )
    if exact:
        return attrs.evolve(group, kaplan_meier=kaplan_meier(low.astype(float), event, alpha=alpha))
    # Censored at c whole months means "more than c": [c + 1, inf] in whole months, which keeps
    # the Kaplan-Meier convention (the censored outlast the events at their own time).
    left = np.where(event, low, np.where(unknown, 0, low + 1)).astype(float)
    right = np.where(event, high, math.inf).astype(float)
    fitted = turnbull(
        left, right, closed="both", alpha=alpha, n_bootstrap=n_bootstrap, random_state=random_state
    )
    known = ~unknown
    readings = [
        kaplan_meier(values[known].astype(float), event[known], alpha=alpha) if known.any() else None
        for values in (low, high)
    ]
    return attrs.evolve(group, turnbull=fitted, reading_low=readings[0], reading_high=readings[1])
