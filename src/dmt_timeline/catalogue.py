"""The therapy catalogue: MS disease-modifying therapies, their classes, ATC codes and aliases.

Look-ups are by name or alias, case-insensitive. The catalogue is an immutable value: add
your own entries with :meth:`Catalogue.extend`, which returns a new catalogue.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable, Iterator
from typing import Final

import attrs

from dmt_timeline.errors import InvalidValueError, UnknownTherapyError

__all__ = [
    "CATALOGUE",
    "Catalogue",
    "MarketStatus",
    "Route",
    "Therapy",
    "TherapyClass",
]


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
        raise InvalidValueError(f"therapy {attribute.name} {value!r} must be non-empty text")


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
            raise UnknownTherapyError(f"therapy {name!r}: expected a name such as 'natalizumab'")
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
        raise UnknownTherapyError(f"unknown therapy {name!r}{hint}")

    __getitem__ = get

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _fold(name) in self._index

    def __iter__(self) -> Iterator[Therapy]:
        return iter(self.therapies)

    def __len__(self) -> int:
        return len(self.therapies)

    def of_class(self, therapy_class: TherapyClass) -> tuple[Therapy, ...]:
        """Every therapy of one mechanism class."""
        return tuple(t for t in self.therapies if t.therapy_class is therapy_class)

    def extend(self, *therapies: Therapy | Iterable[Therapy]) -> Catalogue:
        """A new catalogue with more therapies; a name clash with an existing entry is refused."""
        added: list[Therapy] = []
        for item in therapies:
            added.extend([item] if isinstance(item, Therapy) else item)
        return Catalogue((*self.therapies, *added))


_SC, _IM, _IV, _PO = Route.SUBCUTANEOUS, Route.INTRAMUSCULAR, Route.INTRAVENOUS, Route.ORAL
_C = TherapyClass

# ATC codes are those of the WHO index before its 2024 revision, which moved several MS
# agents out of L04AA into new groups (S1P modulators to L04AE, monoclonal antibodies to
# L04AG, teriflunomide to L04AK); both spellings appear in real data, so the newer codes
# that we are sure of are kept as aliases. Ublituximab had no code before 2024, so its
# 2024 code is its main one. Rituximab keeps its pre-2022 code L01XC02; its code since
# the 2022 revision, L01FA01, is an alias.
#
# RxNorm codes are ingredient RxCUIs (term type IN), kept only where a public code list and an
# independent recollection agree; the others (interferons, glatiramer, diroximel fumarate,
# ponesimod, ublituximab, daclizumab) stay unset until checked against RxNav.
CATALOGUE: Final = Catalogue(
    (
        Therapy(
            "interferon beta",
            "IFNb",
            _C.INTERFERON_BETA,
            None,
            (_SC, _IM),
            ("IFN", "IFN-b", "IFN beta", "IFNB", "interferon-beta", "beta interferon"),
        ),
        Therapy(
            "interferon beta-1a",
            "IFNb-1a",
            _C.INTERFERON_BETA,
            "L03AB07",
            (_IM, _SC),
            ("IFNb1a", "Avonex", "Rebif"),
        ),
        Therapy(
            "interferon beta-1b",
            "IFNb-1b",
            _C.INTERFERON_BETA,
            "L03AB08",
            (_SC,),
            ("IFNb1b", "Betaseron", "Betaferon", "Extavia"),
        ),
        Therapy(
            "peginterferon beta-1a",
            "pegIFN",
            _C.INTERFERON_BETA,
            "L03AB13",
            (_SC, _IM),
            ("pegIFNb", "Plegridy"),
        ),
        Therapy(
            "glatiramer acetate",
            "GA",
            _C.GLATIRAMER_ACETATE,
            "L03AX13",
            (_SC,),
            ("glatiramer", "Copaxone", "Glatopa", "GLAT"),
        ),
        Therapy(
            "teriflunomide",
            "TFL",
            _C.PYRIMIDINE_SYNTHESIS_INHIBITOR,
            "L04AA31",
            (_PO,),
            ("TERI", "Aubagio", "L04AK02"),
            rxnorm="1310520",
        ),
        Therapy(
            "dimethyl fumarate",
            "DMF",
            _C.FUMARATE,
            "L04AX07",
            (_PO,),
            ("Tecfidera", "BG-12"),
            rxnorm="1373478",
        ),
        Therapy(
            "diroximel fumarate",
            "DRF",
            _C.FUMARATE,
            "L04AX09",
            (_PO,),
            ("Vumerity",),
        ),
        Therapy(
            "fingolimod",
            "Fing",
            _C.S1P_MODULATOR,
            "L04AA27",
            (_PO,),
            ("FTY720", "FTY", "Gilenya", "L04AE01"),
            rxnorm="1012892",
        ),
        Therapy(
            "siponimod",
            "Sipo",
            _C.S1P_MODULATOR,
            "L04AA42",
            (_PO,),
            ("Mayzent", "L04AE03"),
            rxnorm="2121085",
        ),
        Therapy(
            "ozanimod",
            "Oza",
            _C.S1P_MODULATOR,
            "L04AA38",
            (_PO,),
            ("Zeposia", "L04AE02"),
            rxnorm="2288236",
        ),
        Therapy(
            "ponesimod",
            "Pone",
            _C.S1P_MODULATOR,
            "L04AA50",
            (_PO,),
            ("Ponvory", "L04AE04"),
        ),
        Therapy(
            "cladribine",
            "Clad",
            _C.PURINE_ANALOGUE,
            "L04AA40",
            (_PO,),
            ("CLAD", "Mavenclad"),
            dosing_interval_days=365,
            rxnorm="44157",
        ),
        Therapy(
            "natalizumab",
            "Nat",
            _C.ANTI_ALPHA4_INTEGRIN,
            "L04AA23",
            (_IV, _SC),
            ("NTZ", "Tysabri", "Tyruko", "L04AG03"),
            dosing_interval_days=28,
            rxnorm="354770",
        ),
        Therapy(
            "alemtuzumab",
            "Alem",
            _C.ANTI_CD52,
            "L04AA34",
            (_IV,),
            ("ALZ", "Lemtrada", "L04AG06"),
            dosing_interval_days=365,
            rxnorm="117055",
        ),
        Therapy(
            "ocrelizumab",
            "OCR",
            _C.ANTI_CD20,
            "L04AA36",
            (_IV, _SC),
            ("Ocrevus", "L04AG08"),
            dosing_interval_days=182,
            rxnorm="1876366",
        ),
        Therapy(
            "ofatumumab",
            "OFA",
            _C.ANTI_CD20,
            "L04AA52",
            (_SC,),
            ("Kesimpta", "L04AG12"),
            dosing_interval_days=28,
            rxnorm="712566",
        ),
        Therapy(
            "ublituximab",
            "UBL",
            _C.ANTI_CD20,
            "L04AG14",
            (_IV,),
            ("Briumvi",),
            dosing_interval_days=182,
        ),
        Therapy(
            "rituximab",
            "RTX",
            _C.ANTI_CD20,
            "L01XC02",
            (_IV,),
            ("Rituxan", "MabThera", "L01FA01"),
            MarketStatus.OFF_LABEL,
            dosing_interval_days=182,
            rxnorm="121191",
        ),
        Therapy(
            "mitoxantrone",
            "MITO",
            _C.ANTHRACENEDIONE,
            "L01DB07",
            (_IV,),
            ("Novantrone", "MX"),
            rxnorm="7005",
        ),
        Therapy(
            "daclizumab",
            "DAC",
            _C.ANTI_CD25,
            "L04AC01",
            (_SC,),
            ("Zinbryta",),
            MarketStatus.WITHDRAWN,
        ),
    )
)
