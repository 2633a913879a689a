"""Scale-out over a dataset partitioned by patient: Parquet files of whole patients, one
Dask task per file, and the results merged in patient order."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

from dmt_timeline.batch._columns import _encode, _imports, _text, read_table
from dmt_timeline.batch._exposure_eras import exposure_transitions
from dmt_timeline.batch._results import BatchResult
from dmt_timeline.errors import InvalidValueError


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
