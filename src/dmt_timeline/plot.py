"""Figures: a swimmer plot of therapy histories and cumulative response curves.

Partial dates are drawn as what they are, spans of possible days: a solid bar only where a
patient was certainly on therapy, a faded bar where they possibly were, and a hatched window
where the start could lie. matplotlib is an optional extra (``pip install "dmt-timeline[plot]"``),
imported only when a figure is drawn; figures are built as :class:`matplotlib.figure.Figure`
objects, never through ``pyplot``, so drawing touches no global state.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import attrs

from dmt_timeline.catalogue import TherapyClass
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import InvalidValueError
from dmt_timeline.latency import Latency, cohort_latencies, to_censored_data
from dmt_timeline.model import NOT_RECORDED, ONGOING, Cohort, Patient, ResponseObservation, SwitchReason
from dmt_timeline.timeline import Selector, Timeline

if TYPE_CHECKING:  # matplotlib is an optional extra, imported only when drawing
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Annotation, Text

__all__ = [
    "CLASS_COLOURS",
    "GroupBy",
    "figure_format",
    "response_curves",
    "save_figure",
    "swimmer_plot",
]

GroupBy = Callable[[Patient], str] | str | None
"""How lanes or curves are grouped: a function of the patient, the name of a patient label, or
None for no grouping."""

# Okabe & Ito (2008), safe for the common colour-vision deficiencies; the three rarest classes
# take colours from Paul Tol's muted scheme, chosen to stay apart from the first eight.
CLASS_COLOURS: Final[dict[TherapyClass, str]] = {
    TherapyClass.INTERFERON_BETA: "#56B4E9",  # sky blue
    TherapyClass.GLATIRAMER_ACETATE: "#E69F00",  # orange
    TherapyClass.PYRIMIDINE_SYNTHESIS_INHIBITOR: "#F0E442",  # yellow
    TherapyClass.FUMARATE: "#009E73",  # bluish green
    TherapyClass.S1P_MODULATOR: "#CC79A7",  # reddish purple
    TherapyClass.ANTI_ALPHA4_INTEGRIN: "#0072B2",  # blue
    TherapyClass.ANTI_CD52: "#D55E00",  # vermillion
    TherapyClass.ANTI_CD20: "#000000",  # black
    TherapyClass.PURINE_ANALOGUE: "#882255",  # wine
    TherapyClass.ANTI_CD25: "#999933",  # olive
    TherapyClass.ANTHRACENEDIONE: "#999999",  # grey
}

_REASON_TEXT: Final = {
    SwitchReason.LOSS_OF_EFFECTIVENESS: "loss of effectiveness",
    SwitchReason.INTOLERANCE: "intolerance",
    SwitchReason.COMORBIDITY_WORSENING: "comorbidity worsening",
    SwitchReason.SAFETY_RISK: "safety risk (JCV antibodies)",
    SwitchReason.PREGNANCY: "pregnancy",
    SwitchReason.OTHER: "other",
}

_OUTCOME_STYLE: Final = {"MS": ("D", "#000000"), "psoriasis": ("o", "#FFFFFF")}
_CURVE_COLOURS: Final = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
_LINESTYLES: Final = ("-", "--", ":", "-.")
_BAR_HEIGHT: Final = 0.44
# Responses sit just outside the bar, MS above and the comorbidity below, so neither hides
# the other or the therapy label.
_RESPONSE_OFFSET: Final = 0.34
_LABEL_YEARS: Final = 0.9  # about the width of a short therapy label at the default size
_FORMATS: Final = {".png": "png", ".svg": "svg"}


def _require_matplotlib() -> None:
    """Import matplotlib or say which extra provides it."""
    try:
        import matplotlib  # noqa: PLC0415, F401 - an optional extra, imported on use
    except ImportError as error:
        raise ImportError(
            'dmt_timeline.plot needs matplotlib: install it with pip install "dmt-timeline[plot]"'
        ) from error


def _new_axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure  # noqa: PLC0415 - optional extra

    if ax is not None:
        figure = ax.get_figure()
        if not isinstance(figure, Figure):
            raise InvalidValueError("ax: the axes belong to no figure (or to a subfigure)")
        return figure, ax
    figure = Figure(figsize=size, layout="constrained")
    return figure, figure.add_subplot()


def _grouper(group_by: GroupBy) -> Callable[[Patient], str] | None:
    if group_by is None or callable(group_by):
        return group_by
    key = group_by

    def by_label(patient: Patient) -> str:
        value = patient.label(key)
        if value is None:
            raise InvalidValueError(f"group_by {key!r}: patient {patient.id} has no label {key!r}")
        return value

    return by_label


def _groups(patients: Iterable[Patient], group_by: GroupBy) -> dict[str, list[Patient]]:
    """Patients by group, groups in order of first appearance (None: one unnamed group)."""
    grouper = _grouper(group_by)
    found: dict[str, list[Patient]] = {}
    for patient in patients:
        found.setdefault("" if grouper is None else grouper(patient), []).append(patient)
    return found


def _year(day: dt.date) -> float:
    """A day as a fractional calendar year, so the x axis reads in years."""
    length = 366 if calendar.isleap(day.year) else 365
    return day.year + (day.timetuple().tm_yday - 1) / length


def _add_months(day: dt.date, months: int) -> dt.date:
    ordinal = day.year * 12 + day.month - 1 + months
    year, month = divmod(ordinal, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@attrs.frozen
class _Span:
    """What the dates allow for one episode, in fractional years."""

    start_lo: float
    start_hi: float
    stop_lo: float
    stop_hi: float | None  # None: open-ended (no later bound in the data)
    ongoing: bool


def _spans(timeline: Timeline) -> list[_Span]:
    spans: list[_Span] = []
    episodes = timeline.episodes
    for i, episode in enumerate(episodes):
        start_lo, start_hi = episode.start.first_day, episode.start.last_day
        stop_hi: dt.date | None
        if isinstance(episode.stop, PartialDate):
            stop_lo, stop_hi = max(episode.stop.first_day, start_lo), episode.stop.last_day
        elif episode.stop is ONGOING:
            # Still on it at last follow-up: certain up to there, unknown after.
            stop_lo = timeline.last_follow_up.first_day if timeline.last_follow_up else start_hi
            stop_hi = None
        else:
            # Not recorded: it may have stopped any day from its start to the next start (or
            # last follow-up); a bound derived from the data, never an invented date.
            stop_lo = start_lo
            if i + 1 < len(episodes):
                stop_hi = max(start_lo, episodes[i + 1].start.last_day)
            elif timeline.last_follow_up is not None:
                stop_hi = max(start_lo, timeline.last_follow_up.last_day)
            else:
                stop_hi = None
        spans.append(
            _Span(
                _year(start_lo),
                _year(start_hi),
                _year(stop_lo),
                None if stop_hi is None else _year(stop_hi),
                episode.stop is ONGOING,
            )
        )
    return spans


def _response_window(patient: Patient, obs: ResponseObservation) -> tuple[float, float]:
    """The days a response can have been observed on, as fractional years."""
    if obs.date is not None:
        return _year(obs.date.first_day), _year(obs.date.last_day)
    assert obs.latency_months is not None  # an observation has a date or a latency
    start = patient.episodes[obs.episode].start
    return (
        _year(_add_months(start.first_day, obs.latency_months)),
        _year(_add_months(start.last_day, obs.latency_months)),
    )


def _text_colour(colour: str) -> str:
    """Black or white, whichever reads better on the colour (WCAG relative luminance)."""
    from matplotlib.colors import to_rgb  # noqa: PLC0415 - optional extra

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in to_rgb(colour))
    return "#000000" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.18 else "#FFFFFF"


def swimmer_plot(
    cohort: Cohort | Iterable[Patient],
    *,
    group_by: GroupBy = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] = (7.0, 7.0),
    show_reasons: bool = True,
    show_responses: bool = True,
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
    left, right = float(int(min(known))), float(int(max(known)) + 1)
    # Open-ended episodes run to the edge of the data, not to a wall-clock "now".
    lanes_drawn = _Swimmer(axes, horizon=right)
    reason_labels = [
        lanes_drawn.lane(
            y, patient, timeline, spans, show_reasons=show_reasons, show_responses=show_responses
        )
        for y, patient, timeline, spans in lanes
    ]
    for row_y, name in headings:
        axes.text(left + 0.1, row_y + 0.15, name, ha="left", va="center", fontsize=7.5, fontstyle="italic")
        if row_y > 0:
            axes.axhline(row_y - 0.5, color="#BBBBBB", linewidth=0.6)
    _swimmer_axes(axes, left=left, right=right, rows=row, lanes=[(y, p.id) for y, p, _, _ in lanes])
    lanes_drawn.legend()
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


class _Swimmer:
    """Draws lanes into one axes and remembers what the legend must explain."""

    def __init__(self, axes: Axes, *, horizon: float) -> None:
        self.axes = axes
        self.horizon = horizon
        self.classes: dict[TherapyClass, None] = {}
        self.reasons: dict[SwitchReason, None] = {}
        self.outcomes: dict[str, None] = {}
        self.any_certain = self.any_open = self.any_ongoing = False

    def lane(
        self,
        y: float,
        patient: Patient,
        timeline: Timeline,
        spans: list[_Span],
        *,
        show_reasons: bool,
        show_responses: bool,
    ) -> list[Annotation]:
        """Draw one patient's lane; returns its stop-reason labels, in timeline order."""
        reason_labels: list[Annotation] = []
        previous_label: tuple[Text, float] | None = None
        for position, (episode, span) in enumerate(zip(timeline.episodes, spans, strict=True)):
            self.bars(y, episode.therapy_class, span)
            if previous_label is not None and span.start_lo - previous_label[1] < _LABEL_YEARS:
                # Starts too close to label apart (two starts in one year): one label, in order.
                previous_label[0].set_text(f"{previous_label[0].get_text()}\u2192{episode.therapy.label}")
            else:
                previous_label = (
                    self.label(y, episode.therapy.label, episode.therapy_class, span),
                    span.start_lo,
                )
            if show_reasons and episode.reasons:
                self.reasons.update(dict.fromkeys(episode.reasons))
                # A stop bounded by the next start is labelled where that start can first fall:
                # still inside the stop's window, and clear of the next episode's responses.
                bounded = episode.stop is NOT_RECORDED and position + 1 < len(spans)
                anchor = spans[position + 1].start_lo if bounded else self.end(span)
                reason_labels.append(
                    self.axes.annotate(
                        ",".join(r.value for r in episode.reasons),
                        (anchor, y - _BAR_HEIGHT / 2),
                        xytext=(-1, 0.5),
                        textcoords="offset points",
                        ha="right",
                        va="bottom",
                        fontsize=5.5,
                        color="#333333",
                        gid="stop-reason",
                    )
                )
        if show_responses:
            for obs in patient.observations:
                self.response(y, patient, obs)
        return reason_labels

    def end(self, span: _Span) -> float:
        return self.horizon if span.stop_hi is None else span.stop_hi

    def bars(self, y: float, therapy_class: TherapyClass, span: _Span) -> None:
        """The possible span (faded), the start window (hatched) and the certain span (solid)."""
        from matplotlib.patches import FancyArrow  # noqa: PLC0415 - optional extra

        colour = CLASS_COLOURS[therapy_class]
        self.classes[therapy_class] = None
        stop_hi = self.end(span)
        self.any_open |= span.stop_hi is None and not span.ongoing
        bottom = y - _BAR_HEIGHT / 2
        self.axes.broken_barh(
            [(span.start_lo, stop_hi - span.start_lo)],
            (bottom, _BAR_HEIGHT),
            facecolors=colour,
            alpha=0.35,
            edgecolors="none",
            gid="possible",
        )
        self.axes.broken_barh(
            [(span.start_lo, span.start_hi - span.start_lo)],
            (bottom, _BAR_HEIGHT),
            facecolors="none",
            edgecolors=colour,
            hatch="////",
            linewidth=0,
            gid="start-window",
        )
        certain_end = self.certain_end(span)
        if certain_end > span.start_hi:
            self.any_certain = True
            self.axes.broken_barh(
                [(span.start_hi, certain_end - span.start_hi)],
                (bottom, _BAR_HEIGHT),
                facecolors=colour,
                edgecolors="none",
                gid="certain",
            )
        if span.ongoing:
            self.any_ongoing = True
            self.axes.add_patch(
                FancyArrow(
                    stop_hi, y, 0.25, 0, width=_BAR_HEIGHT * 0.5, head_width=_BAR_HEIGHT,
                    head_length=0.25, length_includes_head=True, color=colour, linewidth=0,
                )
            )  # fmt: skip

    def certain_end(self, span: _Span) -> float:
        return self.horizon if span.ongoing and span.stop_hi is None else span.stop_lo

    def label(self, y: float, text: str, therapy_class: TherapyClass, span: _Span) -> Text:
        from matplotlib.patheffects import withStroke  # noqa: PLC0415 - optional extra

        colour = CLASS_COLOURS[therapy_class]
        on_solid = self.certain_end(span) > span.start_lo + _LABEL_YEARS
        dark_text = not on_solid or _text_colour(colour) == "#000000"
        return self.axes.text(
            span.start_lo + 0.08,
            y,
            text,
            ha="left",
            va="center",
            fontsize=6.5,
            color="#000000" if dark_text else "#FFFFFF",
            fontweight="bold",
            clip_on=True,
            # A halo keeps the label legible over the hatched start window.
            path_effects=[withStroke(linewidth=1.6, foreground="#FFFFFF" if dark_text else colour)],
            gid="therapy-label",
        )

    def response(self, y: float, patient: Patient, obs: ResponseObservation) -> None:
        """A marker at the middle of the days the response can mean, and a line over them."""
        marker, face = _OUTCOME_STYLE.get(obs.key, ("s", "#999999"))
        self.outcomes[obs.key] = None
        lo, hi = _response_window(patient, obs)
        at = y - _RESPONSE_OFFSET if obs.key == "MS" else y + _RESPONSE_OFFSET
        self.axes.plot([lo, hi], [at, at], color="#000000", linewidth=0.6, gid="response-range")
        self.axes.plot(
            [(lo + hi) / 2],
            [at],
            marker=marker,
            markersize=3.2,
            markerfacecolor=face,
            markeredgecolor="#000000",
            markeredgewidth=0.6,
            linestyle="none",
            gid="response",
        )

    def legend(self) -> None:
        """Therapy classes, span kinds and markers below the axes; reason codes above them."""
        from matplotlib.lines import Line2D  # noqa: PLC0415 - optional extra
        from matplotlib.patches import Patch  # noqa: PLC0415

        handles: list[Patch | Line2D] = [
            Patch(facecolor=CLASS_COLOURS[c], label=c.value) for c in TherapyClass if c in self.classes
        ]
        handles.append(Patch(facecolor="#777777", alpha=0.35, label="possibly on therapy"))
        if self.any_certain:
            handles.append(Patch(facecolor="#777777", label="certainly on therapy"))
        handles.append(Patch(facecolor="none", edgecolor="#777777", hatch="////", label="start date window"))
        if self.any_ongoing:
            handles.append(Line2D([], [], marker=">", color="#777777", linestyle="none", label="ongoing"))
        for key in self.outcomes:
            marker, face = _OUTCOME_STYLE.get(key, ("s", "#999999"))
            handles.append(
                Line2D(
                    [], [], marker=marker, markerfacecolor=face, markeredgecolor="#000000",
                    color="#000000", linewidth=0.6, markersize=4,
                    label=f"{key} response (line: possible dates)",
                )
            )  # fmt: skip
        self.axes.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.07),
            ncols=4,
            fontsize=6.5,
            frameon=False,
            handlelength=1.8,
            columnspacing=1.2,
        )
        notes = []
        if self.reasons:
            key = "; ".join(f"{r.value} {_REASON_TEXT[r]}" for r in SwitchReason if r in self.reasons)
            notes.append(f"Stop reasons: {key}.")
        if self.any_open:
            notes.append("Bars reaching the right edge: stop not recorded and no later bound in the data.")
        if notes:
            self.axes.set_title("\n".join(notes), fontsize=6.5, loc="left", color="#333333")


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


def _event_steps(
    latencies: Sequence[Latency], reading: Literal["low", "high"]
) -> tuple[list[float], list[float]]:
    """Times and cumulative proportions at each event, from 0 at time 0 to the last time seen."""
    from scipy.stats import ecdf  # noqa: PLC0415 - scipy is heavy; import it on use

    times = [float(x.months.low if reading == "low" else x.months.high) for x in latencies]
    xs, ys = [0.0], [0.0]
    if any(x.observed for x in latencies):
        cdf = ecdf(to_censored_data(latencies, reading=reading)).cdf
        for time, probability in zip(cdf.quantiles, cdf.probabilities, strict=True):
            # scipy also lists censoring times, where the curve does not move: one step per event.
            if probability > ys[-1]:
                xs.append(float(time))
                ys.append(float(probability))
    if max(times) > xs[-1]:
        xs.append(max(times))
        ys.append(ys[-1])
    return xs, ys


def _step_at(xs: Sequence[float], ys: Sequence[float], x: float) -> float:
    """The value of a right-continuous step function at ``x`` (0 before its first step)."""
    return max((y for step, y in zip(xs, ys, strict=True) if step <= x), default=0.0)


def response_curves(
    cohort: Cohort | Iterable[Patient],
    *,
    index: Selector = "natalizumab",
    outcomes: Sequence[str] = ("MS", "psoriasis"),
    group_by: GroupBy = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] = (5.0, 3.5),
) -> Figure:
    """Cumulative proportion responding over months since the index episode started.

    One step curve per outcome (and per group): the empirical cumulative distribution
    function of the latencies (``scipy.stats.ecdf``), which is one minus the Kaplan-Meier
    survival function, so patients with no response by last follow-up count as censored
    (marked ``+``) rather than as non-responders. The curve uses the low end of each latency
    range; where dated observations leave a range, the band reaches the high end.

    Args:
        cohort: The patients; those who never started ``index`` are left out.
        index: The index therapy (name, alias, :class:`~dmt_timeline.Therapy`) or class.
        outcomes: Outcome keys, ``"MS"`` or a comorbidity's name.
        group_by: A function of the patient, the name of a patient label, or None.
        ax: Axes to draw into; a new figure is made when None.
        figsize: Size in inches of a new figure.

    Returns:
        The figure.

    Raises:
        ImportError: when matplotlib (the ``plot`` extra) is not installed.
        InvalidValueError: when no patient started the index therapy.
        TimelineError: when a latency cannot be known (no response and no last follow-up).
    """
    _require_matplotlib()
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415 - optional extra

    figure, axes = _new_axes(ax, figsize)
    groups = _groups(cohort, group_by)
    longest = 0.0
    drawn = 0
    any_censored = False
    for g, (name, members) in enumerate(groups.items()):
        rows = cohort_latencies(members, index=index, outcomes=outcomes)
        for o, outcome in enumerate(outcomes):
            selected = [r for r in rows if r.outcome == outcome]
            if not selected:
                continue
            colour = _CURVE_COLOURS[o % len(_CURVE_COLOURS)]
            style = _LINESTYLES[g % len(_LINESTYLES)]
            xs, ys = _event_steps(selected, "low")
            label = f"{outcome}, {name} (n={len(selected)})" if name else f"{outcome} (n={len(selected)})"
            axes.step(
                xs, ys, where="post", color=colour, linestyle=style, linewidth=1.4, label=label, gid="curve"
            )
            if any(not r.months.is_exact for r in selected):
                # Later readings of the dates can only delay responses: the band lies below the curve.
                high_x, high_y = _event_steps(selected, "high")
                grid = sorted({*xs, *high_x})
                axes.fill_between(
                    grid,
                    [_step_at(high_x, high_y, x) for x in grid],
                    [_step_at(xs, ys, x) for x in grid],
                    step="post",
                    color=colour,
                    alpha=0.15,
                    linewidth=0,
                    gid="reading-band",
                )
            censored = [float(r.months.low) for r in selected if r.censored]
            if censored:
                any_censored = True
                at = [_step_at(xs, ys, c) for c in censored]
                axes.scatter(
                    censored, at, marker="+", color=colour, s=30, linewidths=1, zorder=3, gid="censored"
                )
            longest = max(longest, xs[-1])
            drawn += 1
    if not drawn:
        raise InvalidValueError(f"index {index!r}: no patient in the cohort started it")
    axes.set_xlim(0, longest + 0.5)
    axes.set_ylim(0, 1.04)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    name = index if isinstance(index, str) else getattr(index, "name", str(index))
    axes.set_xlabel(f"Months since {name} start", fontsize=8)
    axes.set_ylabel("Cumulative proportion responding", fontsize=8)
    axes.tick_params(labelsize=7)
    axes.grid(color="#E5E5E5", linewidth=0.5)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(
        fontsize=7,
        frameon=False,
        loc="lower right",
        title="+ censored (no response by last follow-up)" if any_censored else None,
        title_fontsize=6.5,
    )
    return figure


def figure_format(path: str | Path) -> str:
    """The image format a path asks for, ``"png"`` or ``"svg"``; check it before drawing.

    Raises:
        InvalidValueError: when the extension is neither ``.png`` nor ``.svg``.
    """
    target = Path(path)
    kind = _FORMATS.get(target.suffix.casefold())
    if kind is None:
        raise InvalidValueError(
            f"path {str(target)!r}: extension {target.suffix or '(none)'!r} is not one of .png, .svg"
        )
    return kind


def save_figure(figure: Figure, path: str | Path, *, dpi: int = 300) -> Path:
    """Save a figure as PNG or SVG, chosen by the file's extension.

    Args:
        figure: The figure.
        path: Where to write; the extension must be ``.png`` or ``.svg``.
        dpi: Resolution of a PNG (journals ask for at least 300).

    Returns:
        The path written.

    Raises:
        InvalidValueError: when the extension is neither ``.png`` nor ``.svg``.
    """
    target = Path(path)
    kind = figure_format(target)
    _require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - optional extra

    if not isinstance(figure.canvas, FigureCanvasAgg):
        FigureCanvasAgg(figure)  # a Figure made without pyplot has no drawing canvas of its own yet
    figure.savefig(target, format=kind, dpi=dpi)
    return target
