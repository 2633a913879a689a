"""Cells as researchers write them: reading options, and stop cells that say a course goes on or nothing.

A stop cell holds one of three things, and they look different:

- a date, in any form :meth:`~dmt_timeline.PartialDate.read` accepts: the episode stopped then;
- a word that says the course goes on (:data:`ONGOING_WORDS`: ``ongoing``, ``current``,
  ``continuing``, ``present``, ``to date``, in any case and spacing):
  :data:`~dmt_timeline.ONGOING`;
- nothing (a blank cell, or a missing value): :data:`~dmt_timeline.NOT_RECORDED`. The table
  does not say whether the episode stopped.

Anything else is refused with an error that names the value, so that ``NA`` (not applicable,
or not available?) or ``unknown`` is never read one way silently: say which it means with
``ongoing=`` or ``not_recorded=``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import tomllib
from collections.abc import Collection, Iterable, Mapping, Sequence
from importlib.resources import files
from typing import Any, Final

import attrs

from dmt_timeline.catalogue import Catalogue, Therapy
from dmt_timeline.conditions import Condition
from dmt_timeline.dates import MAX_DATE_TEXT, PartialDate
from dmt_timeline.errors import CohortFormatError, InvalidDateError, InvalidValueError, quoted
from dmt_timeline.io._cells import is_na
from dmt_timeline.model import NOT_RECORDED, ONGOING, Sex, StopState
from dmt_timeline.reasons import ReasonReader

__all__ = [
    "NOT_RECORDED_WORDS",
    "ONGOING_WORDS",
    "ReadingOptions",
    "TherapyReader",
    "read_conditions",
    "read_sex",
    "read_stop",
    "reason_reader",
    "sex_spellings",
    "therapy_reader",
]

ONGOING_WORDS: Final = ("ongoing", "current", "continuing", "present", "to date")
"""Stop-cell words read as :data:`~dmt_timeline.ONGOING` by default (case and spacing ignored)."""

NOT_RECORDED_WORDS: Final = ("",)
"""Stop-cell words read as :data:`~dmt_timeline.NOT_RECORDED` by default: only a blank cell."""


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


@functools.lru_cache(maxsize=64)
def _word_sets(
    ongoing: tuple[str, ...], not_recorded: tuple[str, ...]
) -> tuple[frozenset[str], frozenset[str]]:
    """The folded word sets, checked once per configuration (a table reads thousands of cells)."""
    ongoing_words = frozenset(_folded(w) for w in ongoing)
    silent_words = frozenset(_folded(w) for w in not_recorded)
    both = sorted(ongoing_words & silent_words)
    if both:
        words = ", ".join(quoted(w) for w in both)
        raise InvalidValueError(f"stop words {words} are both ongoing and not recorded")
    return ongoing_words, silent_words


def read_stop(
    value: PartialDate | dt.date | str | float | None,
    *,
    day_first: bool | None = None,
    excel_serial: bool = False,
    ongoing: Collection[str] = ONGOING_WORDS,
    not_recorded: Collection[str] = NOT_RECORDED_WORDS,
) -> PartialDate | StopState:
    """Read a stop cell: a date, a word saying the course goes on, or nothing.

    Args:
        value: The cell: text, a date, a number (see :meth:`~dmt_timeline.PartialDate.read`),
            or None for a missing value (not recorded).
        day_first: The order of whole numeric dates, as for :meth:`~dmt_timeline.PartialDate.read`.
        excel_serial: Read a number as an Excel serial day number.
        ongoing: The words that mean the episode goes on; they replace the defaults.
        not_recorded: The words that mean the table does not say; a blank cell by default.

    Returns:
        The stop date, :data:`~dmt_timeline.ONGOING` or :data:`~dmt_timeline.NOT_RECORDED`.

    Raises:
        InvalidValueError: when a word is both ongoing and not recorded.
        InvalidDateError: naming the value when it is neither a word above nor a date.
    """
    ongoing_words, silent_words = _word_sets(tuple(ongoing), tuple(not_recorded))
    if value is None:
        return NOT_RECORDED
    if isinstance(value, str):
        if len(value) > MAX_DATE_TEXT:
            raise InvalidDateError(f"stop {quoted(value)}: longer than {MAX_DATE_TEXT} characters")
        word = _folded(value)
        if word in silent_words:
            return NOT_RECORDED
        if word in ongoing_words:
            return ONGOING
        if not any(ch.isdigit() for ch in word):
            # Every date form has a year: a cell without a digit is a word, and the message
            # says which words are understood rather than listing date forms.
            raise InvalidDateError(
                f"stop {quoted(value)}: not a date, and not a word for ongoing "
                f"({', '.join(sorted(ongoing_words))}); leave the cell blank when the stop is not recorded"
            )
    return PartialDate.read(value, day_first=day_first, excel_serial=excel_serial)


def _words(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise CohortFormatError("layout reading: expected a list of words")
    return tuple(value)


def _pairs(value: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    items = tuple(value.items() if isinstance(value, Mapping) else value)
    for key, target in items:
        if not isinstance(key, str) or not isinstance(target, str):
            raise CohortFormatError("layout crosswalk: expected text mapped to text")
    return items


def _day_first(_: Any, __: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        raise CohortFormatError(f"layout reading.day_first {quoted(value)}: expected true, false or none")


@attrs.frozen
class ReadingOptions:
    """How a table writes its cells.

    Attributes:
        day_first: The order of whole numeric dates (``12/05/2012``): True for day first, False
            for month first, None (the default) to refuse them. See
            :meth:`~dmt_timeline.PartialDate.read`.
        excel_serial: Read numbers in date columns as Excel serial day numbers (a spreadsheet
            whose dates lost their format); by default a number is a year.
        ongoing: Stop-cell words meaning the episode goes on.
        not_recorded: Stop-cell words meaning the stop is not recorded (a blank cell by default).
        reasons: The user's crosswalk of reason spellings (``{"GI side effects": "adverse event"}``).
        therapies: The user's crosswalk of therapy spellings to catalogue names.
        sex: The user's crosswalk of sex spellings (``{"w": "female"}``) to ``female``,
            ``male``, ``other`` or ``unknown`` (not recorded); see :func:`read_sex`.
        conditions: The user's crosswalk of condition spellings to condition names
            (``{"Ps": "psoriasis"}``); any other spelling is read as a condition's own name.
    """

    day_first: bool | None = attrs.field(default=None, validator=_day_first)
    excel_serial: bool = False
    ongoing: tuple[str, ...] = attrs.field(default=ONGOING_WORDS, converter=_words)
    not_recorded: tuple[str, ...] = attrs.field(default=NOT_RECORDED_WORDS, converter=_words)
    reasons: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    therapies: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    sex: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    conditions: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)


_NOISE: Final = re.compile(r"[\s\-_.]+")


def _fold(text: str) -> str:
    return _NOISE.sub("", text).casefold()


_PRODUCT_TEXT: Final = 1000
"""Longer cells are not searched for product names: they are refused as unknown."""


class TherapyReader:
    """Therapy cells through the user's crosswalk, then the catalogue; unknown ones with hints."""

    def __init__(self, catalogue: Catalogue, crosswalk: Sequence[tuple[str, str]]) -> None:
        self.catalogue = catalogue
        self._known: dict[str, Therapy] = {}
        self.crosswalk: dict[str, Therapy] = {}
        for key, target in crosswalk:
            if target not in catalogue:
                raise CohortFormatError(
                    f"therapy crosswalk {quoted(key)} = {quoted(target)}: not in the catalogue"
                )
            self.crosswalk[_fold(key)] = catalogue.get(target)
        names = [name for therapy in catalogue for name in therapy.names]
        self.names = {_fold(n): n for n in [*names, *(k for k, _ in crosswalk)]}

    def get(self, text: str) -> Therapy | str:
        """The therapy, or the problem with it."""
        # Tables repeat their few therapy spellings: each is looked up once (bounded).
        found_before = self._known.get(text)
        if found_before is not None:
            return found_before
        found_now = self._look_up(text)
        if isinstance(found_now, Therapy) and len(self._known) < 4096:
            self._known[text] = found_now
        return found_now

    def _look_up(self, text: str) -> Therapy | str:
        key = _fold(text)
        found = self.crosswalk.get(key)
        if found is not None:
            return found
        if text in self.catalogue:
            return self.catalogue.get(text)
        named = self.catalogue.named_in(text) if len(text) <= _PRODUCT_TEXT else []
        if len(named) == 1:  # a product or brand string: "Tysabri 300 MG in 15 ML Injection"
            return named[0]
        if named:
            listed = " and ".join(quoted(t.name) for t in named)
            return f"therapy {quoted(text)} names {listed} (map it with a therapy crosswalk)"
        close = difflib.get_close_matches(key, list(self.names), n=3, cutoff=0.75)
        hint = "; did you mean " + " or ".join(quoted(self.names[c]) for c in close) + "?" if close else ""
        return f"unknown therapy {quoted(text)}{hint or ' (map it with a therapy crosswalk)'}"


@functools.lru_cache(maxsize=32)
def _condition_crosswalk(pairs: tuple[tuple[str, str], ...]) -> dict[str, Condition]:
    found: dict[str, Condition] = {}
    for key, target in pairs:
        try:
            found[_fold(key)] = Condition(target)
        except InvalidValueError as exc:
            raise CohortFormatError(f"condition crosswalk {quoted(key)}: {exc}") from None
    return found


def read_conditions(text: str, reading: ReadingOptions | None = None) -> tuple[Condition, ...]:
    """The conditions a cell names, separated by ``;`` (``psoriasis; depression``), each once.

    Each name goes through the crosswalk of ``reading`` (spellings compared ignoring case,
    spaces, hyphens, underscores and dots), then is read as a condition's name: a known
    condition by its name or an alias, any other kept as written. A blank or ``NA`` cell
    names none.

    Raises:
        InvalidValueError: for a name that is no condition's (too long, a control character).
        CohortFormatError: for a crosswalk target that is no condition's name.
    """
    if not text or is_na(text):
        return ()
    crosswalk = _condition_crosswalk(reading.conditions) if reading is not None else {}
    found: dict[Condition, None] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        condition = crosswalk.get(_fold(part)) if crosswalk else None
        found[condition if condition is not None else Condition(part)] = None
    return tuple(found)


@functools.lru_cache(maxsize=32)
def reason_reader(reading: ReadingOptions) -> ReasonReader:
    """The reason reader of a table's reading options (its crosswalk checked once)."""
    return ReasonReader(dict(reading.reasons))


_THERAPY_READERS: dict[tuple[int, tuple[tuple[str, str], ...]], tuple[Catalogue, TherapyReader]] = {}


def therapy_reader(catalogue: Catalogue, reading: ReadingOptions) -> TherapyReader:
    """The therapy reader of a catalogue and a table's therapy crosswalk, built once for both."""
    key = (id(catalogue), reading.therapies)
    found = _THERAPY_READERS.get(key)
    if found is None or found[0] is not catalogue:
        if len(_THERAPY_READERS) > 32:
            _THERAPY_READERS.clear()  # bounded: a process reads few catalogues
        found = (catalogue, TherapyReader(catalogue, reading.therapies))
        _THERAPY_READERS[key] = found
    return found[1]


# -- sex -----------------------------------------------------------------------------------------

_UNKNOWN: Final = "unknown"
_SEX_TEXT: Final = 100
"""Longer sex cells are refused unread (no spelling is near this long)."""


@functools.cache
def _sex_vocabulary() -> tuple[dict[str, Sex | None], dict[str, str]]:
    """Folded spelling to value (None: not recorded), and folded spelling to its written form."""
    data = tomllib.loads(files("dmt_timeline").joinpath("vocabularies", "sex.toml").read_text("utf-8"))
    entries: list[tuple[Sex | None, list[str]]] = [(None, [_UNKNOWN, *data["unknown"]])]
    entries += [(Sex(item["value"]), [item["value"], *item["spellings"]]) for item in data["sex"]]
    values: dict[str, Sex | None] = {}
    shown: dict[str, str] = {}
    for value, spellings in entries:
        for spelling in spellings:
            key = _fold(spelling)
            if key in values and values[key] is not value:
                raise CohortFormatError(f"sex vocabulary: spelling {spelling!r} names two values")
            values[key] = value
            shown.setdefault(key, spelling)
    return values, shown


def sex_spellings() -> dict[str, Sex | None]:
    """Every sex spelling understood, as the data file writes it, with its value (None: not recorded)."""
    values, shown = _sex_vocabulary()
    return {shown[key]: value for key, value in values.items()}


@functools.lru_cache(maxsize=32)
def _sex_table(crosswalk: tuple[tuple[str, str], ...]) -> dict[str, Sex | None]:
    values = dict(_sex_vocabulary()[0])
    for key, target in crosswalk:
        folded = _fold(target)
        if folded not in values:
            raise CohortFormatError(
                f"sex crosswalk {quoted(key)} = {quoted(target)}: expected female, male, other or unknown"
            )
        values[_fold(key)] = values[folded]
    return values


def read_sex(value: object, *, crosswalk: Mapping[str, str] | Sequence[tuple[str, str]] = ()) -> Sex | None:
    """Read a sex cell: a spelling of ``vocabularies/sex.toml`` or of the user's crosswalk.

    ``female``, ``male``, ``other`` and their codes (FHIR AdministrativeGender, HL7 v2 ``F``,
    ``M``, ``O``, OMOP concepts ``8532``, ``8507``) read as :class:`~dmt_timeline.Sex`; a blank
    cell, None and the spellings of unknown (``unknown``, ``U``, ``not known``...) as None, not
    recorded. Case, spaces, hyphens, underscores and dots are ignored. Nothing else is guessed:
    a code such as ``1`` or ``w`` needs the crosswalk (``{"w": "female"}``).

    Raises:
        InvalidValueError: naming the value (and a close spelling, if any).
        CohortFormatError: for a crosswalk entry that names no value.
    """
    values = _sex_table(tuple(_pairs(crosswalk)))
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidValueError(f"sex {quoted(value)}: expected text")
    if len(value) > _SEX_TEXT:
        raise InvalidValueError(f"sex {quoted(value)}: longer than {_SEX_TEXT} characters")
    key = _fold(value)
    if not key:
        return None
    if key in values:
        return values[key]
    shown = _sex_vocabulary()[1]
    close = difflib.get_close_matches(key, list(shown), n=1, cutoff=0.75)
    hint = f"; did you mean {quoted(shown[close[0]])}?" if close else ""
    raise InvalidValueError(
        f"sex {quoted(value)} is not a spelling of female, male, other or unknown "
        f"(such as F, M, O, U){hint} (map it with a sex crosswalk)"
    )
