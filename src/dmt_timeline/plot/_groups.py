"""Grouping patients into the lanes of a swimmer plot or the curves of a response plot."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from dmt_timeline.errors import InvalidValueError
from dmt_timeline.model import Patient

GroupBy = Callable[[Patient], str] | str | None
# Documented where dmt_timeline.plot re-exports it (Sphinx reads doc-comments there).


def _grouper(group_by: GroupBy) -> Callable[[Patient], str] | None:
    if group_by is None or callable(group_by):
        return group_by
    key = group_by

    def by_label(patient: Patient) -> str:
        value = patient.label(key)
        if value is None:
            raise InvalidValueError(f"group_by {key!r}: patient {patient.id} has no label {key!r}")
        return value

    return by_label


def _groups(patients: Iterable[Patient], group_by: GroupBy) -> dict[str, list[Patient]]:
    """Patients by group, groups in order of first appearance (None: one unnamed group)."""
    grouper = _grouper(group_by)
    found: dict[str, list[Patient]] = {}
    for patient in patients:
        found.setdefault("" if grouper is None else grouper(patient), []).append(patient)
    return found
