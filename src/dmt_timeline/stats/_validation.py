"""Input checks shared by the statistical tests: groups of finite numbers, resample budgets, ties."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from dmt_timeline.errors import StatsInputError

_Groups = tuple[tuple[str, tuple[float, ...]], ...]
_FloatArray = npt.NDArray[np.float64]


def _validated(groups: Mapping[str, Sequence[float]], measure: str) -> _Groups:
    """Check the input and return it as (name, values-as-floats) pairs in mapping order."""
    if not isinstance(groups, Mapping):
        raise StatsInputError(
            f"{measure}: groups must be a mapping of group name to values, got {type(groups).__name__}"
        )
    if len(groups) < 2:
        names = ", ".join(repr(name) for name in groups) or "none"
        raise StatsInputError(f"{measure}: need at least two groups to compare, got {len(groups)} ({names})")
    out: list[tuple[str, tuple[float, ...]]] = []
    for name, values in groups.items():
        if not isinstance(name, str):
            raise StatsInputError(f"{measure}: group name {name!r} is not a string")
        out.append((name, _validated_values(values, measure=measure, where=f"group {name!r}")))
    return tuple(out)


def _validated_values(values: object, *, measure: str, where: str) -> tuple[float, ...]:
    # A string is a Sequence too; "4, 6" is a transcription slip, not four characters.
    if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        raise StatsInputError(
            f"{measure}: {where} must be a sequence of numbers, got {type(values).__name__}"
        )
    checked = [
        _finite_number(value, measure=measure, where=f"{where} value [{index}]")
        for index, value in enumerate(values)
    ]
    if not checked:
        raise StatsInputError(f"{measure}: {where} has no values")
    return tuple(checked)


def _finite_number(value: object, *, measure: str, where: str) -> float:
    # bool is an int subclass, but True as a latency is a bug, not 1 month.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise StatsInputError(f"{measure}: {where} = {value!r} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise StatsInputError(f"{measure}: {where} = {value!r} is not finite")
    return number


def _check_resamples(n_resamples: int, measure: str) -> None:
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 1:
        raise StatsInputError(f"{measure}: n_resamples must be a positive integer, got {n_resamples!r}")


def _all_equal(data: _Groups) -> bool:
    pooled = [value for _, values in data for value in values]
    return all(value == pooled[0] for value in pooled)
