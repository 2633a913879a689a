"""A claim of the publication, its verdict, and how a derived value is checked against it."""

from __future__ import annotations

import enum
import re
from typing import Any, Final

import attrs

from dmt_timeline.errors import InvalidValueError
from dmt_timeline.studies.natalizumab_psoriasis.published import PUBLISHED


class Verdict(enum.Enum):
    """How a derived value stands against the published one."""

    AGREES = "agrees"
    DIFFERS = "differs"
    NOT_DERIVABLE = "not derivable"


_SLUG: Final = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)


def _slug(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or _SLUG.fullmatch(value) is None:
        raise InvalidValueError(f"{attribute.name} {value!r} is not a slug such as 'ifnb_users'")


def _value(_: object, attribute: attrs.Attribute[int | str], value: int | str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidValueError(f"{attribute.name} {value!r} is not a whole number or text")


@attrs.frozen
class Claim:
    """One quantitative statement of the publication, with the value the cohort gives.

    Attributes:
        id: A short stable slug (``"ifnb_users"``).
        statement: What the publication states, paraphrased.
        published: The publication's value: a count, or text such as ``"10 of 11"``.
        derived: The value derived from the cohort, in the same form.
        verdict: Whether they agree, differ, or the data cannot decide.
        note: The bounds the data allow, how the data were read, or where text and table
            disagree.
    """

    id: str = attrs.field(validator=_slug)
    statement: str
    published: int | str = attrs.field(validator=_value)
    derived: int | str = attrs.field(validator=_value)
    verdict: Verdict = attrs.field(validator=attrs.validators.instance_of(Verdict))
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The claim as JSON-compatible builtins."""
        return {
            "id": self.id,
            "statement": self.statement,
            "published": self.published,
            "derived": self.derived,
            "verdict": self.verdict.value,
            "note": self.note,
        }


def _exact(published: int | str, derived: int | str) -> Verdict:
    return Verdict.AGREES if published == derived else Verdict.DIFFERS


def _bounded(published: int, low: int, high: int) -> Verdict:
    """A count the data bound to ``low..high``: decided only when the bounds meet."""
    if low == high == published:
        return Verdict.AGREES
    if low <= published <= high:
        return Verdict.NOT_DERIVABLE
    return Verdict.DIFFERS


def _claim(claim_id: str, statement: str, derived: int | str, verdict: Verdict, note: str = "") -> Claim:
    return Claim(claim_id, statement, PUBLISHED[claim_id], derived, verdict, note)


def _simple(claim_id: str, statement: str, derived: int | str, note: str = "") -> Claim:
    return _claim(claim_id, statement, derived, _exact(PUBLISHED[claim_id], derived), note)
