"""Fuzzing the batch engine and ``dmt-timeline batch``: every Arrow type in every column, nulls,
ragged CSV rows, bad encodings, dates at the limits and junk values.

Each example asserts that only the library's own errors escape and that no planted sentinel (a
name-like id elsewhere in the row, a free-text note, a unique date) appears in any message,
repr, exception chain or output. Sentinels are planted where no message may quote a cell:
dates, reasons, EDSS, notes, extra cells; not in ids and therapy names, which messages name.

Bounded for CI by the loaded Hypothesis profile (a third of its examples); set
``DMT_FUZZ_EXAMPLES`` for a long local run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import io
import os
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, event, given, reject, settings
from hypothesis import strategies as st

from dmt_timeline.batch import (
    episode_latencies,
    episode_transfers,
    episode_transitions,
    exposure_transitions,
)
from dmt_timeline.catalogue import TherapyClass
from dmt_timeline.cli import main
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.io.tables import episodes_table, follow_up_table, observations_table
from dmt_timeline.synthetic import synthetic_cohort, synthetic_exposures
from tests.leaks import SENTINELS, assert_no_leak, assert_own_error

pa = pytest.importorskip("pyarrow")
pacsv = pytest.importorskip("pyarrow.csv")
pq = pytest.importorskip("pyarrow.parquet")

NAME, NOTE, DATE = SENTINELS
FUZZ = settings(
    max_examples=int(os.environ.get("DMT_FUZZ_EXAMPLES", "0")) or max(10, settings().max_examples // 3),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- values and Arrow types ----------------------------------------------------------------------

JUNK_TEXT = st.one_of(
    st.sampled_from(
        [
            NOTE,
            DATE,
            f"{NAME} {NOTE}",
            "",
            " ",
            "NA",
            "n / a",
            "LOE, NA",
            "bogus",
            "*" * 300,
            "2010-01-01",
            "2010-02-30",
            "1899-12-31",
            "2101-01-01",
            "0000-01-01",
            "9999-12-31",
            "2010-1-1",
            "1.5",
            "35",
            "1_0",
            "1e0",
            "\u0663.\u0665",
            "\uff11",
            "nan",
            "-1",
            "99999999999999999999999",
            "date",
            "ongoing",
            "not recorded",
            "natalizumab",
            "MS",
            "psoriasis",
            "\x00",
            "a\nb",
        ]
    ),
    st.text(max_size=12),
)
JUNK_BYTES = st.one_of(
    st.binary(max_size=12), st.sampled_from([NOTE.encode() + b"\xff", b"\xc3", b"\xed\xa0\x80"])
)

INT_BOUNDS = {8: 2**7, 16: 2**15, 32: 2**31, 64: 2**63}


def _ints(bits: int, *, signed: bool = True) -> st.SearchStrategy[int]:
    if signed:
        return st.integers(-INT_BOUNDS[bits], INT_BOUNDS[bits] - 1)
    return st.integers(0, 2 * INT_BOUNDS[bits] - 1)


def _cast(kind: Any, raw: Any) -> Callable[[list[Any]], Any]:
    """Arrays of ``kind`` built from integers of ``raw`` (dates, times, durations, timestamps)."""
    return lambda values: pa.array(values, raw).cast(kind)


# (a name for the report, how to draw one value, how to build the array)
TYPES: list[tuple[str, st.SearchStrategy[Any], Callable[[list[Any]], Any]]] = [
    *(
        (f"int{bits}", _ints(bits), lambda v, b=bits: pa.array(v, getattr(pa, f"int{b}")()))
        for bits in (8, 16, 32, 64)
    ),
    ("uint64", _ints(64, signed=False), lambda v: pa.array(v, pa.uint64())),
    ("float32", st.floats(width=32), lambda v: pa.array(v, pa.float32())),
    ("float64", st.floats(), lambda v: pa.array(v, pa.float64())),
    ("bool", st.booleans(), lambda v: pa.array(v, pa.bool_())),
    ("string", JUNK_TEXT, lambda v: pa.array(v, pa.string())),
    ("large_string", JUNK_TEXT, lambda v: pa.array(v, pa.large_string())),
    ("string_view", JUNK_TEXT, lambda v: pa.array(v, pa.string()).cast(pa.string_view())),
    ("binary", JUNK_BYTES, lambda v: pa.array(v, pa.binary())),
    ("large_binary", JUNK_BYTES, lambda v: pa.array(v, pa.large_binary())),
    ("dictionary<string>", JUNK_TEXT, lambda v: pa.array(v, pa.string()).dictionary_encode()),
    ("date32", _ints(32), _cast(pa.date32(), pa.int32())),
    ("date32 near", st.integers(-25_000, 50_000), _cast(pa.date32(), pa.int32())),
    (
        "dictionary<date32>",
        st.integers(-80_000, 80_000),
        lambda v: _cast(pa.date32(), pa.int32())(v).dictionary_encode(),
    ),
    ("date64", _ints(64), _cast(pa.date64(), pa.int64())),
    *(
        (f"timestamp[{unit}]", _ints(64), _cast(pa.timestamp(unit), pa.int64()))
        for unit in ("s", "ms", "us", "ns")
    ),
    (
        "timestamp[s, tz]",
        st.integers(-(2**40), 2**40),
        _cast(pa.timestamp("s", tz="Europe/Paris"), pa.int64()),
    ),
    ("time32", st.integers(0, 86_399), _cast(pa.time32("s"), pa.int32())),
    ("duration", _ints(64), _cast(pa.duration("s"), pa.int64())),
    ("decimal", st.decimals(-(10**7), 10**7, places=2), lambda v: pa.array(v, pa.decimal128(10, 2))),
    ("list", st.lists(JUNK_TEXT, max_size=2), lambda v: pa.array(v, pa.list_(pa.string()))),
    (
        "struct",
        st.fixed_dictionaries({"note": JUNK_TEXT}),
        lambda v: pa.array(v, pa.struct([("note", pa.string())])),
    ),
    ("fixed_size_binary", st.binary(min_size=3, max_size=3), lambda v: pa.array(v, pa.binary(3))),
    ("null", st.none(), lambda v: pa.nulls(len(v))),
]


# Columns whose values messages may name (ids, drugs, therapies): no sentinel is planted there.
NAMED = frozenset({"person_id", "patient_id", "drug", "therapy"})


def _clean(cell: Any) -> Any:
    if isinstance(cell, str | bytes) and any(
        s in (cell if isinstance(cell, str) else cell.decode("utf-8", "replace")) for s in SENTINELS
    ):
        return "x"
    if isinstance(cell, list | dict):
        return type(cell)() if isinstance(cell, list) else {"note": "x"}
    return cell


@st.composite
def columns(draw: st.DrawFn, n: int, *, named: bool = False) -> Any:
    """One Arrow column of ``n`` rows, of any of :data:`TYPES`, nulls included; with ``named``,
    no sentinel in it."""
    _, values, build = draw(st.sampled_from(TYPES))
    cell = st.one_of(st.none(), values) if draw(st.booleans()) else values  # half the columns null-free
    cells = draw(st.lists(cell, min_size=n, max_size=n))
    cells = [None if isinstance(c, decimal.Decimal) and not c.is_finite() else c for c in cells]
    return build([_clean(c) for c in cells] if named else cells)


@st.composite
def mutated(draw: st.DrawFn, base: Any, *, keep: str | None = None) -> Any:
    """``base`` with up to two of its columns (not ``keep``) replaced by generated ones, perhaps
    a column dropped, and a note column of sentinels."""
    table = base
    names = [n for n in table.column_names if n != keep]
    for name in draw(st.lists(st.sampled_from(names), max_size=2, unique=True)):
        column = draw(columns(table.num_rows, named=name in NAMED))
        table = table.set_column(table.schema.get_field_index(name), name, column)
    if draw(st.booleans()):
        table = table.append_column("note", pa.array([NOTE] * table.num_rows))
    if draw(st.integers(0, 9)) == 0:
        table = table.drop_columns([draw(st.sampled_from(table.column_names))])
    return table


def _own_errors_only(call: Callable[[], Any]) -> None:
    """Run ``call``; anything but the library's own error, or a sentinel anywhere, fails."""
    try:
        call()
    except Exception as exc:  # that is the point: whatever escapes is checked
        assert_own_error(exc)
        event("refused")  # --hypothesis-show-statistics tells how many examples got through
    else:
        event("read")


# -- the tables ------------------------------------------------------------------------------------


@cache
def _exposures() -> Any:
    table = synthetic_exposures(6, seed=5).slice(0, 24)
    return table.set_column(
        table.schema.get_field_index("start"), "start", pa.array([dt.date(1961, 11, 23)] * table.num_rows)
    )


@cache
def _episodes() -> Any:
    return episodes_table(synthetic_cohort(6, seed=5)).to_arrow()


@cache
def _latency_tables() -> tuple[Any, Any, Any]:
    cohort = load_natalizumab_psoriasis()
    return (
        episodes_table(cohort).to_arrow(),
        observations_table(cohort).to_arrow(),
        follow_up_table(cohort).to_arrow(),
    )


@FUZZ
@given(st.data())
def test_exposure_transitions_of_any_table(data: st.DataObject) -> None:
    table = data.draw(mutated(_exposures(), keep="person_id"))
    _own_errors_only(lambda: exposure_transitions(table, partition_size=data.draw(st.integers(1, 4))))


@FUZZ
@given(st.data())
def test_exposure_transitions_of_any_id_column(data: st.DataObject) -> None:
    table = _exposures()
    table = table.set_column(0, "person_id", data.draw(columns(table.num_rows, named=True)))
    _own_errors_only(lambda: exposure_transitions(table, skip_unknown=True))


@FUZZ
@given(st.data())
def test_exposure_transitions_of_any_parquet_file(data: st.DataObject) -> None:
    table = data.draw(mutated(_exposures(), keep="person_id"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "exposures.parquet"
        try:
            pq.write_table(table, path)
        except pa.ArrowException:  # Parquet cannot hold every Arrow value (timestamps out of range)
            reject()
        _own_errors_only(lambda: exposure_transitions(path))


@FUZZ
@given(st.data())
def test_episode_transitions_of_any_table(data: st.DataObject) -> None:
    table = data.draw(mutated(_episodes(), keep="patient_id"))
    _own_errors_only(lambda: episode_transitions(table, partition_size=data.draw(st.integers(1, 4))))


@FUZZ
@given(st.data())
def test_episode_transfers_of_any_table(data: st.DataObject) -> None:
    table = data.draw(mutated(_episodes()))
    initiation: Literal["first", "last", "each"] = data.draw(st.sampled_from(["first", "last", "each"]))
    _own_errors_only(
        lambda: episode_transfers(table, TherapyClass.ANTI_CD20, "natalizumab", initiation=initiation)
    )


@FUZZ
@given(st.data())
def test_episode_latencies_of_any_tables(data: st.DataObject) -> None:
    episodes, observations, follow_up = _latency_tables()
    which = data.draw(st.integers(0, 2))
    if which == 0:
        episodes = data.draw(mutated(episodes))
    elif which == 1:
        observations = data.draw(mutated(observations))
    else:
        follow_up = data.draw(mutated(follow_up))
    _own_errors_only(
        lambda: episode_latencies(episodes, observations, index="natalizumab", follow_up=follow_up)
    )


# -- CSV text, byte by byte --------------------------------------------------------------------------

# Junk cells may land in the id or drug column, which messages name: no sentinel among them.
CSV_CELLS = st.one_of(
    st.sampled_from(["", "LOE", "natalizumab", '"', '"a,b"', "2010-01-01", "9999-12-31", "P1"]),
    st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=8),
)


@st.composite
def csv_documents(draw: st.DrawFn) -> bytes:
    """A small exposure CSV: valid rows, then ragged rows, junk cells, sentinels, bad bytes."""
    rows = [["person_id", "drug", "start", "end", "reason"]]
    for i in range(draw(st.integers(0, 6))):
        rows.append(
            [f"P{i % 3}", "natalizumab", DATE, "2010-02-01", draw(st.sampled_from(["", "LOE", NOTE]))]
        )
    for _ in range(draw(st.integers(0, 3))):
        junk = draw(st.lists(CSV_CELLS, min_size=0, max_size=8))
        rows.append(junk + ([NOTE, NAME] if draw(st.booleans()) else []))  # a note in extra cells
    draw(st.randoms()).shuffle(rows[1:])
    text = "\n".join(",".join(row) for row in rows) + draw(st.sampled_from(["\n", "", "\n\n", "\r\n"]))
    data = bytearray(text.encode("utf-8"))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(data)))
        data[at:at] = draw(st.sampled_from([b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\x00", b'"', b"\n"]))
    return bytes(data)


@FUZZ
@given(csv_documents())
def test_exposure_transitions_of_any_csv_file(document: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "exposures.csv"
        path.write_bytes(document)
        _own_errors_only(lambda: exposure_transitions(path))


@FUZZ
@given(csv_documents(), st.sampled_from([[], ["--format", "csv"], ["--transfers", "GA", "natalizumab"]]))
def test_the_batch_command_on_any_csv_file(document: bytes, options: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "exposures.csv"
        path.write_bytes(document)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(["batch", str(path), "-o", str(Path(folder) / "out"), *options])
        assert status in (0, 1)
        assert "Traceback" not in err.getvalue()
        assert_no_leak([out.getvalue(), err.getvalue()])
        written = sorted(p.name for p in (Path(folder) / "out").glob("*")) if status == 0 else []
        assert all(not name.startswith(".") for name in written)  # no temporary file left
