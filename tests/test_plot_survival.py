"""Tests for dmt_timeline.plot.survival_curves: curves, bands and the numbers-at-risk table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from dmt_timeline.errors import InvalidValueError
from dmt_timeline.plot import save_figure, survival_curves
from dmt_timeline.stats import aalen_johansen, kaplan_meier, turnbull

KM_A = kaplan_meier([2, 3, 3, 5, 8, 9, 12, 12], [True, True, False, True, False, True, True, False])
KM_B = kaplan_meier([1, 4, 6, 6, 7, 10], [True, False, True, True, False, True])
TURNBULL = turnbull([0, 2, 4, 6, 1], [3, 5, 8, 12, float("inf")], n_bootstrap=20)


def _curves(figure: Figure) -> list[Line2D]:
    return [line for line in figure.axes[0].get_lines() if line.get_gid() == "curve"]


def _bands(figure: Figure, gid: str) -> list[PolyCollection]:
    return [c for c in figure.axes[0].collections if isinstance(c, PolyCollection) and c.get_gid() == gid]


def _texts(figure: Figure, gid: str) -> list[str]:
    return [t.get_text() for t in figure.axes[0].texts if t.get_gid() == gid]


def _non_background(figure: Figure) -> int:
    canvas = FigureCanvasAgg(figure)
    canvas.draw()  # type: ignore[no-untyped-call]  # matplotlib leaves it unannotated
    pixels = np.asarray(canvas.buffer_rgba())  # type: ignore[no-untyped-call]
    return int((pixels[..., :3] < 250).any(axis=-1).sum())


def test_one_curve_and_one_band_per_estimate() -> None:
    figure = survival_curves({"A": KM_A, "B": KM_B})
    assert 2 == len(_curves(figure))
    assert 2 == len(_bands(figure, "confidence-band"))
    assert _non_background(figure) > 5000


def test_curve_follows_the_estimate() -> None:
    figure = survival_curves({"A": KM_A})
    line = _curves(figure)[0]
    assert list(KM_A.timeline) == list(line.get_xdata())  # type: ignore[arg-type]
    assert list(KM_A.survival_function) == list(line.get_ydata())  # type: ignore[arg-type]


def test_numbers_at_risk_are_printed_under_the_axis() -> None:
    figure = survival_curves({"A": KM_A, "B": KM_B}, at_risk_times=[0, 4, 8, 12])
    expected = [str(n) for n in (*KM_A.at_risk([0, 4, 8, 12]), *KM_B.at_risk([0, 4, 8, 12]))]
    assert expected == _texts(figure, "at-risk")
    assert ["A", "B"] == _texts(figure, "at-risk-label")
    assert ["Number at risk"] == _texts(figure, "at-risk-title")


def test_censoring_is_marked() -> None:
    figure = survival_curves({"A": KM_A})
    marks = [c for c in figure.axes[0].collections if c.get_gid() == "censored"]
    assert 1 == len(marks)
    assert [3.0, 8.0, 12.0] == np.asarray(marks[0].get_offsets())[:, 0].tolist()


def test_incidence_is_one_minus_survival() -> None:
    figure = survival_curves({"A": KM_A}, kind="incidence")
    ys = _curves(figure)[0].get_ydata()
    assert [1 - s for s in KM_A.survival_function] == list(ys)  # type: ignore[arg-type]
    assert "Cumulative incidence" == figure.axes[0].get_ylabel()


def test_aalen_johansen_draws_its_incidence() -> None:
    estimate = aalen_johansen([1, 2, 2, 3, 4, 5], ["LOE", "JCV+", 0, "LOE", "LOE", 0], cause="LOE")
    figure = survival_curves({"LOE": estimate}, kind="incidence", at_risk_times=[0, 2])
    assert list(estimate.cumulative_incidence) == pytest.approx(list(_curves(figure)[0].get_ydata()))  # type: ignore[arg-type]
    assert ["6", "5"] == _texts(figure, "at-risk")


def test_turnbull_draws_both_readings_and_no_risk_set() -> None:
    figure = survival_curves({"ranges": TURNBULL})
    assert 2 == len(_curves(figure))
    assert 1 == len(_bands(figure, "reading-band"))
    assert 1 == len(_bands(figure, "confidence-band"))
    assert f"n={TURNBULL.n}" == _texts(figure, "at-risk")[0]


def test_draws_into_given_axes() -> None:
    figure = Figure()
    axes = figure.add_subplot()
    assert figure is survival_curves({"A": KM_A}, ax=axes)


def test_nothing_to_draw_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="nothing to draw"):
        survival_curves({})


def test_saves_a_png(tmp_path: Path) -> None:
    path = save_figure(survival_curves({"A": KM_A, "B": KM_B}), tmp_path / "km.png", dpi=100)
    assert path.read_bytes().startswith(b"\x89PNG")


def test_importing_the_figures_leaves_scipy_unloaded() -> None:
    code = "import sys, dmt_timeline.plot; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "False" == out.stdout.strip()
