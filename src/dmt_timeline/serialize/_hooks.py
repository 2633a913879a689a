"""The converter: how each of the library's types travels as JSON, and what it refuses.

Follows cattrs' preconf pattern: :func:`configure_converter` teaches any converter the
library's types and :func:`make_converter` builds a ready one.
"""

from __future__ import annotations

import contextlib
import enum
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, get_origin

import cattrs
from cattrs.cols import homogenous_tuple_structure_factory
from cattrs.gen import make_dict_structure_fn, override
from cattrs.preconf.json import configure_converter as configure_json

from dmt_timeline.catalogue import CATALOGUE, Catalogue, Code, Therapy
from dmt_timeline.conditions import Condition
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import DmtTimelineError, describe_value, quoted
from dmt_timeline.ids import patient_id
from dmt_timeline.model import EDSS, MAX_TEXT_LENGTH, Patient, StopState

_LABELS: Final = tuple[tuple[str, str], ...]  # Patient.labels
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_DATE_LENGTH: Final = len("YYYY-MM-DD")
_NAME_LENGTH: Final = 100  # far beyond any therapy's name; the catalogue's fuzzy match is not linear


def _check_text(value: str) -> str:
    """Text the model may hold: bounded, and encodable (a lone surrogate could not be saved)."""
    if len(value) > MAX_TEXT_LENGTH:
        raise DmtTimelineError(
            f"text of {len(value)} characters: more than the {MAX_TEXT_LENGTH} a value may have"
        )
    if not value.isascii() and _SURROGATE.search(value) is not None:
        raise DmtTimelineError(f"{quoted(value)} holds a lone surrogate, which is not text")
    return value


def _structure_partial_date(value: Any, _: type) -> PartialDate:
    if isinstance(value, int) and not isinstance(value, bool):
        # A bare year is common in hand-written JSON; an integer cannot be month-precise.
        return PartialDate(value)
    if not isinstance(value, str):
        raise DmtTimelineError(f"partial date {describe_value(value)}: expected text such as '2007-03'")
    if len(value) > _DATE_LENGTH:  # refused here, so that no message quotes a long text whole
        raise DmtTimelineError(f"partial date {quoted(value)}: expected YYYY, YYYY-MM or YYYY-MM-DD")
    return PartialDate.parse(value)


_STOP_STATES: Final = {state.value: state for state in StopState}


def _structure_stop(value: Any, _: type) -> PartialDate | StopState:
    state = _STOP_STATES.get(value) if isinstance(value, str) else None
    return state if state is not None else _structure_partial_date(value, PartialDate)


def _unstructure_stop(value: PartialDate | StopState) -> str:
    return value.value if isinstance(value, StopState) else str(value)


def _structure_edss(value: Any, _: type) -> EDSS:
    if isinstance(value, str):
        raise DmtTimelineError(f"EDSS {quoted(value)} is text: write the score as a number")
    if isinstance(value, Mapping | list):
        raise DmtTimelineError(f"EDSS {describe_value(value)}: expected a number")
    return EDSS(value)


def _structure_labels(value: Any, _: type) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise DmtTimelineError("expected an object of text values")
    for key, text in value.items():
        _check_text(key)
        _check_text(text)
    return tuple(sorted(value.items()))


# cattrs' own hooks for these call int(), bool() and str() on the value: "2" would become 2,
# 3.9 would become 3 and "no" would become True. Silent coercion is refused at the boundary.
def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise DmtTimelineError(f"{describe_value(value)} is not a whole number")


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    raise DmtTimelineError(f"{describe_value(value)} is not true or false")


def _structure_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return _check_text(value)
    raise DmtTimelineError(f"{describe_value(value)} is not text")


def _structure_patient_id(value: Any, _: type) -> str:
    """A patient id in JSON is text, read by the rule every reader shares (:func:`patient_id`)."""
    if not isinstance(value, str):
        raise DmtTimelineError(f"patient id {describe_value(value)}: expected text")
    return patient_id(_check_text(value))


def _is_tuple_of_values(cls: Any) -> bool:
    return get_origin(cls) is tuple and cls != _LABELS


def _strict_tuple(cls: Any, converter: cattrs.BaseConverter) -> Callable[[Any, type], tuple[Any, ...]]:
    """Tuples are read from JSON lists only: cattrs would iterate a text or an object's keys."""
    inner = homogenous_tuple_structure_factory(cls, converter)

    def structure_tuple(value: Any, _: type) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise DmtTimelineError(f"{describe_value(value)} is not a list")
        return tuple(inner(value, cls))

    return structure_tuple


def _structure_therapy(catalogue: Catalogue) -> Callable[[Any, type], Therapy]:
    found: dict[str, Therapy] = {}  # names repeat across a cohort; the catalogue is immutable

    def structure_therapy(value: Any, _: type) -> Therapy:
        if not isinstance(value, str):
            raise DmtTimelineError(f"therapy {describe_value(value)}: expected a name such as 'natalizumab'")
        if len(value) > _NAME_LENGTH:
            raise DmtTimelineError(f"unknown therapy {quoted(value)}")
        therapy = found.get(value)
        if therapy is None:
            therapy = found[value] = catalogue.get(value)
        return therapy

    return structure_therapy


def _structure_enum(value: Any, cls: type[enum.Enum]) -> enum.Enum:
    member = None
    with contextlib.suppress(ValueError):  # refused below, without Enum's message as a context
        member = cls(value)
    if member is None:
        known = ", ".join(repr(member.value) for member in cls)
        raise DmtTimelineError(f"{describe_value(value)} is not one of {known}")
    return member


_CONDITION_FIELDS: Final = frozenset({"name", "codes"})
_CONDITIONS: dict[str, Condition] = {}
_CONDITIONS_KEPT: Final = 4096
_CODE_FIELDS: Final = frozenset({"system", "code", "source"})


def _structure_code(value: Any) -> Code:
    if not isinstance(value, Mapping) or not {"system", "code"} <= value.keys() <= _CODE_FIELDS:
        raise DmtTimelineError(
            f"condition code {describe_value(value)}: expected an object with system and code"
        )
    system, code, source = value["system"], value["code"], value.get("source", "")
    if not isinstance(source, str):
        raise DmtTimelineError(f"condition code source {describe_value(source)} is not text")
    return Code(system, code, _check_text(source))


def structure_condition(value: Any, _: type = Condition) -> Condition:
    """A condition from JSON: its name, or an object with its name and the codes given with it."""
    if isinstance(value, str):
        # Files repeat their few condition names: each is read once (bounded; conditions are immutable).
        found = _CONDITIONS.get(value)
        if found is None:
            if len(_CONDITIONS) >= _CONDITIONS_KEPT:
                _CONDITIONS.clear()
            found = _CONDITIONS[value] = Condition(value)
        return found
    if not isinstance(value, Mapping) or not {"name"} <= value.keys() <= _CONDITION_FIELDS:
        raise DmtTimelineError(f"condition {describe_value(value)}: expected a name or an object with a name")
    codes = value.get("codes", [])
    if not isinstance(codes, list):
        raise DmtTimelineError(f"condition codes {describe_value(codes)}: expected a list")
    return Condition(value["name"], tuple(_structure_code(c) for c in codes))


def unstructure_condition(condition: Condition) -> str | dict[str, Any]:
    """A condition as JSON: its name, with the codes given with it when there are any."""
    added = condition.added_codes
    if not added:
        return condition.name
    codes = [
        {"system": c.system, "code": c.code, **({"source": c.source} if c.source else {})} for c in added
    ]
    return {"name": condition.name, "codes": codes}


def configure_converter(converter: cattrs.Converter, *, catalogue: Catalogue = CATALOGUE) -> None:
    """Teach ``converter`` the library's types; therapies are looked up in ``catalogue``."""
    configure_json(converter)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook_factory(_is_tuple_of_values, _strict_tuple)
    converter.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), _structure_enum
    )
    converter.register_structure_hook(PartialDate, _structure_partial_date)
    converter.register_structure_hook(Condition, structure_condition)
    converter.register_unstructure_hook(Condition, unstructure_condition)
    converter.register_unstructure_hook(PartialDate, str)
    converter.register_structure_hook(PartialDate | StopState, _structure_stop)
    converter.register_unstructure_hook(PartialDate | StopState, _unstructure_stop)
    converter.register_structure_hook(Therapy, _structure_therapy(catalogue))
    converter.register_unstructure_hook(Therapy, lambda therapy: therapy.name)
    converter.register_structure_hook(EDSS, _structure_edss)
    converter.register_unstructure_hook(EDSS, lambda edss: edss.score)
    converter.register_structure_hook_func(lambda t: t == _LABELS, _structure_labels)
    converter.register_unstructure_hook_func(lambda t: t == _LABELS, dict)
    converter.register_structure_hook(
        Patient,
        make_dict_structure_fn(
            Patient,
            converter,
            _cattrs_forbid_extra_keys=converter.forbid_extra_keys,
            id=override(struct_hook=_structure_patient_id),
        ),
    )


def make_converter(*, catalogue: Catalogue = CATALOGUE) -> cattrs.Converter:
    """A new converter for the library's types: unknown keys refused, defaults omitted."""
    converter = cattrs.Converter(forbid_extra_keys=True, omit_if_default=True)
    configure_converter(converter, catalogue=catalogue)
    return converter


_CONVERTER: Final = make_converter()
"""The library's converter: what :func:`~dmt_timeline.serialize.structure` uses by default."""
