"""Scale-out over a dataset partitioned by patient: Parquet files of whole patients, one
Dask task per file, and the results merged in patient order."""

from __future__ import annotations

import functools
import itertools
import os
from pathlib import Path
from typing import Any

from dmt_timeline.batch._columns import ID, _imports, check_schema
from dmt_timeline.batch._exposure_eras import exposure_transitions, unknown_drugs
from dmt_timeline.batch._patient_ids import _ids
from dmt_timeline.batch._reading import read_table
from dmt_timeline.batch._results import BatchResult
from dmt_timeline.errors import DmtTimelineError, InvalidValueError, quoted


def _clear(out: Path, *, replace: bool) -> None:
    """Refuse a folder that holds anything, unless ``replace``: then its Parquet files go."""
    if not out.exists():
        return
    if not out.is_dir():
        raise InvalidValueError(f"{quoted(str(out))}: not a folder")
    held = sorted(out.iterdir())
    if held and not replace:
        raise InvalidValueError(
            f"{quoted(str(out))}: the folder is not empty, and every Parquet file in it would be read "
            "as a partition (pass replace=True to remove its Parquet files first)"
        )
    for path in held:
        if path.suffix.lower() == ".parquet" and (path.is_symlink() or path.is_file()):
            path.unlink()  # a link itself, never its target


def partition_by_patient(
    source: Any,
    directory: str | os.PathLike[str],
    *,
    partitions: int,
    person_id: str = "person_id",
    replace: bool = False,
) -> list[Path]:
    """Write a long table as Parquet files that each hold whole patients (``part-0000.parquet``...).

    Patients are dealt to files by their rank in id order (ids read by the rule of
    :func:`dmt_timeline.ids.patient_id`), so every file is a run of ids.

    Args:
        source: A pyarrow Table, a pandas DataFrame, or the path of a Parquet or CSV file.
        directory: The folder to write into; created when missing.
        partitions: How many files.
        person_id: The column of patient ids.
        replace: Remove the Parquet files the folder already holds first; without it, a folder
            that is not empty is refused, since :func:`dask_exposure_transitions` would read
            stale files beside the new ones.

    Raises:
        InvalidValueError: for a folder that is not empty (without ``replace``), a missing or
            blank id column, or a table that cannot be read.
    """
    np, pa, pc = _imports()
    import pyarrow.parquet as pq  # noqa: PLC0415

    if partitions < 1:
        raise InvalidValueError(f"partitions {partitions} is not a whole number >= 1")
    out = Path(directory)
    _clear(out, replace=replace)
    table = read_table(source)  # every column: the partitions are the whole table
    if person_id not in table.column_names:
        raise InvalidValueError(f"table: column(s) {person_id} missing")
    check_schema(table, {person_id: ID})
    person, ids = _ids(np, pa, pc, table[person_id], person_id)
    bucket = (person.astype(np.int64) * partitions) // max(len(ids), 1)
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

    Raises:
        InvalidValueError: a problem of a file, named with the file (rows count within it).
        UnknownTherapyError: listing the unknown drugs of every file with their counts, unless
            ``skip_unknown`` is passed.
    """
    files = sorted(Path(paths).glob("*.parquet")) if isinstance(paths, str | os.PathLike) else paths
    if options.get("output", "arrow") != "arrow":
        raise InvalidValueError("output: the merged result is built from Arrow tables; convert it after")
    if options.get("progress") is not None:
        raise InvalidValueError("progress: not reported from Dask workers")
    if options.get("skip_bad_rows"):
        # A part file's rows are not the table's: skipped rows could not be named by their row.
        raise InvalidValueError("skip_bad_rows: rows are numbered in one process; use exposure_transitions")
    # Every task skips unknown drugs and returns (not raises) its problems, so that the workers
    # log no failure and every partition's unknown drugs are counted before one error names all.
    task = functools.partial(_task, options={**options, "skip_unknown": True})
    found = client.gather(client.map(task, [str(p) for p in files], pure=False))
    failed = [
        (Path(path).name, part) for path, part in zip(files, found, strict=True) if isinstance(part, str)
    ]
    if failed:
        name, problem = failed[0]
        more = f" (and problems in {len(failed) - 1} more file(s))" if len(failed) > 1 else ""
        raise InvalidValueError(f"{quoted(name)}: {problem}{more}")
    merged = _merge(found)
    if merged.unknown and not options.get("skip_unknown", False):
        raise unknown_drugs(list(merged.unknown))
    return merged


def _task(path: str, *, options: dict[str, Any]) -> BatchResult | str:
    """One partition's result, or the library's message for it (only that: a worker should not
    log a failure nor send back an exception whose chain could hold input)."""
    problem = None
    try:
        return exposure_transitions(path, **options)
    except DmtTimelineError as exc:
        problem = str(exc)
    return problem
