"""Progress of long work, stage by stage, on stderr: counts, rate and time remaining.

Long runs (the batch engine, OMOP and FHIR reads, the cohort report) open a :func:`stage` for
each step they take. Whether anything is shown is decided once per run:

- by default, only when stderr is a terminal and not inside a notebook kernel (a log file or a
  notebook gets nothing);
- ``showing(True)`` (or a function's ``progress=True``) asks for it anywhere,
  ``showing(False)`` (``progress=False``, the command line's ``--quiet``) silences it.

``dmt-timeline batch --progress`` writes plain lines instead of bars, wherever stderr goes, for
a job's log.

The bars are drawn by tqdm, the extra ``progress`` (``pip install "dmt-timeline[progress]"``),
imported only when a bar is shown; without it nothing is shown. A stage with no count to
report still shows its name and a running clock, redrawn every :data:`TICK_SECONDS`, so no
stage sits silent.
"""

from __future__ import annotations

import contextvars
import functools
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Final, TypeVar

__all__ = [
    "PROGRESS_EXTRA",
    "TICK_SECONDS",
    "Stage",
    "active",
    "counter",
    "honouring_quiet",
    "showing",
    "stage",
    "wanted",
]

PROGRESS_EXTRA: Final = 'pip install "dmt-timeline[progress]"'
"""How to get the progress bars."""

TICK_SECONDS: Final = 0.5
"""How often an open stage's bar is redrawn when nothing else moves it (its clock keeps running)."""

T = TypeVar("T")

_CHOICE: contextvars.ContextVar[bool | None] = contextvars.ContextVar("dmt_timeline_progress", default=None)
_OPEN: contextvars.ContextVar[list[Stage] | None] = contextvars.ContextVar(
    "dmt_timeline_stages", default=None
)


@contextmanager
def showing(enabled: bool | None) -> Iterator[None]:
    """Show progress (True), silence it (False) or decide by the terminal (None) inside the block.

    None inside an outer choice keeps the outer choice, so a function's ``progress=None``
    default leaves its caller's choice alone.
    """
    given: object = enabled  # checked at run time: the annotation only promises
    if given is not None and not isinstance(given, bool):
        from dmt_timeline.errors import InvalidValueError, describe_value  # noqa: PLC0415 - light

        raise InvalidValueError(f"progress {describe_value(given)} is not True, False or None")
    token = _CHOICE.set(enabled if enabled is not None else _CHOICE.get())
    opened: list[Stage] = []
    held = _OPEN.set(opened)
    try:
        yield
    finally:
        for left in opened:  # counters a failed run left open stop drawing with it
            left.close()
        _OPEN.reset(held)
        _CHOICE.reset(token)


def honouring_quiet(handler: Callable[[Any], int]) -> Callable[[Any], int]:
    """A command's handler that draws no bars when its arguments say ``quiet``, or ``progress``
    (a command's own plain lines asked for instead, as ``batch --progress`` does)."""

    @functools.wraps(handler)
    def run(args: Any) -> int:
        plain = getattr(args, "progress", False) is True
        with showing(False if getattr(args, "quiet", False) or plain else None):
            return handler(args)

    return run


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    get = getattr(shell, "get_ipython", None)
    kernel = get() if callable(get) else None
    return kernel is not None and "IPKernelApp" in getattr(kernel, "config", {})


def wanted() -> bool:
    """Whether progress is shown here and now (tqdm installed or not)."""
    choice = _CHOICE.get()
    if choice is not None:
        return choice
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        terminal = bool(isatty()) if callable(isatty) else False
    except ValueError:  # a closed stream
        terminal = False
    return terminal and not _in_notebook()


def _tqdm() -> Any:
    try:
        from tqdm import tqdm  # noqa: PLC0415 - the progress extra, only when a bar is shown
    except ImportError:
        return None
    return tqdm


def active() -> bool:
    """Whether a :func:`stage` opened here and now draws a bar (wanted, and tqdm installed)."""
    return wanted() and _tqdm() is not None


class Stage:
    """One step of a run: a name, a count done (of a total, when known), a clock.

    Call it with ``(done, total)`` (the batch engine's callback), or :meth:`update` it by a
    number of items. A silent stage (progress not shown) does nothing and costs nothing.
    """

    def __init__(self, bar: Any, *, closes_when_done: bool = False) -> None:
        self._bar = bar
        self._closes_when_done = closes_when_done
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if bar is not None:
            self._ticker = threading.Thread(target=self._tick, name="dmt-timeline-progress", daemon=True)
            self._ticker.start()

    @property
    def shown(self) -> bool:
        """Whether this stage draws a bar."""
        return self._bar is not None

    def _tick(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            with self._lock:
                self._bar.refresh()

    def __call__(self, done: int, total: int | None = None) -> None:
        if self._bar is None:
            return
        with self._lock:
            if total is not None and total != self._bar.total:
                self._bar.total = total
            self._bar.update(done - self._bar.n)
            finished = self._closes_when_done and total is not None and done >= total
        if finished:
            self.close()

    def update(self, n: int = 1) -> None:
        """Count ``n`` more items done."""
        if self._bar is None:
            return
        with self._lock:
            self._bar.update(n)

    def iterate(self, items: Iterable[T]) -> Iterator[T]:
        """Yield ``items``, counting each one done."""
        if self._bar is None:
            yield from items
            return
        for item in items:
            yield item
            self.update()

    def write(self, text: str) -> None:
        """Print a line on stderr above the bar (the bar is redrawn below it)."""
        if self._bar is None:
            print(text, file=sys.stderr, flush=True)
            return
        with self._lock:
            self._bar.write(text, file=sys.stderr)

    def note(self, text: str) -> None:
        """Show ``text`` after the counts (what the stage is doing now)."""
        if self._bar is None:
            return
        with self._lock:
            self._bar.set_postfix_str(text, refresh=True)

    def close(self) -> None:
        """Stop the clock and leave the finished bar on its line."""
        if self._bar is None:
            return
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        with self._lock:
            self._bar.close()
        self._bar = None


def _bar(name: str, total: int | None, unit: str) -> Any:
    tqdm = _tqdm() if wanted() else None
    if tqdm is None:
        return None
    return tqdm(
        total=total,
        desc=name,
        unit="B" if unit == "bytes" else f" {unit}" if unit else "it",
        # Bytes read as kB, MB, GB (powers of 1024), counts as they are.
        unit_scale=unit == "bytes",
        unit_divisor=1024,
        file=sys.stderr,
        leave=True,
        dynamic_ncols=True,
        mininterval=0.2,
        # A stage that counts nothing shows its name and clock only.
        bar_format=None if unit else "{desc}: {elapsed}{postfix}",
    )


def counter(name: str, *, unit: str) -> Stage:
    """A stage driven by a ``(done, total)`` callback, such as the batch engine's ``progress=``;
    it closes itself when ``done`` reaches ``total`` (or when the enclosing :func:`showing` ends).
    """
    current = Stage(_bar(name, None, unit), closes_when_done=True)
    opened = _OPEN.get()
    if opened is not None and current.shown:
        opened.append(current)
    return current


@contextmanager
def stage(name: str, total: int | None = None, *, unit: str = "") -> Iterator[Stage]:
    """A stage of a run, shown as a bar on stderr while the block runs (when progress is wanted).

    Args:
        name: What the stage does, such as ``"reading exposures"``.
        total: How many items the stage has, when known (then a percentage, the rate and the
            time remaining are shown); None shows the count and the clock.
        unit: What an item is (``"patients"``; ``"bytes"`` are shown in kB, MB...); empty for
            a stage that counts nothing.
    """
    bar = _bar(name, total, unit)
    current = Stage(bar)
    try:
        yield current
    finally:
        current.close()
