"""Wide study tables: one row per patient, numbered therapy columns, read through a declared layout.

A :class:`WideLayout` says which column holds what. Cells are read in the forms hand-made
tables use (``2007``, ``2007-03``, ``t, s``, ``LOE, Ps``, ``NA``, ``JCV+*``, ``Pos``, ``0``),
with the reading conventions of the bundled study (see :data:`STUDY_LAYOUT`):

- a stop-reason cell ``NA`` means the episode did not stop (:data:`~dmt_timeline.ONGOING`);
  codes mean it stopped for those reasons, date not recorded; a blank cell, or a therapy
  without a reason column, means :data:`~dmt_timeline.NOT_RECORDED`;
- a stop-date cell, in a layout that declares one, is the episode's stop; it contradicts a
  reason cell ``NA``, and the row is refused;
- a last-follow-up cell, in a layout that declares one, is the patient's
  :attr:`~dmt_timeline.Patient.last_follow_up`, so latencies with no response are censored;
- each episode's ``sequence`` is its therapy column's number (1st, 2nd, 3rd...);
- CSF ``0`` means not done; a blank cell anywhere means unknown;
- latencies are whole months, tied to the first episode of the layout's index therapy.

Every problem is reported as ``row <n>, column <name>: <problem>``, rows numbered as a
spreadsheet numbers them (the header is row 1, a blank line is a row). A cell is quoted only
through :func:`dmt_timeline.errors.quoted` (escaped, at most 40 characters), a row never is:
a row with more or fewer cells than the header, bytes that are not UTF-8, or a cell too long
or spanning lines is reported as ``row <n>: <problem>`` and none of its cells is read. A cell
that holds a number holds ASCII digits (``2``, ``3.5``): ``1_0``, ``1e0`` or other scripts'
digits are refused.
"""

from __future__ import annotations

from typing import Final

from dmt_timeline.io._problems import RowProblem, TableFormatError
from dmt_timeline.io.wide import _layout
from dmt_timeline.io.wide._layout import TherapyColumns, WideLayout
from dmt_timeline.io.wide._reading import WideRead, read_wide_csv, read_wide_frame, read_wide_rows
from dmt_timeline.io.wide._writing import to_wide_rows, write_wide_csv

__all__ = [
    "STUDY_LAYOUT",
    "RowProblem",
    "TableFormatError",
    "TherapyColumns",
    "WideLayout",
    "WideRead",
    "read_wide_csv",
    "read_wide_frame",
    "read_wide_rows",
    "to_wide_rows",
    "write_wide_csv",
]

# Re-exported by assignment so that Sphinx, which reads doc-comments in this module only, documents it.
STUDY_LAYOUT: Final = _layout.STUDY_LAYOUT
"""The layout of ``datasets/natalizumab_psoriasis_wide.csv``, the study's table as printed."""
