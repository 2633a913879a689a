"""Tests for tidy tables: column lists, types, row counts on the bundled cohort, optional extras."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.io import (
    EPISODE_COLUMNS,
    LATENCY_COLUMNS,
    TRANSFER_COLUMNS,
    TRANSITION_COLUMNS,
    ColumnType,
    TidyTable,
    episodes_table,
    latencies_table,
    transfers_table,
    transitions_table,
)

COHORT = load_natalizumab_psoriasis()


def _tables() -> list[TidyTable]:
    return [
        episodes_table(COHORT),
        transitions_table(COHORT),
        transfers_table(COHORT, "interferon beta", "natalizumab"),
        latencies_table(COHORT, index="natalizumab"),
    ]


def test_row_counts_on_the_bundled_cohort() -> None:
    assert [49, 31, 18, 36] == [len(t) for t in _tables()]


def test_episode_column_names() -> None:
    expected = [
        "patient_id",
        "episode",
        "line",
        "sequence",
        "therapy",
        "therapy_class",
        "atc",
        "start_earliest",
        "start_latest",
        "start_precision",
        "stop_state",
        "stop_earliest",
        "stop_latest",
        "stop_precision",
        "reasons",
        "edss",
    ]

    assert tuple(expected) == episodes_table(COHORT).names


def test_partial_dates_and_ranges_are_split() -> None:
    assert {"gap_low", "gap_high", "after_start_earliest", "after_start_latest", "after_start_precision"} <= {
        c.name for c in TRANSITION_COLUMNS
    }
    assert {"months_low", "months_high", "index_start_precision"} <= {c.name for c in LATENCY_COLUMNS}
    assert {"source_start_earliest", "target_start_latest"} <= {c.name for c in TRANSFER_COLUMNS}
    assert all(c.doc for c in (*EPISODE_COLUMNS, *TRANSITION_COLUMNS, *TRANSFER_COLUMNS, *LATENCY_COLUMNS))


def test_dicts_hold_the_first_episode() -> None:
    expected = {
        "patient_id": "P01",
        "episode": 0,
        "line": 1,
        "sequence": 1,
        "therapy": "glatiramer acetate",
        "therapy_class": "glatiramer acetate",
        "atc": "L03AX13",
        "start_earliest": dt.date(2007, 1, 1),
        "start_latest": dt.date(2007, 12, 31),
        "start_precision": "year",
        "stop_state": "not recorded",
        "stop_earliest": None,
        "stop_latest": None,
        "stop_precision": None,
        "reasons": "LOE",
        "edss": 2.5,
    }

    assert expected == episodes_table(COHORT).to_dicts()[0]


def test_values_match_their_declared_types() -> None:
    kinds = {
        ColumnType.STRING: str,
        ColumnType.INT: int,
        ColumnType.FLOAT: float,
        ColumnType.BOOL: bool,
        ColumnType.DATE: dt.date,
    }
    for table in _tables():
        for row in table.rows:
            for column, value in zip(table.columns, row, strict=True):
                assert value is None or isinstance(value, kinds[column.type]), column.name


def test_transfers_count_the_paradigms() -> None:
    kinds = [row["kind"] for row in transfers_table(COHORT, "interferon beta", "natalizumab").to_dicts()]

    assert {"direct": 7, "indirect": 4, "none": 7} == {k: kinds.count(k) for k in set(kinds)}


def test_csv_round_trips_the_dicts(tmp_path: Path) -> None:
    table = transitions_table(COHORT)
    path = tmp_path / "transitions.csv"

    table.to_csv(path)

    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert 31 == len(rows)
    assert list(table.names) == list(rows[0])
    assert "2009-12-31" == rows[0]["after_start_latest"]


def test_pandas_dtypes() -> None:
    pytest.importorskip("pandas")

    frame = latencies_table(COHORT, index="natalizumab").to_pandas()

    assert 36 == len(frame)
    assert {
        "patient_id": "string",
        "outcome": "string",
        "months_low": "Int64",
        "months_high": "Int64",
        "observed": "boolean",
        "index_therapy": "string",
        "index_start_earliest": "datetime64[s]",
        "index_start_latest": "datetime64[s]",
        "index_start_precision": "string",
    } == {name: str(dtype) for name, dtype in frame.dtypes.items()}


def test_pandas_keeps_missing_values_missing() -> None:
    pytest.importorskip("pandas")

    frame = episodes_table(COHORT).to_pandas()

    assert 49 == int(frame["stop_earliest"].isna().sum())
    assert "Float64" == str(episodes_table([]).to_pandas()["edss"].dtype)


def test_arrow_schema() -> None:
    pa = pytest.importorskip("pyarrow")

    table = episodes_table(COHORT).to_arrow()

    assert 49 == table.num_rows
    assert pa.date32() == table.schema.field("start_earliest").type
    assert pa.int64() == table.schema.field("sequence").type
    assert pa.float64() == table.schema.field("edss").type
    assert pa.string() == table.schema.field("stop_precision").type


def test_missing_pandas_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)

    with pytest.raises(ImportError, match=r'pip install "dmt-timeline\[tables\]"'):
        episodes_table(COHORT).to_pandas()


def test_missing_pyarrow_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)

    with pytest.raises(ImportError, match=r'pip install "dmt-timeline\[tables\]"'):
        episodes_table(COHORT).to_arrow()


def test_importing_io_imports_no_data_frame_library() -> None:
    code = "import sys, dmt_timeline.io; print(sorted({'pandas', 'pyarrow'} & set(sys.modules)))"

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert "[]" == result.stdout.strip()
