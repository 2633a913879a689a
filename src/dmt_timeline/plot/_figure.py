"""New figures and axes, how they show in a notebook, and saving a figure as PNG, SVG, PDF or TIFF."""

from __future__ import annotations

import functools
import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from dmt_timeline.errors import InvalidValueError, quoted
from dmt_timeline.plot._extra import _require_matplotlib

if TYPE_CHECKING:  # matplotlib is an optional extra, imported only when drawing
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_FORMATS: Final = {".png": "png", ".svg": "svg", ".pdf": "pdf", ".tif": "tiff", ".tiff": "tiff"}

JOURNAL_WIDTHS: Final = {"single": 3.5, "double": 7.2}
"""Figure widths in inches that journals ask for: a single column (89 mm) and a double column
(183 mm). :func:`save_figure` takes their names as ``width``."""

# SVG files otherwise differ on every run: matplotlib writes the time as ``dc:date`` and salts the
# ids of clip paths and glyphs at random. A fixed salt and no date make a figure byte-reproducible.
_SVG_SALT: Final = "dmt-timeline"

# What each format writes as its date; None leaves it out, so the same figure gives the same bytes.
_METADATA: Final[dict[str, dict[str, None]]] = {
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
}


def _png_bytes(figure: Figure) -> bytes:
    """The figure as PNG bytes, at its own resolution: what a notebook shows."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _new_axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure  # noqa: PLC0415 - optional extra

    if ax is not None:
        figure = ax.get_figure()
        if not isinstance(figure, Figure):
            raise InvalidValueError("ax: the axes belong to no figure (or to a subfigure)")
        return figure, ax
    figure = Figure(figsize=size, layout="constrained")
    # A Figure made without pyplot has no display hook of its own: IPython shows any object with
    # a ``_repr_png_``, so the figure shows where it is made without importing pyplot. A
    # partial of a module function, not a closure, so the figure still pickles.
    figure._repr_png_ = functools.partial(_png_bytes, figure)  # type: ignore[attr-defined]
    return figure, figure.add_subplot()


def figure_format(path: str | Path) -> str:
    """The image format a path asks for: ``"png"``, ``"svg"``, ``"pdf"`` or ``"tiff"``.

    Check it before drawing.

    Raises:
        InvalidValueError: when the extension is not ``.png``, ``.svg``, ``.pdf``, ``.tif`` or ``.tiff``.
    """
    target = Path(path)
    kind = _FORMATS.get(target.suffix.casefold())
    if kind is None:
        raise InvalidValueError(
            f"path {quoted(str(target))}: extension {quoted(target.suffix or '(none)')} is not one of "
            + ", ".join(_FORMATS)
        )
    return kind


def _size(figure: Figure, width: Literal["single", "double"] | float | None) -> tuple[float, float] | None:
    if width is None:
        return None
    inches = JOURNAL_WIDTHS.get(width) if isinstance(width, str) else float(width)
    if inches is None or not 0 < inches <= 100:
        raise InvalidValueError(
            f"width: {quoted(str(width))} is not 'single', 'double' or a positive width in inches"
        )
    old_width, old_height = figure.get_size_inches()
    return inches, old_height * inches / old_width


def save_figure(
    figure: Figure,
    path: str | Path,
    *,
    dpi: int = 300,
    width: Literal["single", "double"] | float | None = None,
) -> Path:
    """Save a figure as PNG, SVG, PDF or TIFF, chosen by the extension; the same figure gives the same bytes.

    An SVG or a PDF carries no date, and SVG ids are salted with a fixed value, so saving a
    figure twice (or in two runs) writes identical files. Fonts are embedded in PDFs as
    TrueType (Type 42). matplotlib's global settings are not changed, nor is the figure.

    Args:
        figure: The figure.
        path: Where to write; the extension is ``.png``, ``.svg``, ``.pdf``, ``.tif`` or ``.tiff``.
        dpi: Resolution of a PNG or a TIFF (journals ask for at least 300).
        width: ``"single"`` (a journal's single column, 89 mm), ``"double"`` (183 mm) or a width in
            inches; the height keeps the figure's proportions. None keeps the figure's size.

    Returns:
        The path written.

    Raises:
        InvalidValueError: when the extension or the width is not one of those.
    """
    target = Path(path)
    kind = figure_format(target)
    size = _size(figure, width)
    _require_matplotlib()
    from matplotlib import rc_context  # noqa: PLC0415 - optional extra
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - optional extra

    if not isinstance(figure.canvas, FigureCanvasAgg):
        FigureCanvasAgg(figure)  # a Figure made without pyplot has no drawing canvas of its own yet
    before = tuple(figure.get_size_inches())
    buffer = io.BytesIO()
    try:
        if size is not None:
            figure.set_size_inches(size, forward=False)
        # Set within a context, so the caller's global rcParams are left as they were. Drawn to
        # memory first, so that a figure that does not fit its width leaves no file behind.
        # Type 42 embeds TrueType fonts, so text stays text that journals' checks accept (many
        # submission systems refuse the default, Type 3).
        with (
            rc_context({"svg.hashsalt": _SVG_SALT, "pdf.fonttype": 42}),
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always")
            if kind == "tiff":
                figure.savefig(buffer, format=kind, dpi=dpi, pil_kwargs={"compression": "tiff_lzw"})
            else:
                figure.savefig(buffer, format=kind, dpi=dpi, metadata=_METADATA.get(kind))
    finally:
        figure.set_size_inches(before, forward=False)
    collapsed = False
    for warning in caught:
        if "constrained_layout not applied" in str(warning.message):
            collapsed = True
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    if collapsed:
        inches = figure.get_size_inches() if size is None else size
        raise InvalidValueError(
            f"width: the figure's labels and legend do not fit {inches[0]:.3g} x {inches[1]:.3g} inches;"
            " draw it at that size (figsize=) with fewer lanes, or save it wider"
        )
    target.write_bytes(buffer.getvalue())
    return target
