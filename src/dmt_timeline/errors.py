"""The library's exceptions: one root, concrete subclasses that also subclass a builtin."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "CohortFormatError",
    "DmtTimelineError",
    "InvalidDateError",
    "InvalidValueError",
    "StatsInputError",
    "TimelineError",
    "UnknownTherapyError",
    "describe_value",
    "quoted",
]

QUOTE_LIMIT = 40
"""The most characters of a value that a message quotes; longer values are elided in the middle."""


class DmtTimelineError(Exception):
    """Root of every error the library raises on purpose."""


class InvalidDateError(DmtTimelineError, ValueError):
    """A partial date that cannot exist, or text that is not one."""


class InvalidValueError(DmtTimelineError, ValueError):
    """A model value that breaks one of its invariants (an EDSS of 0.5, a stop before a start...)."""


class UnknownTherapyError(DmtTimelineError, LookupError):
    """A therapy name or alias the catalogue does not know."""

    def __str__(self) -> str:
        # LookupError would otherwise show the repr of its argument.
        return str(self.args[0]) if self.args else ""


class TimelineError(DmtTimelineError, ValueError):
    """A patient history that cannot be read as one timeline."""


class StatsInputError(DmtTimelineError, ValueError):
    """Numbers a statistical comparison cannot be run on."""


class CohortFormatError(DmtTimelineError, ValueError):
    """A document or file that cannot be read as the requested type.

    Attributes:
        problems: Every problem found, one line each, as ``patient <id>: <path>: <problem>``.
    """

    def __init__(self, summary: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(summary, problems)
        self.summary = summary
        self.problems = problems

    def __str__(self) -> str:
        if not self.problems:
            return self.summary
        return "\n".join([self.summary, *(f"  - {p}" for p in self.problems)])


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A value as a message quotes it: repr-style, so a newline or a lone surrogate is escaped
    and cannot forge lines, and at most ``limit`` characters of it, elided in the middle.

    Every message that names a patient id, a cell or a code goes through this one function.
    """
    text = value if isinstance(value, str) else str(value)
    shown = repr(text)
    quote, body = shown[0], shown[1:-1]
    if len(body) <= limit:
        return shown
    # Elide after escaping, so that escapes (a character may take ten) cannot stretch the bound.
    head = limit // 2
    return f"{quote}{body[:head]}...{body[len(body) - (limit - head) :]}{quote} ({len(text)} characters)"


def describe_value(value: Any) -> str:
    """A value for an error message: scalars quoted, containers only named (they may be records)."""
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return quoted(value)
    if isinstance(value, int) and value.bit_length() > 128:
        # repr() of a huge int is slow, and past 4300 digits refused by Python itself.
        return "a whole number too large to hold"
    text = repr(value)
    return text if len(text) <= QUOTE_LIMIT else quoted(text)
