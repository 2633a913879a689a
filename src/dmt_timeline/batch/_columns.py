"""Reading tables into integer columns, with numpy and pyarrow imported on use.

A table from pyarrow, pandas, Parquet or CSV; dates as days since 1970-01-01; text as codes
into its sorted distinct values; problems named by column and row.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from dmt_timeline.errors import InvalidValueError
from dmt_timeline.io._frames import TABLES_EXTRA

if TYPE_CHECKING:
    import pyarrow as pa


_PROBLEMS_SHOWN: Final = 10


def _imports() -> tuple[Any, Any, Any]:
    try:
        import numpy as np  # noqa: PLC0415 - an optional extra, imported on use
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.compute as pc  # noqa: PLC0415
    except ImportError:
        raise ImportError(f"the batch engine needs numpy and pyarrow: {TABLES_EXTRA}") from None
    return np, pa, pc


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


def _whole(np: Any, pa: Any, pc: Any, column: Any, name: str) -> Any:
    """A column of whole numbers (integers, or text of them, as CSV gives) as int64 with nulls
    as 0, and where it is null."""
    null = np.asarray(pc.is_null(column).to_numpy(False), dtype=bool)
    try:
        values = pc.fill_null(pc.cast(column, pa.int64()), 0)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise InvalidValueError(f"column {name}: not a whole number") from None
    return np.asarray(values.to_numpy(False), dtype=np.int64), null


def _numbers(np: Any, pa: Any, pc: Any, column: Any, name: str, *, missing: float) -> Any:
    """A column of numbers (or text of them, as CSV gives) as float64, nulls as ``missing``."""
    try:
        values = pc.fill_null(pc.cast(column, pa.float64()), missing)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise InvalidValueError(f"column {name}: not a number") from None
    return np.asarray(values.to_numpy(False), dtype=np.float64)


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
