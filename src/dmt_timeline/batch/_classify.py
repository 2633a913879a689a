"""Classifying transitions over arrays of days since 1970-01-01.

The vectorised forms of :func:`dmt_timeline.whole_months` and of the timeline's
classification, and the transitions between consecutive rows of each patient as a table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from dmt_timeline.batch._columns import _imports
from dmt_timeline.catalogue import Catalogue, TherapyClass
from dmt_timeline.dates import Truth
from dmt_timeline.regimens import REGIMENS, RegimenKind, Regimens
from dmt_timeline.timeline import Change, TransitionKind, _class_level

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
    TransitionKind.SCHEDULED,
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
    grace: int | IntArray,
) -> tuple[IntArray, IntArray, IntArray]:
    """The timeline's classification of transitions, over arrays of days since 1970-01-01.

    ``stop_lo``/``stop_hi`` bound the earlier episode's stop, ``start_lo``/``start_hi`` the
    next start; ``bounded`` says the stop was not recorded, so it lies before the next start.
    ``grace`` is one grace period, or one per transition.

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


CHANGES: Final = (
    Change.SWITCH,
    Change.RESTART,
    Change.COURSE,
    Change.RETREATMENT,
    Change.SWITCH_OR_RESTART,
    Change.NEXT_DOSE,
    Change.NEXT_DOSE_OR_RESTART,
)
# The change codes of _transitions, and the marks' (-1 is null).
_MARKS: Final = (Truth.FALSE, Truth.TRUE, Truth.UNDETERMINED)
_OPEN: Final = 1 << 40
"""A washout's upper bound when the sources set none: more months than any gap can have."""


def therapy_profile(
    np: Any, names: list[str], catalogue: Catalogue, regimens: Regimens = REGIMENS
) -> dict[str, Any]:
    """What the classification needs of each therapy code (an index into ``names``), as arrays
    one longer than ``names`` (the last a pad): its regimen's re-dosing interval (-1 when
    continuous), planned courses (-1 unless courses), carry-over (-1 when no source gives one),
    its class and whether the entry names only a class; and, as matrices indexed by the earlier
    and the later therapy code, the washout recommended for the pair (low -1 when no source
    gives a figure, high :data:`_OPEN` when it sets no upper bound)."""
    therapies = [catalogue.get(name) for name in names]
    plans = [regimens.of(t) for t in therapies]
    classes = list(TherapyClass)

    def column(values: list[int]) -> Any:
        return np.array([*values, -1], dtype=np.int64)

    size = len(therapies) + 1
    washout_lo = np.full((size, size), -1, dtype=np.int64)
    washout_hi = np.full((size, size), -1, dtype=np.int64)
    for i, before in enumerate(therapies):
        for j, after in enumerate(therapies):
            guidance = regimens.washout(before, after)
            if guidance is not None and guidance.low is not None:
                washout_lo[i, j] = guidance.low
                washout_hi[i, j] = _OPEN if guidance.high is None else guidance.high

    return {
        "redose": column([r.redose if r.kind is not RegimenKind.CONTINUOUS else -1 for r in plans]),
        "planned": column([r.planned_courses.value if r.planned_courses is not None else -1 for r in plans]),
        "carry": column([-1 if r.carry_over is None else r.carry_over for r in plans]),
        "washout_lo": washout_lo,
        "washout_hi": washout_hi,
        "class": column([classes.index(t.therapy_class) for t in therapies]),
        "class_level": np.array([*(_class_level(t) for t in therapies), False], dtype=bool),
    }


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
    profile: dict[str, Any],
) -> dict[str, Any]:
    """Transitions between consecutive rows of one person (rows in timeline order), as
    :meth:`Timeline.transitions <dmt_timeline.Timeline.transitions>` gives them with the
    regimens of ``profile`` (see :func:`therapy_profile`).

    ``state``: 0 a dated stop, 1 ongoing, 2 not recorded (as :class:`StopState`).
    """
    pair = np.flatnonzero(person[1:] == person[:-1])
    after = pair + 1
    position = pair - np.searchsorted(person, person[pair]) + 1
    ongoing = state[pair] == 1
    bounded = state[pair] == 2
    same = therapy[pair] == therapy[after]
    redose = profile["redose"][therapy[pair]]
    scheduled = same & (redose >= 0)
    s_lo = np.where(bounded, start_lo[pair], np.maximum(stop_lo[pair], start_lo[pair]))
    s_hi = np.where(bounded, np.maximum(start_lo[pair], start_hi[after]), stop_hi[pair])
    n_lo, n_hi = start_lo[after], start_hi[after]
    allowed = np.where(scheduled, grace + redose, grace)
    low, high, kind = classify_arrays(s_lo, s_hi, n_lo, n_hi, bounded, grace=allowed)
    kind = np.where(scheduled & (kind == 0), 4, kind)
    kind = np.where(ongoing, 2, kind)
    # Which course of its therapy each row is: its place in the run of rows of that therapy.
    index = np.arange(len(person))
    new_run = np.ones(len(person), dtype=bool)
    new_run[1:] = (person[1:] != person[:-1]) | (therapy[1:] != therapy[:-1])
    course = index - np.maximum.accumulate(np.where(new_run, index, 0)) + 1
    planned = profile["planned"][therapy[pair]]
    courses = np.where(course[after] <= planned, 2, 3)
    family = (profile["class"][therapy[pair]] == profile["class"][therapy[after]]) & (
        profile["class_level"][therapy[pair]] | profile["class_level"][therapy[after]]
    )
    # An interval regimen's next dose on schedule is one treatment; when the dates cannot tell,
    # it may be the next dose or a restart (as Timeline._work_out decides it).
    least = np.where(n_lo > s_hi, whole_months_array(s_hi, n_lo), 0)
    may_be_scheduled = (n_hi >= s_lo) & (least <= allowed)
    interval = np.where(kind == 4, 5, np.where((kind == 3) & may_be_scheduled, 6, 1))
    repeat = np.where(planned >= 1, courses, np.where(scheduled, interval, 1))
    change = np.where(same, repeat, np.where(family, 4, 0))
    # A change of therapy inside the previous one's carry-over, and a gap inside the washout
    # recommended for the pair (as Timeline._marks).
    switching = ~same
    carry = profile["carry"][therapy[pair]]
    window = np.where(high < carry, 1, np.where(low >= carry, 0, 2))
    window = np.where(switching & (carry >= 0), np.where(ongoing, 1, window), -1)
    w_lo = profile["washout_lo"][therapy[pair], therapy[after]]
    w_hi = profile["washout_hi"][therapy[pair], therapy[after]]
    inside = np.where((high < w_lo) | (low > w_hi), 0, np.where((w_lo <= low) & (high <= w_hi), 1, 2))
    washout = np.where(switching & (w_lo >= 0), np.where(ongoing, 0, inside), -1)
    return {
        "pair": pair,
        "position": position,
        "ongoing": ongoing,
        "contradiction": bounded & (s_lo > n_hi),
        "gap_low": low,
        "gap_high": high,
        "kind": kind,
        "restart": same,
        "change": change,
        "effect_window": window,
        "washout": washout,
    }


def _labels(pa: Any, codes: Any, values: Any) -> Any:
    """A dictionary-encoded text column (categorical in pandas): a few bytes a row."""
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), values)


def _transition_table(  # noqa: PLR0917 - a private helper of two callers
    pa: Any, ids: Any, names: Any, person: Any, therapy: Any, found: dict[str, Any], grace: int
) -> Any:
    np, _, _ = _imports()
    pair = found["pair"]
    after = pair + 1
    kinds = pa.array([k.value for k in KINDS])
    changes = pa.array([c.value for c in CHANGES])
    marks = pa.array([m.value for m in _MARKS])
    gap_mask = found["ongoing"]
    window, washout = found["effect_window"], found["washout"]
    return pa.table(
        {
            "patient_id": _labels(pa, person[pair], ids),
            "position": pa.array(found["position"].astype("int32"), pa.int32()),
            "before_therapy": _labels(pa, therapy[pair], names),
            "after_therapy": _labels(pa, therapy[after], names),
            "kind": _labels(pa, found["kind"], kinds),
            "change": _labels(pa, found["change"], changes),
            "gap_low": pa.array(found["gap_low"].astype("int32"), pa.int32(), mask=gap_mask),
            "gap_high": pa.array(found["gap_high"].astype("int32"), pa.int32(), mask=gap_mask),
            "grace_months": pa.repeat(pa.scalar(grace, pa.int32()), len(pair)),
            "effect_window": pa.DictionaryArray.from_arrays(
                pa.array(np.maximum(window, 0), pa.int32(), mask=window < 0), marks
            ),
            "washout": pa.DictionaryArray.from_arrays(
                pa.array(np.maximum(washout, 0), pa.int32(), mask=washout < 0), marks
            ),
        }
    )
