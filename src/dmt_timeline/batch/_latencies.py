"""Response latencies of a tidy episodes table, with its observations and last follow-ups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal

from dmt_timeline.batch._classify import _transitions, therapy_profile, whole_months_array
from dmt_timeline.batch._columns import (
    _PROBLEMS_SHOWN,
    DATE,
    ID,
    TEXT,
    WHOLE,
    _imports,
    _rows,
    _text,
    _whole,
    check_schema,
)
from dmt_timeline.batch._episodes import _check_histories, _dates, _in_timeline_order, _read_episodes
from dmt_timeline.batch._partitions import _partitions
from dmt_timeline.batch._patient_ids import _id_codes
from dmt_timeline.batch._reading import read_numbered
from dmt_timeline.batch._results import _output
from dmt_timeline.batch._row_numbers import numbered
from dmt_timeline.batch._transfers import _matching, _start
from dmt_timeline.catalogue import CATALOGUE, Catalogue
from dmt_timeline.errors import InvalidValueError, TimelineError, quoted
from dmt_timeline.latency import CensorAt, _check_censor_at, _in_order, outcome_condition, outcome_keys
from dmt_timeline.model import MAX_LATENCY_MONTHS, Condition
from dmt_timeline.regimens import REGIMENS, Regimens
from dmt_timeline.timeline import DEFAULT_GRACE_MONTHS, DEFAULT_MAX_OVERLAP_MONTHS, Selector

_OBSERVATION_COLUMNS: Final = (
    "patient_id",
    "episode",
    "outcome",
    "date_earliest",
    "date_latest",
    "latency_months",
)
_FOLLOW_UP_COLUMNS: Final = ("patient_id", "last_follow_up_earliest", "last_follow_up_latest")
_DIAGNOSIS_COLUMNS: Final = ("patient_id", "condition")
_OBSERVATION_KINDS: Final = {
    "patient_id": ID,
    "episode": WHOLE,
    "outcome": TEXT,
    "date_earliest": DATE,
    "date_latest": DATE,
    "latency_months": WHOLE,
}
_FOLLOW_UP_KINDS: Final = {"patient_id": ID, "last_follow_up_earliest": DATE, "last_follow_up_latest": DATE}


def _person(np: Any, pa: Any, pc: Any, table: Any, ids: Any) -> Any:
    """Codes of a ``patient_id`` column into the episodes' sorted ids (-1 for an unknown id),
    read by the rule of :func:`dmt_timeline.ids.patient_id` as the episodes' are."""
    return _id_codes(np, pa, pc, table["patient_id"], name="patient_id", ids=ids)


def _outcome_codes(
    np: Any, pa: Any, pc: Any, texts: Any, *, keys: dict[Condition, list[Any]], column: str
) -> Any:
    """Codes of a column of condition names or outcome keys into ``keys`` (condition to code,
    extended with each new one, and each spelling of it; equal conditions share one however
    spelled), read by the rule of :func:`dmt_timeline.latency.outcome_condition` once per
    distinct text."""
    unique = pc.unique(texts)
    codes: list[int] = []
    for text in unique.to_pylist():
        try:
            key = outcome_condition(text) if text is not None else None
        except TimelineError:
            key = None
        if key is None:
            codes.append(-1)
            continue
        entry = keys.setdefault(key, [len(keys)])
        entry.append(key)
        codes.append(entry[0])
    codes.append(-1)  # where a row's text is null
    position = pc.fill_null(pc.index_in(texts, value_set=unique), len(codes) - 1)
    code = np.asarray(codes, dtype=np.int64)[np.asarray(position.to_numpy(False), dtype=np.int64)]
    if (code < 0).any():
        raise InvalidValueError(
            f"column {column}: not a condition's name (blank, too long or with a control character) "
            f"at row(s) {_rows(np, code < 0)}"
        )
    return code


def _read_observations(
    np: Any, pa: Any, pc: Any, source: Any, *, ids: Any, counts: Any, keys: dict[Condition, list[Any]]
) -> dict[str, Any]:
    """An observations table as integer columns: the patient's code, the episode's position,
    the outcome's code into ``keys``, the date's bounds or the stated latency."""
    table, numbering = read_numbered(source, _OBSERVATION_COLUMNS)
    with numbered(numbering):  # rows named as the file numbers them
        return _observation_columns(np, pa, pc, table, ids=ids, counts=counts, keys=keys)


def _observation_columns(
    np: Any, pa: Any, pc: Any, table: Any, *, ids: Any, counts: Any, keys: dict[Condition, list[Any]]
) -> dict[str, Any]:
    check_schema(table, _OBSERVATION_KINDS)
    person = _person(np, pa, pc, table, ids)
    if (person < 0).any():
        raise InvalidValueError(
            f"column patient_id: a patient with no episode in the episodes table at row(s) "
            f"{_rows(np, person < 0)}"
        )
    episode, blank = _whole(np, pa, pc, table["episode"], "episode")
    outside = blank | (episode < 0) | (episode >= counts[person])
    if outside.any():
        raise InvalidValueError(
            f"column episode: not one of the patient's episodes (0-based) at row(s) {_rows(np, outside)}"
        )
    outcome_code = _outcome_codes(
        np, pa, pc, _text(pa, pc, table["outcome"], "outcome"), keys=keys, column="outcome"
    )
    months, no_months = _whole(
        np, pa, pc, table["latency_months"], "latency_months", high=MAX_LATENCY_MONTHS, what=" of months"
    )
    no_lo = np.asarray(pc.is_null(table["date_earliest"]).to_numpy(False), dtype=bool)
    no_hi = np.asarray(pc.is_null(table["date_latest"]).to_numpy(False), dtype=bool)
    if (no_lo != no_hi).any():
        raise InvalidValueError(
            f"columns date_earliest/date_latest: one bound without the other at row(s) "
            f"{_rows(np, no_lo != no_hi)}"
        )
    dated = ~no_lo
    both, neither = dated & ~no_months, ~dated & no_months
    for mask, what in ((both, "both a date and"), (neither, "neither a date nor")):
        if mask.any():
            raise InvalidValueError(
                f"columns date_earliest/latency_months: {what} a latency (give exactly one) at "
                f"row(s) {_rows(np, mask)}"
            )
    lo, hi, _ = _dates(np, pa, pc, table, name="date", dated=dated)
    return {
        "person": person,
        "episode": episode,
        "outcome": outcome_code,
        "dated": dated,
        "months": months,
        "lo": lo,
        "hi": hi,
    }


def _read_follow_up(np: Any, pa: Any, pc: Any, source: Any, ids: Any) -> tuple[Any, Any, Any]:
    """Per patient code: whether a last follow-up is known, and its bounds in days."""
    known = np.zeros(len(ids), dtype=bool)
    lo = np.zeros(len(ids), dtype=np.int64)
    hi = np.zeros(len(ids), dtype=np.int64)
    if source is None:
        return known, lo, hi
    table, numbering = read_numbered(source, _FOLLOW_UP_COLUMNS)
    with numbered(numbering):  # rows named as the file numbers them
        return _follow_up_columns(np, pa, pc, table, ids=ids, into=(known, lo, hi))


def _follow_up_columns(
    np: Any, pa: Any, pc: Any, table: Any, *, ids: Any, into: tuple[Any, Any, Any]
) -> tuple[Any, Any, Any]:
    known, lo, hi = into
    check_schema(table, _FOLLOW_UP_KINDS)
    person = _person(np, pa, pc, table, ids)  # patients without episodes have no latency: skipped
    dated = ~np.asarray(pc.is_null(table["last_follow_up_earliest"]).to_numpy(False), dtype=bool)
    day_lo, day_hi, _ = _dates(np, pa, pc, table, name="last_follow_up", dated=dated)
    used = person >= 0
    order = np.argsort(person, kind="stable")
    repeated = np.zeros(len(person), dtype=bool)
    repeated[order[1:]] = (person[order][1:] == person[order][:-1]) & used[order][1:]
    if repeated.any():
        raise InvalidValueError(f"column patient_id: a patient given twice at row(s) {_rows(np, repeated)}")
    keep = used & dated
    known[person[keep]] = True
    lo[person[keep]] = day_lo[keep]
    hi[person[keep]] = day_hi[keep]
    return known, lo, hi


def _read_diagnoses(
    np: Any, pa: Any, pc: Any, source: Any, ids: Any, *, keys: dict[Condition, list[Any]]
) -> tuple[Any, Any]:
    """Each diagnosis row's patient (by code, -1 for a patient without episodes) and the
    outcome code of its condition (into ``keys``)."""
    if source is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    table, numbering = read_numbered(source, _DIAGNOSIS_COLUMNS)
    with numbered(numbering):  # rows named as the file numbers them
        person = _person(np, pa, pc, table, ids)
        code = _outcome_codes(np, pa, pc, _text(pa, pc, table["condition"]), keys=keys, column="condition")
        return person, code


_CERTAIN: Final = (2, 5)  # next course, next dose: the index treatment goes on (CHANGES codes)
_POSSIBLE: Final = (2, 5, 6)  # and next dose or restart, on some readings


def _run_end(np: Any, going_on: Any) -> Any:
    """For each position, the first position at or after it whose transition does not go on."""
    index = np.arange(len(going_on))
    marker = np.where(going_on, len(going_on), index)
    return np.minimum.accumulate(marker[::-1])[::-1] if len(going_on) else index


def _index_rows(  # noqa: PLR0917 - a private helper of one caller
    np: Any, data: dict[str, Any], wanted: Any, initiation: str, partition_size: int, profile: dict[str, Any]
) -> dict[str, Any]:
    """Rows of the index episodes, one per patient who has one, in patient order; and, for the
    end of each index treatment, the last row it certainly (and possibly) runs on to through
    next doses and courses, with the row after each in timeline order (-1 when none)."""
    person = data["person"]
    found: dict[str, list[Any]] = {"rows": [], "last_lo": [], "after_lo": [], "last_hi": [], "after_hi": []}
    for part in _partitions(np, person, partition_size):
        ordered = _in_timeline_order(np, data, part)
        p_all = person[ordered]
        after = np.full(len(ordered), -1, dtype=np.int64)
        after[:-1] = np.where(p_all[1:] == p_all[:-1], ordered[1:], -1)
        steps = _transitions(
            np,
            p_all,
            data["therapy"][ordered],
            start_lo=data["start_lo"][ordered],
            start_hi=data["start_hi"][ordered],
            stop_lo=data["stop_lo"][ordered],
            stop_hi=data["stop_hi"][ordered],
            state=data["state"][ordered],
            grace=DEFAULT_GRACE_MONTHS,
            profile=profile,
        )
        certain = np.zeros(len(ordered), dtype=bool)
        possible = np.zeros(len(ordered), dtype=bool)
        certain[steps["pair"]] = np.isin(steps["change"], _CERTAIN)
        possible[steps["pair"]] = np.isin(steps["change"], _POSSIBLE)
        end_lo, end_hi = _run_end(np, certain), _run_end(np, possible)
        keep = np.flatnonzero(wanted[data["therapy"][ordered]])
        p = p_all[keep]
        edge = np.ones(len(keep), dtype=bool)
        if initiation == "first":
            edge[1:] = p[1:] != p[:-1]
        else:
            edge[:-1] = p[1:] != p[:-1]
        at = keep[edge]
        found["rows"].append(ordered[at])
        found["last_lo"].append(ordered[end_lo[at]])
        found["after_lo"].append(after[end_lo[at]])
        found["last_hi"].append(ordered[end_hi[at]])
        found["after_hi"].append(after[end_hi[at]])
    empty = np.zeros(0, dtype=np.int64)
    return {key: np.concatenate(parts) if parts else empty for key, parts in found.items()}


def _add_months(np: Any, days: Any, months: Any, last: Any) -> Any:
    """Days since 1970-01-01 ``months`` calendar months later (the day clamped to the month's
    length), as the timeline's ``_add_months``; ``last`` (no bound) stays, and so does a day
    pushed past the year 9999."""
    unbounded = days == last
    day = np.where(unbounded, 0, days).astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    offset = (day - month.astype("datetime64[D]")).astype(np.int64)
    moved = month + months.astype("timedelta64[M]")
    length = ((moved + 1).astype("datetime64[D]") - moved.astype("datetime64[D]")).astype(np.int64)
    shifted = (moved.astype("datetime64[D]") + np.minimum(offset, length - 1)).astype(np.int64)
    too_late = moved.astype("datetime64[Y]").astype(np.int64) + 1970 > 9999
    return np.where(unbounded | too_late, last, shifted)


def _stop_bounds(  # noqa: PLR0917 - a private helper of one caller
    np: Any, data: dict[str, Any], rows: Any, after: Any, follow: tuple[Any, Any, Any], last: Any
) -> tuple[Any, Any, Any, Any]:
    """Each row's stop bounds (as ``Timeline._stop_codes``) and its next row's start bounds
    (``last`` when there is none)."""
    known, follow_hi = follow[0], follow[2].astype(np.int64)
    state = data["state"][rows]
    start_lo = data["start_lo"][rows].astype(np.int64)
    has_next = after >= 0
    nxt = np.where(has_next, after, 0)
    next_lo = np.where(has_next, data["start_lo"][nxt].astype(np.int64), last)
    next_hi = np.where(has_next, data["start_hi"][nxt].astype(np.int64), last)
    # A stop not recorded lies between the start and the next start (or the last follow-up).
    open_hi = np.where(has_next, next_hi, np.where(known, follow_hi, last))
    dated_lo = np.maximum(data["stop_lo"][rows].astype(np.int64), start_lo)
    dated_hi = data["stop_hi"][rows].astype(np.int64)
    lo = np.where(state == 0, dated_lo, np.where(state == 1, last, start_lo))
    hi = np.where(state == 0, dated_hi, np.where(state == 1, last, np.maximum(start_lo, open_hi)))
    return lo, hi, next_lo, next_hi


def _censoring(  # noqa: PLR0917 - a private helper of one caller
    np: Any,
    data: dict[str, Any],
    index: dict[str, Any],
    follow: tuple[Any, Any, Any],
    censor_at: str,
    profile: dict[str, Any],
) -> tuple[Any, Any, Any]:
    """The earliest and latest day each index episode's latency is censored at, and whether
    there is one, as :func:`dmt_timeline.latency` works it out (``Timeline.treatment_end``)."""
    known = follow[0]
    follow_lo, follow_hi = follow[1].astype(np.int64), follow[2].astype(np.int64)
    last = np.int64(np.iinfo(np.int64).max)  # no bound: the last day there is
    n = len(index["rows"])
    lo, hi = np.full(n, last, dtype=np.int64), np.full(n, last, dtype=np.int64)
    if censor_at == "index end":
        code = data["therapy"][index["rows"]]
        redose, planned, carry = profile["redose"][code], profile["planned"][code], profile["carry"][code]
        # Past the last dose by the dosing interval, or by the carry-over after a course regimen.
        extra = np.where(planned >= 1, np.where(carry >= 0, carry, redose), np.maximum(redose, 0))
        lo_stop, _, lo_next, _ = _stop_bounds(np, data, index["last_lo"], index["after_lo"], follow, last)
        _, hi_stop, _, hi_next = _stop_bounds(np, data, index["last_hi"], index["after_hi"], follow, last)
        lo = np.minimum(_add_months(np, lo_stop, extra, last), lo_next)
        hi = np.minimum(_add_months(np, hi_stop, extra, last), hi_next)
    lo = np.where(known, np.minimum(lo, follow_lo), lo)
    hi = np.where(known, np.minimum(hi, follow_hi), hi)
    bounded = hi != last
    return np.where(bounded, lo, 0), np.where(bounded, hi, 0), bounded


def _positions(np: Any, person: Any) -> Any:
    """Each row's position among its patient's rows, in the table's order."""
    order = np.argsort(person, kind="stable")
    grouped = person[order]
    position = np.empty(len(person), dtype=np.int64)
    position[order] = np.arange(len(person)) - np.searchsorted(grouped, grouped)
    return position


def episode_latencies(  # noqa: PLR0915 - one pass over a whole table, step by step
    episodes: Any,
    observations: Any,
    *,
    index: Selector,
    outcomes: Sequence[str] | None = None,
    initiation: Literal["first", "last"] = "first",
    follow_up: Any = None,
    diagnoses: Any = None,
    censor_at: CensorAt = "index end",
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
    catalogue: Catalogue = CATALOGUE,
    regimens: Regimens = REGIMENS,
    partition_size: int = 250_000,
    output: Literal["arrow", "pandas"] = "arrow",
) -> Any:
    """Response latencies of a tidy episodes table, as :func:`dmt_timeline.cohort_latencies`
    gives them patient by patient.

    ``episodes`` has the columns :func:`episode_transitions` reads; ``observations`` those of
    :func:`dmt_timeline.io.tables.observations_table`, its ``episode`` the position of the
    observed episode among the patient's rows of ``episodes`` in their order (0-based, as
    ``episodes_table`` writes it); ``follow_up``, when given, those of
    :func:`dmt_timeline.io.tables.follow_up_table`; ``diagnoses``, when given, at least the
    ``patient_id`` and ``condition`` columns of :func:`dmt_timeline.io.tables.diagnoses_table`.
    For each patient who started ``index`` (a therapy name or alias, a
    :class:`~dmt_timeline.Therapy` or a :class:`~dmt_timeline.TherapyClass`; the first or last
    start in timeline order) and each outcome that concerns the patient (MS, or a comorbidity
    the patient is diagnosed with or has an observation of): the months from that start to the
    first response observed after it, or censored as ``censor_at`` says
    (:data:`dmt_timeline.latency.CENSOR_AT`), the index treatment ending as ``regimens`` says.
    ``outcomes`` defaults to those the observations and diagnoses name.

    Returns:
        The columns of :data:`dmt_timeline.io.tables.LATENCY_COLUMNS`, one row per patient
        and outcome, ordered by patient and then by ``outcomes``.

    Raises:
        InvalidValueError: as :func:`episode_transitions` for the episodes; naming the column
            and rows of an observation of an unknown patient, outcome or episode, with both or
            neither of a date and a stated latency, or of bounds that are no partial date, of
            a patient's follow-up given twice, and of an unknown condition.
        TimelineError: for an unknown outcome, initiation or ``censor_at``; listing the
            histories :meth:`Timeline.of <dmt_timeline.Timeline.of>` refuses, with its
            messages; listing the patients with no response observed and nothing to censor at.
    """
    if initiation not in ("first", "last"):
        raise TimelineError(f"initiation {initiation!r} is not one of 'first', 'last'")
    asked = None if outcomes is None else outcome_keys(outcomes)
    _check_censor_at(censor_at)
    np, pa, pc = _imports()
    data = _read_episodes(episodes, catalogue)
    _check_histories(data, max_overlap_months, catalogue, partition_size)
    ids = data["ids"]
    person = data["person"]
    counts = np.bincount(person, minlength=len(ids))
    keys: dict[Condition, list[Any]] = {}  # a condition's code, then each spelling read
    obs = _read_observations(np, pa, pc, observations, ids=ids, counts=counts, keys=keys)
    has_follow_up, follow_lo, follow_hi = _read_follow_up(np, pa, pc, follow_up, ids)
    diagnosis_person, diagnosis_code = _read_diagnoses(np, pa, pc, diagnoses, ids, keys=keys)
    if asked is None:
        named = set(obs["outcome"].tolist()) | set(diagnosis_code.tolist())
        outcomes = list(_in_order(s for entry in keys.values() if entry[0] in named for s in entry[1:]))
    else:
        outcomes = list(asked)
    wanted = [outcome_condition(o) for o in outcomes]
    for condition in wanted:
        keys.setdefault(condition, [len(keys)])
    # Which outcomes each patient has an observation of (of any episode) or a diagnosis of:
    # they concern the patient.
    seen = np.zeros((len(ids), len(keys)), dtype=bool)
    seen[obs["person"], obs["outcome"]] = True
    mine_diagnosed = diagnosis_person >= 0
    seen[diagnosis_person[mine_diagnosed], diagnosis_code[mine_diagnosed]] = True

    profile = therapy_profile(np, data["names"], catalogue, regimens)
    found = _index_rows(
        np, data, _matching(np, data["names"], index, catalogue), initiation, partition_size, profile
    )
    rows = found["rows"]
    who = person[rows]
    start_lo, start_hi = data["start_lo"][rows], data["start_hi"][rows]
    slot = np.full(len(ids), -1, dtype=np.int64)  # each patient's index row, by position in rows
    slot[who] = np.arange(len(rows))
    chosen = np.full(len(ids), -1, dtype=np.int64)  # each patient's index episode's position
    chosen[who] = _positions(np, person)[rows]
    # The observations of each patient's index episode, with their ranges from its start.
    at = np.flatnonzero(obs["episode"] == chosen[obs["person"]])
    k = slot[obs["person"][at]]
    dated, stated = obs["dated"][at], obs["months"][at]
    low = np.where(dated, np.maximum(whole_months_array(start_hi[k], obs["lo"][at]), 0), stated)
    high = np.where(dated, np.maximum(whole_months_array(start_lo[k], obs["hi"][at]), 0), stated)
    # Censored where the index treatment ends or follow-up does, the same way.
    end_lo, end_hi, bounded = _censoring(
        np, data, found, (has_follow_up[who], follow_lo[who], follow_hi[who]), censor_at, profile
    )
    censored_low = np.maximum(whole_months_array(start_hi, end_lo), 0)
    censored_high = np.maximum(whole_months_array(start_lo, end_hi), 0)

    n, m = len(rows), len(outcomes)
    months_low = np.zeros((n, m), dtype=np.int64)
    months_high = np.zeros((n, m), dtype=np.int64)
    observed = np.zeros((n, m), dtype=bool)
    concerns = np.ones((n, m), dtype=bool)
    for j, condition in enumerate(wanted):
        code = keys[condition][0]
        if condition != Condition.MULTIPLE_SCLEROSIS:  # MS concerns everyone; a comorbidity those seen in it
            concerns[:, j] = seen[who, code]
        mine = obs["outcome"][at] == code
        smallest_low = np.full(n, np.iinfo(np.int64).max)
        smallest_high = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(smallest_low, k[mine], low[mine])
        np.minimum.at(smallest_high, k[mine], high[mine])
        observed[:, j] = np.bincount(k[mine], minlength=n) > 0
        months_low[:, j] = np.where(observed[:, j], smallest_low, censored_low)
        months_high[:, j] = np.where(observed[:, j], smallest_high, censored_high)

    missing = concerns & ~observed & ~bounded[:, None]
    if missing.any():
        stuck = np.flatnonzero(missing.any(axis=1))
        problems = [
            f"patient {quoted(ids[int(who[i])].as_py())}: no "
            + ", ".join(outcomes[j] for j in np.flatnonzero(missing[i]).tolist())
            + " response observed after the index episode and no last_follow_up to censor at"
            for i in stuck[:_PROBLEMS_SHOWN].tolist()
        ]
        more = f"; and {len(stuck) - _PROBLEMS_SHOWN} more" if len(stuck) > _PROBLEMS_SHOWN else ""
        raise TimelineError(f"{len(stuck)} patient(s) without a latency: {'; '.join(problems)}{more}")

    # One row per patient and outcome that concerns them, outcomes in the order given.
    keep = concerns.reshape(-1)
    each = np.repeat(rows, m)[keep]
    table = pa.table(
        {
            "patient_id": ids.take(pa.array(person[each], pa.int64())),
            "outcome": pa.array(list(outcomes), pa.string()).take(
                pa.array(np.tile(np.arange(m), n)[keep], pa.int64())
            ),
            "months_low": pa.array(months_low.reshape(-1)[keep], pa.int64()),
            "months_high": pa.array(months_high.reshape(-1)[keep], pa.int64()),
            "observed": pa.array(observed.reshape(-1)[keep], pa.bool_()),
            "index_therapy": pa.array(data["names"], pa.string()).take(
                pa.array(data["therapy"][each], pa.int64())
            ),
            **_start(np, pa, pc, data, each, "index_start", None),
        }
    )
    return _output(table, output)
