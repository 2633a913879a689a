"""Rows by patient: partitions of whole patients, and stable orders by integer keys."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from dmt_timeline.errors import InvalidValueError


def _partitions(np: Any, person: Any, size: int) -> Iterator[Any]:
    """Row indices grouped by person (in person order), ``size`` persons at a time."""
    if size < 1:
        raise InvalidValueError(f"partition_size {size} is not a whole number >= 1")
    n_persons = int(person.max()) + 1 if len(person) else 0
    if n_persons <= size:
        yield np.arange(len(person))
        return
    order = np.argsort(person, kind="stable")
    bounds = np.searchsorted(person[order], np.arange(0, n_persons + size, size))
    for lo, hi in itertools.pairwise(bounds):
        if hi > lo:
            yield np.sort(order[lo:hi])


def _sort_key(np: Any, *keys: tuple[Any, int]) -> Any:
    """An int64 key ordering rows by ``keys`` (most significant first), each ``(values, span)``;
    None when it would overflow (the caller then uses np.lexsort)."""
    total = 1
    for _, span in keys:
        total *= max(span, 1)
    if total >= 2**62:
        return None
    key = np.zeros(len(keys[0][0]), dtype=np.int64)
    for values, span in keys:
        key = key * max(span, 1) + values
    return key


def _order(np: Any, *keys: Any) -> Any:
    """A stable order by integer ``keys`` (most significant first)."""
    shifted = []
    for values in keys:
        low = int(values.min()) if len(values) else 0
        shifted.append((values - low, (int(values.max()) - low + 1) if len(values) else 1))
    key = _sort_key(np, *shifted)
    if key is None:
        return np.lexsort(tuple(reversed([v for v, _ in shifted])))
    return np.argsort(key, kind="stable")
