"""Switch reasons as tables write them: standard categories, spellings, and the user's crosswalk.

Every :class:`~dmt_timeline.SwitchReason` belongs to one of the eight standard categories of
stopping an MS disease-modifying therapy (:class:`StopCategory`: adverse event, increased risk
of adverse event, lack of efficacy, disease progression, patient choice, pregnancy, other,
unknown). The bundled study's codes are reasons of their own within those categories
(``JCV+`` is an increased risk of PML; ``Ps`` is a worsened comorbidity, an adverse event),
so reading them loses nothing.

Cells are read by :func:`read_reasons` (or a :class:`ReasonReader` built once with a user's
crosswalk), which knows the spellings of the reviewed data file
``vocabularies/switch_reasons.toml`` (``intolerance``, ``side effects``, ``AE``,
``lack of efficacy``, ``progression``, ``patient decision``, ``planning pregnancy``,
``JCV positive``, ``PML risk``...). Case, spaces, hyphens, underscores and dots are ignored.
A value it does not know is refused by name, with the closest spellings it does know.
"""

from __future__ import annotations

import difflib
import enum
import functools
import re
import tomllib
from collections.abc import Mapping
from importlib.resources import files
from typing import Any, Final

import attrs

from dmt_timeline.errors import CohortFormatError, InvalidValueError, quoted
from dmt_timeline.model import SwitchReason

__all__ = [
    "MAX_REASON_TEXT",
    "ReasonReader",
    "StopCategory",
    "category",
    "meaning",
    "read_reasons",
    "reason_spellings",
]

MAX_REASON_TEXT: Final = 1000
"""The longest stop-reason cell read (longer cells are refused unread)."""


class StopCategory(enum.Enum):
    """The eight standard categories of stopping an MS disease-modifying therapy.

    As recorded across UK MS centres (J Neurol Neurosurg Psychiatry 2022;93(9):e2.111), where
    disease progression is written "onset of progressive disease" and pregnancy "pregnancy /
    pre-conceptual care".
    """

    ADVERSE_EVENT = "adverse event"
    INCREASED_RISK_OF_ADVERSE_EVENT = "increased risk of adverse event"
    LACK_OF_EFFICACY = "lack of efficacy"
    DISEASE_PROGRESSION = "disease progression"
    PATIENT_CHOICE = "patient choice"
    PREGNANCY = "pregnancy"
    OTHER = "other"
    UNKNOWN = "unknown"


# Case, whitespace, hyphens, underscores and dots carry no meaning in a reason's spelling.
_NOISE: Final = re.compile(r"[\s\-_.]+")
_SEPARATORS: Final = re.compile(r"[,;/]")


def _fold(text: str) -> str:
    return _NOISE.sub("", text).casefold()


@attrs.frozen
class _Entry:
    reason: SwitchReason
    category: StopCategory
    meaning: str
    spellings: tuple[str, ...]


@attrs.frozen
class _Vocabulary:
    entries: Mapping[SwitchReason, _Entry]
    spellings: Mapping[str, SwitchReason]  # folded spelling -> reason
    shown: Mapping[str, str]  # folded spelling -> the spelling as the data file writes it
    not_applicable: frozenset[str]


def _load(data: Mapping[str, Any]) -> _Vocabulary:
    """The vocabulary of a parsed data file, checked whole (a bad file is a bug, named)."""
    codes = {r.value: r for r in SwitchReason}
    categories = {c.value: c for c in StopCategory}
    entries: dict[SwitchReason, _Entry] = {}
    spellings: dict[str, SwitchReason] = {}
    shown: dict[str, str] = {}
    for item in data["reason"]:
        reason, group = codes[item["code"]], categories[item["category"]]
        entries[reason] = _Entry(reason, group, item["meaning"], tuple(item["spellings"]))
        for spelling in (reason.value, *item["spellings"]):
            key = _fold(spelling)
            if spellings.get(key, reason) is not reason:
                raise CohortFormatError(f"switch reasons: spelling {spelling!r} names two reasons")
            spellings[key] = reason
            shown.setdefault(key, spelling)
    missing = [r.value for r in SwitchReason if r not in entries]
    if missing:
        raise CohortFormatError(f"switch reasons: no entry for {', '.join(missing)}")
    not_applicable = frozenset(_fold(s) for s in data["not_applicable"])
    return _Vocabulary(entries, spellings, shown, not_applicable)


@functools.cache
def _vocabulary() -> _Vocabulary:
    text = files("dmt_timeline").joinpath("vocabularies", "switch_reasons.toml").read_text("utf-8")
    return _load(tomllib.loads(text))


def category(reason: SwitchReason) -> StopCategory:
    """The standard category a reason belongs to (also :attr:`SwitchReason.category`)."""
    return _vocabulary().entries[reason].category


def meaning(reason: SwitchReason) -> str:
    """What a reason says, in words (also :attr:`SwitchReason.meaning`)."""
    return _vocabulary().entries[reason].meaning


def reason_spellings() -> dict[str, SwitchReason]:
    """Every spelling understood, as the data file writes it, with the reason it names."""
    vocabulary = _vocabulary()
    return {vocabulary.shown[key]: reason for key, reason in vocabulary.spellings.items()}


def _target(vocabulary: _Vocabulary, key: str, value: SwitchReason | StopCategory | str) -> SwitchReason:
    if isinstance(value, SwitchReason):
        return value
    if isinstance(value, StopCategory):
        return _CATEGORY_REASON[value]
    if isinstance(value, str):
        found = vocabulary.spellings.get(_fold(value))
        if found is not None:
            return found
        hint = _suggest(value, vocabulary.shown, vocabulary.spellings)
        raise InvalidValueError(f"reason crosswalk {quoted(key)}: {quoted(value)} is not a reason{hint}")
    raise InvalidValueError(f"reason crosswalk {quoted(key)}: expected a reason, its code or a spelling")


# A category named in a crosswalk is read as the reason that says exactly that category.
_CATEGORY_REASON: Final = {
    StopCategory.ADVERSE_EVENT: SwitchReason.ADVERSE_EVENT,
    StopCategory.INCREASED_RISK_OF_ADVERSE_EVENT: SwitchReason.INCREASED_RISK,
    StopCategory.LACK_OF_EFFICACY: SwitchReason.LOSS_OF_EFFECTIVENESS,
    StopCategory.DISEASE_PROGRESSION: SwitchReason.DISEASE_PROGRESSION,
    StopCategory.PATIENT_CHOICE: SwitchReason.PATIENT_CHOICE,
    StopCategory.PREGNANCY: SwitchReason.PREGNANCY,
    StopCategory.OTHER: SwitchReason.OTHER,
    StopCategory.UNKNOWN: SwitchReason.UNKNOWN,
}


def _suggest(text: str, shown: Mapping[str, str], lookup: Mapping[str, SwitchReason]) -> str:
    close = difflib.get_close_matches(_fold(text), list(shown), n=10, cutoff=0.75)
    # Several spellings of one reason can be close ("side effect", "side effects"): one each.
    by_reason = {lookup[c]: c for c in reversed(close)}
    close = [c for c in close if by_reason[lookup[c]] == c][:3]
    if not close:
        return ""
    return "; did you mean " + " or ".join(quoted(shown[c]) for c in close) + "?"


def _crosswalk(
    value: Mapping[str, SwitchReason | StopCategory | str] | None,
) -> tuple[tuple[str, SwitchReason], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise InvalidValueError("reason crosswalk: expected a mapping of a table's spelling to a reason")
    vocabulary = _vocabulary()
    checked: list[tuple[str, SwitchReason]] = []
    for key, target in value.items():
        if not isinstance(key, str) or not _fold(key):
            raise InvalidValueError(f"reason crosswalk: key {quoted(key)} is not a spelling")
        checked.append((key, _target(vocabulary, key, target)))
    return tuple(checked)


@attrs.frozen
class ReasonReader:
    """Reads stop-reason cells with the vocabulary's spellings and a user's crosswalk.

    Build one per table, so the crosswalk is checked once:
    ``ReasonReader({"GI side effects": "adverse event"})``. A crosswalk maps a table's own
    spelling to a reason: a :class:`~dmt_timeline.SwitchReason`, a :class:`StopCategory`, or
    any spelling the vocabulary knows. It is consulted before the vocabulary, so it can also
    re-map a spelling the vocabulary reads otherwise.

    Attributes:
        crosswalk: The user's spellings and the reasons they name.
    """

    crosswalk: tuple[tuple[str, SwitchReason], ...] = attrs.field(default=None, converter=_crosswalk)
    _lookup: dict[str, SwitchReason] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        folded = {_fold(key): reason for key, reason in self.crosswalk}
        object.__setattr__(self, "_lookup", {**_vocabulary().spellings, **folded})

    def one(self, text: str) -> SwitchReason | None:
        """The reason one spelling names, or None for not applicable (``NA``)."""
        key = _fold(text.rstrip().rstrip("*"))  # a trailing footnote marker ("JCV+*") is not the reason
        if key in _vocabulary().not_applicable:
            return None
        found = self._lookup.get(key)
        if found is None:
            shown = {**_vocabulary().shown, **{_fold(k): k for k, _ in self.crosswalk}}
            hint = _suggest(text, shown, self._lookup) or " (map it to a reason with a crosswalk)"
            raise InvalidValueError(f"stop reason {quoted(text.strip())} is not known{hint}")
        return found

    def __call__(self, text: str) -> tuple[SwitchReason, ...]:
        """Read a cell: one reason, or several separated by ``,``, ``;`` or ``/``.

        A blank cell and ``NA`` give no reasons. The whole cell is tried as one spelling first
        (``pregnancy/pre-conceptual care``, or a crosswalk key with a comma).

        Raises:
            InvalidValueError: naming the first unknown reason, with close spellings.
        """
        if not isinstance(text, str):
            raise InvalidValueError("stop reasons: expected text such as 'LOE, Ps'")
        if len(text) > MAX_REASON_TEXT:
            raise InvalidValueError(f"stop reasons {quoted(text)}: longer than {MAX_REASON_TEXT} characters")
        if not text.strip():
            return ()
        whole = _fold(text.rstrip().rstrip("*"))
        if whole in self._lookup or whole in _vocabulary().not_applicable:
            found = self.one(text)
            return () if found is None else (found,)
        reasons: list[SwitchReason] = []
        for part in _SEPARATORS.split(text):
            if not part.strip():
                continue
            reason = self.one(part)
            if reason is not None and reason not in reasons:
                reasons.append(reason)
        return tuple(reasons)


def read_reasons(
    text: str, *, crosswalk: Mapping[str, SwitchReason | StopCategory | str] | None = None
) -> tuple[SwitchReason, ...]:
    """Read a stop-reason cell in any spelling the vocabulary or ``crosswalk`` knows.

    ``read_reasons("side effects; JCV positive")`` is ``(ADVERSE_EVENT, SAFETY_RISK)``. For many
    cells, build a :class:`ReasonReader` once instead.

    Raises:
        InvalidValueError: naming an unknown reason, with close spellings.
    """
    return ReasonReader(crosswalk)(text)
