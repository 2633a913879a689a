"""The lanes of a swimmer plot: episode bars, therapy labels, stop reasons, response markers, legend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from dmt_timeline.catalogue import TherapyClass
from dmt_timeline.model import NOT_RECORDED, Patient, ResponseObservation, SwitchReason
from dmt_timeline.plot._spans import _response_window, _Span
from dmt_timeline.plot._style import CLASS_COLOURS, _text_colour
from dmt_timeline.timeline import Timeline

if TYPE_CHECKING:  # matplotlib is an optional extra, imported only when drawing
    from collections.abc import Sequence

    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.text import Annotation, Text

_REASON_TEXT: Final = {
    SwitchReason.LOSS_OF_EFFECTIVENESS: "loss of effectiveness",
    SwitchReason.INTOLERANCE: "intolerance",
    SwitchReason.COMORBIDITY_WORSENING: "comorbidity worsening",
    SwitchReason.SAFETY_RISK: "safety risk (JCV antibodies)",
    SwitchReason.PREGNANCY: "pregnancy",
    SwitchReason.OTHER: "other",
}
# Reasons whose code is already words (adverse event, PML risk...) are shown by their code alone.

_OUTCOME_STYLE: Final = {"MS": ("D", "#000000"), "psoriasis": ("o", "#FFFFFF")}
_BAR_HEIGHT: Final = 0.44
# Responses sit just outside the bar, MS above and the comorbidity below, so neither hides
# the other or the therapy label.
_RESPONSE_OFFSET: Final = 0.34
_LABEL_YEARS: Final = 0.9  # about the width of a short therapy label at the default size


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

    def legend(self, extra: Sequence[Patch | Line2D] = ()) -> None:
        """Therapy classes, span kinds and markers below the axes; reason codes above them.

        ``extra`` are handles for other marks drawn on the lanes (clinical events)."""
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
        handles.extend(extra)
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
            key = "; ".join(
                f"{r.value} {_REASON_TEXT[r]}" if r in _REASON_TEXT else r.value
                for r in SwitchReason
                if r in self.reasons
            )
            notes.append(f"Stop reasons: {key}.")
        if self.any_open:
            notes.append("Bars reaching the right edge: stop not recorded and no later bound in the data.")
        if notes:
            self.axes.set_title("\n".join(notes), fontsize=6.5, loc="left", color="#333333")
