"""Readers and writers for outside formats: wide study tables, tidy tables, long exposure tables, FHIR.

Importing this package imports neither pandas nor pyarrow; the functions that need them import
them on use and name the extra to install (``pip install "dmt-timeline[tables]"``).
"""

from __future__ import annotations

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
from dmt_timeline.io.tables import (
    EPISODE_COLUMNS,
    LATENCY_COLUMNS,
    TRANSFER_COLUMNS,
    TRANSITION_COLUMNS,
    Column,
    ColumnType,
    TidyTable,
    episodes_table,
    latencies_table,
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
    "LATENCY_COLUMNS",
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
    "RowProblem",
    "TableFormatError",
    "TherapyColumns",
    "TidyTable",
    "WideLayout",
    "WideRead",
    "build_episodes",
    "cohort_from_fhir",
    "cohort_to_fhir",
    "episodes_table",
    "latencies_table",
    "read_exposures_arrow",
    "read_exposures_csv",
    "read_exposures_frame",
    "read_exposures_rows",
    "read_fhir_bundle",
    "read_wide_csv",
    "read_wide_frame",
    "read_wide_rows",
    "to_wide_rows",
    "transfers_table",
    "transitions_table",
    "write_wide_csv",
]
