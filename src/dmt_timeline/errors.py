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
]


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


def describe_value(value: Any) -> str:
    """A value for an error message: scalars quoted, containers only named (they may be records)."""
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return repr(value)
