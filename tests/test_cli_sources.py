"""Every command that reads a cohort takes a table with its layout (--layout, --sheet,
--skip-bad-rows), and ``validate`` reads every kind of source."""

from __future__ import annotations

from pathlib import Path

import pytest

from dmt_timeline.cli import main
from dmt_timeline.io.omop import read_omop
from dmt_timeline.io.sources import read_table
from dmt_timeline.serialize import save_cohort
from dmt_timeline.timeline import Timeline
from tests.test_cli_import import CHART, LAYOUT, PROBLEMS

GOOD = "\n".join(CHART.splitlines()[:3]) + "\n"
_FHIR = Path(__file__).parent / "data" / "fhir"


@pytest.fixture
def chart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "chart.csv").write_text(CHART, encoding="utf-8")
    (tmp_path / "good.csv").write_text(GOOD, encoding="utf-8")
    (tmp_path / "layout.toml").write_text(LAYOUT, encoding="utf-8")
    save_cohort(read_table("good.csv", "layout.toml").cohort, tmp_path / "good.json")
    return tmp_path


COMMANDS = [["summary"], ["describe"], ["describe", "--index", "natalizumab"]]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_table_with_its_layout_reads_as_its_cohort_file(
    command: list[str], chart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 0 == main([*command, "good.json"])
    from_json = capsys.readouterr().out
    status = main([*command, "good.csv", "--layout", "layout.toml"])
    assert (0, from_json, "") == (status, *capsys.readouterr())


@pytest.mark.parametrize("command", COMMANDS)
def test_a_table_with_problems_is_refused_with_every_problem(
    command: list[str], chart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main([*command, "chart.csv", "--layout", "layout.toml"])
    out, err = capsys.readouterr()
    expected = "\n".join(
        ["dmt-timeline: chart.csv: 2 problem(s); nothing was read", *(f"  - {p}" for p in PROBLEMS), ""]
    )
    assert (1, "", expected) == (status, out, err)


@pytest.mark.parametrize("command", COMMANDS)
def test_skip_bad_rows_uses_the_good_rows_reports_the_rest_and_exits_3(
    command: list[str], chart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 0 == main([*command, "good.json"])
    from_json = capsys.readouterr().out
    status = main([*command, "chart.csv", "--layout", "layout.toml", "--skip-bad-rows"])
    out, err = capsys.readouterr()
    report = "\n".join(
        [
            "dmt-timeline: 'chart.csv': 2 problems skipped; 1 patients left out ('P02')",
            *(f"  - {p}" for p in PROBLEMS),
            "",
        ]
    )
    # The same patients; the cohort's source is the file read.
    assert (3, from_json.replace("good.csv", "chart.csv"), report) == (status, out, err)


def test_plot_takes_a_table(chart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    argv = ["plot", "swimmer", "chart.csv", "--layout", "layout.toml", "--skip-bad-rows", "-o", "s.svg"]
    status = main(argv)
    assert (3, "s.svg\n") == (status, capsys.readouterr().out)
    assert (chart / "s.svg").stat().st_size > 0


def test_reproduce_takes_a_table(chart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from_json_status = main(["reproduce", "--json", "--resamples", "9", "good.json"])
    from_json = capsys.readouterr().out
    status = main(["reproduce", "--json", "--resamples", "9", "good.csv", "--layout", "layout.toml"])
    assert (from_json_status, from_json) == (status, capsys.readouterr().out)


def test_a_table_without_a_layout_is_refused_naming_the_option(
    chart: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["summary", "good.csv"])
    expected = (
        "dmt-timeline: 'good.csv' is a table: say what its columns hold with --layout FILE.toml "
        "(draft one with 'dmt-timeline layout draft FILE')\n"
    )
    assert (1, "", expected) == (status, *capsys.readouterr())


def test_a_layout_for_a_cohort_file_is_refused(chart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["summary", "good.json", "--layout", "layout.toml"])
    expected = "dmt-timeline: --layout and --sheet are for tables (.csv, .xlsx, .dta, ...)\n"
    assert (1, expected) == (status, capsys.readouterr().err)


def test_an_excel_table_and_its_sheet(chart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    data = book.create_sheet("DMTs")
    for line in GOOD.splitlines():
        data.append(line.split(","))
    book.save(chart / "good.xlsx")
    assert 0 == main(["summary", "good.json"])
    from_json = capsys.readouterr().out
    status = main(["summary", "good.xlsx", "--layout", "layout.toml", "--sheet", "DMTs"])
    assert (0, from_json.replace("good.csv", "good.xlsx")) == (status, capsys.readouterr().out)


# -- validate reads every source -----------------------------------------------------------------


def test_validate_a_table_lists_its_row_problems(chart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["validate", "chart.csv", "--layout", "layout.toml"])
    expected = "\n".join(["chart.csv: 2 problems", *(f"  - {p}" for p in PROBLEMS), ""])
    assert (1, expected) == (status, capsys.readouterr().out)


def test_validate_a_good_table(chart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["validate", "good.csv", "--layout", "layout.toml"])
    assert (0, "good.csv: 1 patients, no problems\n") == (status, capsys.readouterr().out)


def test_validate_a_table_without_a_layout(chart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["validate", "good.csv"])
    assert 1 == status
    assert "is a table: say what its columns hold with --layout" in capsys.readouterr().err


def test_validate_a_fhir_export(capsys: pytest.CaptureFixture[str]) -> None:
    source = f"fhir:{_FHIR / 'ms' / 'export.ndjson'}"
    from dmt_timeline.cli._common import load  # noqa: PLC0415 - the loader the command uses

    cohort = load(source)
    capsys.readouterr()
    problems = [p for patient in cohort for p in Timeline(patient.episodes, None, patient.id).problems()]
    status = main(["validate", source])
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    expected = (
        "\n".join([f"{source}: {count}", *(f"  - {p}" for p in problems), ""])
        if problems
        else f"{source}: {len(cohort)} patients, no problems\n"
    )
    assert (1 if problems else 0, expected) == (status, capsys.readouterr().out)


def test_validate_an_omop_cdm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    duckdb = pytest.importorskip("duckdb")
    from tests import omop_cdm  # noqa: PLC0415 - needs duckdb
    from tests.test_io_omop import EDGE_CASES  # noqa: PLC0415 - as above

    path = tmp_path / "cdm.duckdb"
    with duckdb.connect(str(path)) as con:
        omop_cdm.load(con.execute, EDGE_CASES)
    cohort = read_omop(path).episodes().cohort
    status = main(["validate", f"duckdb:{path}"])
    assert (0, f"duckdb:{path}: {len(cohort)} patients, no problems\n") == (status, capsys.readouterr().out)
