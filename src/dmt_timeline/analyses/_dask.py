"""The analyses on Dask: each maps its one-process part over Parquet files of whole patients
(see :func:`dmt_timeline.batch.partition_by_patient`) and finishes on the whole cohort.

- pathway counts: a pathway is one patient's, so each file gives its patients' counts and the
  attrition of its eras; the counts are summed and only then suppressed, since a cell small in
  every part may not be small in the whole (and the ``"mean"`` censoring averages the whole
  table's small cells);
- persistence: a course is one patient's, so each file gives its courses; the estimates are
  fitted once on all of them (gathering the durations, not combining per-part risk tables: the
  Turnbull estimate and its bootstrap have no per-part form, and one fit over the same courses
  in the same order is the one-process estimate exactly).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections import Counter
from collections.abc import Mapping
from typing import Any

from dmt_timeline.analyses import pathways
from dmt_timeline.analyses.pathways import PathwayCounts, PathwaySettings
from dmt_timeline.analyses.persistence import Definition, GroupKey, Persistence
from dmt_timeline.batch._dask_episodes import Files, _files, map_partitions
from dmt_timeline.dates import data_cut
from dmt_timeline.errors import InvalidValueError
from dmt_timeline.timeline import DEFAULT_GRACE_MONTHS

__all__ = ["dask_pathway_counts", "dask_persistence"]

# The package exports the function ``persistence`` under the module's name: the module itself.
_persistence = importlib.import_module("dmt_timeline.analyses.persistence")


def _read(path: str) -> Any:
    from dmt_timeline.batch import read_table  # noqa: PLC0415 - the tables extra

    return read_table(path)


def _tally_task(
    path: str, *, settings: PathwaySettings, by: str | Mapping[str, str] | None
) -> tuple[Counter[tuple[str | None, str]], list[tuple[Any, ...]]]:
    return pathways._tally(_read(path), settings, by)


def dask_pathway_counts(
    paths: Files,
    settings: PathwaySettings | None = None,
    *,
    client: Any,
    by: str | Mapping[str, str] | None = None,
) -> PathwayCounts:
    """:func:`~dmt_timeline.analyses.pathways.pathway_counts` over Parquet files of whole
    patients, one Dask task per file; the same counts, suppression and attrition as one process.

    Args:
        paths: The files (see :func:`dmt_timeline.batch.partition_by_patient`) or their folder.
        settings: As for ``pathway_counts``.
        client: A ``distributed.Client``.
        by: As for ``pathway_counts``.

    Raises:
        StatsInputError: the first failing file's problem, named with the file (rows count
            within it).
    """
    settings = PathwaySettings() if settings is None else settings
    parts = map_partitions(client, _tally_task, _files(paths), settings=settings, by=by)
    tally: Counter[tuple[str | None, str]] = Counter()
    attrition = [list(row) for row in parts[0][1]]
    for counts, _ in parts:
        tally.update(counts)
    for _, stages in parts[1:]:
        for total, row in zip(attrition, stages, strict=True):
            total[3] += row[3]  # patients and eras: no patient is in two files
            total[4] += row[4]
    return pathways._counted(tally, [tuple(row) for row in attrition], settings)


def _courses_task(path: str, **options: Any) -> tuple[Any, int]:
    table, indeterminate, _ = _persistence._courses(_read(path), empty_ok=True, **options)
    return table, indeterminate


def dask_persistence(
    paths: Files,
    *,
    client: Any,
    follow_up: Any = None,
    as_of: dt.date | None = None,
    definition: Definition = "gap",
    grace_months: int = DEFAULT_GRACE_MONTHS,
    group_by: GroupKey = "therapy",
    alpha: float = 0.05,
    n_bootstrap: int = 0,
    random_state: int | None = 0,
) -> Persistence:
    """:func:`~dmt_timeline.analyses.persistence` over Parquet files of whole patients: the
    courses on Dask, one task per file, and the estimates once over all of them, so that the
    result equals one process's (courses in patient order, estimates and bootstrap alike).

    Args:
        paths: The files (see :func:`dmt_timeline.batch.partition_by_patient`) or their folder.
        client: A ``distributed.Client``.
        follow_up: The whole follow-up table (pandas, pyarrow or a path), sent to every worker.
        as_of, definition, grace_months, group_by, alpha, n_bootstrap, random_state: As for
            ``persistence``.

    Raises:
        InvalidValueError: as ``persistence``; a file's problem is named with the file.
    """
    np, pa, pc = _persistence._imports()
    _persistence._check_settings(definition, grace_months, group_by)
    as_of = data_cut(as_of)
    if follow_up is not None and not isinstance(follow_up, _persistence.TidyTable):
        follow_up = _read(follow_up) if isinstance(follow_up, str) else follow_up
    parts = map_partitions(
        client,
        _courses_task,
        _files(paths),
        follow_up=follow_up,
        as_of=as_of,
        definition=definition,
        grace_months=grace_months,
        group_by=group_by,
    )
    tables = [table for table, _ in parts if table is not None]
    if not tables:
        raise InvalidValueError("table: no episodes (before the data cut)")
    courses = pa.concat_tables(tables).combine_chunks()
    # Courses of one process are in the order of the patients' ids as text (code points), then
    # their own: Arrow's sort is stable and compares text by its bytes, which is that order.
    courses = courses.take(pc.sort_indices(courses, sort_keys=[("patient_id", "ascending")]))
    group_names, group_of = _persistence._codes(np, pa, pc, courses["group"])
    status_names = pa.array(list(_persistence._STATUS), pa.string())
    status = np.asarray(
        pc.index_in(courses["status"], value_set=status_names).to_numpy(False), dtype=np.int64
    )
    low = np.asarray(courses["months_low"].to_numpy(), dtype=np.int64)
    high = np.asarray(pc.fill_null(courses["months_high"], 0).to_numpy(), dtype=np.int64)
    groups = _persistence._group_estimates(
        np,
        group_names,
        group_of,
        status,
        low,
        high,
        alpha=alpha,
        n_bootstrap=n_bootstrap,
        random_state=random_state,
    )
    return Persistence(
        course_table=courses,
        groups=groups,
        definition=definition,
        grace_months=grace_months,
        as_of=as_of,
        group_by=group_by,
        indeterminate_gaps=sum(n for _, n in parts),
        n_bootstrap=n_bootstrap,
    )
