"""Drug eras: the persistence window, the era modes, and the counts an era carries.

Exposures of one therapy for one person join an era when the next start is at most the
window after the latest end so far. Two modes choose the window:

- ``EraMode.CATALOGUE`` (the default): the default window (``persistence_days``: 30 days) is
  widened to the catalogue's ``dosing_interval_days`` for a therapy given at longer intervals
  (natalizumab every 28 days, anti-CD20 every 6 months, cladribine and alemtuzumab yearly), and
  a window given for a therapy overrides both. An infusion every six months is then one era,
  not one era per dose.
- ``EraMode.OMOP``: one window for every drug (30 days unless ``persistence_days`` says
  otherwise) and no widening or per-therapy windows, which gives exactly the OMOP CDM's
  ``drug_era`` as the DRUG_ERA script of the OMOP CDM documentation builds it (its exposures
  rolled up to ingredients, one therapy per ingredient). Natalizumab every 42 days or an
  anti-CD20 course every 6 months is then one era per dose.

Both modes count, for each era, ``exposure_count`` (OMOP's ``drug_exposure_count``: the
exposures in the era, duplicates included) and ``gap_days`` as the OMOP script defines it:
exposures that overlap or touch (the next start on or before the latest end so far) are first
merged into sub-exposures; ``gap_days`` is the era's length (end minus start, in days) minus
the sum of the sub-exposures' lengths (each end minus start), that is the sum of the
differences between each sub-exposure's start and the previous one's end. With no gap it is 0.

:func:`dmt_timeline.io.build_episodes` (one object per exposure) and
:func:`dmt_timeline.batch.exposure_transitions` (columns of day numbers) both take their
windows from :func:`persistence_window`, so the two cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping

import attrs

from dmt_timeline.catalogue import Therapy
from dmt_timeline.errors import InvalidValueError, quoted

__all__ = ["Era", "EraMode", "check_windows", "era_mode", "persistence_window"]


class EraMode(enum.Enum):
    """How the persistence window of a drug era is chosen (see the module's docstring)."""

    CATALOGUE = "catalogue"
    OMOP = "omop"


def era_mode(value: EraMode | str) -> EraMode:
    """An :class:`EraMode` from itself or its value (``"catalogue"``, ``"omop"``).

    Raises:
        InvalidValueError: naming the value and the modes.
    """
    if isinstance(value, EraMode):
        return value
    try:
        return EraMode(value)
    except ValueError:
        pass
    raise InvalidValueError(f"era_mode {quoted(value)} is not 'catalogue' or 'omop'")


def persistence_window(
    therapy: Therapy, default: int, overrides: Mapping[Therapy, int], mode: EraMode = EraMode.CATALOGUE
) -> int:
    """The persistence window of ``therapy`` in days.

    Args:
        therapy: The therapy whose exposures are collapsed into eras.
        default: The window of a therapy without a longer dosing interval (and of every therapy
            in OMOP mode).
        overrides: Windows given per therapy, which replace the rule (catalogue mode only).
        mode: The era mode.
    """
    if mode is EraMode.OMOP:
        return default
    if therapy in overrides:
        return overrides[therapy]
    return max(default, therapy.dosing_interval_days or 0)


def check_windows(mode: EraMode, windows: Mapping[str, int] | None) -> None:
    """Refuse per-therapy windows in OMOP mode, whose window is the same for every drug."""
    if mode is EraMode.OMOP and windows:
        raise InvalidValueError(
            "windows: OMOP era mode has one persistence window for every drug; "
            "pass persistence_days, or use era_mode='catalogue' for per-therapy windows"
        )


@attrs.frozen
class Era:
    """One era of one therapy for one person, with OMOP's counts.

    Attributes:
        person_id: The person.
        therapy: The therapy's canonical name.
        start: The first exposure's start.
        end: The latest exposure end.
        exposure_count: How many exposures the era joins (OMOP ``drug_exposure_count``).
        gap_days: Days between its sub-exposures, as OMOP's ``gap_days`` (module docstring).
    """

    person_id: str
    therapy: str
    start: dt.date
    end: dt.date
    exposure_count: int
    gap_days: int
