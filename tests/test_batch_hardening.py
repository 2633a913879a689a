"""Regression tests of the batch engine and ``dmt-timeline batch`` against the faults fuzzing found:
third-party messages that quoted rows, unchecked column types and values, outputs written in
place, stale partitions, Dask noise and Ctrl-C tracebacks."""

from __future__ import annotations

import datetime as dt
import math
import os
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline.batch import (
    episode_latencies,
    episode_transitions,
    exposure_transitions,
    partition_by_patient,
)
from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.cli import _batch as cli
from dmt_timeline.cli import main
from dmt_timeline.errors import InvalidValueError, UnknownTherapyError
from dmt_timeline.ids import patient_id
from dmt_timeline.io.tables import episodes_table, observations_table
from dmt_timeline.synthetic import synthetic_cohort, synthetic_exposures
from tests.leaks import SENTINELS, assert_no_leak, assert_own_error

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

HEADER = "person_id,drug,start,end,reason\n"
NAME, NOTE, DATE = SENTINELS


def _exposures(**columns: Any) -> Any:
    base = {
        "person_id": ["P1", "P1"],
        "drug": ["natalizumab", "natalizumab"],
        "start": [dt.date(2010, 1, 1), dt.date(2010, 2, 1)],
        "end": [dt.date(2010, 1, 1), dt.date(2010, 2, 1)],
    }
    return pa.table({**base, **columns})


def _refused(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(InvalidValueError) as raised:
        call(*args, **kwargs)
    assert_own_error(raised.value)
    return str(raised.value)


# -- 1. a CSV row with a cell too many or too few -------------------------------------------------


@pytest.mark.parametrize(
    ("row", "cells"),
    [(f"{NAME},natalizumab,{DATE},2010-02-01,LOE,{NOTE}", 6), (f"{NAME},natalizumab,{DATE}", 3)],
    ids=["too-many", "too-few"],
)
def test_a_ragged_csv_row_is_named_by_row_not_quoted(row: str, cells: int, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(f"{HEADER}P0,natalizumab,2010-01-01,2010-01-01,\n{row}\n", encoding="utf-8")
    message = _refused(exposure_transitions, path)
    assert message.startswith(f"CSV row(s) 3 ({cells} cells, not 5): not as many cells as the header")


def test_the_cli_names_a_ragged_row_without_quoting_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.csv"
    path.write_text(f"{HEADER}{NAME},natalizumab,{DATE},2010-02-01,LOE,{NOTE}\n", encoding="utf-8")
    assert 1 == main(["batch", str(path), "-o", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert captured.err.startswith("dmt-timeline: CSV row(s) 2 (6 cells, not 5)")
    assert_no_leak([captured.err, captured.out])
    assert not (tmp_path / "out").exists()


def test_a_csv_file_that_is_not_utf8_is_named_by_line(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    rows = (
        f"{HEADER}P0,natalizumab,2010-01-01,2010-01-01,\n".encode()
        + b"P1,nat\xff\xfe,2010-01-01,2010-01-01,\n"
    )
    path.write_bytes(rows)
    assert "'x.csv': text that is not UTF-8 on line 3" == _refused(exposure_transitions, path)


def test_a_ragged_row_that_is_not_utf8_reports_nothing_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # pyarrow decodes a ragged row to hand it to the handler, and prints its failure to do so.
    path = tmp_path / "x.csv"
    path.write_bytes(f"{HEADER}P1,natalizumab,{DATE},2010-01-01,,".encode() + NOTE.encode() + b"\xc3\n")
    assert "'x.csv': text that is not UTF-8 on line 2" == _refused(exposure_transitions, path)
    assert ("", "") == capsys.readouterr()


# -- 2. column types checked first ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "values", "problem"),
    [
        ("start", pa.array([14610, 14641], pa.int64()), "column start: expected dates (.*), found int64"),
        ("end", pa.array([1.5, 2.5]), "column end: expected dates (.*), found double"),
        ("start", pa.array([True, False]), "column start: expected dates (.*), found bool"),
        ("drug", pa.array([["natalizumab"], ["x"]]), "column drug: expected text, found list"),
        ("drug", pa.array([{"a": NOTE}, {"a": NOTE}]), "column drug: expected text, found struct"),
        ("person_id", pa.array([True, True]), "column person_id: expected text or whole numbers, found bool"),
        (
            "start",
            pa.array([dt.datetime(2010, 1, 1)] * 2, pa.timestamp("s", tz="UTC")),
            r"column start: expected dates (.*), found timestamp\[s, tz=UTC\]",
        ),
    ],
)
def test_a_column_of_the_wrong_type_is_named_with_the_type_expected(
    column: str, values: Any, problem: str
) -> None:
    message = _refused(exposure_transitions, _exposures(**{column: values}))
    assert message.startswith(problem.split(" (", maxsplit=1)[0])
    assert __import__("re").fullmatch(problem.replace("(.*)", r"\(.*\)"), message)


def test_binary_text_is_read_when_utf8_and_named_by_row_when_not() -> None:
    good = _exposures(drug=pa.array([b"natalizumab", b"natalizumab"], pa.binary()))
    assert exposure_transitions(_exposures()).episodes.equals(exposure_transitions(good).episodes)
    bad = _exposures(drug=pa.array([b"natalizumab", NOTE.encode() + b"\xff"], pa.binary()))
    assert "column drug: text that is not UTF-8 at row(s) 3" == _refused(exposure_transitions, bad)


@pytest.mark.parametrize(
    "values",
    [
        pa.array(["2010-01-01", "2010-02-01"]).dictionary_encode(),
        pa.array([dt.date(2010, 1, 1), dt.date(2010, 2, 1)], pa.date32()).dictionary_encode(),
    ],
    ids=["text", "date32"],
)
def test_dictionary_encoded_dates_are_read_as_their_values(values: Any) -> None:
    expected = exposure_transitions(_exposures())
    found = exposure_transitions(_exposures(start=values, end=values))
    assert expected.episodes.equals(found.episodes)


def test_an_all_null_id_column_is_named_as_blank() -> None:
    table = _exposures(person_id=pa.nulls(2))
    assert "column person_id: blank at row(s) 2, 3" == _refused(exposure_transitions, table)


def test_an_all_null_therapy_column_is_named_as_blank() -> None:
    table = episodes_table(synthetic_cohort(3, seed=1)).to_arrow()
    broken = table.set_column(table.schema.get_field_index("therapy"), "therapy", pa.nulls(table.num_rows))
    message = _refused(episode_transitions, broken)
    assert message.startswith("column therapy: blank at row(s) 2, 3")


def test_an_all_null_stop_state_column_is_named_by_row() -> None:
    table = episodes_table(synthetic_cohort(3, seed=1)).to_arrow()
    column = table.schema.get_field_index("stop_state")
    message = _refused(episode_transitions, table.set_column(column, "stop_state", pa.nulls(table.num_rows)))
    assert message.startswith("column stop_state: not one of 'date', 'ongoing', 'not recorded' at row(s) 2")


@pytest.mark.parametrize("where", ["table", "parquet"])
def test_a_column_given_twice_is_named(where: str, tmp_path: Path) -> None:
    table = _exposures().append_column("start", pa.array([NOTE, NOTE]))
    source: Any = table
    if where == "parquet":
        source = tmp_path / "twice.parquet"
        pq.write_table(table, source)
    assert "table: column(s) start given more than once" == _refused(exposure_transitions, source)


def test_an_unknown_therapy_in_an_episodes_table_is_named_by_row() -> None:
    table = episodes_table(synthetic_cohort(3, seed=1)).to_arrow()
    therapies = table["therapy"].to_pylist()
    therapies[1] = "aspirin"
    broken = table.set_column(table.schema.get_field_index("therapy"), "therapy", pa.array(therapies))
    with pytest.raises(UnknownTherapyError) as raised:
        episode_transitions(broken)
    assert "column therapy: unknown therapy 'aspirin' at row(s) 3" == str(raised.value)


# -- 3. the object model's rules -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1899-12-31", "2101-01-01", "0001-01-01", "9999-12-31"])
def test_years_outside_the_object_models_range_are_refused_by_row(text: str) -> None:
    table = _exposures(start=pa.array(["2010-01-01", text]), end=pa.array(["2010-01-01", text]))
    assert "column start: year outside 1900..2100 at row(s) 3" == _refused(exposure_transitions, table)


@pytest.mark.parametrize("day", [-(2**31), 2**31 - 1])
def test_date32_at_its_limits_is_refused_without_an_overflow(day: int) -> None:
    days = pa.array([14610, day], pa.int32()).cast(pa.date32())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's RuntimeWarning of an int32 overflow, before
        message = _refused(exposure_transitions, _exposures(start=days, end=days))
    assert "column start: year outside 1900..2100 at row(s) 3" == message


def test_a_date_that_does_not_exist_is_named_by_row() -> None:
    table = _exposures(
        start=pa.array(["2010-01-01", "2010-02-30"]), end=pa.array(["2010-01-01", "2010-03-01"])
    )
    message = _refused(exposure_transitions, table)
    assert "column start: a date that does not exist (such as 02-30) at row(s) 3" == message


def _episodes(**changes: Any) -> Any:
    table = episodes_table(synthetic_cohort(4, seed=3)).to_arrow()
    for name, value in changes.items():
        cells = table[name].to_pylist()
        cells[1] = value
        kind = table.schema.field(name).type
        table = table.set_column(table.schema.get_field_index(name), name, pa.array(cells, kind))
    return table


@pytest.mark.parametrize("edss", [35.0, math.nan, 0.5, 3.25, -1.5])
def test_an_edss_the_object_model_refuses_is_refused_by_row(edss: float) -> None:
    message = _refused(episode_transitions, _episodes(edss=edss))
    assert "column edss: not a score (0 or 1.0..10.0 in steps of 0.5) at row(s) 3" == message


def test_a_reason_outside_the_vocabulary_is_refused_by_row_without_quoting_it() -> None:
    message = _refused(episode_transitions, _episodes(reasons=f"bogus {NOTE}"))
    assert message.startswith("column reasons: not stop reasons (codes among LOE, tlrb, Ps")
    assert message.endswith("at row(s) 3")


def test_an_exposure_reason_outside_the_vocabulary_is_refused_by_row() -> None:
    table = _exposures(reason=pa.array(["LOE", "bogus"]))
    assert _refused(exposure_transitions, table).endswith("at row(s) 3")


@pytest.mark.parametrize("sequence", [0, 1001])
def test_a_sequence_the_object_model_refuses_is_refused_by_row(sequence: int) -> None:
    table = _episodes(sequence=sequence)
    assert "column sequence: not a whole number in 1..1000 at row(s) 3" == _refused(
        episode_transitions, table
    )


def test_a_latency_beyond_the_object_models_limit_is_refused_by_row() -> None:
    from dmt_timeline.model import (  # noqa: PLC0415 - only here
        Condition,
        Outcome,
        Patient,
        ResponseObservation,
        TherapyEpisode,
    )

    ms = ResponseObservation(Outcome.MS_ACTIVITY_CEASED, 0, Condition.MULTIPLE_SCLEROSIS, latency_months=4)
    episode = TherapyEpisode(CATALOGUE.get("natalizumab"), "2010")
    patient = Patient("P1", (episode,), observations=(ms,), last_follow_up="2012")
    episodes = episodes_table([patient]).to_arrow()
    observations = observations_table([patient]).to_arrow()
    column = observations.schema.get_field_index("latency_months")
    too_long = observations.set_column(column, "latency_months", pa.array([5000], pa.int64()))
    message = _refused(episode_latencies, episodes, too_long, index="natalizumab")
    assert "column latency_months: not a whole number of months in 0..1200 at row(s) 2" == message


# -- 4. outputs written whole, or not at all --------------------------------------------------------


@pytest.fixture
def exposures(tmp_path: Path) -> Path:
    path = tmp_path / "exposures.parquet"
    pq.write_table(synthetic_exposures(30, seed=2), path)
    return path


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_run_that_fails_while_writing_leaves_the_folder_as_it_was(
    exposures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert 0 == main(["batch", str(exposures), "-o", str(out), "-q", "--chunk-size", "5"])
    before = _listing(out)
    written = cli._write

    def fail_on_transitions(table: Any, path: Path, fmt: str) -> None:
        if path.name.startswith(".transitions."):
            written(table, path, fmt)
            raise OSError(28, "No space left on device", str(path))
        written(table, path, fmt)

    monkeypatch.setattr(cli, "_write", fail_on_transitions)
    assert 1 == main(["batch", str(exposures), "-o", str(out), "-q"])
    assert before == _listing(out)
    assert "No space left on device" in capsys.readouterr().err


def test_a_stale_transfers_table_is_removed_and_said(
    exposures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert 0 == main(["batch", str(exposures), "-o", str(out), "-q", "--transfers", "GA", "natalizumab"])
    capsys.readouterr()
    assert 0 == main(["batch", str(exposures), "-o", str(out), "-q"])
    err = capsys.readouterr().err
    assert ["episodes.parquet", "transitions.parquet"] == sorted(p.name for p in out.iterdir())
    assert f"dmt-timeline: removed {out / 'transfers.parquet'} (an earlier run's" in err
    assert f"dmt-timeline: replaced {out / 'episodes.parquet'}" in err


def test_an_output_name_that_is_a_link_is_replaced_not_written_through(
    exposures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = tmp_path / "precious.txt"
    target.write_text("keep me", encoding="utf-8")
    (out / "episodes.parquet").symlink_to(target)
    assert 0 == main(["batch", str(exposures), "-o", str(out), "-q"])
    assert "keep me" == target.read_text(encoding="utf-8")
    assert not (out / "episodes.parquet").is_symlink()
    assert pq.read_table(out / "episodes.parquet").num_rows > 0
    assert f"dmt-timeline: replaced {out / 'episodes.parquet'}" in capsys.readouterr().err


def test_outputs_are_readable_as_the_umask_allows(exposures: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        assert 0 == main(["batch", str(exposures), "-o", str(out), "-q"])
    finally:
        os.umask(old)
    assert 0o644 == (out / "episodes.parquet").stat().st_mode & 0o777


# -- 5. stale partitions ----------------------------------------------------------------------------


def test_partitioning_into_a_folder_with_files_is_refused_unless_replacing(tmp_path: Path) -> None:
    partition_by_patient(synthetic_exposures(30, seed=1), tmp_path, partitions=4)
    smaller = synthetic_exposures(20, seed=2)
    message = _refused(partition_by_patient, smaller, tmp_path, partitions=2)
    assert "the folder is not empty" in message
    (tmp_path / "notes.txt").write_text("kept", encoding="utf-8")
    paths = partition_by_patient(smaller, tmp_path, partitions=2, replace=True)
    assert sorted(paths) == sorted(tmp_path.glob("*.parquet"))
    assert 20 == len({i for p in paths for i in pq.read_table(p)["person_id"].to_pylist()})
    assert "kept" == (tmp_path / "notes.txt").read_text(encoding="utf-8")


# -- 6. unknown drugs of every Dask partition, without worker noise ----------------------------------


def test_workers_report_every_partitions_unknown_drugs_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("distributed")
    table = synthetic_exposures(40, seed=4)
    drugs = table["drug"].to_pylist()
    ids = table["person_id"].to_pylist()
    first, last = ids.index(min(ids)), ids.index(max(ids))  # patients in different partitions
    drugs[first], drugs[last] = "aspirin", "ibuprofen"
    path = tmp_path / "exposures.parquet"
    pq.write_table(table.set_column(table.schema.get_field_index("drug"), "drug", pa.array(drugs)), path)
    assert 1 == main(["batch", str(path), "-o", str(tmp_path / "out"), "-q", "--workers", "2"])
    err = capsys.readouterr().err
    assert "'aspirin' x1; 'ibuprofen' x1" in err
    assert "Traceback" not in err
    assert "Compute Failed" not in err + caplog.text


def test_workers_name_a_bad_cell_by_its_row_in_the_table_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("distributed")
    table = synthetic_exposures(40, seed=4)
    ends = table["end"].to_pylist()
    ends[-3] = dt.date(1850, 1, 1)
    path = tmp_path / "exposures.parquet"
    pq.write_table(table.set_column(table.schema.get_field_index("end"), "end", pa.array(ends)), path)
    assert 1 == main(["batch", str(path), "-o", str(tmp_path / "out"), "-q", "--workers", "2"])
    expected = f"dmt-timeline: column end: year outside 1900..2100 at row(s) {table.num_rows - 1}\n"
    assert expected == capsys.readouterr().err


# -- 7. Ctrl-C -----------------------------------------------------------------------------------------


def test_ctrl_c_exits_130_with_one_line_and_outputs_untouched(
    exposures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert 0 == main(["batch", str(exposures), "-o", str(out), "-q"])
    before = _listing(out)
    capsys.readouterr()

    def interrupt(self: Any, done: int, total: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli._Progress, "__call__", interrupt)
    assert 130 == main(["batch", str(exposures), "-o", str(out)])
    assert "dmt-timeline: interrupted; the output folder is as it was\n" == capsys.readouterr().err
    assert before == _listing(out)


# -- 8. one rule for patient ids ------------------------------------------------------------------------

ID_VALUES = st.one_of(
    st.integers(-(2**62), 2**62),
    st.integers(-(2**52), 2**52).map(float),
    st.text(st.sampled_from(["P", "1", " ", "\t", "\u3000", "\x1c", "\x85", "\xa0", "é"]), min_size=1),
)


def _id_table(values: list[Any], kind: Any) -> Any:
    n = len(values)
    return _exposures(
        person_id=pa.array(values, kind),
        drug=pa.array(["natalizumab"] * n),
        start=pa.array([dt.date(2010, 1, 1)] * n),
        end=pa.array([dt.date(2010, 1, 1)] * n),
    )


def _batch_ids(values: list[Any], kind: Any) -> list[str]:
    return sorted(set(exposure_transitions(_id_table(values, kind)).episodes["patient_id"].to_pylist()))


PYTHON_TYPE = {"int64": int, "double": float, "string": str}


@given(st.lists(ID_VALUES, min_size=1, max_size=5))
def test_the_batch_engine_reads_ids_by_the_object_models_rule(values: list[Any]) -> None:
    for kind in (pa.int64(), pa.float64(), pa.string()):
        typed = [v for v in values if type(v) is PYTHON_TYPE[str(kind)]]
        if not typed:
            continue
        try:
            expected = sorted({patient_id(v) for v in typed})
        except InvalidValueError:
            _refused(exposure_transitions, _id_table(typed, kind))
            continue
        assert expected == _batch_ids(typed, kind)


@pytest.mark.parametrize("value", [1.5, math.inf, math.nan])
def test_a_float_that_is_no_id_is_named_by_row(value: float) -> None:
    table = _id_table([1.0, value], pa.float64())
    expected = "column person_id: a patient id that is not text or a whole number at row(s) 3"
    if math.isnan(value):
        expected = "column person_id: blank at row(s) 3"  # Arrow reads a NaN from pandas as null
        table = _id_table([1.0, None], pa.float64())
    assert expected == _refused(exposure_transitions, table)


def test_one_and_one_point_zero_and_text_one_are_one_patient() -> None:
    assert ["1"] == _batch_ids([1.0, 1.0], pa.float64()) == _batch_ids([1, 1], pa.int64())
    assert ["1"] == _batch_ids([" 1", "1\u3000"], pa.string())


def test_a_header_that_repeats_names_quotes_only_the_readers_columns(tmp_path: Path) -> None:
    # Found by fuzzing the command: a file whose first line is a record repeats its values, and
    # the repeated names were quoted whole.
    path = tmp_path / "x.csv"
    path.write_text(
        "person_id,drug,start,start,end,Jane-Roe-0917,Jane-Roe-0917\n"
        "P1,natalizumab,2010-01-01,x,2011-01-01,a,b\n",
        encoding="utf-8",
    )
    message = _refused(exposure_transitions, path)
    assert (
        "CSV header: column(s) 'start' and 1 name(s) not among the reader's columns (not quoted) "
        "given more than once"
    ) == message
    assert "Jane" not in message
