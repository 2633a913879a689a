"""Sankey diagrams of pathways: the flows drawn are the published pathway counts."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.patches import PathPatch, Rectangle

from dmt_timeline.analyses.pathways import (
    ATTRITION_COLUMNS,
    COUNT_COLUMNS,
    PathwayCounts,
    PathwaySettings,
    pathway_counts,
)
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.errors import InvalidValueError
from dmt_timeline.io import episodes_table
from dmt_timeline.io.tables import TidyTable
from dmt_timeline.plot import pathway_sankey, pathway_sankey_html, sankey_layout


def _counts(
    rows: list[tuple[str | None, str, int | None]], settings: PathwaySettings | None = None
) -> PathwayCounts:
    settings = settings or PathwaySettings()
    table = tuple((g, p, n, "<5" if n is None else str(n), n is None) for g, p, n in rows)
    return PathwayCounts(settings, TidyTable(COUNT_COLUMNS, table), TidyTable(ATTRITION_COLUMNS, ()))


# Worked by hand: A > B carries 6 + 5 = 11, B > C 6, B > {A, C} 7; the suppressed A > C is not drawn.
HAND = _counts([(None, "A > B > C", 6), (None, "A > B", 5), (None, "A > C", None), (None, "B > {A, C}", 7)])
HAND_FLOWS = Counter({(0, "A", "B"): 11, (1, "B", "C"): 6, (0, "B", "{A, C}"): 7})
HAND_NODES = Counter({(0, "A"): 11, (0, "B"): 7, (1, "B"): 11, (1, "{A, C}"): 7, (2, "C"): 6})


def _expected(counts: PathwayCounts, group: str | None = None) -> Counter[tuple[int, str, str]]:
    """Flows from the published counts, computed here independently of the layout."""
    flows: Counter[tuple[int, str, str]] = Counter()
    for row in counts.counts.to_dicts():
        if row["group"] != group or row["n"] is None:
            continue
        steps = row["pathway"].split(" > ")
        for k in range(len(steps) - 1):
            flows[(k, steps[k], steps[k + 1])] += row["n"]
    return flows


class _Flows(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.flows: Counter[tuple[int, str, str]] = Counter()
        self.nodes: Counter[tuple[int, str]] = Counter()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        a = dict(attrs)
        if a.get("class") == "flow":
            self.flows[(int(a["data-column"] or ""), a["data-source"] or "", a["data-target"] or "")] += int(
                a["data-n"] or ""
            )
        if a.get("class") == "node":
            self.nodes[(int(a["data-column"] or ""), a["data-step"] or "")] += int(a["data-n"] or "")


def _parse(page: str) -> _Flows:
    parser = _Flows()
    parser.feed(page)
    return parser


def test_layout_flows_are_the_counts_worked_by_hand() -> None:
    layout = sankey_layout(HAND)
    assert HAND_FLOWS == Counter({(f.column, f.source, f.target): f.n for f in layout.flows})
    assert HAND_NODES == Counter({(n.column, n.step): n.n for n in layout.nodes})
    assert (18, 1) == (layout.patients, layout.left_out)


def test_static_flows_drawn_are_the_counts_worked_by_hand() -> None:
    figure = pathway_sankey(HAND)
    patches = [p for p in figure.axes[0].patches if isinstance(p, PathPatch) and p.get_gid() == "flow"]
    drawn: Counter[tuple[str, str]] = Counter()
    for patch in patches:
        match = re.fullmatch(r"(.+) → (.+): (\d+)", str(patch.get_label()))
        assert match is not None
        vertices = np.asarray(patch.get_path().vertices, dtype=float)
        # The band's thickness where it leaves its node is its count, in patient units.
        assert int(match[3]) == pytest.approx(vertices[7][1] - vertices[0][1])
        drawn[(match[1], match[2])] += int(match[3])
    assert Counter({(s, t): n for (_, s, t), n in HAND_FLOWS.items()}) == drawn
    nodes = [p for p in figure.axes[0].patches if isinstance(p, Rectangle) and p.get_gid() == "node"]
    assert sorted(HAND_NODES.values()) == sorted(p.get_height() for p in nodes)
    assert "1 pathway(s) with fewer than 5 patients not drawn" in figure.axes[0].get_title()


def test_html_flows_are_the_counts_worked_by_hand() -> None:
    parsed = _parse(pathway_sankey_html(HAND))
    assert HAND_FLOWS == parsed.flows
    assert HAND_NODES == parsed.nodes


def test_html_opens_offline() -> None:
    page = pathway_sankey_html(HAND)
    assert not re.search(r"https?:|//[a-z]|\bsrc=|\bhref=|@import", page)
    assert {"svg", "script", "path"} <= _parse(page).tags


def test_html_is_the_same_bytes_each_time() -> None:
    assert pathway_sankey_html(HAND) == pathway_sankey_html(HAND)


def test_html_escapes_step_names() -> None:
    page = pathway_sankey_html(_counts([(None, "<b>x</b> > y", 9)]))
    assert "<b>" not in page
    assert Counter({(0, "<b>x</b>", "y"): 9}) == _parse(page).flows


def test_mean_censored_counts_are_drawn_as_published() -> None:
    settings = PathwaySettings(censor="mean", min_cell_count=5)
    counts = PathwayCounts(
        settings,
        TidyTable(COUNT_COLUMNS, ((None, "A > B", 9, "9", False), (None, "A > C", 2, "2", True))),
        TidyTable(ATTRITION_COLUMNS, ()),
    )
    assert Counter({(0, "A", "B"): 9, (0, "A", "C"): 2}) == _parse(pathway_sankey_html(counts)).flows


def test_bundled_cohort_flows_are_its_published_counts() -> None:
    counts = pathway_counts(episodes_table(load_natalizumab_psoriasis()), PathwaySettings(min_cell_count=2))
    assert _expected(counts) == _parse(pathway_sankey_html(counts)).flows
    assert _expected(counts) == Counter(
        {(f.column, f.source, f.target): f.n for f in sankey_layout(counts).flows}
    )


def test_stratified_counts_need_a_group() -> None:
    counts = _counts([("a", "A > B", 6), ("b", "A > B", 7)])
    with pytest.raises(InvalidValueError, match="name the stratum"):
        pathway_sankey_html(counts)
    assert Counter({(0, "A", "B"): 7}) == _parse(pathway_sankey_html(counts, group="b")).flows
    with pytest.raises(InvalidValueError, match="group 'c' is not one of the strata"):
        pathway_sankey(counts, group="c")


_STEPS = st.sampled_from(["A", "B", "C", "A+B", "{A, C}"])
_ROWS = st.dictionaries(
    st.lists(_STEPS, min_size=1, max_size=4).map(" > ".join),
    st.none() | st.integers(1, 50),
    max_size=8,
)


@given(_ROWS)
def test_flows_conserve_patients(rows: dict[str, int | None]) -> None:
    counts = _counts([(None, p, n) for p, n in rows.items()])
    layout = sankey_layout(counts)
    assert _expected(counts) == Counter({(f.column, f.source, f.target): f.n for f in layout.flows})
    assert _parse(pathway_sankey_html(counts)).flows == _expected(counts)
    nodes = {(n.column, n.step): n.n for n in layout.nodes}
    assert layout.patients == sum(n for (c, _), n in nodes.items() if c == 0)
    for (column, step), size in nodes.items():
        leaving = sum(f.n for f in layout.flows if (f.column, f.source) == (column, step))
        arriving = sum(f.n for f in layout.flows if (f.column + 1, f.target) == (column, step))
        assert leaving <= size
        assert arriving == (size if column else 0)
    for flow in layout.flows:
        assert flow.n == pytest.approx(flow.source_y1 - flow.source_y0)
        assert flow.n == pytest.approx(flow.target_y1 - flow.target_y0)
