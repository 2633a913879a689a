"""A static sunburst of treatment pathways: one ring per line, wedges sized by patients."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from dmt_timeline.catalogue import CATALOGUE, TherapyClass
from dmt_timeline.errors import InvalidValueError, UnknownTherapyError, quoted
from dmt_timeline.plot._extra import _require_matplotlib
from dmt_timeline.plot._figure import _new_axes
from dmt_timeline.plot._style import _CURVE_COLOURS, CLASS_COLOURS

if TYPE_CHECKING:  # matplotlib is an optional extra, imported only when drawing
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from dmt_timeline.analyses.pathways import PathwayCounts

_COMBINATION: Final = "#DDDDDD"
_UNDETERMINED: Final = "#FFFFFF"
_CLASSES: Final = {c.value: c for c in TherapyClass}


def _colour(step: str, others: dict[str, str]) -> tuple[str, str]:
    """Fill and hatch of a step: its class colour; combinations grey, ``{...}`` dotted white, a
    step possibly outside the index window (``A?``) its own colour, hatched."""
    if step.endswith("?") and not step.startswith("{"):
        fill, hatch = _colour(step[:-1], others)
        return fill, hatch or "\\\\"
    if step.startswith("{"):
        return _UNDETERMINED, "..."
    if "+" in step:
        return _COMBINATION, "//"
    found = _CLASSES.get(step)
    if found is None:
        try:
            found = CATALOGUE.get(step).therapy_class
        except UnknownTherapyError:
            found = None
    if found is not None:
        return CLASS_COLOURS[found], ""
    return others.setdefault(step, _CURVE_COLOURS[len(others) % len(_CURVE_COLOURS)]), ""


def _tree(rows: list[tuple[str, int]]) -> dict[tuple[str, ...], int]:
    """Patients under each prefix of the pathways."""
    # The analyses package brings scipy (persistence): imported when drawing, not with the figures.
    from dmt_timeline.analyses.pathways import STEP_SEPARATOR  # noqa: PLC0415

    sizes: dict[tuple[str, ...], int] = {}
    for text, n in rows:
        steps = tuple(text.split(STEP_SEPARATOR))
        for k in range(1, len(steps) + 1):
            sizes[steps[:k]] = sizes.get(steps[:k], 0) + n
    return sizes


def pathway_sunburst(
    counts: PathwayCounts,
    *,
    group: str | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] = (5.5, 5.5),
) -> Figure:
    """Pathways as a sunburst: the first line in the inner ring, each later line outside it.

    Each wedge's angle is its share of the patients drawn. Wedges take their therapy class's
    colour; a combination (``A+B``) is grey and hatched, and a ``{A, B}`` (an order the dates
    cannot tell) is white and dotted, so it is never shown as an order. Counts suppressed as
    ``<N`` are not drawn; the figure says how many pathways were left out.

    Args:
        counts: :func:`~dmt_timeline.analyses.pathways.pathway_counts`' result.
        group: The stratum to draw, when the counts are stratified.
        ax: Axes to draw into; a new figure is made when None.
        figsize: Size in inches of a new figure.

    Returns:
        The figure.

    Raises:
        ImportError: when matplotlib (the ``plot`` extra) is not installed.
        InvalidValueError: when ``group`` is not one of the strata, or stratified counts are
            given without a group.
    """
    _require_matplotlib()
    from matplotlib.patches import Patch, Wedge  # noqa: PLC0415 - optional extra

    table = counts.counts.to_dicts()
    groups = {r["group"] for r in table}
    if group is None and groups - {None}:
        raise InvalidValueError("group: the counts are stratified; name the stratum to draw")
    if group is not None and group not in groups:
        raise InvalidValueError(f"group {quoted(group)} is not one of the strata")
    chosen = [r for r in table if r["group"] == group]
    drawn = [(r["pathway"], r["n"]) for r in chosen if r["n"] is not None]
    left_out = len(chosen) - len(drawn)
    figure, axes = _new_axes(ax, figsize)
    sizes = _tree(drawn)
    total = sum(n for _, n in drawn)
    others: dict[str, str] = {}
    legend: dict[str, tuple[str, str]] = {}
    start: dict[tuple[str, ...], float] = {(): 90.0}
    # Parents before children, siblings largest first: each child starts where its parent does.
    for prefix in sorted(sizes, key=lambda p: (len(p), -sizes[p], p)):
        parent = prefix[:-1]
        theta1 = start[parent]
        theta2 = theta1 + 360.0 * sizes[prefix] / total
        start[parent] = theta2
        start[prefix] = theta1
        fill, hatch = _colour(prefix[-1], others)
        legend.setdefault(prefix[-1], (fill, hatch))
        ring = len(prefix)
        axes.add_patch(
            Wedge(
                (0.0, 0.0),
                ring + 0.5,
                theta1,
                theta2,
                width=1.0,
                facecolor=fill,
                edgecolor="#FFFFFF" if not hatch else "#555555",
                hatch=hatch or None,
                linewidth=0.8,
                gid=f"line{ring}",
            )
        )
    depth = max((len(p) for p in sizes), default=0)
    axes.set_xlim(-depth - 0.6, depth + 0.6)
    axes.set_ylim(-depth - 0.6, depth + 0.6)
    axes.set_aspect("equal")
    axes.set_axis_off()
    axes.text(0.0, 0.0, f"n={total}", ha="center", va="center", fontsize=9)
    if left_out:
        minimum = counts.settings.min_cell_count
        axes.set_title(f"{left_out} pathway(s) with fewer than {minimum} patients not drawn", fontsize=8)
    handles = [
        Patch(facecolor=fill, hatch=hatch or None, edgecolor="#555555", label=step)
        for step, (fill, hatch) in sorted(legend.items())
    ]
    if handles:
        axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    return figure
