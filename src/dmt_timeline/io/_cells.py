"""Cells every table reader shares: numbers, dates, stop reasons and the ``NA`` token.

Each reader takes a cell's text (already stripped, at most :data:`~dmt_timeline.io._table.CELL_LIMIT`
characters, one line) and returns a value or raises :class:`CellError`, whose message quotes the
cell only through :func:`~dmt_timeline.errors.quoted`. New cell forms belong here, so that every
table reads a number or a date in one way.
"""

from __future__ import annotations

import re
from typing import Final

from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import DmtTimelineError, quoted
from dmt_timeline.model import SwitchReason, parse_reasons

NA_TOKENS: Final = frozenset({"na", "n/a"})
"""Not applicable, once case and white space are folded away: ``NA``, ``n/a``, ``N / A``."""

# ASCII digits only, with bounds: float() and int() also take "1_0", "1e0", " 1", "\u0663" and
# fullwidth digits, and would read "1_0" as 10.
_NUMBER: Final = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,6})?")
_WHOLE: Final = re.compile(r"[0-9]{1,6}")
# The shape of a date cell; PartialDate then checks that the day exists.
_DATE: Final = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_REASON_PARTS: Final = re.compile(r"[,;]")


class CellError(DmtTimelineError, ValueError):
    """A cell that cannot be read; the reader reports it with its row and column."""


def fold(text: str) -> str:
    """``text`` without white space, case-folded: how tokens such as ``NA`` are compared."""
    return "".join(text.split()).casefold()


def is_na(text: str) -> bool:
    """Whether a cell says not applicable (``NA``, ``n/a``, ``N / A``...)."""
    # Every spelling begins with an n: most cells are done with at the first character.
    return text.lstrip()[:1] in ("n", "N") and fold(text) in NA_TOKENS


def number(text: str, what: str) -> float:
    """A decimal number written in ASCII digits (``2``, ``3.5``), as ``what`` in messages."""
    if _NUMBER.fullmatch(text) is None:
        raise CellError(f"{what} {quoted(text)} is not a number such as 2 or 3.5 (ASCII digits)")
    return float(text)


def whole(text: str, what: str) -> int:
    """A whole number written in ASCII digits (``0``, ``14``), as ``what`` in messages."""
    if _WHOLE.fullmatch(text) is None:
        raise CellError(f"{what} {quoted(text)} is not a whole number such as 0 or 14 (ASCII digits)")
    return int(text)


def date(text: str) -> PartialDate:
    """A partial date: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    match = _DATE.fullmatch(text)
    if match is None:
        raise CellError(f"date {quoted(text)}: expected YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    # The shape is checked: the model's message names at most these ten ASCII digits.
    return PartialDate(int(year), None if month is None else int(month), None if day is None else int(day))


def reasons(text: str) -> tuple[SwitchReason, ...]:
    """Stop reasons (``LOE, Ps``); a cell that is only ``NA`` gives none.

    Raises:
        CellError: for an unknown code, or ``NA`` (not stopped) beside a reason.
    """
    if not text or is_na(text):
        return ()
    if "," in text or ";" in text:
        parts = [fold(p).rstrip("*") for p in _REASON_PARTS.split(text)]
        if any(p in NA_TOKENS for p in parts) and any(p and p not in NA_TOKENS for p in parts):
            raise CellError(f"stop reasons {quoted(text)} put NA (not stopped) beside a reason")
    try:
        return parse_reasons(text)
    except DmtTimelineError:
        pass
    # Raised outside the handler, and in words of our own: the model's message quotes the
    # code unbounded.
    bad = next((c for c in re.split(r"[,;/]", text) if not _known_reason(c)), text)
    known = ", ".join(r.value for r in SwitchReason)
    raise CellError(f"stop reason {quoted(bad.strip())} is not one of {known}, NA")


def _known_reason(code: str) -> bool:
    try:
        parse_reasons(code)
    except DmtTimelineError:
        return False
    return True
