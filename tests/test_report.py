"""The HTML cohort report: self-contained, suppressed, parsed back, and drawn by a real browser."""

from __future__ import annotations

import html.parser
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.cli import main
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.errors import InvalidValueError
from dmt_timeline.model import Cohort, CohortMetadata, Patient, TherapyEpisode
from dmt_timeline.report import render_report, write_report
from tests.leaks import SENTINELS, assert_no_leak


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.cells: list[str] = []
        self.sources: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(str(values["id"]))
        if tag in {"img", "script", "link", "iframe"}:
            self.sources.append(str(values.get("src") or values.get("href") or ""))
        self._in_cell = tag == "td"

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.cells.append(data)
            self._in_cell = False


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


@cache
def _bundled_page() -> str:
    return render_report(load_natalizumab_psoriasis())


def test_report_has_every_section_for_the_bundled_study() -> None:
    page = _parse(_bundled_page())
    assert ["suppression", "summary", "therapies", "transitions", "swimmer", "reproduction"] == page.ids


def test_report_is_self_contained() -> None:
    text = _bundled_page()
    page = _parse(text)
    assert "http://" not in text
    assert "https://" not in text
    assert "script" not in page.tags
    assert "link" not in page.tags
    assert all(s.startswith("data:image/png;base64,") for s in page.sources)
    assert 1 == len(page.sources)


def test_report_suppresses_small_counts_and_says_so() -> None:
    text = _bundled_page()
    page = _parse(text)
    numbers = [c for c in page.cells if c.isdigit()]
    assert all(int(c) == 0 or int(c) >= 5 for c in numbers)
    assert "<5" in page.cells
    assert "every count from 1 to 4 is shown as &lt;5 (threshold 5)" in text


def test_report_threshold_is_a_choice() -> None:
    text = render_report(load_natalizumab_psoriasis(), min_cell_count=1, reproduction=False)
    page = _parse(text)
    assert "<5" not in page.cells
    assert "reproduction" not in page.ids
    assert "Small-cell suppression is off" in text


def test_report_refuses_a_threshold_below_one() -> None:
    with pytest.raises(InvalidValueError, match="min_cell_count"):
        render_report(load_natalizumab_psoriasis(), min_cell_count=0)


def test_report_of_another_cohort_has_no_reproduction_and_escapes_text() -> None:
    patient = Patient(
        SENTINELS[0],
        episodes=(TherapyEpisode(CATALOGUE.get("natalizumab"), "2010"),),
    )
    cohort = Cohort((patient,), CohortMetadata(source="<script>alert(1)</script>"))
    text = render_report(cohort)
    page = _parse(text)
    assert "reproduction" not in page.ids
    assert "script" not in page.tags
    assert_no_leak([text.replace("data:image", "")], [SENTINELS[0]])
    assert "<5" in page.cells  # one patient, one episode


def test_write_report_writes_the_page(tmp_path: Path) -> None:
    path = write_report(load_natalizumab_psoriasis(), tmp_path / "r.html", reproduction=False)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_report_writes_the_bundled_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.html"
    assert 0 == main(["report", "-o", str(target), "--min-cell-count", "3"])
    assert str(target) == capsys.readouterr().out.strip()
    assert "every count from 1 to 2 is shown as &lt;3" in target.read_text(encoding="utf-8")


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_report_is_drawn_by_a_real_browser_offline(tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no chromium found: .ci/run installs it with apt-get")
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    from PIL import Image  # noqa: PLC0415 - matplotlib's own dependency

    page = write_report(load_natalizumab_psoriasis(), tmp_path / "report.html", reproduction=False)
    shot = tmp_path / "shot.png"
    profile = tmp_path / "profile"
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            # Every host resolves to nothing: the page must draw with the network off.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={profile}",
            "--window-size=1000,2400",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert 0 == result.returncode, result.stderr.decode(errors="replace")[-2000:]
    with Image.open(shot) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    # The swimmer plot's therapy colours: pixels far from grey. Text and rules are grey.
    coloured = int(((pixels.max(axis=2) - pixels.min(axis=2)) > 60).sum())
    assert coloured > 5_000, f"only {coloured} coloured pixels: the chart is not drawn"
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50  # not a blank page
