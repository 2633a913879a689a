"""Patient ids in the batch engine, by the rule of :func:`dmt_timeline.ids.patient_id`: text
stripped as :meth:`str.strip` strips it, whole numbers in decimal digits, so that a patient is
the same patient here and in the object model."""

from __future__ import annotations

from typing import Any

from dmt_timeline.batch._columns import _is_text, _mask, _RowError, _text, _utf8
from dmt_timeline.ids import patient_id


def _id_values(np: Any, pa: Any, pc: Any, values: Any, name: str) -> tuple[Any, Any, Any]:
    """Distinct values of an id column as :func:`dmt_timeline.ids.patient_id` reads them:
    the ids (text), which are blank, which are not ids."""
    blank = np.asarray(values.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    bad = np.zeros(len(values), dtype=bool)
    if pa.types.is_integer(values.type):
        texts = values.cast(pa.string())  # decimal digits, as str(int)
    elif pa.types.is_floating(values.type):
        # Floats are rare as ids (pandas' integers with gaps): the rule itself, value by value.
        found: list[str | None] = []
        for i, value in enumerate(values.to_pylist()):
            if value is None:
                found.append(None)
                continue
            text = None
            try:
                text = patient_id(value)
            except ValueError:  # its message quotes the value
                bad[i] = True
            found.append(text)
        texts = pa.array(found, pa.string())
    else:
        texts = _text(pa, pc, values, name)
        blank |= _mask(np, pc, pc.equal(texts, ""))
    return texts, blank, bad


def _id_column(np: Any, pa: Any, pc: Any, column: Any, name: str) -> tuple[Any, Any]:
    """Per row, an index into ids (text, by the rule of :func:`dmt_timeline.ids.patient_id`),
    and the ids; blank ids and values that are no id refused by row.

    A dictionary-encoded column (Parquet read with ``read_dictionary``) is read through its
    dictionary, without decoding one text per row.
    """
    if isinstance(column, pa.ChunkedArray):
        if pa.types.is_dictionary(column.type):
            column = column.unify_dictionaries()
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    plain_text = (pa.string(), pa.large_string())
    if pa.types.is_dictionary(column.type) and column.type.value_type not in plain_text:
        column = column.dictionary_decode()  # rare: bad UTF-8 is then named by row below
    if not pa.types.is_dictionary(column.type):
        if _is_text(pa, column.type):
            column = _utf8(column, name)
        column = pc.dictionary_encode(column)
    texts, blank, bad = _id_values(np, pa, pc, column.dictionary, name)
    indices = np.asarray(pc.fill_null(column.indices, -1).to_numpy(False), dtype=np.int64)
    # A null row points past the distinct values, at a blank.
    at = np.where(indices >= 0, indices, len(texts))
    bad_rows = np.r_[bad, False][at]
    if bad_rows.any():
        raise _RowError(
            f"column {name}: a patient id that is not text or a whole number at row(s) {{rows}}", bad_rows
        )
    blank_rows = np.r_[blank, True][at]
    if blank_rows.any():
        raise _RowError(f"column {name}: blank at row(s) {{rows}}", blank_rows)
    return indices, texts


def _ids(np: Any, pa: Any, pc: Any, column: Any, name: str) -> tuple[Any, Any]:
    """Codes of an id column into its sorted distinct ids (an Arrow string array), by the rule
    of :func:`dmt_timeline.ids.patient_id`; blanks and values that are no id refused by row."""
    indices, texts = _id_column(np, pa, pc, column, name)
    # Values that differ may be one id ("P1" and " P1"; 1 and 1.0): encode the ids again.
    again = pc.dictionary_encode(texts)
    values = again.dictionary
    order = np.asarray(pc.sort_indices(values).to_numpy(False), dtype=np.int64)
    rank = np.empty(max(len(order), 1), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    to_rank = rank[np.asarray(pc.fill_null(again.indices, 0).to_numpy(False), dtype=np.int64)]
    codes = to_rank[indices].astype(np.int32) if len(indices) else np.zeros(0, dtype=np.int32)
    return codes, values.take(pa.array(order, pa.int64()))


def _id_codes(np: Any, pa: Any, pc: Any, column: Any, *, name: str, ids: Any) -> Any:
    """Codes of an id column into ``ids`` (-1 for an id not among them)."""
    indices, texts = _id_column(np, pa, pc, column, name)
    found = np.asarray(pc.fill_null(pc.index_in(texts, value_set=ids), -1).to_numpy(False), dtype=np.int64)
    if not len(indices):
        return np.zeros(0, dtype=np.int64)
    return found[indices]
