"""JSON text to a document, refusing what JSON readers let through, and naming only positions.

orjson (the ``fast`` extra) reads first; a text it refuses, or one that may repeat a key, is
read again by the standard library's reader, which finds the position and kind of the problem.
No third-party error leaves this module, nor is kept in a chain: ``JSONDecodeError.doc`` and
``UnicodeDecodeError.object`` hold the whole input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Final

from dmt_timeline.errors import CohortFormatError, quoted

MAX_DIGITS: Final = 4300
"""The most digits a number may have: Python's own limit on reading an integer from text."""
MAX_DEPTH: Final = 512
"""How deeply arrays and objects may nest. A cohort nests six levels; the standard library's
reader would otherwise stop at Python's recursion limit, wherever that happens to be."""

_REFUSED: Final = "cannot read JSON"
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
# A JSON string, or one of the tokens a scan for a position needs; linear, never backtracking.
_STRING: Final = r'"(?:[^"\\]|\\.)*"'
_BRACKETS: Final = re.compile(_STRING + r"|[\[{]|[\]}]", re.DOTALL)
_NUMBERS: Final = re.compile(_STRING + r"|-?[0-9]+", re.DOTALL)
_ESCAPED_COLON: Final = re.compile(rb"\\u003[aA]")


class _RepeatedKeys(dict[str, Any]):
    """An object in which a key was given more than once: the reader keeps the last value."""

    repeated: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) == len(pairs):
        return found
    marked = _RepeatedKeys(found)
    counts: dict[str, int] = {}
    for key, _ in pairs:
        counts[key] = counts.get(key, 0) + 1
    marked.repeated = tuple(key for key, n in counts.items() if n > 1)
    return marked


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"line {line} column {offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def _too_deep(text: str) -> str:
    depth = 0
    for match in _BRACKETS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return f"{_position(text, match.start())}: nested more than {MAX_DEPTH} levels deep"
        elif token in "]}":
            depth -= 1
    return f"nested more than {MAX_DEPTH} levels deep"


def _too_long(text: str) -> str:
    for match in _NUMBERS.finditer(text):
        token = match.group()
        if not token.startswith('"') and len(token.lstrip("-")) > MAX_DIGITS:
            return f"{_position(text, match.start())}: a number of more than {MAX_DIGITS} digits"
    return f"a number of more than {MAX_DIGITS} digits"


def _decode(data: bytes) -> tuple[str, str]:
    """The text of UTF-8 ``data`` (a byte-order mark is dropped), or where it is not UTF-8."""
    start = -1
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError as exc:  # its .object is the whole input: keep only the offset
        start = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
    line = data.count(b"\n", 0, start) + 1
    column = start - (data.rfind(b"\n", 0, start) + 1) + 1
    return "", f"line {line} byte {column}: not UTF-8 text"


def _step(part: str | int) -> str:
    if isinstance(part, int):
        return f"[{part}]"
    if part.isascii() and part.isidentifier() and len(part) <= 40:
        return f".{part}"
    return f"[{quoted(part)}]"


def _path(parts: list[str | int]) -> str:
    text = "".join(_step(part) for part in parts)
    return text.removeprefix(".") if text else "the document"


def _unreadable(doc: Any) -> list[str]:
    """Keys given twice and lone surrogates, each by its path; iterative, as deep as ``doc``."""
    problems: list[str] = []
    stack: list[tuple[Any, list[str | int]]] = [(doc, [])]
    while stack:
        value, parts = stack.pop()
        if isinstance(value, str):
            if not value.isascii() and _SURROGATE.search(value):
                problems.append(f"{_path(parts)}: a lone surrogate, which is not text")
        elif isinstance(value, dict):
            if isinstance(value, _RepeatedKeys):
                keys = ", ".join(quoted(key) for key in value.repeated[:5])
                problems.append(
                    f"{_path(parts)}: key{'s' if len(value.repeated) > 1 else ''} {keys} given more "
                    "than once in one object"
                )
            for key, item in reversed(value.items()):
                if not key.isascii() and _SURROGATE.search(key):
                    problems.append(f"{_path(parts)}: a key holds a lone surrogate, which is not text")
                stack.append((item, [*parts, key]))
        elif isinstance(value, list):
            stack.extend((item, [*parts, i]) for i, item in reversed(list(enumerate(value))))
    return problems


def _parse_detailed(text: str | bytes) -> Any:
    """The standard library's reader, made to refuse what it would accept or crash on."""
    if isinstance(text, bytes | bytearray | memoryview):
        text, problem = _decode(bytes(text))
        if problem:
            raise CohortFormatError(_REFUSED, (problem,))
    long_numbers: list[str] = []

    def parse_int(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_DIGITS:  # int() would raise ValueError, without a position
            long_numbers.append(digits[:1])
            return 0
        return int(digits)

    problem = ""
    doc: Any = None
    try:
        doc = json.loads(text, object_pairs_hook=_object, parse_int=parse_int)
    except json.JSONDecodeError as exc:  # its .doc is the whole input: keep only the position
        problem = f"line {exc.lineno} column {exc.colno}: {exc.msg}"
    except RecursionError:
        problem = "deep"
    if problem == "deep":
        problem = _too_deep(text)
    if not problem and long_numbers:
        problem = _too_long(text)
    if problem:
        raise CohortFormatError(_REFUSED, (problem,))
    found = _unreadable(doc)
    if found:
        raise CohortFormatError(_REFUSED, tuple(found))
    return doc


def _fast_reader() -> tuple[Callable[[Any], Any], Callable[[Any], bytes]] | None:
    try:
        import orjson  # noqa: PLC0415 - optional (extra "fast"); imported on first use
    except ImportError:
        return None
    return orjson.loads, orjson.dumps


def _may_repeat_keys(text: str | bytes, doc: Any, dumps: Callable[[Any], bytes]) -> bool:
    """Whether orjson, which keeps the last of repeated keys silently, may have dropped one.

    Every key is followed by one colon outside strings; orjson's own output of ``doc`` has as
    many colons as ``doc`` has keys, plus those inside its strings, which are the input's
    strings less any dropped with a key. So when no colon is written as an escape
    (``\\u003a``), equal counts mean no key was dropped. All in C, a few per cent of a load.
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    if _ESCAPED_COLON.search(raw) is not None:
        return True
    return dumps(doc).count(b":") != raw.count(b":")


def parse(text: str | bytes) -> Any:
    """The document JSON ``text`` holds (bytes are UTF-8), or the library's error.

    Raises:
        CohortFormatError: naming the position or path of each problem, never the text.
    """
    fast = _fast_reader()
    if fast is not None:
        loads, dumps = fast
        doc: Any = None
        read = False
        try:
            doc = loads(text)
            read = True
        except Exception:
            pass
        if read and not _may_repeat_keys(text, doc, dumps):
            return doc
        doc = None
    if not isinstance(text, str | bytes | bytearray | memoryview):
        raise CohortFormatError(_REFUSED, (f"expected text or bytes, not {type(text).__name__}",))
    return _parse_detailed(text)
