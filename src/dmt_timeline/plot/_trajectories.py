"""EDSS over time: one trajectory per patient, partial dates drawn as the ranges they are."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from dmt_timeline.errors import InvalidValueError
from dmt_timeline.model import Cohort, Patient
from dmt_timeline.plot._events import _window
from dmt_timeline.plot._extra import _require_matplotlib
from dmt_timeline.plot._figure import _new_axes
from dmt_timeline.plot._groups import GroupBy, _groups
from dmt_timeline.plot._style import _CURVE_COLOURS, _LINESTYLES

if TYPE_CHECKING:  # matplotlib is an optional extra, imported only when drawing
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

_RELAPSE_Y: Final = -0.45  # relapses along the foot of the axes, below EDSS 0
_MAX_PATIENT_LEGEND: Final = 12


def edss_trajectories(
    cohort: Cohort | Iterable[Patient],
    *,
    group_by: GroupBy = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] = (7.0, 4.0),
    show_relapses: bool = True,
) -> Figure:
    """EDSS scores over calendar time, one line per patient.

    Each assessment is a marker at the middle of the days its date can mean, with a horizontal
    line over those days (a year-precision date spans its year): the date is drawn as a range,
    never as an invented day. A patient's markers are joined in date order. Relapses are
    triangles along the foot of the axes, drawn the same way.

    Args:
        cohort: The patients; those without EDSS assessments draw nothing.
        group_by: A function of the patient, or the name of a patient label: patients of a
            group share a colour and the legend names the groups. None gives each patient its
            own colour and line style (the legend names patients when there are at most 12).
        ax: Axes to draw into; a new figure is made when None.
        figsize: Size in inches of a new figure.
        show_relapses: Draw relapse onsets along the foot of the axes.

    Returns:
        The figure.

    Raises:
        ImportError: when matplotlib (the ``plot`` extra) is not installed.
        InvalidValueError: when no patient has an EDSS assessment, or ``group_by`` names a
            label a patient lacks.
    """
    _require_matplotlib()
    groups = _groups(cohort, group_by)
    drawn = [(name, p) for name, members in groups.items() for p in members if p.edss_assessments]
    if not drawn:
        raise InvalidValueError("cohort: no patient has an EDSS assessment to draw")
    figure, axes = _new_axes(ax, figsize)
    names = list(dict.fromkeys(name for name, _ in drawn))
    by_group = group_by is not None
    legend: dict[str, Line2D] = {}
    for i, (name, patient) in enumerate(drawn):
        k = names.index(name) if by_group else i
        colour = _CURVE_COLOURS[k % len(_CURVE_COLOURS)]
        style = _LINESTYLES[(k // len(_CURVE_COLOURS)) % len(_LINESTYLES)]
        path = _trajectory(axes, patient, colour, style)
        if show_relapses:
            _relapses(axes, patient, colour)
        legend.setdefault(name if by_group else patient.id, path)
    _trajectory_axes(axes, show_relapses=show_relapses)
    if by_group or len(legend) <= _MAX_PATIENT_LEGEND:
        axes.legend(
            handles=list(legend.values()), labels=list(legend), fontsize=6.5, frameon=False, loc="upper left"
        )
    return figure


def _trajectory(axes: Axes, patient: Patient, colour: str, style: str) -> Line2D:
    """One patient's assessments in date order: ranges, markers and the line joining them."""
    points = []
    for assessment in sorted(patient.edss_assessments, key=lambda a: (a.date.sort_key, a.score.score)):
        lo, hi = _window(assessment.date)
        score = assessment.score.score
        if hi > lo:
            axes.plot([lo, hi], [score, score], color=colour, linewidth=1.8, alpha=0.45, gid="edss-range")
        points.append(((lo + hi) / 2, score))
    xs, ys = [x for x, _ in points], [y for _, y in points]
    (path,) = axes.plot(xs, ys, color=colour, linestyle=style, linewidth=0.9, gid="edss-path")
    axes.plot(xs, ys, marker="o", markersize=3, color=colour, linestyle="none", gid="edss")
    return path


def _relapses(axes: Axes, patient: Patient, colour: str) -> None:
    for relapse in patient.relapses:
        lo, hi = _window(relapse.onset)
        if hi > lo:
            axes.plot([lo, hi], [_RELAPSE_Y, _RELAPSE_Y], color=colour, linewidth=0.6, gid="relapse-range")
        axes.plot(
            [(lo + hi) / 2],
            [_RELAPSE_Y],
            marker="^",
            markersize=4,
            color=colour,
            linestyle="none",
            gid="relapse",
        )


def _trajectory_axes(axes: Axes, *, show_relapses: bool) -> None:
    from matplotlib.ticker import MaxNLocator, MultipleLocator  # noqa: PLC0415 - optional extra

    axes.set_ylim(_RELAPSE_Y - 0.35 if show_relapses else -0.3, 10.3)
    axes.yaxis.set_major_locator(MultipleLocator(1))
    axes.yaxis.set_minor_locator(MultipleLocator(0.5))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(labelsize=7)
    axes.set_ylabel("EDSS", fontsize=8)
    axes.set_xlabel("Calendar year" + ("  (\u25b2 relapse)" if show_relapses else ""), fontsize=8)
    axes.grid(axis="y", which="major", color="#E5E5E5", linewidth=0.5)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
