"""Layouts: which column of a researcher's own table holds what, and how its cells are written.

A layout is written once per table, in Python or in a small TOML file, and read with
:func:`load_layout`::

    kind = "long"                 # one row per therapy episode ("wide": one row per patient)

    [columns]
    patient_id = "Patient"
    therapy = "Drug"
    start = "Start"
    stop = "Stop"
    reasons = "Reason for stopping"
    edss = "EDSS at stop"
    sex = "Sex"                   # F, M, female, male... (a patient's rows agree)
    birth_date = "Year of birth"  # a year is enough
    labels = ["Site"]             # carried through as patient labels

    [reading]
    day_first = true              # 12/05/2012 is 12 May; without it such dates are refused
    ongoing = ["ongoing", "current", "continuing", "present", "to date"]

    [crosswalk.reasons]
    "GI side effects" = "adverse event"

    [crosswalk.therapies]
    "Tecfidra" = "dimethyl fumarate"

:func:`draft_layout` drafts one from a table's header, matching column names to fields, for
the user to read and confirm (``dmt-timeline layout draft FILE``). Nothing here guesses at read
time: a table is read only through a layout the user has seen.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import attrs

from dmt_timeline.errors import CohortFormatError, InvalidValueError, quoted
from dmt_timeline.io.cells import ReadingOptions
from dmt_timeline.io.exposures import DEFAULT_PERSISTENCE_DAYS, EndPolicy, ExposureColumns, ExposureLayout
from dmt_timeline.io.wide import TherapyColumns, WideLayout

__all__ = [
    "ExposureLayout",
    "LongLayout",
    "ReadingOptions",
    "draft_exposure_layout",
    "draft_layout",
    "exposure_header",
    "layout_toml",
    "load_layout",
    "parse_layout",
]

MAX_LAYOUT_BYTES: Final = 1 << 20
"""The largest layout file read (a layout is a few lines)."""


def _name(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise CohortFormatError(f"layout columns.{attribute.name} {quoted(value)}: expected a column name")


def _optional_name(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _name(_, attribute, value)


def _labels(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@attrs.frozen
class LongLayout:
    """Which column of a long table (one row per therapy episode) holds what.

    Rows of one patient may be anywhere in the table; their episodes are kept in row order.

    Attributes:
        patient_id: Patient identifiers.
        therapy: The therapy, by any name the catalogue or the therapy crosswalk knows.
        start: When the episode started.
        stop: When it stopped, a word for ongoing, or blank (not recorded); None when the
            table has no stop column.
        reasons: Why it stopped; None when the table has none.
        edss: The EDSS recorded at the stop; None when the table has none.
        labels: Other columns (site, any covariate) kept as patient labels under their
            column names; they come out in tidy tables with ``labels=``.
        reading: How cells are written.
        sex: The patient's sex (see :func:`~dmt_timeline.io.cells.read_sex`); None when the
            table has none. A patient's rows must agree (a blank cell says nothing).
        birth_date: The date of birth (a year is enough), agreeing across the patient's rows;
            None when the table has none.
    """

    patient_id: str = attrs.field(validator=_name)
    therapy: str = attrs.field(validator=_name)
    start: str = attrs.field(validator=_name)
    stop: str | None = attrs.field(default=None, validator=_optional_name)
    reasons: str | None = attrs.field(default=None, validator=_optional_name)
    edss: str | None = attrs.field(default=None, validator=_optional_name)
    labels: tuple[str, ...] = attrs.field(default=(), converter=_labels)
    reading: ReadingOptions = attrs.field(factory=ReadingOptions)
    sex: str | None = attrs.field(default=None, validator=_optional_name)
    birth_date: str | None = attrs.field(default=None, validator=_optional_name)

    def __attrs_post_init__(self) -> None:
        names = self.columns
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise CohortFormatError(f"layout: columns {', '.join(map(quoted, repeated))} are used twice")

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the layout uses."""
        fields = (
            self.patient_id,
            self.sex,
            self.birth_date,
            self.therapy,
            self.start,
            self.stop,
            self.reasons,
            self.edss,
        )
        return (*(c for c in fields if c is not None), *self.labels)


# -- TOML ----------------------------------------------------------------------------------------

_LONG_FIELDS: Final = (
    "patient_id", "therapy", "start", "stop", "reasons", "edss", "sex", "birth_date", "labels",
)  # fmt: skip
_READING_FIELDS: Final = ("day_first", "excel_serial", "ongoing", "not_recorded")


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise CohortFormatError(f"layout {key}: expected a table ([{key}])")
    return value


def _unknown_keys(where: str, found: Iterable[str], known: Sequence[str]) -> None:
    for key in found:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]}?" if close else f"; expected one of {', '.join(known)}"
            raise CohortFormatError(f"layout {where}: unknown key {quoted(key)}{hint}")


def _reading(data: Mapping[str, Any]) -> ReadingOptions:
    reading = _table(data, "reading")
    _unknown_keys("[reading]", reading, _READING_FIELDS)
    crosswalk = _table(data, "crosswalk")
    _unknown_keys("[crosswalk]", crosswalk, ("reasons", "therapies", "sex", "conditions"))
    if reading.get("day_first") == "none":  # TOML has no null: "none" says refuse them
        reading = {k: v for k, v in reading.items() if k != "day_first"}
    return ReadingOptions(
        **reading,
        reasons=_table(crosswalk, "reasons"),
        therapies=_table(crosswalk, "therapies"),
        sex=_table(crosswalk, "sex"),
        conditions=_table(crosswalk, "conditions"),
    )


_WIDE_FIELDS: Final = tuple(
    f.name for f in attrs.fields(WideLayout) if f.name not in ("therapies", "footnotes", "reading")
)
_THERAPY_FIELDS: Final = tuple(f.name for f in attrs.fields(TherapyColumns))


def _wide(data: Mapping[str, Any]) -> WideLayout:
    columns = _table(data, "columns")
    _unknown_keys("[columns]", columns, _WIDE_FIELDS)
    therapies = data.get("therapies", [])
    if not isinstance(therapies, list) or not all(isinstance(t, Mapping) for t in therapies):
        raise CohortFormatError("layout therapies: expected [[therapies]] tables")
    for therapy in therapies:
        _unknown_keys("[[therapies]]", therapy, _THERAPY_FIELDS)
    try:
        built = [TherapyColumns(**t) for t in therapies]
        return WideLayout(
            therapies=built, footnotes=_table(data, "footnotes"), reading=_reading(data), **columns
        )
    except TypeError:
        failed = True
    # Outside the except block: the TypeError's message is Python's, not ours.
    assert failed
    raise CohortFormatError("layout: [columns] needs patient_id, and each [[therapies]] therapy and start")


_EXPOSURE_COLUMNS: Final = (
    "person_id", "drug", "start", "end", "stop_reason", "days_supply", "sex", "birth_date",
)  # fmt: skip
_ERA_FIELDS: Final = ("end_policy", "durations", "as_of", "persistence_days")


def _exposures(data: Mapping[str, Any]) -> ExposureLayout:
    """An exposure layout: a column left out of ``[columns]`` is one the table lacks."""
    columns = _table(data, "columns")
    _unknown_keys("[columns]", columns, _EXPOSURE_COLUMNS)
    for required in ("person_id", "drug", "start"):
        if required not in columns:
            raise CohortFormatError(f"layout [columns]: {required} is required")
    eras = _table(data, "eras")
    _unknown_keys("[eras]", eras, _ERA_FIELDS)
    as_of = eras.get("as_of")
    if as_of is not None and (not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime)):
        raise CohortFormatError(f"layout [eras] as_of {quoted(as_of)}: expected a TOML date (2024-12-31)")
    days = eras.get("persistence_days", DEFAULT_PERSISTENCE_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise CohortFormatError(f"layout [eras] persistence_days {quoted(days)}: expected whole days")
    durations = _table(eras, "durations")
    try:
        # The end column keeps its default name when left out: an end policy makes it optional.
        names: dict[str, Any] = {field: columns.get(field) for field in _EXPOSURE_COLUMNS if field != "end"}
        names.update({"end": columns["end"]} if "end" in columns else {})
        built = ExposureColumns(**names, reading=_reading(data))
        return ExposureLayout(
            built,
            end_policy=eras.get("end_policy", "recorded"),
            durations=durations,
            as_of=as_of,
            persistence_days=days,
        )
    except InvalidValueError as exc:
        message = str(exc)
    raise CohortFormatError(f"layout: {message}")


def parse_layout(text: str) -> LongLayout | WideLayout | ExposureLayout:
    """A layout from the text of a TOML layout file; see the module's example.

    Raises:
        CohortFormatError: naming the key or value that is wrong (an unknown key is named with
            the closest known one).
    """
    data = _layout_toml(text)
    known = ("kind", "columns", "reading", "crosswalk", "therapies", "footnotes", "eras")
    _unknown_keys("file", data, known)
    kind = data.get("kind", "long")
    if kind == "wide":
        return _wide(data)
    if kind == "exposures":
        if "therapies" in data or "footnotes" in data:
            raise CohortFormatError("layout: [[therapies]] and [footnotes] belong to wide layouts")
        return _exposures(data)
    if kind != "long":
        raise CohortFormatError(f"layout kind {quoted(kind)}: expected 'long', 'wide' or 'exposures'")
    if "eras" in data:
        raise CohortFormatError("layout: [eras] belongs to exposure layouts (kind = 'exposures')")
    if "therapies" in data or "footnotes" in data:
        raise CohortFormatError(
            "layout: [[therapies]] and [footnotes] belong to wide layouts (kind = 'wide')"
        )
    reading = _reading(data)
    columns = _table(data, "columns")
    _unknown_keys("[columns]", columns, _LONG_FIELDS)
    for required in ("patient_id", "therapy", "start"):
        if required not in columns:
            raise CohortFormatError(f"layout [columns]: {required} is required")
    return LongLayout(**columns, reading=reading)


def load_layout(path: str | os.PathLike[str]) -> LongLayout | WideLayout | ExposureLayout:
    """A layout from a TOML file; see :func:`parse_layout`."""
    return parse_layout(_layout_text(path))


def _layout_toml(text: str) -> dict[str, Any]:
    """A layout file's TOML document.

    Raises:
        CohortFormatError: for text that is not TOML, without tomllib's message (it quotes the
            line, and a layout may sit beside patient data).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        failed = True
    else:
        failed = False
    if failed:
        raise CohortFormatError("layout: not valid TOML")
    return data


def _layout_text(path: str | os.PathLike[str]) -> str:
    """A layout file's text: UTF-8 (a BOM allowed), at most ``MAX_LAYOUT_BYTES`` bytes.

    Raises:
        CohortFormatError: for a larger file or one that is not UTF-8 text.
    """
    raw = Path(path).read_bytes()[: MAX_LAYOUT_BYTES + 1]
    if len(raw) > MAX_LAYOUT_BYTES:
        raise CohortFormatError(f"layout file: larger than {MAX_LAYOUT_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        failed = True
    else:
        failed = False
    if failed:
        raise CohortFormatError("layout file: not UTF-8 text")
    return text


def _toml_string(value: str) -> str:
    # A TOML basic string: JSON's escapes are TOML's for every character that needs one.
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped)
    return f'"{escaped}"'


def layout_toml(layout: LongLayout | ExposureLayout, *, notes: Mapping[str, str] | None = None) -> str:
    """A long or exposure layout as the text of a TOML layout file, which :func:`parse_layout`
    reads back.

    ``notes`` puts a comment after a field's line (a draft says how it matched the column).
    """
    notes = notes or {}
    if isinstance(layout, ExposureLayout):
        lines = ['kind = "exposures"', "", "[columns]"]
        columns: Any = layout.columns
        fields: Sequence[str] = _EXPOSURE_COLUMNS
    else:
        lines = ['kind = "long"', "", "[columns]"]
        columns, fields = (
            layout,
            ("patient_id", "therapy", "start", "stop", "reasons", "edss", "sex", "birth_date"),
        )
    for field in fields:
        value = getattr(columns, field)
        line = f"{field} = {_toml_string(value)}" if value is not None else f"# {field} = (no column found)"
        lines.append(f"{line}  # {notes[field]}" if field in notes else line)
    if isinstance(layout, ExposureLayout):
        lines += _eras_toml(layout, notes)
    else:
        lines.append(f"labels = [{', '.join(_toml_string(label) for label in layout.labels)}]")
    reading = columns.reading
    lines += ["", "[reading]"]
    if reading.day_first is None:
        lines.append("# day_first = true  # say so if whole dates are written 12/05/2012 (day first)")
    else:
        lines.append(f"day_first = {'true' if reading.day_first else 'false'}")
    lines.append(f"excel_serial = {'true' if reading.excel_serial else 'false'}")
    lines.append(f"ongoing = [{', '.join(_toml_string(w) for w in reading.ongoing)}]")
    lines.append(f"not_recorded = [{', '.join(_toml_string(w) for w in reading.not_recorded)}]")
    for section, pairs in (
        ("reasons", reading.reasons),
        ("therapies", reading.therapies),
        ("sex", reading.sex),
        ("conditions", reading.conditions),
    ):
        lines += ["", f"[crosswalk.{section}]"]
        lines += [f"{_toml_string(k)} = {_toml_string(v)}" for k, v in pairs]
    return "\n".join(lines) + "\n"


def _eras_toml(layout: ExposureLayout, notes: Mapping[str, str]) -> list[str]:
    """The ``[eras]`` lines of an exposure layout."""
    policy = f"end_policy = {_toml_string(layout.end_policy.value)}"
    lines = ["", "[eras]", f"{policy}  # {notes['end_policy']}" if "end_policy" in notes else policy]
    lines.append(f"persistence_days = {layout.persistence_days}")
    if layout.as_of is None:
        lines.append("# as_of = 2024-12-31  # the data cut, if there is one: eras reaching it are ongoing")
    else:
        lines.append(f"as_of = {layout.as_of.isoformat()}")
    lines += ["", "[eras.durations]"]
    lines += [f"{_toml_string(name)} = {days}" for name, days in layout.durations]
    return lines


# -- drafting ------------------------------------------------------------------------------------

# Column names seen in chart reviews and registry exports, folded (case, spaces, _ - . ignored).
_SYNONYMS: Final = {
    "patient_id": (
        "patientid", "patient", "id", "personid", "subjectid", "subject", "studyid", "pid", "mrn",
        "patientnumber", "caseid", "participantid",
    ),
    "therapy": (
        "therapy", "drug", "dmt", "treatment", "medication", "drugname", "therapyname",
        "dmtname", "product", "agent",
    ),
    "start": (
        "start", "startdate", "started", "datestarted", "dmtstart", "therapystart", "from",
        "initiation", "initiationdate", "begin", "begindate",
    ),
    "stop": (
        "stop", "stopdate", "end", "enddate", "stopped", "datestopped", "dmtstop", "therapystop",
        "to", "until", "discontinuation", "discontinuationdate", "ended",
    ),
    "reasons": (
        "reason", "reasons", "stopreason", "reasonforstopping", "reasonstopped",
        "discontinuationreason", "reasonfordiscontinuation", "switchreason", "whystopped",
    ),
    "edss": ("edss", "edssatstop", "edssscore", "stopedss"),
    "sex": ("sex", "gender", "sexatbirth", "administrativesex", "administrativegender"),
    "birth_date": (
        "birthdate", "dateofbirth", "dob", "birthyear", "yearofbirth", "born", "birth", "yob",
    ),
}  # fmt: skip
_NOISE: Final = re.compile(r"[\s\-_.]+")


def _fold(name: str) -> str:
    return _NOISE.sub("", name).casefold()


# Spellings that only a dispensing or exposure table has: the days supplied, the day dispensed.
_DAYS_SUPPLY: Final = (
    "dayssupply", "dayssupplied", "daysupply", "supplydays", "daysofsupply", "durationdays",
)  # fmt: skip
_DISPENSED: Final = (
    "dispensedate", "dispensingdate", "dispenseddate", "datedispensed", "datetimedispensed",
    "filldate", "datefilled", "refilldate", "drugexposurestartdate",
)  # fmt: skip
_EXPOSURE_SYNONYMS: Final = {
    "person_id": _SYNONYMS["patient_id"],
    "drug": (*_SYNONYMS["therapy"], "ingredient", "drugconceptname", "medicationname", "productname"),
    "start": (*_SYNONYMS["start"], *_DISPENSED, "drugexposurestart"),
    "end": (*_SYNONYMS["stop"], "drugexposureenddate", "drugexposureend"),
    "stop_reason": _SYNONYMS["reasons"],
    "days_supply": _DAYS_SUPPLY,
    "sex": _SYNONYMS["sex"],
    "birth_date": _SYNONYMS["birth_date"],
}


def exposure_header(header: Sequence[str]) -> str | None:
    """The column that makes a table's header look like a dispensing or exposure table's: one
    named as a days supply (``days_supply``, ``Days supplied``) or as the day a drug was
    dispensed (``dispense date``, ``fill date``, OMOP's ``drug_exposure_start_date``); None
    when there is none (a table of therapy episodes)."""
    signs = {*_DAYS_SUPPLY, *_DISPENSED}
    return next((name for name in header if _fold(name) in signs), None)


def _match(
    header: Sequence[str], synonyms: Mapping[str, Sequence[str]], required: Sequence[str]
) -> tuple[dict[str, str], dict[str, str], set[str]]:
    """The column each field takes (by its spellings, else a close name), a note per field, and
    the columns taken."""
    folded = {_fold(name): name for name in reversed(header)}
    taken: set[str] = set()
    found: dict[str, str] = {}
    notes: dict[str, str] = {}
    # Exact spellings first, for every field, so that a guess never takes another field's column.
    for field, spellings in synonyms.items():
        exact = next((folded[s] for s in spellings if s in folded and folded[s] not in taken), None)
        if exact is not None:
            found[field] = exact
            notes[field] = f"matched column {quoted(exact)}"
            taken.add(exact)
    for field, spellings in synonyms.items():
        if field in found:
            continue
        free = [f for f, n in folded.items() if n not in taken]
        close = difflib.get_close_matches(field.replace("_", ""), free, n=1, cutoff=0.8)
        close = close or [f for f in free for s in spellings if len(s) > 3 and s in f][:1]
        if close:
            found[field] = folded[close[0]]
            notes[field] = f"a guess from column {quoted(folded[close[0]])}: confirm"
            taken.add(found[field])
    missing = [f for f in required if f not in found]
    if missing:
        raise CohortFormatError(
            f"layout draft: no column for {', '.join(missing)}; found: {', '.join(map(quoted, header))}"
        )
    return found, notes, taken


def draft_layout(header: Sequence[str]) -> tuple[LongLayout, dict[str, str]]:
    """A draft long layout from a table's header, and a note per field saying how it matched.

    Each field takes the first column whose name is one of its usual spellings; failing that, a
    close one (difflib), noted as a guess to confirm. Columns matched to no field are kept as
    labels. The draft is for the user to read, correct and save: nothing is read with it unseen.
    :func:`draft_exposure_layout` drafts one for a dispensing or exposure table.

    Raises:
        CohortFormatError: when no column can be the patient id, the therapy or the start.
    """
    found, notes, taken = _match(header, _SYNONYMS, ("patient_id", "therapy", "start"))
    labels = tuple(name for name in header if name not in taken and name.strip())
    layout = LongLayout(
        patient_id=found["patient_id"],
        therapy=found["therapy"],
        start=found["start"],
        stop=found.get("stop"),
        reasons=found.get("reasons"),
        edss=found.get("edss"),
        labels=labels,
        sex=found.get("sex"),
        birth_date=found.get("birth_date"),
    )
    return layout, notes


def draft_exposure_layout(header: Sequence[str]) -> tuple[ExposureLayout, dict[str, str]]:
    """A draft exposure layout (``kind = "exposures"``) from a table's header, and a note per
    field saying how it matched, as :func:`draft_layout` matches them.

    Without an end column, the ends are drafted from a days-supply column when there is one
    (``end_policy = "days_supply"``, noted to confirm); with neither, the note says to choose an
    end policy. Other columns are left out: an exposure table carries no labels.

    Raises:
        CohortFormatError: when no column can be the person id, the drug or the start.
    """
    found, notes, _ = _match(header, _EXPOSURE_SYNONYMS, ("person_id", "drug", "start"))
    policy = EndPolicy.RECORDED
    if "end" not in found and "days_supply" in found:
        policy = EndPolicy.DAYS_SUPPLY
        notes["end_policy"] = "no end column: ends drawn from the days supplied; confirm"
    elif "end" not in found:
        notes["end_policy"] = "no end column: choose days_supply, default_duration or next_start"
    if "end" not in found:
        notes["end"] = "no such column found: only an end_policy other than recorded reads without it"
    names: dict[str, Any] = {field: found.get(field) for field in _EXPOSURE_COLUMNS if field != "end"}
    names.update({"end": found["end"]} if "end" in found else {})
    return ExposureLayout(ExposureColumns(**names), end_policy=policy), notes
