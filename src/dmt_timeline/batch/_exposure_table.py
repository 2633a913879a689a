"""Reading a long exposure table into compact integer columns, a batch of rows at a time."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Final

import attrs

from dmt_timeline.batch._columns import DATE, ID, TEXT, _days, _imports, _RowError, _rows, _text, check_schema
from dmt_timeline.batch._patient_ids import _ids
from dmt_timeline.batch._reading import _read_source, missing_columns
from dmt_timeline.batch._row_numbers import RowNumbers, numbered
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


def _open_exposures(
    source: Any, columns: ExposureColumns, rows: RowNumbers, skipped: _Skipped | None = None
) -> tuple[Any, int, Any, list[str]]:
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
            raise missing_columns(missing, present)
        check_schema(schema.empty_table(), _kinds(columns))
        if pa.types.is_string(schema.field(columns.person_id).type):
            opened = pq.ParquetFile(path, read_dictionary=[columns.person_id], **options)
        rest = [n for n in (*wanted[1:], *optional) if n in present]
        ids_column = _guarded(path, lambda: opened.read(columns=[columns.person_id], use_threads=False))
        n_rows = opened.metadata.num_rows
        batches = _guarded_batches(path, opened.iter_batches(batch_size=_BATCH_ROWS, columns=rest))
    else:
        table = _read_source(source, wanted, optional, rows=rows, skip_ragged=skipped is not None)
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


class _Skipped:
    """Rows left out with ``skip_bad_rows``: per problem, the rows (indices into the table read),
    the message and the cells, and the table's row numbers (with the ragged rows of a CSV
    file); :meth:`table` reports them."""

    def __init__(self) -> None:
        self.problems: list[tuple[Any, str, list[str | None] | None]] = []
        self.rows = RowNumbers()
        self.report: Any = None

    def add(self, rows: Any, template: str, cells: list[str | None] | None = None) -> None:
        self.problems.append((rows, template, cells))

    def tolerate(self, convert: Any, column: Any, offset: int) -> tuple[Any, Any]:
        """``convert(column)``'s values at the rows it reads, and those rows: each row problem
        it names is kept with its cells, its rows left out, and the rest converted again."""
        np, pa, _ = _imports()
        alive = np.arange(len(column))
        while True:
            try:
                return convert(column), alive
            except _RowError as exc:
                self.add(
                    offset + alive[exc.mask], exc.template, _cell_texts(column.filter(pa.array(exc.mask)))
                )
                alive = alive[~exc.mask]
                column = column.filter(pa.array(~exc.mask))

    def table(self, person: Any, ids: Any) -> Any:
        """One row per problem: ``row`` (the spreadsheet row, as the errors number rows),
        ``patient_id`` (null where it could not be read), ``column``, ``problem``, ``value``."""
        np, pa, _ = _imports()
        rows: list[int] = []
        patients: list[str | None] = []
        names: list[str | None] = []
        problems: list[str] = []
        values: list[str | None] = []
        id_texts = ids.to_pylist()
        for found, template, cells in self.problems:
            head, _, tail = template.removesuffix(" at row(s) {rows}").partition(": ")
            for i, (at, number) in enumerate(zip(found.tolist(), self.rows.of(found).tolist(), strict=True)):
                rows.append(number)
                code = int(person[at])
                patients.append(id_texts[code] if code >= 0 else None)
                names.append(head.removeprefix("column "))
                problems.append(tail)
                values.append(None if cells is None else cells[i])
        for number in self.rows.of_records(self.rows.ragged).tolist():
            rows.append(number)
            patients.append(None)
            names.append(None)
            problems.append("not as many cells as the header has columns")
            values.append(None)
        order = np.argsort(np.array(rows, dtype=np.int64), kind="stable")
        table = pa.table(
            {
                "row": pa.array(rows, pa.int64()),
                "patient_id": pa.array(patients, pa.string()),
                "column": pa.array(names, pa.string()),
                "problem": pa.array(problems, pa.string()),
                "value": pa.array(values, pa.string()),
            }
        )
        return table.take(pa.array(order, pa.int64()))


def _cell_texts(column: Any) -> list[str | None]:
    """Cells as text for a report of skipped rows; a cell that has no text form is None."""
    _, pa, _ = _imports()
    found: list[str | None] = [None] * len(column)
    with contextlib.suppress(pa.ArrowException, ValueError):  # not text (bad UTF-8): not shown
        found = column.cast(pa.string()).to_pylist()
    return found


def _person_codes(
    np: Any, pa: Any, pc: Any, column: Any, name: str, *, skipped: _Skipped | None
) -> tuple[Any, Any]:
    """Codes of the person ids into their sorted distinct ids; -1 at rows skipped."""
    if skipped is None:
        return _ids(np, pa, pc, column, name)
    person = np.full(len(column), -1, dtype=np.int32)
    (codes, ids), alive = skipped.tolerate(lambda c: _ids(np, pa, pc, c, name), column, 0)
    person[alive] = codes
    return person, ids


def _convert(batches: Any, converters: list[tuple[Any, str, Any]], skipped: _Skipped | None) -> None:
    """Each converter's column of each batch of rows into its array, problems named by row in
    the whole table (or kept in ``skipped``, their rows left out)."""
    offset = 0
    for batch in batches:
        problem = None
        for target, name, convert in converters:
            if skipped is not None:
                values, alive = skipped.tolerate(convert, batch[name], offset)
                target[offset + alive] = values
                continue
            try:
                target[offset : offset + batch.num_rows] = convert(batch[name])
            except _RowError as exc:
                problem = exc.at(offset)
            if problem is not None:
                raise problem
        offset += batch.num_rows


def _refuse_or_keep(skipped: _Skipped | None, rows: Any, template: str, cells: Any = None) -> None:
    """Refuse the rows ``rows`` (a mask) with the message ``template``, or keep them in ``skipped``."""
    np, _, _ = _imports()
    if not rows.any():
        return
    if skipped is None:
        raise InvalidValueError(template.format(rows=_rows(np, rows)))
    skipped.add(np.flatnonzero(rows), template, None if cells is None else cells(np.flatnonzero(rows)))


def _read_exposures(
    source: Any, columns: ExposureColumns, day_first: bool | None = None, skipped: _Skipped | None = None
) -> _Exposures:
    """The columns as compact numpy arrays, reading Parquet a batch of rows at a time so that
    no whole text column is held in memory (only the person ids, dictionary-encoded).

    With ``skipped``, bad rows are put there and left out instead of refused.
    """
    rows = RowNumbers() if skipped is None else skipped.rows
    with numbered(rows):
        return _read_numbered(source, columns, rows, day_first, skipped)


def _read_numbered(
    source: Any,
    columns: ExposureColumns,
    numbering: RowNumbers,
    day_first: bool | None,
    skipped: _Skipped | None,
) -> _Exposures:
    np, pa, pc = _imports()
    ids_column, n_rows, batches, rest = _open_exposures(source, columns, numbering, skipped)
    person, ids = _person_codes(np, pa, pc, ids_column[columns.person_id], columns.person_id, skipped=skipped)
    del ids_column
    drug, start, end, reason = (np.zeros(n_rows, dtype=np.int32) for _ in range(4))
    drug_index: dict[str, int] = {}
    reason_index: dict[str, int] = {"": 0}
    reason_column = columns.stop_reason if columns.stop_reason in rest else None
    converters: list[tuple[Any, str, Any]] = [
        (drug, columns.drug, lambda c: _codes(np, pa, pc, c, index=drug_index, name=columns.drug)),
        (start, columns.start, lambda c: _days(np, pa, pc, c, columns.start, day_first=day_first)),
        (end, columns.end, lambda c: _days(np, pa, pc, c, columns.end, day_first=day_first)),
    ]
    if reason_column is not None:
        converters.append(
            (reason, reason_column, lambda c: _codes(np, pa, pc, c, index=reason_index, name=reason_column))
        )
    _convert(batches, converters, skipped)
    bad = np.zeros(n_rows, dtype=bool)
    for rows, _, _ in [] if skipped is None else skipped.problems:
        bad[rows] = True
    if "" in drug_index:
        _refuse_or_keep(
            skipped, ~bad & (drug == drug_index[""]), f"column {columns.drug}: blank at row(s) {{rows}}"
        )
    # Only rows whose start and end were both read can be compared.
    backwards = ~bad & (end < start)
    _refuse_or_keep(
        skipped,
        backwards,
        f"column {columns.end}: end before start at row(s) {{rows}}",
        lambda at: pa.array(end[at], pa.int32()).cast(pa.date32()).cast(pa.string()).to_pylist(),
    )
    # Different cells may read as the same reasons ("LOE" and "loe"; "" and "NA").
    codes, not_reasons = _reason_codes(list(reason_index))
    texts = list(reason_index)
    _refuse_or_keep(
        skipped,
        np.isin(reason, np.array(not_reasons, dtype=np.int32)),
        f"{reason_problem(str(reason_column))} at row(s) {{rows}}",
        lambda at: [texts[i] for i in reason[at]],
    )
    distinct = sorted(set(codes))
    reason = np.array([distinct.index(c) for c in codes], dtype=np.int32)[reason]
    if skipped is not None:
        skipped.report = skipped.table(person, ids)
        for rows, _, _ in skipped.problems:
            bad[rows] = True
        if bad.any():
            keep = ~bad
            person, drug, start, end, reason = (a[keep] for a in (person, drug, start, end, reason))
            # Patients whose every row was skipped are no patients of the result.
            present = np.unique(person)
            person = np.searchsorted(present, person).astype(np.int32)
            ids = ids.take(pa.array(present))
    # Parquet decoding leaves freed pages in Arrow's allocator; hand them back before the
    # numpy work so that the peak is not the two stacked.
    pa.default_memory_pool().release_unused()
    drugs = list(drug_index)
    return _Exposures(person, ids, drug, drugs, start, end, reason, pa.array(distinct, pa.string()))
