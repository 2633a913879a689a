"""Confirmed disability worsening of a tidy events table, by the object path's own rule.

The columns are read with numpy and pyarrow (patients coded, dates as day numbers, readings
sorted and made one a day, each baseline's minimum change looked up once per distinct score);
the scan itself is :func:`dmt_timeline.outcomes.disability._confirmed`, the function the object
path calls, run over each patient's slice of plain lists. A roving baseline moves to wherever
the last event was confirmed, so a patient's events depend on each other in order: the scan is
sequential per patient by nature, and sharing it keeps one rule in one place.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from dmt_timeline.batch._columns import (
    DATE,
    ID,
    NUMBER,
    TEXT,
    _imports,
    _numbers,
    _plain,
    _rows,
    _text,
    check_schema,
)
from dmt_timeline.batch._episodes import _check_edss, _date_text, _dates, _read_episodes
from dmt_timeline.batch._latencies import _read_follow_up
from dmt_timeline.batch._patient_ids import _id_codes, _ids
from dmt_timeline.batch._reading import read_table
from dmt_timeline.batch._results import _output
from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.errors import InvalidDateError, InvalidValueError, TimelineError, quoted
from dmt_timeline.outcomes.disability import (
    CdwSettings,
    DisabilityKind,
    EventSelection,
    _confirmed,
    minimum_change,
)
from dmt_timeline.outcomes.relapses import DAYS_PER_YEAR

_EVENT_NAMES: Final = ("patient_id", "date_earliest", "date_latest", "edss")
_EVENT_KINDS: Final = {
    "patient_id": ID,
    "kind": TEXT,
    "date_earliest": DATE,
    "date_latest": DATE,
    "edss": NUMBER,
}
_RELAPSE_NAMES: Final = ("patient_id", "date_earliest", "date_latest")
_RELAPSE_KINDS: Final = {"patient_id": ID, "date_earliest": DATE, "date_latest": DATE}
# The kinds of dmt_timeline.io.tables.events_table; rows of the last two are not read here.
_KINDS: Final = ("edss", "relapse", "mri", "assessment")
_DAY: Final = 2  # the precision code of _dates
_KIND_NAMES: Final = tuple(kind.value for kind in DisabilityKind)


def _not_a_day(np: Any, bad: Any, *, ids: Any, person: Any, lo: Any, precision: Any, what: str) -> None:
    """Refuse rows ``bad`` (dates not to the day) as the object path does, naming the rows and
    the first one's patient and date."""
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        patient = ids[int(person[first])].as_py()
        date = _date_text(np, int(lo[first]), int(precision[first]))
        raise InvalidDateError(
            f"patient {quoted(patient)}: {what} date {quoted(date)} is not a day at row(s) {_rows(np, bad)};"
            " the batch engine needs assessment and relapse dates to the day (for coarser dates,"
            " dmt_timeline.outcomes.confirmed_disability_events answers three-valued)"
        )


def _read_events(np: Any, pa: Any, pc: Any, source: Any) -> dict[str, Any]:
    """The EDSS assessments and relapses of an events table, with the patients' codes."""
    table = read_table(source, _EVENT_NAMES, optional=("kind",))
    check_schema(table, _EVENT_KINDS)
    person, ids = _ids(np, pa, pc, table["patient_id"], "patient_id")
    if "kind" in table.column_names:
        found = pc.index_in(_text(pa, pc, table["kind"], "kind"), value_set=pa.array(_KINDS, pa.string()))
        kind = np.asarray(pc.fill_null(found, -1).to_numpy(False), dtype=np.int64)
        if (kind < 0).any():
            raise InvalidValueError(
                f"column kind: not one of {', '.join(map(repr, _KINDS))} at row(s) {_rows(np, kind < 0)}"
            )
    else:
        kind = np.zeros(table.num_rows, dtype=np.int64)  # every row an EDSS assessment
    edss, relapse = kind == 0, kind == 1
    lo, hi, precision = _dates(np, pa, pc, table, name="date", dated=edss | relapse)
    score = _numbers(np, pa, pc, table["edss"], "edss", missing=-1.0)
    blank = edss & np.asarray(_plain(pa, pc, table["edss"]).is_null().to_numpy(False), dtype=bool)
    if blank.any():
        raise InvalidValueError(f"column edss: blank for an EDSS assessment at row(s) {_rows(np, blank)}")
    _check_edss(np, np.where(edss, score, -1.0))
    coarse = edss & (precision != _DAY)
    _not_a_day(np, coarse, ids=ids, person=person, lo=lo, precision=precision, what="an EDSS assessment")
    return {
        "ids": ids,
        "person": person,
        "edss": edss,
        "relapse": relapse,
        "lo": lo,
        "hi": hi,
        "precision": precision,
        "score": score,
    }


def _read_relapses(np: Any, pa: Any, pc: Any, source: Any, ids: Any) -> dict[str, Any]:
    """A relapses table's onsets, coded by the events table's patients (-1: no such patient)."""
    table = read_table(source, _RELAPSE_NAMES)
    check_schema(table, _RELAPSE_KINDS)
    person = _id_codes(np, pa, pc, table["patient_id"], name="patient_id", ids=ids)
    lo, hi, precision = _dates(np, pa, pc, table, name="date", dated=np.ones(table.num_rows, dtype=bool))
    return {"person": person, "lo": lo, "hi": hi, "precision": precision}


def _relapse_days(
    np: Any,
    data: dict[str, Any],
    relapses: dict[str, Any] | None,
    *,
    first: Any,
    assessed: Any,
    settings: CdwSettings,
) -> tuple[Any, Any]:
    """Onset days of the relapses that could matter (as the object path's ``_relapse_days``
    chooses them: of assessed patients, not long before the first assessment), sorted by
    patient then day, with their patients; coarse ones refused."""
    ids = data["ids"]
    # Over every row of the events table (rows of other kinds as no patient's), so that
    # problems are named by the table's rows.
    own = {k: data[k] for k in ("lo", "hi", "precision")}
    sources = [{**own, "person": np.where(data["relapse"], data["person"], -1)}]
    if relapses is not None:
        sources.append(relapses)
    people, days = [], []
    for source, what in zip(sources, ("a relapse", "a relapse (relapses table)"), strict=False):
        person = source["person"]
        at = np.where(person >= 0, person, 0)
        known = (person >= 0) & assessed[at]  # a relapse of a patient with no assessment cannot matter
        matter = known & (source["hi"] >= first[at] - settings.relapse_to_baseline)
        precision = source["precision"]
        coarse = matter & (precision != _DAY)
        _not_a_day(np, coarse, ids=ids, person=person, lo=source["lo"], precision=precision, what=what)
        people.append(person[matter])
        days.append(source["lo"][matter])
    person, day = np.concatenate(people), np.concatenate(days)
    order = np.lexsort((day, person))
    return person[order], day[order]


def _since(np: Any, person: Any, day: Any, r_person: Any, r_day: Any) -> Any:
    """Days from the latest relapse of the same patient on or before each reading (inf when
    none), for every patient at once; both inputs sorted by patient, then day."""
    low = min(int(day.min()), int(r_day.min())) if len(r_day) and len(day) else 0
    span = max(int(day.max()) if len(day) else 0, int(r_day.max()) if len(r_day) else 0) - low + 1
    key = person.astype(np.int64) * span + (day - low)
    r_key = r_person.astype(np.int64) * span + (r_day - low)
    at = np.searchsorted(r_key, key, side="right") - 1
    clipped = np.maximum(at, 0)
    same = (at >= 0) & (r_person[clipped] == person) if len(r_day) else np.zeros(len(day), dtype=bool)
    return np.where(same, day - (r_day[clipped] if len(r_day) else 0), np.inf)


_PAIRS_UP_TO: Final = 16  # readings apart, for the screen below; longer histories are scanned anyway


def _may_change(np: Any, person: Any, score: Any, threshold: Any, starts: Any) -> Any:
    """Per patient, whether some reading differs from an earlier one by that one's minimum
    change. A patient without such a pair has no change from any baseline, so no event: the
    scan can skip them (most of a registry's patients are stable)."""
    count = starts[1:] - starts[:-1]
    may = count > _PAIRS_UP_TO + 1
    for k in range(1, min(int(count.max()) if len(count) else 0, _PAIRS_UP_TO + 1)):
        same = person[k:] == person[:-k]
        hit = same & (np.abs(score[k:] - score[:-k]) >= threshold[:-k])
        may[person[:-k][hit]] = True
    return may


def disability_events(
    events: Any,
    settings: CdwSettings | None = None,
    *,
    relapses: Any = None,
    output: Literal["arrow", "pandas"] = "arrow",
) -> Any:
    """Confirmed disability events on the EDSS of a tidy events table, as
    :func:`dmt_timeline.outcomes.confirmed_disability_events` finds them for the same patients.

    The events table has the columns of :func:`dmt_timeline.io.tables.events_table`: at least
    ``patient_id``, ``date_earliest``, ``date_latest`` and ``edss``, and ``kind``: rows of kind
    ``edss`` are assessments, of kind ``relapse`` relapse onsets, and rows of the other kinds
    are not read. Without a ``kind`` column every row is an assessment. ``during_relapse`` is
    not read: as in the object path, the relapse dates decide. ``relapses``, when
    given, is a table of more relapse onsets (``patient_id``, ``date_earliest``,
    ``date_latest``), such as a registry's separate relapse table. Rows of one patient keep the
    table's order where it matters (of two assessments on one day, the later row stands).

    Args:
        events: A pyarrow Table, pandas DataFrame, or Parquet or CSV path.
        settings: The criteria; the defaults of :class:`~dmt_timeline.outcomes.CdwSettings`.
        relapses: An optional table of relapse onsets, as ``events``.
        output: ``"arrow"`` or ``"pandas"``.

    Returns:
        One row per event: ``patient_id``, ``kind`` (CDW, RAW, PIRA or CDI), ``date``,
        ``value``, ``baseline_date``, ``baseline_value`` and ``confirmed`` (dates as
        ``date32``), by patient in order of first appearance in ``events``, then by date. The
        Arrow table's schema metadata ``settings`` holds the settings as printed.

    Raises:
        InvalidDateError: An assessment, or a relapse that could matter, not dated to the day.
        InvalidValueError: A column or value that cannot be read, named by column and row.
    """
    np, pa, pc = _imports()
    s = CdwSettings() if settings is None else settings
    if not isinstance(s, CdwSettings):
        raise InvalidValueError(f"settings: expected CdwSettings, not {type(s).__name__}")
    data = _read_events(np, pa, pc, events)
    n_ids = len(data["ids"])
    extra = None if relapses is None else _read_relapses(np, pa, pc, relapses, data["ids"])

    # Assessments by patient, then day, then row; of two on one day the later row stands.
    rows = np.flatnonzero(data["edss"])
    rows = rows[np.lexsort((rows, data["lo"][rows], data["person"][rows]))]
    person, day = data["person"][rows], data["lo"][rows]
    last = np.ones(len(rows), dtype=bool)
    last[:-1] = (person[1:] != person[:-1]) | (day[1:] != day[:-1])
    rows, person, day = rows[last], person[last], day[last]
    score = data["score"][rows]
    starts = np.searchsorted(person, np.arange(n_ids + 1))
    first = np.zeros(n_ids, dtype=np.int64)  # each patient's first assessment (0 when none)
    assessed = starts[1:] > starts[:-1]
    first[assessed] = day[starts[:-1][assessed]]
    r_person, r_day = _relapse_days(np, data, extra, first=first, assessed=assessed, settings=s)
    r_starts = np.searchsorted(r_person, np.arange(n_ids + 1))

    # Each baseline's minimum change, by the rule itself, once per distinct score.
    distinct = np.unique(score)
    needed = np.array([float(minimum_change(float(v), "EDSS", s)) for v in distinct.tolist()])
    threshold = needed[np.searchsorted(distinct, score)] if len(score) else score

    since = _since(np, person, day, r_person, r_day)
    candidates = np.flatnonzero(_may_change(np, person, score, threshold, starts))

    day_l, score_l, threshold_l, r_day_l = day.tolist(), score.tolist(), threshold.tolist(), r_day.tolist()
    since_l, bounds, r_bounds = since.tolist(), starts.tolist(), r_starts.tolist()
    found: list[tuple[int, int, int, int, int]] = []
    for p in candidates.tolist():
        a, b = bounds[p], bounds[p + 1]
        for kind, x, bl, conf in _confirmed(
            day_l[a:b],
            score_l[a:b],
            threshold_l[a:b],
            r_day_l[r_bounds[p] : r_bounds[p + 1]],
            s,
            worse_up=True,
            since=since_l[a:b],
        ):
            if kind is DisabilityKind.CDI and s.events is EventSelection.FIRST:
                continue
            found.append((p, _KIND_NAMES.index(kind.value), a + x, a + bl, a + conf))
    return _output(_table(np, pa, data, found, day=day, score=score, s=s), output)


def _table(
    np: Any, pa: Any, data: dict[str, Any], found: list[Any], *, day: Any, score: Any, s: CdwSettings
) -> Any:
    """The events as Arrow, patients in order of first appearance in the events table."""
    columns = np.array(found, dtype=np.int64).reshape(-1, 5)
    p, kind, x, bl, conf = columns.T
    appearance = np.full(len(data["ids"]), len(data["person"]), dtype=np.int64)
    np.minimum.at(appearance, data["person"], np.arange(len(data["person"])))
    order = np.argsort(appearance[p], kind="stable")
    p, kind, x, bl, conf = p[order], kind[order], x[order], bl[order], conf[order]

    def dates(at: Any) -> Any:
        return pa.array(day[at].astype(np.int32), pa.int32()).cast(pa.date32())

    table = pa.table(
        {
            "patient_id": data["ids"].take(pa.array(p, pa.int64())),
            "kind": pa.array(np.array(_KIND_NAMES, dtype=object)[kind].tolist(), pa.string()),
            "date": dates(x),
            "value": pa.array(score[x], pa.float64()),
            "baseline_date": dates(bl),
            "baseline_value": pa.array(score[bl], pa.float64()),
            "confirmed": dates(conf),
        }
    )
    return table.replace_schema_metadata({"settings": str(s)})


# -- annualised relapse rates per episode -----------------------------------------------------


def _episode_relapses(np: Any, pa: Any, pc: Any, source: Any, ids: Any) -> tuple[Any, Any, Any]:
    """The relapse rows of an events table (or every row of a table without ``kind``): their
    patients' codes into ``ids`` (-1 for a patient with no episode) and their onsets' bounds."""
    table = read_table(source, ("patient_id", "date_earliest", "date_latest"), optional=("kind",))
    check_schema(table, {k: v for k, v in _EVENT_KINDS.items() if k != "edss"})
    if "kind" in table.column_names:
        found = pc.index_in(_text(pa, pc, table["kind"], "kind"), value_set=pa.array(_KINDS, pa.string()))
        kind = np.asarray(pc.fill_null(found, -1).to_numpy(False), dtype=np.int64)
        if (kind < 0).any():
            raise InvalidValueError(
                f"column kind: not one of {', '.join(map(repr, _KINDS))} at row(s) {_rows(np, kind < 0)}"
            )
        relapse = kind == 1
    else:
        relapse = np.ones(table.num_rows, dtype=bool)
    person = _id_codes(np, pa, pc, table["patient_id"], name="patient_id", ids=ids)
    lo, hi, _ = _dates(np, pa, pc, table, name="date", dated=relapse)
    keep = relapse & (person >= 0)
    return person[keep], lo[keep], hi[keep]


def episode_relapse_rates(
    episodes: Any,
    events: Any,
    *,
    follow_up: Any = None,
    skip_unknown_stop: bool = False,
    output: Literal["arrow", "pandas"] = "arrow",
) -> Any:
    """The annualised relapse rate on each episode of a tidy episodes table, as
    :func:`dmt_timeline.outcomes.episode_relapse_rates` gives it for each patient.

    ``episodes`` has the columns of :func:`dmt_timeline.io.tables.episodes_table`; an episode's
    position is its row's place among the patient's rows. ``events`` holds the relapse onsets:
    the rows of kind ``relapse`` of an events table, or every row of a table without ``kind``
    (``patient_id``, ``date_earliest``, ``date_latest``). An ongoing episode runs to the
    patient's last follow-up (``follow_up``: the columns of
    :func:`~dmt_timeline.io.tables.follow_up_table`). Counts and exposure are ranges over every
    reading of partial dates, by the object path's definitions (a period covers both its ends).

    Args:
        episodes: A pyarrow Table, pandas DataFrame, or Parquet or CSV path.
        events: The relapses, as ``episodes``.
        follow_up: The last follow-ups, as ``episodes``; None when there are none.
        skip_unknown_stop: Leave out episodes whose stop is not recorded (or ongoing with no
            last follow-up) instead of refusing them.
        output: ``"arrow"`` or ``"pandas"``.

    Returns:
        One row per episode with a known end: ``patient_id``, ``episode``, ``relapses_low``,
        ``relapses_high``, ``exposure_days_low``, ``exposure_days_high``, ``rate_low`` and
        ``rate_high`` (per 365.25 days), by patient in order of first appearance in
        ``episodes``, then by position.

    Raises:
        TimelineError: An episode with no known end (unless ``skip_unknown_stop``), naming the
            patient and the episode.
        InvalidValueError: A column or value that cannot be read, named by column and row.
    """
    np, pa, pc = _imports()
    data = _read_episodes(episodes, CATALOGUE)
    ids, person = data["ids"], data["person"]
    known, follow_lo, follow_hi = _read_follow_up(np, pa, pc, follow_up, ids)
    r_person, r_lo, r_hi = _episode_relapses(np, pa, pc, events, ids)

    n = len(person)
    rows = np.argsort(person, kind="stable")  # by patient, each patient's rows in table order
    starts = np.searchsorted(person[rows], np.arange(len(ids) + 1))
    position = np.empty(n, dtype=np.int64)
    position[rows] = np.arange(n) - starts[person[rows]]
    state = data["state"]
    ongoing = (state == 1) & known[person]
    end_lo = np.where(ongoing, follow_lo[person], data["stop_lo"])
    end_hi = np.where(ongoing, follow_hi[person], data["stop_hi"])
    ends = (state == 0) | ongoing
    if not skip_unknown_stop and not ends.all():
        row = int(np.flatnonzero(~ends)[0])
        why = "is not recorded" if state[row] == 2 else "is ongoing with no last_follow_up"
        raise TimelineError(
            f"patient {quoted(ids[int(person[row])].as_py())}: episodes[{int(position[row])}] stop {why}:"
            f" no exposure, at row(s) {_rows(np, ~ends)}"
        )
    start_lo, start_hi = data["start_lo"], data["start_hi"]

    # Every relapse beside every episode of its patient: few of each per patient.
    order = np.argsort(r_person, kind="stable")
    r_person, r_lo, r_hi = r_person[order], r_lo[order], r_hi[order]
    each = starts[r_person + 1] - starts[r_person]
    pair_r = np.repeat(np.arange(len(r_person)), each)
    offset = np.arange(len(pair_r)) - np.repeat(np.cumsum(each) - each, each)
    pair_e = rows[np.repeat(starts[r_person], each) + offset]
    low, high = r_lo[pair_r], r_hi[pair_r]
    certain = (low >= start_hi[pair_e]) & (high <= end_lo[pair_e])
    possible = (high >= start_lo[pair_e]) & (low <= end_hi[pair_e])
    few = np.bincount(pair_e[certain], minlength=n)
    many = np.bincount(pair_e[possible], minlength=n)
    short = np.maximum(end_lo - start_hi + 1, 0)
    long = end_hi - start_lo + 1

    # Rates as RelapseRate.rate gives them.
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_low = np.where(long > 0, few / (long / DAYS_PER_YEAR), 0.0)
        rate_high = np.where(short > 0, many / (short / DAYS_PER_YEAR), np.where(many > 0, np.inf, 0.0))
    appearance = np.full(len(ids), n, dtype=np.int64)
    np.minimum.at(appearance, person, np.arange(n))
    kept = np.flatnonzero(ends)
    kept = kept[np.lexsort((position[kept], appearance[person[kept]]))]
    table = pa.table(
        {
            "patient_id": ids.take(pa.array(person[kept], pa.int64())),
            "episode": pa.array(position[kept], pa.int64()),
            "relapses_low": pa.array(few[kept], pa.int64()),
            "relapses_high": pa.array(many[kept], pa.int64()),
            "exposure_days_low": pa.array(short[kept], pa.int64()),
            "exposure_days_high": pa.array(long[kept], pa.int64()),
            "rate_low": pa.array(rate_low[kept], pa.float64()),
            "rate_high": pa.array(rate_high[kept], pa.float64()),
        }
    )
    return _output(table, output)
