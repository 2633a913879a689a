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
    and cannot forge lines, and at most ``limit`` characters of it, escapes included, elided in
    the middle.

    Every message that names a patient id, a cell or a code goes through this one function.
    """
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        shown = repr(text)
        if len(shown) <= limit + 2:  # the quotes
            return shown
    # Escaped character by character, so that the bound holds after escaping (one character
    # can take ten, "\U0001f600") and no escape is cut in two.
    head = _escaped(text[:limit], limit // 2)
    tail = _escaped(text[: -limit - 1 : -1], limit - limit // 2)[::-1]
    return f"'{''.join(head)}...{''.join(tail)}' ({len(text)} characters)"


def _escaped(chars: str, budget: int) -> list[str]:
    """The escaped forms of ``chars``, in order, as many as fit in ``budget`` characters."""
    pieces: list[str] = []
    used = 0
    for char in chars:
        piece = "\\'" if char == "'" else repr(char)[1:-1]
        if used + len(piece) > budget:
            break
        pieces.append(piece)
        used += len(piece)
    return pieces


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
