"""Fuzzing the FHIR reader: structure-aware mutations of valid bundles, and bad bytes in files.

Each test plants the shared sentinels where a health record would hold them (a display name,
a free-text note, a unique date) in fields the reader does not use, mutates the bundle, and
asserts: only the library's own errors escape, no sentinel reaches a message, a repr or an
exception chain, and every entry is accounted for (entries = read + entries reported).
Set ``DMT_FUZZ_EXAMPLES=<n>`` for a long local run of n examples per test.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.errors import CohortFormatError
from dmt_timeline.io.fhir import FhirRead, cohort_to_fhir, read_fhir, read_fhir_bundle
from dmt_timeline.strategies import cohorts, patients
from tests.leaks import SENTINELS, assert_own_error

_LONG = int(os.environ.get("DMT_FUZZ_EXAMPLES", "0") or 0)

_NAME, _NOTE, _DATE = SENTINELS
_FUZZ = settings(
    # Bounded in CI (each example writes or parses up to megabytes); DMT_FUZZ_EXAMPLES for a long run.
    max_examples=_LONG or min(50, settings().max_examples),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


_MS_EXPORT = Path(__file__).parent / "data" / "fhir" / "ms" / "ms-patient-transaction.json"


def _planted(bundle: dict[str, Any]) -> dict[str, Any]:
    """The bundle with the sentinels in fields the reader ignores, as an EHR's export has them."""
    for entry in bundle.setdefault("entry", []):  # an empty cohort's bundle has none
        resource = entry["resource"]
        resource.setdefault("subject", {})["display"] = _NAME
        resource["note"] = [{"text": _NOTE}]
        resource["dateAsserted"] = _DATE
    return bundle


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (keys and list indices), the root excluded."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield (*path, i)
            yield from _paths(item, (*path, i))


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        document = document[step]
    return document


def _huge_text() -> st.SearchStrategy[str]:
    return st.sampled_from(["x" * 200_000, "2007-" + "0" * 100_000, "Patient/" + "P" * 100_000])


def _nested() -> st.SearchStrategy[Any]:
    return st.integers(1, 800).map(_deep)


def _deep(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


# JSON values of every type, including ones no FHIR field holds; never a sentinel.
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**200, max_value=10**300),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20).filter(lambda s: all(x not in s for x in SENTINELS)),
    st.sampled_from(["\ud800", "Patient/\udfff", "2007-13", "", " ", "Patient/", "active", "L04AA23"]),
    st.sampled_from(
        [
            "MedicationRequest",
            "MedicationDispense",
            "MedicationAdministration",
            "Condition",
            "Patient",
            "Medication",
            "entered-in-error",
            "on-hold",
            "urn:uuid:1",
            "#m1",
            "Tysabri 300 MG in 15 ML Injection",
            "2015-01-23T23:30:00-05:00",
        ]
    ),
    _huge_text(),
)
_SHALLOW = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
_VALUES = _SHALLOW | _nested()


@st.composite
def _mutated(draw: st.DrawFn, values: st.SearchStrategy[Any] = _VALUES) -> tuple[dict[str, Any], int]:
    if draw(st.booleans()):
        # An EHR-like export: every resource type the reader reads, and some it does not.
        bundle = _planted(json.loads(_MS_EXPORT.read_text(encoding="utf-8")))
    else:
        cohort = draw(cohorts(patients(), min_size=1, max_size=3))
        bundle = _planted(copy.deepcopy(cohort_to_fhir(cohort)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [
            p for p in _paths(bundle["entry"]) if not (p and p[-1] in ("display", "note", "dateAsserted"))
        ]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(bundle["entry"], path)
        match draw(st.sampled_from(["replace", "delete", "duplicate"])):
            case "replace":
                parent[path[-1]] = draw(values)
            case "delete" if isinstance(parent, dict):
                del parent[path[-1]]
            case "delete":
                parent.pop(path[-1])
            case _:
                if isinstance(parent, list):
                    parent.append(copy.deepcopy(parent[path[-1]]))
    return bundle, len(bundle["entry"])


def _accounted(read: FhirRead, entries: int) -> None:
    reported = {(problem.source, problem.entry) for problem in read.skipped}
    counted = sum(n for _, n in read.ignored) + sum(n for _, n in read.unknown)
    assert entries == read.entries
    assert entries == read.read + counted + len(read.dropped) + len(reported)


@_FUZZ
@given(_mutated())
def test_mutated_bundle_is_read_or_refused_by_the_library(case: tuple[dict[str, Any], int]) -> None:
    bundle, entries = case
    try:
        read = read_fhir_bundle(bundle, skip_bad_rows=True, skip_unknown=True)
    except Exception as exc:  # the test is that nothing but the library's own error escapes
        assert_own_error(exc)
        return
    _accounted(read, entries)
    for problem in (*read.skipped, *read.dropped):
        assert all(sentinel not in str(problem) for sentinel in SENTINELS)
        str(problem).encode("utf-8")  # a report can always be written


@_FUZZ
@given(_mutated())
def test_mutated_bundle_refused_strictly_names_no_record(case: tuple[dict[str, Any], int]) -> None:
    bundle, _ = case
    try:
        read_fhir_bundle(bundle)
    except Exception as exc:  # the test is that nothing but the library's own error escapes
        assert_own_error(exc)


@_FUZZ
@given(st.sampled_from(["entry", "resourceType"]), _VALUES)
def test_a_bundle_of_the_wrong_shape_is_refused_by_the_library(field: str, value: Any) -> None:
    bundle = _planted(cohort_to_fhir(load_natalizumab_psoriasis()))
    bundle[field] = value
    try:
        read_fhir_bundle(bundle, skip_bad_rows=True)
    except Exception as exc:  # the test is that nothing but the library's own error escapes
        assert_own_error(exc)


@_FUZZ
@given(
    _mutated(_SHALLOW),  # json.dumps cannot write what is nested too deeply: test_io_fhir covers that
    st.lists(st.tuples(st.integers(0, 10**6), st.binary(min_size=1, max_size=4)), max_size=4),
    st.sampled_from(["utf-8", "utf-16", "latin-1"]),
)
def test_bad_bytes_in_a_file_get_the_library_s_error(
    tmp_path_factory: pytest.TempPathFactory,
    case: tuple[dict[str, Any], int],
    noise: list[tuple[int, bytes]],
    encoding: str,
) -> None:
    bundle, _ = case
    text = json.dumps(bundle, ensure_ascii=False).replace(_NAME, "Jane-Roe-0917\u00e9", 1)
    try:
        data = bytearray(text.encode(encoding, errors="surrogatepass"))
    except UnicodeEncodeError:
        data = bytearray(text.encode("utf-8", errors="surrogatepass"))
    for offset, inserted in noise:
        at = offset % (len(data) + 1)
        data[at:at] = inserted
    path: Path = tmp_path_factory.mktemp("fuzz") / "bundle.json"
    path.write_bytes(bytes(data))
    error: Exception | None = None
    try:
        read = read_fhir(path, skip_bad_rows=True)
    except Exception as exc:  # the test is that nothing but the library's own error escapes
        error = exc
    if error is not None:
        assert_own_error(error)
        assert not isinstance(error, CohortFormatError) or error.__context__ is None
        return
    _accounted(read, read.entries)


@_FUZZ
@given(
    _mutated(_SHALLOW),
    st.lists(st.tuples(st.integers(0, 10**6), st.binary(min_size=1, max_size=4)), max_size=4),
)
def test_ndjson_export_with_noise_is_read_line_by_line(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[dict[str, Any], int], noise: list[tuple[int, bytes]]
) -> None:
    bundle, _ = case
    text = "\n".join(
        json.dumps(entry.get("resource") if isinstance(entry, dict) else entry, ensure_ascii=False)
        for entry in bundle["entry"]
    )
    data = bytearray(text.encode("utf-8", errors="surrogatepass"))
    for offset, inserted in noise:
        at = offset % (len(data) + 1)
        data[at:at] = inserted
    folder = tmp_path_factory.mktemp("ndjson")
    (folder / "export.ndjson").write_bytes(bytes(data))
    lines = sum(1 for line in bytes(data).split(b"\n") if line.strip())  # as a file is read: by newlines only
    error: Exception | None = None
    try:
        read = read_fhir(folder, skip_bad_rows=True, skip_unknown=True)
    except Exception as exc:  # the test is that nothing but the library's own error escapes
        error = exc
    if error is not None:
        assert_own_error(error)
        return
    _accounted(read, lines)
    for problem in (*read.skipped, *read.dropped):
        assert all(sentinel not in str(problem) for sentinel in SENTINELS)
