"""Tests for wide study tables: the study's transcription, round trips, and row-level errors."""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.dates import MonthRange, PartialDate, Precision
from dmt_timeline.errors import CohortFormatError, TimelineError
from dmt_timeline.io import (
    STUDY_LAYOUT,
    RowProblem,
    TableFormatError,
    read_wide_csv,
    read_wide_frame,
    read_wide_rows,
    to_wide_rows,
    write_wide_csv,
)
from dmt_timeline.io._cells import CellError, number, whole
from dmt_timeline.latency import cohort_latencies, latency
from dmt_timeline.model import NOT_RECORDED, ONGOING, CSFBands, SwitchReason
from dmt_timeline.strategies import partial_dates

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


# The study's layout with a last-follow-up column and a stop-date column for each therapy.
FOLLOWED = attrs.evolve(
    STUDY_LAYOUT,
    last_follow_up="last_seen",
    therapies=[attrs.evolve(t, stop=f"{t.therapy}_stop") for t in STUDY_LAYOUT.therapies],
)


def _followed(**changes: str) -> dict[str, str]:
    """GOOD as a row of FOLLOWED (its new cells blank), with ``changes`` made."""
    row = dict.fromkeys(FOLLOWED.columns, "")
    row.update(zip(STUDY_LAYOUT.columns, GOOD.split(","), strict=True))
    row.update(changes)
    return row


def _problems(*rows: dict[str, str]) -> list[RowProblem]:
    with pytest.raises(TableFormatError) as caught:
        read_wide_rows(rows, FOLLOWED)
    return list(caught.value.row_problems)


def test_study_csv_reads_as_the_bundled_cohort() -> None:
    expected = load_natalizumab_psoriasis().patients

    actual = read_wide_csv(STUDY_CSV, STUDY_LAYOUT)

    assert () == actual.skipped
    assert expected == actual.cohort.patients


def test_study_csv_round_trips(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"

    write_wide_csv(read_wide_csv(STUDY_CSV, STUDY_LAYOUT).cohort, out)

    assert STUDY_CSV.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")


def test_study_frame_reads_as_the_bundled_cohort() -> None:
    pd = pytest.importorskip("pandas")
    expected = load_natalizumab_psoriasis().patients

    # keep_default_na=False keeps the cell "NA" (ongoing) as text rather than a missing value.
    actual = read_wide_frame(pd.read_csv(STUDY_CSV, keep_default_na=False), STUDY_LAYOUT)

    assert expected == actual.cohort.patients


def test_frame_with_numeric_columns_and_missing_values() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(STUDY_CSV, keep_default_na=False).iloc[[15]]
    # A frame built in a notebook holds floats and NaN where the CSV holds text and blanks.
    frame = frame.assign(dmt1_start=2008.0, final_edss=float("nan"), dmt1_reason=None)

    actual = read_wide_frame(frame, STUDY_LAYOUT)

    assert load_natalizumab_psoriasis()["P16"].episodes == actual.cohort["P16"].episodes


def test_reading_conventions(tmp_path: Path) -> None:
    cohort = read_wide_csv(STUDY_CSV, STUDY_LAYOUT).cohort

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

    patient = read_wide_csv(path, STUDY_LAYOUT).cohort["P01"]

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
        read_wide_csv(path, STUDY_LAYOUT)

    [problem] = caught.value.row_problems
    assert (3, column) == (problem.row, problem.column)
    assert message in problem.message


def test_errors_do_not_echo_rows(tmp_path: Path) -> None:
    path = _write(tmp_path, _replace(GOOD, "dmt2", "Foo"))

    with pytest.raises(TableFormatError) as caught:
        read_wide_csv(path, STUDY_LAYOUT)

    assert "direct IFN to Nat" not in str(caught.value)
    assert "row 2, column dmt2: unknown therapy 'Foo'" in str(caught.value)


def test_every_problem_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, _replace(_replace(GOOD, "dmt2", "Foo"), "ms_dx", "x"), _replace(GOOD, "csf", "?"))

    with pytest.raises(TableFormatError) as caught:
        read_wide_csv(path, STUDY_LAYOUT)

    assert [(2, "ms_dx"), (2, "dmt2"), (3, "csf")] == [(p.row, p.column) for p in caught.value.row_problems]


def test_duplicate_patient_ids_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD, GOOD)

    with pytest.raises(TableFormatError) as caught:
        read_wide_csv(path, STUDY_LAYOUT)

    assert (RowProblem(3, "id", "patient id 'P01' repeats row 2"),) == caught.value.row_problems


def test_date_after_as_of_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, _replace(GOOD, "dmt3_start", "2027"))

    with pytest.raises(TableFormatError) as caught:
        read_wide_csv(path, STUDY_LAYOUT, as_of=dt.date(2026, 11, 24))

    [problem] = caught.value.row_problems
    assert ("dmt3_start", "date '2027' is after as_of 2026-11-24") == (problem.column, problem.message)


def test_future_date_is_accepted_without_as_of(tmp_path: Path) -> None:
    path = _write(tmp_path, _replace(GOOD, "dmt3_start", "2027"))

    assert 1 == len(read_wide_csv(path, STUDY_LAYOUT).cohort)


def test_skip_bad_rows_returns_the_rest_and_a_report(tmp_path: Path) -> None:
    path = _write(tmp_path, _replace(GOOD, "dmt1", "Foo"), GOOD.replace("P01", "P02"))

    result = read_wide_csv(path, STUDY_LAYOUT, skip_bad_rows=True)

    assert ["P02"] == [p.id for p in result.cohort]
    assert [(2, "dmt1")] == [(p.row, p.column) for p in result.skipped]


def test_missing_header_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,ms_dx\nP01,2007\n", encoding="utf-8")

    with pytest.raises(TableFormatError, match="header lacks"):
        read_wide_csv(path, STUDY_LAYOUT, skip_bad_rows=True)


def test_undeclared_footnote_marker_is_reported() -> None:
    row = dict(zip(STUDY_LAYOUT.columns, _replace(GOOD, "dmt1_reason", "LOE*").split(","), strict=True))

    with pytest.raises(TableFormatError, match="footnote marker"):
        read_wide_rows([row], STUDY_LAYOUT)


def test_latency_without_index_therapy_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, _replace(_replace(GOOD, "dmt3", ""), "dmt3_start", ""))

    with pytest.raises(TableFormatError) as caught:
        read_wide_csv(path, STUDY_LAYOUT)

    assert ["ms_benefit_months", "ps_benefit_months"] == [p.column for p in caught.value.row_problems]


# -- last follow-up and stop dates ----------------------------------------------------------


def test_new_columns_are_not_declared_by_default() -> None:
    cohort = read_wide_csv(STUDY_CSV, STUDY_LAYOUT).cohort

    assert (None, {None}) == (STUDY_LAYOUT.last_follow_up, {t.stop for t in STUDY_LAYOUT.therapies})
    assert {None} == {p.last_follow_up for p in cohort}
    assert "last_seen" not in STUDY_LAYOUT.columns
    assert ("dmt1", "dmt1_start", "dmt1_stop", "dmt1_reason", "dmt1_edss") == FOLLOWED.therapies[0].names


@pytest.mark.parametrize(
    ("cell", "precision"),
    [("2015", Precision.YEAR), ("2015-06", Precision.MONTH), ("2015-06-30", Precision.DAY)],
)
def test_last_follow_up_is_read(cell: str, precision: Precision) -> None:
    patient = read_wide_rows([_followed(last_seen=cell)], FOLLOWED).cohort["P01"]

    assert PartialDate.parse(cell) == patient.last_follow_up
    assert precision == patient.last_follow_up.precision


def test_blank_last_follow_up_is_unknown() -> None:
    assert None is read_wide_rows([_followed()], FOLLOWED).cohort["P01"].last_follow_up


def test_stop_date_is_read_beside_the_reasons() -> None:
    row = _followed(dmt1_stop="2009-02", dmt2_stop="2011", dmt2_reason="")

    first, second, third = read_wide_rows([row], FOLLOWED).cohort["P01"].episodes

    assert (PartialDate(2009, 2), (SwitchReason.LOSS_OF_EFFECTIVENESS,)) == (first.stop, first.reasons)
    assert (PartialDate(2011), ()) == (second.stop, second.reasons)
    assert NOT_RECORDED == third.stop


def test_blank_stop_date_keeps_the_reason_cell_meaning() -> None:
    # "NA" says the episode did not stop: ongoing, which the timeline refuses before a later
    # episode; the reader reports it at the row with the timeline's own message (rule 9).
    read = read_wide_rows([_followed(dmt2_reason="NA")], FOLLOWED, skip_bad_rows=True)

    message = (
        "patient 'P01': episode IFNb 2009..ongoing is ongoing, yet Nat 2011..not recorded started "
        "2011: record when it stopped, or accept overlaps with max_overlap_months=None"
    )
    assert ((), [(2, "id", message)]) == (
        read.cohort.patients,
        [(p.row, p.column, p.message) for p in read.skipped],
    )


def test_latency_is_censored_at_the_last_follow_up_column() -> None:
    row = _followed(last_seen="2015", ms_benefit_months="")
    patient = read_wide_rows([row], FOLLOWED).cohort["P01"]

    ms, psoriasis = cohort_latencies([patient], index="natalizumab", censor_at="last follow-up")
    on_natalizumab = cohort_latencies([patient], index="natalizumab", outcomes=["MS"])[0]

    # From natalizumab's start in 2011 to follow-up in 2015: 36 to 59 whole months.
    assert (True, MonthRange(36, 59)) == (ms.censored, ms.months)
    # Its stop is not recorded: it may have stopped any day from its start to follow-up.
    assert (True, MonthRange(0, 59)) == (on_natalizumab.censored, on_natalizumab.months)
    assert (False, MonthRange(2, 2)) == (psoriasis.censored, psoriasis.months)


def test_latency_without_the_last_follow_up_column_cannot_be_censored() -> None:
    patient = read_wide_rows([_followed(ms_benefit_months="")], FOLLOWED).cohort["P01"]

    with pytest.raises(TimelineError, match="no last_follow_up to censor at"):
        latency(patient, "MS", episode=2)


def test_stop_date_contradicting_ongoing_is_refused() -> None:
    problems = _problems(_followed(dmt2_reason="NA", dmt2_stop="2010"))

    assert [
        RowProblem(
            2,
            "dmt2_stop",
            "patient 'P01': stop 2010 contradicts dmt2_reason 'NA', which says the episode is ongoing",
        )
    ] == problems
    assert "direct IFN to Nat" not in str(problems[0])


def test_stop_date_before_start_is_refused_at_its_column() -> None:
    problems = _problems(_followed(dmt1_stop="2005"))

    assert ["row 2, column dmt1_stop: patient 'P01': stop 2005 is before start 2007"] == [
        str(p) for p in problems
    ]


def test_last_follow_up_before_a_start_is_refused_at_its_column() -> None:
    problems = _problems(_followed(last_seen="2010"))

    assert [
        RowProblem(2, "last_seen", "patient 'P01': episodes[2].start: 2011 is after last_follow_up 2010")
    ] == problems


def test_stop_date_without_therapy_is_reported() -> None:
    row = _followed(dmt3="", dmt3_start="", dmt3_stop="2012", ms_benefit_months="", ps_benefit_months="")

    assert [RowProblem(2, "dmt3_stop", "'2012' is given without a therapy in dmt3")] == _problems(row)


@pytest.mark.parametrize("column", ["last_seen", "dmt2_stop"])
@pytest.mark.parametrize(("value", "message"), [("20O9", "expected YYYY"), ("2009-13", "month 13")])
def test_bad_date_in_new_columns_is_reported(column: str, value: str, message: str) -> None:
    [problem] = _problems(_followed(id="P00"), _followed(**{column: value}))

    assert (3, column) == (problem.row, problem.column)
    assert message in problem.message


@pytest.mark.parametrize("column", ["last_seen", "dmt2_stop"])
def test_bad_date_in_new_columns_is_skipped_with_skip_bad_rows(column: str) -> None:
    rows = [_followed(id="P00", **{column: "20O9"}), _followed(last_seen="2015", dmt2_stop="2011")]

    result = read_wide_rows(rows, FOLLOWED, skip_bad_rows=True)

    assert ["P01"] == [p.id for p in result.cohort]
    assert [(2, column)] == [(p.row, p.column) for p in result.skipped]


def test_new_columns_after_as_of_are_refused() -> None:
    row = _followed(last_seen="2027", dmt1_stop="2026-12")

    with pytest.raises(TableFormatError) as caught:
        read_wide_rows([row], FOLLOWED, as_of=dt.date(2026, 11, 24))

    assert [
        RowProblem(2, "dmt1_stop", "date '2026-12' is after as_of 2026-11-24"),
        RowProblem(2, "last_seen", "date '2027' is after as_of 2026-11-24"),
    ] == list(caught.value.row_problems)


def test_table_with_new_columns_round_trips(tmp_path: Path) -> None:
    source, out = tmp_path / "source.csv", tmp_path / "out.csv"
    rows = [
        _followed(dmt1_stop="2009-02", dmt2_stop="2011-03-14", dmt3_stop="2020", last_seen="2021-06"),
        _followed(id="P02", dmt1_reason="", dmt1_stop="2008", dmt2_reason="NA", last_seen="2013"),
        _followed(id="P03"),
    ]
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FOLLOWED.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    cohort = read_wide_csv(source, FOLLOWED).cohort

    write_wide_csv(cohort, out, FOLLOWED)

    assert source.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")
    assert cohort == read_wide_csv(out, FOLLOWED).cohort
    assert [PartialDate(2021, 6), PartialDate(2013), None] == [p.last_follow_up for p in cohort]


def test_stop_date_is_not_written_without_a_stop_column() -> None:
    cohort = read_wide_rows([_followed(dmt1_stop="2009-02")], FOLLOWED).cohort

    with pytest.raises(CohortFormatError, match=r"patient 'P01': episodes\[0\]\.stop: 2009-02 has no column"):
        to_wide_rows(cohort, STUDY_LAYOUT)


def test_last_follow_up_is_not_written_without_its_column() -> None:
    cohort = read_wide_rows([_followed(last_seen="2021-06")], FOLLOWED).cohort

    with pytest.raises(CohortFormatError, match=r"patient 'P01': last_follow_up: 2021-06 has no column"):
        to_wide_rows(cohort, STUDY_LAYOUT)


# Date cells no earlier than any start in GOOD.
_LATER = partial_dates(min_value=dt.date(2011, 1, 1), max_value=dt.date(2030, 12, 31)).map(str)
# (stop, reason) cells of a therapy with a reason column: not recorded, stopped on a date with
# or without reasons, ongoing.
_STOPPED = st.one_of(
    st.just(("", "LOE")), st.tuples(_LATER, st.sampled_from(["LOE", ""])), st.just(("", "NA"))
)


@given(first=_STOPPED, second=_STOPPED, third=st.just("") | _LATER, seen=st.just("") | _LATER)
def test_rows_with_new_columns_round_trip(
    first: tuple[str, str], second: tuple[str, str], third: str, seen: str
) -> None:
    row = _followed(
        dmt1_stop=first[0],
        dmt1_reason=first[1],
        dmt2_stop=second[0],
        dmt2_reason=second[1],
        dmt3_stop=third,
        last_seen=seen,
    )

    assert [row] == to_wide_rows(read_wide_rows([row], FOLLOWED).cohort, FOLLOWED)


# -- hardening: model errors, numbers and NA tokens --------------------------------------------


def test_a_latency_the_model_refuses_is_a_row_problem_and_the_rest_are_read(tmp_path: Path) -> None:
    rows = (
        _replace(GOOD, "ms_benefit_months", "5000"),
        GOOD.replace("P01", "P02"),
        _replace(GOOD, "csf", "?"),
    )
    path = _write(tmp_path, *[r.replace("P01", f"P0{i}") if i != 2 else r for i, r in enumerate(rows, 1)])

    read = read_wide_csv(path, STUDY_LAYOUT, skip_bad_rows=True)

    assert ["P02"] == [p.id for p in read.cohort]
    assert [
        RowProblem(
            2,
            "ms_benefit_months",
            "patient 'P01': latency_months 5000 is not a whole number of months in 0..1200",
        ),
        RowProblem(4, "csf", "CSF '?' is not one of Pos, Neg, 0 (not done)"),
    ] == list(read.skipped)


@pytest.mark.parametrize("cell", ["1_0", "\u0663.\u0665", "\uff12", "1e0", ".5e1", "+2", "2.", ".5", "NaN"])
def test_edss_cells_are_ascii_decimal_numerals(cell: str) -> None:
    row = _followed(baseline_edss=cell)

    [problem] = _problems(row)

    assert "baseline_edss" == problem.column
    assert "is not a number such as 2 or 3.5 (ASCII digits)" in problem.message


_NUMERAL = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6})?")


@given(st.from_regex(_NUMERAL, fullmatch=True))
def test_a_decimal_numeral_reads_as_the_number_it_writes(cell: str) -> None:
    assert float(Decimal(cell)) == number(cell, "EDSS")


@given(st.text(max_size=12).filter(lambda t: _NUMERAL.fullmatch(t) is None))
def test_anything_else_is_not_a_number(cell: str) -> None:
    with pytest.raises(CellError):
        number(cell, "EDSS")
    with pytest.raises(CellError):
        whole(cell, "latency")


@pytest.mark.parametrize("cell", ["NA", "N/A", "n / a", " na ", "N A"])
def test_every_spelling_of_na_means_ongoing(cell: str) -> None:
    episodes = read_wide_rows([_followed(dmt2_reason=cell)], FOLLOWED).cohort["P01"].episodes

    assert ONGOING == episodes[1].stop


@pytest.mark.parametrize("cell", ["LOE, NA", "NA; Ps", "n/a, tlrb"])
def test_na_beside_a_reason_is_refused(cell: str) -> None:
    [problem] = _problems(_followed(dmt1_reason=cell))

    assert ("dmt1_reason", f"stop reasons {cell!r} put NA (not stopped) beside a reason") == (
        problem.column,
        problem.message,
    )
