"""SAS, Stata and SPSS files read like the CSV they would be (the extra ``stats-files``).

The files are written in each test with pyreadstat's own writers, from the chart review of
:mod:`tests.test_own_data`, so that no binary file is committed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import CohortFormatError
from dmt_timeline.io.cells import ReadingOptions
from dmt_timeline.io.layouts import LongLayout
from dmt_timeline.io.sources import STATS_FILES_EXTRA, open_table, read_table
from dmt_timeline.model import NOT_RECORDED, ONGOING
from tests.test_own_data import CHART, EXPECTED, PROBLEMS

pyreadstat = pytest.importorskip("pyreadstat")
pd = pytest.importorskip("pandas")

# Stata and SAS transport names: letters, digits and _, at most 8 characters for XPT.
NAMES = {
    "Patient": "pid",
    "Sex": "sex",
    "Drug": "drug",
    "Start date": "start",
    "Stop date": "stop",
    "Reason for stopping": "reason",
    "EDSS at stop": "edss",
}
LAYOUT = LongLayout(
    patient_id="pid",
    therapy="drug",
    start="start",
    stop="stop",
    reasons="reason",
    edss="edss",
    labels=("sex",),
    reading=ReadingOptions(day_first=True, reasons={"GI side effects": "adverse event"}),
)
WRITERS = {".dta": "write_dta", ".sav": "write_sav", ".zsav": "write_sav", ".xpt": "write_xport"}


def _frame() -> Any:
    rows = list(csv.DictReader(io.StringIO(CHART)))
    frame = pd.DataFrame([{NAMES[k]: v for k, v in row.items()} for row in rows])
    # EDSS as a number variable, as a statistics package stores it (blank: missing).
    frame["edss"] = [float(v) if v else math.nan for v in frame["edss"]]
    return frame


def _write(frame: Any, path: Path) -> Path:
    kwargs = {"compress": True} if path.suffix == ".zsav" else {}
    getattr(pyreadstat, WRITERS[path.suffix])(frame, path, **kwargs)
    return path


def _renamed(problem: str) -> str:
    for old, new in NAMES.items():
        problem = problem.replace(f"column {old}:", f"column {new}:")
    return problem


@pytest.mark.parametrize("suffix", list(WRITERS))
def test_the_chart_review_reads_the_same_from_each_package(suffix: str, tmp_path: Path) -> None:
    path = _write(_frame(), tmp_path / f"chart{suffix}")
    read = read_table(path, LAYOUT, skip_bad_rows=True)
    expected = tuple(attrs.evolve(p, labels={"sex": dict(p.labels)["Sex"]}) for p in EXPECTED)
    assert expected == read.cohort.patients
    assert [_renamed(p) for p in PROBLEMS] == [str(p) for p in read.skipped]


@pytest.mark.parametrize("suffix", [".dta", ".sav", ".xpt"])
def test_date_variables_are_days(suffix: str, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "pid": ["P1", "P1"],
            "drug": ["Avonex", "Tysabri"],
            "start": [dt.date(2007, 3, 14), dt.date(2010, 9, 1)],
            "stop": [dt.date(2010, 6, 30), None],
        }
    )
    path = _write(frame, tmp_path / f"dates{suffix}")
    layout = LongLayout(patient_id="pid", therapy="drug", start="start", stop="stop")
    (patient,) = read_table(path, layout).cohort
    starts = [e.start for e in patient.episodes]
    stops = [e.stop for e in patient.episodes]
    assert [PartialDate(2007, 3, 14), PartialDate(2010, 9, 1)] == starts
    assert [PartialDate(2010, 6, 30), NOT_RECORDED] == stops
    assert ONGOING not in stops


def test_rows_are_numbered_as_a_spreadsheet(tmp_path: Path) -> None:
    path = _write(_frame(), tmp_path / "chart.dta")
    with open_table(path) as (header, rows):
        numbered = list(rows)
    assert list(NAMES.values()) == header
    assert list(range(2, 2 + len(CHART.splitlines()) - 1)) == [n for n, _ in numbered]


def test_a_file_the_package_cannot_read_is_named_without_its_content(tmp_path: Path) -> None:
    path = tmp_path / "broken.sav"
    path.write_text("pid,drug\nJane-Roe-0917,Avonex\n", encoding="utf-8")
    with pytest.raises(CohortFormatError) as info:
        read_table(path, LAYOUT)
    assert "broken.sav: not a readable SPSS file" == str(info.value)
    assert (None, None) == (info.value.__cause__, info.value.__context__)


def test_a_sheet_is_refused_for_a_stats_file(tmp_path: Path) -> None:
    path = _write(_frame(), tmp_path / "chart.dta")
    with pytest.raises(CohortFormatError, match=r"chart\.dta: sheet is for Excel files; this is \.dta"):
        read_table(path, LAYOUT, sheet="DMTs")


def test_without_pyreadstat_the_message_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(_frame(), tmp_path / "chart.dta")
    monkeypatch.setitem(sys.modules, "pyreadstat", None)
    with pytest.raises(ImportError) as info:
        read_table(path, LAYOUT)
    assert f"reading SAS, Stata and SPSS files needs pyreadstat: {STATS_FILES_EXTRA}" == str(info.value)
