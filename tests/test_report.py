"""The HTML cohort report: self-contained, suppressed, parsed back, and drawn by a real browser."""

from __future__ import annotations

import datetime as dt
import html
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmt_timeline import report
from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.cli import main
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.errors import InvalidValueError
from dmt_timeline.model import Cohort, CohortMetadata, Patient, TherapyEpisode
from dmt_timeline.report import render_report, write_report
from dmt_timeline.strategies import cohorts
from tests.leaks import SENTINELS, assert_no_leak


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.cells: list[str] = []
        self.counts: list[str] = []
        self.stats: list[str] = []  # the baseline table's cells: counts, n (%) and statistics
        self.sources: list[str] = []
        self._in_cell = False
        self._in_count = False
        self._in_stat = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(str(values["id"]))
        if tag in {"img", "script", "link", "iframe"}:
            self.sources.append(str(values.get("src") or values.get("href") or ""))
        self._in_cell = tag == "td"
        self._in_count = tag == "td" and values.get("class") == "n"
        self._in_stat = tag == "td" and values.get("class") == "stat"

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.cells.append(data)
            self._in_cell = False
        if self._in_count:
            self.counts.append(data)
            self._in_count = False
        if self._in_stat:
            self.stats.append(data)
            self._in_stat = False


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


CUT = dt.date(2020, 12, 31)  # the bundled series was followed to 2020
SECTIONS = [
    *("summary", "baseline", "therapies", "transitions"),
    *("pathways", "persistence", "responses", "swimmer"),
]
CHARTS = ["persistence-curves", "response-curves-natalizumab", "swimmer-plot"]


@cache
def _bundled_page() -> str:
    return render_report(load_natalizumab_psoriasis(), as_of=CUT)


def test_report_has_every_section_for_the_bundled_study() -> None:
    page = _parse(_bundled_page())
    assert [
        "suppression",
        *SECTIONS[:6],
        CHARTS[0],
        SECTIONS[6],
        CHARTS[1],
        SECTIONS[7],
        CHARTS[2],
        "reproduction",
    ] == page.ids


def test_report_is_self_contained() -> None:
    text = _bundled_page()
    page = _parse(text)
    assert "http://" not in text
    assert "https://" not in text
    assert "script" not in page.tags
    assert "link" not in page.tags
    assert all(s.startswith("data:image/png;base64,") for s in page.sources)
    assert 3 == len(page.sources)


def test_report_suppresses_small_counts_and_says_so() -> None:
    text = _bundled_page()
    page = _parse(text)
    assert all(c == "<5" or int(c) == 0 or int(c) >= 5 for c in page.counts)
    assert "<5" in page.counts
    assert "every count from 1 to 4 is shown as &lt;5 (threshold 5)" in text


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohort=cohorts(max_size=12), threshold=st.integers(2, 8))
def test_every_count_in_any_report_is_suppressed_below_the_threshold(cohort: Cohort, threshold: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        # The swimmer plot draws patients, not counts: left out to keep the examples quick.
        patch.setattr(report, "_swimmer", lambda cohort, grouped: "")
        text = render_report(cohort, min_cell_count=threshold, as_of=dt.date(2100, 1, 1))
    page = _parse(text)
    small = f"<{threshold}"
    assert all(c == small or int(c) == 0 or int(c) >= threshold for c in page.counts)
    assert all(_baseline_count_shown(c, threshold) for c in page.stats)
    assert f"every count from 1 to {threshold - 1} is shown as &lt;{threshold}" in text


def _baseline_count_shown(cell: str, threshold: int) -> bool:
    """Whether a baseline cell that is a count (alone or as n (%)) is 0 or at least the threshold."""
    count = re.fullmatch(r"(\d+)(?: \([\d.]+\))?", cell)
    return count is None or int(count.group(1)) == 0 or int(count.group(1)) >= threshold


def _section(text: str, sid: str) -> str:
    start = text.index(f'<section id="{sid}">')
    return text[start : text.index("</section>", start)]


def _sexes(women: int, men: int) -> Cohort:
    from dmt_timeline.model import Sex  # noqa: PLC0415

    natalizumab = CATALOGUE.get("natalizumab")
    return Cohort(
        tuple(
            Patient(f"P{i:02}", episodes=(TherapyEpisode(natalizumab, "2015-03", "2016"),), sex=sex)
            for i, sex in enumerate([Sex.FEMALE] * women + [Sex.MALE] * men)
        )
    )


def test_baseline_table_shows_only_what_the_cohort_records() -> None:
    section = _section(_bundled_page(), "baseline")
    rows = [r.split("</td>")[0] for r in section.split("<tr><td>")[1:]]
    # The bundled series records MS diagnosis dates and baseline EDSS, not sex or birth dates.
    assert ["n", *(f"{v}, {s}" for v in ("disease duration (years)", "baseline EDSS")
                   for s in ("median [Q1,Q3]", "mean (SD)", "missing"))] == rows  # fmt: skip
    assert "18" == _parse(section).stats[0]


def test_baseline_counts_are_suppressed_at_the_reports_threshold() -> None:
    page = _parse(_section(render_report(_sexes(9, 3), as_of=CUT), "baseline"))
    # 3 men are hidden, and so the 9 women, or the men would be 12 - 9.
    assert ["12", "<5", "<5"] == page.stats
    assert ["female", "male"] == [c for c in page.cells if c in {"female", "male"}]
    shown = _parse(_section(render_report(_sexes(9, 3), as_of=CUT, min_cell_count=1), "baseline"))
    assert ["12", "9 (75.0)", "3 (25.0)"] == shown.stats


def test_baseline_of_a_cohort_that_records_nothing_says_so() -> None:
    cohort = Cohort((Patient("P1", episodes=(TherapyEpisode(CATALOGUE.get("natalizumab"), "2010"),)),))
    section = _section(render_report(cohort), "baseline")
    assert "No baseline characteristics" in section
    assert "<table>" not in section


def test_response_curves_are_drawn_for_the_therapy_responses_are_observed_on() -> None:
    section = _section(_bundled_page(), "responses")
    page = _parse(section)
    assert ["natalizumab", "MS", "natalizumab", "psoriasis"] == [c for c in page.cells if not c[0].isdigit()]
    assert ["18", "18", "0"] * 2 == page.counts
    assert ["responses", "response-curves-natalizumab"] == page.ids
    assert "No response observations" in _section(render_report(_sexes(9, 3), as_of=CUT), "responses")


def test_a_hidden_part_of_a_shown_total_hides_another() -> None:
    # 18 responded, 0 censored: nothing small. With a threshold of 19 every count is hidden;
    # the parts of a total are hidden in pairs wherever one is small.
    page = _parse(_section(render_report(load_natalizumab_psoriasis(), min_cell_count=19), "responses"))
    assert ["<19", "<19", "0"] * 2 == page.counts
    assert {"d": "<5", "c": "<5", "u": "0"} == report._hidden({"d": 3, "c": 9, "u": 0}, 5)
    assert {"d": "5", "c": "9", "u": "0"} == report._hidden({"d": 5, "c": 9, "u": 0}, 5)


@given(
    parts=st.dictionaries(st.sampled_from("abc"), st.integers(0, 30), min_size=1),
    threshold=st.integers(1, 10),
)
def test_no_hidden_part_is_the_total_minus_the_others(parts: dict[str, int], threshold: int) -> None:
    shown = report._hidden(parts, threshold)
    hidden = [k for k, text in shown.items() if text == f"<{threshold}"]
    assert all(shown[k] == str(n) for k, n in parts.items() if k not in hidden)
    assert {k for k, n in parts.items() if 0 < n < threshold} <= set(hidden)
    # One hidden part is recoverable from the total only when another non-zero part is shown.
    if len(hidden) == 1:
        assert all(n == 0 for k, n in parts.items() if k not in hidden)


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


CHART = """\
Patient,Drug,Start date,Stop date,Reason for stopping
P01,Avonex,03/2007,2010-6,lack of efficacy
P01,Tysabri,Sep 2010,ongoing,
P02,Tysbari,2008,2011,intolerance
P03,Copaxone,2009,2012,
"""
LAYOUT = """\
[columns]
patient_id = "Patient"
therapy = "Drug"
start = "Start date"
stop = "Stop date"
reasons = "Reason for stopping"
"""


@pytest.fixture
def chart(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "chart.csv").write_text(CHART, encoding="utf-8")
    (tmp_path / "layout.toml").write_text(LAYOUT, encoding="utf-8")
    return tmp_path / "chart.csv", tmp_path / "layout.toml"


def test_problems_found_on_reading_a_table_are_counted_not_quoted(chart: tuple[Path, Path]) -> None:
    from dmt_timeline.io import read_table  # noqa: PLC0415

    read = read_table(*chart, skip_bad_rows=True)
    text = render_report(read.cohort, reading=read, min_cell_count=1, as_of=CUT)
    page = _parse(text)
    assert "problems" == page.ids[2]
    rows = dict(zip(page.cells[::2], page.cells[1::2], strict=False))
    assert "1" == rows["rows skipped for a problem"]
    assert "1" == rows["patients left out for a problem in one of their rows"]
    assert "1" == rows["Drug"]  # problems by column
    assert "Tysbari" not in text  # a message quotes the cell; the report does not
    assert "P02" not in text


def test_problems_found_on_reading_a_fhir_export_are_counted() -> None:
    from dmt_timeline.io.fhir import cohort_to_fhir, read_fhir_bundle  # noqa: PLC0415

    bundle = cohort_to_fhir(load_natalizumab_psoriasis())
    read = read_fhir_bundle(bundle)
    page = _parse(render_report(read.cohort, reading=read, as_of=CUT))
    rows = dict(zip(page.cells[::2], page.cells[1::2], strict=False))
    assert str(len(bundle["entry"])) == rows["entries in the export"]
    assert str(read.read) == rows["entries read"]


def test_a_reading_that_is_not_a_readers_result_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="reading"):
        render_report(load_natalizumab_psoriasis(), reading="chart.csv")


def test_persistence_without_a_data_cut_says_what_is_missing_and_names_no_one() -> None:
    text = render_report(load_natalizumab_psoriasis(), reproduction=False)
    section = _section(text, "persistence")
    assert "Not estimated: an ongoing course has no last follow-up" in section
    assert not re.search(r"P\d\d", section)
    assert 2 == _parse(text).sources.__len__()  # the response curves and the swimmer plot


def test_curves_show_numbers_at_risk_only_where_they_are_not_small(monkeypatch: pytest.MonkeyPatch) -> None:
    from dmt_timeline import plot  # noqa: PLC0415
    from dmt_timeline.dates import Precision  # noqa: PLC0415
    from dmt_timeline.stats.survival import KaplanMeier  # noqa: PLC0415
    from dmt_timeline.synthetic import synthetic_cohort  # noqa: PLC0415

    asked: list[tuple[dict[str, Any], list[float]]] = []
    drawn = plot.survival_curves

    def spy(estimates: dict[str, Any], **options: Any) -> Any:
        if options.get("kind", "survival") == "survival":  # the persistence curves
            asked.append((dict(estimates), list(options["at_risk_times"])))
        return drawn(estimates, **options)

    monkeypatch.setattr(plot, "survival_curves", spy)
    # Day-precise dates: some therapies' times are exact, so Kaplan-Meier with a risk set.
    cohort = synthetic_cohort(300, seed=4, partial_date_share={Precision.YEAR: 0.0, Precision.MONTH: 0.0})
    render_report(cohort, min_cell_count=11, as_of=dt.date(2030, 1, 1))
    [(estimates, times)] = asked
    exact = [e for e in estimates.values() if isinstance(e, KaplanMeier)]
    assert exact
    assert all(e.n >= 11 for e in estimates.values())
    for estimate in exact:
        for t in times:
            at = [n for x, n in zip(estimate.timeline, estimate.at_risk_counts, strict=True) if x >= t]
            assert not at or at[0] == 0 or at[0] >= 11
    # The last times of the longest curve have fewer than 11 at risk: they are left out.
    longest = max(max(e.timeline) for e in exact)
    assert max(times) < longest - 12


def test_report_shows_progress_by_section_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("tqdm")
    import io  # noqa: PLC0415

    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    render_report(load_natalizumab_psoriasis(), as_of=CUT, progress=True)
    monkeypatch.undo()
    assert "report: 100%" in err.getvalue()
    assert "9/9" in err.getvalue()


def test_cli_report_of_a_table_with_a_layout(
    chart: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    target = chart[0].parent / "r.html"
    args = [
        "report",
        str(chart[0]),
        "--layout",
        str(chart[1]),
        "--as-of",
        "2020-12-31",
        "-o",
        str(target),
        "-q",
    ]
    assert 0 == main(args)
    captured = capsys.readouterr()
    assert (str(target), "") == (captured.out.strip(), captured.err)
    assert "Data problems found on reading" in target.read_text(encoding="utf-8")


def test_cli_report_refuses_a_layout_without_a_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 2 == main(["report", "--layout", "layout.toml", "-o", str(tmp_path / "r.html")])
    assert "--layout needs a table FILE" in capsys.readouterr().err


def test_cli_report_of_a_fhir_export_counts_what_was_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dmt_timeline.io.fhir import cohort_to_fhir  # noqa: PLC0415

    bundle = cohort_to_fhir(load_natalizumab_psoriasis())
    (tmp_path / "bundle.json").write_text(json.dumps(bundle), encoding="utf-8")
    target = tmp_path / "r.html"
    assert 0 == main(
        ["report", f"fhir:{tmp_path / 'bundle.json'}", "-o", str(target), "--as-of", "2020-12-31"]
    )
    page = _parse(target.read_text(encoding="utf-8"))
    rows = dict(zip(page.cells[::2], page.cells[1::2], strict=False))
    assert str(len(bundle["entry"])) == rows["entries in the export"]
    assert "" == capsys.readouterr().err  # not a terminal: no progress


def test_cli_report_refuses_a_date_that_is_not_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["report", "-o", str(tmp_path / "r.html"), "--as-of", "2020"])
    assert "'2020' is not a date written YYYY-MM-DD" in capsys.readouterr().err


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


# Written into a copy of the page (never into the report itself): it collects every error event
# (a script error, an image that does not decode), console.error calls and every resource the
# page fetched, and each section and chart with its place, into the DOM that --dump-dom prints.
COLLECTOR = """<script>
window.__seen = [];
window.addEventListener("error", (e) => {
  window.__seen.push(String(e.message || (e.target && e.target.outerHTML.slice(0, 80))));
}, true);
const __error = console.error;
console.error = (...a) => { window.__seen.push(a.join(" ")); __error(...a); };
window.addEventListener("load", () => {
  const place = (el) => { const r = el.getBoundingClientRect();
    return [Math.round(r.left), Math.round(r.top + scrollY), Math.round(r.width), Math.round(r.height)]; };
  const out = {
    errors: window.__seen,
    resources: performance.getEntriesByType("resource").map((r) => r.name),
    sections: [...document.querySelectorAll("section")].map((s) => s.id),
    charts: [...document.images].map((i) => ({id: i.id, drawn: i.complete && i.naturalWidth > 0,
                                              place: place(i)})),
    height: document.documentElement.scrollHeight,
  };
  const pre = document.createElement("pre");
  pre.id = "collected";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def _browse(browser: str, page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--hide-scrollbars",
            # The network is off: every host resolves to nothing and every connection goes to a
            # proxy that does not exist.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9",
            "--enable-logging=stderr",
            "--v=0",
            f"--user-data-dir={profile}",
            *extra,
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_report_is_drawn_by_a_real_browser_offline(tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no chromium found: .ci/run installs it with apt-get")
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    from PIL import Image  # noqa: PLC0415 - matplotlib's own dependency

    page = write_report(load_natalizumab_psoriasis(), tmp_path / "report.html", as_of=CUT)
    # The page as written: no console message at all.
    plain = _browse(browser, page, tmp_path / "p1", "--dump-dom")
    assert 0 == plain.returncode, plain.stderr.decode(errors="replace")[-2000:]
    assert [] == [line for line in plain.stderr.decode(errors="replace").splitlines() if ":CONSOLE" in line]
    # A copy with the collector: errors, resources fetched, sections and charts.
    probe = tmp_path / "probe.html"
    text = page.read_text(encoding="utf-8")
    probe.write_text(text.replace("<head>", "<head>" + COLLECTOR, 1), encoding="utf-8")
    dumped = _browse(browser, probe, tmp_path / "p2", "--dump-dom")
    found = re.search(r'<pre id="collected">(.*?)</pre>', dumped.stdout.decode())
    assert found is not None, dumped.stderr.decode(errors="replace")[-2000:]
    collected = json.loads(html.unescape(found.group(1)))
    assert [] == collected["errors"]
    assert [] == [r for r in collected["resources"] if not r.startswith(("data:", "file:"))]
    assert [*SECTIONS, "reproduction"] == collected["sections"]
    charts = {c["id"]: c for c in collected["charts"]}
    assert set(CHARTS) == set(charts)
    assert all(c["drawn"] for c in charts.values())
    # A screenshot of the whole page: where each chart is, it is not blank.
    shot = tmp_path / "shot.png"
    drawn = _browse(
        browser, page, tmp_path / "p3", f"--window-size=1000,{collected['height']}", f"--screenshot={shot}"
    )
    assert 0 == drawn.returncode, drawn.stderr.decode(errors="replace")[-2000:]
    with Image.open(shot) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    for name, chart in charts.items():
        left, top, width, height = chart["place"]
        assert min(width, height) > 100, name
        region = pixels[top : top + height, left : left + width]
        # Therapy colours are far from grey; text and rules are grey.
        coloured = int(((region.max(axis=2) - region.min(axis=2)) > 60).sum())
        assert coloured > 500, f"{name}: only {coloured} coloured pixels: the chart is not drawn"
        assert len(np.unique(region.reshape(-1, 3), axis=0)) > 20, name
