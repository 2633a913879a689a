"""The batch engine numbers rows as the object readers do: the header is row 1, a blank line
is a row, a quoted cell spanning lines is one row; a table that is no CSV file, index + 2."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("pyarrow")
import pyarrow as pa
import pyarrow.csv as pacsv

from dmt_timeline.batch import episode_transitions, exposure_transitions
from dmt_timeline.errors import InvalidValueError, UnknownTherapyError
from dmt_timeline.io.exposures import read_exposures_csv
from dmt_timeline.io.tables import episodes_table
from dmt_timeline.synthetic import synthetic_cohort

_HEADER = "person_id,drug,start,end,reason,note\n"
_GOOD = "P{n},natalizumab,2010-01-01,2011-01-01,,\n"
# Rows both readers refuse, each for one reason both name.
_BAD = {
    "date": "P{n},natalizumab,2012-13-01,2013-01-01,,\n",
    "backwards": "P{n},natalizumab,2014-01-01,2013-01-01,,\n",
    "ragged": "P{n},natalizumab,2014-01-01\n",
    "blank drug": "P{n},,2015-01-01,2016-01-01,,\n",
}
# Lines that are no data row: blank lines, and a good row whose unread cell spans lines.
_OTHER = {
    "blank": "\n",
    "blank crlf": "\r\n",
    "spaces": "  \t \n",
    "quoted": 'P{n},natalizumab,2010-01-01,2011-01-01,,"one\n\ntwo ""quoted"" \n"\n',
}


def _rows_of_both(path: Path) -> tuple[list[int], list[int]]:
    objects = sorted({p.row for p in read_exposures_csv(path, skip_bad_rows=True).skipped})
    batch = sorted(set(exposure_transitions(path, skip_bad_rows=True).skipped["row"].to_pylist()))
    return objects, batch


def test_blank_lines_and_a_cell_spanning_lines_count_as_the_object_readers_count(tmp_path: Path) -> None:
    path = tmp_path / "chart.csv"
    lines = [
        "\n",  # before the header: the header is row 2
        _HEADER,
        _GOOD.format(n=1),  # row 3
        "\n",  # row 4
        _OTHER["quoted"].format(n=2),  # row 5, over four lines
        _BAD["date"].format(n=3),  # row 6
        "\r\n",  # row 7
        _BAD["ragged"].format(n=4),  # row 8
        _BAD["backwards"].format(n=5),  # row 9
        "\n",
        "\n",  # rows 10 and 11
        _BAD["blank drug"].format(n=6),  # row 12
    ]
    path.write_bytes("".join(lines).encode())
    objects, batch = _rows_of_both(path)
    assert [6, 8, 9, 12] == objects == batch
    with pytest.raises(InvalidValueError, match=r"^CSV row\(s\) 8 "):
        exposure_transitions(path)


def test_the_refused_ragged_row_is_named_by_its_spreadsheet_row(tmp_path: Path) -> None:
    path = tmp_path / "chart.csv"
    path.write_text(
        _HEADER + "\n" + _OTHER["quoted"].format(n=1) + _BAD["ragged"].format(n=2), encoding="utf-8"
    )
    with pytest.raises(InvalidValueError, match=r"^CSV row\(s\) 4 \(3 cells, not 6\)"):
        exposure_transitions(path)


def test_a_table_that_is_no_csv_file_numbers_row_i_as_i_plus_2() -> None:
    table = pa.table(
        {
            "person_id": ["A", "B", "C"],
            "drug": ["DMF"] * 3,
            "start": ["2015-01-01", "2015-02-01", "2015-01-01"],
            "end": ["2015-01-31", "2015-01-01", "2015-02-01"],
        }
    )
    assert [3] == exposure_transitions(table, skip_bad_rows=True).skipped["row"].to_pylist()
    assert [3] == exposure_transitions(table.to_pandas(), skip_bad_rows=True).skipped["row"].to_pylist()


@settings(deadline=None, max_examples=60)
@given(
    st.lists(st.sampled_from(["good", *_BAD, *_OTHER]), min_size=1, max_size=14), st.booleans(), st.booleans()
)
def test_both_readers_name_the_same_rows(kinds: list[str], leading_blank: bool, final_newline: bool) -> None:
    lines = ["\n"] if leading_blank else []
    lines.append(_HEADER)
    for n, kind in enumerate(kinds):
        line = _GOOD if kind == "good" else _BAD.get(kind) or _OTHER[kind]
        lines.append(line.format(n=n))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chart.csv"
        text = "".join(lines)
        path.write_bytes((text if final_newline else text.removesuffix("\n")).encode())
        objects, batch = _rows_of_both(path)
    assert objects == batch
    assert len(objects) == sum(kind in _BAD for kind in kinds)


def test_an_episodes_table_in_a_csv_file_counts_its_blank_lines(tmp_path: Path) -> None:
    table = episodes_table(synthetic_cohort(3, seed=1)).to_arrow()
    therapies = table["therapy"].to_pylist()
    therapies[1] = "aspirin"
    broken = table.set_column(table.schema.get_field_index("therapy"), "therapy", pa.array(therapies))
    written = tmp_path / "written.csv"
    pacsv.write_csv(broken, written)
    header, first, *rest = written.read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "episodes.csv"
    path.write_text(header + "\n" + first + "\n\n" + "".join(rest), encoding="utf-8")
    with pytest.raises(UnknownTherapyError) as raised:
        episode_transitions(path)
    # The header is row 1, a blank line row 2, the first episode row 3, two blank lines rows 4-5.
    assert "column therapy: unknown therapy 'aspirin' at row(s) 6" == str(raised.value)


@given(st.sets(st.integers(1, 60)), st.integers(0, 60))
def test_kept_rows_are_spread_around_the_removed_ones(removed: set[int], kept: int) -> None:
    np = pytest.importorskip("numpy")
    from dmt_timeline.batch._row_numbers import _spread  # noqa: PLC0415 - the rule under test

    positions = [p for p in range(1, kept + len(removed) + 1) if p not in removed][:kept]
    found = _spread(np, np.arange(1, len(positions) + 1), np.array(sorted(removed), dtype=np.int64))
    assert positions == found.tolist()
