"""Cohort-level era building and transition classification over columns, not objects.

The object model (:class:`~dmt_timeline.Timeline`) answers one patient at a time; claims and
registry tables hold millions of rows. This module gives the same answers for a whole table
with numpy over integer day numbers (days since 1970-01-01, Arrow's ``date32``), one
partition of patients at a time, without building one Python object per row:

- :func:`exposure_transitions` reads a long exposure table (pandas, pyarrow, Parquet or CSV),
  builds eras with the rule of :func:`dmt_timeline.io.build_episodes` (its window function is
  reused, not restated) and classifies the transitions between them;
- :func:`episode_transitions` classifies transitions of a tidy episodes table with partial
  dates (the columns of :func:`dmt_timeline.io.tables.episodes_table`), indeterminate cases
  included, in the order :class:`~dmt_timeline.Timeline` normalises episodes into;
- :func:`whole_months_array` and :func:`classify_arrays` are the vectorised forms of
  :func:`dmt_timeline.whole_months` and of the timeline's classification; the tests hold them
  to exact agreement with the scalar definitions.

numpy and pyarrow are the extra ``tables``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from dmt_timeline.catalogue import CATALOGUE, Catalogue, Therapy
from dmt_timeline.errors import InvalidValueError, TimelineError, UnknownTherapyError
from dmt_timeline.io._frames import TABLES_EXTRA
from dmt_timeline.io.exposures import DEFAULT_PERSISTENCE_DAYS, ExposureColumns, _window
from dmt_timeline.model import StopState, parse_reasons
from dmt_timeline.timeline import (
    DEFAULT_GRACE_MONTHS,
    DEFAULT_MAX_OVERLAP_MONTHS,
    Change,
    TransitionKind,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pyarrow as pa

    IntArray = npt.NDArray[np.int64]
    BoolArray = npt.NDArray[np.bool_]

__all__ = [
    "BATCH_COLUMNS",
    "KINDS",
    "BatchResult",
    "classify_arrays",
    "dask_exposure_transitions",
    "episode_transitions",
    "exposure_transitions",
    "partition_by_patient",
    "read_table",
    "whole_months_array",
]

BATCH_COLUMNS: Final = ExposureColumns(start="start", end="end", stop_reason="reason")
"""The default columns of a long exposure table here: person_id, drug, start, end, reason."""

KINDS: Final = (
    TransitionKind.DIRECT,
    TransitionKind.LAG,
    TransitionKind.OVERLAP,
    TransitionKind.INDETERMINATE,
)
"""The transition kinds by the integer codes :func:`classify_arrays` returns."""

_MAX_DAY: Final = 2932896  # datetime.date.max in days since 1970-01-01: an unbounded stop
_PROBLEMS_SHOWN: Final = 10


def _imports() -> tuple[Any, Any, Any]:
    try:
        import numpy as np  # noqa: PLC0415 - an optional extra, imported on use
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.compute as pc  # noqa: PLC0415
    except ImportError:
        raise ImportError(f"the batch engine needs numpy and pyarrow: {TABLES_EXTRA}") from None
    return np, pa, pc


# -- the vectorised rules --------------------------------------------------------------------


def whole_months_array(start: IntArray, stop: IntArray) -> IntArray:
    """:func:`dmt_timeline.whole_months` over arrays of days since 1970-01-01.

    The month ordinal difference, less one when the day of the month has not come round
    again; truncated towards zero, so antisymmetric.
    """
    np, _, _ = _imports()
    a = np.asarray(start, dtype="datetime64[D]")
    b = np.asarray(stop, dtype="datetime64[D]")
    a_month, b_month = a.astype("datetime64[M]"), b.astype("datetime64[M]")
    a_day, b_day = (a - a_month).astype(np.int64), (b - b_month).astype(np.int64)
    months = (b_month - a_month).astype(np.int64)
    forward = months - (b_day < a_day)
    backward = months + (a_day < b_day)  # -(whole_months(stop, start))
    result: IntArray = np.where(b >= a, forward, backward)
    return result


def classify_arrays(
    stop_lo: IntArray,
    stop_hi: IntArray,
    start_lo: IntArray,
    start_hi: IntArray,
    bounded: BoolArray,
    *,
    grace: int,
) -> tuple[IntArray, IntArray, IntArray]:
    """The timeline's classification of transitions, over arrays of days since 1970-01-01.

    ``stop_lo``/``stop_hi`` bound the earlier episode's stop, ``start_lo``/``start_hi`` the
    next start; ``bounded`` says the stop was not recorded, so it lies before the next start.

    Returns:
        ``gap_low``, ``gap_high`` (whole months) and the kind as an index into :data:`KINDS`.
    """
    np, _, _ = _imports()
    overlap = ~bounded & (start_lo < stop_hi)
    gapless = start_hi >= stop_lo
    least = np.where(start_lo <= stop_hi, 0, whole_months_array(stop_hi, start_lo))
    most = whole_months_array(stop_lo, start_hi)
    low = np.where(bounded, least, whole_months_array(stop_hi, start_lo))
    direct = gapless & (least <= grace)
    lag = gapless & (most > grace)
    count = overlap.astype(np.int64) + direct + lag
    kind = np.where(count > 1, 3, np.where(direct, 0, np.where(lag, 1, 2)))
    return low, most, kind.astype(np.int64)


# -- reading tables --------------------------------------------------------------------------


def read_table(source: Any, names: tuple[str, ...] | None = None, optional: tuple[str, ...] = ()) -> pa.Table:
    """A pyarrow Table from a pyarrow Table, a pandas DataFrame, or a Parquet or CSV path.

    ``names`` must be present; from Parquet only ``names`` and ``optional`` are read.

    CSV text is read as text (no type guessing); dates are parsed later, strictly.
    """
    _, pa, _ = _imports()
    if isinstance(source, pa.Table):
        table = source
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.suffix.lower() == ".csv":
            import pyarrow.csv as pacsv  # noqa: PLC0415

            header = pacsv.read_csv(path, read_options=pacsv.ReadOptions(skip_rows_after_names=0)).schema
            types = {name: pa.string() for name in header.names}
            table = pacsv.read_csv(
                path,
                convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True),
            )
        else:
            import pyarrow.parquet as pq  # noqa: PLC0415

            present = set(pq.read_schema(path).names)
            wanted = None if names is None else [n for n in (*names, *optional) if n in present]
            table = pq.read_table(path, columns=wanted)
    elif hasattr(source, "to_arrow") and not hasattr(source, "iloc"):
        table = source.to_arrow()
    else:
        table = pa.Table.from_pandas(source, preserve_index=False)
    if names is not None:
        missing = [n for n in names if n not in table.column_names]
        if missing:
            raise InvalidValueError(f"table: column(s) {', '.join(missing)} missing")
    return table


def _rows(np: Any, mask: Any) -> str:
    rows = (np.flatnonzero(mask)[:_PROBLEMS_SHOWN] + 1).tolist()
    more = int(mask.sum()) - len(rows)
    return ", ".join(map(str, rows)) + (f" and {more} more" if more > 0 else "")


class _RowError(InvalidValueError):
    """A problem at rows of one batch; :meth:`at` numbers them in the whole table."""

    def __init__(self, template: str, mask: Any) -> None:
        super().__init__(template.format(rows=_rows(_imports()[0], mask)))
        self.template, self.mask = template, mask

    def at(self, offset: int) -> InvalidValueError:
        np = _imports()[0]
        return InvalidValueError(
            self.template.format(rows=_rows(np, np.r_[np.zeros(offset, bool), self.mask]))
        )


def _days(np: Any, pa: Any, pc: Any, column: Any, name: str) -> Any:
    """Days since 1970-01-01 as int32, from date, timestamp or ISO text columns."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        text = pc.utf8_trim_whitespace(column)
        bad = pc.invert(pc.fill_null(pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}$"), True))
        if pc.any(bad).as_py():
            mask = np.asarray(bad.to_numpy(False), dtype=bool)
            raise _RowError(f"column {name}: not a whole date (YYYY-MM-DD) at row(s) {{rows}}", mask)
        try:
            column = pc.cast(text, pa.date32())
        except pa.ArrowInvalid:
            raise InvalidValueError(f"column {name}: a date that does not exist (such as 02-30)") from None
    elif pa.types.is_timestamp(column.type):
        floor = pc.floor_temporal(column, unit="day")
        if not pc.all(pc.equal(floor, column)).as_py():
            raise InvalidValueError(f"column {name}: a time of day other than midnight")
        column = pc.cast(column, pa.date32())
    elif not pa.types.is_date32(column.type):
        column = pc.cast(column, pa.date32())
    if column.null_count:
        mask = np.asarray(pc.is_null(column).to_numpy(False), dtype=bool)
        raise _RowError(f"column {name}: blank at row(s) {{rows}}", mask)
    return np.asarray(pc.cast(column, pa.int32()).to_numpy(False), dtype=np.int32)


def _text(pa: Any, pc: Any, column: Any) -> Any:
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = pc.cast(column, pa.string())
    return pc.utf8_trim_whitespace(column)


def _encode(np: Any, pa: Any, pc: Any, column: Any) -> tuple[Any, list[Any]]:
    """Codes into the sorted distinct values (so that code order is value order)."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    values = encoded.dictionary
    order = np.asarray(pc.sort_indices(values).to_numpy(False), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int32)  # int32 codes: half the memory of int64
    rank[order] = np.arange(len(order), dtype=np.int32)
    codes = rank[np.asarray(pc.fill_null(encoded.indices, 0).to_numpy(False))]
    return codes, values.take(pa.array(order)).to_pylist()


# -- results ---------------------------------------------------------------------------------


@attrs.frozen
class BatchResult:
    """What :func:`exposure_transitions` gave.

    Attributes:
        episodes: One row per era: ``patient_id``, ``line`` (1 = first), ``therapy``,
            ``start``, ``stop`` (``date32``), ``reasons`` (codes joined by ``;``), ``exposures``.
        transitions: One row per pair of consecutive eras: ``patient_id``, ``position``,
            ``before_therapy``, ``after_therapy``, ``kind``, ``change``, ``gap_low``,
            ``gap_high``, ``grace_months``.
        unknown: Drugs the catalogue does not know, with their counts (skipped).
        windows: The persistence window used for each therapy, in days.

    Text columns are dictionary-encoded (categorical in pandas) and whole numbers ``int32``:
    a few bytes a row, so that the output stays smaller than the input.
    """

    episodes: Any
    transitions: Any
    unknown: tuple[tuple[str, int], ...] = ()
    windows: tuple[tuple[str, int], ...] = ()


def _output(table: Any, output: Literal["arrow", "pandas"]) -> Any:
    if output == "pandas":
        return table.to_pandas()
    if output != "arrow":
        raise InvalidValueError(f"output {output!r} is not 'arrow' or 'pandas'")
    return table


def _partitions(np: Any, person: Any, size: int) -> Iterator[Any]:
    """Row indices grouped by person (in person order), ``size`` persons at a time."""
    if size < 1:
        raise InvalidValueError(f"partition_size {size} is not a whole number >= 1")
    n_persons = int(person.max()) + 1 if len(person) else 0
    if n_persons <= size:
        yield np.arange(len(person))
        return
    order = np.argsort(person, kind="stable")
    bounds = np.searchsorted(person[order], np.arange(0, n_persons + size, size))
    for lo, hi in itertools.pairwise(bounds):
        if hi > lo:
            yield np.sort(order[lo:hi])


def _sort_key(np: Any, *keys: tuple[Any, int]) -> Any:
    """An int64 key ordering rows by ``keys`` (most significant first), each ``(values, span)``;
    None when it would overflow (the caller then uses np.lexsort)."""
    total = 1
    for _, span in keys:
        total *= max(span, 1)
    if total >= 2**62:
        return None
    key = np.zeros(len(keys[0][0]), dtype=np.int64)
    for values, span in keys:
        key = key * max(span, 1) + values
    return key


def _order(np: Any, *keys: Any) -> Any:
    """A stable order by integer ``keys`` (most significant first)."""
    shifted = []
    for values in keys:
        low = int(values.min()) if len(values) else 0
        shifted.append((values - low, (int(values.max()) - low + 1) if len(values) else 1))
    key = _sort_key(np, *shifted)
    if key is None:
        return np.lexsort(tuple(reversed([v for v, _ in shifted])))
    return np.argsort(key, kind="stable")


def _transitions(
    np: Any,
    person: Any,
    therapy: Any,
    *,
    start_lo: Any,
    start_hi: Any,
    stop_lo: Any,
    stop_hi: Any,
    state: Any,
    grace: int,
) -> dict[str, Any]:
    """Transitions between consecutive rows of one person (rows in timeline order).

    ``state``: 0 a dated stop, 1 ongoing, 2 not recorded (as :class:`StopState`).
    """
    pair = np.flatnonzero(person[1:] == person[:-1])
    after = pair + 1
    position = pair - np.searchsorted(person, person[pair]) + 1
    ongoing = state[pair] == 1
    bounded = state[pair] == 2
    s_lo = np.where(bounded, start_lo[pair], np.maximum(stop_lo[pair], start_lo[pair]))
    s_hi = np.where(bounded, np.maximum(start_lo[pair], start_hi[after]), stop_hi[pair])
    n_lo, n_hi = start_lo[after], start_hi[after]
    low, high, kind = classify_arrays(s_lo, s_hi, n_lo, n_hi, bounded, grace=grace)
    kind = np.where(ongoing, 2, kind)
    return {
        "pair": pair,
        "position": position,
        "ongoing": ongoing,
        "contradiction": bounded & (s_lo > n_hi),
        "gap_low": low,
        "gap_high": high,
        "kind": kind,
        "restart": therapy[pair] == therapy[after],
    }


def _labels(pa: Any, codes: Any, values: Any) -> Any:
    """A dictionary-encoded text column (categorical in pandas): a few bytes a row."""
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), values)


def _transition_table(  # noqa: PLR0917 - a private helper of two callers
    pa: Any, ids: Any, names: Any, person: Any, therapy: Any, found: dict[str, Any], grace: int
) -> Any:
    pair = found["pair"]
    after = pair + 1
    kinds = pa.array([k.value for k in KINDS])
    changes = pa.array([Change.SWITCH.value, Change.RESTART.value])
    gap_mask = found["ongoing"]
    return pa.table(
        {
            "patient_id": _labels(pa, person[pair], ids),
            "position": pa.array(found["position"].astype("int32"), pa.int32()),
            "before_therapy": _labels(pa, therapy[pair], names),
            "after_therapy": _labels(pa, therapy[after], names),
            "kind": _labels(pa, found["kind"], kinds),
            "change": _labels(pa, found["restart"].astype("int32"), changes),
            "gap_low": pa.array(found["gap_low"].astype("int32"), pa.int32(), mask=gap_mask),
            "gap_high": pa.array(found["gap_high"].astype("int32"), pa.int32(), mask=gap_mask),
            "grace_months": pa.repeat(pa.scalar(grace, pa.int32()), len(pair)),
        }
    )


# -- exposures to eras to transitions ---------------------------------------------------------


def _therapies(
    drugs: list[Any], catalogue: Catalogue, counts: Any, *, skip_unknown: bool
) -> tuple[list[Therapy | None], tuple[tuple[str, int], ...]]:
    found: list[Therapy | None] = []
    unknown: list[tuple[str, int]] = []
    for drug, count in zip(drugs, counts.tolist(), strict=True):
        if drug in catalogue:
            found.append(catalogue.get(drug))
        else:
            found.append(None)
            if count:
                unknown.append((str(drug), int(count)))
    if unknown and not skip_unknown:
        raise UnknownTherapyError(
            "exposures of drugs the catalogue does not know (pass skip_unknown=True to skip them, "
            "or extend the catalogue): " + "; ".join(f"{drug!r} x{n}" for drug, n in sorted(unknown))
        )
    return found, tuple(sorted(unknown))


def _reason_codes(texts: list[Any]) -> list[str]:
    out = []
    for text in texts:
        try:
            out.append(";".join(r.value for r in parse_reasons(text or "")))
        except InvalidValueError as exc:
            raise InvalidValueError(f"column reason: {exc}") from None
    return out


@attrs.frozen
class _Exposures:
    """A long exposure table as integer columns: codes into sorted ids and drugs, days."""

    person: Any
    ids: Any
    drug: Any
    drugs: list[Any]
    start: Any
    end: Any
    reason: Any
    reason_values: Any


_BATCH_ROWS: Final = 1 << 18


def _ids(np: Any, pa: Any, pc: Any, column: Any, name: str) -> tuple[Any, Any]:
    """Codes of a text column into its sorted distinct (trimmed) values; blanks refused.

    A dictionary-encoded column (Parquet read with ``read_dictionary``) is trimmed and
    sorted through its dictionary, without decoding one text per row.
    """
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(_text(pa, pc, column))
    column = column.unify_dictionaries() if hasattr(column, "unify_dictionaries") else column
    combined = column.combine_chunks() if hasattr(column, "combine_chunks") else column
    trimmed = pc.dictionary_encode(_text(pa, pc, combined.dictionary))
    values = trimmed.dictionary
    order = np.asarray(pc.sort_indices(values).to_numpy(False), dtype=np.int64)
    rank = np.empty(len(order) + 1, dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    rank[-1] = -1  # null
    to_rank = rank[np.asarray(trimmed.indices.to_numpy(False), dtype=np.int64)]
    indices = np.asarray(pc.fill_null(combined.indices, -1).to_numpy(False), dtype=np.int64)
    codes = np.where(indices < 0, -1, to_rank[indices]).astype(np.int32)
    sorted_values = values.take(pa.array(order))  # an Arrow array: no Python text per patient
    blank = codes < 0
    empty = pc.index(sorted_values, "").as_py()
    if empty >= 0:
        blank |= codes == empty
    if blank.any():
        raise InvalidValueError(f"column {name}: blank at row(s) {_rows(np, blank)}")
    return codes, sorted_values


def _codes(np: Any, pa: Any, pc: Any, column: Any, index: dict[str, int]) -> Any:
    """Codes of a text column into ``index`` (distinct raw texts, grown as met); null is ""."""
    encoded = pc.dictionary_encode(pc.fill_null(_text(pa, pc, column), ""))
    if hasattr(encoded, "combine_chunks"):
        encoded = encoded.combine_chunks()
    mapping = np.array([index.setdefault(v, len(index)) for v in encoded.dictionary.to_pylist()] or [0])
    return mapping.astype(np.int32)[np.asarray(encoded.indices.to_numpy(False), dtype=np.int64)]


def _open_exposures(source: Any, columns: ExposureColumns) -> tuple[Any, int, Any, list[str]]:
    """The person ids (dictionary-encoded from Parquet), the row count, an iterator of row
    batches of the other columns, and which of them are present."""
    wanted = (columns.person_id, columns.drug, columns.start, columns.end)
    optional = (columns.stop_reason,) if columns.stop_reason else ()
    path = Path(source) if isinstance(source, str | os.PathLike) else None
    if path is not None and path.suffix.lower() != ".csv":
        import pyarrow.parquet as pq  # noqa: PLC0415

        # Buffered reads without pre-buffering: column chunks are streamed, not loaded whole.
        options = {"buffer_size": 1 << 20, "pre_buffer": False}
        file = pq.ParquetFile(path, read_dictionary=[columns.person_id], **options)
        present = file.schema_arrow.names
        missing = [n for n in wanted if n not in present]
        if missing:
            raise InvalidValueError(f"table: column(s) {', '.join(missing)} missing")
        rest = [n for n in (*wanted[1:], *optional) if n in present]
        ids_column = file.read(columns=[columns.person_id], use_threads=False)
        n_rows = file.metadata.num_rows
        batches = file.iter_batches(batch_size=_BATCH_ROWS, columns=rest)
    else:
        table = read_table(source, wanted, optional)
        rest = [n for n in (*wanted[1:], *optional) if n in table.column_names]
        ids_column, n_rows = table.select([columns.person_id]), table.num_rows
        batches = table.select(rest).to_batches(max_chunksize=_BATCH_ROWS)
    return ids_column, n_rows, batches, rest


def _read_exposures(source: Any, columns: ExposureColumns) -> _Exposures:
    """The columns as compact numpy arrays, reading Parquet a batch of rows at a time so that
    no whole text column is held in memory (only the person ids, dictionary-encoded)."""
    np, pa, pc = _imports()
    ids_column, n_rows, batches, rest = _open_exposures(source, columns)
    person, ids = _ids(np, pa, pc, ids_column[columns.person_id], columns.person_id)
    del ids_column
    drug = np.empty(n_rows, dtype=np.int32)
    start = np.empty(n_rows, dtype=np.int32)
    end = np.empty(n_rows, dtype=np.int32)
    reason = np.zeros(n_rows, dtype=np.int32)
    drug_index: dict[str, int] = {}
    reason_index: dict[str, int] = {"": 0}
    reason_column = columns.stop_reason if columns.stop_reason in rest else None
    offset = 0
    for batch in batches:
        size = batch.num_rows
        where = slice(offset, offset + size)
        try:
            drug[where] = _codes(np, pa, pc, batch[columns.drug], drug_index)
            start[where] = _days(np, pa, pc, batch[columns.start], columns.start)
            end[where] = _days(np, pa, pc, batch[columns.end], columns.end)
        except _RowError as exc:
            raise exc.at(offset) from None
        if reason_column is not None:
            reason[where] = _codes(np, pa, pc, batch[reason_column], reason_index)
        offset += size
    if "" in drug_index:
        blank = drug == drug_index[""]
        raise InvalidValueError(f"column {columns.drug}: blank at row(s) {_rows(np, blank)}")
    backwards = end < start
    if backwards.any():
        raise InvalidValueError(f"column {columns.end}: end before start at row(s) {_rows(np, backwards)}")
    # Different cells may read as the same reasons ("LOE" and "loe"; "" and "NA").
    codes = _reason_codes(list(reason_index))
    distinct = sorted(set(codes))
    reason = np.array([distinct.index(c) for c in codes], dtype=np.int32)[reason]
    # Parquet decoding leaves freed pages in Arrow's allocator; hand them back before the
    # numpy work so that the peak is not the two stacked.
    pa.default_memory_pool().release_unused()
    drugs = list(drug_index)
    return _Exposures(person, ids, drug, drugs, start, end, reason, pa.array(distinct, pa.string()))


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
    order = _order(np, p[first], s[first], t[first])
    return {
        "person": p[first][order],
        "therapy": t[first][order],
        "start": s[first][order],
        "stop": era_stop[order],
        "reason": r[last][order],
        "exposures": counts[order],
    }


def exposure_transitions(
    source: Any,
    *,
    columns: ExposureColumns = BATCH_COLUMNS,
    catalogue: Catalogue = CATALOGUE,
    persistence_days: int = DEFAULT_PERSISTENCE_DAYS,
    windows: Mapping[str, int] | None = None,
    skip_unknown: bool = False,
    grace_months: int = DEFAULT_GRACE_MONTHS,
    partition_size: int = 50_000,
    output: Literal["arrow", "pandas"] = "arrow",
    progress: Callable[[int, int], None] | None = None,
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
        grace_months: The grace period of a direct switch.
        partition_size: How many patients are processed at once (bounds the memory used).
        output: ``"arrow"`` (pyarrow Tables) or ``"pandas"`` (DataFrames).
        progress: Called with (patients done, patients in the table): once with 0 when the
            table has been read, then after each partition of patients.

    Raises:
        InvalidValueError: naming the column and rows of blank ids or drugs, dates that are
            not whole dates, ends before starts, unknown stop reasons.
        UnknownTherapyError: listing unknown drugs with their counts, unless ``skip_unknown``.
    """
    np, pa, _ = _imports()
    if grace_months < 0:
        raise TimelineError(f"grace_months {grace_months} is negative")
    exposures = _read_exposures(source, columns)
    counts = np.bincount(exposures.drug, minlength=len(exposures.drugs))
    found, unknown = _therapies(exposures.drugs, catalogue, counts, skip_unknown=skip_unknown)
    names_sorted = sorted({t.name for t in found if t is not None})
    name_code = {name: i for i, name in enumerate(names_sorted)}
    therapy_of_drug = [-1 if t is None else name_code[t.name] for t in found] or [0]
    therapy = np.array(therapy_of_drug, dtype=np.int32)[exposures.drug]
    overrides = {catalogue.get(name): days for name, days in (windows or {}).items()}
    by_name = {t.name: t for t in found if t is not None}
    window_of = np.array([_window(by_name[n], persistence_days, overrides) for n in names_sorted] or [0])
    used = np.bincount(therapy[therapy >= 0], minlength=len(names_sorted))
    names = pa.array(names_sorted, pa.string())
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
                }
            )
        )
        days = {"start_lo": era["start"], "start_hi": era["start"], "stop_lo": era["stop"]}
        found_t = _transitions(
            np, ep, et, **days, stop_hi=era["stop"], state=np.zeros(len(ep), np.int64), grace=grace_months
        )
        transition_parts.append(_transition_table(pa, id_array, names, ep, et, found_t, grace_months))
        if progress is not None:
            # Partitions are runs of partition_size patients in id order (the last one shorter).
            done = min(done + partition_size, n_patients)
            progress(done, n_patients)
    episodes = _concat(pa, episode_parts, _EMPTY_EPISODES)
    transitions = _concat(pa, transition_parts, _EMPTY_TRANSITIONS)
    windows_used = tuple((name, int(window_of[i])) for i, name in enumerate(names_sorted) if used[i])
    return BatchResult(_output(episodes, output), _output(transitions, output), unknown, windows_used)


_EMPTY_EPISODES: Final = (
    ("patient_id", "string"),
    ("line", "int32"),
    ("therapy", "string"),
    ("start", "date32"),
    ("stop", "date32"),
    ("reasons", "string"),
    ("exposures", "int32"),
)
_EMPTY_TRANSITIONS: Final = (
    ("patient_id", "string"),
    ("position", "int32"),
    ("before_therapy", "string"),
    ("after_therapy", "string"),
    ("kind", "string"),
    ("change", "string"),
    ("gap_low", "int32"),
    ("gap_high", "int32"),
    ("grace_months", "int32"),
)


def _concat(pa: Any, parts: list[Any], empty: tuple[tuple[str, str], ...]) -> Any:
    if parts:
        return pa.concat_tables(parts)
    types = {"string": pa.dictionary(pa.int32(), pa.string()), "int32": pa.int32(), "date32": pa.date32()}
    return pa.schema([(name, types[kind]) for name, kind in empty]).empty_table()


# -- episodes with partial dates to transitions ------------------------------------------------

_EPISODE_COLUMNS: Final = (
    "patient_id",
    "therapy",
    "start_earliest",
    "start_latest",
    "stop_state",
    "stop_earliest",
    "stop_latest",
)
_STATES: Final = {"date": 0, StopState.ONGOING.value: 1, StopState.NOT_RECORDED.value: 2}


def _precision(np: Any, lo: Any, hi: Any, name: str) -> Any:
    """0 year, 1 month, 2 day (as the timeline orders them), checking that the bounds are a
    partial date's first and last day."""
    lo_d, hi_d = lo.astype("datetime64[D]"), hi.astype("datetime64[D]")
    lo_m, hi_m = lo_d.astype("datetime64[M]"), hi_d.astype("datetime64[M]")
    lo_y, hi_y = lo_d.astype("datetime64[Y]"), hi_d.astype("datetime64[Y]")
    day = lo == hi
    next_d = hi_d + 1
    month = (
        ~day
        & (lo_m == hi_m)
        & (lo_d == lo_m.astype("datetime64[D]"))
        & (next_d.astype("datetime64[M]") != hi_m)
    )
    year = (
        ~day
        & ~month
        & (lo_y == hi_y)
        & (lo_d == lo_y.astype("datetime64[D]"))
        & (next_d.astype("datetime64[Y]") != hi_y)
    )
    bad = ~(day | month | year)
    if bad.any():
        raise InvalidValueError(
            f"columns {name}_earliest/{name}_latest: not the first and last day of a year, a month "
            f"or one day at row(s) {_rows(np, bad)}"
        )
    return np.where(day, 2, np.where(month, 1, 0))


def _read_episodes(source: Any, catalogue: Catalogue) -> dict[str, Any]:
    """A tidy episodes table as integer columns (codes into sorted ids and therapy names)."""
    np, pa, pc = _imports()
    table = read_table(source, _EPISODE_COLUMNS)
    person, ids = _encode(np, pa, pc, _text(pa, pc, table["patient_id"]))
    therapy_code, therapy_texts = _encode(np, pa, pc, _text(pa, pc, table["therapy"]))
    names_sorted = sorted({catalogue.get(str(name)).name for name in therapy_texts})
    name_code = {name: i for i, name in enumerate(names_sorted)}
    therapy = np.array([name_code[catalogue.get(str(n)).name] for n in therapy_texts] or [0])[therapy_code]
    state_text = _text(pa, pc, table["stop_state"]).to_pylist()
    unknown_states = sorted({s for s in state_text if s not in _STATES}, key=str)
    if unknown_states:
        raise InvalidValueError(
            f"column stop_state: {unknown_states[0]!r} is not one of 'date', 'ongoing', 'not recorded'"
        )
    state = np.array([_STATES[s] for s in state_text], dtype=np.int64)
    start_lo = _days(np, pa, pc, table["start_earliest"], "start_earliest")
    start_hi = _days(np, pa, pc, table["start_latest"], "start_latest")
    start_prec = _precision(np, start_lo, start_hi, "start")
    dated = state == 0
    stop_lo = np.zeros(len(state), dtype=np.int64)
    stop_hi = np.zeros(len(state), dtype=np.int64)
    stop_prec = np.zeros(len(state), dtype=np.int64)
    if dated.any():
        stop_table = table.filter(pa.array(dated))
        stop_lo[dated] = _days(np, pa, pc, stop_table["stop_earliest"], "stop_earliest")
        stop_hi[dated] = _days(np, pa, pc, stop_table["stop_latest"], "stop_latest")
        stop_prec[dated] = _precision(np, stop_lo[dated], stop_hi[dated], "stop")
    before = dated & (stop_hi < start_lo)
    if before.any():
        raise InvalidValueError(f"column stop_latest: stop before start at row(s) {_rows(np, before)}")
    n = len(state)
    sequence = np.zeros(n, dtype=np.int64)
    if "sequence" in table.column_names:
        column = table["sequence"]
        has = np.asarray(pc.is_valid(column).to_numpy(False), dtype=bool)
        sequence = np.asarray(pc.fill_null(column, 0).to_numpy(False), dtype=np.int64)
        # The source's order counts only when every episode of the patient carries one.
        missing = np.bincount(person[~has], minlength=len(ids))
        sequence = np.where(missing[person] == 0, sequence, 0)
    reasons = np.zeros(n, dtype=np.int64)
    if "reasons" in table.column_names:
        reasons, _ = _encode(np, pa, pc, pc.fill_null(_text(pa, pc, table["reasons"]), ""))
    edss = np.full(n, -1.0)
    if "edss" in table.column_names:
        edss = np.asarray(pc.fill_null(pc.cast(table["edss"], pa.float64()), -1.0).to_numpy(False))
    stop_code = np.where(dated, 2, np.where(state == 2, 0, 1))  # not recorded < ongoing < a date
    edss_rank = np.unique(edss, return_inverse=True)[1].reshape(-1)
    return {
        "ids": ids,
        "names": names_sorted,
        "person": person,
        "therapy": therapy,
        "state": state,
        "start_lo": start_lo,
        "start_hi": start_hi,
        "stop_lo": stop_lo,
        "stop_hi": stop_hi,
        "keys": (
            sequence,
            start_lo,
            start_hi,
            start_prec,
            therapy,
            stop_code,
            stop_lo,
            stop_hi,
            stop_prec,
            reasons,
            edss_rank,
        ),
    }


def episode_transitions(
    source: Any,
    *,
    grace_months: int = DEFAULT_GRACE_MONTHS,
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
    catalogue: Catalogue = CATALOGUE,
    partition_size: int = 250_000,
    output: Literal["arrow", "pandas"] = "arrow",
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """Transitions of a tidy episodes table with partial dates, as
    :meth:`Timeline.of(patient).transitions() <dmt_timeline.Timeline.transitions>` gives them.

    The table has the columns of :func:`dmt_timeline.io.tables.episodes_table`: at least
    ``patient_id``, ``therapy``, ``start_earliest``, ``start_latest``, ``stop_state``
    (``date``, ``ongoing`` or ``not recorded``), ``stop_earliest``, ``stop_latest``; and
    optionally ``sequence``, ``reasons`` (codes joined by ``;``) and ``edss``, which the
    timeline's order uses to break ties. A partial date's precision is read from its bounds.
    ``progress``, when given, is called with (patients done, patients in the table): once
    with 0 when the table has been read, then after each partition of ``partition_size``
    patients.

    Returns:
        One row per transition: ``patient_id``, ``position``, ``before_therapy``,
        ``after_therapy``, ``kind``, ``change``, ``gap_low``, ``gap_high`` (null when the
        earlier episode is ongoing), ``grace_months``.

    Raises:
        InvalidValueError: naming the column and rows of bounds that are no partial date, a
            stop certainly before its start, an unknown stop state or therapy.
        TimelineError: listing the patients whose history cannot be a timeline (as
            :meth:`~dmt_timeline.Timeline.of`), unless ``max_overlap_months`` is None.
    """
    np, pa, _ = _imports()
    if grace_months < 0:
        raise TimelineError(f"grace_months {grace_months} is negative")
    data = _read_episodes(source, catalogue)
    person, therapy, ids = data["person"], data["therapy"], data["ids"]
    start_lo, start_hi, stop_lo, stop_hi = (
        data["start_lo"],
        data["start_hi"],
        data["stop_lo"],
        data["stop_hi"],
    )
    id_array = pa.array(ids, pa.string())
    names = pa.array(data["names"], pa.string())
    parts = []
    problems: list[str] = []
    n_patients, done = len(ids), 0
    if progress is not None:
        progress(0, n_patients)
    for part in _partitions(np, person, partition_size):
        # The timeline's order: by patient, then (when every episode has one) the source's
        # sequence, then start, therapy name, stop, reasons and EDSS.
        keys = [person[part], *(key[part] for key in data["keys"])]
        rows = part[np.lexsort(tuple(reversed(keys)))]
        p, t = person[rows], therapy[rows]
        found = _transitions(
            np,
            p,
            t,
            start_lo=start_lo[rows],
            start_hi=start_hi[rows],
            stop_lo=stop_lo[rows],
            stop_hi=stop_hi[rows],
            state=data["state"][rows],
            grace=grace_months,
        )
        pair = found["pair"]
        order_broken = start_lo[rows][pair] > start_hi[rows][pair + 1]
        if found["contradiction"].any() or order_broken.any():
            bad = np.unique(p[pair[found["contradiction"] | order_broken]])
            problems.extend(
                f"patient {ids[i]}: a later episode in sequence certainly starts first" for i in bad.tolist()
            )
        if max_overlap_months is not None:
            different = ~found["restart"]
            refused = different & (found["ongoing"] | (found["gap_high"] < -max_overlap_months))
            problems.extend(
                f"patient {ids[i]}: episodes overlap beyond {max_overlap_months} months "
                "(or an ongoing episode is followed by another therapy)"
                for i in np.unique(p[pair[refused & ~order_broken]]).tolist()
            )
        parts.append(_transition_table(pa, id_array, names, p, t, found, grace_months))
        if progress is not None:
            done = min(done + partition_size, n_patients)
            progress(done, n_patients)
    if problems:
        shown = "; ".join(problems[:_PROBLEMS_SHOWN])
        more = f"; and {len(problems) - _PROBLEMS_SHOWN} more" if len(problems) > _PROBLEMS_SHOWN else ""
        raise TimelineError(f"{len(problems)} history(ies) cannot be a timeline: {shown}{more}")
    return _output(_concat(pa, parts, _EMPTY_TRANSITIONS), output)


# -- scale-out over a dataset partitioned by patient --------------------------------------------


def partition_by_patient(
    source: Any, directory: str | os.PathLike[str], *, partitions: int, person_id: str = "person_id"
) -> list[Path]:
    """Write a long table as Parquet files that each hold whole patients (``part-0000.parquet``...).

    Patients are dealt to files by their rank in id order, so every file is a run of ids.
    """
    np, pa, pc = _imports()
    import pyarrow.parquet as pq  # noqa: PLC0415

    if partitions < 1:
        raise InvalidValueError(f"partitions {partitions} is not a whole number >= 1")
    table = read_table(source)
    if person_id not in table.column_names:
        raise InvalidValueError(f"table: column(s) {person_id} missing")
    person, ids = _encode(np, pa, pc, _text(pa, pc, table[person_id]))
    bucket = (person.astype(np.int64) * partitions) // max(len(ids), 1)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(partitions):
        path = out / f"part-{i:04d}.parquet"
        pq.write_table(table.filter(pa.array(bucket == i)), path)
        paths.append(path)
    return paths


def _merge(parts: list[BatchResult]) -> BatchResult:
    _, pa, pc = _imports()

    def span(table: Any) -> tuple[str, str] | None:
        ids = table["patient_id"]
        return (str(ids[0].as_py()), str(ids[-1].as_py())) if len(ids) else None

    def ordered(tables: list[Any], second: str) -> Any:
        # Files that each hold a run of ids (as partition_by_patient writes them) only need
        # putting in order; otherwise every row is sorted.
        spans = [(span(t), t) for t in tables]
        runs = sorted(((b, t) for b, t in spans if b is not None), key=lambda item: item[0])
        if all(a[0][1] < b[0][0] for a, b in itertools.pairwise(runs)):
            return pa.concat_tables([t for _, t in runs] or tables[:1]).unify_dictionaries()
        table = pa.concat_tables(tables).unify_dictionaries()
        keys = pa.table({"p": pc.cast(table["patient_id"], pa.string()), "n": table[second]})
        return table.take(pc.sort_indices(keys, sort_keys=[("p", "ascending"), ("n", "ascending")]))

    unknown: dict[str, int] = {}
    windows: dict[str, int] = {}
    for part in parts:
        for drug, count in part.unknown:
            unknown[drug] = unknown.get(drug, 0) + count
        windows.update(part.windows)
    return BatchResult(
        ordered([p.episodes for p in parts], "line"),
        ordered([p.transitions for p in parts], "position"),
        tuple(sorted(unknown.items())),
        tuple(sorted(windows.items())),
    )


def dask_exposure_transitions(
    paths: list[str | os.PathLike[str]] | str | os.PathLike[str], *, client: Any, **options: Any
) -> BatchResult:
    """:func:`exposure_transitions` over Parquet files that each hold whole patients (see
    :func:`partition_by_patient`), one task per file on a ``distributed`` client.

    Args:
        paths: The files, or a directory of ``*.parquet`` files.
        client: A ``distributed.Client`` (for example on a ``LocalCluster``).
        options: Passed to :func:`exposure_transitions` (``output`` must stay ``"arrow"``).

    Returns:
        The same tables as one :func:`exposure_transitions` over the whole table, in patient
        order. A patient split across files would be two patients' worth of eras: the files
        must partition by patient.
    """
    files = sorted(Path(paths).glob("*.parquet")) if isinstance(paths, str | os.PathLike) else paths
    if options.get("output", "arrow") != "arrow":
        raise InvalidValueError("output: the merged result is built from Arrow tables; convert it after")
    futures = client.map(
        lambda path: exposure_transitions(path, **options), [str(p) for p in files], pure=False
    )
    return _merge(client.gather(futures))
