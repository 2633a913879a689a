"""Colours: the therapy-class palette, the response-curve palette and text colour on a fill."""

from __future__ import annotations

from typing import Final

from dmt_timeline.catalogue import TherapyClass

# Okabe & Ito (2008), safe for the common colour-vision deficiencies; the three rarest classes
# take colours from Paul Tol's muted scheme, chosen to stay apart from the first eight.
CLASS_COLOURS: Final[dict[TherapyClass, str]] = {
    TherapyClass.INTERFERON_BETA: "#56B4E9",  # sky blue
    TherapyClass.GLATIRAMER_ACETATE: "#E69F00",  # orange
    TherapyClass.PYRIMIDINE_SYNTHESIS_INHIBITOR: "#F0E442",  # yellow
    TherapyClass.FUMARATE: "#009E73",  # bluish green
    TherapyClass.S1P_MODULATOR: "#CC79A7",  # reddish purple
    TherapyClass.ANTI_ALPHA4_INTEGRIN: "#0072B2",  # blue
    TherapyClass.ANTI_CD52: "#D55E00",  # vermillion
    TherapyClass.ANTI_CD20: "#000000",  # black
    TherapyClass.PURINE_ANALOGUE: "#882255",  # wine
    TherapyClass.ANTI_CD25: "#999933",  # olive
    TherapyClass.ANTHRACENEDIONE: "#999999",  # grey
}

_CURVE_COLOURS: Final = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
_LINESTYLES: Final = ("-", "--", ":", "-.")


def _text_colour(colour: str) -> str:
    """Black or white, whichever reads better on the colour (WCAG relative luminance)."""
    from matplotlib.colors import to_rgb  # noqa: PLC0415 - optional extra

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in to_rgb(colour))
    return "#000000" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.18 else "#FFFFFF"
