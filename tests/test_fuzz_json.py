"""Fuzzing the cohort JSON readers: mutated valid documents and byte noise, fed to ``loads``,
``load_cohort`` and ``dmt-timeline validate``.

Each input either reads (and can then be saved) or is refused with the library's own error; no
planted sentinel (a name, a free-text note, a unique date, each where a record would keep it)
appears in a message, a repr, an exception chain or the command's output. The ``ci`` and
``dev`` profiles keep this fast; ``HYPOTHESIS_PROFILE=fuzz`` runs it long.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmt_timeline.cli import main
from dmt_timeline.errors import DmtTimelineError
from dmt_timeline.model import Cohort, Patient
from dmt_timeline.serialize import _json, dumps, load_cohort, loads, unstructure
from dmt_timeline.strategies import cohorts, patients
from tests.leaks import SENTINELS, assert_no_leak, assert_own_error, exception_chain

NAME, NOTE, DAY = SENTINELS
# At most 100 examples a test in the dev and CI profiles, so that the suite stays fast; the
# fuzz profile's budget as it is.
_BUDGET = settings().max_examples
FUZZ = settings(max_examples=_BUDGET if _BUDGET > 1000 else min(_BUDGET, 100))
RAW = "\x00raw\x00"  # stands for raw JSON text spliced in after json.dumps (deep nesting, long numbers)

Path_ = tuple[str | int, ...]


def _planted(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with sentinels where a record keeps personal data: labels and metadata."""
    for patient in doc.get("patients", []):
        patient["labels"] = {"name": NAME, "note": NOTE, "born": DAY}
    doc["metadata"] = {"citation": NAME, "description": NOTE}
    return doc


def _paths(node: Any, path: Path_ = ()) -> list[Path_]:
    """Every path in ``node``, except into the planted values (a mutation may replace a whole
    labels object, never move a sentinel into a field whose problems are quoted)."""
    found = [path]
    if isinstance(node, dict) and path[-1:] != ("labels",) and path != ("metadata",):
        for key, value in node.items():
            found.extend(_paths(value, (*path, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_paths(value, (*path, i)))
    return found


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


HOSTILE_TEXT = st.one_of(
    st.sampled_from(["", " ", "\n", "\ud800", "P\udfff1", "2007-13", "NA", "ongoing", "LOE*", "x" * 20_000]),
    st.text(max_size=30),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
)
HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63, max_value=2**200),
    st.floats(allow_nan=True, allow_infinity=True),
    HOSTILE_TEXT,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.just(RAW),
)
RAW_TEXT = st.one_of(
    st.integers(1, 6000).map(_nested),
    st.integers(4000, 6000).map(lambda n: "9" * n),
    st.integers(1, 3000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.sampled_from(["NaN", "-Infinity", "1e999", "-0", "1E400", "[1,]", "{", '"\\ud800"']),
)


@st.composite
def mutated_documents(draw: st.DrawFn) -> str | bytes:
    """A valid cohort document, planted with sentinels, then mutated where a reader may break."""
    cohort = draw(cohorts(patients(max_episodes=3), max_size=3))
    doc = _planted(unstructure(cohort))
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(_paths(doc)))
        if not path:
            doc = draw(HOSTILE)
            continue
        parent: Any = doc
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        action = draw(st.sampled_from(["replace", "delete", "add", "wrap"]))
        if action == "replace":
            parent[last] = draw(HOSTILE)
        elif action == "delete":
            del parent[last]
        elif action == "wrap":
            parent[last] = [parent[last]]
        elif isinstance(parent, dict):
            parent[draw(HOSTILE_TEXT)] = draw(HOSTILE)
        else:
            parent.append(draw(HOSTILE))
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()), allow_nan=True)
    while RAW in text or json.dumps(RAW) in text:
        text = text.replace(json.dumps(RAW), draw(RAW_TEXT), 1)
    if draw(st.booleans()):
        # A key given twice: a copy of one key, with another value, just before it.
        keys = [
            k for k in ("id", "episodes", "patients", "start", "therapy", "reasons") if f'"{k}": ' in text
        ]
        if keys:
            key = draw(st.sampled_from(keys))
            text = text.replace(f'"{key}": ', f'"{key}": {json.dumps(draw(HOSTILE))}, "{key}": ', 1)
    if draw(st.booleans()):
        return text
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    return text.encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace")


@st.composite
def noisy_bytes(draw: st.DrawFn) -> bytes:
    """A valid cohort's bytes, planted with sentinels, with bytes flipped, dropped and inserted."""
    cohort = draw(cohorts(patients(max_episodes=2), max_size=2))
    data = bytearray(json.dumps(_planted(unstructure(cohort))).encode("utf-8"))
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "drop", "insert"]))
        if action == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "drop":
            del data[at]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
    return bytes(data)


DOCUMENTS = st.one_of(mutated_documents(), noisy_bytes())


def _own_and_unchained(exc: DmtTimelineError) -> None:
    assert_own_error(exc)
    assert [exc] == list(exception_chain(exc)), "a third-party error is chained"
    for line in getattr(exc, "problems", ()):
        assert "\n" not in line
        assert len(line) < 1000


def _read(text: str | bytes, cls: type) -> None:
    """``loads``: a value that can be saved, or the library's own error without a chain."""
    try:
        value: Any = loads(text, cls)
    except DmtTimelineError as exc:
        _own_and_unchained(exc)
        return
    except Exception as exc:
        pytest.fail(f"{type(exc).__name__} escaped loads")
    dumps(value).encode("utf-8")  # whatever is read can be saved


@FUZZ
@given(DOCUMENTS)
def test_loads_a_cohort_refuses_with_its_own_error_only(text: str | bytes) -> None:
    _read(text, Cohort)


@FUZZ
@given(DOCUMENTS)
def test_loads_a_patient_refuses_with_its_own_error_only(text: str | bytes) -> None:
    if isinstance(text, str):
        text = text.replace('{"patients": [', "", 1)
    _read(text, Patient)


@FUZZ
@given(DOCUMENTS)
def test_both_json_readers_agree(text: str | bytes) -> None:
    def outcome() -> object:
        try:
            return loads(text, Cohort)
        except DmtTimelineError as exc:
            return str(exc)

    with_orjson = outcome()
    with mock.patch.object(_json, "_fast_reader", return_value=None):  # the standard library alone
        without = outcome()
    # orjson reads integers beyond 64 bits as floats and refuses 1e999; both are refused by
    # the model either way, with messages that may differ. Everything else agrees exactly.
    if isinstance(with_orjson, Cohort) or isinstance(without, Cohort):
        assert with_orjson == without


@settings(FUZZ, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=DOCUMENTS)
def test_load_cohort_and_validate_refuse_with_their_own_error_only(
    text: str | bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cohort.json"
        if isinstance(text, str):
            path.write_bytes(text.encode("utf-8", "surrogatepass"))
        else:
            path.write_bytes(text)
        try:
            load_cohort(path)
        except DmtTimelineError as exc:
            _own_and_unchained(exc)
        capsys.readouterr()
        status = main(["validate", str(path)])
        out, err = capsys.readouterr()
    assert status in (0, 1)
    assert "Traceback" not in out + err
    assert "internal error" not in err, err
    assert_no_leak([out, err])
    if status == 1 and out:
        assert all(line.startswith("  - ") for line in out.splitlines()[1:])
