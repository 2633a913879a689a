"""Progress on stderr: shown on a terminal with counts, silent otherwise, under --quiet and in notebooks."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
import sys
import time
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmt_timeline import progress
from dmt_timeline.cli import main
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.errors import InvalidValueError
from dmt_timeline.io.fhir import cohort_to_fhir, read_fhir

pytest.importorskip("tqdm")


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@contextmanager
def _stderr(stream: io.StringIO) -> Iterator[io.StringIO]:
    """Put ``stream`` in place of stderr for the block (pytest's capture resets it between phases,
    so a fixture cannot)."""
    saved = sys.stderr
    sys.stderr = stream
    try:
        yield stream
    finally:
        sys.stderr = saved


def _terminal() -> contextlib.AbstractContextManager[io.StringIO]:
    return _stderr(_Terminal())


def _pipe() -> contextlib.AbstractContextManager[io.StringIO]:
    return _stderr(io.StringIO())  # isatty() is False: a log file or a pipe


def _count_stage(total: int, step: int) -> None:
    with progress.stage("reading", total, unit="patients") as bar:
        for done in range(0, total + 1, step):
            bar(done, total)
        bar(total, total)


def test_a_terminal_shows_the_stage_with_counts_rate_and_time_left() -> None:
    with _terminal() as terminal:
        _count_stage(200, 50)
    text = terminal.getvalue()
    assert "reading: 100%" in text
    assert "200/200" in text
    assert "patients/s" in text  # the rate
    assert re.search(r"<\d\d:\d\d", text)  # the time remaining


def test_a_pipe_gets_nothing() -> None:
    with _pipe() as pipe:
        _count_stage(200, 50)
    assert "" == pipe.getvalue()


def test_showing_false_silences_a_terminal() -> None:
    with _terminal() as terminal, progress.showing(False):
        _count_stage(200, 50)
    assert "" == terminal.getvalue()


def test_showing_true_asks_for_it_anywhere() -> None:
    with _pipe() as pipe, progress.showing(True):
        _count_stage(10, 5)
    assert "10/10" in pipe.getvalue()


def test_none_keeps_the_outer_choice() -> None:
    with _pipe(), progress.showing(True), progress.showing(None):
        assert progress.wanted()


def test_without_tqdm_nothing_is_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm raises ImportError
    with _terminal() as terminal:
        assert not progress.active()
        _count_stage(200, 50)
    assert "" == terminal.getvalue()


def test_a_notebook_kernel_gets_nothing_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    kernel = types.SimpleNamespace(config={"IPKernelApp": {}})
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: kernel))
    with _terminal() as terminal:
        _count_stage(20, 5)
        assert "" == terminal.getvalue()
        with progress.showing(True):
            _count_stage(20, 5)
    assert "20/20" in terminal.getvalue()


def test_a_stage_that_counts_nothing_keeps_its_clock_running(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "TICK_SECONDS", 0.05)
    with _terminal() as terminal, progress.stage("writing tables"):
        time.sleep(0.4)
    assert terminal.getvalue().count("writing tables: ") >= 3


def test_a_counter_closes_itself_when_done() -> None:
    with _terminal() as terminal:
        bar = progress.counter("patients", unit="patients")
        bar(0, 4)
        before = bar.shown
        bar(4, 4)
    assert (True, False) == (before, bar.shown)
    assert "4/4" in terminal.getvalue()


def test_a_counter_left_open_stops_with_its_run() -> None:
    with _terminal(), progress.showing(None):
        bar = progress.counter("patients", unit="patients")
        bar(1, 4)
        before = bar.shown
    assert (True, False) == (before, bar.shown)  # a failed run leaves no bar drawing


def test_a_line_written_while_a_bar_draws_goes_above_it() -> None:
    with _terminal() as terminal, progress.stage("patients", 10, unit="patients") as bar:
        bar(5, 10)
        bar.write("read 40 MS drug exposures")
        bar(10, 10)
    text = terminal.getvalue()
    assert "read 40 MS drug exposures\n" in text
    assert text.index("read 40 MS drug exposures") < text.index("10/10")


def test_a_silent_stage_writes_its_line_plainly() -> None:
    with _pipe() as pipe, progress.stage("patients", 10, unit="patients") as bar:
        bar.write("read 40 MS drug exposures")
    assert "read 40 MS drug exposures\n" == pipe.getvalue()


def test_showing_refuses_what_is_not_a_choice() -> None:
    with pytest.raises(InvalidValueError, match="progress"), progress.showing("yes"):  # type: ignore[arg-type]
        pass


@settings(max_examples=25, deadline=None)
@given(total=st.integers(1, 10_000), step=st.integers(1, 10_000))
def test_every_count_reaches_its_total(total: int, step: int) -> None:
    with _terminal() as terminal:
        _count_stage(total, step)
    assert f"{total}/{total}" in terminal.getvalue()


# ----------------------------------------------------------------------------- wired in


@pytest.fixture
def exposures(tmp_path: Path) -> Path:
    pq = pytest.importorskip("pyarrow.parquet")
    from dmt_timeline.synthetic import synthetic_exposures  # noqa: PLC0415 - the tables extra

    path = tmp_path / "exposures.parquet"
    pq.write_table(synthetic_exposures(120, seed=3), path)
    return path


def test_batch_on_a_terminal_draws_each_stage(exposures: Path, tmp_path: Path) -> None:
    args = ["batch", str(exposures), "-o", str(tmp_path / "out"), "--transfers", "natalizumab", "fingolimod"]
    with _terminal() as terminal:
        assert 0 == main(args)
    text = terminal.getvalue()
    assert "120/120" in text
    assert "transfers: " in text
    assert "writing tables: " in text
    assert "batch: done: 120 patients" in text
    assert "% of 120 patients (" not in text  # the bar replaces the log lines


def test_batch_progress_on_a_terminal_writes_plain_lines_not_bars(exposures: Path, tmp_path: Path) -> None:
    args = ["batch", str(exposures), "-o", str(tmp_path / "out"), "--transfers", "natalizumab", "fingolimod"]
    with _terminal() as terminal:
        assert 0 == main([*args, "--progress"])
    lines = terminal.getvalue().splitlines()
    assert "\r" not in terminal.getvalue()  # nothing redrawn
    assert lines[0].startswith("batch: 0% of 120 patients (0), ")
    assert [line.split(",")[0] for line in lines[-3:]] == [
        "batch: transfers",
        "batch: writing tables",
        "batch: done: 120 patients",
    ]


def test_batch_quiet_on_a_terminal_is_silent(exposures: Path, tmp_path: Path) -> None:
    args = ["batch", str(exposures), "-o", str(tmp_path / "out"), "--transfers", "natalizumab", "fingolimod"]
    with _terminal() as terminal:
        assert 0 == main([*args, "--quiet"])
    assert "" == terminal.getvalue()


def _ndjson_export(folder: Path) -> Path:
    folder.mkdir()
    bundle = cohort_to_fhir(load_natalizumab_psoriasis())
    by_type: dict[str, list[Any]] = {}
    for entry in bundle["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    for kind, resources in by_type.items():
        (folder / f"{kind}.ndjson").write_text("\n".join(json.dumps(r) for r in resources), encoding="utf-8")
    return folder


def test_a_fhir_export_counts_the_bytes_read(tmp_path: Path) -> None:
    folder = _ndjson_export(tmp_path / "export")
    size = sum(f.stat().st_size for f in folder.iterdir())
    with _pipe() as pipe:
        read_fhir(folder, progress=True)
    text = pipe.getvalue()
    assert "reading FHIR NDJSON: 100%" in text
    kb = f"{size / 1024:.1f}k"  # tqdm's scaling: units of 1024 bytes
    assert f"{kb}/{kb} [" in text
    assert "B/s" in text  # the rate
    assert "building the cohort" in text


def test_a_fhir_bundle_counts_its_entries(tmp_path: Path) -> None:
    bundle = cohort_to_fhir(load_natalizumab_psoriasis())
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    entries = len(bundle["entry"])
    with _terminal() as terminal:
        read_fhir(path)
    assert f"{entries}/{entries}" in terminal.getvalue()
    with _terminal() as terminal:
        read_fhir(path, progress=False)
    assert "" == terminal.getvalue()


def test_an_omop_read_counts_its_queries() -> None:
    duckdb = pytest.importorskip("duckdb")
    from dmt_timeline.io.omop import read_omop  # noqa: PLC0415 - the omop extra
    from tests import omop_cdm  # noqa: PLC0415 - needs duckdb

    natalizumab_drug = 2001  # a clinical drug whose ingredient is natalizumab (tests/omop_cdm.py)
    rows = [omop_cdm.exposure(1, natalizumab_drug, omop_cdm.D(2015, 1, 1), omop_cdm.D(2015, 6, 1))]
    with duckdb.connect() as con, _terminal() as terminal:
        omop_cdm.load(con.execute, rows)
        shown = read_omop(con)
        text = terminal.getvalue()
        quiet = read_omop(con, progress=False)
    assert "reading the OMOP CDM: 100%" in text
    assert "4/4" in text
    assert text == terminal.getvalue()  # nothing more from the quiet read
    assert shown.exposures.equals(quiet.exposures)


CUT = dt.date(2022, 1, 1)


@pytest.mark.parametrize("analysis", ["persistence", "pathway counts"])
def test_the_cohort_analyses_show_their_stages_on_a_terminal_and_nothing_on_a_pipe(analysis: str) -> None:
    from dmt_timeline.analyses import persistence  # noqa: PLC0415 - numpy
    from dmt_timeline.analyses.pathways import pathway_counts  # noqa: PLC0415
    from dmt_timeline.io.tables import episodes_table, follow_up_table  # noqa: PLC0415

    cohort = load_natalizumab_psoriasis()

    def run() -> object:
        if analysis == "persistence":
            return persistence(episodes_table(cohort), follow_up=follow_up_table(cohort), as_of=CUT)
        return pathway_counts(episodes_table(cohort))

    with _terminal() as terminal:
        run()
    with _pipe() as pipe:
        run()
    with _terminal() as quiet, progress.showing(False):
        run()
    stages = ["persistence: courses", "persistence: estimates"] if analysis == "persistence" else [analysis]
    assert all(name in terminal.getvalue() for name in stages)
    assert ("", "") == (pipe.getvalue(), quiet.getvalue())
