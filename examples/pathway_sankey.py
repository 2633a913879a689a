"""Count the bundled cohort's treatment pathways and draw them as a Sankey diagram: a PNG for a
paper and an interactive HTML page that opens offline. Print the paths written.

Needs the plot extra for the PNG: pip install "dmt-timeline[plot]".

Run: python examples/pathway_sankey.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from dmt_timeline.analyses.pathways import PathwaySettings, pathway_counts
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.io import episodes_table
from dmt_timeline.plot import pathway_sankey, pathway_sankey_html, save_figure


def draw(directory: Path) -> list[Path]:
    """Write the Sankey diagram of the pathways (counts below 2 suppressed) into ``directory``."""
    counts = pathway_counts(episodes_table(load_natalizumab_psoriasis()), PathwaySettings(min_cell_count=2))
    page = directory / "pathways.html"
    page.write_text(pathway_sankey_html(counts), encoding="utf-8")
    return [save_figure(pathway_sankey(counts), directory / "pathways.png"), page]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for path in draw(Path(tmp)):
            print(f"{path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
