"""One fuzz target per reader: each takes bytes and fails only when something other than the
library's own error escapes, or when a planted sentinel shows in what the library says.

A target returns normally for an input that reads or is refused properly. Run them through
``fuzz/run.py`` (coverage-guided with atheris, or a plain mutation loop); see fuzz/README.md.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dmt_timeline.errors import DmtTimelineError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.leaks, the sentinel checks the test suites share

from tests.leaks import SENTINELS, texts_of  # noqa: E402 - after the path it needs

NAME, NOTE, DAY = SENTINELS


class Finding(AssertionError):  # noqa: N818 - a finding of the fuzzer, not an error of the library
    """What a target found: an escaped error, a leak or a traceback. Its text names the kind."""


def _leaks(texts: list[str]) -> list[str]:
    return [s for s in SENTINELS if any(s in text for text in texts)]


def _refused(exc: BaseException) -> None:
    """``exc`` must be the library's own, and say none of the sentinels."""
    if not isinstance(exc, DmtTimelineError):
        raise Finding(f"escaped: {type(exc).__name__} at {_where(exc)}")
    leaked = _leaks(list(texts_of(exc)))
    if leaked:
        raise Finding(f"leak: {leaked} in {type(exc).__name__}")


def _where(exc: BaseException) -> str:
    """The innermost frame of the library (or the last frame) that ``exc`` went through."""
    frames: list[str] = []
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        frames.append(f"{Path(code.co_filename).name}:{tb.tb_lineno} {code.co_name}")
        tb = tb.tb_next
    own = [f for f in frames if "dmt_timeline" in f or f.split(":")[0] in _OWN_FILES]
    return (own or frames or ["?"])[-1]


_OWN_FILES = {p.name for p in (ROOT / "src" / "dmt_timeline").rglob("*.py")}


def _file(data: bytes, suffix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="dmt_fuzz_"))
    path = folder / f"input{suffix}"
    path.write_bytes(data)
    return path


def _cleanup(path: Path) -> None:
    for child in sorted(path.parent.rglob("*"), reverse=True):
        child.unlink() if child.is_file() or child.is_symlink() else child.rmdir()
    path.parent.rmdir()


def _call(read: Callable[[], Any]) -> Any:
    try:
        return read()
    except Exception as exc:  # the point: judge what escaped
        _refused(exc)
    return None


def cohort_json(data: bytes) -> None:
    """``serialize.loads`` of a cohort; what reads must also save."""
    from dmt_timeline.model import Cohort  # noqa: PLC0415
    from dmt_timeline.serialize import dumps, loads  # noqa: PLC0415

    cohort = _call(lambda: loads(data, Cohort))
    if cohort is not None:
        try:
            dumps(cohort).encode("utf-8")
        except Exception as exc:
            raise Finding(f"read but cannot be saved: {type(exc).__name__}") from None


def _problems_leak(read: Any) -> None:
    """A read that skipped rows: its reported problems say no sentinel."""
    problems = getattr(read, "problems", None) or getattr(read, "skipped", None) or ()
    texts = [repr(p) for p in problems]
    leaked = _leaks(texts)
    if leaked:
        raise Finding(f"leak: {leaked} in a reported problem")


def wide_csv(data: bytes) -> None:
    """``io.read_wide_csv`` through the study layout, strict and skipping bad rows."""
    from dmt_timeline.io import STUDY_LAYOUT, read_wide_csv  # noqa: PLC0415

    path = _file(data, ".csv")
    try:
        _call(lambda: read_wide_csv(path, STUDY_LAYOUT))
        _problems_leak(_call(lambda: read_wide_csv(path, STUDY_LAYOUT, skip_bad_rows=True)))
    finally:
        _cleanup(path)


def exposure_csv(data: bytes) -> None:
    """``io.read_exposures_csv``, strict and skipping bad rows."""
    from dmt_timeline.io import read_exposures_csv  # noqa: PLC0415

    path = _file(data, ".csv")
    try:
        _call(lambda: read_exposures_csv(path))
        _problems_leak(_call(lambda: read_exposures_csv(path, skip_bad_rows=True)))
    finally:
        _cleanup(path)


_VALUES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    2**70,
    1.5,
    float("nan"),
    "",
    " ",
    "\ud800",
    "x" * 20_000,
    "2007-13",
    "Patient/",
    "Patient/ P01",
    "active",
    [],
    {},
    ["active"],
    {"a": 1},
    [[[]]],
    "\n",
)


def _paths(node: Any) -> list[tuple[Any, ...]]:
    """Every path in ``node``, down to a few levels (the mutations only replace and wrap)."""
    found: list[tuple[Any, ...]] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(node, ())]
    while stack:
        value, path = stack.pop()
        found.append(path)
        if len(path) >= 12:
            continue
        if isinstance(value, dict):
            stack.extend((item, (*path, key)) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, (*path, i)) for i, item in enumerate(value))
    return found


def _mutated_bundle(data: bytes) -> Any:
    """A valid bundle (one patient's statements) with values replaced where ``data`` says."""
    from dmt_timeline.datasets import load_natalizumab_psoriasis  # noqa: PLC0415
    from dmt_timeline.io import cohort_to_fhir  # noqa: PLC0415
    from dmt_timeline.model import Cohort  # noqa: PLC0415

    bundle = cohort_to_fhir(Cohort(load_natalizumab_psoriasis().patients[:2]))
    for entry in bundle["entry"]:
        entry["resource"]["note"] = [{"text": NOTE}]
    for i in range(0, min(len(data) - 2, 24), 3):  # at most eight edits
        paths = _paths(bundle)
        path = paths[int.from_bytes(data[i : i + 2], "big") % len(paths)]
        if not path or path[-1:] == ("note",) or "note" in path:
            continue
        parent: Any = bundle
        for step in path[:-1]:
            parent = parent[step]
        choice = data[i + 2]
        if choice < 200:
            parent[path[-1]] = copy.deepcopy(_VALUES[choice % len(_VALUES)])
        elif choice < 230 and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = [parent[path[-1]]]
    return bundle


def fhir_bundle(data: bytes) -> None:
    """``io.read_fhir_bundle``: an even first byte takes the rest as bundle JSON (bytes that
    are not JSON are skipped: the JSON parse is not judged), an odd one mutates a valid bundle
    where the rest says (wrong JSON types, missing fields, lists for values)."""
    from dmt_timeline.io import read_fhir_bundle  # noqa: PLC0415

    if not data:
        return
    if data[0] % 2:
        bundle = _mutated_bundle(data[1:])
    else:
        try:
            bundle = json.loads(data[1:])
        except (ValueError, RecursionError):
            return
    _call(lambda: read_fhir_bundle(bundle))
    _problems_leak(_call(lambda: read_fhir_bundle(bundle, skip_bad_rows=True)))


def batch_csv(data: bytes) -> None:
    """``batch.exposure_transitions`` over a CSV file."""
    from dmt_timeline.batch import exposure_transitions  # noqa: PLC0415

    path = _file(data, ".csv")
    try:
        _call(lambda: exposure_transitions(path, skip_unknown=bool(len(data) % 2)))
    finally:
        _cleanup(path)


COMMANDS = (
    ("validate", ".json"),
    ("summary", ".json"),
    ("describe", ".json"),
    ("reproduce", ".json"),
    ("batch", ".csv"),
)


def cli(data: bytes) -> None:
    """``dmt-timeline COMMAND FILE``: the first byte picks the command, the rest is the file.
    Status 0 or 1, no traceback, no 'internal error', no sentinel in the output."""
    from dmt_timeline.cli import main  # noqa: PLC0415

    if not data:
        return
    command, suffix = COMMANDS[data[0] % len(COMMANDS)]
    path = _file(data[1:], suffix)
    out, err = io.StringIO(), io.StringIO()
    args = [command, str(path)]
    if command == "batch":
        args += ["-o", str(path.parent / "out"), "--quiet"]
    if command == "reproduce":
        args += ["--resamples", "9"]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(args)
            except SystemExit as exit_:  # argparse
                status = exit_.code if isinstance(exit_.code, int) else 2
            except Exception as exc:
                raise Finding(f"escaped main: {type(exc).__name__} at {_where(exc)}") from None
    finally:
        _cleanup(path)
    shown = out.getvalue() + err.getvalue()
    if status not in (0, 1):
        raise Finding(f"{command}: status {status}")
    if "Traceback" in shown or "internal error" in shown:
        first = next((line for line in err.getvalue().splitlines() if "internal error" in line), "traceback")
        raise Finding(f"{command}: {first[:120]}")
    leaked = _leaks([shown])
    if leaked:
        raise Finding(f"{command}: leak {leaked} in the output")


TARGETS: dict[str, Callable[[bytes], None]] = {
    "json": cohort_json,
    "wide": wide_csv,
    "exposures": exposure_csv,
    "fhir": fhir_bundle,
    "batch": batch_csv,
    "cli": cli,
}
