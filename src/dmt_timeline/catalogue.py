"""The therapy catalogue: MS disease-modifying therapies, their classes, ATC codes and aliases.

Look-ups are by name or alias, case-insensitive. The catalogue is an immutable value: add
your own entries with :meth:`Catalogue.extend`, which returns a new catalogue.
"""

from __future__ import annotations

import contextlib
import difflib
import enum
import os
import re
import tomllib
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Final, TypeVar

import attrs

from dmt_timeline.errors import InvalidValueError, UnknownTherapyError, describe_value, quoted

__all__ = [
    "CATALOGUE",
    "Catalogue",
    "Code",
    "Efficacy",
    "EfficacyTier",
    "MarketStatus",
    "Route",
    "Therapy",
    "TherapyClass",
    "load_catalogue",
]

_E = TypeVar("_E", bound=enum.Enum)


class TherapyClass(enum.Enum):
    """Mechanism classes of MS disease-modifying therapies."""

    INTERFERON_BETA = "interferon beta"
    GLATIRAMER_ACETATE = "glatiramer acetate"
    PYRIMIDINE_SYNTHESIS_INHIBITOR = "pyrimidine synthesis inhibitor"
    FUMARATE = "fumarate"
    S1P_MODULATOR = "S1P receptor modulator"
    PURINE_ANALOGUE = "purine analogue"
    ANTI_ALPHA4_INTEGRIN = "anti-alpha4 integrin"
    ANTI_CD52 = "anti-CD52"
    ANTI_CD20 = "anti-CD20"
    ANTI_CD25 = "anti-CD25"
    ANTHRACENEDIONE = "anthracenedione"


class Route(enum.Enum):
    """Routes of administration."""

    ORAL = "oral"
    SUBCUTANEOUS = "subcutaneous"
    INTRAMUSCULAR = "intramuscular"
    INTRAVENOUS = "intravenous"


class MarketStatus(enum.Enum):
    """Whether a therapy is licensed for MS."""

    APPROVED = "approved"
    OFF_LABEL = "off-label"
    WITHDRAWN = "withdrawn"


def _fold(name: str) -> str:
    """The form names are matched in: case-, space- and hyphen-insensitive."""
    return "".join(name.casefold().split()).replace("-", "").replace("_", "")


def _nonempty(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(f"therapy {attribute.name} {describe_value(value)} must be non-empty text")


@attrs.frozen
class Code:
    """One code of a therapy in a coding system, with where it comes from.

    Attributes:
        system: ``"ATC"``, ``"RxNorm"`` or ``"SNOMED CT"``.
        code: The code, e.g. ``"L04AA23"``.
        source: Where it was taken from (index, release, table).
        note: Why this code was chosen where sources disagree, if they do.
        confirmed: False for a code that no public list could confirm (kept, not looked up).
    """

    system: str
    code: str
    source: str
    note: str = ""
    confirmed: bool = attrs.field(default=True, kw_only=True)


class EfficacyTier(enum.Enum):
    """How effective a therapy is reckoned, in the two tiers treatment-strategy studies use."""

    MODERATE = "moderate"
    HIGH = "high"


@attrs.frozen
class Efficacy:
    """A therapy's efficacy tier, with its source.

    Attributes:
        tier: Moderate or high efficacy.
        source: The guideline or study that places it there.
        induction: Whether it is given as an induction (immune reconstitution) therapy: a short
            course whose effect outlasts it (alemtuzumab, cladribine).
    """

    tier: EfficacyTier
    source: str = attrs.field(validator=_nonempty)
    induction: bool = attrs.field(default=False, kw_only=True)


@attrs.frozen(repr=False)
class Therapy:
    """One DMT product family.

    Attributes:
        name: The canonical name, e.g. ``"natalizumab"``.
        label: A short label for tables and figures, e.g. ``"Nat"``.
        therapy_class: The mechanism class.
        atc: The WHO ATC code used for MS (``None`` only for an unspecified formulation).
        routes: Routes of administration.
        aliases: Other names real tables use: abbreviations and brand names.
        status: Whether it is licensed for MS, used off-label, or withdrawn.
        dosing_interval_days: For infusion and course therapies, the usual interval between
            doses; exposure-to-episode building uses it as the persistence window.
        rxnorm: RxNorm ingredient code (RxCUI), where known.
        codes: Every code the catalogue holds for it, each with its source.
        efficacy: Its efficacy tier and source, where the catalogue gives one.
    """

    name: str = attrs.field(validator=_nonempty)
    label: str = attrs.field(validator=_nonempty)
    therapy_class: TherapyClass
    atc: str | None
    routes: tuple[Route, ...]
    aliases: tuple[str, ...] = ()
    status: MarketStatus = MarketStatus.APPROVED
    dosing_interval_days: int | None = None
    rxnorm: str | None = None
    codes: tuple[Code, ...] = ()
    efficacy: Efficacy | None = attrs.field(default=None, kw_only=True)

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the therapy answers to: canonical name, label, ATC and RxNorm codes, aliases."""
        extra = tuple(code for code in (self.atc, self.rxnorm) if code)
        return (self.name, self.label, *extra, *self.aliases)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        # The full record is one catalogue look-up away; reprs of episodes stay readable.
        return f"Therapy({self.name!r})"


@attrs.frozen
class Catalogue:
    """An immutable set of therapies with case-insensitive look-up by any of their names."""

    therapies: tuple[Therapy, ...]
    _index: dict[str, Therapy] = attrs.field(init=False, repr=False, eq=False)
    _words: tuple[re.Pattern[str], dict[str, Therapy]] | None = attrs.field(
        init=False, default=None, repr=False, eq=False
    )

    def __attrs_post_init__(self) -> None:
        index: dict[str, Therapy] = {}
        owner: dict[str, int] = {}  # by position, so that a repeated entry is a clash too
        for position, therapy in enumerate(self.therapies):
            for name in therapy.names:
                key = _fold(name)
                other = owner.setdefault(key, position)
                if other != position:
                    raise InvalidValueError(
                        f"catalogue: name {name!r} of {therapy.name!r} is already used by "
                        f"{self.therapies[other].name!r}"
                    )
                index[key] = therapy
        object.__setattr__(self, "_index", index)

    def get(self, name: str) -> Therapy:
        """The therapy called ``name`` (any of its names, any case).

        Raises:
            UnknownTherapyError: when no therapy answers to the name; the message suggests
                close matches.
        """
        if isinstance(name, Therapy):
            return name
        if not isinstance(name, str):
            raise UnknownTherapyError(
                f"therapy {describe_value(name)}: expected a name such as 'natalizumab'"
            )
        found = self._index.get(_fold(name))
        if found is not None:
            return found
        close = difflib.get_close_matches(_fold(name), list(self._index), n=10, cutoff=0.6)
        # Several names of one therapy can match; suggest each therapy once.
        suggestions = list(dict.fromkeys(self._index[c].name for c in close))[:3]
        hint = (
            f"; did you mean {', '.join(repr(s) for s in suggestions)}?"
            if suggestions
            else "; add it with Catalogue.extend()"
        )
        raise UnknownTherapyError(f"unknown therapy {describe_value(name)}{hint}")

    __getitem__ = get

    def named_in(self, text: str) -> list[Therapy]:
        """The therapies named as whole words in ``text`` (any case), in order, each once.

        A name, or an alias of at least four characters with a lower-case letter: brand names
        such as ``Tysabri`` count, abbreviations such as ``NTZ`` or ``GA`` do not, since they
        are too likely to be part of something else. So ``Tysabri 300 MG in 15 ML Injection``
        names natalizumab.
        """
        if self._words is None:
            owners: dict[str, Therapy] = {}
            for therapy in self.therapies:
                for term in _word_terms(therapy):
                    owners.setdefault(term.casefold(), therapy)
            # Longest first, so that "interferon beta-1a" wins over "interferon beta".
            alternatives = "|".join(re.escape(t) for t in sorted(owners, key=len, reverse=True))
            pattern = re.compile(rf"(?<![0-9a-z])(?:{alternatives})(?![0-9a-z])")
            object.__setattr__(self, "_words", (pattern, owners))
        assert self._words is not None
        pattern, owners = self._words
        # Keyed by name: hashing or comparing therapies compares every field.
        found: dict[str, Therapy] = {}
        for match in pattern.finditer(text.casefold()):
            therapy = owners[match.group(0)]
            found.setdefault(therapy.name, therapy)
        return list(found.values())

    def resolve(self, text: str) -> Therapy:
        """The therapy ``text`` names: one of its names (:meth:`get`), else a product or brand
        string that names exactly one therapy as a whole word (:meth:`named_in`), as EHRs and
        pharmacies write them (``Copaxone 40mg/ml``, ``Ocrevus 300 mg``).

        Raises:
            UnknownTherapyError: when the text names no therapy (with close names suggested),
                or names two.
        """
        if isinstance(text, str) and text not in self and len(text) <= _LONGEST_TEXT:
            named = self.named_in(text)
            if len(named) == 1:
                return named[0]
            if named:
                listed = " and ".join(repr(t.name) for t in named)
                raise UnknownTherapyError(f"therapy {describe_value(text)} names {listed}")
        return self.get(text)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _fold(name) in self._index

    def __iter__(self) -> Iterator[Therapy]:
        return iter(self.therapies)

    def __len__(self) -> int:
        return len(self.therapies)

    def by_code(self, system: str, code: str) -> Therapy | None:
        """The therapy holding ``code`` in ``system`` (``"ATC"``, ``"RxNorm"``, ``"SNOMED CT"``),
        confirmed codes only; None when no therapy holds it."""
        for therapy in self.therapies:
            for held in therapy.codes:
                if held.confirmed and held.system == system and held.code == code:
                    return therapy
        return None

    def of_class(self, therapy_class: TherapyClass) -> tuple[Therapy, ...]:
        """Every therapy of one mechanism class."""
        return tuple(t for t in self.therapies if t.therapy_class is therapy_class)

    def extend(self, *therapies: Therapy | Iterable[Therapy]) -> Catalogue:
        """A new catalogue with more therapies; a name clash with an existing entry is refused."""
        added: list[Therapy] = []
        for item in therapies:
            added.extend([item] if isinstance(item, Therapy) else item)
        return Catalogue((*self.therapies, *added))


_SHORTEST_ALIAS: Final = 4
_LONGEST_TEXT: Final = 1000
"""Longer text is no product name: it is looked up by name only (and refused)."""


def _word_terms(therapy: Therapy) -> list[str]:
    terms = [therapy.name]
    for alias in therapy.aliases:
        # Abbreviations (NTZ, GA, DMF, FTY720) and codes are too likely to be a word of something else.
        if len(alias) >= _SHORTEST_ALIAS and any(c.islower() for c in alias):
            terms.append(alias)
    return terms


_SYSTEMS: Final = ("ATC", "RxNorm", "SNOMED CT")
_FIELDS: Final = frozenset(
    {
        "name",
        "label",
        "class",
        "routes",
        "aliases",
        "status",
        "dosing_interval_days",
        "atc",
        "rxnorm",
        "codes",
        "efficacy",
    }
)


def _problem(entry: int, name: object, text: str) -> InvalidValueError:
    return InvalidValueError(f"therapy catalogue: entry {entry} ({quoted(name)}): {text}")


def _code(entry: int, name: object, field: str, value: object, system: str | None) -> Code:
    if not isinstance(value, dict):
        raise _problem(entry, name, f"{field} must be a table with code and source")
    unknown = set(value) - {"system", "code", "source", "note", "confirmed"}
    if unknown:
        raise _problem(entry, name, f"{field} has unknown key(s) {', '.join(sorted(map(quoted, unknown)))}")
    system = value.get("system", system)
    code, source, note = value.get("code"), value.get("source"), value.get("note", "")
    confirmed = value.get("confirmed", True)
    if system not in _SYSTEMS:
        raise _problem(entry, name, f"{field}: system {quoted(system)} is not one of {', '.join(_SYSTEMS)}")
    for key, text in (("code", code), ("source", source)):
        if not isinstance(text, str) or not text.strip():
            raise _problem(entry, name, f"{field}: {key} must be non-empty text")
    if not isinstance(note, str) or not isinstance(confirmed, bool):
        raise _problem(entry, name, f"{field}: note must be text and confirmed true or false")
    assert isinstance(code, str)
    assert isinstance(source, str)
    assert isinstance(system, str)
    return Code(system, code, source, note, confirmed=confirmed)


def _texts(entry: int, name: object, field: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _problem(entry, name, f"{field} must be a list of text")
    return tuple(value)


def _enum(entry: int, name: object, field: str, kind: type[_E], value: object) -> _E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in kind)
        raise _problem(entry, name, f"{field} {quoted(value)} is not one of {allowed}") from None


def _efficacy(entry: int, name: object, value: object) -> Efficacy:
    if not isinstance(value, dict):
        raise _problem(entry, name, "efficacy must be a table with tier and source")
    unknown = set(value) - {"tier", "source", "induction"}
    if unknown:
        raise _problem(entry, name, f"efficacy has unknown key(s) {', '.join(sorted(map(quoted, unknown)))}")
    source, induction = value.get("source"), value.get("induction", False)
    if not isinstance(source, str) or not source.strip():
        raise _problem(entry, name, "efficacy: source must be non-empty text")
    if not isinstance(induction, bool):
        raise _problem(entry, name, f"efficacy: induction {quoted(induction)} is not true or false")
    tier = _enum(entry, name, "efficacy: tier", EfficacyTier, value.get("tier"))
    return Efficacy(tier, source, induction=induction)


def _therapy(entry: int, record: object) -> Therapy:
    if not isinstance(record, dict):
        raise _problem(entry, None, "must be a table")
    name = record.get("name")
    unknown = set(record) - _FIELDS
    if unknown:
        raise _problem(entry, name, f"unknown field(s) {', '.join(sorted(map(quoted, unknown)))}")
    for field in ("name", "label", "class", "routes"):
        if field not in record:
            raise _problem(entry, name, f"{field} is missing")
    atc = _code(entry, name, "atc", record["atc"], "ATC") if "atc" in record else None
    rxnorm = _code(entry, name, "rxnorm", record["rxnorm"], "RxNorm") if "rxnorm" in record else None
    extra = record.get("codes", [])
    if not isinstance(extra, list):
        raise _problem(entry, name, "codes must be a list of tables")
    codes = tuple(c for c in (atc, rxnorm) if c is not None) + tuple(
        _code(entry, name, f"codes[{i}]", c, None) for i, c in enumerate(extra)
    )
    routes = _texts(entry, name, "routes", record["routes"])
    if not isinstance(name, str):
        raise _problem(entry, name, "name must be text")
    interval = record.get("dosing_interval_days")
    if interval is not None and (not isinstance(interval, int) or isinstance(interval, bool) or interval < 1):
        raise _problem(entry, name, "dosing_interval_days must be a whole number of days, at least 1")
    efficacy = _efficacy(entry, name, record["efficacy"]) if "efficacy" in record else None
    try:
        return Therapy(
            name,
            record["label"],
            _enum(entry, name, "class", TherapyClass, record["class"]),
            atc.code if atc else None,
            tuple(_enum(entry, name, "routes", Route, r) for r in routes),
            _texts(entry, name, "aliases", record.get("aliases", [])),
            _enum(entry, name, "status", MarketStatus, record.get("status", "approved")),
            interval,
            rxnorm.code if rxnorm and rxnorm.confirmed else None,
            codes,
            efficacy=efficacy,
        )
    except InvalidValueError as exc:
        raise _problem(entry, name, str(exc)) from None


def load_catalogue(path: str | os.PathLike[str] | None = None) -> Catalogue:
    """A catalogue read from a TOML file of ``[[therapy]]`` tables (the shipped one by default).

    The file's schema is described at the top of ``dmt_timeline/data/therapies.toml``; an
    ingredient RxCUI that is not ``confirmed`` is kept among the codes but not looked up.

    Raises:
        InvalidValueError: naming the entry and field of the first problem, or a name clash.
    """
    if path is None:
        text = resources.files("dmt_timeline").joinpath("data/therapies.toml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    document: dict[str, object] | None = None
    # Refused below, outside the handler, so that no exception chain holds the file's text.
    with contextlib.suppress(tomllib.TOMLDecodeError):
        document = tomllib.loads(text)
    if document is None:
        raise InvalidValueError("therapy catalogue: not valid TOML")
    records = document.get("therapy")
    if not isinstance(records, list) or set(document) != {"therapy"}:
        raise InvalidValueError("therapy catalogue: expected only [[therapy]] tables")
    return Catalogue(tuple(_therapy(i, r) for i, r in enumerate(records, start=1)))


CATALOGUE: Final = load_catalogue()
"""The shipped catalogue: ``dmt_timeline/data/therapies.toml``, a reviewed data file whose
comments give each code's source and the choices made where sources disagree."""
