"""dmt-timeline batch over an OMOP CDM (--omop) and with OMOP eras (--era-mode omop)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dmt_timeline.cli import main
from dmt_timeline.io.omop import read_omop
from tests import omop_cdm
from tests.test_io_omop import EDGE_CASES

duckdb = pytest.importorskip("duckdb")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture
def cdm(tmp_path: Path) -> Path:
    path = tmp_path / "cdm.duckdb"
    with duckdb.connect(str(path)) as con:
        omop_cdm.load(con.execute, EDGE_CASES)
    return path


@pytest.mark.parametrize("mode", ["catalogue", "omop"])
def test_batch_reads_a_cdm_and_writes_the_engines_eras(cdm: Path, tmp_path: Path, mode: str) -> None:
    out = tmp_path / "out"
    code = main(["batch", "--omop", f"duckdb:{cdm}", "-o", str(out), "--era-mode", mode, "-q"])
    expected = read_omop(cdm).transitions(era_mode=mode).episodes
    assert (0, expected.to_pylist()) == (code, pq.read_table(out / "episodes.parquet").to_pylist())


def test_batch_era_mode_omop_on_an_exposure_file(tmp_path: Path) -> None:
    read_path = tmp_path / "cdm.duckdb"
    with duckdb.connect(str(read_path)) as con:
        omop_cdm.load(
            con.execute,
            [
                omop_cdm.exposure(1, 2002, omop_cdm.D(2020, 1, 1) + k * dt.timedelta(days=182), None)
                for k in range(3)
            ],
        )
    table = read_omop(read_path).exposures
    source = tmp_path / "exposures.parquet"
    pq.write_table(table.select(["person_id", "drug", "start", "end", "reason"]), source)
    counts = []
    for mode in ("catalogue", "omop"):
        out = tmp_path / mode
        assert 0 == main(["batch", str(source), "-o", str(out), "--era-mode", mode, "-q"])
        counts.append(pq.read_table(out / "episodes.parquet").num_rows)
    assert [1, 3] == counts


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["batch", "-o", "out"], "one of the two"),
        (["batch", "x.parquet", "--omop", "duckdb:x", "-o", "out"], "one of the two"),
        (["batch", "--omop", "duckdb:x", "--workers", "2", "-o", "out"], "drop --workers"),
    ],
)
def test_batch_refuses_a_source_that_is_not_one(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 2 == main(argv)
    assert expected in capsys.readouterr().err


@pytest.mark.parametrize("command", ["summary", "describe"])
def test_commands_that_read_a_cohort_read_a_cdm(
    cdm: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 0 == main([command, f"duckdb:{cdm}"])
    assert "patients" in capsys.readouterr().out.lower()
