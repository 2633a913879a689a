"""Conditions: multiple sclerosis and any comorbidity, by name and optionally by code.

A :class:`Condition` is open: any name is a condition. The conditions of the reviewed data file
``data/conditions.toml`` are *known*: they have a canonical name, aliases and codes (SNOMED CT,
ICD-10, ICD-10-CM), and a name or alias of one, in any case and spacing, is that condition. Any
other name is kept as written (trimmed), and compares case- and space-insensitively.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from typing import Any, ClassVar, Final

import attrs

from dmt_timeline.catalogue import Code
from dmt_timeline.errors import InvalidValueError, describe_value, quoted

__all__ = ["CODE_SYSTEMS", "MAX_CONDITION_NAME", "Condition"]

MAX_CONDITION_NAME: Final = 200
"""The longest condition name accepted, in characters (a name, not a note)."""

CODE_SYSTEMS: Final = ("SNOMED CT", "ICD-10", "ICD-10-CM")
"""The code systems the reviewed data file uses; :meth:`Condition.by_code` reads these."""

_ICD: Final = frozenset({"ICD-10", "ICD-10-CM"})


def _fold(name: str) -> str:
    """The form names compare in: case- and space-insensitive."""
    return "".join(name.casefold().split())


def _unprintable(ch: str) -> bool:
    kind = unicodedata.category(ch)
    return kind[0] == "C" or kind in {"Zl", "Zp"}


def _text(value: object, what: str) -> str:
    """A trimmed, non-blank, printable, bounded text, or the library's error naming it."""
    if not isinstance(value, str):
        raise InvalidValueError(f"condition {what} {describe_value(value)} is not text")
    text = value.strip()
    if not text:
        raise InvalidValueError(f"condition {what} {quoted(value)} is blank")
    if len(text) > MAX_CONDITION_NAME:
        raise InvalidValueError(
            f"condition {what} {quoted(text)} has {len(text)} characters, more than {MAX_CONDITION_NAME}"
        )
    # Printable but for spaces of any width (a spreadsheet's no-break space is kept as written).
    if not text.isprintable() and any(_unprintable(ch) for ch in text):
        raise InvalidValueError(f"condition {what} {quoted(text)} holds a control character or line break")
    return text


def _code_key(system: str, code: str) -> tuple[str, str]:
    # ICD codes are written in either case (g35.1); SNOMED CT codes are digits.
    return (system, code.upper() if system in _ICD else code)


def _given_code(value: object) -> Code:
    if isinstance(value, Code):
        system, code = value.system, value.code
    elif isinstance(value, tuple) and len(value) == 2:
        system, code = value
    else:
        raise InvalidValueError(
            f"condition code {describe_value(value)} is not a Code or a (system, code) pair"
        )
    system, code = _text(system, "code system"), _text(code, "code")
    return (
        value
        if isinstance(value, Code) and (system, code) == (value.system, value.code)
        else Code(system, code, "")
    )


class _Known(type):
    """Iterating the class gives its known conditions, as the six-member enum it replaced did."""

    def __iter__(cls) -> Iterator[Condition]:
        return iter(_REGISTRY.conditions)

    def __len__(cls) -> int:
        return len(_REGISTRY.conditions)


@attrs.frozen(init=False, eq=False, repr=False)
class Condition(metaclass=_Known):
    """A condition a patient is diagnosed with or treated for: MS or any comorbidity.

    ``Condition("psoriasis")``, ``Condition(" Psoriasis ")`` and ``Condition.PSORIASIS`` are the
    same condition; ``Condition("myasthenia gravis")`` is an open condition, kept as written.
    Conditions compare by name, case- and space-insensitively, a known condition's aliases
    included (``Condition("IBD") == Condition.INFLAMMATORY_BOWEL_DISEASE``); codes do not take
    part in the comparison. The name decides which condition it is; :meth:`by_code` finds a
    known condition by one of its codes. Iterating the class (``list(Condition)``) gives the
    known conditions, as :meth:`known` does.

    Attributes:
        name: The canonical name of a known condition, or the name as given (trimmed).
        codes: Codes of the condition: a known condition's reviewed codes (each with its
            source), then any given with it.

    Raises:
        InvalidValueError: for a blank name, one longer than :data:`MAX_CONDITION_NAME`, one
            holding a control character, or a code that is another known condition's.
    """

    name: str
    codes: tuple[Code, ...]
    _key: str = attrs.field(init=False)  # the folded name: what equality compares

    MULTIPLE_SCLEROSIS: ClassVar[Condition]
    PSORIASIS: ClassVar[Condition]
    PSORIATIC_ARTHRITIS: ClassVar[Condition]
    INFLAMMATORY_BOWEL_DISEASE: ClassVar[Condition]
    RHEUMATOID_ARTHRITIS: ClassVar[Condition]
    UVEITIS: ClassVar[Condition]

    def __new__(cls, name: str, codes: Iterable[Code | tuple[str, str]] = ()) -> Condition:
        text = _text(name, "name")
        given = tuple(_given_code(c) for c in codes) if codes else ()
        known = _REGISTRY.by_name.get(_fold(text))
        for code in given:
            owner = _REGISTRY.lookup(code.system, code.code)
            if owner is not None and owner is not known:
                raise InvalidValueError(
                    f"condition {quoted(text)}: code {code.system} {quoted(code.code)} is {owner.name}"
                )
        if known is not None:
            extra = tuple(c for c in given if _code_key(c.system, c.code) not in _REGISTRY.keys_of(known))
            return known if not extra else cls._make(known.name, known.codes + extra)
        return cls._make(text, _unique(given))

    @classmethod
    def _make(cls, name: str, codes: tuple[Code, ...]) -> Condition:
        self = object.__new__(cls)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "codes", codes)
        object.__setattr__(self, "_key", _fold(name))
        return self

    @classmethod
    def known(cls) -> tuple[Condition, ...]:
        """The conditions of the reviewed data file, in its order (multiple sclerosis first)."""
        return _REGISTRY.conditions

    @classmethod
    def by_code(cls, system: str, code: str) -> Condition | None:
        """The known condition a code names, or None.

        Args:
            system: ``"SNOMED CT"``, ``"ICD-10"`` or ``"ICD-10-CM"``.
            code: The code; an ICD code below a listed one marked with subcodes (``G35.1``
                below ``G35``) names the same condition. ICD codes match in either case.
        """
        return _REGISTRY.lookup(system.strip(), code.strip())

    @property
    def is_known(self) -> bool:
        """True for a condition of the reviewed data file."""
        return self._key in _REGISTRY.by_name and _REGISTRY.by_name[self._key].name == self.name

    @property
    def aliases(self) -> tuple[str, ...]:
        """Other names of a known condition (empty for an open one)."""
        return _REGISTRY.aliases.get(self._key, ())

    @property
    def added_codes(self) -> tuple[Code, ...]:
        """The codes given with it beyond a known condition's reviewed ones (all of an open one's)."""
        known = _REGISTRY.by_name.get(self._key)
        if known is None or known.name != self.name:
            return self.codes
        return self.codes[len(known.codes) :]

    @property
    def value(self) -> str:
        """The name: what the condition enum's ``value`` was, kept for existing callers."""
        return self.name

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if isinstance(other, Condition):
            return self._key == other._key
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"Condition({self.name!r})"

    def __str__(self) -> str:
        return self.name

    def __reduce__(self) -> tuple[Any, ...]:
        return (Condition, (self.name, self.codes))


def _unique(codes: tuple[Code, ...]) -> tuple[Code, ...]:
    seen: dict[tuple[str, str], Code] = {}
    for code in codes:
        seen.setdefault(_code_key(code.system, code.code), code)
    return tuple(seen.values())


@attrs.frozen
class _Registry:
    """The reviewed conditions: by folded name or alias, and by code."""

    conditions: tuple[Condition, ...]
    by_name: Mapping[str, Condition]
    aliases: Mapping[str, tuple[str, ...]]
    codes: Mapping[tuple[str, str], tuple[Condition, bool]]

    def lookup(self, system: str, code: str) -> Condition | None:
        key = _code_key(system, code)
        found = self.codes.get(key)
        if found is not None:
            return found[0]
        if system not in _ICD:
            return None
        # G35.1 is below G35, L40.52 below L40.5: the longest listed head with subcodes wins.
        text = key[1]
        while len(text) > 1:
            text = text[:-1].rstrip(".")
            found = self.codes.get((system, text))
            if found is not None:
                return found[0] if found[1] else None
        return None

    def keys_of(self, condition: Condition) -> frozenset[tuple[str, str]]:
        return frozenset(_code_key(c.system, c.code) for c in condition.codes)


def _load() -> _Registry:
    text = resources.files("dmt_timeline").joinpath("data/conditions.toml").read_text(encoding="utf-8")
    document = tomllib.loads(text)
    conditions: list[Condition] = []
    by_name: dict[str, Condition] = {}
    aliases: dict[str, tuple[str, ...]] = {}
    codes: dict[tuple[str, str], tuple[Condition, bool]] = {}
    for item in document["condition"]:
        own = tuple(Code(str(c["system"]), str(c["code"]), str(c["source"])) for c in item["codes"])
        condition = Condition._make(str(item["name"]), own)
        conditions.append(condition)
        names = (condition.name, *item["aliases"])
        for name in names:
            if _fold(name) in by_name:
                raise AssertionError(f"data/conditions.toml: {name!r} names two conditions")
            by_name[_fold(name)] = condition
        aliases[condition._key] = tuple(item["aliases"])
        for c, code in zip(item["codes"], own, strict=True):
            if code.system not in CODE_SYSTEMS:
                raise AssertionError(f"data/conditions.toml: unknown system {code.system!r}")
            key = _code_key(code.system, code.code)
            if key in codes:
                raise AssertionError(f"data/conditions.toml: {key!r} names two conditions")
            codes[key] = (condition, bool(c.get("subcodes", False)))
    return _Registry(tuple(conditions), by_name, aliases, codes)


_REGISTRY: Final = _load()

Condition.MULTIPLE_SCLEROSIS = Condition("multiple sclerosis")
Condition.PSORIASIS = Condition("psoriasis")
Condition.PSORIATIC_ARTHRITIS = Condition("psoriatic arthritis")
Condition.INFLAMMATORY_BOWEL_DISEASE = Condition("inflammatory bowel disease")
Condition.RHEUMATOID_ARTHRITIS = Condition("rheumatoid arthritis")
Condition.UVEITIS = Condition("uveitis")
