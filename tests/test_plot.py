"""Tests for dmt_timeline.plot: the swimmer plot, response curves and saving figures."""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Annotation

from dmt_timeline.catalogue import CATALOGUE, TherapyClass
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.errors import InvalidValueError
from dmt_timeline.model import (
    ONGOING,
    Cohort,
    Condition,
    Outcome,
    Patient,
    ResponseObservation,
    TherapyEpisode,
)
from dmt_timeline.plot import response_curves, save_figure, swimmer_plot

COHORT = load_natalizumab_psoriasis()
GROUPS = ("direct IFN to Nat", "indirect IFN to Nat", "no IFN before Nat")


def _pixels(figure: Figure) -> np.ndarray:
    canvas = FigureCanvasAgg(figure)
    # matplotlib leaves the Agg canvas's drawing methods unannotated.
    canvas.draw()  # type: ignore[no-untyped-call]
    return np.asarray(canvas.buffer_rgba())  # type: ignore[no-untyped-call]


def _non_background(figure: Figure) -> int:
    pixels = _pixels(figure)
    return int((pixels[..., :3] < 250).any(axis=-1).sum())


def _collections(figure: Figure, gid: str) -> list[PolyCollection]:
    return [c for c in figure.axes[0].collections if isinstance(c, PolyCollection) and c.get_gid() == gid]


def _curves(figure: Figure) -> list[Line2D]:
    return [line for line in figure.axes[0].get_lines() if line.get_gid() == "curve"]


def _ms(month: int) -> ResponseObservation:
    return ResponseObservation(
        Outcome.MS_ACTIVITY_CEASED, 0, Condition.MULTIPLE_SCLEROSIS, latency_months=month
    )


def _small_cohort() -> Cohort:
    """Two responders at 2 and 4 months and one patient censored at 3 months."""
    nat = CATALOGUE["natalizumab"]

    def patient(pid: str, *observations: ResponseObservation) -> Patient:
        return Patient(
            pid,
            episodes=(TherapyEpisode(nat, "2015-01-10", ONGOING),),
            observations=observations,
            last_follow_up="2015-04-10",
        )

    return Cohort((patient("A", _ms(2)), patient("B", _ms(4)), patient("C")))


# -- swimmer plot ------------------------------------------------------------------------------


def test_swimmer_plot_is_not_blank() -> None:
    figure = swimmer_plot(COHORT, group_by="published_group")

    assert _non_background(figure) > 10_000


def test_swimmer_plot_has_one_lane_per_patient_in_group_order() -> None:
    figure = swimmer_plot(COHORT, group_by="published_group")

    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    expected = [p.id for g in GROUPS for p in COHORT if p.label("published_group") == g]
    assert expected == labels
    assert 18 == len(labels)


def test_swimmer_plot_groups_by_a_callable() -> None:
    figure = swimmer_plot(COHORT, group_by=lambda p: "late" if int(p.id[1:]) > 9 else "early")

    texts = {t.get_text() for t in figure.axes[0].texts}
    assert {"early", "late"} <= texts
    assert [f"P{i:02d}" for i in range(1, 19)] == [t.get_text() for t in figure.axes[0].get_yticklabels()]


def test_swimmer_plot_draws_every_episode_as_possible_span() -> None:
    figure = swimmer_plot(COHORT)

    episodes = sum(len(p.episodes) for p in COHORT)
    assert 49 == episodes
    assert episodes == len(_collections(figure, "possible"))
    assert episodes == len(_collections(figure, "start-window"))


def test_swimmer_plot_draws_certain_span_only_where_the_dates_allow() -> None:
    figure = swimmer_plot(COHORT)

    # Only the two ongoing natalizumab episodes (P06, P07) are certain for any stretch:
    # every other stop is not recorded, so it may have come the day after the start.
    assert 2 == len(_collections(figure, "certain"))


def test_swimmer_plot_legend_names_each_therapy_class_present() -> None:
    figure = swimmer_plot(COHORT)

    legend = figure.axes[0].get_legend()
    assert legend is not None
    entries = {t.get_text() for t in legend.get_texts()}
    present = {e.therapy_class.value for p in COHORT for e in p.episodes}
    assert present <= entries
    assert {"possibly on therapy", "certainly on therapy", "start date window"} <= entries


def test_swimmer_plot_shows_reasons_and_responses() -> None:
    figure = swimmer_plot(COHORT)

    reasons = [a for a in figure.axes[0].texts if isinstance(a, Annotation)]
    responses = [line for line in figure.axes[0].get_lines() if line.get_gid() == "response"]
    assert sum(1 for p in COHORT for e in p.episodes if e.reasons) == len(reasons)
    assert 36 == len(responses)


def test_swimmer_plot_keeps_reason_labels_apart() -> None:
    figure = swimmer_plot(COHORT)
    renderer = FigureCanvasAgg(figure).get_renderer()  # type: ignore[no-untyped-call]
    figure.draw_without_rendering()

    boxes = [a.get_window_extent(renderer) for a in figure.axes[0].texts if isinstance(a, Annotation)]
    overlapping = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a.overlaps(b)]
    assert [] == overlapping


def test_swimmer_plot_draws_into_given_axes() -> None:
    figure = Figure()
    axes = figure.add_subplot()

    assert figure is swimmer_plot(COHORT, ax=axes)


def test_swimmer_plot_refuses_a_missing_label() -> None:
    with pytest.raises(InvalidValueError, match="no label 'arm'"):
        swimmer_plot(COHORT, group_by="arm")


def test_class_palette_covers_every_class_with_distinct_colours() -> None:
    from dmt_timeline.plot import CLASS_COLOURS  # noqa: PLC0415 - one name for one test

    assert set(TherapyClass) == set(CLASS_COLOURS)
    assert len(CLASS_COLOURS) == len(set(CLASS_COLOURS.values()))


# -- response curves ---------------------------------------------------------------------------


def test_response_curves_draw_one_line_per_outcome() -> None:
    figure = response_curves(COHORT, index="natalizumab")

    assert 2 == len(_curves(figure))
    assert _non_background(figure) > 1_000


def test_response_curves_draw_one_line_per_outcome_and_group() -> None:
    figure = response_curves(COHORT, index="natalizumab", group_by="published_group")

    assert 6 == len(_curves(figure))


def test_ms_curve_reaches_one_at_eight_months() -> None:
    figure = response_curves(COHORT, index="natalizumab", outcomes=("MS",))

    (curve,) = _curves(figure)
    xs, ys = (np.asarray(v, dtype=float) for v in curve.get_data())
    assert 8.0 == xs[-1]
    assert 1.0 == pytest.approx(ys[-1])
    assert 0.0 == ys[xs < 2].max()
    # One step per distinct event time: 2, 3, 4, 5, 6 and 8 months.
    assert [0, 2, 3, 4, 5, 6, 8] == sorted(set(xs.tolist()))


def test_response_curves_treat_no_response_as_censored() -> None:
    figure = response_curves(_small_cohort(), index="natalizumab", outcomes=("MS",))

    (curve,) = _curves(figure)
    xs, ys = (np.asarray(v, dtype=float) for v in curve.get_data())
    # Kaplan-Meier: 1/3 respond at 2 months; C leaves at 3 months; B is the last at risk at 4.
    assert [0.0, 2.0, 4.0] == sorted(set(xs.tolist()))
    assert pytest.approx(1 / 3) == ys[xs == 2.0].max()
    assert 1.0 == pytest.approx(ys[-1])
    (marks,) = (c for c in figure.axes[0].collections if c.get_gid() == "censored")
    assert [[3.0, pytest.approx(1 / 3)]] == np.asarray(marks.get_offsets()).tolist()


def test_response_curves_shade_what_partial_dates_leave_open() -> None:
    nat = CATALOGUE["natalizumab"]
    dated = ResponseObservation(Outcome.MS_ACTIVITY_CEASED, 0, Condition.MULTIPLE_SCLEROSIS, date="2015-05")
    patient = Patient("D", episodes=(TherapyEpisode(nat, "2015-01"),), observations=(dated,))

    figure = response_curves([patient], index="natalizumab", outcomes=("MS",))

    assert 1 == len(_collections(figure, "reading-band"))


def test_response_curves_band_is_the_kaplan_meier_interval() -> None:
    from dmt_timeline.stats import kaplan_meier  # noqa: PLC0415 - one name for one test

    figure = response_curves(_small_cohort(), index="natalizumab", outcomes=("MS",))

    (band,) = _collections(figure, "confidence-band")
    estimate = kaplan_meier([2.0, 4.0, 3.0], [True, True, False])
    vertices = np.asarray(band.get_paths()[0].vertices, dtype=float)
    drawn = {round(float(y), 9) for y in vertices[:, 1]}
    limits = zip(estimate.confidence_lower, estimate.confidence_upper, strict=True)
    at_events = [pair for pair, events in zip(limits, estimate.events, strict=True) if events]
    expected = {round(1 - limit, 9) for pair in at_events for limit in pair}
    # The band of 1 - S(t) runs from 1 - upper to 1 - lower of the estimate at each event.
    assert expected <= drawn


def test_response_curves_count_those_at_risk_under_the_axis() -> None:
    figure = response_curves(_small_cohort(), index="natalizumab", outcomes=("MS",))

    counts = [t.get_text() for t in figure.axes[0].texts if t.get_gid() == "at-risk"]
    # At 0, 1, 2, 3 and 4 months: all three, then two after A responds, one after C leaves.
    assert ["3", "3", "3", "2", "1"] == counts[:5]


def test_response_curves_use_turnbull_where_latencies_are_ranges() -> None:
    nat = CATALOGUE["natalizumab"]
    dated = ResponseObservation(Outcome.MS_ACTIVITY_CEASED, 0, Condition.MULTIPLE_SCLEROSIS, date="2015-05")
    patients = [Patient("D", episodes=(TherapyEpisode(nat, "2015-01"),), observations=(dated,))]

    figure = response_curves(patients, index="natalizumab", outcomes=("MS",), n_bootstrap=0)

    # Two readings of one estimate, one in the legend; no bootstrap, so no band.
    assert 2 == len(_curves(figure))
    assert [] == _collections(figure, "confidence-band")


def test_response_curves_refuse_a_cohort_without_the_index_therapy() -> None:
    with pytest.raises(InvalidValueError, match="no patient"):
        response_curves(COHORT, index="ocrelizumab")


# -- saving ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "magic"),
    [
        ("f.png", b"\x89PNG"),
        ("f.svg", b"<?xml"),
        ("f.pdf", b"%PDF"),
        ("f.tif", b"II*\x00"),
        ("f.TIFF", b"II*\x00"),
    ],
)
def test_save_figure_chooses_format_by_extension(tmp_path: Path, name: str, magic: bytes) -> None:
    path = save_figure(response_curves(COHORT, index="natalizumab"), tmp_path / name)

    assert path.read_bytes().startswith(magic)


@pytest.mark.parametrize("name", ["f.svg", "f.png", "f.pdf", "f.tiff"])
def test_save_figure_writes_the_same_bytes_twice(tmp_path: Path, name: str) -> None:
    figure = swimmer_plot(COHORT)
    first = save_figure(figure, tmp_path / f"a-{name}").read_bytes()
    second = save_figure(swimmer_plot(COHORT), tmp_path / f"b-{name}").read_bytes()

    assert first == second


def test_save_figure_svg_carries_no_date(tmp_path: Path) -> None:
    text = save_figure(response_curves(COHORT, index="natalizumab"), tmp_path / "f.svg").read_text(
        encoding="utf-8"
    )

    assert "dc:date" not in text


def test_save_figure_leaves_global_settings_alone(tmp_path: Path) -> None:
    import matplotlib as mpl  # noqa: PLC0415 - the test's own import of the rcParams

    before = dict(mpl.rcParams)
    save_figure(response_curves(COHORT, index="natalizumab"), tmp_path / "f.svg")

    assert before == dict(mpl.rcParams)


def test_save_figure_refuses_other_extensions(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match=r"'\.bmp' is not one of \.png, \.svg, \.pdf, \.tif, \.tiff"):
        save_figure(response_curves(COHORT, index="natalizumab"), tmp_path / "f.bmp")

    assert [] == list(tmp_path.iterdir())


# -- the optional extra -----------------------------------------------------------------------


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)

    with pytest.raises(ImportError, match=r"dmt-timeline\[plot\]"):
        swimmer_plot(COHORT)


def test_importing_the_module_does_not_import_matplotlib() -> None:
    code = "import sys, dmt_timeline.plot; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert "False" == result.stdout.strip()


def test_save_figure_pdf_embeds_truetype_fonts_and_no_dates(tmp_path: Path) -> None:
    data = save_figure(response_curves(COHORT, index="natalizumab"), tmp_path / "f.pdf").read_bytes()

    assert b"/FontFile2" in data
    assert b"/Type3" not in data
    assert b"CreationDate" not in data


@pytest.mark.parametrize(("width", "pixels"), [("single", 1050), ("double", 2160), (2.0, 600)])
def test_save_figure_journal_widths_at_300_dpi(tmp_path: Path, width: str | float, pixels: int) -> None:
    from PIL import Image  # noqa: PLC0415 - matplotlib's own dependency

    figure = response_curves(COHORT, index="natalizumab")
    before = tuple(figure.get_size_inches())
    path = save_figure(figure, tmp_path / "f.tif", width=width)  # type: ignore[arg-type]

    with Image.open(path) as image:
        assert pixels == image.size[0]
        assert (300.0, 300.0) == tuple(image.info["dpi"])
    assert before == tuple(figure.get_size_inches())


def test_save_figure_refuses_a_width_the_figure_does_not_fit(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match=r"do not fit 3\.5 x 3\.5 inches"):
        save_figure(swimmer_plot(COHORT), tmp_path / "f.pdf", width="single")

    assert [] == list(tmp_path.iterdir())


def test_save_figure_refuses_an_unknown_width(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match="'triple' is not 'single', 'double'"):
        save_figure(swimmer_plot(COHORT), tmp_path / "f.pdf", width="triple")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "draw", [lambda: swimmer_plot(COHORT), lambda: response_curves(COHORT, index="natalizumab")]
)
def test_new_figures_show_in_a_notebook_as_png(draw: Callable[[], Figure]) -> None:
    figure = draw()
    data = figure._repr_png_()  # type: ignore[attr-defined]

    assert isinstance(figure, Figure)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10_000  # drawn, not an empty canvas


def test_a_figure_with_its_display_hook_still_pickles() -> None:
    figure = swimmer_plot(COHORT)

    again = pickle.loads(pickle.dumps(figure))

    assert isinstance(again, Figure)
