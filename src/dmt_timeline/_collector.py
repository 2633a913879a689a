"""Python's cyclic garbage collector, paused while the library builds many objects at once.

What the library builds in bulk (a loaded cohort, the rows of a table, a cohort's latencies)
is many small objects without reference cycles, which reference counting frees. The collector
would scan them over and over as they accumulate: at 100,000 patients that is most of the cost
of a load, and a third of a loop that keeps every transition. Validation is never skipped.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for a bulk build; then restore it as it was.

    Nested uses restore it once, at the outermost. On the way out the objects the collector
    tracks move to its oldest generation (see :func:`_age_young_objects`).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            _age_young_objects()
            gc.enable()


def _age_young_objects() -> None:
    """Move every object the collector tracks into its oldest generation, without scanning any.

    What was just built would otherwise sit in the youngest generation and be scanned whole by
    the next collections of each generation. ``freeze`` then ``unfreeze`` is that move, done by
    splicing lists; it is skipped when the process has frozen objects of its own, which
    ``unfreeze`` would release.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
