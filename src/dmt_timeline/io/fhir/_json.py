"""JSON text in, checked: decoding errors become the library's own, naming a place, never the text.

``json.JSONDecodeError`` keeps the whole document (``.doc``) and ``UnicodeDecodeError`` the
whole input (``.object``); both would reach a log through ``__context__`` even after
``raise ... from None``. Every decoding failure is therefore turned into a message first and
raised outside the ``except`` block, so no chain is kept.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

__all__ = ["DecodeError", "decode_json", "has_lone_surrogate"]

_SURROGATE: Final = re.compile("[\ud800-\udfff]")


class DecodeError(Exception):
    """Raised inside this module only: what went wrong, without any of the text."""


class _DuplicateKeyError(Exception):
    pass


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a surrogate code point (not valid Unicode; cannot be written as UTF-8)."""
    return _SURROGATE.search(text) is not None


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateKeyError
    return result


def decode_json(data: bytes | str) -> Any:
    """The JSON value in ``data`` (UTF-8 bytes or text).

    Lone surrogates written as ``\\ud800`` escapes are decoded as Python does; the readers
    refuse them where they read text.

    Raises:
        DecodeError: naming what is wrong and where (offset, line, column), with no content.
    """
    problem: str | None = None
    value: Any = None
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        value = json.loads(text, object_pairs_hook=_pairs)
    # Each message is built of places only; it is raised below, outside this block, so that
    # no exception holding the text is chained to it.
    except UnicodeDecodeError as exc:
        problem = f"is not UTF-8 (invalid byte at offset {exc.start})"
    except json.JSONDecodeError as exc:
        problem = f"is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    except _DuplicateKeyError:
        problem = "is not JSON this reader accepts: an object repeats a key"
    except RecursionError:
        problem = "is not JSON this reader accepts: nested too deeply"
    except ValueError:  # Python refuses to convert integers of more than 4300 digits
        problem = "is not JSON this reader accepts: a number too long to read"
    if problem is not None:
        raise DecodeError(problem)
    return value
