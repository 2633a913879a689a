"""Classifying transitions over arrays of days since 1970-01-01.

The vectorised forms of :func:`dmt_timeline.whole_months` and of the timeline's
classification, and the transitions between consecutive rows of each patient as a table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from dmt_timeline.batch._columns import _imports
from dmt_timeline.timeline import Change, TransitionKind

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    IntArray = npt.NDArray[np.int64]
    BoolArray = npt.NDArray[np.bool_]


KINDS: Final = (
    TransitionKind.DIRECT,
    TransitionKind.LAG,
    TransitionKind.OVERLAP,
    TransitionKind.INDETERMINATE,
)
# Documented where dmt_timeline.batch re-exports it (Sphinx reads doc-comments there).


def whole_months_array(start: IntArray, stop: IntArray) -> IntArray:
    """:func:`dmt_timeline.whole_months` over arrays of days since 1970-01-01.

    The month ordinal difference, less one when the day of the month has not come round
    again; truncated towards zero, so antisymmetric.
    """
    np, _, _ = _imports()
    a = np.asarray(start, dtype="datetime64[D]")
    b = np.asarray(stop, dtype="datetime64[D]")
    a_month, b_month = a.astype("datetime64[M]"), b.astype("datetime64[M]")
    a_day, b_day = (a - a_month).astype(np.int64), (b - b_month).astype(np.int64)
    months = (b_month - a_month).astype(np.int64)
    forward = months - (b_day < a_day)
    backward = months + (a_day < b_day)  # -(whole_months(stop, start))
    result: IntArray = np.where(b >= a, forward, backward)
    return result


def classify_arrays(
    stop_lo: IntArray,
    stop_hi: IntArray,
    start_lo: IntArray,
    start_hi: IntArray,
    bounded: BoolArray,
    *,
    grace: int,
) -> tuple[IntArray, IntArray, IntArray]:
    """The timeline's classification of transitions, over arrays of days since 1970-01-01.

    ``stop_lo``/``stop_hi`` bound the earlier episode's stop, ``start_lo``/``start_hi`` the
    next start; ``bounded`` says the stop was not recorded, so it lies before the next start.

    Returns:
        ``gap_low``, ``gap_high`` (whole months) and the kind as an index into :data:`KINDS`.
    """
    np, _, _ = _imports()
    overlap = ~bounded & (start_lo < stop_hi)
    gapless = start_hi >= stop_lo
    least = np.where(start_lo <= stop_hi, 0, whole_months_array(stop_hi, start_lo))
    most = whole_months_array(stop_lo, start_hi)
    low = np.where(bounded, least, whole_months_array(stop_hi, start_lo))
    direct = gapless & (least <= grace)
    lag = gapless & (most > grace)
    count = overlap.astype(np.int64) + direct + lag
    kind = np.where(count > 1, 3, np.where(direct, 0, np.where(lag, 1, 2)))
    return low, most, kind.astype(np.int64)


def _transitions(
    np: Any,
    person: Any,
    therapy: Any,
    *,
    start_lo: Any,
    start_hi: Any,
    stop_lo: Any,
    stop_hi: Any,
    state: Any,
    grace: int,
) -> dict[str, Any]:
    """Transitions between consecutive rows of one person (rows in timeline order).

    ``state``: 0 a dated stop, 1 ongoing, 2 not recorded (as :class:`StopState`).
    """
    pair = np.flatnonzero(person[1:] == person[:-1])
    after = pair + 1
    position = pair - np.searchsorted(person, person[pair]) + 1
    ongoing = state[pair] == 1
    bounded = state[pair] == 2
    s_lo = np.where(bounded, start_lo[pair], np.maximum(stop_lo[pair], start_lo[pair]))
    s_hi = np.where(bounded, np.maximum(start_lo[pair], start_hi[after]), stop_hi[pair])
    n_lo, n_hi = start_lo[after], start_hi[after]
    low, high, kind = classify_arrays(s_lo, s_hi, n_lo, n_hi, bounded, grace=grace)
    kind = np.where(ongoing, 2, kind)
    return {
        "pair": pair,
        "position": position,
        "ongoing": ongoing,
        "contradiction": bounded & (s_lo > n_hi),
        "gap_low": low,
        "gap_high": high,
        "kind": kind,
        "restart": therapy[pair] == therapy[after],
    }


def _labels(pa: Any, codes: Any, values: Any) -> Any:
    """A dictionary-encoded text column (categorical in pandas): a few bytes a row."""
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), values)


def _transition_table(  # noqa: PLR0917 - a private helper of two callers
    pa: Any, ids: Any, names: Any, person: Any, therapy: Any, found: dict[str, Any], grace: int
) -> Any:
    pair = found["pair"]
    after = pair + 1
    kinds = pa.array([k.value for k in KINDS])
    changes = pa.array([Change.SWITCH.value, Change.RESTART.value])
    gap_mask = found["ongoing"]
    return pa.table(
        {
            "patient_id": _labels(pa, person[pair], ids),
            "position": pa.array(found["position"].astype("int32"), pa.int32()),
            "before_therapy": _labels(pa, therapy[pair], names),
            "after_therapy": _labels(pa, therapy[after], names),
            "kind": _labels(pa, found["kind"], kinds),
            "change": _labels(pa, found["restart"].astype("int32"), changes),
            "gap_low": pa.array(found["gap_low"].astype("int32"), pa.int32(), mask=gap_mask),
            "gap_high": pa.array(found["gap_high"].astype("int32"), pa.int32(), mask=gap_mask),
            "grace_months": pa.repeat(pa.scalar(grace, pa.int32()), len(pair)),
        }
    )
