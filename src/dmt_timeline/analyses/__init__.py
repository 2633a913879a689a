"""Cohort analyses over tidy tables, written once for every scale.

Each analysis reads the columns of a tidy table (:func:`dmt_timeline.io.tables.episodes_table`
and its siblings, or a batch-engine table with the same columns, as pandas, pyarrow, Parquet
or CSV), so one function serves a :class:`~dmt_timeline.Cohort` (through its tables) and a
registry-scale table alike.

- :func:`persistence`: time on each therapy until discontinuation, right-censored at the data
  cut or last follow-up, with Kaplan-Meier estimates where the dates give exact times and the
  Turnbull estimate where they give ranges; discontinuation by stop reason as competing risks.
- :mod:`dmt_timeline.analyses.pathways`: treatment pathways with OHDSI TreatmentPatterns'
  settings, optionally in a window around an index (import the module itself).
- :mod:`dmt_timeline.analyses.baseline`: a baseline table ("Table 1") by group, with
  tableone's conventions and small-cell suppression (import the module itself).

- :func:`dask_pathway_counts` and :func:`dask_persistence`: the same on a Dask cluster over
  Parquet files of whole patients (:func:`dmt_timeline.batch.partition_by_patient`), with the
  one-process results (the extra ``dask`` too).

numpy and pyarrow are the extra ``tables``.
"""

from __future__ import annotations

from dmt_timeline.analyses._dask import dask_pathway_counts, dask_persistence
from dmt_timeline.analyses.persistence import (
    COURSE_COLUMNS,
    Persistence,
    PersistenceGroup,
    persistence,
)

__all__ = [
    "COURSE_COLUMNS",
    "Persistence",
    "PersistenceGroup",
    "dask_pathway_counts",
    "dask_persistence",
    "persistence",
]
