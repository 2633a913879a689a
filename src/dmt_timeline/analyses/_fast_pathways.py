"""Pathway counts with numpy for the patients the rules leave as they are.

A patient's pathway is simply the steps in start order (filtered and cut to length) when every
start is a known day, no two starts share a day, and no rule of
:mod:`dmt_timeline.analyses.pathways` changes an era: none is dropped as too short, no two eras
of a step are close enough to collapse, no two eras overlap by the combination window. Those
patients are counted here over arrays; every other patient goes through the general rules, so
the counts are the general path's (the tests hold the two equal). A table this cannot read as
it is (text dates, nulls, bad values) is left to the general path whole, which names the row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dmt_timeline.batch._partitions import _order

if TYPE_CHECKING:
    from dmt_timeline.analyses.pathways import PathwaySettings

_OPEN = 2**40  # the stop of an era with no stop date, beyond every day
_STATES = ("date", "ongoing", "not recorded")


def _arrow(table: Any, needed: tuple[str, ...]) -> Any:
    """The needed columns as a pyarrow Table, or None."""
    try:
        import pyarrow as pa  # noqa: PLC0415 - the tables extra
    except ImportError:
        return None
    from dmt_timeline.io.tables import TidyTable  # noqa: PLC0415

    if isinstance(table, TidyTable):
        table = table.to_arrow()
    elif not isinstance(table, pa.Table):
        try:
            table = pa.Table.from_pandas(table[list(needed)], preserve_index=False)
        except (pa.ArrowException, KeyError, TypeError, ValueError, AttributeError):
            return None
    if any(name not in table.column_names for name in needed):
        return None
    return table.select(list(needed))


def _first_rows(np: Any, pid: Any) -> Any:
    """Whether each row is its patient's first (rows grouped by patient)."""
    return np.r_[True, pid[1:] != pid[:-1]][: pid.size]


def _read(table: Any, settings: PathwaySettings) -> dict[str, Any] | None:
    """The columns as numpy arrays (days since 1970-01-01, text as codes), or None."""
    import numpy as np  # noqa: PLC0415
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    step_column = "therapy" if settings.level == "ingredient" else "therapy_class"
    texts = ("patient_id", step_column, "stop_state")
    dates = ("start_earliest", "start_latest", "stop_earliest", "stop_latest")
    table = _arrow(table, (*texts, *dates))
    if table is None:
        return None
    for name in texts:  # text, or text codes (as the batch engine writes ids and therapies)
        kind = table[name].type
        if not pa.types.is_string(kind) and not (
            pa.types.is_dictionary(kind) and pa.types.is_string(kind.value_type)
        ):
            return None
        if table[name].null_count:
            return None
    if any(not pa.types.is_date32(table[n].type) for n in dates):
        return None
    if table["start_earliest"].null_count or table["start_latest"].null_count:
        return None

    def days(name: str) -> Any:
        return np.asarray(
            pc.fill_null(table[name].cast(pa.int32()), -(2**31)).to_numpy(False), dtype=np.int64
        )

    def codes(name: str) -> tuple[Any, Any]:
        column = table[name].combine_chunks()
        if not pa.types.is_dictionary(column.type) or pc.count_distinct(column.dictionary).as_py() < len(
            column.dictionary
        ):  # one code per text: a dictionary that repeats a text is encoded again
            column = pc.dictionary_encode(column.cast(pa.string()))
        return np.asarray(column.indices.to_numpy(False), dtype=np.int64), column.dictionary

    step, names = codes(step_column)
    state = pc.fill_null(pc.index_in(table["stop_state"], value_set=pa.array(_STATES)), -1)
    out = {
        "table": table,
        "pid": codes("patient_id")[0],
        "step": step,
        "names": names,
        "s_lo": days("start_earliest"),
        "s_hi": days("start_latest"),
        "raw_lo": days("stop_earliest"),
        "raw_hi": days("stop_latest"),
        "state": np.asarray(state.to_numpy(False), np.int64),
    }
    out["missing"] = out["raw_lo"] == -(2**31)
    dated = out["state"] == 0
    if (
        (out["state"] < 0).any()
        or (out["s_hi"] < out["s_lo"]).any()
        or (dated & (out["missing"] | (out["raw_hi"] < out["raw_lo"]))).any()
    ):
        return None  # the general path names the row
    return out


def _eras(np: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The eras as the general path builds them (its ``_eras_by_patient``), by patient and start;
    ``order`` gives each one's row."""
    order = _order(np, data["pid"], data["s_lo"])
    pid, s_lo, s_hi = data["pid"][order], data["s_lo"][order], data["s_hi"][order]
    raw_lo, raw_hi, state = data["raw_lo"][order], data["raw_hi"][order], data["state"][order]
    known = np.where(data["missing"][order], s_lo, raw_lo)
    first = _first_rows(np, pid)
    # An ongoing era lasts at least to the latest day the patient's dates certainly reach.
    record_end = np.maximum.reduceat(np.maximum(s_lo, known), np.flatnonzero(first)) if pid.size else s_lo
    end = record_end[np.cumsum(first) - 1] if pid.size else s_lo
    return {
        "order": order,
        "pid": pid,
        "step": data["step"][order],
        "s_lo": s_lo,
        "s_hi": s_hi,
        "e_lo": np.select([state == 0, state == 1], [np.maximum(raw_lo, s_lo), np.maximum(end, s_lo)], s_lo),
        "e_hi": np.where(state == 0, np.maximum(raw_hi, s_hi), _OPEN),
    }


def _changed(np: Any, eras: dict[str, Any], settings: PathwaySettings) -> Any:
    """Per era, whether its patient has an era some rule may change, or starts it can tie."""
    pid, step, s_lo, e_lo = eras["pid"], eras["step"], eras["s_lo"], eras["e_lo"]
    same = ~_first_rows(np, pid)
    odd = (s_lo != eras["s_hi"]) | (eras["e_hi"] - s_lo < settings.min_era_days)
    odd |= same & (s_lo == np.r_[0, s_lo[:-1]][: pid.size])  # one start day: the rules order them
    # Eras of one step close enough to collapse.
    by_step = _order(np, pid, step, s_lo)
    p, t, s, e = pid[by_step], step[by_step], s_lo[by_step], e_lo[by_step]
    gap = np.maximum(s[1:] - e[:-1], s[:-1] - e[1:])
    odd[by_step[1:][(p[1:] == p[:-1]) & (t[1:] == t[:-1]) & (gap <= settings.era_collapse_days)]] = True
    # The longest certain overlap with an earlier era (of any step, to be safe):
    # min(latest earlier e_lo, own e_lo) - own start, the latest taken within each patient.
    if pid.size:
        span = 2**32
        earlier = np.maximum.accumulate(e_lo + 2**31 + pid * span) - pid * span - 2**31
        overlap = np.minimum(np.r_[0, earlier[:-1]], e_lo) - s_lo
        odd |= same & (overlap >= settings.combination_window_days)
    bad = np.zeros(int(pid.max()) + 1 if pid.size else 0, dtype=bool)
    bad[pid[odd]] = True
    return bad[pid]


def _simple_paths(
    np: Any, pid: Any, step: Any, s_lo: Any, *, names: Any, settings: PathwaySettings
) -> tuple[Counter[tuple[str | None, str]], list[int], list[int]]:
    """Counts of the steps in start order, filtered and cut; patients and steps at each stage."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    from dmt_timeline.analyses.pathways import STEP_SEPARATOR  # noqa: PLC0415

    n = int(_first_rows(np, pid).sum())
    sizes = [int(pid.size)] * 4  # input, min_era_days, era_collapse_days, combination_window_days
    if settings.filter_treatments == "changes":
        keep = _first_rows(np, pid) | (step != np.r_[-1, step[:-1]][: pid.size])
        pid, step = pid[keep], step[keep]
    elif settings.filter_treatments == "first":
        by_step = _order(np, pid, step, s_lo)
        keep = np.zeros(pid.size, dtype=bool)
        keep[by_step[_first_rows(np, pid[by_step] * (int(step.max(initial=0)) + 1) + step[by_step])]] = True
        pid, step = pid[keep], step[keep]
    sizes.append(int(pid.size))
    first = _first_rows(np, pid)
    starts = np.flatnonzero(first)
    rank = np.arange(pid.size) - np.repeat(starts, np.diff(np.r_[starts, pid.size]))
    cut = rank < settings.max_path_length
    pid, step, rank, slot = pid[cut], step[cut], rank[cut], (np.cumsum(first) - 1)[cut]
    sizes.append(int(pid.size))
    tally: Counter[tuple[str | None, str]] = Counter()
    if pid.size:
        # Each path as a row of step codes (-1 past its end): the distinct rows are the pathways.
        matrix = np.full((int(slot[-1]) + 1, int(rank.max()) + 1), -1, dtype=np.int64)
        matrix[slot, rank] = step
        paths, counts = _distinct_rows(np, matrix, len(names))
        # Their texts joined by Arrow, one list of step names per distinct pathway.
        used = paths >= 0
        offsets = np.r_[0, np.cumsum(used.sum(axis=1))].astype(np.int32)
        steps = names.take(pa.array(paths[used], pa.int64()))
        texts = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), steps), STEP_SEPARATOR)
        tally.update(dict(zip(((None, t) for t in texts.to_pylist()), counts.tolist(), strict=True)))
    return tally, [n] * 6, sizes


def _distinct_rows(np: Any, matrix: Any, n_codes: int) -> tuple[Any, Any]:
    """The distinct rows of a matrix of codes in [-1, n_codes), in order, and how often each
    occurs: each row read as one number in base n_codes + 1, the digits so far replaced by
    their rank whenever the next would overflow (sorting numbers is far quicker than rows)."""
    base = n_codes + 1
    key = np.zeros(matrix.shape[0], dtype=np.int64)
    for column in range(matrix.shape[1]):
        if (int(key.max(initial=0)) + 1) * base >= 2**62:
            key = np.unique(key, return_inverse=True)[1].reshape(-1)  # ranks keep the order
        key = key * base + (matrix[:, column] + 1)
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    return matrix[first], counts


def fast_tally(
    table: Any, settings: PathwaySettings, general: Callable[[Any], Any]
) -> tuple[Counter[tuple[str | None, str]], list[tuple[Any, ...]]] | None:
    """The counts and attrition of :func:`pathway_counts` with no index window and no strata,
    or None for a table only the general path reads; ``general(table)`` counts the rest."""
    import numpy as np  # noqa: PLC0415
    import pyarrow as pa  # noqa: PLC0415

    data = _read(table, settings)
    if data is None:
        return None
    eras = _eras(np, data)
    bad = _changed(np, eras, settings)
    good = ~bad
    tally, patients, sizes = _simple_paths(
        np, eras["pid"][good], eras["step"][good], eras["s_lo"][good], names=data["names"], settings=settings
    )
    stages = [
        ("input", ""),
        ("min_era_days", str(settings.min_era_days)),
        ("era_collapse_days", str(settings.era_collapse_days)),
        ("combination_window_days", str(settings.combination_window_days)),
        ("filter_treatments", settings.filter_treatments),
        ("max_path_length", str(settings.max_path_length)),
    ]
    attrition = [(i + 1, *stage, patients[i], sizes[i]) for i, stage in enumerate(stages)]
    if bad.any():
        rows = np.sort(eras["order"][bad])  # the general path reads each patient's rows in table order
        rest, general_attrition = general(data["table"].take(pa.array(rows, pa.int64())))
        tally.update(rest)
        attrition = [
            (*ours[:3], ours[3] + theirs[3], ours[4] + theirs[4])
            for ours, theirs in zip(attrition, general_attrition, strict=True)
        ]
    return tally, attrition
