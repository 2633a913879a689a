"""The one-process episode functions on Dask: each maps the function itself over Parquet files
of whole patients (see :func:`partition_by_patient`) and puts the parts in patient order.

Every rule of these functions acts within one patient, so a partition of whole patients gives
that patient's rows exactly; only the order of patients is restored here.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dmt_timeline.batch._columns import _imports, _rows
from dmt_timeline.batch._episodes import episode_transitions
from dmt_timeline.batch._latencies import episode_latencies
from dmt_timeline.batch._patient_ids import _id_codes, _ids
from dmt_timeline.batch._reading import read_table
from dmt_timeline.batch._results import _output
from dmt_timeline.batch._transfers import episode_transfers
from dmt_timeline.errors import DmtTimelineError, InvalidValueError, quoted
from dmt_timeline.latency import _in_order, outcome_condition
from dmt_timeline.timeline import Selector

Files = Sequence[str | os.PathLike[str]] | str | os.PathLike[str]


def _files(paths: Files) -> list[str]:
    """The files, or a folder's ``*.parquet`` files in name order."""
    if isinstance(paths, str | os.PathLike):
        return [str(p) for p in sorted(Path(paths).glob("*.parquet"))]
    return [str(p) for p in paths]


def _guarded(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The function's result, or the library error's class and message (only that: a worker
    should not log a failure nor send back an exception whose chain could hold input)."""
    problem = None
    try:
        return function(*args, **kwargs)
    except DmtTimelineError as exc:
        problem = (type(exc), str(exc))
    return _Failed(*problem)


class _Failed:
    """A partition's library error, carried back from a worker."""

    def __init__(self, kind: type[DmtTimelineError], message: str) -> None:
        self.kind, self.message = kind, message


def map_partitions(client: Any, task: Callable[..., Any], files: list[str], **kwargs: Any) -> list[Any]:
    """``task(file, **kwargs)`` on every file, one Dask task each, results in file order.

    Raises:
        DmtTimelineError: the first failing file's error, of the same class, named with the
            file (rows count within that file), and how many more files failed.
    """
    if not files:
        raise InvalidValueError("paths: no Parquet file to read")
    shared = {
        key: client.scatter(value, broadcast=True) if _large(value) else value
        for key, value in kwargs.items()
    }
    found = client.gather(client.map(functools.partial(_guarded, task), files, pure=False, **shared))
    failed = [(Path(f).name, part) for f, part in zip(files, found, strict=True) if isinstance(part, _Failed)]
    if failed:
        name, first = failed[0]
        more = f" (and problems in {len(failed) - 1} more file(s))" if len(failed) > 1 else ""
        raise first.kind(f"{quoted(name)}: {first.message}{more}")
    return list(found)


def _large(value: Any) -> bool:
    """A table sent once to every worker rather than with every task."""
    return hasattr(value, "num_rows") or hasattr(value, "columns")


def in_patient_order(tables: list[Any], column: str = "patient_id") -> Any:
    """The parts as one table, patients in the order of the one-process functions (ids by the
    rule of :func:`dmt_timeline.ids.patient_id`); a stable sort keeps each patient's own order."""
    np, pa, pc = _imports()
    table = pa.concat_tables(tables, promote_options="permissive").combine_chunks()
    if table.num_rows == 0:
        return table
    codes, _ = _ids(np, pa, pc, table[column], column)
    return table.take(pa.array(np.argsort(codes, kind="stable"), pa.int64()))


def dask_episode_transitions(paths: Files, *, client: Any, **options: Any) -> Any:
    """:func:`episode_transitions` over Parquet files of whole patients, one task per file.

    Args:
        paths: The files (written by :func:`partition_by_patient` from an episodes table), or
            their folder.
        client: A ``distributed.Client``.
        options: Passed to :func:`episode_transitions`; ``output`` applies to the merged table
            and ``progress`` is not reported from workers.

    Returns:
        The table :func:`episode_transitions` gives for the whole table, row for row.

    Raises:
        DmtTimelineError: the error of the first failing file, named with it (rows count within
            the file; a history refused lists that file's patients).
    """
    output = _options(options)
    parts = map_partitions(client, _arrow(episode_transitions), _files(paths), **options)
    return _output(in_patient_order(parts), output)


def dask_episode_transfers(
    paths: Files, source: Selector, target: Selector, *, client: Any, **options: Any
) -> Any:
    """:func:`episode_transfers` over Parquet files of whole patients, one task per file
    (arguments as :func:`dask_episode_transitions`); the same rows as one process."""
    output = _options(options)
    task = _arrow(episode_transfers)
    parts = map_partitions(client, task, _files(paths), source=source, target=target, **options)
    return _output(in_patient_order(parts), output)


def dask_episode_latencies(
    paths: Files,
    observations: Any,
    *,
    client: Any,
    index: Selector,
    outcomes: Sequence[str] | None = None,
    follow_up: Any = None,
    diagnoses: Any = None,
    **options: Any,
) -> Any:
    """:func:`episode_latencies` over Parquet files of whole patients, one task per file.

    ``observations``, ``follow_up`` and ``diagnoses`` are whole tables (pandas, pyarrow, or a
    path), sent once to every worker; each task takes the observations of its own patients.
    The default ``outcomes`` are those named anywhere in the observations and diagnoses, as
    in one process. Other arguments as :func:`dask_episode_transitions`.

    Returns:
        The table :func:`episode_latencies` gives for the whole tables, row for row.

    Raises:
        InvalidValueError: naming the rows of observations of a patient in no file; otherwise
            the first failing file's error, named with the file (rows of observations count
            within that file's patients).
    """
    np, pa, pc = _imports()
    output = _options(options)
    table = read_table(observations)
    if outcomes is None:
        # The one-process default: every outcome the observations or diagnoses name, each
        # condition once in the latencies' order; a text that is no outcome is left to each
        # task's check of the observations.
        texts: set[str] = set()
        if "outcome" in table.column_names:
            texts |= set(pc.unique(pc.cast(table["outcome"], pa.string())).to_pylist())
        if diagnoses is not None:
            named_diagnoses = read_table(diagnoses)
            if "condition" in named_diagnoses.column_names:
                column = pc.cast(named_diagnoses["condition"], pa.string())
                texts |= set(pc.unique(column).to_pylist())
        conditions = []
        for text in texts - {None}:
            try:
                conditions.append(outcome_condition(text))
            except DmtTimelineError:
                continue
        outcomes = list(_in_order(conditions))
    if "patient_id" not in table.column_names:
        raise InvalidValueError("table: column(s) patient_id missing")
    if diagnoses is not None:
        diagnoses = read_table(diagnoses)
    if follow_up is not None:
        follow_up = read_table(follow_up)
    files = _files(paths)
    found = map_partitions(
        client,
        _latencies_task,
        files,
        observations=table,
        index=index,
        outcomes=list(outcomes),
        follow_up=follow_up,
        diagnoses=diagnoses,
        options=options,
    )
    kept = sum(n for _, n in found)
    if kept != table.num_rows:  # observations of patients in no file: named as one process names them
        ids = pa.concat_arrays(list(map_partitions(client, _patient_ids, files)))
        person = _id_codes(np, pa, pc, table["patient_id"], name="patient_id", ids=ids)
        rows = _rows(np, person < 0)
        raise InvalidValueError(
            f"column patient_id: a patient with no episode in the episodes table at row(s) {rows}"
        )
    return _output(in_patient_order([part for part, _ in found]), output)


def _options(options: dict[str, Any]) -> Any:
    if options.get("progress") is not None:
        raise InvalidValueError("progress: not reported from Dask workers")
    options.pop("progress", None)
    return options.pop("output", "arrow")


def _arrow(function: Callable[..., Any]) -> Callable[..., Any]:
    return functools.partial(function, output="arrow")


def _patient_ids(path: str) -> Any:
    np, pa, pc = _imports()
    _, ids = _ids(np, pa, pc, read_table(path, ("patient_id",))["patient_id"], "patient_id")
    return ids


def _latencies_task(
    path: str, *, observations: Any, options: dict[str, Any], **kwargs: Any
) -> tuple[Any, int]:
    """One file's latencies, over the observations of its own patients (and how many those are)."""
    np, pa, pc = _imports()
    ids = _patient_ids(path)
    mine = _id_codes(np, pa, pc, observations["patient_id"], name="patient_id", ids=ids) >= 0
    own = observations.filter(pa.array(mine))
    return episode_latencies(path, own, output="arrow", **kwargs, **options), own.num_rows
