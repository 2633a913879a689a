"""Figures: therapy histories (swimmer plot, with clinical events), EDSS trajectories, response
and survival curves, pathway sunbursts and Sankeys.

Partial dates are drawn as what they are, spans of possible days: a solid bar only where a
patient was certainly on therapy, a faded bar where they possibly were, and a hatched window
where the start could lie. matplotlib is an optional extra (``pip install "dmt-timeline[plot]"``),
imported only when a figure is drawn; figures are built as :class:`matplotlib.figure.Figure`
objects, never through ``pyplot``, so drawing touches no global state.
"""

from __future__ import annotations

from dmt_timeline.plot import _groups
from dmt_timeline.plot._curves import response_curves
from dmt_timeline.plot._figure import JOURNAL_WIDTHS, figure_format, save_figure
from dmt_timeline.plot._pathways import pathway_sunburst
from dmt_timeline.plot._sankey import (
    SankeyFlow,
    SankeyLayout,
    SankeyNode,
    pathway_sankey,
    pathway_sankey_html,
    sankey_layout,
)
from dmt_timeline.plot._style import CLASS_COLOURS
from dmt_timeline.plot._survival import survival_curves
from dmt_timeline.plot._swimmer import swimmer_plot
from dmt_timeline.plot._trajectories import edss_trajectories

__all__ = [
    "CLASS_COLOURS",
    "JOURNAL_WIDTHS",
    "GroupBy",
    "SankeyFlow",
    "SankeyLayout",
    "SankeyNode",
    "edss_trajectories",
    "figure_format",
    "pathway_sankey",
    "pathway_sankey_html",
    "pathway_sunburst",
    "response_curves",
    "sankey_layout",
    "save_figure",
    "survival_curves",
    "swimmer_plot",
]

# Re-exported by assignment so that Sphinx, which reads doc-comments in this module only, documents it.
GroupBy = _groups.GroupBy
"""How lanes or curves are grouped: a function of the patient, the name of a patient label, or
None for no grouping."""
