"""Response latencies of a tidy episodes table, with its observations and last follow-ups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal

from dmt_timeline.batch._classify import whole_months_array
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
from dmt_timeline.batch._episodes import _dates, _in_timeline_order, _read_episodes
from dmt_timeline.batch._partitions import _partitions
from dmt_timeline.batch._patient_ids import _id_codes, _patient
from dmt_timeline.batch._reading import read_table
from dmt_timeline.batch._results import _output
from dmt_timeline.batch._transfers import _matching, _start
from dmt_timeline.catalogue import CATALOGUE, Catalogue
from dmt_timeline.errors import InvalidValueError, TimelineError
from dmt_timeline.latency import _OUTCOME_KEYS
from dmt_timeline.model import MAX_LATENCY_MONTHS
from dmt_timeline.timeline import Selector

_OBSERVATION_COLUMNS: Final = (
    "patient_id",
    "episode",
    "outcome",
    "date_earliest",
    "date_latest",
    "latency_months",
)
_FOLLOW_UP_COLUMNS: Final = ("patient_id", "last_follow_up_earliest", "last_follow_up_latest")
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


def _read_observations(np: Any, pa: Any, pc: Any, source: Any, *, ids: Any, counts: Any) -> dict[str, Any]:
    """An observations table as integer columns: the patient's code, the episode's position,
    the outcome's code into ``_OUTCOME_KEYS``, the date's bounds or the stated latency."""
    table = read_table(source, _OBSERVATION_COLUMNS)
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
    outcome = pc.index_in(
        _text(pa, pc, table["outcome"], "outcome"), value_set=pa.array(_OUTCOME_KEYS, pa.string())
    )
    outcome_code = np.asarray(pc.fill_null(outcome, -1).to_numpy(False), dtype=np.int64)
    if (outcome_code < 0).any():
        known = ", ".join(repr(k) for k in _OUTCOME_KEYS)
        raise InvalidValueError(f"column outcome: not one of {known} at row(s) {_rows(np, outcome_code < 0)}")
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
    table = read_table(source, _FOLLOW_UP_COLUMNS)
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


def _index_rows(np: Any, data: dict[str, Any], wanted: Any, initiation: str, partition_size: int) -> Any:
    """Rows of the index episodes, one per patient who has one, in patient order."""
    person = data["person"]
    chosen = []
    for part in _partitions(np, person, partition_size):
        rows = _in_timeline_order(np, data, part)
        rows = rows[wanted[data["therapy"][rows]]]
        p = person[rows]
        edge = np.ones(len(rows), dtype=bool)
        if initiation == "first":
            edge[1:] = p[1:] != p[:-1]
        else:
            edge[:-1] = p[1:] != p[:-1]
        chosen.append(rows[edge])
    return np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)


def _positions(np: Any, person: Any) -> Any:
    """Each row's position among its patient's rows, in the table's order."""
    order = np.argsort(person, kind="stable")
    grouped = person[order]
    position = np.empty(len(person), dtype=np.int64)
    position[order] = np.arange(len(person)) - np.searchsorted(grouped, grouped)
    return position


def episode_latencies(
    episodes: Any,
    observations: Any,
    *,
    index: Selector,
    outcomes: Sequence[str] = ("MS", "psoriasis"),
    initiation: Literal["first", "last"] = "first",
    follow_up: Any = None,
    catalogue: Catalogue = CATALOGUE,
    partition_size: int = 250_000,
    output: Literal["arrow", "pandas"] = "arrow",
) -> Any:
    """Response latencies of a tidy episodes table, as :func:`dmt_timeline.cohort_latencies`
    gives them patient by patient.

    ``episodes`` has the columns :func:`episode_transitions` reads; ``observations`` those of
    :func:`dmt_timeline.io.tables.observations_table`, its ``episode`` the position of the
    observed episode among the patient's rows of ``episodes`` in their order (0-based, as
    ``episodes_table`` writes it); ``follow_up``, when given, those of
    :func:`dmt_timeline.io.tables.follow_up_table`. For each patient who started ``index`` (a
    therapy name or alias, a :class:`~dmt_timeline.Therapy` or a
    :class:`~dmt_timeline.TherapyClass`; the first or last start in timeline order) and each
    outcome: the months from that start to the first response observed after it, or censored
    at the last follow-up.

    Returns:
        The columns of :data:`dmt_timeline.io.tables.LATENCY_COLUMNS`, one row per patient
        and outcome, ordered by patient and then by ``outcomes``.

    Raises:
        InvalidValueError: as :func:`episode_transitions` for the episodes; naming the column
            and rows of an observation of an unknown patient, outcome or episode, with both or
            neither of a date and a stated latency, or of bounds that are no partial date, and
            of a patient's follow-up given twice.
        TimelineError: for an unknown outcome or initiation; listing the patients with no
            response observed and no last follow-up to censor at.
    """
    if initiation not in ("first", "last"):
        raise TimelineError(f"initiation {initiation!r} is not one of 'first', 'last'")
    for outcome in outcomes:
        if outcome not in _OUTCOME_KEYS:
            known = ", ".join(repr(k) for k in _OUTCOME_KEYS)
            raise TimelineError(f"outcome {outcome!r} is not one of {known}")
    np, pa, pc = _imports()
    data = _read_episodes(episodes, catalogue)
    ids = data["ids"]
    person = data["person"]
    counts = np.bincount(person, minlength=len(ids))
    obs = _read_observations(np, pa, pc, observations, ids=ids, counts=counts)
    has_follow_up, follow_lo, follow_hi = _read_follow_up(np, pa, pc, follow_up, ids)

    rows = _index_rows(np, data, _matching(np, data["names"], index, catalogue), initiation, partition_size)
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
    # Censored at the last follow-up, the same way.
    censored_low = np.maximum(whole_months_array(start_hi, follow_lo[who]), 0)
    censored_high = np.maximum(whole_months_array(start_lo, follow_hi[who]), 0)

    n, m = len(rows), len(outcomes)
    months_low = np.zeros((n, m), dtype=np.int64)
    months_high = np.zeros((n, m), dtype=np.int64)
    observed = np.zeros((n, m), dtype=bool)
    for j, outcome in enumerate(outcomes):
        mine = obs["outcome"][at] == _OUTCOME_KEYS.index(outcome)
        smallest_low = np.full(n, np.iinfo(np.int64).max)
        smallest_high = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(smallest_low, k[mine], low[mine])
        np.minimum.at(smallest_high, k[mine], high[mine])
        observed[:, j] = np.bincount(k[mine], minlength=n) > 0
        months_low[:, j] = np.where(observed[:, j], smallest_low, censored_low)
        months_high[:, j] = np.where(observed[:, j], smallest_high, censored_high)

    missing = ~observed & ~has_follow_up[who][:, None]
    if missing.any():
        stuck = np.flatnonzero(missing.any(axis=1))
        problems = [
            f"patient {_patient(ids[int(who[i])].as_py())}: no "
            + ", ".join(outcomes[j] for j in np.flatnonzero(missing[i]).tolist())
            + " response observed after the index episode and no last_follow_up to censor at"
            for i in stuck[:_PROBLEMS_SHOWN].tolist()
        ]
        more = f"; and {len(stuck) - _PROBLEMS_SHOWN} more" if len(stuck) > _PROBLEMS_SHOWN else ""
        raise TimelineError(f"{len(stuck)} patient(s) without a latency: {'; '.join(problems)}{more}")

    each = np.repeat(rows, m)  # one row per patient and outcome, outcomes in the order given
    table = pa.table(
        {
            "patient_id": ids.take(pa.array(person[each], pa.int64())),
            "outcome": pa.array(list(outcomes), pa.string()).take(
                pa.array(np.tile(np.arange(m), n), pa.int64())
            ),
            "months_low": pa.array(months_low.reshape(-1), pa.int64()),
            "months_high": pa.array(months_high.reshape(-1), pa.int64()),
            "observed": pa.array(observed.reshape(-1), pa.bool_()),
            "index_therapy": pa.array(data["names"], pa.string()).take(
                pa.array(data["therapy"][each], pa.int64())
            ),
            **_start(np, pa, pc, data, each, "index_start", None),
        }
    )
    return _output(table, output)
