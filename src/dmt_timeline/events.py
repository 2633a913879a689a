"""Clinical events of MS: relapses, EDSS assessments, MRI scans and other scored assessments.

Each event carries a :class:`~dmt_timeline.PartialDate`, so a relapse known only to have begun
in "2014-03" is as much an event as one dated to the day. Every class is frozen and validated
at construction, like the rest of the model: an event that exists is valid, and an error names
the field and the value.
"""

from __future__ import annotations

import enum
import math
from typing import Any, Final

import attrs

from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import InvalidValueError, describe_value
from dmt_timeline.scores import EDSS

__all__ = [
    "MAX_LESIONS",
    "EdssAssessment",
    "Measure",
    "MriScan",
    "Recovery",
    "Relapse",
    "RelapseSeverity",
    "ScoredAssessment",
]


def _date(value: object) -> PartialDate:
    if isinstance(value, PartialDate):
        return value
    return PartialDate.coerce(value)  # type: ignore[arg-type]  # coerce refuses the rest


def _optional_bool(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        raise InvalidValueError(f"{attribute.name} {describe_value(value)} is not true, false or None")


def _optional_enum(kind: type[enum.Enum], what: str) -> Any:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and not isinstance(value, kind):
            raise InvalidValueError(f"{attribute.name} {describe_value(value)} is not {what}")

    return check


class RelapseSeverity(enum.Enum):
    """How severe a relapse was, as registries grade it."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class Recovery(enum.Enum):
    """How completely a patient recovered from a relapse."""

    COMPLETE = "complete"
    PARTIAL = "partial"
    NONE = "none"


@attrs.frozen
class Relapse:
    """A relapse: new or worsening neurological symptoms, dated by their onset.

    Attributes:
        onset: When the symptoms began.
        severity: Mild, moderate or severe, when recorded.
        recovery: Complete, partial or none, when recorded.
        steroids: Whether it was treated with corticosteroids, when recorded.
    """

    onset: PartialDate = attrs.field(converter=_date)
    severity: RelapseSeverity | None = attrs.field(
        default=None, validator=_optional_enum(RelapseSeverity, "a RelapseSeverity")
    )
    recovery: Recovery | None = attrs.field(default=None, validator=_optional_enum(Recovery, "a Recovery"))
    steroids: bool | None = attrs.field(default=None, validator=_optional_bool)


def _edss(value: object) -> EDSS:
    if isinstance(value, EDSS):
        return value
    return EDSS(value)  # type: ignore[arg-type]  # EDSS refuses what is not a score


@attrs.frozen
class EdssAssessment:
    """An EDSS score with the day (or month, or year) it was assessed.

    Attributes:
        date: When it was assessed.
        score: The score, on the EDSS grid (0, then 1.0 to 10.0 in steps of 0.5).
        during_relapse: Whether it was taken during a relapse, when the source says; outcome
            definitions also exclude assessments near a relapse by a window of days.
    """

    date: PartialDate = attrs.field(converter=_date)
    score: EDSS = attrs.field(converter=_edss)
    during_relapse: bool | None = attrs.field(default=None, validator=_optional_bool)


MAX_LESIONS: Final = 1000
"""The most lesions of one kind a scan may report; more is a data error, not a brain."""


def _optional_count(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (
        not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_LESIONS
    ):
        raise InvalidValueError(
            f"{attribute.name} {describe_value(value)} is not a count of lesions in 0..{MAX_LESIONS}"
        )


@attrs.frozen
class MriScan:
    """An MRI scan and the activity it showed.

    Attributes:
        date: When it was taken.
        new_t2: New or enlarging T2 lesions against the previous scan, when counted.
        gd_enhancing: Gadolinium-enhancing T1 lesions, when counted.
    """

    date: PartialDate = attrs.field(converter=_date)
    new_t2: int | None = attrs.field(default=None, validator=_optional_count)
    gd_enhancing: int | None = attrs.field(default=None, validator=_optional_count)

    def __attrs_post_init__(self) -> None:
        if self.new_t2 is None and self.gd_enhancing is None:
            raise InvalidValueError("new_t2 None and gd_enhancing None: a scan reports at least one count")

    @property
    def active(self) -> bool | None:
        """True if it showed any new/enlarging T2 or enhancing lesion; None if what it counted
        cannot tell (one count missing and the other zero)."""
        counts = (self.new_t2, self.gd_enhancing)
        if any(c is not None and c > 0 for c in counts):
            return True
        return False if None not in counts else None


class Measure(enum.Enum):
    """Scored assessments besides the EDSS, with their units and valid ranges."""

    T25FW = "T25FW"
    """Timed 25-foot walk, seconds (higher is worse)."""
    NHPT = "9HPT"
    """Nine-hole peg test, seconds (higher is worse)."""
    SDMT = "SDMT"
    """Symbol digit modalities test, correct answers in 90 seconds (lower is worse)."""

    @property
    def valid_range(self) -> tuple[float, float]:
        """The closed range a score must lie in."""
        return _RANGES[self]

    @property
    def higher_is_worse(self) -> bool:
        """The direction of worsening."""
        return self is not Measure.SDMT


# T25FW and 9HPT are timed out at 180 and 300 seconds in common practice (the MSFC manual; the
# same bounds pymsprog warns at); the SDMT has 110 symbols.
_RANGES: Final = {Measure.T25FW: (0.0, 180.0), Measure.NHPT: (0.0, 300.0), Measure.SDMT: (0.0, 110.0)}


@attrs.frozen
class ScoredAssessment:
    """A score of a :class:`Measure` on a date.

    Attributes:
        measure: What was measured.
        date: When.
        value: The score, within the measure's valid range (SDMT scores are whole numbers;
            timed tests take seconds above zero).
    """

    measure: Measure = attrs.field()
    date: PartialDate = attrs.field(converter=_date)
    value: float = attrs.field()

    @measure.validator
    def _check_measure(self, _: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, Measure):
            raise InvalidValueError(f"measure {describe_value(value)} is not a Measure")

    def __attrs_post_init__(self) -> None:
        value = self.value
        low, high = self.measure.valid_range
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if ok and self.measure is Measure.SDMT:
            ok = float(value).is_integer() and low <= value <= high
        elif ok:
            ok = low < value <= high
        if not ok:
            raise InvalidValueError(
                f"value {describe_value(value)} is not a {self.measure.value} score "
                f"({'a whole number in' if self.measure is Measure.SDMT else 'seconds in'} "
                f"{low:g}..{high:g})"
            )
        object.__setattr__(self, "value", float(value))
