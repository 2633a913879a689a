"""Tests for wide study tables: the study's transcription, round trips, and row-level errors."""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from pathlib import Path

import pytest

from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.io import (
    STUDY_LAYOUT,
    RowProblem,
    TableFormatError,
    read_wide_csv,
    read_wide_frame,
    read_wide_rows,
    write_wide_csv,
)
from dmt_timeline.model import NOT_RECORDED, ONGOING, CSFBands, SwitchReason

STUDY_CSV = Path(str(files("dmt_timeline.datasets").joinpath("natalizumab_psoriasis_wide.csv")))
HEADER = ",".join(STUDY_LAYOUT.columns)
GOOD = "P01,2007,Pos,2,2007,t,GA,2007,LOE,2.5,IFNb,2009,LOE,3,Nat,2011,2.5,4,2,0,direct IFN to Nat"


def _write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "table.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _replace(row: str, column: str, value: str) -> str:
    cells = row.split(",")
    cells[STUDY_LAYOUT.columns.index(column)] = value
    return ",".join(cells)


def test_study_csv_reads_as_the_bundled_cohort() -> None:
    expected = load_natalizumab_psoriasis().patients

    actual = read_wide_csv(STUDY_CSV)

    assert () == actual.skipped
    assert expected == actual.cohort.patients


def test_study_csv_round_trips(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"

    write_wide_csv(read_wide_csv(STUDY_CSV).cohort, out)

    assert STUDY_CSV.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")


def test_study_frame_reads_as_the_bundled_cohort() -> None:
    pd = pytest.importorskip("pandas")
    expected = load_natalizumab_psoriasis().patients

    # keep_default_na=False keeps the cell "NA" (ongoing) as text rather than a missing value.
    actual = read_wide_frame(pd.read_csv(STUDY_CSV, keep_default_na=False))

    assert expected == actual.cohort.patients


def test_frame_with_numeric_columns_and_missing_values() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(STUDY_CSV, keep_default_na=False).iloc[[15]]
    # A frame built in a notebook holds floats and NaN where the CSV holds text and blanks.
    frame = frame.assign(dmt1_start=2008.0, final_edss=float("nan"), dmt1_reason=None)

    actual = read_wide_frame(frame)

    assert load_natalizumab_psoriasis()["P16"].episodes == actual.cohort["P16"].episodes


def test_reading_conventions(tmp_path: Path) -> None:
    cohort = read_wide_csv(STUDY_CSV).cohort

    p06, p12, p13, p15 = cohort["P06"], cohort["P12"], cohort["P13"], cohort["P15"]

    assert ONGOING == p06.episodes[1].stop
    assert (NOT_RECORDED, ()) == (p12.episodes[1].stop, p12.episodes[1].reasons)
    assert NOT_RECORDED == p15.episodes[2].stop
    assert (SwitchReason.SAFETY_RISK,) == p15.episodes[0].reasons
    assert "JCV+ occurred in 2016" == p15.label("table_footnote")
    assert CSFBands.NOT_DONE == p13.diagnoses[0].csf
    assert [1, 2, 3] == [e.sequence for e in p15.episodes]
    assert {0} == {o.episode for o in p15.observations}


def test_month_dates_are_read(tmp_path: Path) -> None:
    path = _write(tmp_path, _replace(GOOD, "dmt1_start", "2007-03"))

    patient = read_wide_csv(path).cohort["P01"]

    assert "2007-03" == str(patient.episodes[0].start)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("dmt2", "Foo", "unknown therapy 'Foo'"),
        ("dmt1_start", "20O7", "expected YYYY"),
        ("dmt1_reason", "bored", "stop reason 'bored' is not one of"),
        ("baseline_edss", "0.5", "EDSS 0.5 is not a score"),
        ("csf", "maybe", "CSF 'maybe'"),
    ],
)
def test_bad_cell_is_reported_with_row_and_column(
    tmp_path: Path, column: str, value: str, message: str
) -> None:
    path = _write(tmp_path, GOOD.replace("P01", "P00"), _replace(GOOD, column, value))

    with pytest.raises(TableFormatError) as caught:
        read_wide_csv(path)

    [problem] = caught.value.row_problems
    assert (2, column) == (problem.row, problem.column)
    assert message in problem.message


def test_errors_do_not_echo_rows(tmp_path: Path) -> None:
    path = _write(tmp_path, _replace(GOOD, "dmt2", "Foo"))

    with pytest.raises(TableFormatError) as caught:
        read_wide_csv(path)

    assert "direct IFN to Nat" not in str(caught.value)
    assert "row 1, column dmt2: unknown therapy 'Foo'" in str(caught.value)


def test_every_problem_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, _replace(_replace(GOOD, "dmt2", "Foo"), "ms_dx", "x"), _replace(GOOD, "csf", "?"))

    with pytest.raises(TableFormatError) as caught:
        read_wide_csv(path)

    assert [(1, "ms_dx"), (1, "dmt2"), (2, "csf")] == [(p.row, p.column) for p in caught.value.row_problems]


def test_duplicate_patient_ids_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD, GOOD)

    with pytest.raises(TableFormatError) as caught:
        read_wide_csv(path)

    assert (RowProblem(2, "id", "patient id P01 repeats row 1"),) == caught.value.row_problems


def test_date_after_as_of_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, _replace(GOOD, "dmt3_start", "2027"))

    with pytest.raises(TableFormatError) as caught:
        read_wide_csv(path, as_of=dt.date(2026, 11, 24))

    [problem] = caught.value.row_problems
    assert ("dmt3_start", "date '2027' is after as_of 2026-11-24") == (problem.column, problem.message)


def test_future_date_is_accepted_without_as_of(tmp_path: Path) -> None:
    path = _write(tmp_path, _replace(GOOD, "dmt3_start", "2027"))

    assert 1 == len(read_wide_csv(path).cohort)


def test_skip_bad_rows_returns_the_rest_and_a_report(tmp_path: Path) -> None:
    path = _write(tmp_path, _replace(GOOD, "dmt1", "Foo"), GOOD.replace("P01", "P02"))

    result = read_wide_csv(path, skip_bad_rows=True)

    assert ["P02"] == [p.id for p in result.cohort]
    assert [(1, "dmt1")] == [(p.row, p.column) for p in result.skipped]


def test_missing_header_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,ms_dx\nP01,2007\n", encoding="utf-8")

    with pytest.raises(TableFormatError, match="header lacks"):
        read_wide_csv(path, skip_bad_rows=True)


def test_undeclared_footnote_marker_is_reported() -> None:
    row = dict(zip(STUDY_LAYOUT.columns, _replace(GOOD, "dmt1_reason", "LOE*").split(","), strict=True))

    with pytest.raises(TableFormatError, match="footnote marker"):
        read_wide_rows([row])


def test_latency_without_index_therapy_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, _replace(_replace(GOOD, "dmt3", ""), "dmt3_start", ""))

    with pytest.raises(TableFormatError) as caught:
        read_wide_csv(path)

    assert ["ms_benefit_months", "ps_benefit_months"] == [p.column for p in caught.value.row_problems]
