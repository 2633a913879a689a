"""How each therapy is given, and how long its effect lasts: reviewed data with sources.

The bundled knowledge is ``data/regimens.toml`` in the package, one ``[[regimen]]`` per
catalogue therapy, every figure with its source; :data:`REGIMENS` is that file.
:func:`load_regimens` reads your own file or mapping of the same schema, and
:meth:`Regimens.override` replaces or adds entries, so any of it can be changed without editing
the package. A therapy with no entry is given continuously with no known carry-over.

The timeline uses it (see :meth:`Timeline.transitions <dmt_timeline.Timeline.transitions>`):
the next course or dose of a regimen given on schedule is one treatment, not a lag gap; a course
beyond the planned ones is a retreatment; a switch inside the previous therapy's effect window,
and a gap inside its recommended washout, are marked.
"""

from __future__ import annotations

import enum
import os
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any, Final

import attrs

from dmt_timeline.catalogue import CATALOGUE, Catalogue, Therapy
from dmt_timeline.errors import InvalidValueError, quoted

__all__ = [
    "REGIMENS",
    "Regimen",
    "RegimenKind",
    "Regimens",
    "Sourced",
    "load_regimens",
]


class RegimenKind(enum.Enum):
    """How a therapy is given."""

    CONTINUOUS = "continuous"
    INTERVAL = "interval"
    COURSES = "courses"


@attrs.frozen
class Sourced:
    """A figure (whole months, or a count) with where it comes from."""

    value: int
    source: str

    def __str__(self) -> str:
        return f"{self.value} ({self.source})"


@attrs.frozen
class Washout:
    """The recommended months between the last dose and the next therapy, with its source."""

    low: int
    high: int
    source: str


@attrs.frozen
class Regimen:
    """How one therapy is given, and its effect window.

    Attributes:
        therapy: The catalogue therapy's name.
        kind: Continuous, interval or courses.
        schedule: The label's dosing in words.
        redose_months: The dosing interval (interval) or the interval between courses
            (courses) in whole months: the next dose or course within it, plus the grace
            period, is on schedule.
        planned_courses: For courses, how many the regimen plans; a further one is a retreatment.
        carry_over_months: How long the effect may last after the last dose.
        onset_months: How long after the start the therapy can be expected to work.
        washout: The recommended interval before the next therapy, if a source gives one.
        note: What the figures cannot say.
    """

    therapy: str
    kind: RegimenKind
    schedule: str = ""
    redose_months: Sourced | None = None
    planned_courses: Sourced | None = None
    carry_over_months: Sourced | None = None
    onset_months: Sourced | None = None
    washout: Washout | None = None
    note: str = ""

    def __attrs_post_init__(self) -> None:
        name = quoted(self.therapy)
        if self.kind is RegimenKind.CONTINUOUS and self.redose_months is not None:
            raise InvalidValueError(f"regimen {name}: a continuous regimen has no redose_months")
        if self.kind is not RegimenKind.CONTINUOUS and self.redose_months is None:
            raise InvalidValueError(f"regimen {name}: an {self.kind.value} regimen needs redose_months")
        if (self.kind is RegimenKind.COURSES) != (self.planned_courses is not None):
            raise InvalidValueError(
                f"regimen {name}: planned_courses is for courses regimens, and they need it"
            )
        for field in ("redose_months", "carry_over_months", "onset_months"):
            figure = getattr(self, field)
            if figure is not None and figure.value < 0:
                raise InvalidValueError(f"regimen {name}: {field} {figure.value} is negative")
        if self.planned_courses is not None and self.planned_courses.value < 1:
            raise InvalidValueError(
                f"regimen {name}: planned_courses {self.planned_courses.value} is below 1"
            )
        if self.washout is not None and not 0 <= self.washout.low <= self.washout.high:
            raise InvalidValueError(
                f"regimen {name}: washout_months [{self.washout.low}, {self.washout.high}] "
                "is not 0 <= min <= max"
            )

    @property
    def redose(self) -> int:
        """The months a next dose or course may follow the last and still be on schedule (0 for
        a continuous regimen)."""
        return 0 if self.redose_months is None else self.redose_months.value

    @property
    def carry_over(self) -> int | None:
        """The carry-over in months, or None when no source gives one."""
        return None if self.carry_over_months is None else self.carry_over_months.value


_CONTINUOUS: Final = RegimenKind.CONTINUOUS


@attrs.frozen
class Regimens:
    """Regimens by catalogue therapy name; an immutable value."""

    regimens: tuple[Regimen, ...]
    _index: dict[str, Regimen] = attrs.field(init=False, repr=False, eq=False)
    # The continuous regimens of therapies with no entry, built once each (a cache, not a value).
    _defaults: dict[str, Regimen] = attrs.field(init=False, repr=False, eq=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        index: dict[str, Regimen] = {}
        for regimen in self.regimens:
            if regimen.therapy in index:
                raise InvalidValueError(f"regimens: therapy {quoted(regimen.therapy)} is given twice")
            index[regimen.therapy] = regimen
        object.__setattr__(self, "_index", index)

    def of(self, therapy: Therapy | str) -> Regimen:
        """The regimen of a therapy (a :class:`~dmt_timeline.Therapy` or its catalogue name);
        continuous with no known effect window when there is no entry."""
        name = therapy.name if isinstance(therapy, Therapy) else therapy
        found = self._index.get(name)
        if found is None:
            found = self._defaults.get(name)
            if found is None:
                found = self._defaults[name] = Regimen(name, _CONTINUOUS)
        return found

    def __contains__(self, therapy: object) -> bool:
        name = therapy.name if isinstance(therapy, Therapy) else therapy
        return isinstance(name, str) and name in self._index

    def __iter__(self) -> Iterator[Regimen]:
        return iter(self.regimens)

    def __len__(self) -> int:
        return len(self.regimens)

    def override(self, *regimens: Regimen | Iterable[Regimen]) -> Regimens:
        """A new set where each given regimen replaces (or adds) its therapy's entry."""
        given: list[Regimen] = []
        for item in regimens:
            given.extend([item] if isinstance(item, Regimen) else item)
        names = {r.therapy for r in given}
        return Regimens((*(r for r in self.regimens if r.therapy not in names), *given))


def _source_key(field: str) -> str:
    """The key of a figure's source: ``carry_over_source`` for ``carry_over_months``."""
    return field.removesuffix("_months") + "_source"


_FIGURES: Final = ("redose_months", "planned_courses", "carry_over_months", "onset_months")
_KEYS: Final = frozenset(
    {
        "therapy",
        "kind",
        "schedule",
        "note",
        "washout_months",
        "washout_source",
        *_FIGURES,
        *(_source_key(f) for f in _FIGURES),
    }
)


def _whole(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidValueError(f"{where}: {quoted(repr(value))} is not a whole number")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(f"{where}: expected non-empty text")
    return value


def _regimen(entry: object, position: int, catalogue: Catalogue) -> Regimen:
    where = f"regimen[{position}]"
    if not isinstance(entry, Mapping):
        raise InvalidValueError(f"{where}: expected a table of fields")
    unknown = sorted(set(entry) - _KEYS, key=str)
    if unknown:
        raise InvalidValueError(f"{where}: unknown field {quoted(str(unknown[0]))}")
    name = _text(entry.get("therapy"), f"{where}.therapy")
    therapy = catalogue.get(name)  # an unknown therapy is refused with the catalogue's message
    if therapy.name != name:
        raise InvalidValueError(
            f"{where}.therapy: {quoted(name)} is not a catalogue name (use {quoted(therapy.name)})"
        )
    where = f"regimen {quoted(name)}"
    kinds = {k.value: k for k in RegimenKind}
    kind = kinds.get(entry.get("kind"))  # type: ignore[arg-type]  # a miss is refused below
    if kind is None:
        known = ", ".join(quoted(k) for k in kinds)
        raise InvalidValueError(f"{where}.kind: not one of {known}")
    figures: dict[str, Sourced | None] = {}
    for field in _FIGURES:
        key = _source_key(field)
        value, source = entry.get(field), entry.get(key)
        if value is None:
            if source is not None:
                raise InvalidValueError(f"{where}: {key} without {field}")
            figures[field] = None
            continue
        if source is None:
            raise InvalidValueError(f"{where}: {field} has no {key} (every figure cites its source)")
        figures[field] = Sourced(_whole(value, f"{where}.{field}"), _text(source, f"{where}.{key}"))
    washout = None
    if entry.get("washout_months") is not None or entry.get("washout_source") is not None:
        bounds = entry.get("washout_months")
        if not isinstance(bounds, list) or len(bounds) != 2:
            raise InvalidValueError(f"{where}.washout_months: expected [min, max]")
        source = _text(entry.get("washout_source"), f"{where}.washout_source")
        washout = Washout(
            _whole(bounds[0], f"{where}.washout_months"), _whole(bounds[1], f"{where}.washout_months"), source
        )
    schedule, note = entry.get("schedule", ""), entry.get("note", "")
    if not isinstance(schedule, str) or not isinstance(note, str):
        raise InvalidValueError(f"{where}: schedule and note are text")
    return Regimen(
        name,
        kind,
        schedule,
        figures["redose_months"],
        figures["planned_courses"],
        figures["carry_over_months"],
        figures["onset_months"],
        washout,
        note,
    )


def load_regimens(
    source: str | os.PathLike[str] | Mapping[str, Any] | None = None, *, catalogue: Catalogue = CATALOGUE
) -> Regimens:
    """Regimens from a TOML file (the bundled one when None) or an already parsed mapping with
    a ``regimen`` list, checked against the schema described in the bundled file's header.

    Raises:
        InvalidValueError: naming the entry and the field that breaks the schema, including a
            figure without its source and a therapy that is not a catalogue name.
    """
    if source is None:
        data: Mapping[str, Any] = tomllib.loads(
            files("dmt_timeline").joinpath("data", "regimens.toml").read_text(encoding="utf-8")
        )
    elif isinstance(source, Mapping):
        data = source
    else:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError as error:
            reason = error.strerror or type(error).__name__
        else:
            reason = ""
        if reason:
            raise InvalidValueError(f"cannot read regimens {quoted(str(source))}: {reason}")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            data = {}
            reason = "not valid TOML"
        if reason:
            raise InvalidValueError(f"regimens {quoted(str(source))}: {reason}")
    entries = data.get("regimen", [])
    if not isinstance(entries, list):
        raise InvalidValueError("regimens: 'regimen' must be a list of tables ([[regimen]])")
    return Regimens(tuple(_regimen(entry, i, catalogue) for i, entry in enumerate(entries)))


REGIMENS: Final = load_regimens()
"""The bundled regimens (``data/regimens.toml``)."""
