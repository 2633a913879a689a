"""Cumulative response curves: latencies since the index episode started, as time-to-event curves."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from dmt_timeline.errors import InvalidValueError
from dmt_timeline.latency import CensorAt, Latency, cohort_latencies, cohort_outcomes, outcome_keys
from dmt_timeline.model import Cohort, Patient
from dmt_timeline.plot._extra import _require_matplotlib
from dmt_timeline.plot._groups import GroupBy, _groups
from dmt_timeline.plot._style import _CURVE_COLOURS, _LINESTYLES
from dmt_timeline.plot._survival import _draw
from dmt_timeline.timeline import Selector

if TYPE_CHECKING:  # matplotlib is an optional extra, imported only when drawing
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from dmt_timeline.stats.interval import Turnbull
    from dmt_timeline.stats.survival import KaplanMeier


def _estimate(latencies: Sequence[Latency], n_bootstrap: int) -> KaplanMeier | Turnbull:
    """Kaplan-Meier of the latencies, or Turnbull's estimate when some are ranges.

    A latency with a response lies in its whole-month range ``[low, high]`` (both ends
    possible); one with no response is right-censored at its low end, the last month the
    patient is certainly known not to have responded by.
    """
    from dmt_timeline.stats.interval import turnbull  # noqa: PLC0415 - numpy and scipy on use
    from dmt_timeline.stats.survival import kaplan_meier  # noqa: PLC0415

    if all(x.months.is_exact for x in latencies):
        return kaplan_meier([float(x.months.low) for x in latencies], [x.observed for x in latencies])
    left = [float(x.months.low) for x in latencies]
    right = [float(x.months.high) if x.observed else math.inf for x in latencies]
    return turnbull(left, right, closed="both", n_bootstrap=n_bootstrap)


def response_curves(
    cohort: Cohort | Iterable[Patient],
    *,
    index: Selector,
    outcomes: Sequence[str] | None = None,
    group_by: GroupBy = None,
    censor_at: CensorAt = "index end",
    ax: Axes | None = None,
    figsize: tuple[float, float] = (5.0, 4.0),
    show_confidence: bool = True,
    n_bootstrap: int = 200,
) -> Figure:
    """Cumulative proportion responding over months since the index episode started.

    One step curve per outcome (and per group), drawn by
    :func:`~dmt_timeline.plot.survival_curves` as cumulative incidence: one minus the
    Kaplan-Meier estimate of the latencies, with its pointwise 95% confidence band and the
    numbers at risk under the axis. Patients with no response by last follow-up count as
    censored (marked ``+``) rather than as non-responders. Where dated observations leave some
    latencies as ranges, the curve is Turnbull's estimate instead, drawn as its two readings
    (the hatched area between them is what the dates leave open), with a bootstrap band.

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
        show_confidence: Draw the confidence bands.
        n_bootstrap: Bootstrap resamples for the band of a Turnbull estimate (0: no band).

    Returns:
        The figure.

    Raises:
        ImportError: when matplotlib (the ``plot`` extra) is not installed.
        InvalidValueError: when no patient started the index therapy.
        TimelineError: when a latency cannot be known (no response and no last follow-up).
    """
    _require_matplotlib()
    from dmt_timeline.stats.survival import KaplanMeier  # noqa: PLC0415 - numpy and scipy on use

    patients = cohort if isinstance(cohort, Cohort) else tuple(cohort)  # read more than once
    chosen = cohort_outcomes(patients) if outcomes is None else outcome_keys(outcomes)
    groups = _groups(patients, group_by)
    estimates: dict[str, KaplanMeier | Turnbull] = {}
    styles: dict[str, tuple[str, str]] = {}
    for g, (name, members) in enumerate(groups.items()):
        rows = cohort_latencies(members, index=index, outcomes=chosen, censor_at=censor_at)
        for o, outcome in enumerate(chosen):
            selected = [r for r in rows if r.outcome == outcome]
            if not selected:
                continue
            label = f"{outcome}, {name}" if name else outcome
            estimates[label] = _estimate(selected, n_bootstrap)
            styles[label] = (_CURVE_COLOURS[o % len(_CURVE_COLOURS)], _LINESTYLES[g % len(_LINESTYLES)])
    if not estimates:
        raise InvalidValueError(f"index {index!r}: no patient in the cohort started it")
    name = index if isinstance(index, str) else getattr(index, "name", str(index))
    figure = _draw(
        estimates,
        styles,
        kind="incidence",
        at_risk_times=None,
        xlabel=f"Months since {name} start",
        ylabel="Cumulative proportion responding",
        show_confidence=show_confidence,
        ax=ax,
        figsize=figsize,
        steps_at_events=True,
    )
    axes = figure.axes[0] if ax is None else ax
    if any(isinstance(e, KaplanMeier) and any(e.censored) for e in estimates.values()):
        legend = axes.get_legend()
        assert legend is not None  # _draw always makes one
        legend.set_title("+ censored (no response while followed)")
        legend.get_title().set_fontsize(6.5)
    return figure
