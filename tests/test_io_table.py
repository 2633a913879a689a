"""Tests for what both CSV readers share: row numbers, unsound rows, encodings, headers and ids."""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline.errors import DmtTimelineError
from dmt_timeline.io import (
    STUDY_LAYOUT,
    RowProblem,
    TableFormatError,
    read_exposures_arrow,
    read_exposures_csv,
    read_exposures_frame,
    read_wide_csv,
    read_wide_frame,
    read_wide_rows,
)
from dmt_timeline.io._table import CELL_LIMIT, _field_lengths
from tests.leaks import assert_own_error

WIDE_HEADER = ",".join(STUDY_LAYOUT.columns)
WIDE_ROW = "P01,2007,Pos,2,2007,t,GA,2007,LOE,2.5,IFNb,2009,LOE,3,Nat,2011,2.5,4,2,0,direct IFN to Nat"
EXPOSURE_HEADER = "person_id,drug,start,end,reason"
EXPOSURE_ROW = "P01,natalizumab,2014-01-10,2014-02-07,"


@attrs.frozen
class Reader:
    """One CSV reader, with a valid header and row for it; ``rows`` are the row numbers read."""

    name: str
    header: str
    row: str
    read: Callable[..., Any]
    rows: Callable[[Any], list[int]]

    def good(self, patient: str) -> str:
        return self.row.replace("P01", patient)


WIDE = Reader(
    "wide",
    WIDE_HEADER,
    WIDE_ROW,
    functools.partial(read_wide_csv, layout=STUDY_LAYOUT),
    lambda r: [int(p.label("table_row")) + 1 for p in r.cohort],
)
EXPOSURE = Reader("exposure", EXPOSURE_HEADER, EXPOSURE_ROW, read_exposures_csv, lambda r: [e.row for e in r])
READERS = pytest.mark.parametrize("reader", [WIDE, EXPOSURE], ids=lambda r: r.name)


def _file(tmp_path: Path, data: str | bytes) -> Path:
    path = tmp_path / "table.csv"
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _lines(*lines: str) -> str:
    return "\n".join(lines) + "\n"


@READERS
def test_a_row_with_fewer_cells_is_reported_whole(tmp_path: Path, reader: Reader) -> None:
    short = ",".join(reader.good("P02").split(",")[:3])
    path = _file(tmp_path, _lines(reader.header, reader.good("P01"), short))

    read = reader.read(path, skip_bad_rows=True)

    assert [2] == reader.rows(read)
    [problem] = read.skipped
    assert (3, "") == (problem.row, problem.column)
    assert problem.message.startswith("has 3 cells where the header has")


@READERS
def test_a_row_with_extra_cells_is_reported(tmp_path: Path, reader: Reader) -> None:
    path = _file(tmp_path, _lines(reader.header, reader.good("P01") + ",HIV+ confidential note"))

    with pytest.raises(TableFormatError) as caught:
        reader.read(path)

    [problem] = caught.value.row_problems
    assert 2 == problem.row
    assert "HIV+" not in str(caught.value)


@READERS
def test_undecodable_bytes_are_a_row_problem(tmp_path: Path, reader: Reader) -> None:
    bad = reader.good("P02").encode().replace(b"P02", b"P\xff02")
    path = _file(tmp_path, _lines(reader.header, reader.good("P01")).encode() + bad + b"\n")

    read = reader.read(path, skip_bad_rows=True)

    assert [2] == reader.rows(read)
    assert [(3, reader.header.split(",")[0])] == [(p.row, p.column) for p in read.skipped]


@READERS
def test_undecodable_bytes_leave_no_unicode_error(tmp_path: Path, reader: Reader) -> None:
    bad = reader.good("P02").encode().replace(b"P02", b"P\xff02")
    path = _file(tmp_path, _lines(reader.header, "Jane-Roe-0917" + reader.good("P01")[3:]).encode() + bad)

    with pytest.raises(DmtTimelineError) as caught:
        reader.read(path)

    assert_own_error(caught.value)


@READERS
def test_an_undecodable_header_is_refused_naming_its_row(tmp_path: Path, reader: Reader) -> None:
    path = _file(tmp_path, reader.header.encode() + b"\xff\n" + reader.good("P01").encode())

    with pytest.raises(TableFormatError) as caught:
        reader.read(path, skip_bad_rows=True)

    assert [RowProblem(1, "", "the header is not UTF-8 text (undecodable bytes)")] == list(
        caught.value.row_problems
    )


@READERS
@pytest.mark.parametrize("quote", [False, True], ids=["bare", "quoted-multiline"])
def test_a_cell_over_the_csv_limit_is_a_row_problem(tmp_path: Path, reader: Reader, quote: bool) -> None:
    huge = '"' + "x\n" * 100_000 + '"' if quote else "x" * 200_000
    cells = reader.good("P02").split(",")
    cells[1] = huge
    path = _file(tmp_path, _lines(reader.header, ",".join(cells), reader.good("P03")))

    read = reader.read(path, skip_bad_rows=True)

    [problem] = read.skipped
    assert (2, reader.header.split(",")[1]) == (problem.row, problem.column)
    assert "longer than the CSV parser can hold" in problem.message
    assert [3] == reader.rows(read)


@READERS
def test_a_read_cell_over_the_cell_limit_is_a_row_problem(tmp_path: Path, reader: Reader) -> None:
    cells = reader.good("P02").split(",")
    cells[1] = "y" * (CELL_LIMIT + 1)
    path = _file(tmp_path, _lines(reader.header, ",".join(cells)))

    read = reader.read(path, skip_bad_rows=True)

    assert [f"cell of {CELL_LIMIT + 1} characters is longer than the limit of {CELL_LIMIT}"] == [
        p.message for p in read.skipped
    ]


@READERS
def test_rows_are_numbered_as_a_spreadsheet_numbers_them(tmp_path: Path, reader: Reader) -> None:
    bad = reader.good("P03").replace("2014-02-07", "2014-13-07").replace(",2011,", ",2011-13,")
    path = _file(tmp_path, _lines(reader.header, "", reader.good("P01"), "", "", reader.good("P02"), bad))

    read = reader.read(path, skip_bad_rows=True)

    assert [3, 6] == reader.rows(read)
    assert {7} == {p.row for p in read.skipped}


@READERS
def test_a_file_with_no_header_is_refused(tmp_path: Path, reader: Reader) -> None:
    for data in ("", "\n\n"):
        with pytest.raises(TableFormatError, match="no header row"):
            reader.read(_file(tmp_path, data), skip_bad_rows=True)


@READERS
def test_a_byte_order_mark_is_read_past(tmp_path: Path, reader: Reader) -> None:
    path = _file(tmp_path, b"\xef\xbb\xbf" + _lines(reader.header, reader.good("P01")).encode())

    assert [2] == reader.rows(reader.read(path))


@READERS
def test_a_patient_id_with_a_line_break_cannot_forge_lines(tmp_path: Path, reader: Reader) -> None:
    forged = '"P01\n  - row 9, column x: all is well"' + reader.good("P01")[3:]
    path = _file(tmp_path, _lines(reader.header, forged))

    with pytest.raises(TableFormatError) as caught:
        reader.read(path)

    assert 2 == len(str(caught.value).splitlines())
    assert "all is well" not in str(caught.value)


@READERS
def test_a_cell_is_quoted_capped(tmp_path: Path, reader: Reader) -> None:
    cells = reader.good("P01").split(",")
    cells[2] = "Q" * 500
    path = _file(tmp_path, _lines(reader.header, ",".join(cells)))

    read = reader.read(path, skip_bad_rows=True)

    [problem] = read.skipped
    assert "Q" * 21 not in problem.message
    assert "(500 characters)" in problem.message


@READERS
def test_rows_in_are_rows_read_plus_rows_reported(tmp_path: Path, reader: Reader) -> None:
    cells = reader.good("P05").split(",")
    cells[2] = "20x7"
    rows = [
        reader.good("P01"),
        "",
        ",".join(reader.good("P02").split(",")[:2]),
        reader.good("P03") + ",extra",
        reader.good("P04"),
        ",".join(cells),
        reader.good("P01"),
    ]
    path = _file(tmp_path, _lines(reader.header, *rows))

    read = reader.read(path, skip_bad_rows=True)

    read_rows, reported = reader.rows(read), {p.row for p in read.skipped}
    in_rows = {i + 2 for i, row in enumerate(rows) if row}
    assert set() == set(read_rows) & reported
    assert in_rows == set(read_rows) | reported


def test_a_wrong_exposure_header_is_reported_once(tmp_path: Path) -> None:
    rows = ["1,natalizumab,2014-01-10,2014-02-07"] * 3
    path = _file(tmp_path, _lines("person_id,drug,start date,end date", *rows))

    with pytest.raises(TableFormatError) as caught:
        read_exposures_csv(path, skip_bad_rows=True)

    assert [
        RowProblem(
            1,
            "",
            "columns 'start', 'end' missing; found: 'person_id', 'drug', 'start date', 'end date'",
        )
    ] == list(caught.value.row_problems)


def test_a_header_that_looks_like_data_is_not_listed(tmp_path: Path) -> None:
    path = _file(tmp_path, _lines("Jane-Roe-0917,natalizumab,1961-11-23,2014-02-07"))

    with pytest.raises(TableFormatError) as caught:
        read_exposures_csv(path)

    assert_own_error(caught.value)
    assert "is the header missing?" in str(caught.value)


def test_a_first_row_of_words_that_names_no_known_column_is_not_listed(tmp_path: Path) -> None:
    # Found by fuzzing: a headerless file whose first record has letters in every cell (a name,
    # a therapy, a free-text note) was listed whole as "found: ..." names.
    path = _file(tmp_path, _lines("Jane-Roe-0917,natalizumab,LOE,HIV+ confidential note"))

    with pytest.raises(TableFormatError) as caught:
        read_exposures_csv(path)

    assert_own_error(caught.value)
    assert [
        RowProblem(
            1,
            "",
            "columns 'person_id', 'drug', 'start', 'end' missing; the first row names none "
            "of the columns the reader knows in its 4 cells (not listed: it may be data): is the "
            "header missing?",
        )
    ] == list(caught.value.row_problems)


def test_the_stop_reason_column_may_be_absent(tmp_path: Path) -> None:
    path = _file(tmp_path, _lines("person_id,drug,start,end", "1,natalizumab,2014-01-10,2014-02-07"))

    assert [()] == [e.stop_reasons for e in read_exposures_csv(path)]


def test_a_float_id_in_a_frame_is_a_whole_number() -> None:
    pd = pytest.importorskip("pandas")
    exposures = pd.DataFrame(
        {
            "person_id": [1.0, float("nan"), 3.0],
            "drug": ["natalizumab"] * 3,
            "start": ["2014-01-10"] * 3,
            "end": ["2014-02-07"] * 3,
        }
    )

    read = read_exposures_frame(exposures, skip_bad_rows=True)

    assert ["1", "3"] == [e.person_id for e in read]
    assert [RowProblem(3, "person_id", "patient id is blank")] == list(read.skipped)


def test_a_fractional_id_in_a_frame_is_refused() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(io.StringIO(_lines(WIDE_HEADER, WIDE_ROW)), keep_default_na=False)
    frame["id"] = [1.5]

    read = read_wide_frame(frame, STUDY_LAYOUT, skip_bad_rows=True)

    assert [("id", "patient id 1.5: expected text or a whole number")] == [
        (p.column, p.message) for p in read.skipped
    ]


def test_a_wide_frame_id_reads_as_the_batch_engine_reads_it() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(io.StringIO(_lines(WIDE_HEADER, WIDE_ROW)), keep_default_na=False)
    frame["id"] = [7.0]

    assert ["7"] == [p.id for p in read_wide_frame(frame, STUDY_LAYOUT).cohort]


def test_a_frame_cell_that_is_a_list_is_a_row_problem() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "person_id": ["1", "2"],
            "drug": [["natalizumab", "HIV+ confidential note"], "natalizumab"],
            "start": ["2014-01-10"] * 2,
            "end": ["2014-02-07"] * 2,
        }
    )

    read = read_exposures_frame(frame, skip_bad_rows=True)

    assert ["2"] == [e.person_id for e in read]
    assert [(2, "drug")] == [(p.row, p.column) for p in read.skipped]
    assert "HIV+" not in str(read.skipped)


# -- the record scanner behind a cell over the csv module's limit ------------------------------

_CSV_TEXT = st.text(alphabet=st.sampled_from('ab,"\r\n x'), max_size=40)


def _records(text: str) -> Iterator[list[int]]:
    lines = iter(io.StringIO(text, newline=""))
    while True:
        lengths = _field_lengths(lines)
        if lengths == [0] and not text:
            return
        yield lengths
        try:
            peek = next(lines)
        except StopIteration:
            return
        lines = _prepend(peek, lines)


def _prepend(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


@given(_CSV_TEXT)
def test_the_record_scanner_splits_records_as_the_csv_module_does(text: str) -> None:
    expected = [[len(c) for c in record] or [0] for record in csv.reader(io.StringIO(text, newline=""))]

    actual = list(_records(text))

    assert expected == actual


@pytest.mark.parametrize(
    ("line", "message"), [("P01,2007", "has fewer cells than the header"), (WIDE_ROW + ",x", "has more")]
)
def test_dict_reader_rows_with_too_few_or_many_cells_are_reported(line: str, message: str) -> None:
    rows = csv.DictReader(io.StringIO(_lines(WIDE_HEADER, line)))

    read = read_wide_rows(rows, STUDY_LAYOUT, skip_bad_rows=True)

    [problem] = read.skipped
    assert (2, "") == (problem.row, problem.column)
    assert problem.message.startswith(message)


def test_an_arrow_string_that_is_not_utf8_is_a_row_problem() -> None:
    pa = pytest.importorskip("pyarrow")
    offsets = pa.py_buffer(bytes([0, 0, 0, 0, 3, 0, 0, 0, 6, 0, 0, 0]))
    ids = pa.Array.from_buffers(pa.string(), 2, [None, offsets, pa.py_buffer(b"P01P\xff2")])
    table = pa.table(
        {
            "person_id": ids,
            "drug": ["natalizumab"] * 2,
            "start": ["2014-01-10"] * 2,
            "end": ["2014-02-07"] * 2,
        }
    )

    read = read_exposures_arrow(table, skip_bad_rows=True)

    assert ["P01"] == [e.person_id for e in read]
    assert [(3, "person_id")] == [(p.row, p.column) for p in read.skipped]


@READERS
def test_a_header_over_the_csv_limit_is_refused(tmp_path: Path, reader: Reader) -> None:
    path = _file(tmp_path, _lines(reader.header + "," + "h" * 200_000, reader.good("P01")))

    with pytest.raises(TableFormatError) as caught:
        reader.read(path, skip_bad_rows=True)

    assert [(1, "")] == [(p.row, p.column) for p in caught.value.row_problems]
    assert "the header cannot be read" in str(caught.value)
