"""New figures and axes, and saving a figure as PNG or SVG chosen by the file's extension."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from dmt_timeline.errors import InvalidValueError
from dmt_timeline.plot._extra import _require_matplotlib

if TYPE_CHECKING:  # matplotlib is an optional extra, imported only when drawing
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_FORMATS: Final = {".png": "png", ".svg": "svg"}

# SVG files otherwise differ on every run: matplotlib writes the time as ``dc:date`` and salts the
# ids of clip paths and glyphs at random. A fixed salt and no date make a figure byte-reproducible.
_SVG_SALT: Final = "dmt-timeline"


def _new_axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure  # noqa: PLC0415 - optional extra

    if ax is not None:
        figure = ax.get_figure()
        if not isinstance(figure, Figure):
            raise InvalidValueError("ax: the axes belong to no figure (or to a subfigure)")
        return figure, ax
    figure = Figure(figsize=size, layout="constrained")
    return figure, figure.add_subplot()


def figure_format(path: str | Path) -> str:
    """The image format a path asks for, ``"png"`` or ``"svg"``; check it before drawing.

    Raises:
        InvalidValueError: when the extension is neither ``.png`` nor ``.svg``.
    """
    target = Path(path)
    kind = _FORMATS.get(target.suffix.casefold())
    if kind is None:
        raise InvalidValueError(
            f"path {str(target)!r}: extension {target.suffix or '(none)'!r} is not one of .png, .svg"
        )
    return kind


def save_figure(figure: Figure, path: str | Path, *, dpi: int = 300) -> Path:
    """Save a figure as PNG or SVG, chosen by the file's extension; the same figure gives the same bytes.

    An SVG carries no date and its ids are salted with a fixed value, so saving a figure twice
    (or in two runs) writes identical files; matplotlib's global settings are not changed.

    Args:
        figure: The figure.
        path: Where to write; the extension must be ``.png`` or ``.svg``.
        dpi: Resolution of a PNG (journals ask for at least 300).

    Returns:
        The path written.

    Raises:
        InvalidValueError: when the extension is neither ``.png`` nor ``.svg``.
    """
    target = Path(path)
    kind = figure_format(target)
    _require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - optional extra

    if not isinstance(figure.canvas, FigureCanvasAgg):
        FigureCanvasAgg(figure)  # a Figure made without pyplot has no drawing canvas of its own yet
    from matplotlib import rc_context  # noqa: PLC0415 - optional extra

    # Set within a context, so the caller's global rcParams are left as they were.
    with rc_context({"svg.hashsalt": _SVG_SALT}):
        if kind == "svg":
            figure.savefig(target, format=kind, dpi=dpi, metadata={"Date": None})
        else:
            figure.savefig(target, format=kind, dpi=dpi)
    return target
