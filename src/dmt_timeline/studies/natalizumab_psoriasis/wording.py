"""How the claims' derived values and notes put counts, patients and months into words."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dmt_timeline.dates import MonthRange
from dmt_timeline.model import Patient


def _of(count: int, total: int) -> str:
    return f"{count} of {total}"


def _ids(patients: Iterable[Patient]) -> str:
    names = [p.id for p in patients]
    return ", ".join(names) if names else "none"


def _ids_text(ids: Sequence[str]) -> str:
    return ", ".join(ids) if ids else "no patient"


def _months(value: MonthRange) -> str:
    return str(value.low) if value.is_exact else f"{value.low}..{value.high}"


def _span(ranges: Sequence[MonthRange]) -> str:
    return f"{min(r.low for r in ranges)}-{max(r.high for r in ranges)} months"
