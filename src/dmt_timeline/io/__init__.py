"""Readers and writers for outside formats: a researcher's own CSV and Excel tables through a layout,
wide study tables, tidy tables, long exposure tables, FHIR.

Importing this package imports neither pandas nor pyarrow; the functions that need them import
them on use and name the extra to install (``pip install "dmt-timeline[tables]"``).
"""

from __future__ import annotations

from dmt_timeline.io.cells import read_stop
from dmt_timeline.io.exposures import (
    DEFAULT_PERSISTENCE_DAYS,
    EpisodeBuild,
    Exposure,
    ExposureColumns,
    ExposureRead,
    build_episodes,
    read_exposures_arrow,
    read_exposures_csv,
    read_exposures_frame,
    read_exposures_rows,
)
from dmt_timeline.io.fhir import EntryProblem, FhirRead, cohort_from_fhir, cohort_to_fhir, read_fhir_bundle
from dmt_timeline.io.layouts import LongLayout, ReadingOptions, draft_layout, load_layout
from dmt_timeline.io.long import LongRead, read_long_rows
from dmt_timeline.io.sources import read_table
from dmt_timeline.io.tables import (
    EPISODE_COLUMNS,
    FOLLOW_UP_COLUMNS,
    LATENCY_COLUMNS,
    OBSERVATION_COLUMNS,
    TRANSFER_COLUMNS,
    TRANSITION_COLUMNS,
    Column,
    ColumnType,
    TidyTable,
    episodes_table,
    follow_up_table,
    latencies_table,
    observations_table,
    transfers_table,
    transitions_table,
)
from dmt_timeline.io.wide import (
    STUDY_LAYOUT,
    RowProblem,
    TableFormatError,
    TherapyColumns,
    WideLayout,
    WideRead,
    read_wide_csv,
    read_wide_frame,
    read_wide_rows,
    to_wide_rows,
    write_wide_csv,
)

__all__ = [
    "DEFAULT_PERSISTENCE_DAYS",
    "EPISODE_COLUMNS",
    "FOLLOW_UP_COLUMNS",
    "LATENCY_COLUMNS",
    "OBSERVATION_COLUMNS",
    "STUDY_LAYOUT",
    "TRANSFER_COLUMNS",
    "TRANSITION_COLUMNS",
    "Column",
    "ColumnType",
    "EntryProblem",
    "EpisodeBuild",
    "Exposure",
    "ExposureColumns",
    "ExposureRead",
    "FhirRead",
    "LongLayout",
    "LongRead",
    "ReadingOptions",
    "RowProblem",
    "TableFormatError",
    "TherapyColumns",
    "TidyTable",
    "WideLayout",
    "WideRead",
    "build_episodes",
    "cohort_from_fhir",
    "cohort_to_fhir",
    "draft_layout",
    "episodes_table",
    "follow_up_table",
    "latencies_table",
    "load_layout",
    "observations_table",
    "read_exposures_arrow",
    "read_exposures_csv",
    "read_exposures_frame",
    "read_exposures_rows",
    "read_fhir_bundle",
    "read_long_rows",
    "read_stop",
    "read_table",
    "read_wide_csv",
    "read_wide_frame",
    "read_wide_rows",
    "to_wide_rows",
    "transfers_table",
    "transitions_table",
    "write_wide_csv",
]
