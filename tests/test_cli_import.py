"""``dmt-timeline import`` and ``dmt-timeline layout draft``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dmt_timeline.cli import main
from dmt_timeline.io.layouts import load_layout
from dmt_timeline.serialize import load_cohort

CHART = """\
Patient,Sex,Drug,Start date,Stop date,Reason for stopping,EDSS at stop
P01,F,Avonex,03/2007,2010-6,lack of efficacy,2.5
P01,F,Tysabri,Sep 2010,ongoing,,
P02,M,Tysbari,2008,2011,intolerance,3.25
"""
LAYOUT = """\
[columns]
patient_id = "Patient"
therapy = "Drug"
start = "Start date"
stop = "Stop date"
reasons = "Reason for stopping"
edss = "EDSS at stop"
sex = "Sex"
"""
PROBLEMS = [
    "row 4, column Drug: patient 'P02': unknown therapy 'Tysbari'; did you mean 'Tysabri'?",
    "row 4, column EDSS at stop: patient 'P02': EDSS 3.25 is not a score: expected 0 or 1.0..10.0 in "
    "steps of 0.5",
]


@pytest.fixture
def chart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "chart.csv").write_text(CHART, encoding="utf-8")
    (tmp_path / "layout.toml").write_text(LAYOUT, encoding="utf-8")
    return tmp_path


def test_a_refused_table_writes_nothing(chart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["import", "chart.csv", "--layout", "layout.toml", "-o", "cohort.json"])
    expected = "\n".join(["chart.csv: 2 problems; nothing was read", *(f"  - {p}" for p in PROBLEMS), ""])
    assert (1, expected, False) == (status, capsys.readouterr().out, (chart / "cohort.json").exists())


def test_skip_bad_rows_writes_the_rest_and_exits_3(chart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["import", "chart.csv", "--layout", "layout.toml", "-o", "cohort.json", "--skip-bad-rows"])
    expected = "\n".join(
        [
            "chart.csv: 1 patients read, 1 left out (P02); 2 problems",
            *(f"  - {p}" for p in PROBLEMS),
            "wrote cohort.json",
            "",
        ]
    )
    assert (3, expected) == (status, capsys.readouterr().out)
    assert ["P01"] == [p.id for p in load_cohort(chart / "cohort.json")]


def test_the_report_as_json(chart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        ["import", "chart.csv", "--layout", "layout.toml", "-o", "c.json", "--skip-bad-rows", "--json"]
    )
    report = json.loads(capsys.readouterr().out)
    assert 3 == status
    assert {
        "file": "chart.csv",
        "patients_read": 1,
        "patients_skipped": ["P02"],
        "problems": [
            {"row": 4, "column": "Drug", "message": PROBLEMS[0].split(": ", 1)[1]},
            {"row": 4, "column": "EDSS at stop", "message": PROBLEMS[1].split(": ", 1)[1]},
        ],
        "output": "c.json",
    } == report


def test_a_clean_table_exits_0(chart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (chart / "chart.csv").write_text(CHART.rsplit("P02", 1)[0], encoding="utf-8")
    status = main(["import", "chart.csv", "--layout", "layout.toml", "-o", "cohort.json"])
    assert (0, "chart.csv: 1 patients read; 0 problems\nwrote cohort.json\n") == (
        status,
        capsys.readouterr().out,
    )


def test_a_layout_is_required(chart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["import", "chart.csv", "-o", "cohort.json"])
    assert 2 == info.value.code
    assert "the following arguments are required: --layout" in capsys.readouterr().err


def test_draft_a_layout_and_import_with_it(chart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["layout", "draft", "chart.csv", "-o", "draft.toml"])
    assert "wrote draft.toml: check it before importing\n" == capsys.readouterr().out
    assert load_layout(chart / "layout.toml") == load_layout(chart / "draft.toml")


def test_a_draft_does_not_overwrite(chart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert 1 == main(["layout", "draft", "chart.csv", "-o", "layout.toml"])
    assert "dmt-timeline: layout.toml exists; pass --force to overwrite it\n" == capsys.readouterr().err


def test_an_excel_sheet(chart: Path, capsys: pytest.CaptureFixture[str]) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    sheet = book.create_sheet("DMTs")
    for line in CHART.rsplit("P02", 1)[0].splitlines():
        sheet.append(line.split(","))
    book.save(chart / "chart.xlsx")
    assert 0 == main(["layout", "draft", "chart.xlsx", "--sheet", "DMTs", "-o", "draft.toml"])
    status = main(["import", "chart.xlsx", "--sheet", "DMTs", "--layout", "draft.toml", "-o", "c.json"])
    assert (0, ["P01"]) == (status, [p.id for p in load_cohort(chart / "c.json")])
    assert (
        "chart.xlsx: 1 patients read; 0 problems\nwrote c.json\n"
        == capsys.readouterr().out.split("importing\n")[1]
    )
