"""The ``dmt-timeline plot`` commands: files written, bad paths and a missing extra."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dmt_timeline.cli import main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("figure", ["swimmer", "response"])
def test_plot_writes_a_png(figure: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / f"{figure}.png"
    assert 0 == main(["plot", figure, "-o", str(target)])
    assert target.read_bytes().startswith(PNG_SIGNATURE)
    assert str(target) == capsys.readouterr().out.strip()


@pytest.mark.parametrize("figure", ["swimmer", "response"])
def test_plot_writes_an_svg(figure: str, tmp_path: Path) -> None:
    target = tmp_path / f"{figure}.svg"
    assert 0 == main(["plot", figure, "--output", str(target)])
    assert "<svg" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("figure", ["swimmer", "response"])
def test_plot_groups_by_a_label(figure: str, tmp_path: Path) -> None:
    target = tmp_path / f"{figure}.png"
    assert 0 == main(["plot", figure, "-o", str(target), "--group-by", "published_group"])
    assert 0 < target.stat().st_size


def test_plot_refuses_an_unknown_extension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "swimmer.bmp"
    assert 1 == main(["plot", "swimmer", "-o", str(target)])
    err = capsys.readouterr().err
    assert err.startswith("dmt-timeline: ")
    assert "'.bmp' is not one of .png, .svg, .pdf, .tif, .tiff" in err
    assert not target.exists()


def test_plot_names_a_missing_label(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert 1 == main(["plot", "response", "-o", str(tmp_path / "r.png"), "--group-by", "nope"])
    assert "has no label 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize("figure", ["swimmer", "response"])
def test_plot_without_matplotlib_names_the_extra(
    figure: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # None in sys.modules makes `import matplotlib` raise ImportError, as if it were not installed.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    target = tmp_path / f"{figure}.png"
    assert 1 == main(["plot", figure, "-o", str(target)])
    captured = capsys.readouterr()
    assert captured.err.startswith("dmt-timeline: ")
    assert 'pip install "dmt-timeline[plot]"' in captured.err
    assert "Traceback" not in captured.err
    assert not target.exists()


def test_plot_needs_an_output(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["plot", "swimmer"])
    assert 2 == exited.value.code
    assert "-o/--output" in capsys.readouterr().err
