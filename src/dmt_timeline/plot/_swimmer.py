"""The swimmer plot: one lane per patient, grouped, on a calendar-year axis."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from dmt_timeline.errors import InvalidValueError
from dmt_timeline.model import Cohort, Patient
from dmt_timeline.plot._events import _EventMarks, event_years
from dmt_timeline.plot._extra import _require_matplotlib
from dmt_timeline.plot._figure import _new_axes
from dmt_timeline.plot._groups import GroupBy, _groups
from dmt_timeline.plot._lanes import _Swimmer
from dmt_timeline.plot._spans import _response_window, _Span, _spans
from dmt_timeline.timeline import Timeline

if TYPE_CHECKING:  # matplotlib is an optional extra, imported only when drawing
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Annotation


def swimmer_plot(
    cohort: Cohort | Iterable[Patient],
    *,
    group_by: GroupBy = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] = (7.0, 7.0),
    show_reasons: bool = True,
    show_responses: bool = True,
    show_events: bool = False,
    show_edss: bool = False,
) -> Figure:
    """One lane per patient, each therapy episode a bar coloured by therapy class.

    Every episode is drawn over the days its dates allow: a faded bar from the earliest
    possible start to the latest possible stop (a stop that is not recorded is bounded by the
    next episode's start, or by last follow-up), a solid bar where the patient was certainly
    on therapy (from the latest possible start to the earliest possible stop, often empty for
    year-precision data), and a hatched window over the days the start could fall on. An
    ongoing episode ends in an arrow; an episode with no later bound runs to the right edge.
    Stop-reason codes stand above each episode's end; responses are markers at the index
    episode's start plus the latency, with a line over the days they could mean.

    Args:
        cohort: The patients, one lane each, in cohort order within their group.
        group_by: A function of the patient, or the name of a patient label (for the bundled
            cohort, ``"published_group"``); None draws the lanes ungrouped.
        ax: Axes to draw into; a new figure is made when None.
        figsize: Size in inches of a new figure; a journal's full page width is about 7.
        show_reasons: Draw the stop-reason codes.
        show_responses: Draw the response observations.
        show_events: Draw each patient's relapses (triangles on the bar's upper edge) and MRI
            scans (squares on its lower edge: filled when active, open when not, grey when the
            counts cannot tell), each at the middle of the days its date can mean with a line
            over them, as responses are drawn.
        show_edss: Draw each EDSS assessment's score as a small number in the lane, at the
            middle of the days its date can mean, over a thin line across those days.

    Returns:
        The figure.

    Raises:
        ImportError: when matplotlib (the ``plot`` extra) is not installed.
        InvalidValueError: when ``group_by`` names a label a patient lacks.
        TimelineError: when a patient's history cannot be a timeline.
    """
    _require_matplotlib()
    groups = _groups(cohort, group_by)
    figure, axes = _new_axes(ax, figsize)
    lanes: list[tuple[float, Patient, Timeline, list[_Span]]] = []
    headings: list[tuple[float, str]] = []
    row = 0.0
    for name, members in groups.items():
        if name:
            headings.append((row, name))
            row += 1
        for patient in members:
            timeline = Timeline.of(patient)
            lanes.append((row, patient, timeline, _spans(timeline)))
            row += 1
    if not lanes:
        raise InvalidValueError("cohort: no patients to draw")

    known = [s.start_lo for _, _, _, spans in lanes for s in spans]
    known += [s.stop_hi for _, _, _, spans in lanes for s in spans if s.stop_hi is not None]
    known += [_response_window(p, o)[1] for _, p, _, _ in lanes for o in p.observations if show_responses]
    known += [year for _, p, _, _ in lanes for year in event_years(p, events=show_events, edss=show_edss)]
    left, right = float(int(min(known))), float(int(max(known)) + 1)
    # Open-ended episodes run to the edge of the data, not to a wall-clock "now".
    lanes_drawn = _Swimmer(axes, horizon=right)
    reason_labels = [
        lanes_drawn.lane(
            y, patient, timeline, spans, show_reasons=show_reasons, show_responses=show_responses
        )
        for y, patient, timeline, spans in lanes
    ]
    marks = _EventMarks(axes)
    for y, patient, _, _ in lanes:
        if show_events:
            marks.lane(y, patient)
        if show_edss:
            marks.edss(y, patient)
    for row_y, name in headings:
        axes.text(left + 0.1, row_y + 0.15, name, ha="left", va="center", fontsize=7.5, fontstyle="italic")
        if row_y > 0:
            axes.axhline(row_y - 0.5, color="#BBBBBB", linewidth=0.6)
    _swimmer_axes(axes, left=left, right=right, rows=row, lanes=[(y, p.id) for y, p, _, _ in lanes])
    lanes_drawn.legend(marks.handles())
    _separate(figure, reason_labels)
    return figure


def _swimmer_axes(
    axes: Axes, *, left: float, right: float, rows: float, lanes: list[tuple[float, str]]
) -> None:
    from matplotlib.ticker import MultipleLocator  # noqa: PLC0415 - optional extra

    axes.set_xlim(left, right + 0.35)
    axes.set_ylim(rows - 0.5, -0.6)
    axes.set_yticks([y for y, _ in lanes], [name for _, name in lanes], fontsize=7)
    axes.tick_params(axis="y", length=0)
    axes.xaxis.set_major_locator(MultipleLocator(2 if right - left > 12 else 1))
    axes.xaxis.set_minor_locator(MultipleLocator(1))
    axes.tick_params(axis="x", labelsize=7)
    axes.set_xlabel("Calendar year", fontsize=8)
    axes.grid(axis="x", which="major", color="#E5E5E5", linewidth=0.5)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)


def _separate(figure: Figure, lanes: list[list[Annotation]]) -> None:
    """Shift stop-reason labels left until none in a lane overlaps the next.

    Two episodes can share a bound (a one-year episode between two starts in the same year),
    so their labels would print on top of each other; the earlier one moves left.
    """
    if not any(lanes):
        return
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - optional extra

    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]  # matplotlib leaves it unannotated
    figure.draw_without_rendering()  # settles the constrained layout the extents depend on
    points_per_pixel = 72 / figure.dpi
    for labels in lanes:
        limit: float | None = None
        for label in reversed(labels):
            box = label.get_window_extent(renderer)
            if limit is not None and box.x1 > limit - 2:
                dx, dy = label.xyann
                label.xyann = (dx - (box.x1 - limit + 2) * points_per_pixel, dy)
                box = label.get_window_extent(renderer)
            limit = box.x0
