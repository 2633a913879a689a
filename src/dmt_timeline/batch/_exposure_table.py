"""Reading a long exposure table into compact integer columns, a batch of rows at a time."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final

import attrs

from dmt_timeline.batch._columns import _days, _imports, _RowError, _rows, _text, read_table
from dmt_timeline.errors import InvalidValueError
from dmt_timeline.io.exposures import ExposureColumns
from dmt_timeline.model import parse_reasons

BATCH_COLUMNS: Final = ExposureColumns(start="start", end="end", stop_reason="reason")
# Documented where dmt_timeline.batch re-exports it (Sphinx reads doc-comments there).


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
