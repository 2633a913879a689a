"""The command on hostile cohort files: one error block and status 1, never a traceback or a record."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from dmt_timeline.cli import _summary, main
from tests.leaks import SENTINELS, assert_no_leak

NAME, NOTE, DAY = SENTINELS
COMMANDS = ["validate", "describe", "summary", "reproduce"]

HOSTILE = {
    "deep": "[" * 5000 + "]" * 5000,
    "digits": '{"patients": [], "metadata": ' + "1" * 5000 + "}",
    "deep-in-a-patient": '{"patients": [{"id": "P1", "labels": ' + "[" * 3000 + "]" * 3000 + "}]}",
    "surrogate-id": '{"patients": [{"id": "P\\ud800"}]}',
    "surrogate-source": '{"patients": [], "metadata": {"source": "\\udfff"}}',
    "repeated-key": '{"patients": [{"id": "P1", "episodes": [], "episodes": []}]}',
    "not-json": f'{{"patients": [{{"id": "P1", "note": "{NOTE}", "born": "{DAY}" ]}}',
}


def run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, content: str | bytes
) -> tuple[int, str, str]:
    path = tmp_path / "cohort.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    status = main([command, str(path), *(["--resamples", "9"] if command == "reproduce" else [])])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_files_get_the_library_error_never_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, kind: str
) -> None:
    status, out, err = run(capsys, tmp_path, command, HOSTILE[kind])
    assert 1 == status
    assert "Traceback" not in out + err
    assert "internal error" not in err
    assert (err or out).startswith(("dmt-timeline: ", f"{tmp_path / 'cohort.json'}: "))
    assert_no_leak([out, err])


@pytest.mark.parametrize("command", COMMANDS)
def test_bytes_that_are_not_utf8_get_the_library_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    status, out, err = run(capsys, tmp_path, command, f'{{"id": "{NAME}\xff"}}'.encode("latin-1"))
    assert 1 == status
    assert "not UTF-8 text" in out + err
    assert_no_leak([out, err])


def test_validate_prints_one_line_per_problem_whatever_the_ids(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The second patient's history is checked as a timeline; its id holds a newline.
    forged = "B\n  - patient Z: forged"
    doc = {
        "patients": [
            {"id": "A\n  - forged", "episodes": [{"therapy": "Zzz", "start": "2007"}]},
            {
                "id": forged,
                "episodes": [
                    {"therapy": "GA", "start": "2005", "stop": "2010"},
                    {"therapy": "Nat", "start": "2007"},
                ],
            },
        ]
    }
    status, out, _ = run(capsys, tmp_path, "validate", json.dumps(doc))
    assert 1 == status
    lines = out.splitlines()
    assert lines[0].endswith(": 2 problems")
    assert 3 == len(lines)
    assert all(line.startswith("  - patient ") for line in lines[1:])


def test_a_fault_of_the_library_prints_one_line_without_its_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_: argparse.Namespace) -> int:
        raise ValueError(f"a third-party message quoting {NAME}, {NOTE}")

    monkeypatch.setattr(_summary, "run", broken)
    status = main(["summary"])
    out, err = capsys.readouterr()
    assert 1 == status
    assert "" == out
    assert 1 == len(err.splitlines())
    assert err.startswith("dmt-timeline: internal error (ValueError)")
    assert_no_leak([err])
