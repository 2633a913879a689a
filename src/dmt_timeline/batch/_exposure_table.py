"""Reading a long exposure table into compact integer columns, a batch of rows at a time."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Final

import attrs

from dmt_timeline.batch._columns import DATE, ID, TEXT, _days, _imports, _RowError, _rows, _text, check_schema
from dmt_timeline.batch._patient_ids import _ids
from dmt_timeline.batch._reading import read_table
from dmt_timeline.errors import InvalidValueError, quoted
from dmt_timeline.io.exposures import ExposureColumns
from dmt_timeline.model import SwitchReason, parse_reasons

BATCH_COLUMNS: Final = ExposureColumns(start="start", end="end", stop_reason="reason")
# Documented where dmt_timeline.batch re-exports it (Sphinx reads doc-comments there).

REASON_CELL_LIMIT: Final = 200
"""The longest stop-reason cell read: longer text is no list of codes."""


def _reason_codes(texts: list[str]) -> tuple[list[str], list[int]]:
    """Each distinct reason cell as its codes joined by ``;`` (as :func:`parse_reasons` reads
    them), and the positions of the cells that are no reasons."""
    out, bad = [], []
    for i, text in enumerate(texts):
        codes = ""
        if len(text) > REASON_CELL_LIMIT:
            bad.append(i)
        else:
            try:
                codes = ";".join(r.value for r in parse_reasons(text))
            except InvalidValueError:  # its message quotes the cell: named by row instead
                bad.append(i)
        out.append(codes)
    return out, bad


def reason_problem(name: str) -> str:
    """The message for cells that are no stop reasons, before their rows."""
    known = ", ".join(r.value for r in SwitchReason)
    return (
        f"column {name}: not stop reasons (codes among {known}, NA, separated by commas; at most "
        f"{REASON_CELL_LIMIT} characters)"
    )


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


def _codes(np: Any, pa: Any, pc: Any, column: Any, *, index: dict[str, int], name: str) -> Any:
    """Codes of a text column into ``index`` (distinct raw texts, grown as met); null is ""."""
    encoded = pc.dictionary_encode(pc.fill_null(_text(pa, pc, column, name), ""))
    if hasattr(encoded, "combine_chunks"):
        encoded = encoded.combine_chunks()
    mapping = np.array([index.setdefault(v, len(index)) for v in encoded.dictionary.to_pylist()] or [0])
    return mapping.astype(np.int32)[np.asarray(encoded.indices.to_numpy(False), dtype=np.int64)]


def _open_exposures(source: Any, columns: ExposureColumns) -> tuple[Any, int, Any, list[str]]:
    """The person ids (dictionary-encoded from Parquet), the row count, an iterator of row
    batches of the other columns, and which of them are present."""
    wanted = (columns.person_id, columns.drug, columns.start, columns.end)
    optional = (columns.stop_reason,) if columns.stop_reason else ()
    _, pa, _ = _imports()
    path = Path(source) if isinstance(source, str | os.PathLike) else None
    if path is not None and path.suffix.lower() != ".csv":
        import pyarrow.parquet as pq  # noqa: PLC0415

        # Buffered reads without pre-buffering: column chunks are streamed, not loaded whole.
        options = {"buffer_size": 1 << 20, "pre_buffer": False}
        if not path.is_file():
            raise FileNotFoundError(2, "no such file", str(path))
        opened = None
        with contextlib.suppress(pa.ArrowException, ValueError, UnicodeError):  # damaged: quote nothing
            opened = pq.ParquetFile(path, **options)
        if opened is None:
            raise InvalidValueError(f"{quoted(path.name)}: cannot be read as a Parquet table")
        schema = opened.schema_arrow
        present = schema.names
        missing = [n for n in wanted if n not in present]
        if missing:
            raise InvalidValueError(f"table: column(s) {', '.join(missing)} missing")
        check_schema(schema.empty_table(), _kinds(columns))
        if pa.types.is_string(schema.field(columns.person_id).type):
            opened = pq.ParquetFile(path, read_dictionary=[columns.person_id], **options)
        rest = [n for n in (*wanted[1:], *optional) if n in present]
        ids_column = _guarded(path, lambda: opened.read(columns=[columns.person_id], use_threads=False))
        n_rows = opened.metadata.num_rows
        batches = _guarded_batches(path, opened.iter_batches(batch_size=_BATCH_ROWS, columns=rest))
    else:
        table = read_table(source, wanted, optional)
        check_schema(table, _kinds(columns))
        rest = [n for n in (*wanted[1:], *optional) if n in table.column_names]
        ids_column, n_rows = table.select([columns.person_id]), table.num_rows
        batches = table.select(rest).to_batches(max_chunksize=_BATCH_ROWS)
    return ids_column, n_rows, batches, rest


def _kinds(columns: ExposureColumns) -> dict[str, str]:
    kinds = {columns.person_id: ID, columns.drug: TEXT, columns.start: DATE, columns.end: DATE}
    if columns.stop_reason:
        kinds[columns.stop_reason] = TEXT
    return kinds


def _guarded(path: Path, read: Any) -> Any:
    """``read()``, a damaged Parquet file refused by name (pyarrow's message is not passed on)."""
    _, pa, _ = _imports()
    found, failed = None, False
    try:
        found = read()
    except (pa.ArrowException, ValueError, UnicodeError, EOFError):
        failed = True
    if failed:
        raise InvalidValueError(f"{quoted(path.name)}: cannot be read as a Parquet table")
    return found


def _guarded_batches(path: Path, batches: Any) -> Any:
    iterator = iter(batches)
    done = object()
    while True:
        batch = _guarded(path, lambda: next(iterator, done))
        if batch is done:
            return
        yield batch


def _read_exposures(source: Any, columns: ExposureColumns, day_first: bool | None = None) -> _Exposures:
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
        problem = None
        try:
            drug[where] = _codes(np, pa, pc, batch[columns.drug], index=drug_index, name=columns.drug)
            start[where] = _days(np, pa, pc, batch[columns.start], columns.start, day_first=day_first)
            end[where] = _days(np, pa, pc, batch[columns.end], columns.end, day_first=day_first)
            if reason_column is not None:
                reason[where] = _codes(
                    np, pa, pc, batch[reason_column], index=reason_index, name=reason_column
                )
        except _RowError as exc:
            problem = exc.at(offset)
        if problem is not None:
            raise problem
        offset += size
    if "" in drug_index:
        blank = drug == drug_index[""]
        raise InvalidValueError(f"column {columns.drug}: blank at row(s) {_rows(np, blank)}")
    backwards = end < start
    if backwards.any():
        raise InvalidValueError(f"column {columns.end}: end before start at row(s) {_rows(np, backwards)}")
    # Different cells may read as the same reasons ("LOE" and "loe"; "" and "NA").
    codes, bad = _reason_codes(list(reason_index))
    if bad:
        rows = np.isin(reason, np.array(bad, dtype=np.int32))
        raise InvalidValueError(f"{reason_problem(str(reason_column))} at row(s) {_rows(np, rows)}")
    distinct = sorted(set(codes))
    reason = np.array([distinct.index(c) for c in codes], dtype=np.int32)[reason]
    # Parquet decoding leaves freed pages in Arrow's allocator; hand them back before the
    # numpy work so that the peak is not the two stacked.
    pa.default_memory_pool().release_unused()
    drugs = list(drug_index)
    return _Exposures(person, ids, drug, drugs, start, end, reason, pa.array(distinct, pa.string()))
