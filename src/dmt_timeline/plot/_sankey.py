"""A Sankey diagram of treatment pathways: static (matplotlib) and interactive (one HTML file).

Columns are the positions of the pathways (first step, second step, ...), nodes the steps at
each position, and a flow from one column to the next carries the patients whose pathway goes
from one step to the other. Only published counts are drawn: a count suppressed as ``<N`` is
left out (and the figure says how many pathways were), and a count published as a mean (the
``"mean"`` censor) is drawn as published. A node is as tall as its patients; what leaves it
in flows is less when some pathways stop there.

The interactive file is written by hand as SVG with a few lines of inline script (hover to
follow a step's flows; every flow and node carries its count as a tooltip even with scripts
off) rather than with plotly: plotly would add a dependency and about 3.5 MB of inlined
JavaScript to every file, for two interactions. The file names no network address, so it
opens offline, and the same counts give the same bytes.
"""

from __future__ import annotations

import html
from collections import defaultdict
from typing import TYPE_CHECKING, Final

import attrs

from dmt_timeline.errors import InvalidValueError, quoted
from dmt_timeline.plot._extra import _require_matplotlib
from dmt_timeline.plot._figure import _new_axes
from dmt_timeline.plot._pathways import _colour

if TYPE_CHECKING:  # matplotlib is an optional extra, imported only when drawing
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from dmt_timeline.analyses.pathways import PathwayCounts

_GAP: Final = 0.04
"""Space between the nodes of a column, as a share of the patients drawn."""

_NODE_WIDTH: Final = 0.06
"""Width of a node, in columns."""


@attrs.frozen
class SankeyNode:
    """One step at one position, its patients, and where it is drawn (top ``y0``, bottom ``y1``)."""

    column: int
    step: str
    n: int
    y0: float
    y1: float


@attrs.frozen
class SankeyFlow:
    """Patients going from ``source`` at ``column`` to ``target`` at ``column + 1``."""

    column: int
    source: str
    target: str
    n: int
    source_y0: float
    source_y1: float
    target_y0: float
    target_y1: float


@attrs.frozen
class SankeyLayout:
    """Nodes and flows of a pathway Sankey, in patient units (y grows downwards).

    Attributes:
        nodes: Each column's nodes, top to bottom, column by column.
        flows: The flows between consecutive columns.
        patients: Patients drawn (the first column's total).
        left_out: Pathways not drawn because their counts are suppressed.
        height: The height of the tallest column, gaps included.
    """

    nodes: tuple[SankeyNode, ...]
    flows: tuple[SankeyFlow, ...]
    patients: int
    left_out: int
    height: float


def _published(counts: PathwayCounts, group: str | None) -> tuple[list[tuple[tuple[str, ...], int]], int]:
    # The analyses package brings scipy (persistence): imported when drawing, not with the figures.
    from dmt_timeline.analyses.pathways import STEP_SEPARATOR  # noqa: PLC0415

    table = counts.counts.to_dicts()
    groups = {r["group"] for r in table}
    if group is None and groups - {None}:
        raise InvalidValueError("group: the counts are stratified; name the stratum to draw")
    if group is not None and group not in groups:
        raise InvalidValueError(f"group {quoted(group)} is not one of the strata")
    chosen = [r for r in table if r["group"] == group]
    drawn = [(tuple(r["pathway"].split(STEP_SEPARATOR)), int(r["n"])) for r in chosen if r["n"] is not None]
    return drawn, len(chosen) - len(drawn)


def sankey_layout(counts: PathwayCounts, *, group: str | None = None) -> SankeyLayout:
    """Where each node and flow of :func:`pathway_sankey` goes; the figure and the HTML file use it.

    Nodes of a column are ordered by patients (most first), then by name; a node's flows leave
    in the order of their targets and arrive in the order of their sources.

    Raises:
        InvalidValueError: when ``group`` is not one of the strata, or stratified counts are
            given without a group.
    """
    drawn, left_out = _published(counts, group)
    sizes: dict[tuple[int, str], int] = defaultdict(int)
    links: dict[tuple[int, str, str], int] = defaultdict(int)
    for steps, n in drawn:
        for k, step in enumerate(steps):
            sizes[(k, step)] += n
            if k + 1 < len(steps):
                links[(k, step, steps[k + 1])] += n
    patients = sum(n for _, n in drawn)
    gap = _GAP * patients
    depth = max((k + 1 for k, _ in sizes), default=0)
    order: dict[tuple[int, str], int] = {}
    nodes: list[SankeyNode] = []
    tops: dict[tuple[int, str], float] = {}
    height = 0.0
    for k in range(depth):
        column = sorted((s for c, s in sizes if c == k), key=lambda s: (-sizes[(k, s)], s))
        y = 0.0
        for rank, step in enumerate(column):
            order[(k, step)] = rank
            tops[(k, step)] = y
            nodes.append(SankeyNode(k, step, sizes[(k, step)], y, y + sizes[(k, step)]))
            y += sizes[(k, step)] + gap
        height = max(height, y - gap)
    out_at = dict(tops)
    in_at = dict(tops)
    flows = []
    for k, source, target in sorted(
        links, key=lambda f: (f[0], order[(f[0], f[1])], order[(f[0] + 1, f[2])])
    ):
        n = links[(k, source, target)]
        s0 = out_at[(k, source)]
        t0 = in_at[(k + 1, target)]
        out_at[(k, source)] = s0 + n
        in_at[(k + 1, target)] = t0 + n
        flows.append(SankeyFlow(k, source, target, n, s0, s0 + n, t0, t0 + n))
    # Arrivals in the order of their sources: already so, since flows are sorted by source.
    return SankeyLayout(tuple(nodes), tuple(flows), patients, left_out, height)


def _note(layout: SankeyLayout, counts: PathwayCounts) -> str | None:
    if not layout.left_out:
        return None
    minimum = counts.settings.min_cell_count
    return f"{layout.left_out} pathway(s) with fewer than {minimum} patients not drawn"


def pathway_sankey(
    counts: PathwayCounts,
    *,
    group: str | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] = (7.0, 4.5),
) -> Figure:
    """Pathways as a Sankey diagram: one column per position, flows between consecutive steps.

    Nodes take their therapy class's colour; a combination (``A+B``) is grey and hatched, and
    a ``{A, B}`` (an order the dates cannot tell) is white and dotted, one node, never an
    order. Flows take the colour of the step they leave. Counts suppressed as ``<N`` are not
    drawn; the figure says how many pathways were left out. Save it as PNG, SVG or PDF with
    :func:`~dmt_timeline.plot.save_figure`; :func:`pathway_sankey_html` writes the same
    diagram as an interactive page.

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
    from matplotlib.patches import PathPatch, Rectangle  # noqa: PLC0415 - optional extra
    from matplotlib.path import Path  # noqa: PLC0415

    layout = sankey_layout(counts, group=group)
    figure, axes = _new_axes(ax, figsize)
    others: dict[str, str] = {}
    half = _NODE_WIDTH / 2
    for flow in layout.flows:
        x0, x1 = flow.column + half, flow.column + 1 - half
        xm = (x0 + x1) / 2
        vertices = [
            (x0, flow.source_y0),
            (xm, flow.source_y0),
            (xm, flow.target_y0),
            (x1, flow.target_y0),
            (x1, flow.target_y1),
            (xm, flow.target_y1),
            (xm, flow.source_y1),
            (x0, flow.source_y1),
            (x0, flow.source_y0),
        ]
        codes = [Path.MOVETO, *[Path.CURVE4] * 3, Path.LINETO, *[Path.CURVE4] * 3, Path.CLOSEPOLY]
        fill, _ = _colour(flow.source, others)
        axes.add_patch(
            PathPatch(
                Path(vertices, codes),
                facecolor=fill if fill != "#FFFFFF" else "#BBBBBB",
                alpha=0.35,
                linewidth=0,
                gid="flow",
                label=f"{flow.source} → {flow.target}: {flow.n}",
            )
        )
    for node in layout.nodes:
        fill, hatch = _colour(node.step, others)
        axes.add_patch(
            Rectangle(
                (node.column - half, node.y0),
                _NODE_WIDTH,
                node.n,
                facecolor=fill,
                edgecolor="#555555",
                hatch=hatch or None,
                linewidth=0.6,
                gid="node",
                label=f"{node.step}: {node.n}",
            )
        )
        axes.text(
            node.column + half + 0.02,
            (node.y0 + node.y1) / 2,
            f"{node.step} ({node.n})",
            ha="left",
            va="center",
            fontsize=6.5,
            gid="node-label",
        )
    depth = max((node.column + 1 for node in layout.nodes), default=1)
    axes.set_xlim(-0.1, depth - 1 + 0.9)
    axes.set_ylim(layout.height * 1.02 if layout.height else 1.0, -0.02 * (layout.height or 1.0))
    axes.set_axis_off()
    for k in range(depth):
        axes.text(k, -0.03, f"position {k + 1}", transform=axes.get_xaxis_transform(), ha="center",
                  va="top", fontsize=7, gid="column-label")  # fmt: skip
    title = f"n={layout.patients}"
    note = _note(layout, counts)
    axes.set_title(f"{title}; {note}" if note else title, fontsize=8)
    return figure


# ----------------------------------------------------------------------------- interactive

_WIDTH: Final = 900.0
_HEIGHT: Final = 520.0
_MARGIN: Final = 24.0
_LABEL_ROOM: Final = 170.0

_SCRIPT: Final = """
(function () {
  var svg = document.getElementById("sankey");
  function mark(step, on) {
    svg.querySelectorAll(".flow").forEach(function (f) {
      var touches = f.dataset.sourceKey === step || f.dataset.targetKey === step;
      f.setAttribute("fill-opacity", on ? (touches ? "0.75" : "0.08") : "0.35");
    });
  }
  svg.querySelectorAll(".node").forEach(function (node) {
    node.addEventListener("mouseenter", function () { mark(node.dataset.key, true); });
    node.addEventListener("mouseleave", function () { mark(node.dataset.key, false); });
  });
  svg.querySelectorAll(".flow").forEach(function (f) {
    f.addEventListener("mouseenter", function () { f.setAttribute("fill-opacity", "0.75"); });
    f.addEventListener("mouseleave", function () { f.setAttribute("fill-opacity", "0.35"); });
  });
})();
"""


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def pathway_sankey_html(counts: PathwayCounts, *, group: str | None = None, title: str | None = None) -> str:
    """The Sankey diagram of :func:`pathway_sankey` as one self-contained HTML page.

    The page holds an inline SVG and a few lines of inline script: hovering a node brings
    forward its flows, and every node and flow shows its count as a tooltip (also with
    scripts off). It loads nothing and names no network address, so it opens offline. The
    settings that made the counts are printed under the diagram. No extra is needed.

    Args:
        counts: :func:`~dmt_timeline.analyses.pathways.pathway_counts`' result.
        group: The stratum to draw, when the counts are stratified.
        title: The page's heading; by default "Treatment pathways" (and the group).

    Returns:
        The page, to write with ``Path(...).write_text(page, encoding="utf-8")``.

    Raises:
        InvalidValueError: when ``group`` is not one of the strata, or stratified counts are
            given without a group.
    """
    layout = sankey_layout(counts, group=group)
    heading = title or ("Treatment pathways" + (f": {group}" if group is not None else ""))
    depth = max((node.column + 1 for node in layout.nodes), default=1)
    step_x = (_WIDTH - 2 * _MARGIN - _LABEL_ROOM) / max(depth - 1, 1)
    node_w = 14.0
    scale = (_HEIGHT - 2 * _MARGIN) / layout.height if layout.height else 1.0
    others: dict[str, str] = {}

    def x(column: float) -> float:
        return _MARGIN + column * step_x

    def y(value: float) -> float:
        return _MARGIN + value * scale

    def key(column: int, step: str) -> str:
        return html.escape(f"{column}:{step}", quote=True)

    parts = []
    for flow in layout.flows:
        x0, x1 = x(flow.column) + node_w, x(flow.column + 1)
        xm = (x0 + x1) / 2
        s0, s1, t0, t1 = (y(v) for v in (flow.source_y0, flow.source_y1, flow.target_y0, flow.target_y1))
        d = (
            f"M{_fmt(x0)},{_fmt(s0)} C{_fmt(xm)},{_fmt(s0)} {_fmt(xm)},{_fmt(t0)} {_fmt(x1)},{_fmt(t0)}"
            f" L{_fmt(x1)},{_fmt(t1)} C{_fmt(xm)},{_fmt(t1)} {_fmt(xm)},{_fmt(s1)} {_fmt(x0)},{_fmt(s1)} Z"
        )
        fill, _ = _colour(flow.source, others)
        text = html.escape(f"{flow.source} → {flow.target}: {flow.n} patients")
        fill = fill if fill != "#FFFFFF" else "#BBBBBB"
        parts.append(
            f'<path class="flow" d="{d}" fill="{fill}" fill-opacity="0.35"'
            f' data-source="{html.escape(flow.source)}" data-target="{html.escape(flow.target)}"'
            f' data-column="{flow.column}" data-n="{flow.n}"'
            f' data-source-key="{key(flow.column, flow.source)}"'
            f' data-target-key="{key(flow.column + 1, flow.target)}">'
            f"<title>{text}</title></path>"
        )
    for node in layout.nodes:
        fill, hatch = _colour(node.step, others)
        stroke = ' stroke="#555555" stroke-dasharray="2,2"' if hatch == "..." else ' stroke="#555555"'
        text = html.escape(f"position {node.column + 1}: {node.step}, {node.n} patients")
        top, bottom = y(node.y0), y(node.y1)
        parts.append(
            f'<g class="node" data-key="{key(node.column, node.step)}" data-step="{html.escape(node.step)}"'
            f' data-column="{node.column}" data-n="{node.n}">'
            f'<rect x="{_fmt(x(node.column))}" y="{_fmt(top)}" width="{_fmt(node_w)}"'
            f' height="{_fmt(max(bottom - top, 1.0))}" fill="{fill}"{stroke}/>'
            f'<text x="{_fmt(x(node.column) + node_w + 4)}" y="{_fmt((top + bottom) / 2)}"'
            f' dominant-baseline="middle">{html.escape(f"{node.step} ({node.n})")}</text>'
            f"<title>{text}</title></g>"
        )
    note = _note(layout, counts)
    settings = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(value)}</td></tr>"
        for name, value in counts.settings.describe()
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(heading)}</title>"
        "<style>body{font-family:sans-serif;margin:1.5em;color:#222}"
        "svg text{font-size:11px;pointer-events:none}.node{cursor:default}"
        "table{border-collapse:collapse;font-size:12px}th,td{text-align:left;padding:2px 8px}"
        "th{font-weight:normal;color:#555}</style></head><body>"
        f'<h1 style="font-size:1.2em">{html.escape(heading)}</h1>'
        f"<p>n={layout.patients}{'; ' + html.escape(note) if note else ''}</p>"
        f'<svg id="sankey" role="img" aria-label="{html.escape(heading, quote=True)}"'
        f' viewBox="0 0 {_fmt(_WIDTH)} {_fmt(_HEIGHT)}" width="{_fmt(_WIDTH)}" height="{_fmt(_HEIGHT)}">'
        + "".join(parts)
        + "</svg>"
        f'<table><caption style="text-align:left;font-size:12px">Settings</caption>{settings}</table>'
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
