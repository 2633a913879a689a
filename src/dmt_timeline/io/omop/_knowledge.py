"""The reader's reviewed knowledge: condition concept sets and stop-reason phrases (data/omop.toml)."""

from __future__ import annotations

import functools
import tomllib
from importlib import resources

import attrs

from dmt_timeline.errors import DmtTimelineError
from dmt_timeline.model import Condition, SwitchReason, parse_reasons


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
def knowledge() -> tuple[tuple[ConditionSet, ...], dict[str, tuple[SwitchReason, ...]]]:
    """The condition sets and the stop-reason phrases (folded) of ``data/omop.toml``."""
    text = resources.files("dmt_timeline").joinpath("data/omop.toml").read_text(encoding="utf-8")
    document = tomllib.loads(text)
    conditions = tuple(
        ConditionSet(Condition(c["condition"]), str(c["snomed"]), str(c["source"]))
        for c in document["condition"]
    )
    phrases = {fold(k): parse_reasons(v) for k, v in document["stop_reasons"].items()}
    return conditions, phrases


def stop_reasons(text: str | None) -> tuple[SwitchReason, ...] | None:
    """The switch reasons of a stop_reason text: () for none, None when it cannot be read."""
    if text is None or not text.strip():
        return ()
    try:
        return parse_reasons(text)
    except DmtTimelineError:
        pass
    return knowledge()[1].get(fold(text))
