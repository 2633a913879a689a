"""skip_bad_rows: every bad row reported (row, patient, column, problem, value), the good rows used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")
pc = pytest.importorskip("pyarrow.compute")

from dmt_timeline.batch import exposure_transitions  # noqa: E402 - after the skips
from dmt_timeline.errors import InvalidValueError  # noqa: E402
from dmt_timeline.synthetic import synthetic_exposures  # noqa: E402


def _text_table(patients: int, seed: int) -> Any:
    table = synthetic_exposures(patients, seed=seed)
    return pa.table({name: table[name].cast(pa.string()) for name in table.column_names})


def _rows_used(result: Any) -> int:
    used = int(pc.sum(result.episodes["exposures"]).as_py() or 0)
    return used + sum(int(n) for _, n in result.unknown)


def test_each_bad_row_is_named_and_the_good_rows_are_used() -> None:
    table = pa.table(
        {
            "person_id": ["A", "A", " ", "B", "C", "C"],
            "drug": ["DMF", "DMF", "DMF", "", "natalizumab", "natalizumab"],
            "start": ["2015-01-01", "2015-02-01", "2015-01-01", "2015-01-01", "2016-13-01", "2016-01-01"],
            "end": ["2015-01-31", "2015-01-01", "2015-02-01", "2015-02-01", "2016-02-01", "2016-01-28"],
            "reason": ["", "LOE", "", "", "", "zzz"],
        }
    )
    result = exposure_transitions(table, skip_bad_rows=True)
    expected = [
        {"row": 3, "patient_id": "A", "column": "end", "problem": "end before start", "value": "2015-01-01"},
        {"row": 4, "patient_id": None, "column": "person_id", "problem": "blank", "value": " "},
        {"row": 5, "patient_id": "B", "column": "drug", "problem": "blank", "value": None},
        {
            "row": 6,
            "patient_id": "C",
            "column": "start",
            "problem": "a date that does not exist (such as 02-30)",
            "value": "2016-13-01",
        },
        {"row": 7, "patient_id": "C", "column": "reason", "value": "zzz"},
    ]
    found = result.skipped.to_pylist()
    assert "not stop reasons" in found[-1].pop("problem")
    assert expected == found
    assert exposure_transitions(table.take([0])).episodes.to_pylist() == result.episodes.to_pylist()


def test_without_skipping_the_first_problem_is_refused() -> None:
    table = pa.table({"person_id": ["A"], "drug": ["DMF"], "start": ["2015-02-01"], "end": ["2015-01-01"]})
    with pytest.raises(InvalidValueError, match="column end: end before start at row"):
        exposure_transitions(table)
    assert exposure_transitions(table.slice(0, 0)).skipped is None


def test_a_table_without_bad_rows_reports_none() -> None:
    table = _text_table(30, 3)
    result = exposure_transitions(table, skip_bad_rows=True)
    assert 0 == result.skipped.num_rows
    assert exposure_transitions(table).episodes.to_pylist() == result.episodes.to_pylist()


def test_ragged_csv_rows_are_reported_and_later_rows_keep_their_numbers(tmp_path: Path) -> None:
    path = tmp_path / "exposures.csv"
    path.write_text(
        "person_id,drug,start,end\n"
        "A,DMF,2015-01-01,2015-01-31\n"
        "A,DMF,2015-02-01\n"
        "B,DMF,2015-01-01,2015-01-31,extra\n"
        "C,DMF,2015-03-01,2015-02-01\n"
        "D,DMF,2015-01-01,2015-01-31\n",
        encoding="utf-8",
    )
    result = exposure_transitions(path, skip_bad_rows=True)
    assert [(3, None, None), (4, None, None), (5, "C", "end")] == [
        (r["row"], r["patient_id"], r["column"]) for r in result.skipped.to_pylist()
    ]
    assert ["A", "D"] == result.episodes["patient_id"].to_pylist()
    assert 5 == _rows_used(result) + len(set(result.skipped["row"].to_pylist()))


_BAD: dict[str, list[str | None]] = {
    "person_id": ["", "  ", None],
    "drug": ["", None],
    "start": ["2015-13-01", "soon", "2015", "1800-01-01", None],
    "end": ["2015-02-30", "12/05/2015", None, "1899-12-31"],
    "reason": ["zzz", "x" * 300],
}


@st.composite
def damaged(draw: st.DrawFn) -> tuple[Any, set[int]]:
    """A text exposure table with some cells made bad, and the rows damaged."""
    table = _text_table(draw(st.integers(1, 12)), draw(st.integers(0, 1000)))
    columns = {name: table[name].to_pylist() for name in table.column_names}
    damaged_rows = set()
    for _ in range(draw(st.integers(0, 6))):
        row = draw(st.integers(0, table.num_rows - 1))
        name = draw(st.sampled_from(sorted(_BAD)))
        columns[name][row] = draw(st.sampled_from(_BAD[name]))
        damaged_rows.add(row)
    return pa.table(columns), damaged_rows


@settings(deadline=None)
@given(damaged())
def test_rows_in_are_rows_used_plus_rows_reported(case: tuple[Any, set[int]]) -> None:
    table, damaged_rows = case
    result = exposure_transitions(table, skip_bad_rows=True, skip_unknown=True)
    reported = set(result.skipped["row"].to_pylist())
    assert table.num_rows == _rows_used(result) + len(reported)
    assert reported == {row + 2 for row in damaged_rows}  # the header is row 1
    good = [i for i in range(table.num_rows) if i + 2 not in reported]
    assert (
        exposure_transitions(table.take(pa.array(good, pa.int64())), skip_unknown=True).episodes.to_pylist()
        == result.episodes.to_pylist()
    )


def test_dask_refuses_to_skip_rows_it_cannot_number() -> None:
    from dmt_timeline.batch import dask_exposure_transitions  # noqa: PLC0415

    with pytest.raises(InvalidValueError, match="skip_bad_rows: rows are numbered in one process"):
        dask_exposure_transitions([], client=None, skip_bad_rows=True)


def test_a_parquet_file_read_in_row_groups_numbers_its_skipped_rows(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table(
        {
            "person_id": ["A", "", "B", "C"],
            "drug": ["DMF"] * 4,
            "start": ["2015-01-01", "2015-01-01", "2015-01-01", "2015-05-01"],
            "end": ["2015-01-31", "2015-02-01", "2014-12-01", "2015-06-01"],
        }
    )
    path = tmp_path / "exposures.parquet"
    pq.write_table(table, path, row_group_size=2)
    result = exposure_transitions(path, skip_bad_rows=True)
    assert [(3, None, "person_id"), (4, "B", "end")] == [
        (r["row"], r["patient_id"], r["column"]) for r in result.skipped.to_pylist()
    ]
    assert ["A", "C"] == result.episodes["patient_id"].to_pylist()
