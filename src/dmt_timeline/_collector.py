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
    """Pause the cyclic collector for a bulk build; then restore it exactly as it was.

    Only whether it is enabled changes, and only while paused: its generations, thresholds
    and counters are left alone, so what was built counts towards the next collections as
    any allocation does, and a process that calls the library often still collects its own
    cyclic garbage. (An earlier version moved the new objects to the oldest generation with
    ``gc.freeze(); gc.unfreeze()``, which also zeroed the youngest generation's counter on
    every call: a service calling :func:`~dmt_timeline.serialize.loads` in a loop never
    collected again.) Nested uses restore it once, at the outermost.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
