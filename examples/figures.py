"""Draw both figures of the bundled cohort into a temporary directory and print their paths.

Needs the plot extra: pip install "dmt-timeline[plot]".

Run: python examples/figures.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.plot import response_curves, save_figure, swimmer_plot
from dmt_timeline.studies.natalizumab_psoriasis import paradigm


def draw(directory: Path) -> list[Path]:
    """Write the swimmer plot (grouped by paradigm) and the response curves into ``directory``."""
    cohort = load_natalizumab_psoriasis()
    return [
        save_figure(swimmer_plot(cohort, group_by=paradigm), directory / "swimmer.png"),
        save_figure(
            response_curves(cohort, index="natalizumab", outcomes=("MS", "psoriasis")),
            directory / "response.svg",
        ),
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for path in draw(Path(tmp)):
            print(f"{path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
