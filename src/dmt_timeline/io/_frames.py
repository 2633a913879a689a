"""Optional table libraries, imported on use, and DataFrame rows read as text cells."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any, Final

TABLES_EXTRA: Final = 'pip install "dmt-timeline[tables]"'


def require(module: str, purpose: str) -> ModuleType:
    """Import an optional table library, or raise an ImportError that names the extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{purpose} needs {module}: {TABLES_EXTRA}") from None


def frame_records(frame: Any, cell: Callable[[Any], str]) -> Iterator[dict[str, str]]:
    """The rows of a pandas DataFrame as ``{column: text}``; missing values read as ``""``.

    ``cell`` turns a present value into the text a CSV would hold.
    """
    pd = require("pandas", "reading a DataFrame")
    header = [str(c) for c in frame.columns]
    for record in frame.itertuples(index=False, name=None):
        yield {
            name: "" if value is None or bool(pd.isna(value)) else cell(value)
            for name, value in zip(header, record, strict=True)
        }


def arrow_records(source: Any, cell: Callable[[Any], str]) -> Iterator[dict[str, str]]:
    """The rows of a pyarrow Table, or of a Parquet file at a path, as ``{column: text}``.

    A Parquet file is read a record batch at a time, so only one batch is held as Python
    values; missing values read as ``""``.
    """
    pa = require("pyarrow", "reading an Arrow table")
    if isinstance(source, pa.Table):
        batches: Iterator[Any] = iter(source.to_batches())
    else:
        parquet = require("pyarrow.parquet", "reading a Parquet file")
        batches = parquet.ParquetFile(source).iter_batches()
    for batch in batches:
        for record in batch.to_pylist():
            yield {str(name): "" if value is None else cell(value) for name, value in record.items()}
