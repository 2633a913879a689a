"""Refusals as readable lines: cattrs' error tree flattened into ``patient <id>: <path>: <problem>``.

Values are quoted, records never are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_origin

import attrs
import cattrs
from cattrs.errors import ClassValidationError, IterableValidationError

from dmt_timeline.errors import DmtTimelineError
from dmt_timeline.model import Cohort, Patient


def _expected(cls: Any) -> str:
    if get_origin(cls) in (tuple, list):
        return "expected a list"
    if attrs.has(cls):
        return f"expected an object (a {cls.__name__})"
    return "expected a value of another kind"


def _message(exc: BaseException, cls: type | None = None) -> str:
    """Keep the library's own messages; never let cattrs reduce them to 'invalid value'."""
    if isinstance(exc, KeyError) and not isinstance(exc, DmtTimelineError):
        return "required field is missing"
    if isinstance(exc, DmtTimelineError | ValueError | LookupError):
        return str(exc)
    if isinstance(exc, TypeError | AttributeError):
        return _expected(cls)
    return cattrs.v.format_exception(exc, None)


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
    try:
        patient_id = doc["patients"][int(index_text)]["id"]
    except (KeyError, IndexError, TypeError, ValueError):
        patient_id = None
    if isinstance(patient_id, str) and patient_id:
        return f"patient {patient_id}: "
    return f"patients[{index_text}]: "


def _flatten(exc: BaseException, cls: type) -> list[str]:
    if isinstance(exc, ClassValidationError | IterableValidationError):
        return cattrs.transform_error(exc, path="$", format_exception=_message)
    return [f"{_message(exc, cls)} @ $"]
