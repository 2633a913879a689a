"""The ``dmt-timeline batch`` command: files written, counts, progress lines and clean errors."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
pacsv = pytest.importorskip("pyarrow.csv")
pq = pytest.importorskip("pyarrow.parquet")

from dmt_timeline.batch import episode_transfers, eras_as_episodes, exposure_transitions  # noqa: E402
from dmt_timeline.catalogue import CATALOGUE, TherapyClass  # noqa: E402
from dmt_timeline.cli import _batch as cli  # noqa: E402 - after the skips
from dmt_timeline.cli import main  # noqa: E402
from dmt_timeline.cli._describe import selector  # noqa: E402
from dmt_timeline.errors import UnknownTherapyError  # noqa: E402
from dmt_timeline.synthetic import synthetic_exposures  # noqa: E402


@pytest.fixture(scope="module")
def table() -> Any:
    return synthetic_exposures(200, seed=1)


@pytest.fixture(params=["parquet", "csv"])
def exposures(request: pytest.FixtureRequest, table: Any, tmp_path: Path) -> Path:
    path = tmp_path / f"exposures.{request.param}"
    if request.param == "csv":
        pacsv.write_csv(table, path)
    else:
        pq.write_table(table, path)
    return path


def _read(path: Path) -> Any:
    return pacsv.read_csv(path) if path.suffix == ".csv" else pq.read_table(path)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_batch_writes_what_the_engine_gives(
    exposures: Path, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert 0 == main(["batch", str(exposures), "-o", str(out), "--format", fmt])
    expected = exposure_transitions(exposures)
    episodes, transitions = out / f"episodes.{fmt}", out / f"transitions.{fmt}"
    assert capsys.readouterr().out.split() == [str(episodes), str(transitions)]
    assert _read(episodes).num_rows == expected.episodes.num_rows > 0
    assert _read(transitions).num_rows == expected.transitions.num_rows > 0
    kinds = Counter(map(str, _read(transitions)["kind"].to_pylist()))
    assert kinds == Counter(expected.transitions["kind"].to_pylist())


def test_batch_parquet_keeps_the_engine_tables(exposures: Path, tmp_path: Path) -> None:
    assert 0 == main(["batch", str(exposures), "-o", str(tmp_path), "--chunk-size", "7", "-q"])
    expected = exposure_transitions(exposures)
    assert pq.read_table(tmp_path / "episodes.parquet").equals(expected.episodes)
    assert pq.read_table(tmp_path / "transitions.parquet").equals(expected.transitions)


def test_batch_window_days_is_the_persistence_window(table: Any, tmp_path: Path) -> None:
    source = tmp_path / "exposures.parquet"
    pq.write_table(table, source)
    assert 0 == main(["batch", str(source), "-o", str(tmp_path / "out"), "--window-days", "0", "-q"])
    expected = exposure_transitions(source, persistence_days=0)
    assert expected.episodes.num_rows != exposure_transitions(source).episodes.num_rows
    assert pq.read_table(tmp_path / "out" / "episodes.parquet").num_rows == expected.episodes.num_rows


def test_batch_reports_progress_on_stderr_when_asked(
    exposures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "PROGRESS_SECONDS", 0.0)  # every chunk, not one line per few seconds
    assert 0 == main(["batch", str(exposures), "-o", str(tmp_path), "--chunk-size", "50", "--progress"])
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(",")[0] for line in lines[:-1]] == [
        *(f"batch: {p}% of 200 patients ({p * 2})" for p in (0, 25, 50, 75, 100)),
        "batch: writing tables",
    ]
    assert all(line.endswith(" s") for line in lines)
    expected = exposure_transitions(exposures)
    assert lines[-1].startswith(
        f"batch: done: 200 patients, {expected.episodes.num_rows} episodes, "
        f"{expected.transitions.num_rows} transitions (lag gap "
    )


def test_batch_throttles_progress(
    exposures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "PROGRESS_SECONDS", 3600.0)
    args = ["batch", str(exposures), "-o", str(tmp_path), "--chunk-size", "50", "--progress"]
    assert 0 == main([*args, "--transfers", "natalizumab", "fingolimod"])
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(",")[0] for line in lines[:4]] == [
        "batch: 0% of 200 patients (0)",
        "batch: 100% of 200 patients (200)",
        "batch: transfers",  # each later stage says it starts: no long silence in a log
        "batch: writing tables",
    ]
    assert len(lines) == 5


def test_batch_writes_no_progress_where_stderr_is_not_a_terminal(
    exposures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 0 == main(["batch", str(exposures), "-o", str(tmp_path), "--chunk-size", "50"])
    [summary] = capsys.readouterr().err.splitlines()
    assert summary.startswith("batch: done: 200 patients, ")


def test_batch_progress_and_quiet_exclude_each_other(
    exposures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["batch", str(exposures), "-o", str(tmp_path), "--progress", "--quiet"])
    assert "not allowed with argument" in capsys.readouterr().err
    assert not (tmp_path / "episodes.parquet").exists()


def test_batch_quiet_is_silent(exposures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["batch", str(exposures), "-o", str(tmp_path), "--quiet"])
    captured = capsys.readouterr()
    assert captured.err == ""
    assert len(captured.out.splitlines()) == 2


def test_batch_on_a_local_dask_cluster(
    exposures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("distributed")
    assert 0 == main(["batch", str(exposures), "-o", str(tmp_path), "--workers", "2", "--progress"])
    expected = exposure_transitions(exposures)
    episodes = pq.read_table(tmp_path / "episodes.parquet")
    transitions = pq.read_table(tmp_path / "transitions.parquet")
    assert episodes.cast(expected.episodes.schema).equals(expected.episodes)
    assert transitions.cast(expected.transitions.schema).equals(expected.transitions)
    err = capsys.readouterr().err
    assert "partitioned by patient into 8 Parquet files" in err
    assert "batch: done: 200 patients" in err


def test_batch_refuses_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.parquet"
    assert 1 == main(["batch", str(missing), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert err == f"dmt-timeline: {missing}: no such file\n"
    assert not (tmp_path / "out").exists()


def test_batch_refuses_a_file_that_is_not_parquet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_text("not a table\n", encoding="utf-8")
    assert 1 == main(["batch", str(bad), "-o", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    assert err == "dmt-timeline: 'bad.parquet': cannot be read as a Parquet table\n"
    assert "Traceback" not in err


def test_batch_names_bad_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("person_id,drug,start,end\nP1,natalizumab,2020-01-01,2019-01-01\n", encoding="utf-8")
    assert 1 == main(["batch", str(bad), "-o", str(tmp_path / "out"), "-q"])
    assert capsys.readouterr().err == "dmt-timeline: column end: end before start at row(s) 2\n"


def test_batch_unknown_drugs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "exposures.csv"
    source.write_text(
        "person_id,drug,start,end\nP1,natalizumab,2020-01-01,2020-01-01\nP1,aspirin,2020-02-01,2020-03-01\n",
        encoding="utf-8",
    )
    assert 1 == main(["batch", str(source), "-o", str(tmp_path / "out"), "-q"])
    assert "'aspirin' x1" in capsys.readouterr().err
    assert 0 == main(["batch", str(source), "-o", str(tmp_path / "out"), "--skip-unknown"])
    assert "skipped unknown drugs: aspirin x1" in capsys.readouterr().err


def test_batch_without_pyarrow_names_the_extra(
    exposures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # None in sys.modules makes `import pyarrow` raise ImportError, as if it were not installed.
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    assert 1 == main(["batch", str(exposures), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert err.startswith("dmt-timeline: ")
    assert 'pip install "dmt-timeline[tables]"' in err


def test_batch_without_dask_names_the_extra(
    exposures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert 1 == main(["batch", str(exposures), "-o", str(tmp_path / "out"), "--workers", "2", "-q"])
    assert 'pip install "dmt-timeline[dask]"' in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--chunk-size", "--workers"])
def test_batch_refuses_a_bad_number(option: str, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["batch", "x.parquet", "-o", str(tmp_path), option, "0"])
    assert stopped.value.code == 2


TRANSFER_CASES = [("class:interferon beta", "natalizumab", "first"), ("GA", "ocrelizumab", "each")]


@pytest.mark.parametrize("case", TRANSFER_CASES, ids=["class-first", "therapy-each"])
def test_batch_writes_the_transfers_asked_for(
    exposures: Path, case: tuple[str, str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target, initiation = case
    argv = ["batch", str(exposures), "-o", str(tmp_path), "-q", "--transfers", source, target]
    assert 0 == main([*argv, "--initiation", initiation])
    written = capsys.readouterr().out.split()
    assert [str(tmp_path / f"{name}.parquet") for name in ("episodes", "transitions", "transfers")] == written
    eras = exposure_transitions(exposures).episodes
    expected = episode_transfers(
        eras_as_episodes(eras),
        selector(source),
        selector(target),
        initiation=initiation,
        max_overlap_months=None,  # eras of claims may overlap, and the command accepts them
    )
    assert expected.num_rows > 0
    assert pq.read_table(tmp_path / "transfers.parquet").equals(expected)


def test_a_class_is_read_by_its_name_after_class_and_a_therapy_by_the_catalogue() -> None:
    assert TherapyClass.INTERFERON_BETA is selector("class: Interferon Beta")
    assert CATALOGUE.get("interferon beta") == selector("interferon beta")


def test_an_unknown_class_names_the_classes() -> None:
    with pytest.raises(
        UnknownTherapyError, match="therapy class 'interferon' is not one of 'interferon beta'"
    ):
        selector("class:interferon")


def test_an_unknown_transfer_therapy_stops_the_run_before_it_starts(
    exposures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert 1 == main(["batch", str(exposures), "-o", str(out), "--transfers", "aspirin", "natalizumab"])
    err = capsys.readouterr().err
    assert err.startswith("dmt-timeline: ")
    assert "aspirin" in err
    assert "batch: 0%" not in err  # refused before reading the table
    assert not out.exists()


# -- a file's own columns, date orders and bad rows ----------------------------------------------

OWN_CSV = (
    "Patient,Drug,start date,end date\n"
    "A,DMF,12/01/2015,11/02/2015\n"
    "A,DMF,13/02/2015,12/01/2015\n"
    "B,natalizumab,2015-01-01T10:00,2015-02-01\n"
    "C,DMF,2015\n"
)
OWN_COLUMNS = ["patient_id=Patient", "therapy=Drug", "start=start date", "stop=end date"]


def _own(tmp_path: Path) -> Path:
    source = tmp_path / "own.csv"
    source.write_text(OWN_CSV, encoding="utf-8")
    return source


def _column_options() -> list[str]:
    return [option for mapping in OWN_COLUMNS for option in ("--column", mapping)]


def test_batch_reads_a_files_own_column_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "own.csv"
    source.write_text(OWN_CSV.rsplit("C,", 1)[0].replace("12/01/2015\n", "14/02/2015\n"), encoding="utf-8")
    out = tmp_path / "out"
    assert 0 == main(["batch", str(source), "-o", str(out), "-q", "--day-first", *_column_options()])
    episodes = pq.read_table(out / "episodes.parquet")
    assert ["A", "B"] == episodes["patient_id"].to_pylist()
    assert [[2015, 1, 12], [2015, 1, 1]] == [[d.year, d.month, d.day] for d in episodes["start"].to_pylist()]


def test_batch_names_the_columns_found_when_one_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "own.csv"
    source.write_text(OWN_CSV.split("A,DMF,13", maxsplit=1)[0], encoding="utf-8")
    assert 1 == main(["batch", str(source), "-o", str(tmp_path / "out"), "-q"])
    assert capsys.readouterr().err == (
        "dmt-timeline: table: column(s) 'person_id', 'drug', 'start', 'end' missing; "
        "found: 'Patient', 'Drug', 'start date', 'end date'\n"
    )


def test_batch_refuses_numeric_dates_without_an_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "own.csv"
    source.write_text(OWN_CSV.split("A,DMF,13", maxsplit=1)[0], encoding="utf-8")
    assert 1 == main(["batch", str(source), "-o", str(tmp_path / "out"), "-q", *_column_options()])
    err = capsys.readouterr().err
    assert "column start date: a date written with numbers only is read only when its order" in err


def test_batch_month_first_reads_the_other_order(tmp_path: Path) -> None:
    source = tmp_path / "own.csv"
    source.write_text("Patient,Drug,start date,end date\nA,DMF,01/12/2015,02.11.2015\n", encoding="utf-8")
    out = tmp_path / "out"
    assert 0 == main(["batch", str(source), "-o", str(out), "-q", "--month-first", *_column_options()])
    episode = pq.read_table(out / "episodes.parquet").to_pylist()[0]
    assert ("2015-01-12", "2015-02-11") == (str(episode["start"]), str(episode["stop"]))


def test_batch_skip_bad_rows_reports_each_and_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["batch", str(_own(tmp_path)), "-o", str(out), "-q", "--day-first", *_column_options()]
    assert 3 == main([*argv, "--skip-bad-rows"])
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "dmt-timeline: skipped row 3, patient 'A', column end date: end before start: '2015-01-12'",
        "dmt-timeline: skipped row 5: not as many cells as the header has columns",
        f"dmt-timeline: 4 rows: 2 used, 2 skipped (2 problems, all in {out / 'skipped.parquet'})",
    ]
    assert captured.out.split()[-1] == str(out / "skipped.parquet")
    assert [3, 5] == pq.read_table(out / "skipped.parquet")["row"].to_pylist()
    assert ["A", "B"] == pq.read_table(out / "episodes.parquet")["patient_id"].to_pylist()


def test_batch_without_skipping_stops_at_the_first_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert 1 == main(["batch", str(_own(tmp_path)), "-o", str(out), "-q", "--day-first", *_column_options()])
    assert "CSV row(s) 5 (3 cells, not 4)" in capsys.readouterr().err
    assert not out.exists()


def test_batch_reads_a_long_layout_file(tmp_path: Path) -> None:
    layout = tmp_path / "layout.toml"
    layout.write_text(
        '[columns]\npatient_id = "Patient"\ntherapy = "Drug"\nstart = "start date"\nstop = "end date"\n'
        "[reading]\nday_first = true\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert 3 == main(
        ["batch", str(_own(tmp_path)), "-o", str(out), "-q", "--layout", str(layout), "--skip-bad-rows"]
    )
    assert ["A", "B"] == pq.read_table(out / "episodes.parquet")["patient_id"].to_pylist()


@pytest.mark.parametrize(
    ("option", "said"),
    [
        ("strat=x", "unknown field 'strat': did you mean start?"),
        ("start", "expected FIELD=NAME"),
        ("person_id=x", "unknown field 'person_id'"),
    ],
)
def test_batch_refuses_an_unknown_field(
    option: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["batch", str(_own(tmp_path)), "-o", str(tmp_path / "out"), "--column", option])
    assert 2 == exited.value.code
    assert said in capsys.readouterr().err


def test_batch_skip_bad_rows_runs_in_one_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["batch", str(_own(tmp_path)), "-o", str(tmp_path / "out"), "--skip-bad-rows", "--workers", "2"]
    assert 2 == main(argv)
    assert "--skip-bad-rows numbers rows in one process" in capsys.readouterr().err
