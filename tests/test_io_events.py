"""Tests for long tables of clinical events: reading, reporting, writing back and attaching."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import DmtTimelineError
from dmt_timeline.events import (
    EdssAssessment,
    Measure,
    MriScan,
    Relapse,
    RelapseSeverity,
    ScoredAssessment,
)
from dmt_timeline.io import ReadingOptions, TableFormatError
from dmt_timeline.io.events import (
    AssessmentLayout,
    EdssLayout,
    EventKind,
    EventLayout,
    EventRead,
    MriLayout,
    RelapseLayout,
    attach_events,
    event_rows,
    parse_event_layout,
    read_events,
    read_events_frame,
    read_events_rows,
    write_events_csv,
)
from dmt_timeline.io.tables import EVENT_COLUMNS, events_table
from dmt_timeline.model import Cohort, Patient
from dmt_timeline.strategies import edss_assessments, mri_scans, relapses, scored_assessments
from tests.leaks import SENTINELS, assert_no_leak, assert_own_error

NAME, NOTE, DATE = SENTINELS


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)  # "\r\n": a cell holding "\r" is quoted
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _messages(exc: TableFormatError) -> list[str]:
    return [str(p) for p in exc.row_problems]


# -- every kind, by example ------------------------------------------------------------------


def test_relapse_table_reads_dates_as_written_and_optional_columns() -> None:
    rows = [
        {"patient_id": "P1", "onset": "Mar 2014", "severity": "Moderate", "steroids": "Yes"},
        {"patient_id": "P1", "onset": "2015", "severity": "", "steroids": ""},
    ]
    read = read_events_rows(rows, RelapseLayout(), header=["patient_id", "onset", "severity", "steroids"])
    assert [(r.patient_id, r.row) for r in read] == [("P1", 2), ("P1", 3)]
    assert [r.event for r in read] == [
        Relapse(PartialDate(2014, 3), RelapseSeverity.MODERATE, None, True),
        Relapse(PartialDate(2015)),
    ]


def test_edss_table_reads_scores_on_the_grid_and_a_comma_decimal() -> None:
    rows = [{"Patient": "7", "Visit": "12/05/2012", "EDSS": "3,5"}]
    layout = EdssLayout(
        patient_id="Patient",
        date="Visit",
        score="EDSS",
        during_relapse=None,
        reading=ReadingOptions(day_first=True),
    )
    (row,) = read_events_rows(rows, layout, header=["Patient", "Visit", "EDSS"])
    assert row.event == EdssAssessment(PartialDate(2012, 5, 12), 3.5)


def test_edss_off_the_grid_is_a_row_problem_naming_patient_column_and_value() -> None:
    rows = [{"patient_id": "P9", "date": "2012", "score": "3.25"}]
    with pytest.raises(TableFormatError) as caught:
        read_events_rows(rows, EdssLayout(), header=["patient_id", "date", "score"])
    (message,) = _messages(caught.value)
    assert message.startswith("row 2, column score: patient 'P9': EDSS 3.25 is not a score")


def test_mri_table_reads_counts_and_refuses_a_scan_without_any() -> None:
    rows = [
        {"patient_id": "P1", "date": "2016-02", "new_t2": "2", "gd_enhancing": ""},
        {"patient_id": "P1", "date": "2017-02", "new_t2": "", "gd_enhancing": ""},
    ]
    read = read_events_rows(
        rows, MriLayout(), header=["patient_id", "date", "new_t2", "gd_enhancing"], skip_bad_rows=True
    )
    assert [r.event for r in read] == [MriScan(PartialDate(2016, 2), new_t2=2)]
    assert [str(p) for p in read.skipped] == [
        "row 3, column new_t2: patient 'P1': no lesion count: a scan reports new_t2 or gd_enhancing"
    ]


def test_mri_table_without_a_count_column_is_refused_once() -> None:
    with pytest.raises(TableFormatError) as caught:
        read_events_rows([], MriLayout(), header=["patient_id", "date"], skip_bad_rows=True)
    assert _messages(caught.value) == [
        "row 1: column 'new_t2' or 'gd_enhancing' missing: a scan table needs a lesion count"
    ]


def test_mri_count_must_be_a_whole_number() -> None:
    rows = [{"patient_id": "P1", "date": "2016", "new_t2": "two"}]
    with pytest.raises(TableFormatError) as caught:
        read_events_rows(rows, MriLayout(gd_enhancing=None), header=["patient_id", "date", "new_t2"])
    assert _messages(caught.value) == [
        "row 2, column new_t2: patient 'P1': "
        "new_t2 'two' is not a whole number such as 0 or 14 (ASCII digits)"
    ]


@pytest.mark.parametrize(
    ("written", "measure"),
    [("T25FW", Measure.T25FW), ("timed 25-foot walk", Measure.T25FW), ("9-HPT", Measure.NHPT),
     ("nine-hole peg test", Measure.NHPT), ("NHPT", Measure.NHPT), ("sdmt", Measure.SDMT)],
)  # fmt: skip
def test_assessment_measures_in_common_spellings(written: str, measure: Measure) -> None:
    rows = [{"patient_id": "P1", "date": "2018-06-01", "measure": written, "value": "48"}]
    (row,) = read_events_rows(rows, AssessmentLayout(), header=["patient_id", "date", "measure", "value"])
    assert row.event == ScoredAssessment(measure, PartialDate(2018, 6, 1), 48.0)


def test_assessment_out_of_range_names_the_measure_and_range() -> None:
    rows = [{"patient_id": "P1", "date": "2018", "measure": "T25FW", "value": "500"}]
    with pytest.raises(TableFormatError) as caught:
        read_events_rows(rows, AssessmentLayout(), header=["patient_id", "date", "measure", "value"])
    assert _messages(caught.value) == [
        "row 2, column value: patient 'P1': value 500.0 is not a T25FW score (seconds in 0..180)"
    ]


def test_unknown_measure_lists_the_known_ones() -> None:
    rows = [{"patient_id": "P1", "date": "2018", "measure": "MSFC", "value": "1"}]
    with pytest.raises(TableFormatError) as caught:
        read_events_rows(rows, AssessmentLayout(), header=["patient_id", "date", "measure", "value"])
    assert _messages(caught.value) == [
        "row 2, column measure: patient 'P1': measure 'MSFC' is not one of T25FW, 9HPT, SDMT"
    ]


@pytest.mark.parametrize("cell", ["1_0", "nan", "\u0663", " 1 2", "-3"])
def test_assessment_value_is_ascii_decimal(cell: str) -> None:
    rows = [{"patient_id": "P1", "date": "2018", "measure": "SDMT", "value": cell}]
    with pytest.raises(TableFormatError) as caught:
        read_events_rows(rows, AssessmentLayout(), header=["patient_id", "date", "measure", "value"])
    (problem,) = caught.value.row_problems
    assert (problem.row, problem.column) == (2, "value")
    assert "is not a number such as 12.5 or 48" in problem.message


@pytest.mark.parametrize("cell", ["maybe", "2"])
def test_yes_no_cell_refuses_other_words(cell: str) -> None:
    rows = [{"patient_id": "P1", "onset": "2014", "steroids": cell}]
    with pytest.raises(TableFormatError) as caught:
        read_events_rows(rows, RelapseLayout(), header=["patient_id", "onset", "steroids"])
    (message,) = _messages(caught.value)
    assert message.startswith(f"row 2, column steroids: patient 'P1': steroids '{cell}' is not yes or no")


def test_missing_required_column_is_named_once_with_the_columns_found() -> None:
    rows = [{"patient_id": "P1", "onset date": "2014"}] * 3
    with pytest.raises(TableFormatError) as caught:
        read_events_rows(rows, RelapseLayout(), header=["patient_id", "onset date"], skip_bad_rows=True)
    assert _messages(caught.value) == ["row 1: column 'onset' missing; found: 'patient_id', 'onset date'"]


def test_optional_column_absent_from_the_header_is_not_read() -> None:
    rows = [{"patient_id": "P1", "onset": "2014", "severity": "awful"}]
    layout = RelapseLayout()
    (row,) = read_events_rows(rows, layout, header=["patient_id", "onset"])
    assert row.event == Relapse(PartialDate(2014))


def test_repeated_row_is_reported_not_read_twice() -> None:
    rows = [{"patient_id": "P1", "onset": "2014-03"}, {"patient_id": "P1", "onset": "2014-03"}]
    read = read_events_rows(rows, RelapseLayout(), header=["patient_id", "onset"], skip_bad_rows=True)
    assert len(read) == 1
    assert [str(p) for p in read.skipped] == [
        "row 3, column onset: patient 'P1': repeats row 2 (the same relapse event)"
    ]


def test_skip_bad_rows_names_rows_and_patients_left_out() -> None:
    rows = [
        {"patient_id": "P1", "onset": "2014"},
        {"patient_id": "P2", "onset": "sometime"},
        {"patient_id": "", "onset": "2015"},
        {"patient_id": "P2", "onset": ""},
    ]
    read = read_events_rows(rows, RelapseLayout(), header=["patient_id", "onset"], skip_bad_rows=True)
    assert [r.row for r in read] == [2]
    assert read.skipped_rows == (3, 4, 5)
    assert read.skipped_patients == ("P2",)
    assert str(read.skipped[-1]) == "row 5, column onset: patient 'P2': onset is blank"


def test_layouts_refuse_a_column_used_twice() -> None:
    with pytest.raises(DmtTimelineError, match="used twice"):
        EdssLayout(date="when", score="when")


def test_mri_layout_needs_a_count_column() -> None:
    with pytest.raises(DmtTimelineError, match="new_t2 or a gd_enhancing"):
        MriLayout(new_t2=None, gd_enhancing=None)


# -- files -----------------------------------------------------------------------------------


def test_csv_rows_numbered_as_a_spreadsheet_with_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "relapses.csv"
    path.write_text("patient_id,onset\nP1,2014\n\nP2,2015-13\n", encoding="utf-8")
    read = read_events(path, RelapseLayout(), skip_bad_rows=True)
    assert [r.row for r in read] == [2]
    assert [p.row for p in read.skipped] == [4]


def test_csv_ragged_row_reported_without_its_content(tmp_path: Path) -> None:
    path = _write(tmp_path / "e.csv", ["patient_id", "date", "score"], [["P1", "2014", "2"], ["P2", NAME]])
    read = read_events(path, EdssLayout(), skip_bad_rows=True)
    assert len(read) == 1
    assert [str(p) for p in read.skipped] == [
        "row 3: has 2 cells where the header has 3: they may be in the wrong columns"
    ]


def test_excel_table_reads_as_the_csv(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Relapses"
    sheet.append(["patient_id", "onset", "steroids"])
    sheet.append(["P1", dt.datetime(2014, 3, 5), True])
    sheet.append(["P1", 2015, None])
    sheet.append([None, None, None])
    sheet.append(["P2", "Jun 2016", "no"])
    book.save(tmp_path / "r.xlsx")
    _write(
        tmp_path / "r.csv",
        ["patient_id", "onset", "steroids"],
        [["P1", "2014-03-05", "yes"], ["P1", "2015", ""], ["", "", ""], ["P2", "Jun 2016", "no"]],
    )
    from_excel = read_events(tmp_path / "r.xlsx", RelapseLayout(), sheet="Relapses")
    from_csv = read_events(tmp_path / "r.csv", RelapseLayout())
    assert from_excel == from_csv
    assert [r.row for r in from_excel] == [2, 3, 5]


def test_frame_reads_numbers_and_timestamps() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {"patient_id": [1, 2], "date": pd.to_datetime(["2014-03-05", "2015-01-02"]), "score": [2.0, 6.5]}
    )
    read = read_events_frame(frame, EdssLayout())
    assert [(r.patient_id, r.event) for r in read] == [
        ("1", EdssAssessment(PartialDate(2014, 3, 5), 2.0)),
        ("2", EdssAssessment(PartialDate(2015, 1, 2), 6.5)),
    ]


# -- written and read back -------------------------------------------------------------------

_KINDS: dict[EventKind, tuple[st.SearchStrategy[Any], EventLayout]] = {
    EventKind.RELAPSE: (relapses(), RelapseLayout()),
    EventKind.EDSS: (edss_assessments(), EdssLayout()),
    EventKind.MRI: (mri_scans(), MriLayout()),
    EventKind.ASSESSMENT: (scored_assessments(), AssessmentLayout()),
}


@st.composite
def _patients_with_events(draw: st.DrawFn, kind: EventKind) -> list[Patient]:
    strategy, _ = _KINDS[kind]
    ids = draw(st.lists(st.text("PQ0123", min_size=1, max_size=3), min_size=1, max_size=4, unique=True))
    return [Patient(who, **{kind.field: draw(st.lists(strategy, max_size=4, unique=True))}) for who in ids]


@pytest.mark.parametrize("kind", list(EventKind))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_valid_event_written_to_a_csv_reads_back_equal(
    tmp_path: Path, kind: EventKind, data: st.DataObject
) -> None:
    patients = data.draw(_patients_with_events(kind))
    layout = _KINDS[kind][1]
    path = tmp_path / f"{kind.value}.csv"
    write_events_csv(path, patients, layout)
    read = read_events(path, layout)
    expected = [(p.id, e) for p in patients for e in getattr(p, kind.field)]
    assert expected == [(r.patient_id, r.event) for r in read]
    attached = attach_events(Cohort([Patient(p.id) for p in patients]), read).cohort
    assert list(Cohort(patients)) == list(attached)


@pytest.mark.parametrize("kind", list(EventKind))
@given(data=st.data())
def test_any_valid_event_as_rows_reads_back_equal(kind: EventKind, data: st.DataObject) -> None:
    patients = data.draw(_patients_with_events(kind))
    layout = _KINDS[kind][1]
    read = read_events_rows(event_rows(patients, layout), layout)
    assert [(p.id, e) for p in patients for e in getattr(p, kind.field)] == [
        (r.patient_id, r.event) for r in read
    ]


# -- attaching -------------------------------------------------------------------------------


def _cohort() -> Cohort:
    return Cohort(
        [
            Patient("P1", last_follow_up=PartialDate(2016, 6)),
            Patient("P2", relapses=[Relapse(PartialDate(2013))]),
        ]
    )


def test_attach_adds_events_after_the_ones_a_patient_had() -> None:
    rows = [{"patient_id": "P2", "onset": "2014-05"}, {"patient_id": "P1", "onset": "2015"}]
    attached = attach_events(
        _cohort(), read_events_rows(rows, RelapseLayout(), header=["patient_id", "onset"])
    )
    assert attached.skipped == ()
    assert attached.cohort["P1"].relapses == (Relapse(PartialDate(2015)),)
    assert attached.cohort["P2"].relapses == (Relapse(PartialDate(2013)), Relapse(PartialDate(2014, 5)))


def test_attach_reports_unknown_patients_repeats_and_events_after_follow_up() -> None:
    rows = [
        {"patient_id": "P3", "onset": "2014"},
        {"patient_id": "P2", "onset": "2013"},
        {"patient_id": "P1", "onset": "2016-07"},
        {"patient_id": "P1", "onset": "2016"},
    ]
    read = read_events_rows(rows, RelapseLayout(), header=["patient_id", "onset"])
    with pytest.raises(TableFormatError) as caught:
        attach_events(_cohort(), read)
    expected = [
        "row 2, column patient_id: patient 'P3' is not in the cohort",
        "row 3, column onset: patient 'P2': repeats a relapse event the patient already has",
        "row 4, column onset: patient 'P1': 2016-07 is after the last follow-up 2016-06",
    ]
    assert _messages(caught.value) == expected
    attached = attach_events(_cohort(), read, skip_bad_rows=True)
    assert [str(p) for p in attached.skipped] == expected
    # 2016 may fall before 2016-06: it cannot be said to be after the last follow-up.
    assert attached.cohort["P1"].relapses == (Relapse(PartialDate(2016)),)


def test_attach_keeps_cohort_metadata_and_untouched_patients() -> None:
    cohort = _cohort()
    attached = attach_events(cohort, EventRead(EventKind.EDSS))
    assert attached.cohort == cohort


# -- fuzzed cells ----------------------------------------------------------------------------

_HEADERS = {kind: [*layout.required, *layout.optional] for kind, (_, layout) in _KINDS.items()}
_GOOD = {
    EventKind.RELAPSE: ["P1", "2014-03", "mild", "partial", "yes"],
    EventKind.EDSS: ["P1", "2014-03", "3.5", "no"],
    EventKind.MRI: ["P1", "2014", "2", "0"],
    EventKind.ASSESSMENT: ["P1", "2014", "SDMT", "48"],
}
_JUNK = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["", " ", "NA", "1e999", "2014-02-30", "0/2014", "10.5", "-1", "1001", '"', "\x00", "x" * 2000]
    ),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40),
)


@pytest.mark.parametrize("kind", list(EventKind))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
@given(data=st.data(), skip=st.booleans())
def test_fuzzed_cells_give_only_own_errors_and_account_for_every_row(
    tmp_path: Path, kind: EventKind, data: st.DataObject, skip: bool
) -> None:
    header = [*_HEADERS[kind], "contact", "notes", "born"]
    count = data.draw(st.integers(min_value=1, max_value=6))
    rows = []
    for _ in range(count):
        cells = [*_GOOD[kind], NAME, NOTE, DATE]
        for i in data.draw(st.sets(st.integers(0, len(_GOOD[kind]) - 1), max_size=3)):
            cells[i] = data.draw(_JUNK)
        rows.append(cells)
    path = _write(tmp_path / "fuzz.csv", header, rows)
    # A junk row of only blank cells in the columns read still has its sentinels: never blank.
    try:
        read = read_events(path, _KINDS[kind][1], skip_bad_rows=skip)
    except DmtTimelineError as exc:
        assert_own_error(exc)
        return
    except Exception as exc:  # pragma: no cover - the failure this test looks for
        pytest.fail(f"{type(exc).__name__} escaped the reader")
    assert_no_leak(str(p) for p in read.skipped)
    rows_read = {r.row for r in read}
    assert rows_read.isdisjoint(read.skipped_rows)
    assert rows_read | set(read.skipped_rows) == set(range(2, count + 2))


# -- the tidy table of events ----------------------------------------------------------------


def _event_patient() -> Patient:
    return Patient(
        "P1",
        labels={"site": "North"},
        relapses=[Relapse(PartialDate(2014, 3), RelapseSeverity.SEVERE, None, True)],
        edss_assessments=[EdssAssessment(PartialDate(2014, 6, 2), 4.5, during_relapse=False)],
        mri_scans=[MriScan(PartialDate(2015), new_t2=0)],
        assessments=[ScoredAssessment(Measure.NHPT, PartialDate(2016, 1), 23.5)],
    )


def test_events_table_has_one_row_per_event_with_its_values() -> None:
    table = events_table([_event_patient()])
    assert table.names == tuple(c.name for c in EVENT_COLUMNS)
    rows = table.to_dicts()
    assert [(r["kind"], r["date_earliest"], r["date_latest"], r["date_precision"]) for r in rows] == [
        ("relapse", dt.date(2014, 3, 1), dt.date(2014, 3, 31), "month"),
        ("edss", dt.date(2014, 6, 2), dt.date(2014, 6, 2), "day"),
        ("mri", dt.date(2015, 1, 1), dt.date(2015, 12, 31), "year"),
        ("assessment", dt.date(2016, 1, 1), dt.date(2016, 1, 31), "month"),
    ]
    filled = [{k: v for k, v in r.items() if v is not None and not k.startswith("date")} for r in rows]
    assert filled == [
        {"patient_id": "P1", "kind": "relapse", "event": 0, "severity": "severe", "steroids": True},
        {"patient_id": "P1", "kind": "edss", "event": 0, "edss": 4.5, "during_relapse": False},
        # new_t2 0 and gd_enhancing not counted: the scan cannot say it was inactive.
        {"patient_id": "P1", "kind": "mri", "event": 0, "new_t2": 0},
        {"patient_id": "P1", "kind": "assessment", "event": 0, "measure": "9HPT", "value": 23.5},
    ]


def test_events_table_takes_patient_labels_and_chosen_kinds() -> None:
    table = events_table([_event_patient()], kinds=["mri", "edss"]).with_labels([_event_patient()])
    assert [(r["kind"], r["site"]) for r in table.to_dicts()] == [("edss", "North"), ("mri", "North")]


def test_events_table_refuses_an_unknown_kind() -> None:
    with pytest.raises(DmtTimelineError, match="'relapses' unknown"):
        events_table([], kinds=["relapses"])


def test_events_table_converts_to_typed_frames() -> None:
    pytest.importorskip("pandas")
    frame = events_table([_event_patient()]).to_pandas()
    assert str(frame["new_t2"].dtype) == "Int64"
    assert str(frame["steroids"].dtype) == "boolean"
    pa = pytest.importorskip("pyarrow")
    assert events_table([_event_patient()]).to_arrow().schema.field("value").type == pa.float64()


@given(patients=_patients_with_events(EventKind.EDSS))
def test_events_table_bounds_are_each_events_days(patients: list[Patient]) -> None:
    rows = events_table(patients).to_dicts()
    events = [e for p in patients for e in p.edss_assessments]
    assert [(r["date_earliest"], r["date_latest"], r["edss"]) for r in rows] == [
        (e.date.first_day, e.date.last_day, e.score.score) for e in events
    ]


# -- layout files ----------------------------------------------------------------------------


def test_event_layout_file_maps_columns_and_reading(tmp_path: Path) -> None:
    layout_file = tmp_path / "relapses.toml"
    layout_file.write_text(
        'kind = "relapses"\n[columns]\npatient_id = "Patient"\nonset = "Onset"\nsteroids = false\n'
        "[reading]\nday_first = true\n",
        encoding="utf-8",
    )
    table = _write(tmp_path / "r.csv", ["Patient", "Onset", "steroids"], [["P1", "12/05/2012", "maybe"]])
    (row,) = read_events(table, layout_file)
    assert (row.patient_id, row.event) == ("P1", Relapse(PartialDate(2012, 5, 12)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('kind = "long"', "layout kind 'long': an event layout's kind is one of 'relapses', 'edss'"),
        ("kind = [", "layout: not valid TOML"),
        ('kind = "edss"\n[columns]\nscores = "EDSS"', "unknown key 'scores'; did you mean score?"),
        ('kind = "mri"\n[columns]\nnew_t2 = false\ngd_enhancing = false', "needs a new_t2 or a gd_enhancing"),
        ('kind = "edss"\n[crosswalk.reasons]\nx = "y"', "layout file: unknown key 'crosswalk'"),
        ('kind = "edss"\n[columns]\ndate = 3', "layout columns.date '3': expected a column name"),
    ],
)
def test_event_layout_file_errors_name_the_key(text: str, message: str) -> None:
    with pytest.raises(DmtTimelineError) as caught:
        parse_event_layout(text)
    assert message in str(caught.value)


@pytest.mark.parametrize("column", ["new_t2", "gd_enhancing"])
def test_mri_count_above_the_limit_is_reported_under_its_own_column(column: str) -> None:
    rows = [{"patient_id": "P1", "date": "2016", "new_t2": "0", "gd_enhancing": "0", column: "1001"}]
    with pytest.raises(TableFormatError) as caught:
        read_events_rows(rows, MriLayout(), header=["patient_id", "date", "new_t2", "gd_enhancing"])
    (problem,) = caught.value.row_problems
    assert (problem.row, problem.column) == (2, column)
    assert problem.message == f"patient 'P1': {column} 1001 is not a count of lesions in 0..1000"
