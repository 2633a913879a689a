"""Checks that no input value leaks: through a message, a repr, an exception chain or output.

The fuzz suites plant sentinels (a name-like id elsewhere in the row, a free-text note, a unique
date) in generated inputs and assert that none of them appears anywhere a log could catch it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from dmt_timeline.errors import DmtTimelineError

SENTINELS = ("Jane-Roe-0917", "HIV+ confidential note", "1961-11-23")
"""Values a fuzz test plants where a health record would hold them."""


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception reachable through ``__cause__`` and ``__context__``."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def texts_of(exc: BaseException) -> Iterator[str]:
    """Every text a log or a debugger would show of ``exc`` and its chain, attributes included."""
    for current in exception_chain(exc):
        yield str(current)
        yield repr(current)
        yield from (repr(arg) for arg in current.args)
        yield from (repr(v) for v in vars(current).values()) if hasattr(current, "__dict__") else ()
        for name in ("doc", "object", "msg"):  # JSONDecodeError.doc, UnicodeDecodeError.object
            if hasattr(current, name):
                yield repr(getattr(current, name))


def assert_no_leak(texts: Iterable[str], sentinels: Iterable[str] = SENTINELS) -> None:
    """Fail naming the sentinel that appears in any of ``texts``."""
    for text in texts:
        for sentinel in sentinels:
            assert sentinel not in text, f"planted value {sentinel!r} leaked"


def assert_own_error(exc: BaseException, sentinels: Iterable[str] = SENTINELS) -> None:
    """``exc`` is the library's own error, and neither it nor its chain carries a sentinel."""
    assert isinstance(exc, DmtTimelineError), f"{type(exc).__name__} escaped, not the library's own error"
    assert_no_leak(texts_of(exc), sentinels)
