"""One swimmer lane per MS regimen: how courses, scheduled infusions, a retreatment and a switch
inside an effect window look, and how the timeline reads each.

Run it to print each lane's transitions; pass a path to also draw the figure of the docs'
regimens page (``python examples/regimen_lanes.py docs/_static/regimens.png``; needs the plot
extra).
"""

from __future__ import annotations

import sys
from pathlib import Path

from dmt_timeline import CATALOGUE, NOT_RECORDED, Patient, TherapyEpisode, Timeline


def _episode(therapy: str, start: str, stop: str | None = None) -> TherapyEpisode:
    return TherapyEpisode(CATALOGUE.get(therapy), start, stop=NOT_RECORDED if stop is None else stop)


def regimen_lanes() -> list[Patient]:
    """One patient per regimen, each lane named for what it shows."""
    follow_up = "2022-12"
    return [
        Patient(
            "alemtuzumab-2-courses",
            (
                _episode("alemtuzumab", "2015-03-02", "2015-03-06"),
                _episode("alemtuzumab", "2016-03-07", "2016-03-09"),
            ),
            last_follow_up=follow_up,
        ),
        Patient(
            "alemtuzumab-3-courses",
            (
                _episode("alemtuzumab", "2015-03-02", "2015-03-06"),
                _episode("alemtuzumab", "2016-03-07", "2016-03-09"),
                _episode("alemtuzumab", "2018-09-03", "2018-09-05"),
            ),
            last_follow_up=follow_up,
        ),
        Patient(
            "cladribine-years-1-2",
            (
                _episode("cladribine", "2017-01-09", "2017-02-10"),
                _episode("cladribine", "2018-01-15", "2018-02-16"),
            ),
            last_follow_up=follow_up,
        ),
        Patient(
            "ocrelizumab-6-monthly",
            (
                _episode("ocrelizumab", "2018-01-08", "2018-01-22"),
                _episode("ocrelizumab", "2018-07-09", "2018-07-09"),
                _episode("ocrelizumab", "2019-01-14", "2019-01-14"),
                _episode("ocrelizumab", "2019-07-15", "2019-07-15"),
            ),
            last_follow_up=follow_up,
        ),
        Patient(
            "natalizumab-then-switch",
            (
                _episode("natalizumab", "2014-01", "2016-05"),
                _episode("natalizumab", "2016-06", "2018-02"),
                _episode("ocrelizumab", "2018-04"),
            ),
            last_follow_up=follow_up,
        ),
        Patient(
            "switch-in-alemtuzumab-window",
            (
                _episode("alemtuzumab", "2014-05-05", "2014-05-09"),
                _episode("alemtuzumab", "2015-05-11", "2015-05-13"),
                _episode("ocrelizumab", "2017"),
            ),
            last_follow_up=follow_up,
        ),
    ]


def main() -> None:
    lanes = regimen_lanes()
    for patient in lanes:
        print(patient.id)
        for transition in Timeline.of(patient).transitions():
            print(f"  {transition}")
    # Draw only when asked for an image (a test runner's own arguments are not one).
    if len(sys.argv) == 2 and sys.argv[1].endswith((".png", ".svg")):
        from dmt_timeline.plot import save_figure, swimmer_plot  # noqa: PLC0415 - the plot extra

        print(save_figure(swimmer_plot(lanes, figsize=(7.0, 4.4)), Path(sys.argv[1])))


if __name__ == "__main__":
    main()
