"""Regenerate the screenshots in docs/_static: the cohort report, and a notebook cell's patient view.

Run from the repository root, after building the docs (the notebook page is taken from the build):

    sphinx-build -b html docs docs/_build/html
    python docs/_scripts/screenshots.py docs/_build/html

Needs headless Chromium on PATH (chromium, chromium-browser or google-chrome), the plot extra and
Pillow (matplotlib's own dependency). The pictures are cropped to what is drawn and reduced to
a palette of colours, so that they stay small in the repository.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageChops

from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.report import write_report

STATIC = Path(__file__).resolve().parents[1] / "_static"
MARGIN = 12  # white pixels kept around what is drawn

# Written into a copy of the built notebook page: the page shows the one cell tagged
# "patient-view" (its input and output) with the theme's styles.
ONE_CELL = """<script>
const cell = document.querySelector(".tag_patient-view");
document.body.replaceChildren(cell);
document.body.style.padding = "12px";
document.body.style.background = "white";
</script></body>"""


def _browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("screenshots: no chromium on PATH")


def _shoot(page: Path, target: Path, width: int, height: int) -> None:
    with tempfile.TemporaryDirectory() as profile:
        shot = Path(profile) / "shot.png"
        subprocess.run(
            [
                _browser(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--screenshot={shot}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        with Image.open(shot) as image:
            rgb = image.convert("RGB")
    # Crop to what is drawn (the white margin off), then a palette: a fraction of the bytes.
    box = ImageChops.difference(rgb, Image.new("RGB", rgb.size, "white")).getbbox()
    if box is not None:
        left, top, right, bottom = box
        box = (max(left - MARGIN, 0), max(top - MARGIN, 0), right + MARGIN, bottom + MARGIN)
    cropped = rgb.crop(box) if box else rgb
    cropped.quantize(colors=96).save(target, optimize=True)
    print(f"{target.relative_to(STATIC.parents[1])}: {cropped.size[0]}x{cropped.size[1]}")


def main(build: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        report = write_report(
            load_natalizumab_psoriasis(), Path(folder) / "report.html", as_of=dt.date(2020, 12, 31)
        )
        _shoot(report, STATIC / "report.png", 900, 1100)
    notebook = build / "notebook.html"
    if not notebook.is_file():
        raise SystemExit(f"screenshots: {notebook} not found: build the docs first")
    probe = build / "_screenshot_cell.html"
    probe.write_text(notebook.read_text(encoding="utf-8").replace("</body>", ONE_CELL, 1), encoding="utf-8")
    try:
        _shoot(probe, STATIC / "notebook-patient.png", 820, 900)
    finally:
        probe.unlink()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python docs/_scripts/screenshots.py BUILT_HTML_FOLDER")
    main(Path(sys.argv[1]))
