"""The package imports lightly and its command runs on the bundled data."""

import subprocess
import sys

import pytest

import dmt_timeline
from dmt_timeline.cli import main


def test_import_does_not_pull_heavy_dependencies() -> None:
    code = (
        "import sys, dmt_timeline; "
        "print(sorted(m for m in ('scipy', 'hypothesis', 'matplotlib', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert "[]" == out.stdout.strip()


def test_public_names_exist_once() -> None:
    names = dmt_timeline.__all__
    assert len(set(names)) == len(names)
    assert [n for n in names if not hasattr(dmt_timeline, n)] == []


def test_command_summarises_bundled_cohort(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["summary"])
    assert capsys.readouterr().out.startswith("18 patients, 49 therapy episodes")
