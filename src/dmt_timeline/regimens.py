"""How each therapy is given, and how long its effect lasts: reviewed data with sources.

The bundled knowledge is ``data/regimens.toml`` in the package, one ``[[regimen]]`` per
catalogue therapy, every figure with its source; :data:`REGIMENS` is that file.
:func:`load_regimens` reads your own file or mapping of the same schema, and
:meth:`Regimens.override` replaces or adds entries, so any of it can be changed without editing
the package. A therapy with no entry is given continuously with no known carry-over.

The file also gives, per pair of therapy classes (``[[washout]]``), the washout or bridging that
labels and guidelines describe before switching from one to the other: :func:`washout` answers
it for two therapies, :func:`onset_window` and :func:`carry_over` give a therapy's effect window.

The timeline uses it (see :meth:`Timeline.transitions <dmt_timeline.Timeline.transitions>`):
the next course or dose of a regimen given on schedule is one treatment, not a lag gap; a course
beyond the planned ones is a retreatment; a switch inside the previous therapy's effect window,
and a gap inside the washout recommended for the pair, are marked.
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

from dmt_timeline.catalogue import CATALOGUE, Catalogue, Therapy, TherapyClass
from dmt_timeline.errors import InvalidValueError, quoted

__all__ = [
    "REGIMENS",
    "Regimen",
    "RegimenKind",
    "Regimens",
    "Sourced",
    "Washout",
    "carry_over",
    "load_regimens",
    "onset_window",
    "washout",
]


class RegimenKind(enum.Enum):
    """How a therapy is given."""

    CONTINUOUS = "continuous"
    INTERVAL = "interval"
    COURSES = "courses"


@attrs.frozen
class Sourced:
    """A figure (whole months, or a count) with where it comes from.

    Where sources disagree the figure is a range, ``low`` to ``value`` (the source text says
    which source gives which); ``low`` is None for a single figure.
    """

    value: int
    source: str
    low: int | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.low is not None and not 0 <= self.low <= self.value:
            raise InvalidValueError(f"range [{self.low}, {self.value}] is not 0 <= min <= max")

    @property
    def window(self) -> tuple[int, int]:
        """The figure as a (low, high) range of months; low == high for a single figure."""
        return (self.value if self.low is None else self.low, self.value)

    def __str__(self) -> str:
        figure = str(self.value) if self.low is None else f"{self.low}..{self.value}"
        return f"{figure} ({self.source})"


ANY: Final = "any"
"""The wildcard of a washout entry's ``from`` or ``to``: every therapy."""


@attrs.frozen
class Washout:
    """What labels and guidelines say about the interval from the last dose of one therapy to
    the start of the next, for a pair of therapies or classes.

    Attributes:
        before: The therapy switched from: a catalogue therapy name, a therapy class
            (``"S1P receptor modulator"``) or ``"any"``.
        after: The therapy switched to, likewise.
        source: Where the guidance comes from (label section, guideline, review).
        guidance: The guidance in words (rebound risk, an elimination procedure, ...).
        low: The fewest recommended whole months from the last dose to the next start; None
            when the sources give no figure (the guidance is then words only).
        high: The most; None when the sources set no upper bound.
    """

    before: str
    after: str
    source: str
    guidance: str = ""
    low: int | None = None
    high: int | None = None

    def __attrs_post_init__(self) -> None:
        pair = f"washout {quoted(self.before)} -> {quoted(self.after)}"
        if self.low is None and self.high is not None:
            raise InvalidValueError(f"{pair}: max_months {self.high} without min_months")
        if self.low is not None and self.low < 0:
            raise InvalidValueError(f"{pair}: min_months {self.low} is negative")
        if self.low is not None and self.high is not None and self.high < self.low:
            raise InvalidValueError(f"{pair}: max_months {self.high} is below min_months {self.low}")

    @property
    def months(self) -> tuple[int, int | None] | None:
        """The recommended whole months as (low, high), high None when open; None without a figure."""
        return None if self.low is None else (self.low, self.high)

    def __str__(self) -> str:
        if self.low is None:
            figure = "no figure"
        elif self.high is None:
            figure = f"at least {self.low} months"
        else:
            figure = f"{self.low}..{self.high} months"
        return f"{self.before} -> {self.after}: {figure} ({self.source})"


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
        note: What the figures cannot say.

    The washout before the next therapy depends on that therapy too: see :class:`Washout`.
    """

    therapy: str
    kind: RegimenKind
    schedule: str = ""
    redose_months: Sourced | None = None
    planned_courses: Sourced | None = None
    carry_over_months: Sourced | None = None
    onset_months: Sourced | None = None
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
        for field in ("redose_months", "planned_courses"):
            figure = getattr(self, field)
            if figure is not None and figure.low is not None:
                raise InvalidValueError(f"regimen {name}: {field} is one figure, not a range")

    @property
    def redose(self) -> int:
        """The months a next dose or course may follow the last and still be on schedule (0 for
        a continuous regimen)."""
        return 0 if self.redose_months is None else self.redose_months.value

    @property
    def carry_over(self) -> int | None:
        """The carry-over in months (the longest the sources give), or None when none gives one."""
        return None if self.carry_over_months is None else self.carry_over_months.value


_CONTINUOUS: Final = RegimenKind.CONTINUOUS


def _keys(therapy: Therapy) -> tuple[str, ...]:
    """What a washout entry's ``from`` or ``to`` may say to name a therapy, most specific first."""
    return (therapy.name, therapy.therapy_class.value, ANY)


@attrs.frozen
class Regimens:
    """Regimens by catalogue therapy name, and washout guidance by pair; an immutable value."""

    regimens: tuple[Regimen, ...]
    washouts: tuple[Washout, ...] = ()
    _index: dict[str, Regimen] = attrs.field(init=False, repr=False, eq=False)
    _pairs: dict[tuple[str, str], Washout] = attrs.field(init=False, repr=False, eq=False)
    # The answer for each pair of therapies (names and classes) asked about (a cache, not a value).
    _answers: dict[tuple[str, ...], Washout | None] = attrs.field(
        init=False, repr=False, eq=False, factory=dict
    )
    # The continuous regimens of therapies with no entry, built once each (a cache, not a value).
    _defaults: dict[str, Regimen] = attrs.field(init=False, repr=False, eq=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        index: dict[str, Regimen] = {}
        for regimen in self.regimens:
            if regimen.therapy in index:
                raise InvalidValueError(f"regimens: therapy {quoted(regimen.therapy)} is given twice")
            index[regimen.therapy] = regimen
        pairs: dict[tuple[str, str], Washout] = {}
        for entry in self.washouts:
            key = (entry.before, entry.after)
            if key in pairs:
                raise InvalidValueError(
                    f"regimens: washout {quoted(entry.before)} -> {quoted(entry.after)} is given twice"
                )
            pairs[key] = entry
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_pairs", pairs)

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

    def washout(self, before: Therapy, after: Therapy) -> Washout | None:
        """The guidance for switching from ``before`` to ``after``: the entry that names the
        earlier therapy most closely (by name, then class, then ``any``), and among those the
        later one; None when no entry covers the pair."""
        key = (*_keys(before)[:2], *_keys(after)[:2])
        if key in self._answers:
            return self._answers[key]
        pairs = self._pairs
        found = next(
            (pairs[k] for k in ((a, b) for a in _keys(before) for b in _keys(after)) if k in pairs), None
        )
        self._answers[key] = found
        return found

    def __contains__(self, therapy: object) -> bool:
        name = therapy.name if isinstance(therapy, Therapy) else therapy
        return isinstance(name, str) and name in self._index

    def __iter__(self) -> Iterator[Regimen]:
        return iter(self.regimens)

    def __len__(self) -> int:
        return len(self.regimens)

    def override(self, *items: Regimen | Washout | Iterable[Regimen | Washout]) -> Regimens:
        """A new set where each given regimen replaces (or adds) its therapy's entry, and each
        given washout its pair's."""
        given: list[Regimen | Washout] = []
        for item in items:
            given.extend([item] if isinstance(item, Regimen | Washout) else item)
        mine = [r for r in given if isinstance(r, Regimen)]
        pairs = [w for w in given if isinstance(w, Washout)]
        names = {r.therapy for r in mine}
        keys = {(w.before, w.after) for w in pairs}
        return Regimens(
            (*(r for r in self.regimens if r.therapy not in names), *mine),
            (*(w for w in self.washouts if (w.before, w.after) not in keys), *pairs),
        )


def _source_key(field: str) -> str:
    """The key of a figure's source: ``carry_over_source`` for ``carry_over_months``."""
    return field.removesuffix("_months") + "_source"


_FIGURES: Final = ("redose_months", "planned_courses", "carry_over_months", "onset_months")
# Figures that may be a range [min, max] where sources disagree.
_RANGES: Final = frozenset({"carry_over_months", "onset_months"})
_KEYS: Final = frozenset(
    {"therapy", "kind", "schedule", "note", *_FIGURES, *(_source_key(f) for f in _FIGURES)}
)
_WASHOUT_KEYS: Final = frozenset({"from", "to", "min_months", "max_months", "guidance", "source"})


def _whole(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidValueError(f"{where}: {quoted(repr(value))} is not a whole number")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(f"{where}: expected non-empty text")
    return value


def _figure(value: object, source: str, where: str, may_be_range: bool) -> Sourced:
    """A figure: a whole number, or where ``may_be_range`` also [min, max]."""
    if isinstance(value, list) and may_be_range:
        if len(value) != 2:
            raise InvalidValueError(f"{where}: expected a whole number or [min, max]")
        low, high = (_whole(v, where) for v in value)
        if not 0 <= low <= high:
            raise InvalidValueError(f"{where}: [{low}, {high}] is not 0 <= min <= max")
        return Sourced(high, source, low=low)
    return Sourced(_whole(value, where), source)


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
        figures[field] = _figure(value, _text(source, f"{where}.{key}"), f"{where}.{field}", field in _RANGES)
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
        note,
    )


def _side(value: object, where: str, catalogue: Catalogue) -> str:
    """A washout entry's ``from`` or ``to``: ``any``, a therapy class or a catalogue name."""
    name = _text(value, where)
    if name == ANY or name in {c.value for c in TherapyClass}:
        return name
    therapy = catalogue.get(name)  # an unknown name is refused with the catalogue's message
    if therapy.name != name:
        raise InvalidValueError(
            f"{where}: {quoted(name)} is not a catalogue name (use {quoted(therapy.name)})"
        )
    return name


def _washout(entry: object, position: int, catalogue: Catalogue) -> Washout:
    where = f"washout[{position}]"
    if not isinstance(entry, Mapping):
        raise InvalidValueError(f"{where}: expected a table of fields")
    unknown = sorted(set(entry) - _WASHOUT_KEYS, key=str)
    if unknown:
        raise InvalidValueError(f"{where}: unknown field {quoted(str(unknown[0]))}")
    before = _side(entry.get("from"), f"{where}.from", catalogue)
    after = _side(entry.get("to"), f"{where}.to", catalogue)
    low, high = entry.get("min_months"), entry.get("max_months")
    guidance = entry.get("guidance", "")
    if not isinstance(guidance, str):
        raise InvalidValueError(f"{where}.guidance: expected text")
    return Washout(
        before,
        after,
        _text(entry.get("source"), f"{where}.source"),
        guidance,
        None if low is None else _whole(low, f"{where}.min_months"),
        None if high is None else _whole(high, f"{where}.max_months"),
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
    entries, pairs = data.get("regimen", []), data.get("washout", [])
    if not isinstance(entries, list):
        raise InvalidValueError("regimens: 'regimen' must be a list of tables ([[regimen]])")
    if not isinstance(pairs, list):
        raise InvalidValueError("regimens: 'washout' must be a list of tables ([[washout]])")
    return Regimens(
        tuple(_regimen(entry, i, catalogue) for i, entry in enumerate(entries)),
        tuple(_washout(entry, i, catalogue) for i, entry in enumerate(pairs)),
    )


REGIMENS: Final = load_regimens()
"""The bundled regimens (``data/regimens.toml``)."""


def _therapy(therapy: Therapy | str, catalogue: Catalogue) -> Therapy:
    return therapy if isinstance(therapy, Therapy) else catalogue.get(therapy)


def washout(
    before: Therapy | str,
    after: Therapy | str,
    *,
    regimens: Regimens = REGIMENS,
    catalogue: Catalogue = CATALOGUE,
) -> Washout | None:
    """What labels and guidelines say about switching from ``before`` to ``after`` (therapies
    or names the catalogue resolves), with its source; None when no entry covers the pair.

    Raises:
        UnknownTherapyError: for a name the catalogue does not know.
    """
    return regimens.washout(_therapy(before, catalogue), _therapy(after, catalogue))


def onset_window(
    therapy: Therapy | str, *, regimens: Regimens = REGIMENS, catalogue: Catalogue = CATALOGUE
) -> Sourced | None:
    """How long after its start a therapy can be expected to work (months, a range where
    sources disagree: :attr:`Sourced.window`), with its source; None when none gives it."""
    return regimens.of(_therapy(therapy, catalogue)).onset_months


def carry_over(
    therapy: Therapy | str, *, regimens: Regimens = REGIMENS, catalogue: Catalogue = CATALOGUE
) -> Sourced | None:
    """How long a therapy's biological effect may last after its last dose (months, a range
    where sources disagree: :attr:`Sourced.window`), with its source; None when none gives it."""
    return regimens.of(_therapy(therapy, catalogue)).carry_over_months
