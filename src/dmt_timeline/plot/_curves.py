"""Cumulative response curves: the empirical CDF of latencies since the index episode started."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from dmt_timeline.errors import InvalidValueError
from dmt_timeline.latency import CensorAt, Latency, cohort_latencies, cohort_outcomes, to_censored_data
from dmt_timeline.model import Cohort, Patient
from dmt_timeline.plot._extra import _require_matplotlib
from dmt_timeline.plot._figure import _new_axes
from dmt_timeline.plot._groups import GroupBy, _groups
from dmt_timeline.plot._style import _CURVE_COLOURS, _LINESTYLES
from dmt_timeline.timeline import Selector

if TYPE_CHECKING:  # matplotlib is an optional extra, imported only when drawing
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


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
    index: Selector,
    outcomes: Sequence[str] | None = None,
    group_by: GroupBy = None,
    censor_at: CensorAt = "index end",
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
        outcomes: Outcome keys, ``"MS"`` or a comorbidity's name; by default those the
            cohort's own data speak of (:func:`~dmt_timeline.latency.cohort_outcomes`). A
            comorbidity's curve counts only the patients it concerns.
        group_by: A function of the patient, the name of a patient label, or None.
        censor_at: Where a latency with no response is censored
            (:data:`~dmt_timeline.latency.CENSOR_AT`).
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

    patients = cohort if isinstance(cohort, Cohort) else tuple(cohort)  # read more than once
    chosen = cohort_outcomes(patients) if outcomes is None else tuple(outcomes)
    figure, axes = _new_axes(ax, figsize)
    groups = _groups(patients, group_by)
    longest = 0.0
    drawn = 0
    any_censored = False
    for g, (name, members) in enumerate(groups.items()):
        rows = cohort_latencies(members, index=index, outcomes=chosen, censor_at=censor_at)
        for o, outcome in enumerate(chosen):
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
        title="+ censored (no response while followed)" if any_censored else None,
        title_fontsize=6.5,
    )
    return figure
