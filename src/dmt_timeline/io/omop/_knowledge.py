"""The reader's reviewed knowledge: condition concept sets (the SNOMED CT codes of
data/conditions.toml), and how a drug_exposure.stop_reason text is read (data/omop.toml,
through the library's switch-reason vocabulary)."""

from __future__ import annotations

import functools
import tomllib
from importlib import resources

import attrs

from dmt_timeline.conditions import Condition
from dmt_timeline.errors import DmtTimelineError
from dmt_timeline.model import SwitchReason
from dmt_timeline.reasons import MAX_REASON_TEXT, read_reasons


def fold(text: str) -> str:
    """The form names and phrases are compared in: case-, space-, hyphen- and underscore-blind."""
    return "".join(text.casefold().split()).replace("-", "").replace("_", "")


@attrs.frozen
class ConditionSet:
    """A condition, and the SNOMED CT concept code whose descendants diagnose it."""

    condition: Condition
    snomed: str
    source: str


@functools.cache
def knowledge() -> tuple[tuple[ConditionSet, ...], frozenset[str]]:
    """The condition sets (each known condition's SNOMED CT codes) and the (folded) stop_reason
    texts of ``data/omop.toml`` that are no reason."""
    text = resources.files("dmt_timeline").joinpath("data/omop.toml").read_text(encoding="utf-8")
    document = tomllib.loads(text)
    conditions = tuple(
        ConditionSet(condition, code.code, code.source)
        for condition in Condition.known()
        for code in condition.codes
        if code.system == "SNOMED CT"
    )
    return conditions, frozenset(fold(k) for k in document["stop_reasons"]["no_reason"])


def stop_reasons(text: str | None) -> tuple[SwitchReason, ...] | None:
    """The switch reasons of a stop_reason text: () for none, None when it cannot be read."""
    if text is None or not text.strip():
        return ()
    if fold(text) in knowledge()[1]:
        return ()
    if len(text) > MAX_REASON_TEXT:
        return None
    try:
        return read_reasons(text)
    except DmtTimelineError:
        return None
