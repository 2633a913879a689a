"""The lazy import of matplotlib, the optional extra ``plot``: imported only when a figure is drawn."""

from __future__ import annotations


def _require_matplotlib() -> None:
    """Import matplotlib or say which extra provides it."""
    try:
        import matplotlib  # noqa: PLC0415, F401 - an optional extra, imported on use
    except ImportError as error:
        raise ImportError(
            'dmt_timeline.plot needs matplotlib: install it with pip install "dmt-timeline[plot]"'
        ) from error
