"""Transfers of a tidy episodes table: how a source therapy reached each chosen start of a target."""

from __future__ import annotations

from typing import Any, Final, Literal

from dmt_timeline.batch._columns import _imports
from dmt_timeline.batch._episodes import _check_histories, _in_timeline_order, _read_episodes
from dmt_timeline.batch._partitions import _partitions
from dmt_timeline.batch._results import _output
from dmt_timeline.catalogue import CATALOGUE, Catalogue
from dmt_timeline.dates import Precision
from dmt_timeline.errors import TimelineError
from dmt_timeline.timeline import (
    DEFAULT_MAX_OVERLAP_MONTHS,
    Selector,
    TransferKind,
    resolve_selector,
    therapy_matches,
)

_KINDS: Final = (TransferKind.NONE, TransferKind.DIRECT, TransferKind.INDIRECT)  # by code
# Precision codes of _read_episodes (0 year, 1 month, 2 day), as episodes_table writes them.
_PRECISIONS: Final = (Precision.YEAR.value, Precision.MONTH.value, Precision.DAY.value)


def _matching(np: Any, names: list[str], selector: Selector, catalogue: Catalogue) -> Any:
    """Which therapy codes (indices into ``names``) a selector matches, as
    :func:`~dmt_timeline.timeline.episode_matches` matches episodes."""
    target = resolve_selector(selector)
    return np.array([therapy_matches(catalogue.get(name), target) for name in names] + [False])


def episode_transfers(
    source_table: Any,
    source: Selector,
    target: Selector,
    *,
    initiation: Literal["first", "last", "each"] = "first",
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
    catalogue: Catalogue = CATALOGUE,
    partition_size: int = 250_000,
    output: Literal["arrow", "pandas"] = "arrow",
) -> Any:
    """Transfers of a tidy episodes table, as :func:`dmt_timeline.transfer` gives them for each
    patient's timeline.

    ``source_table`` has the columns :func:`episode_transitions` reads. For each chosen start of
    ``target`` (the first, the last or each, in timeline order), the latest start of ``source``
    before it: ``direct`` when it comes immediately before, ``indirect`` with the episodes
    between, ``none`` when there is none. ``source`` and ``target`` are therapy names or aliases,
    :class:`~dmt_timeline.Therapy` or :class:`~dmt_timeline.TherapyClass`.

    Returns:
        The columns of :data:`dmt_timeline.io.tables.TRANSFER_COLUMNS`, one row per chosen
        start, ordered by patient and then by timeline; patients who never started the target
        have no row.

    Raises:
        InvalidValueError: as :func:`episode_transitions`, for a table that is not one.
        TimelineError: for an ``initiation`` other than first, last or each; listing the
            histories :meth:`Timeline.of <dmt_timeline.Timeline.of>` refuses, with its messages.
    """
    if initiation not in ("first", "last", "each"):
        raise TimelineError(f"initiation {initiation!r} is not one of 'first', 'last', 'each'")
    np, pa, pc = _imports()
    data = _read_episodes(source_table, catalogue)
    _check_histories(data, max_overlap_months, catalogue, partition_size)
    names = data["names"]
    wanted = (_matching(np, names, source, catalogue), _matching(np, names, target, catalogue))
    labels = (data["ids"], pa.array(names, pa.string()))
    person = data["person"]
    targets_of = np.bincount(person[wanted[1][data["therapy"]]], minlength=len(data["ids"]))  # per patient
    parts = [
        _transfers(
            np, pa, pc, data, _in_timeline_order(np, data, part), wanted, targets_of, initiation, labels
        )
        for part in _partitions(np, person, partition_size)
    ]
    if not parts:  # an empty table: no row, but every column
        parts = [_transfers(np, pa, pc, data, np.arange(0), wanted, targets_of, initiation, labels)]
    return _output(pa.concat_tables(parts), output)


def _transfers(  # noqa: PLR0917 - a private helper of one caller
    np: Any,
    pa: Any,
    pc: Any,
    data: dict[str, Any],
    rows: Any,
    wanted: tuple[Any, Any],
    targets_of: Any,
    initiation: str,
    labels: tuple[Any, Any],
) -> Any:
    """The transfers of one partition, its ``rows`` in timeline order."""
    person, therapy = data["person"][rows], data["therapy"][rows]
    is_source, is_target = wanted[0][therapy], wanted[1][therapy]
    position = np.arange(len(rows))
    new_patient = np.ones(len(rows), dtype=bool)
    new_patient[1:] = person[1:] != person[:-1]
    first_row = np.maximum.accumulate(np.where(new_patient, position, 0))
    # The latest source row strictly before each row, within its patient (-1 for none).
    latest = np.maximum.accumulate(np.where(is_source, position, -1))
    before = np.concatenate([[-1], latest[:-1]]).astype(np.int64)
    before = np.where(before >= first_row, before, -1)
    # Each target start's rank among its patient's target starts (1 for the first).
    seen = np.cumsum(is_target)
    rank = seen - (seen[first_row] - is_target[first_row]) if len(rows) else seen
    if initiation == "first":
        chosen = is_target & (rank == 1)
    elif initiation == "last":
        chosen = is_target & (rank == targets_of[person])
    else:
        chosen = is_target
    at = position[chosen]
    src = before[chosen]
    has_source = src >= 0
    kind = np.where(has_source, np.where(src == at - 1, 1, 2), 0)
    via_count = np.where(has_source, at - src - 1, 0)
    # The episodes between source and target, one list per transfer: rows src+1 .. at-1.
    offsets = np.concatenate([[0], np.cumsum(via_count)]).astype(np.int64)
    flat = np.repeat(src + 1 - offsets[:-1], via_count) + np.arange(offsets[-1])
    ids, names = labels
    between = pa.ListArray.from_arrays(
        pa.array(offsets, pa.int32()), names.take(pa.array(therapy[flat], pa.int64()))
    )
    none = pa.array(~has_source)
    source_at = np.where(has_source, src, at)  # any row of the patient: masked out below
    columns = {
        "patient_id": ids.take(pa.array(person[at], pa.int64())),
        "kind": pa.array([k.value for k in _KINDS]).take(pa.array(kind, pa.int64())),
        "source_therapy": pc.if_else(none, None, names.take(pa.array(therapy[source_at], pa.int64()))),
        **_start(np, pa, pc, data, rows[source_at], "source_start", none),
        "target_therapy": names.take(pa.array(therapy[at], pa.int64())),
        **_start(np, pa, pc, data, rows[at], "target_start", None),
        "via": pc.binary_join(between, ";"),
        "via_count": pa.array(via_count, pa.int64()),
    }
    return pa.table(columns)


def _start(  # noqa: PLR0917 - a private helper of one caller
    np: Any, pa: Any, pc: Any, data: dict[str, Any], rows: Any, name: str, none: Any
) -> dict[str, Any]:
    """A start's earliest and latest day and its precision, as ``episodes_table`` writes them;
    null where ``none`` says there is no episode."""
    found = {
        f"{name}_earliest": pa.array(data["start_lo"][rows].astype(np.int32), pa.int32()).cast(pa.date32()),
        f"{name}_latest": pa.array(data["start_hi"][rows].astype(np.int32), pa.int32()).cast(pa.date32()),
        f"{name}_precision": pa.array(_PRECISIONS, pa.string()).take(
            pa.array(data["start_prec"][rows], pa.int64())
        ),
    }
    if none is None:
        return found
    return {key: pc.if_else(none, None, value) for key, value in found.items()}
