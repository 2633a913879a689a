"""Problems found in FHIR entries, and the checked access to JSON values that finds them.

Every value a reader takes from a resource goes through one of these helpers, so a JSON
type that is not the one FHIR defines is a reported problem naming the entry, the field's
path and the value (quoted, or for a container only named), never a ``TypeError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from dmt_timeline.errors import describe_value, quoted
from dmt_timeline.io.fhir._json import has_lone_surrogate

__all__ = ["Entry", "EntryProblem"]

# Text fields longer than this are refused: no reference, code or date is anywhere near it.
MAX_TEXT = 4096


@attrs.frozen
class EntryProblem:
    """One problem in a bundle or export: where it is and what is wrong, without the resource's content.

    Attributes:
        entry: The entry's index in ``Bundle.entry`` (from 0, as in ``entry[0]``), or for an
            NDJSON file its line number (from 1).
        field: The field's path inside the resource, or ``""`` for the resource as a whole.
        message: What is wrong; values are quoted, objects only named.
        patient_id: The patient of the resource, when its subject could be read.
        source: The NDJSON file's name, or ``""`` for a Bundle.
    """

    entry: int
    field: str
    message: str
    patient_id: str | None = None
    source: str = ""

    def __str__(self) -> str:
        who = f"patient {quoted(self.patient_id)}: " if self.patient_id is not None else ""
        dot = "." if self.field else ""
        if self.source:
            where = f"{quoted(self.source)} line {self.entry}{': ' + self.field if self.field else ''}"
        else:
            where = f"entry[{self.entry}].resource{dot}{self.field}"
        return f"{who}{where}: {self.message}"


class Entry:
    """Problems found in one entry, each tied to the entry's place and the field's path."""

    def __init__(self, index: int, source: str = "") -> None:
        self.index = index
        self.source = source
        self.patient_id: str | None = None
        self.problems: list[tuple[str, str]] = []

    def fail(self, field: str, message: str) -> None:
        self.problems.append((field, message))

    def report(self) -> list[EntryProblem]:
        return [
            EntryProblem(self.index, field, message, self.patient_id, self.source)
            for field, message in self.problems
        ]

    # -- checked access -------------------------------------------------------------------

    def object(self, value: Any, field: str, *, required: bool = True) -> Mapping[str, Any] | None:
        """``value`` if it is a JSON object; a problem (when required or present) otherwise."""
        if value is None:
            if required:
                self.fail(field, "required field is missing")
            return None
        if not isinstance(value, Mapping):
            self.fail(field, f"{describe_value(value)} is not an object")
            return None
        return value

    def array(self, value: Any, field: str) -> list[Any]:
        """``value`` if it is a JSON array, ``[]`` when absent; a problem otherwise."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(field, f"{describe_value(value)} is not a list")
            return []
        return value

    def objects(self, value: Any, field: str) -> list[tuple[str, Mapping[str, Any]]]:
        """The objects of a JSON array with their paths; each other item is a problem."""
        found: list[tuple[str, Mapping[str, Any]]] = []
        for i, item in enumerate(self.array(value, field)):
            path = f"{field}[{i}]"
            if isinstance(item, Mapping):
                found.append((path, item))
            else:
                self.fail(path, f"{describe_value(item)} is not an object")
        return found

    def text(self, value: Any, field: str, *, required: bool = False) -> str | None:
        """``value`` if it is text FHIR can hold; a problem (when required or present) otherwise."""
        if value is None:
            if required:
                self.fail(field, "required field is missing")
            return None
        if not isinstance(value, str):
            self.fail(field, f"{describe_value(value)} is not text")
            return None
        if has_lone_surrogate(value):
            self.fail(field, f"{quoted(value)} holds a lone surrogate (not valid Unicode)")
            return None
        if len(value) > MAX_TEXT:
            self.fail(field, f"{quoted(value)} is longer than {MAX_TEXT} characters")
            return None
        return value
