"""Patient ids as every reader reads them: one rule, so a patient is the same patient in the
object model, the batch engine and every file format."""

from __future__ import annotations

import math

from dmt_timeline.errors import InvalidValueError, describe_value

__all__ = ["patient_id"]


def patient_id(value: object) -> str:
    """The id a cell, a JSON value or an Arrow value gives a patient.

    Text is kept as written less surrounding white space; a whole number (or a float holding one,
    as pandas makes of an integer column with gaps) is written in decimal digits, so ``1``,
    ``1.0`` and ``"1"`` are one patient. Anything else is refused.

    Raises:
        InvalidValueError: for an empty id, a fractional or non-finite number, or another type.
    """
    if isinstance(value, bool):
        raise InvalidValueError(f"patient id {describe_value(value)}: expected text or a whole number")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise InvalidValueError(f"patient id {describe_value(value)}: expected text or a whole number")
        return str(int(value))
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise InvalidValueError("patient id is empty")
        return text
    raise InvalidValueError(f"patient id {describe_value(value)}: expected text or a whole number")
