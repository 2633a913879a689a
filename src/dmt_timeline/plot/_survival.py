"""Survival and cumulative-incidence curves with confidence bands and numbers at risk under the axis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from dmt_timeline.errors import InvalidValueError
from dmt_timeline.plot._extra import _require_matplotlib
from dmt_timeline.plot._figure import _new_axes
from dmt_timeline.plot._style import _CURVE_COLOURS, _LINESTYLES

if TYPE_CHECKING:  # matplotlib is an optional extra, imported only when drawing; the
    # estimators bring numpy and scipy, which importing dmt_timeline.plot should not
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from dmt_timeline.stats.interval import Turnbull
    from dmt_timeline.stats.survival import CumulativeIncidence, KaplanMeier

    Estimate = KaplanMeier | CumulativeIncidence | Turnbull

_ROW_POINTS = 10.0  # height of one row of the numbers-at-risk table, in points


def _steps(
    estimate: Estimate, kind: Literal["survival", "incidence"]
) -> list[tuple[list[float], list[float]]]:
    """The step curves to draw: one, or for a Turnbull estimate its early and late readings."""
    from dmt_timeline.stats.survival import CumulativeIncidence, KaplanMeier  # noqa: PLC0415

    times = list(estimate.timeline)
    if isinstance(estimate, KaplanMeier):
        curves = [list(estimate.survival_function)]
    elif isinstance(estimate, CumulativeIncidence):
        curves = [[1 - f for f in estimate.cumulative_incidence]]
    else:
        curves = [list(estimate.survival_lower), list(estimate.survival_upper)]
    if kind == "incidence":
        curves = [[1 - s for s in curve] for curve in curves]
    return [(times, curve) for curve in curves]


def _band(
    estimate: Estimate, kind: Literal["survival", "incidence"]
) -> tuple[list[float], list[float]] | None:
    from dmt_timeline.stats.survival import CumulativeIncidence  # noqa: PLC0415

    low, high = estimate.confidence_lower, estimate.confidence_upper
    if not low:
        return None
    if isinstance(estimate, CumulativeIncidence):
        if kind == "survival":
            return [1 - h for h in high], [1 - lo for lo in low]
        return list(low), list(high)
    if kind == "incidence":
        return [1 - h for h in high], [1 - lo for lo in low]
    return list(low), list(high)


def survival_curves(
    estimates: Mapping[str, Estimate],
    *,
    kind: Literal["survival", "incidence"] = "survival",
    at_risk_times: Sequence[float] | None = None,
    xlabel: str = "Months on therapy",
    ylabel: str | None = None,
    show_confidence: bool = True,
    ax: Axes | None = None,
    figsize: tuple[float, float] = (5.0, 4.0),
) -> Figure:
    """Step curves of survival (or cumulative incidence) per group, with numbers at risk below.

    Each estimate is drawn as a post-step curve; its pointwise confidence interval as a shaded
    band of the same colour; censoring times of a Kaplan-Meier estimate as ``+`` marks. A
    Turnbull estimate is drawn as its two readings (mass as early and as late as the ranges
    allow), the area between them hatched: where they differ the data do not say where
    within the range the events fell. Under the axis, a table gives the numbers at risk at
    ``at_risk_times`` (the x ticks by default) for each Kaplan-Meier or Aalen-Johansen
    estimate; an interval-censored estimate has no risk set, so its row shows its n only.

    Args:
        estimates: Label to estimate (:class:`~dmt_timeline.stats.KaplanMeier`,
            :class:`~dmt_timeline.stats.CumulativeIncidence`, :class:`~dmt_timeline.stats.Turnbull`).
        kind: ``"survival"`` draws S(t), ``"incidence"`` draws 1 - S(t) (or F(t) directly).
        at_risk_times: Where to count those at risk; the major x ticks when None.
        xlabel: The x axis label.
        ylabel: The y axis label; a default follows ``kind``.
        show_confidence: Draw the confidence bands.
        ax: Axes to draw into; a new figure is made when None.
        figsize: Size in inches of a new figure.

    Returns:
        The figure.

    Raises:
        ImportError: when matplotlib (the ``plot`` extra) is not installed.
        InvalidValueError: when there is nothing to draw.
    """
    styles = {
        label: (
            _CURVE_COLOURS[i % len(_CURVE_COLOURS)],
            _LINESTYLES[(i // len(_CURVE_COLOURS)) % len(_LINESTYLES)],
        )
        for i, label in enumerate(estimates)
    }
    return _draw(
        estimates,
        styles,
        kind=kind,
        at_risk_times=at_risk_times,
        xlabel=xlabel,
        ylabel=ylabel,
        show_confidence=show_confidence,
        ax=ax,
        figsize=figsize,
    )


def _draw(
    estimates: Mapping[str, Estimate],
    styles: Mapping[str, tuple[str, str]],
    *,
    kind: Literal["survival", "incidence"],
    at_risk_times: Sequence[float] | None,
    xlabel: str,
    ylabel: str | None,
    show_confidence: bool,
    ax: Axes | None,
    figsize: tuple[float, float],
    steps_at_events: bool = False,
) -> Figure:
    """:func:`survival_curves` with each curve's colour and line style given; with
    ``steps_at_events``, a Kaplan-Meier curve has a point only where it or its band moves."""
    _require_matplotlib()
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415 - optional extra

    from dmt_timeline.stats.survival import KaplanMeier  # noqa: PLC0415 - numpy and scipy on use

    if not estimates:
        raise InvalidValueError("estimates: nothing to draw")
    figure, axes = _new_axes(ax, figsize)
    longest = 0.0
    for label, estimate in estimates.items():
        colour, style = styles[label]
        steps = _steps(estimate, kind)
        longest = max(longest, *(t for t in steps[0][0] if t != float("inf")))
        band = _band(estimate, kind) if show_confidence else None
        if steps_at_events and isinstance(estimate, KaplanMeier):
            steps, band = _changes_only(steps[0], band)
        if band is not None:
            axes.fill_between(
                steps[0][0], *band, step="post", color=colour, alpha=0.15, linewidth=0, gid="confidence-band"
            )
        for j, (xs, ys) in enumerate(steps):
            axes.step(
                xs,
                ys,
                where="post",
                color=colour,
                linestyle=style,
                linewidth=1.4,
                label=f"{label} (n={_n(estimate)})" if j == 0 else None,
                gid="curve",
            )
        if len(steps) == 2:
            axes.fill_between(
                steps[0][0],
                steps[0][1],
                steps[1][1],
                step="post",
                facecolor="none",
                edgecolor=colour,
                hatch="////",
                linewidth=0,
                alpha=0.5,
                gid="reading-band",
            )
        if isinstance(estimate, KaplanMeier):
            _censor_marks(axes, estimate, kind, colour)
    axes.set_xlim(0, longest * 1.02 if longest > 0 else 1)
    axes.set_ylim(0, 1.04)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(xlabel, fontsize=8)
    default = "Probability still on therapy" if kind == "survival" else "Cumulative incidence"
    axes.set_ylabel(ylabel or default, fontsize=8)
    axes.tick_params(labelsize=7)
    axes.grid(color="#E5E5E5", linewidth=0.5)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(fontsize=7, frameon=False, loc="upper right" if kind == "survival" else "lower right")
    times = list(at_risk_times) if at_risk_times is not None else _ticks(axes)
    _at_risk_table(axes, estimates, times, {label: colour for label, (colour, _) in styles.items()})
    return figure


def _changes_only(
    step: tuple[list[float], list[float]], band: tuple[list[float], list[float]] | None
) -> tuple[list[tuple[list[float], list[float]]], tuple[list[float], list[float]] | None]:
    """The steps where the curve or its band moves, with the first and last time: a censoring
    time moves neither (the Greenwood sum grows only at events), so one step is one event."""
    xs, ys = step
    series = [ys, *(band or ())]
    keep = [
        i
        for i in range(len(xs))
        if i in (0, len(xs) - 1) or any(values[i] != values[i - 1] for values in series)
    ]
    kept = [xs[i] for i in keep], [ys[i] for i in keep]
    if band is None:
        return [kept], None
    return [kept], ([band[0][i] for i in keep], [band[1][i] for i in keep])


def _n(estimate: Estimate) -> int:
    from dmt_timeline.stats.interval import Turnbull  # noqa: PLC0415
    from dmt_timeline.stats.survival import KaplanMeier  # noqa: PLC0415

    return estimate.n if isinstance(estimate, KaplanMeier | Turnbull) else estimate.at_risk_counts[0]


def _censor_marks(axes: Axes, estimate: KaplanMeier, kind: str, colour: str) -> None:
    xs = [t for t, c in zip(estimate.timeline, estimate.censored, strict=True) if c]
    ys = [estimate.survival_at(t) for t in xs]
    if kind == "incidence":
        ys = [1 - y for y in ys]
    if xs:
        axes.scatter(xs, ys, marker="+", color=colour, s=24, linewidths=0.9, zorder=3, gid="censored")


def _ticks(axes: Axes) -> list[float]:
    low, high = axes.get_xlim()
    return [float(t) for t in axes.get_xticks() if low <= t <= high]


def _at_risk_table(
    axes: Axes, estimates: Mapping[str, Estimate], times: Sequence[float], colours: Mapping[str, str]
) -> None:
    """Numbers at risk under the x axis: one row per estimate, one column per time."""
    from matplotlib.transforms import ScaledTranslation, blended_transform_factory  # noqa: PLC0415

    from dmt_timeline.stats.interval import Turnbull  # noqa: PLC0415

    figure = axes.get_figure()
    assert figure is not None  # _new_axes guarantees a figure
    below = blended_transform_factory(axes.transData, axes.transAxes)
    label_at = axes.transAxes
    top = -34.0  # points below the axis: under the tick labels and the x label

    def shifted(transform: object, points: float, across: float = 0.0) -> object:
        offset = ScaledTranslation(across / 72, points / 72, figure.dpi_scale_trans)
        return transform + offset  # type: ignore[operator]

    axes.text(0, 0, "Number at risk", transform=shifted(label_at, top), fontsize=7, fontweight="bold",
              ha="left", va="top", gid="at-risk-title")  # fmt: skip
    for row, (label, estimate) in enumerate(estimates.items(), start=1):
        y = top - row * _ROW_POINTS
        colour = colours[label]
        # Right-aligned clear of the first column, whose numbers are centred on the axis origin.
        axes.text(0, 0, label, transform=shifted(label_at, y, -14), fontsize=6.5, ha="right", va="top",
                  color=colour, gid="at-risk-label")  # fmt: skip
        if isinstance(estimate, Turnbull):
            counts = [f"n={estimate.n}" if i == 0 else "" for i in range(len(times))]
        else:
            counts = [str(c) for c in estimate.at_risk(times)]
        for t, text in zip(times, counts, strict=True):
            axes.text(t, 0, text, transform=shifted(below, y), fontsize=6.5, ha="center", va="top",
                      gid="at-risk")  # fmt: skip
