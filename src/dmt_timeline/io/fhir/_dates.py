"""FHIR ``date`` and ``dateTime`` values as partial dates: the day as written, at its precision."""

from __future__ import annotations

import re
from typing import Any, Final

from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import DmtTimelineError, describe_value
from dmt_timeline.io.fhir._problems import Entry

__all__ = ["fhir_date"]

# FHIR R4 dateTime: YYYY, YYYY-MM, YYYY-MM-DD, or a day with a time and a zone. ASCII digits
# only (``\d`` would take other scripts' digits).
_DATE_TIME: Final = re.compile(
    r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2})"
    r"(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:[0-9]{2}))?)?)?",
    re.ASCII,
)
_LONGEST: Final = 40


def fhir_date(value: Any, entry: Entry, field: str) -> PartialDate | None:
    """The partial date of a FHIR ``date``/``dateTime``: a time and a zone give their local day.

    ``2015-01-23T23:30:00-05:00`` is 23 January 2015, the day as written where it was
    recorded; converting it to UTC would move it to the next day.
    """
    if not isinstance(value, str):
        entry.fail(field, f"{describe_value(value)} is not a date such as '2007-03'")
        return None
    match = _DATE_TIME.fullmatch(value) if len(value) <= _LONGEST else None
    if match is None:
        entry.fail(
            field, f"{describe_value(value)} is not a FHIR date such as '2007', '2007-03' or '2007-03-14'"
        )
        return None
    year, month, day = (int(g) if g is not None else None for g in match.groups())
    assert year is not None  # the pattern requires it
    try:
        return PartialDate(year, month, day)
    except DmtTimelineError as exc:
        message = str(exc)  # it quotes only the digits matched above
    entry.fail(field, message)
    return None
