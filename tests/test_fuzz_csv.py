"""Fuzz tests for the CSV readers: mutated tables and byte noise, with planted sentinels.

Valid wide and exposure tables are built, then broken as messy exports and attackers break
them: ragged rows, extra cells, blank lines, bytes that are not UTF-8, huge cells, quoted line
breaks, NULs, byte order marks, junk cells, stray quotes, wrong or missing headers; or their
bytes are flipped, inserted, deleted and repeated. Each table goes through its reader with and
without ``skip_bad_rows``. Whatever happens:

- only the library's own errors escape, and neither they nor their chains carry a sentinel;
- a read that finishes accounts for every row: the rows read and the rows reported are
  disjoint, and together they are the table's non-blank data rows (as the csv module, given
  no field limit, delimits them), numbered as a spreadsheet numbers them;
- no problem message carries a sentinel.

Sentinels (``tests.leaks.SENTINELS``: a name, a note, a date) sit in columns the readers never
read, in every row, so that each broken row has them in its other cells; mutations leave those
cells alone, and a row whose cells shift (one cell dropped, one added) keeps them in unread
columns. A long local run: ``DMT_FUZZ_EXAMPLES=100000 pytest tests/test_fuzz_csv.py``.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmt_timeline.errors import DmtTimelineError
from dmt_timeline.io import STUDY_LAYOUT, read_exposures_csv, read_wide_csv
from tests.leaks import SENTINELS, assert_no_leak, assert_own_error

NAME, NOTE, DATE = SENTINELS
_EXAMPLES = int(os.environ.get("DMT_FUZZ_EXAMPLES", "0"))
# The active profile's count unless a long run asks for more; the health checks that big
# cells trip are not about the readers.
FUZZ = settings(
    max_examples=_EXAMPLES or settings().max_examples,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    deadline=None,
)


@attrs.frozen
class Table:
    """A valid table to break: its header, one good row per patient, and its reader.

    ``read_rows`` gives the row numbers a finished read read (wide: from the ``table_row``
    label; exposures: ``Exposure.row``).
    """

    name: str
    header: tuple[str, ...]
    row: Callable[[int], tuple[str, ...]]
    protected: frozenset[str]
    read: Callable[..., Any]
    read_rows: Callable[[Any], list[int]]


# Columns the readers never read, after the ones they read: two of harmless text, then the
# sentinels. A row shifted by up to two cells (two cells dropped, two added after) still has
# its sentinels in cells no message quotes.
_TRAILING = ("site", "ward", "diagnosed", "contact", "notes")
_TRAILING_CELLS = ("Clinic North", "Ward 7", DATE, NAME, NOTE)


def _wide_row(n: int) -> tuple[str, ...]:
    good = f"P{n:02d},2007,Pos,2,2007,t,GA,2007,LOE,2.5,IFNb,2009,LOE,3,Nat,2011,2.5,4,2,0,direct IFN to Nat"
    return (*good.split(","), *_TRAILING_CELLS)


def _exposure_row(n: int) -> tuple[str, ...]:
    return (f"P{n:02d}", "natalizumab", "2014-01-10", "2014-02-07", "LOE", *_TRAILING_CELLS)


WIDE = Table(
    "wide",
    (*STUDY_LAYOUT.columns, *_TRAILING),
    _wide_row,
    frozenset(_TRAILING),
    functools.partial(read_wide_csv, layout=STUDY_LAYOUT),
    lambda read: [int(p.label("table_row")) + 1 for p in read.cohort],
)
EXPOSURE = Table(
    "exposure",
    ("person_id", "drug", "start", "end", "reason", *_TRAILING),
    _exposure_row,
    frozenset(_TRAILING),
    read_exposures_csv,
    lambda read: [e.row for e in read],
)
TABLES = pytest.mark.parametrize("table", [WIDE, EXPOSURE], ids=lambda t: t.name)


# -- writing rows of cells (text or raw bytes) -----------------------------------------------

Cell = str | bytes


def _text(cell: Cell) -> str:
    return cell.decode("utf-8", "surrogateescape") if isinstance(cell, bytes) else cell


def _cell(cell: Cell) -> bytes:
    if isinstance(cell, bytes):
        return cell  # written as it is: a stray quote, undecodable bytes
    if any(c in cell for c in ',"\r\n'):
        return b'"' + cell.replace('"', '""').encode("utf-8", "surrogatepass") + b'"'
    return cell.encode("utf-8", "surrogatepass")


def _document(
    header: Sequence[Cell] | None, rows: Sequence[Sequence[Cell]], newline: bytes, bom: bool
) -> bytes:
    lines = [
        b",".join(_cell(c) for c in row) for row in ([header] if header is not None else []) + list(rows)
    ]
    return (codecs.BOM_UTF8 if bom else b"") + b"".join(line + newline for line in lines)


# -- the reference: which rows the table holds ------------------------------------------------


def _data_rows(data: bytes) -> set[int]:
    """The spreadsheet numbers of the non-blank rows after the header, as the csv module
    delimits them with no field limit."""
    text = data.decode("utf-8-sig", "surrogateescape")
    limit = csv.field_size_limit()
    csv.field_size_limit(1 << 30)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    finally:
        csv.field_size_limit(limit)
    numbers = [i for i, r in enumerate(records, start=1) if any(c.strip() for c in r)]
    return set(numbers[1:])


def _check(table: Table, data: bytes, tmp_path: Path, sentinels: Sequence[str] = SENTINELS) -> None:
    """Read ``data`` with and without skipping; assert the three promises."""
    path = tmp_path / f"{table.name}.csv"
    path.write_bytes(data)
    for skip in (False, True):
        read = None
        try:
            read = table.read(path, skip_bad_rows=skip)
        except DmtTimelineError as exc:
            assert_own_error(exc)
        except Exception as exc:
            pytest.fail(f"{type(exc).__name__} escaped the {table.name} reader")
        if read is None:
            continue
        read_rows, reported = table.read_rows(read), {p.row for p in read.skipped}
        assert set() == set(read_rows) & reported
        assert len(read_rows) == len(set(read_rows))
        assert _data_rows(data) == set(read_rows) | reported
        assert_no_leak((str(p) for p in read.skipped), sentinels)
        assert_no_leak((repr(p) for p in read.skipped), sentinels)


# -- structure-aware mutations ---------------------------------------------------------------

_JUNK = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", " ", "NA", "n / a", "1_0", "\u0663.\u0665", "\uff12", "1e0", ".5e1", "-1", "9999", "5000"]
    ),
    st.sampled_from(["0000-00-00", "2007-02-30", "10000", "LOE, NA", "JCV+**", "\x00", "\ufeff", "\ud800"]),
).filter(lambda s: not any(x in s for x in SENTINELS))

_BAD_BYTES = st.sampled_from([b"\xff", b"\xc3", b"M\xfcller", b"\xed\xa0\x80", b"\xef\xbb", b"\x80abc"])


@st.composite
def _cell_mutation(draw: st.DrawFn, cells: list[Cell], protected: Sequence[int]) -> list[Cell]:
    """One cell-level change to a row, leaving the sentinel cells as they are."""
    free = [i for i in range(len(cells)) if i not in protected]
    i = draw(st.sampled_from(free))
    kind = draw(
        st.sampled_from(
            ["junk", "bytes", "huge", "long", "newline", "nul", "bom", "quote", "drop", "extra", "cut", "all"]
        )
    )
    cells = list(cells)
    match kind:
        case "junk":
            cells[i] = draw(_JUNK)
        case "bytes":
            cells[i] = _cell(cells[i]) + draw(_BAD_BYTES)
        case "huge":
            # Past the csv module's limit (131072), bare or quoted across lines.
            cells[i] = draw(st.sampled_from(["x" * 140_000, "y\n" * 70_000]))
        case "long":
            cells[i] = "z" * draw(st.sampled_from([999, 1000, 1001, 5000]))
        case "newline":
            cells[i] = f"{_text(cells[i])}\n{draw(_JUNK)}"
        case "nul":
            cells[i] = f"{_text(cells[i])}\x00"
        case "bom":
            cells[i] = f"\ufeff{_text(cells[i])}"
        case "quote":
            cells[i] = b'"' + _cell(cells[i])  # a stray quote, written bare
        case "drop":
            del cells[draw(st.sampled_from(free))]
        case "extra":
            cells.append(draw(_JUNK))
        case "cut":
            cells = cells[: draw(st.integers(0, len(cells) - 1))]
        case "all":
            cells = [c if j in protected else draw(_JUNK) for j, c in enumerate(cells)]
    return cells


@st.composite
def _mutated(draw: st.DrawFn, table: Table) -> bytes:
    """A valid table of 1 to 5 rows with some rows broken, and perhaps its header or file."""
    rows: list[list[Cell]] = [list(table.row(n)) for n in range(1, draw(st.integers(1, 5)) + 1)]
    protected = [i for i, name in enumerate(table.header) if name in table.protected]
    for _ in range(draw(st.integers(0, 4))):
        target = draw(st.integers(0, len(rows)))
        if target == len(rows) or (draw(st.booleans()) and draw(st.booleans())):
            rows.insert(min(target, len(rows)), draw(st.sampled_from([[], [""], ["", ""], [" "]])))
        elif rows[target]:
            rows[target] = draw(_cell_mutation(rows[target], protected))
    names: list[Cell] = list(table.header)
    header: list[Cell] | None = names
    match draw(st.sampled_from(["keep"] * 6 + ["rename", "drop", "repeat", "none", "bytes", "empty"])):
        case "rename":
            names[draw(st.integers(0, len(names) - 1))] = draw(
                st.sampled_from(["start date", "ID", "", "x\ny"])
            )
        case "drop":
            del names[draw(st.integers(0, len(names) - 1))]
        case "repeat":
            names[1] = names[0]
        case "none":
            header = None  # the first row is then the header: the reader must not list its cells
        case "bytes":
            names[0] = _cell(names[0]) + b"\xff"
        case "empty":
            return draw(st.sampled_from([b"", b"\n", b"\r\n\r\n", codecs.BOM_UTF8]))
    newline = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    return _document(header, rows, newline, bom=draw(st.booleans()))


@TABLES
@FUZZ
@given(data=st.data())
def test_mutated_tables_give_own_errors_and_account_for_every_row(
    table: Table, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    document = data.draw(_mutated(table))

    _check(table, document, tmp_path_factory.mktemp("fuzz"))


# -- byte-level noise --------------------------------------------------------------------------


@st.composite
def _noisy(draw: st.DrawFn, table: Table) -> bytes:
    """A valid table with one to three byte-level edits: flips, insertions, deletions, repeats.

    An edit removes at most one comma (no cell of the valid rows is shorter than one
    character), so the sentinels shift left by two columns at most and stay unread.
    """
    rows = [list(table.row(n)) for n in range(1, draw(st.integers(1, 4)) + 1)]
    data = bytearray(_document(list(table.header), rows, b"\n", bom=False))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        match draw(st.sampled_from(["flip", "insert", "delete", "repeat"])):
            case "flip" if at < len(data):
                data[at] = draw(st.integers(0, 255))
            case "insert":
                data[at:at] = draw(
                    st.binary(min_size=1, max_size=2) | st.sampled_from([b",", b'"', b"\n", b"\r"])
                )
            case "delete":
                del data[at : at + draw(st.integers(1, 2))]
            case "repeat":
                data[at:at] = data[at : at + draw(st.integers(1, 40))]
            case _:
                pass
    return bytes(data)


@TABLES
@FUZZ
@given(data=st.data())
def test_byte_noise_gives_own_errors_and_accounts_for_every_row(
    table: Table, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    document = data.draw(_noisy(table))

    _check(table, document, tmp_path_factory.mktemp("noise"), _unquotable(table, document))


def _unquotable(table: Table, document: bytes) -> tuple[str, ...]:
    """The sentinels that the noise left outside every column the reader reads.

    Noise can split or join rows (an inserted line break, a repeated run) and carry a sentinel
    into a read column, whose cell a problem names by design; only the others must stay unseen.
    """
    read_columns = len(table.header) - len(_TRAILING)
    text = document.decode("utf-8", errors="replace").replace("\x00", "")
    cells = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row[:read_columns]]
    return tuple(s for s in SENTINELS if not any(s in cell for cell in cells))


@TABLES
def test_the_valid_tables_read_whole(table: Table, tmp_path: Path) -> None:
    rows = [list(table.row(n)) for n in (1, 2, 3)]
    path = tmp_path / "valid.csv"
    path.write_bytes(_document(list(table.header), rows, b"\n", bom=False))

    read = table.read(path)

    assert [2, 3, 4] == table.read_rows(read)
