"""Exposures to eras to transitions: era building on day numbers, a partition of patients at a time.

Eras follow the rule of :func:`dmt_timeline.io.build_episodes`, with the persistence window of
:func:`dmt_timeline.eras.persistence_window`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from dmt_timeline.batch._classify import _labels, _transition_table, _transitions, therapy_profile
from dmt_timeline.batch._columns import _imports
from dmt_timeline.batch._exposure_table import BATCH_COLUMNS, _Exposures, _read_exposures, _Skipped
from dmt_timeline.batch._partitions import _order, _partitions
from dmt_timeline.batch._results import _EMPTY_EPISODES, _EMPTY_TRANSITIONS, BatchResult, _concat, _output
from dmt_timeline.catalogue import CATALOGUE, Catalogue, Therapy
from dmt_timeline.eras import EraMode, check_windows, era_mode, persistence_window
from dmt_timeline.errors import UnknownTherapyError, quoted
from dmt_timeline.io.exposures import DEFAULT_PERSISTENCE_DAYS, ExposureColumns
from dmt_timeline.timeline import DEFAULT_GRACE_MONTHS, check_grace_months


def _therapies(
    drugs: list[Any], catalogue: Catalogue, counts: Any, *, skip_unknown: bool
) -> tuple[list[Therapy | None], tuple[tuple[str, int], ...]]:
    found: list[Therapy | None] = []
    unknown: list[tuple[str, int]] = []
    for drug, count in zip(drugs, counts.tolist(), strict=True):
        named = catalogue.named_in(drug) if isinstance(drug, str) and len(drug) <= 1000 else []
        if drug in catalogue:
            found.append(catalogue.get(drug))
        elif len(named) == 1:  # a product or brand string: "Ocrevus 300 mg"
            found.append(named[0])
        else:
            found.append(None)
            if count:
                unknown.append((str(drug), int(count)))
    if unknown and not skip_unknown:
        raise unknown_drugs(unknown)
    return found, tuple(sorted(unknown))


def unknown_drugs(unknown: list[tuple[str, int]]) -> UnknownTherapyError:
    """The error for exposures of drugs the catalogue does not know, each with its count."""
    return UnknownTherapyError(
        "exposures of drugs the catalogue does not know (pass skip_unknown=True to skip them, "
        "or extend the catalogue): " + "; ".join(f"{quoted(drug)} x{n}" for drug, n in sorted(unknown))
    )


def _eras(exposures: _Exposures, rows: Any, therapy: Any, window_of: Any) -> dict[str, Any]:
    """Eras of one partition's rows, in the timeline's order (person, start, therapy name).

    An exposure joins the era when its start is at most the window after the latest end so
    far; the era's reasons are those of the last exposure (in start, end, row order) that
    reaches its latest end, as :func:`~dmt_timeline.io.build_episodes` keeps them.
    """
    np, _, _ = _imports()
    keep = rows[therapy[rows] >= 0]
    p, t, s, e = exposures.person[keep], therapy[keep], exposures.start[keep], exposures.end[keep]
    order = _order(np, p, t, s, e)
    p, t, s, e, r = p[order], t[order], s[order], e[order], exposures.reason[keep][order]
    group = np.r_[True, (p[1:] != p[:-1]) | (t[1:] != t[:-1])] if len(p) else np.zeros(0, bool)
    group_id = np.cumsum(group)
    span = int(e.max() - e.min() + 1) if len(e) else 1
    base = int(e.min()) if len(e) else 0
    # The latest end so far within each (person, therapy): a running maximum that each new
    # group's offset makes restart.
    running = np.maximum.accumulate(group_id * span + (e - base)) - group_id * span + base
    new = group.copy()
    if len(p) > 1:
        new[1:] |= (s[1:] - running[:-1]) > window_of[t[1:]]
    first = np.flatnonzero(new)
    era = np.cumsum(new) - 1
    era_stop = np.maximum.reduceat(e, first) if len(first) else e[:0]
    at_stop = np.flatnonzero(e == era_stop[era])
    last = at_stop[np.r_[era[at_stop][1:] != era[at_stop][:-1], True]] if len(at_stop) else at_stop
    counts = np.diff(np.r_[first, len(p)])
    # OMOP gap_days: the era's length minus its sub-exposures' lengths, where a sub-exposure
    # joins exposures that overlap or touch (start on or before the latest end so far).
    sub = group.copy()
    if len(p) > 1:
        sub[1:] |= s[1:] > running[:-1]
    sub_first = np.flatnonzero(sub)
    sub_stop = np.maximum.reduceat(e, sub_first) if len(sub_first) else e[:0]
    exposed = np.bincount(era[sub_first], weights=sub_stop - s[sub_first], minlength=len(first))
    gaps = (era_stop - s[first]) - exposed.astype(np.int64)
    order = _order(np, p[first], s[first], t[first])
    return {
        "person": p[first][order],
        "therapy": t[first][order],
        "start": s[first][order],
        "stop": era_stop[order],
        "reason": r[last][order],
        "exposures": counts[order],
        "gap_days": gaps[order],
    }


_mode_of = era_mode  # exposure_transitions has a parameter of that name


def exposure_transitions(
    source: Any,
    *,
    columns: ExposureColumns = BATCH_COLUMNS,
    catalogue: Catalogue = CATALOGUE,
    persistence_days: int = DEFAULT_PERSISTENCE_DAYS,
    windows: Mapping[str, int] | None = None,
    skip_unknown: bool = False,
    era_mode: EraMode | str = EraMode.CATALOGUE,
    grace_months: int = DEFAULT_GRACE_MONTHS,
    partition_size: int = 50_000,
    output: Literal["arrow", "pandas"] = "arrow",
    progress: Callable[[int, int], None] | None = None,
    day_first: bool | None = None,
    skip_bad_rows: bool = False,
) -> BatchResult:
    """Eras and transitions of a long exposure table, as :func:`~dmt_timeline.io.build_episodes`
    and :meth:`~dmt_timeline.Timeline.transitions` would give them, without objects per row.

    Args:
        source: A pyarrow Table, a pandas DataFrame, or the path of a Parquet or CSV file.
        columns: Which column holds what (default person_id, drug, start, end, reason; the
            reason column may be absent).
        catalogue: Where drug names, aliases and ATC codes are looked up.
        persistence_days: The default window (OMOP CDM: 30 days).
        windows: Per-therapy windows in days, overriding the default and the catalogue's
            ``dosing_interval_days``.
        skip_unknown: Skip drugs the catalogue does not know, reporting them in ``unknown``.
        era_mode: ``"catalogue"`` (default: windows widened to the catalogue's dosing
            intervals) or ``"omop"`` (one window for every drug: OMOP's ``drug_era``); see
            :mod:`dmt_timeline.eras`.
        grace_months: The grace period of a direct switch.
        partition_size: How many patients are processed at once (bounds the memory used).
        output: ``"arrow"`` (pyarrow Tables) or ``"pandas"`` (DataFrames).
        progress: Called with (patients done, patients in the table): once with 0 when the
            table has been read, then after each partition of patients.
        day_first: The order of dates written with numbers only in text columns (``12/05/2012``):
            True for day first, False for month first, None (the default) to refuse them, as
            :meth:`dmt_timeline.PartialDate.read` takes it. Text dates are read as that method
            reads them, in the forms :data:`dmt_timeline.batch.DAY_FORMS`: ISO days, date-times
            as their day, and numeric days in the declared order; a year or a month alone
            (``2015``, ``2015-03``) is refused, since an exposure needs its days.
        skip_bad_rows: Leave out the rows a problem below names (and a CSV file's rows with
            more or fewer cells than its header), reporting each in ``skipped``, instead of
            refusing the table. Problems of the table as a whole (a missing column, a column
            of the wrong type, a file that cannot be read) are still refused.

    Raises:
        InvalidValueError: naming the column and its expected type when a column's type is not
            one it may have (checked first); naming the column and rows of blank ids or
            drugs, ids that are not text or whole numbers (read by the rule of
            :func:`dmt_timeline.ids.patient_id`), dates that are not whole dates or outside the
            object model's years, ends before starts, unknown stop reasons; naming the rows of
            a CSV file with more or fewer cells than its header, or the line of text that is
            not UTF-8. No message quotes a cell.
        UnknownTherapyError: listing unknown drugs with their counts, unless ``skip_unknown``.
    """
    np, pa, _ = _imports()
    check_grace_months(grace_months)
    mode = _mode_of(era_mode)
    check_windows(mode, windows)
    skipped = _Skipped() if skip_bad_rows else None
    exposures = _read_exposures(source, columns, day_first, skipped)
    counts = np.bincount(exposures.drug, minlength=len(exposures.drugs))
    found, unknown = _therapies(exposures.drugs, catalogue, counts, skip_unknown=skip_unknown)
    names_sorted = sorted({t.name for t in found if t is not None})
    name_code = {name: i for i, name in enumerate(names_sorted)}
    therapy_of_drug = [-1 if t is None else name_code[t.name] for t in found] or [0]
    therapy = np.array(therapy_of_drug, dtype=np.int32)[exposures.drug]
    overrides = {catalogue.get(name): days for name, days in (windows or {}).items()}
    by_name = {t.name: t for t in found if t is not None}
    window_of = np.array(
        [persistence_window(by_name[n], persistence_days, overrides, mode) for n in names_sorted] or [0]
    )
    used = np.bincount(therapy[therapy >= 0], minlength=len(names_sorted))
    names = pa.array(names_sorted, pa.string())
    profile = therapy_profile(np, names_sorted, catalogue)  # how each therapy is given: regimens
    id_array = exposures.ids.cast(pa.string())
    episode_parts, transition_parts = [], []
    n_patients, done = len(exposures.ids), 0
    if progress is not None:
        progress(0, n_patients)
    for rows in _partitions(np, exposures.person, partition_size):
        era = _eras(exposures, rows, therapy, window_of)
        ep, et = era["person"], era["therapy"]
        episode_parts.append(
            pa.table(
                {
                    "patient_id": _labels(pa, ep, id_array),
                    "line": pa.array((np.arange(len(ep)) - np.searchsorted(ep, ep) + 1).astype(np.int32)),
                    "therapy": _labels(pa, et, names),
                    "start": pa.array(era["start"].astype(np.int32), pa.int32()).cast(pa.date32()),
                    "stop": pa.array(era["stop"].astype(np.int32), pa.int32()).cast(pa.date32()),
                    "reasons": _labels(pa, era["reason"], exposures.reason_values),
                    "exposures": pa.array(era["exposures"].astype(np.int32)),
                    "gap_days": pa.array(era["gap_days"].astype(np.int32)),
                }
            )
        )
        days = {"start_lo": era["start"], "start_hi": era["start"], "stop_lo": era["stop"]}
        found_t = _transitions(
            np,
            ep,
            et,
            **days,
            stop_hi=era["stop"],
            state=np.zeros(len(ep), np.int64),
            grace=grace_months,
            profile=profile,
        )
        transition_parts.append(_transition_table(pa, id_array, names, ep, et, found_t, grace_months))
        if progress is not None:
            # Partitions are runs of partition_size patients in id order (the last one shorter).
            done = min(done + partition_size, n_patients)
            progress(done, n_patients)
    episodes = _concat(pa, episode_parts, _EMPTY_EPISODES)
    transitions = _concat(pa, transition_parts, _EMPTY_TRANSITIONS)
    windows_used = tuple((name, int(window_of[i])) for i, name in enumerate(names_sorted) if used[i])
    report = None if skipped is None else _output(skipped.report, output)
    return BatchResult(_output(episodes, output), _output(transitions, output), unknown, windows_used, report)
