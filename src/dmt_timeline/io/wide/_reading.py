"""Reading: rows, CSV files and DataFrames into a cohort, refused whole or with bad rows skipped."""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from dmt_timeline.catalogue import CATALOGUE, Catalogue
from dmt_timeline.io._frames import frame_records
from dmt_timeline.io.wide._cells import _Row
from dmt_timeline.io.wide._layout import STUDY_LAYOUT, WideLayout
from dmt_timeline.io.wide._patients import _patient
from dmt_timeline.io.wide._problems import RowProblem, TableFormatError
from dmt_timeline.model import Cohort, CohortMetadata, Patient
from dmt_timeline.timeline import Timeline


@attrs.frozen
class WideRead:
    """What a wide table gave: the cohort, and the rows skipped (only with ``skip_bad_rows``)."""

    cohort: Cohort
    skipped: tuple[RowProblem, ...] = ()


def read_wide_rows(
    rows: Iterable[Mapping[str, str]],
    layout: WideLayout = STUDY_LAYOUT,
    *,
    header: Sequence[str] | None = None,
    catalogue: Catalogue = CATALOGUE,
    as_of: dt.date | None = None,
    skip_bad_rows: bool = False,
    metadata: CohortMetadata = CohortMetadata(),  # noqa: B008 - a frozen value, safe as a default
) -> WideRead:
    """Read rows of text cells (column name to cell) through ``layout``.

    Args:
        rows: The data rows, first row first.
        layout: Which column holds what.
        header: The table's column names, checked against the layout when given.
        catalogue: Where therapy names are looked up.
        as_of: When given, a date after it is refused (data entered in the future).
        skip_bad_rows: Return the rows that could be read and report the others, instead of
            refusing the whole table; a row whose history :meth:`Timeline.of
            <dmt_timeline.Timeline.of>` refuses is then reported too, with its message.
        metadata: The cohort's metadata.

    Raises:
        TableFormatError: listing every problem, unless ``skip_bad_rows`` is set; a table
            whose header lacks a layout column is refused even then.
    """
    if header is not None:
        missing = [c for c in layout.columns if c not in header]
        if missing:
            raise TableFormatError(
                "wide table: the header lacks columns of the layout",
                [RowProblem(0, c, "missing from the header") for c in missing],
            )
    patients: list[Patient] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(rows, start=1):
        row = _Row(number, cells)
        patient = _patient(row, layout, catalogue, as_of)
        if patient is not None and skip_bad_rows:
            # What the timeline refuses is a problem of the row when bad rows are skipped, with
            # the timeline's own message, so that the cohort returned can be classified: every
            # path gives one answer for one history (rule 9).
            refused = Timeline(patient.episodes, patient.last_follow_up, patient.id).problems()
            if refused:
                row.fail(layout.patient_id, "; ".join(refused))
                patient = None
        if patient is not None and patient.id in seen:
            row.fail(layout.patient_id, f"patient id {patient.id} repeats row {seen[patient.id]}")
            patient = None
        problems.extend(row.problems)
        if patient is not None:
            seen[patient.id] = number
            patients.append(patient)
    if problems and not skip_bad_rows:
        raise TableFormatError(f"wide table: {len(problems)} problem(s); nothing was read", problems)
    return WideRead(Cohort(patients, metadata), tuple(problems))


def read_wide_csv(
    path: str | os.PathLike[str],
    layout: WideLayout = STUDY_LAYOUT,
    *,
    catalogue: Catalogue = CATALOGUE,
    as_of: dt.date | None = None,
    skip_bad_rows: bool = False,
    metadata: CohortMetadata = CohortMetadata(),  # noqa: B008 - a frozen value, safe as a default
) -> WideRead:
    """Read a wide CSV file (UTF-8, header row) through ``layout``; see :func:`read_wide_rows`."""
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = tuple(reader.fieldnames or ())
        return read_wide_rows(
            reader,
            layout,
            header=header,
            catalogue=catalogue,
            as_of=as_of,
            skip_bad_rows=skip_bad_rows,
            metadata=metadata,
        )


def _frame_cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        # A numeric column holds years and whole EDSS scores as floats: 2007.0 means "2007".
        return str(int(value))
    return str(value)


def read_wide_frame(
    frame: Any,
    layout: WideLayout = STUDY_LAYOUT,
    *,
    catalogue: Catalogue = CATALOGUE,
    as_of: dt.date | None = None,
    skip_bad_rows: bool = False,
    metadata: CohortMetadata = CohortMetadata(),  # noqa: B008 - a frozen value, safe as a default
) -> WideRead:
    """Read a pandas DataFrame (one row per patient) through ``layout``; see :func:`read_wide_rows`.

    Rows are numbered by position from 1, whatever the frame's index. Read the CSV with
    ``pd.read_csv(path, keep_default_na=False)``: by default pandas turns the cell ``NA``
    (not applicable: the episode is ongoing) into a missing value, which reads as not recorded.
    """
    return read_wide_rows(
        frame_records(frame, _frame_cell),
        layout,
        header=[str(c) for c in frame.columns],
        catalogue=catalogue,
        as_of=as_of,
        skip_bad_rows=skip_bad_rows,
        metadata=metadata,
    )
