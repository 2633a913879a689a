"""Tests for long exposure tables and era building, checked against the OMOP drug era SQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import UnknownTherapyError
from dmt_timeline.io import (
    Exposure,
    TableFormatError,
    build_episodes,
    read_exposures_arrow,
    read_exposures_csv,
    read_exposures_frame,
    read_exposures_rows,
)
from dmt_timeline.model import SwitchReason

# One table for both the library and the SQL: gaps of 0, 29, 30 and 31 days, overlaps, an
# exposure inside another, equal starts, two persons, and therapies interleaved.
SHARED_TABLE = """\
person_id,drug,start,end,reason
1,dimethyl fumarate,2015-01-01,2015-01-30,
1,dimethyl fumarate,2015-01-31,2015-03-01,
1,dimethyl fumarate,2015-03-31,2015-04-29,
1,dimethyl fumarate,2015-05-30,2015-06-28,LOE
1,fingolimod,2015-06-20,2015-07-19,
1,fingolimod,2015-07-01,2015-09-30,
1,fingolimod,2015-08-01,2015-08-30,
1,fingolimod,2015-10-29,2015-11-27,tlrb
1,dimethyl fumarate,2016-01-01,2016-01-30,
2,natalizumab,2014-01-10,2014-01-10,
2,natalizumab,2014-02-07,2014-02-07,
2,natalizumab,2014-03-07,2014-03-07,
2,natalizumab,2014-05-01,2014-05-01,
2,natalizumab,2014-05-01,2014-05-29,
2,natalizumab,2014-06-28,2014-06-28,JCV+
2,teriflunomide,2014-06-29,2014-07-28,
3,glatiramer acetate,2010-01-01,2010-12-31,
"""

OMOP_DRUG_ERA_SQL = """
WITH padded AS (
    SELECT person_id, drug, start_date, end_date + 30 AS padded_end FROM exposures
),
marked AS (
    SELECT *,
        CASE WHEN start_date <= MAX(padded_end) OVER (
                PARTITION BY person_id, drug ORDER BY start_date, padded_end
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
            THEN 0 ELSE 1 END AS is_new
    FROM padded
),
numbered AS (
    SELECT *, SUM(is_new) OVER (
        PARTITION BY person_id, drug ORDER BY start_date, padded_end
        ROWS UNBOUNDED PRECEDING) AS era
    FROM marked
)
SELECT CAST(person_id AS VARCHAR), drug, MIN(start_date), MAX(padded_end) - 30
FROM numbered
GROUP BY person_id, drug, era
"""


OCREVUS_SIX_MONTHS_APART = (
    "person_id,drug,start,end\n1,Ocrevus,2018-01-01,2018-01-01\n1,Ocrevus,2018-07-01,2018-07-01\n"
)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _eras(text: str, **kwargs: object) -> set[tuple[str, str, dt.date, dt.date]]:
    build = build_episodes(read_exposures_rows(_rows(text)), **kwargs)  # type: ignore[arg-type]
    return {
        (p.id, e.therapy.name, e.start.first_day, e.stop.first_day)
        for p in build.cohort
        for e in p.episodes
        if isinstance(e.stop, PartialDate)
    }


def test_eras_match_the_omop_drug_era_sql(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    path = tmp_path / "exposures.csv"
    path.write_text(SHARED_TABLE, encoding="utf-8")
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE exposures AS SELECT * FROM read_csv(?, header = true, "
        "columns = {'person_id': 'INTEGER', 'drug': 'VARCHAR', 'start_date': 'DATE', "
        "'end_date': 'DATE', 'stop_reason': 'VARCHAR'})",
        [str(path)],
    )
    expected = set(con.execute(OMOP_DRUG_ERA_SQL).fetchall())

    actual = _eras(SHARED_TABLE)

    assert expected == actual
    assert 8 == len(actual)


def test_gap_of_exactly_30_days_joins() -> None:
    table = "person_id,drug,start,end\n1,DMF,2015-01-01,2015-01-01\n1,DMF,2015-01-31,2015-02-01\n"

    assert {("1", "dimethyl fumarate", dt.date(2015, 1, 1), dt.date(2015, 2, 1))} == _eras(table)


def test_gap_of_31_days_splits() -> None:
    table = "person_id,drug,start,end\n1,DMF,2015-01-01,2015-01-01\n1,DMF,2015-02-01,2015-02-01\n"

    assert 2 == len(_eras(table))


def test_overlapping_exposures_join_to_the_latest_end() -> None:
    table = (
        "person_id,drug,start,end\n"
        "1,Fing,2015-01-01,2015-06-30\n1,Fing,2015-02-01,2015-03-01\n1,Fing,2015-06-01,2015-07-15\n"
    )

    assert {("1", "fingolimod", dt.date(2015, 1, 1), dt.date(2015, 7, 15))} == _eras(table)


def test_stop_reasons_come_from_the_exposure_that_ends_last() -> None:
    build = build_episodes(read_exposures_rows(_rows(SHARED_TABLE)))

    reasons = [e.reasons for e in build.cohort["2"].episodes if e.therapy.name == "natalizumab"]

    assert [(), (SwitchReason.SAFETY_RISK,)] == reasons


def test_atc_codes_resolve() -> None:
    table = "person_id,drug,start,end\n1,L04AA23,2015-01-01,2015-01-01\n"

    assert {("1", "natalizumab", dt.date(2015, 1, 1), dt.date(2015, 1, 1))} == _eras(table)


def test_dosing_interval_widens_the_window() -> None:
    table = OCREVUS_SIX_MONTHS_APART
    build = build_episodes(read_exposures_rows(_rows(table)))

    assert 1 == len(build.cohort["1"].episodes)
    assert (("ocrelizumab", 182),) == build.windows


def test_user_windows_override_the_catalogue() -> None:
    table = OCREVUS_SIX_MONTHS_APART

    assert 2 == len(_eras(table, windows={"OCR": 30}))


def _exposure(person: str, drug: str, row: int) -> Exposure:
    return Exposure(person, drug, dt.date(2015, 1, 1), dt.date(2015, 1, 1), (), row)


def test_unknown_drugs_are_refused_with_counts() -> None:
    # Exposures built by other readers (FHIR, OMOP) may name drugs the catalogue does not know.
    exposures = [_exposure("1", "aspirin", 2), _exposure("1", "DMF", 3), _exposure("2", "aspirin", 4)]

    with pytest.raises(UnknownTherapyError, match=r"'aspirin' x2 \(first at row 2\)"):
        build_episodes(exposures)


def test_unknown_drugs_are_skipped_on_request_and_reported() -> None:
    build = build_episodes([_exposure("1", "aspirin", 2), _exposure("1", "DMF", 3)], skip_unknown=True)

    assert (("aspirin", 1),) == build.unknown
    assert 1 == len(build.cohort["1"].episodes)


def test_the_reader_names_an_unknown_drug_with_the_close_names() -> None:
    table = "person_id,drug,start,end\n1,aspirin,2015-01-01,2015-01-01\n1,Tysbari,2015-01-01,2015-01-01\n"

    read = read_exposures_rows(_rows(table), skip_bad_rows=True)

    assert [
        "row 2, column drug: patient '1': unknown therapy 'aspirin' (map it with a therapy crosswalk)",
        "row 3, column drug: patient '1': unknown therapy 'Tysbari'; did you mean 'Tysabri'?",
    ] == [str(p) for p in read.skipped]


def test_end_before_start_is_refused_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        "person_id,drug,start,end\n1,DMF,2015-01-01,2015-01-02\n1,DMF,2015-03-01,2015-02-28\n",
        encoding="utf-8",
    )

    with pytest.raises(TableFormatError) as caught:
        read_exposures_csv(path)

    [problem] = caught.value.row_problems
    assert (3, "end") == (problem.row, problem.column)
    assert "patient '1': end 2015-02-28 is before start 2015-03-01" == problem.message


def test_every_row_problem_is_reported() -> None:
    table = (
        "person_id,drug,start,end,reason\n"
        ",DMF,2015-01-01,2015-01-02,\n1,DMF,2015-03,2015-04-01,\n1,DMF,2015-03-01,2015-04-01,bored\n"
    )

    with pytest.raises(TableFormatError) as caught:
        read_exposures_rows(_rows(table))

    expected = [(2, "person_id"), (3, "start"), (4, "reason")]
    assert expected == [(p.row, p.column) for p in caught.value.row_problems]


def test_exposure_refuses_end_before_start() -> None:
    with pytest.raises(ValueError, match="before start"):
        Exposure("1", "DMF", dt.date(2015, 2, 1), dt.date(2015, 1, 1))


def test_frame_with_timestamps() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(io.StringIO(SHARED_TABLE), parse_dates=["start", "end"], dtype={"person_id": str})

    actual = build_episodes(read_exposures_frame(frame))

    assert build_episodes(read_exposures_rows(_rows(SHARED_TABLE))) == actual


def test_catalogue_interval_is_used_only_when_larger() -> None:
    assert 28 == CATALOGUE.get("natalizumab").dosing_interval_days
    build = build_episodes(read_exposures_rows(_rows(SHARED_TABLE)))

    assert ("natalizumab", 30) in build.windows


def test_arrow_table_with_dates_reads_like_the_csv() -> None:
    pacsv = pytest.importorskip("pyarrow.csv")
    pa = pytest.importorskip("pyarrow")
    table = pacsv.read_csv(
        pa.py_buffer(SHARED_TABLE.encode()),
        convert_options=pacsv.ConvertOptions(
            column_types={"person_id": pa.string(), "start": pa.date32(), "end": pa.date32()}
        ),
    )

    assert read_exposures_rows(_rows(SHARED_TABLE)) == read_exposures_arrow(table)


def test_parquet_file_reads_like_the_csv(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "exposures.parquet"
    pq.write_table(pa.Table.from_pylist(_rows(SHARED_TABLE)), path)

    assert read_exposures_rows(_rows(SHARED_TABLE)) == read_exposures_arrow(path)


BAD_ROWS = (
    "person_id,drug,start,end\n"
    "1,natalizumab,2014-01-10,2014-01-10\n"
    "1,natalizumab,2014-13-01,2014-02-07\n"
    "2,,2014-01-01,2014-01-01\n"
    "3,fingolimod,2015-01-01,2015-03-01\n"
)


def test_bad_rows_are_skipped_on_request_and_reported() -> None:
    read = read_exposures_rows(_rows(BAD_ROWS), skip_bad_rows=True)

    assert [2, 5] == [exposure.row for exposure in read]
    assert [(3, "start"), (4, "drug")] == [(p.row, p.column) for p in read.skipped]


def test_without_skipping_a_bad_row_refuses_the_table() -> None:
    with pytest.raises(TableFormatError, match="2 problem"):
        read_exposures_rows(_rows(BAD_ROWS))
