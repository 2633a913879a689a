"""Clinical events drawn on swimmer lanes: relapse and MRI markers and EDSS scores over the days
their dates allow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from dmt_timeline.dates import PartialDate
from dmt_timeline.model import Patient
from dmt_timeline.plot._spans import _year

if TYPE_CHECKING:  # matplotlib is an optional extra, imported only when drawing
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D

# Relapses sit on the bar's upper edge and scans on its lower edge, so that neither hides the
# other, the therapy label, or the response markers further out.
_RELAPSE_OFFSET: Final = -0.22
_MRI_OFFSET: Final = 0.22
_RELAPSE_STYLE: Final = ("v", "#D55E00")  # vermillion: Okabe & Ito, apart from black and white
# MRI activity: filled when the scan showed new/enlarging T2 or enhancing lesions, open when it
# showed none, grey when its counts cannot tell.
_MRI_FACE: Final = {True: "#000000", False: "#FFFFFF", None: "#999999"}
_MRI_TEXT: Final = {True: "active", False: "no activity", None: "activity unknown"}


def _window(date: PartialDate) -> tuple[float, float]:
    """The days a partial date can mean, as fractional calendar years."""
    return _year(date.first_day), _year(date.last_day)


def event_years(patient: Patient, *, events: bool, edss: bool) -> list[float]:
    """The earliest and latest years the relapses and scans (``events``) and the EDSS
    assessments (``edss``) of a patient can mean."""
    dates = [r.onset for r in patient.relapses] + [s.date for s in patient.mri_scans] if events else []
    dates += [a.date for a in patient.edss_assessments] if edss else []
    return [bound for date in dates for bound in _window(date)]


class _EventMarks:
    """Draws relapses and scans on lanes and remembers what the legend must explain."""

    def __init__(self, axes: Axes) -> None:
        self.axes = axes
        self.any_relapse = self.any_edss = False
        self.mri: dict[bool | None, None] = {}

    def lane(self, y: float, patient: Patient) -> None:
        """Every relapse and scan of one patient, at the middle of its possible days."""
        marker, face = _RELAPSE_STYLE
        for relapse in patient.relapses:
            self.any_relapse = True
            self.mark(y + _RELAPSE_OFFSET, relapse.onset, marker, face, "relapse")
        for scan in patient.mri_scans:
            self.mri[scan.active] = None
            self.mark(y + _MRI_OFFSET, scan.date, "s", _MRI_FACE[scan.active], "mri")

    def edss(self, y: float, patient: Patient) -> None:
        """Each EDSS score as a small number in the bar, at the middle of its possible days, over
        a thin line across those days."""
        from matplotlib.patheffects import withStroke  # noqa: PLC0415 - optional extra

        for assessment in patient.edss_assessments:
            self.any_edss = True
            lo, hi = _window(assessment.date)
            if hi > lo:
                self.axes.plot([lo, hi], [y, y], color="#333333", linewidth=0.5, gid="edss-range")
            self.axes.text(
                (lo + hi) / 2, y, f"{assessment.score.score:g}", ha="center", va="center", fontsize=5,
                color="#000000", clip_on=True, gid="edss",
                # A halo keeps the score legible over any bar colour.
                path_effects=[withStroke(linewidth=1.4, foreground="#FFFFFF")],
            )  # fmt: skip

    def mark(self, at: float, date: PartialDate, marker: str, face: str, gid: str) -> None:
        """A marker at the middle of the days a date can mean, and a line over them (as responses)."""
        lo, hi = _window(date)
        if hi > lo:
            self.axes.plot([lo, hi], [at, at], color="#000000", linewidth=0.6, gid=f"{gid}-range")
        self.axes.plot(
            [(lo + hi) / 2],
            [at],
            marker=marker,
            markersize=3.4,
            markerfacecolor=face,
            markeredgecolor="#000000",
            markeredgewidth=0.5,
            linestyle="none",
            gid=gid,
        )

    def handles(self) -> list[Line2D]:
        """Legend entries for the markers drawn."""
        from matplotlib.lines import Line2D  # noqa: PLC0415 - optional extra

        def handle(marker: str, face: str, label: str) -> Line2D:
            return Line2D(
                [], [], marker=marker, markerfacecolor=face, markeredgecolor="#000000", color="#000000",
                linewidth=0.6, markersize=4, label=label,
            )  # fmt: skip

        found = []
        if self.any_edss:
            found.append(
                Line2D(
                    [],
                    [],
                    marker="$3.5$",
                    markersize=9,
                    color="#000000",
                    linestyle="none",
                    label="EDSS score",
                )
            )
        if self.any_relapse:
            found.append(handle(*_RELAPSE_STYLE, "relapse (line: possible dates)"))
        found += [
            handle("s", _MRI_FACE[a], f"MRI, {_MRI_TEXT[a]}") for a in (True, False, None) if a in self.mri
        ]
        return found
