"""Reading: rows, CSV files and DataFrames into a cohort, refused whole or with bad rows skipped."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs

from dmt_timeline.catalogue import CATALOGUE, Catalogue
from dmt_timeline.dates import data_cut
from dmt_timeline.errors import quoted
from dmt_timeline.io._problems import RowProblem, TableFormatError
from dmt_timeline.io._table import HEADER_ROW, SourceRow, check_header, frame_rows, mapping_rows, open_csv
from dmt_timeline.io.wide._cells import _Row
from dmt_timeline.io.wide._layout import WideLayout
from dmt_timeline.io.wide._patients import _patient
from dmt_timeline.model import Cohort, CohortMetadata, Patient
from dmt_timeline.timeline import Timeline

_WHAT: Final = "wide table"


@attrs.frozen
class WideRead:
    """What a wide table gave: the cohort, and the rows skipped (only with ``skip_bad_rows``)."""

    cohort: Cohort
    skipped: tuple[RowProblem, ...] = ()


def read_wide_rows(
    rows: Iterable[Mapping[str, object]],
    layout: WideLayout,
    *,
    header: Sequence[str] | None = None,
    catalogue: Catalogue = CATALOGUE,
    as_of: dt.date | None = None,
    skip_bad_rows: bool = False,
    metadata: CohortMetadata = CohortMetadata(),  # noqa: B008 - a frozen value, safe as a default
) -> WideRead:
    """Read rows of cells (column name to cell) through ``layout``.

    Rows are numbered as in a spreadsheet whose header is row 1: the first row given is row 2.
    A column a row lacks reads as blank; a ``None`` cell or key (how ``csv.DictReader`` marks a
    row with fewer or more cells than the header) refuses the row.

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
        _check(header, layout)
    return _read(
        mapping_rows(rows, layout.columns),
        layout,
        catalogue=catalogue,
        as_of=as_of,
        skip_bad_rows=skip_bad_rows,
        metadata=metadata,
    )


def _check(header: Sequence[str], layout: WideLayout, row: int = HEADER_ROW) -> None:
    check_header(header, layout.columns, _WHAT, row=row)


def _read(
    rows: Iterable[SourceRow],
    layout: WideLayout,
    *,
    catalogue: Catalogue,
    as_of: dt.date | None,
    skip_bad_rows: bool,
    metadata: CohortMetadata,
) -> WideRead:
    as_of = data_cut(as_of)
    patients: list[Patient] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for source in rows:
        row = _Row(source)
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
            row.fail(layout.patient_id, f"patient id {quoted(patient.id)} repeats row {seen[patient.id]}")
            patient = None
        problems.extend(row.problems)
        if patient is not None:
            seen[patient.id] = row.number
            patients.append(patient)
    if problems and not skip_bad_rows:
        raise TableFormatError(f"{_WHAT}: {len(problems)} problem(s); nothing was read", problems)
    return WideRead(Cohort(patients, metadata), tuple(problems))


def read_wide_csv(
    path: str | os.PathLike[str],
    layout: WideLayout,
    *,
    catalogue: Catalogue = CATALOGUE,
    as_of: dt.date | None = None,
    skip_bad_rows: bool = False,
    metadata: CohortMetadata = CohortMetadata(),  # noqa: B008 - a frozen value, safe as a default
) -> WideRead:
    """Read a wide CSV file (UTF-8, header row) through ``layout``; see :func:`read_wide_rows`.

    Rows are numbered as a spreadsheet shows them: the header is row 1 and a blank line is a
    row (with nothing to read). A row with more or fewer cells than the header, bytes that are
    not UTF-8, or a cell too long or spanning lines is reported whole, without its content.

    Raises:
        TableFormatError: as :func:`read_wide_rows`; also for a file with no header row or a
            header that is not UTF-8, even with ``skip_bad_rows``.
    """
    with open_csv(path, _WHAT, lambda _: layout.columns) as table:
        _check(table.header, layout, table.header_row)
        return _read(
            table.rows,
            layout,
            catalogue=catalogue,
            as_of=as_of,
            skip_bad_rows=skip_bad_rows,
            metadata=metadata,
        )


def read_wide_frame(
    frame: Any,
    layout: WideLayout,
    *,
    catalogue: Catalogue = CATALOGUE,
    as_of: dt.date | None = None,
    skip_bad_rows: bool = False,
    metadata: CohortMetadata = CohortMetadata(),  # noqa: B008 - a frozen value, safe as a default
) -> WideRead:
    """Read a pandas DataFrame (one row per patient) through ``layout``; see :func:`read_wide_rows`.

    Rows are numbered by position as in the CSV the frame would be (the header is row 1, the
    frame's first row row 2), whatever the frame's index. A whole float (``2007.0``) reads as
    ``2007``, in the patient id too. Read the CSV with ``pd.read_csv(path, keep_default_na=False)``:
    by default pandas turns the cell ``NA`` (not applicable: the episode is ongoing) into a
    missing value, which reads as not recorded.
    """
    _check([str(c) for c in frame.columns], layout)
    return _read(
        frame_rows(frame, layout.columns),
        layout,
        catalogue=catalogue,
        as_of=as_of,
        skip_bad_rows=skip_bad_rows,
        metadata=metadata,
    )
