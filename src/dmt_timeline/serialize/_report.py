"""Refusals as readable lines: cattrs' error tree flattened into ``patient <id>: <path>: <problem>``.

Values are quoted, records never are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_origin

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError

from dmt_timeline.errors import DmtTimelineError, quoted
from dmt_timeline.ids import patient_id
from dmt_timeline.model import Cohort, Patient
from dmt_timeline.serialize._hooks import _check_text

_NAMED_KEYS = 5  # unknown keys a message names; the rest are counted


def _expected(cls: Any) -> str:
    if get_origin(cls) in (tuple, list):
        return "expected a list"
    if attrs.has(cls):
        return f"expected an object (a {cls.__name__})"
    return "expected a value of another kind"


def unknown_keys(keys: Any) -> str:
    """``unknown fields 'a', 'b'``: at most a few keys, each quoted (a key is input text too)."""
    names = sorted(keys)
    shown = ", ".join(quoted(name) for name in names[:_NAMED_KEYS])
    more = f" and {len(names) - _NAMED_KEYS} more" if len(names) > _NAMED_KEYS else ""
    return f"unknown field{'s' if len(names) != 1 else ''} {shown}{more}"


def _message(exc: BaseException, cls: type | None = None) -> str:
    """Keep the library's own messages; never let cattrs reduce them to 'invalid value'.

    Any other exception's text may quote the input (a key, a value), so it is never shown.
    """
    if isinstance(exc, DmtTimelineError):
        return str(exc)
    if isinstance(exc, KeyError):
        return "required field is missing"
    if isinstance(exc, ForbiddenExtraKeysError):
        return unknown_keys(exc.extra_fields)
    return _expected(cls)


def _problems(exc: BaseException, doc: Any, cls: type) -> tuple[str, ...]:
    """Flatten cattrs' error tree into ``patient <id>: <path>: <problem>`` lines."""
    if isinstance(exc, ClassValidationError | IterableValidationError):
        lines = cattrs.transform_error(exc, path="$", format_exception=_message)
    else:
        lines = [f"{_message(exc, cls)} @ $"]
    return tuple(_locate(line, doc, cls) for line in lines)


def _locate(line: str, doc: Any, cls: type) -> str:
    problem, _, path = line.rpartition(" @ ")
    path = path.removeprefix("$").removeprefix(".")
    who = ""
    if cls is Cohort and path.startswith("patients["):
        index_text, _, rest = path.removeprefix("patients[").partition("]")
        who, path = _patient_name(doc, index_text), rest.removeprefix(".")
    elif cls is Patient and isinstance(doc, Mapping):
        who = _patient_name({"patients": [doc]}, "0")
    if who:
        # Errors raised while building a Patient already name it.
        problem = problem.removeprefix(who)
    where = f"{path}: " if path else ""
    return f"{who}{where}{problem}"


def _patient_name(doc: Any, index_text: str) -> str:
    """``patient 'P01': `` as errors raised while building the patient name it, else its index."""
    raw = None
    patients = doc.get("patients") if isinstance(doc, Mapping) else None
    if isinstance(patients, list) and index_text.isdigit() and int(index_text) < len(patients):
        record = patients[int(index_text)]
        raw = record.get("id") if isinstance(record, Mapping) else None
    name = read_id(raw)
    return f"patient {quoted(name)}: " if name is not None else f"patients[{index_text}]: "


def read_id(raw: Any) -> str | None:
    """The id a JSON patient record's ``id`` gives, or None when it gives none."""
    if not isinstance(raw, str):
        return None
    try:
        return patient_id(_check_text(raw))
    except DmtTimelineError:
        return None


def _flatten(exc: BaseException, cls: type) -> list[str]:
    if isinstance(exc, ClassValidationError | IterableValidationError):
        return cattrs.transform_error(exc, path="$", format_exception=_message)
    return [f"{_message(exc, cls)} @ $"]
