"""The reader's reviewed knowledge (data/omop.toml): condition concept sets, and how a
drug_exposure.stop_reason text is read (through the library's switch-reason vocabulary)."""

from __future__ import annotations

import functools
import tomllib
from importlib import resources

import attrs

from dmt_timeline.errors import DmtTimelineError
from dmt_timeline.model import Condition, SwitchReason
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
    """The condition sets and the (folded) stop_reason texts that are no reason, of ``data/omop.toml``."""
    text = resources.files("dmt_timeline").joinpath("data/omop.toml").read_text(encoding="utf-8")
    document = tomllib.loads(text)
    conditions = tuple(
        ConditionSet(Condition(c["condition"]), str(c["snomed"]), str(c["source"]))
        for c in document["condition"]
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
