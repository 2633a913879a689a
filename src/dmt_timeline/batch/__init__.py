"""Cohort-level era building and transition classification over columns, not objects.

The object model (:class:`~dmt_timeline.Timeline`) answers one patient at a time; claims and
registry tables hold millions of rows. This package gives the same answers for a whole table
with numpy over integer day numbers (days since 1970-01-01, Arrow's ``date32``), one
partition of patients at a time, without building one Python object per row:

- :func:`exposure_transitions` reads a long exposure table (pandas, pyarrow, Parquet or CSV),
  builds eras with the rule of :func:`dmt_timeline.io.build_episodes` (both take the window
  from :func:`dmt_timeline.eras.persistence_window`) and classifies the transitions between them;
- :func:`episode_transitions` classifies transitions of a tidy episodes table with partial
  dates (the columns of :func:`dmt_timeline.io.tables.episodes_table`), indeterminate cases
  included, in the order :class:`~dmt_timeline.Timeline` normalises episodes into;
- :func:`episode_transfers` gives, for the same table, how a source therapy or class reached
  the first, last or each start of a target, as :func:`dmt_timeline.transfer` does; and
  :func:`eras_as_episodes` turns the eras of an exposure table into such a table;
- :func:`episode_latencies` gives the response latencies of the same table with its
  observations and last follow-ups, as :func:`dmt_timeline.cohort_latencies` does;
- :func:`dask_episode_transitions`, :func:`dask_episode_transfers` and
  :func:`dask_episode_latencies` run those three on a Dask cluster over Parquet files of whole
  patients (:func:`partition_by_patient`), with the one-process rows;
- :func:`disability_events` gives the confirmed disability worsening (RAW, PIRA) of a tidy
  events table (the columns of :func:`dmt_timeline.io.tables.events_table`) by the rule of
  :func:`dmt_timeline.outcomes.confirmed_disability_events`, which it shares; and
  :func:`episode_relapse_rates` the annualised relapse rate on each episode of an episodes
  table, as :func:`dmt_timeline.outcomes.episode_relapse_rates` does;
- :func:`whole_months_array` and :func:`classify_arrays` are the vectorised forms of
  :func:`dmt_timeline.whole_months` and of the timeline's classification; the tests hold them
  to exact agreement with the scalar definitions.

numpy and pyarrow are the extra ``tables``.
"""

from __future__ import annotations

from typing import Final

from dmt_timeline.batch import _classify, _columns, _exposure_table
from dmt_timeline.batch._classify import classify_arrays, whole_months_array
from dmt_timeline.batch._dask_episodes import (
    dask_episode_latencies,
    dask_episode_transfers,
    dask_episode_transitions,
)
from dmt_timeline.batch._episodes import episode_transitions, eras_as_episodes
from dmt_timeline.batch._exposure_eras import exposure_transitions
from dmt_timeline.batch._latencies import episode_latencies
from dmt_timeline.batch._outcomes import disability_events, episode_relapse_rates
from dmt_timeline.batch._reading import read_table
from dmt_timeline.batch._results import BatchResult
from dmt_timeline.batch._scale_out import dask_exposure_transitions, partition_by_patient
from dmt_timeline.batch._transfers import episode_transfers

__all__ = [
    "BATCH_COLUMNS",
    "DAY_FORMS",
    "KINDS",
    "BatchResult",
    "classify_arrays",
    "dask_episode_latencies",
    "dask_episode_transfers",
    "dask_episode_transitions",
    "dask_exposure_transitions",
    "disability_events",
    "episode_latencies",
    "episode_relapse_rates",
    "episode_transfers",
    "episode_transitions",
    "eras_as_episodes",
    "exposure_transitions",
    "partition_by_patient",
    "read_table",
    "whole_months_array",
]

# Re-exported by assignment so that Sphinx, which reads doc-comments in this module only, documents them.
BATCH_COLUMNS: Final = _exposure_table.BATCH_COLUMNS
"""The default columns of a long exposure table here: person_id, drug, start, end, reason."""

KINDS: Final = _classify.KINDS
"""The transition kinds by the integer codes :func:`classify_arrays` returns."""

DAY_FORMS: Final = _columns.DAY_FORMS
"""The text forms of a whole day the engine reads in a date column, each exactly as
:meth:`dmt_timeline.PartialDate.read` reads it (numeric days only with ``day_first``)."""
