"""Disability scores shared by the model and the clinical events: the EDSS."""

from __future__ import annotations

import attrs

from dmt_timeline.errors import InvalidValueError, describe_value

__all__ = ["EDSS"]


@attrs.frozen(order=False)
class EDSS:
    """An Expanded Disability Status Scale score: 0, or 1.0 to 10.0 in steps of 0.5."""

    score: float  # validated below, never coerced from text

    def __attrs_post_init__(self) -> None:
        value = self.score
        valid = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and (value == 0 or (1 <= value <= 10 and float(value * 2).is_integer()))
        )
        if not valid:
            raise InvalidValueError(
                f"EDSS {describe_value(value)} is not a score: expected 0 or 1.0..10.0 in steps of 0.5"
            )
        object.__setattr__(self, "score", float(value))

    def __str__(self) -> str:
        return f"{self.score:g}"
