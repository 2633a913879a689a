"""A researcher's own chart review, read in one call with a layout file and a reason crosswalk.

The table was written for this test as a chart review is: dates in several spellings, stop
cells saying ``ongoing``, brand names, one typo, an EDSS of 3.25, a stop before its start,
reasons in the clinic's own words, and a ``Sex`` column. Every patient, every value and every
problem line is checked; the same table as ``.xlsx`` gives the same cohort.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import attrs
import pytest

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import CohortFormatError
from dmt_timeline.io.layouts import load_layout
from dmt_timeline.io.long import LongRead
from dmt_timeline.io.sources import read_table
from dmt_timeline.io.wide import TableFormatError, WideLayout, write_wide_csv
from dmt_timeline.model import NOT_RECORDED, ONGOING, Patient, SwitchReason, TherapyEpisode

R = SwitchReason
D = PartialDate

CHART = """\
Patient,Sex,Drug,Start date,Stop date,Reason for stopping,EDSS at stop
P01,F,Avonex,03/2007,2010-6,lack of efficacy,2.5
P01,F,Tysabri,Sep 2010,ongoing,,
P02,M,Copaxone,2008,2011,intolerance,2
P02,M,Gilenya,2011-03,12/05/2021,patient decision,3
P02,M,Ocrevus,2021-05-12,Current,,
P03,F,Rebif,2005,2009,Psoriasis,
P03,F,Tecfidera,2009 Oct,Continuing,,
P04,F,Tysabri,2012-02-14,15/06/2016,PML risk,3
P04,F,Ocrevus,Jul 2016,to date,,
P05,M,Tecfidera,2014-1,March 2015,GI side effects,
P05,M,Gilenya,2015-04,Present,,
P06,F,Copaxone,2010,2013,pregnancy,1.5
P06,F,Copaxone,2015,,,
P07,F,Tysbari,2011,2014,JCV positive,
P07,F,Ocrevus,2018,ongoing,,
P08,M,Rebif,2009,2012,side effects,3.25
P08,M,Gilenya,2012,present,,
P09,F,Gilenya,2016,2014,intolerance,
P10,M,Avonex,2002 Mar,2004,AE,2
P10,M,Ocrevus,2018-3,ongoing,,
"""

LAYOUT = """\
kind = "long"

[columns]
patient_id = "Patient"
therapy = "Drug"
start = "Start date"
stop = "Stop date"
reasons = "Reason for stopping"
edss = "EDSS at stop"
labels = ["Sex"]

[reading]
day_first = true

[crosswalk.reasons]
"GI side effects" = "adverse event"
"""


def ep(
    therapy: str,
    start: PartialDate,
    stop: PartialDate | object = NOT_RECORDED,
    reasons: tuple[SwitchReason, ...] = (),
    edss: float | None = None,
) -> TherapyEpisode:
    return TherapyEpisode(CATALOGUE.get(therapy), start, stop, reasons, edss)


EXPECTED = (
    Patient(
        "P01",
        episodes=(
            ep("interferon beta-1a", D(2007, 3), D(2010, 6), (R.LOSS_OF_EFFECTIVENESS,), 2.5),
            ep("natalizumab", D(2010, 9), ONGOING),
        ),
        labels={"Sex": "F"},
    ),
    Patient(
        "P02",
        episodes=(
            ep("glatiramer acetate", D(2008), D(2011), (R.INTOLERANCE,), 2.0),
            ep("fingolimod", D(2011, 3), D(2021, 5, 12), (R.PATIENT_CHOICE,), 3.0),
            ep("ocrelizumab", D(2021, 5, 12), ONGOING),
        ),
        labels={"Sex": "M"},
    ),
    Patient(
        "P03",
        episodes=(
            ep("interferon beta-1a", D(2005), D(2009), (R.COMORBIDITY_WORSENING,)),
            ep("dimethyl fumarate", D(2009, 10), ONGOING),
        ),
        labels={"Sex": "F"},
    ),
    Patient(
        "P04",
        episodes=(
            ep("natalizumab", D(2012, 2, 14), D(2016, 6, 15), (R.PML_RISK,), 3.0),
            ep("ocrelizumab", D(2016, 7), ONGOING),
        ),
        labels={"Sex": "F"},
    ),
    Patient(
        "P05",
        episodes=(
            ep("dimethyl fumarate", D(2014, 1), D(2015, 3), (R.ADVERSE_EVENT,)),
            ep("fingolimod", D(2015, 4), ONGOING),
        ),
        labels={"Sex": "M"},
    ),
    Patient(
        "P06",
        episodes=(
            ep("glatiramer acetate", D(2010), D(2013), (R.PREGNANCY,), 1.5),
            ep("glatiramer acetate", D(2015), NOT_RECORDED),
        ),
        labels={"Sex": "F"},
    ),
    Patient(
        "P10",
        episodes=(
            ep("interferon beta-1a", D(2002, 3), D(2004), (R.ADVERSE_EVENT,), 2.0),
            ep("ocrelizumab", D(2018, 3), ONGOING),
        ),
        labels={"Sex": "M"},
    ),
)

PROBLEMS = [
    "row 15, column Drug: patient 'P07': unknown therapy 'Tysbari'; did you mean 'Tysabri'?",
    "row 17, column EDSS at stop: patient 'P08': EDSS 3.25 is not a score: expected 0 or 1.0..10.0 in "
    "steps of 0.5",
    "row 19, column Stop date: patient 'P09': stop 2014 is before start 2016",
]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    chart, layout = tmp_path / "chart review.csv", tmp_path / "layout.toml"
    chart.write_text(CHART, encoding="utf-8")
    layout.write_text(LAYOUT, encoding="utf-8")
    return chart, layout


def test_the_chart_review_in_one_call(files: tuple[Path, Path]) -> None:
    chart, layout = files
    read = read_table(chart, layout, skip_bad_rows=True)
    assert EXPECTED == read.cohort.patients
    assert PROBLEMS == [str(p) for p in read.skipped]
    assert isinstance(read, LongRead)
    assert ("P07", "P08", "P09") == read.skipped_patients


def test_without_skipping_nothing_is_read_and_every_problem_is_named(files: tuple[Path, Path]) -> None:
    chart, layout = files
    with pytest.raises(TableFormatError) as info:
        read_table(chart, layout)
    assert "chart review.csv: 3 problem(s); nothing was read" == info.value.summary
    assert PROBLEMS == [str(p) for p in info.value.row_problems]


def test_the_same_chart_review_as_xlsx(files: tuple[Path, Path], tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    layout = files[1]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Notes"
    sheet["A1"] = "not this sheet"
    data = book.create_sheet("DMT history")
    for line in CHART.splitlines():
        data.append([_typed(cell) for cell in line.split(",")])
    data.append([None] * 7)  # a formatted, empty row at the end, as spreadsheets have
    path = tmp_path / "chart review.xlsx"
    book.save(path)

    read = read_table(path, layout, sheet="DMT history", skip_bad_rows=True)
    assert EXPECTED == read.cohort.patients
    assert PROBLEMS == [str(p) for p in read.skipped]


def _typed(cell: str) -> object:
    """A cell as a spreadsheet holds it: numbers as numbers, ISO days as date cells."""
    if not cell:
        return None
    if cell.isdigit():
        return int(cell)
    try:
        return float(cell)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(cell) if len(cell) == 10 else cell
    except ValueError:
        return cell


def test_a_missing_sheet_is_named_with_the_sheets_found(files: tuple[Path, Path], tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "book.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(CohortFormatError, match=r"book\.xlsx: no sheet 'DMT'; sheets: 'Sheet'"):
        read_table(path, files[1], sheet="DMT")


def test_a_file_that_is_not_a_workbook(files: tuple[Path, Path], tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    path = tmp_path / "fake.xlsx"
    path.write_text("Patient,Drug\nJane-Roe-0917,Avonex\n", encoding="utf-8")
    with pytest.raises(CohortFormatError) as info:
        read_table(path, files[1])
    assert "fake.xlsx: not an Excel .xlsx workbook" == str(info.value)
    assert (None, None) == (info.value.__cause__, info.value.__context__)


def test_another_suffix_is_refused(files: tuple[Path, Path], tmp_path: Path) -> None:
    path = tmp_path / "chart.ods"
    path.write_bytes(b"")
    with pytest.raises(CohortFormatError, match=r"chart\.ods: expected one of \.csv, \.txt, \.xlsx"):
        read_table(path, files[1])


WIDE_HEADER = ",".join(
    [
        "Patient",
        "Sex",
        *(f"DMT {n}{part}" for n in (1, 2, 3) for part in ("", " start", " stop", " reason", " EDSS")),
    ]
)
WIDE_ROWS = [
    "P01,F,Avonex,03/2007,2010-6,lack of efficacy,2.5,Tysabri,Sep 2010,ongoing,,,,,,,",
    "P02,M,Copaxone,2008,2011,intolerance,2,Gilenya,2011-03,12/05/2021,patient decision,3"
    ",Ocrevus,2021-05-12,Current,,",
    "P03,F,Rebif,2005,2009,Psoriasis,,Tecfidera,2009 Oct,Continuing,,,,,,,",
    "P04,F,Tysabri,2012-02-14,15/06/2016,PML risk,3,Ocrevus,Jul 2016,to date,,,,,,,",
    "P05,M,Tecfidera,2014-1,March 2015,GI side effects,,Gilenya,2015-04,Present,,,,,,,",
    "P06,F,Copaxone,2010,2013,pregnancy,1.5,Copaxone,2015,,,,,,,,",
    "P07,F,Tysbari,2011,2014,JCV positive,,Ocrevus,2018,ongoing,,,,,,,",
    "P08,M,Rebif,2009,2012,side effects,3.25,Gilenya,2012,present,,,,,,,",
    "P09,F,Gilenya,2016,2014,intolerance,,,,,,,,,,,",
    "P10,M,Avonex,2002 Mar,2004,AE,2,Ocrevus,2018-3,ongoing,,,,,,,",
]
WIDE_CHART = "\n".join([WIDE_HEADER, *WIDE_ROWS, ""])

WIDE_LAYOUT = """\
kind = "wide"

[columns]
patient_id = "Patient"
labels = ["Sex"]

[[therapies]]
therapy = "DMT 1"
start = "DMT 1 start"
stop = "DMT 1 stop"
reasons = "DMT 1 reason"
edss = "DMT 1 EDSS"

[[therapies]]
therapy = "DMT 2"
start = "DMT 2 start"
stop = "DMT 2 stop"
reasons = "DMT 2 reason"
edss = "DMT 2 EDSS"

[[therapies]]
therapy = "DMT 3"
start = "DMT 3 start"
stop = "DMT 3 stop"
reasons = "DMT 3 reason"
edss = "DMT 3 EDSS"

[reading]
day_first = true

[crosswalk.reasons]
"GI side effects" = "adverse event"
"""


def _histories(patients: Iterable[Patient]) -> list[tuple[str, dict[str, str], list[tuple[object, ...]]]]:
    """What a chart review says of each patient, whatever the table's shape: labels and episodes."""
    return [
        (
            p.id,
            {k: v for k, v in p.labels if k != "table_row"},
            [(e.therapy, e.start, e.stop, e.reasons, e.edss) for e in p.episodes],
        )
        for p in patients
    ]


def test_the_wide_form_of_the_chart_review_gives_the_same_patients(tmp_path: Path) -> None:
    chart, layout = tmp_path / "wide chart.csv", tmp_path / "wide.toml"
    chart.write_text(WIDE_CHART, encoding="utf-8")
    layout.write_text(WIDE_LAYOUT, encoding="utf-8")
    read = read_table(chart, layout, skip_bad_rows=True)
    assert _histories(EXPECTED) == _histories(read.cohort)
    assert [
        "row 8, column DMT 1: unknown therapy 'Tysbari'; did you mean 'Tysabri'?",
        "row 9, column DMT 1 EDSS: EDSS 3.25 is not a score: expected 0 or 1.0..10.0 in steps of 0.5",
        "row 10, column DMT 1 stop: patient 'P09': stop 2014 is before start 2016",
    ] == [str(p) for p in read.skipped]


def test_a_wide_layout_writes_its_labels_back(tmp_path: Path) -> None:
    layout = load_layout_text(WIDE_LAYOUT, tmp_path)
    assert isinstance(layout, WideLayout)
    chart = tmp_path / "wide chart.csv"
    chart.write_text(WIDE_CHART, encoding="utf-8")
    cohort = read_table(chart, layout, skip_bad_rows=True).cohort
    path = tmp_path / "out.csv"
    write_wide_csv(cohort, path, attrs.evolve(layout, reading=None))
    again = read_table(path, attrs.evolve(layout, reading=None)).cohort
    assert _histories(EXPECTED) == _histories(again)


def load_layout_text(text: str, folder: Path) -> object:
    path = folder / "layout.toml"
    path.write_text(text, encoding="utf-8")
    return load_layout(path)
