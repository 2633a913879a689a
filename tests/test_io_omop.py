"""The OMOP CDM reader against the OHDSI DRUG_ERA script, on generated CDMs in DuckDB and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import DmtTimelineError, InvalidValueError
from dmt_timeline.io.omop import EndDateRule, OmopRead, read_omop
from dmt_timeline.io.omop._knowledge import stop_reasons
from dmt_timeline.io.omop._read import _censored
from dmt_timeline.model import ONGOING, Condition, Sex, SwitchReason, TherapyEpisode
from dmt_timeline.reasons import read_reasons, reason_spellings
from tests import omop_cdm
from tests.leaks import assert_own_error
from tests.omop_cdm import D, Row, exposure

duckdb = pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")

SCRIPT = (Path(__file__).parent / "data" / "ohdsi_drug_era_duckdb.sql").read_text(encoding="utf-8")
POSTGRES_ENV = "DMT_TIMELINE_TEST_POSTGRES"
THERAPY_OF_INGREDIENT = {
    i: CATALOGUE.get(name).name for i, name, _ in omop_cdm.INGREDIENTS if name in CATALOGUE
}
Era = tuple[str, str, dt.date, dt.date, int, int]


def _postgres_dsn() -> str:
    dsn = os.environ.get(POSTGRES_ENV, "")
    reason = ""
    if not dsn:
        reason = f"no PostgreSQL server: set {POSTGRES_ENV} to a DSN (.ci/run starts one)"
    else:
        try:
            import psycopg  # noqa: PLC0415

            with psycopg.connect(dsn, connect_timeout=5):
                pass
        except ImportError:
            reason = 'psycopg is not installed: pip install "dmt-timeline[omop]"'
        except Exception as exc:
            reason = f"PostgreSQL at {POSTGRES_ENV} is not reachable: {type(exc).__name__}"
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must not skip the PostgreSQL tests: {reason}")
        pytest.skip(reason)
    return dsn


Make = Callable[..., tuple[Any, str | None]]


@pytest.fixture(params=["duckdb", "postgresql"])
def make_cdm(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Make]:
    """A factory: load a generated CDM into the backend, giving (source, schema) for read_omop."""
    schemas: list[str] = []
    if request.param == "postgresql":
        dsn = _postgres_dsn()
        import psycopg  # noqa: PLC0415

        connection = psycopg.connect(dsn, autocommit=True)

        def make(exposures: Sequence[Row], **options: Any) -> tuple[Any, str | None]:
            schema = f"cdm_{uuid.uuid4().hex[:12]}"
            schemas.append(schema)
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA {schema}")
                omop_cdm.load(cursor.execute, exposures, schema=schema, param="%s", **options)
            return dsn, schema

        yield make
        with connection.cursor() as cursor:
            for schema in schemas:
                cursor.execute(f"DROP SCHEMA {schema} CASCADE")
        connection.close()
    else:

        def make(exposures: Sequence[Row], **options: Any) -> tuple[Any, str | None]:
            path = tmp_path / f"cdm{len(schemas)}.duckdb"
            schemas.append(str(path))
            with duckdb.connect(str(path)) as con:
                omop_cdm.load(con.execute, exposures, **options)
            return path, None

        yield make


def _script_eras(exposures: Sequence[Row]) -> set[Era]:
    """The OHDSI DRUG_ERA script's eras of MS ingredients, run in DuckDB over the same rows."""
    with duckdb.connect() as con:
        omop_cdm.load(con.execute, exposures)
        con.execute(SCRIPT)
        rows = con.execute(
            "SELECT person_id, drug_concept_id, drug_era_start_date, drug_era_end_date, "
            "drug_exposure_count, gap_days FROM tmp_de"
        ).fetchall()
    return {
        (str(p), THERAPY_OF_INGREDIENT[c], s, e, int(n), int(g))
        for p, c, s, e, n, g in rows
        if c in THERAPY_OF_INGREDIENT
    }


def _object_eras(read: OmopRead, mode: str = "omop") -> set[Era]:
    return {
        (e.person_id, e.therapy, e.start, e.end, e.exposure_count, e.gap_days)
        for e in read.episodes(era_mode=mode).eras
    }


def _batch_eras(read: OmopRead, mode: str = "omop") -> set[Era]:
    table = read.transitions(era_mode=mode).episodes
    return {
        (r["patient_id"], r["therapy"], r["start"], r["stop"], r["exposures"], r["gap_days"])
        for r in table.to_pylist()
    }


NAT, OCR, IFN, GA, DMF, FING, MMF, APAP, IBU, COMBO, COMBO_NON_MS = (
    2001, 2002, 2003, 2004, 2005, 2006, 2007, 2050, 2051, 2090, 2091,
)  # fmt: skip
EDGE_CASES: list[Row] = [
    # 1: overlapping, abutting (next start on the latest end), next day
    exposure(1, NAT, D(2020, 1, 1), D(2020, 1, 28)),
    exposure(1, NAT, D(2020, 1, 20), D(2020, 2, 10)),
    exposure(1, NAT, D(2020, 2, 10), D(2020, 3, 1)),
    exposure(1, NAT, D(2020, 3, 2), D(2020, 3, 20)),
    # 2, 3, 4: gaps of 29, 30 and 31 days from an end to the next start
    exposure(2, DMF, D(2020, 1, 1), D(2020, 1, 31)),
    exposure(2, DMF, D(2020, 2, 29), D(2020, 3, 31)),
    exposure(3, DMF, D(2020, 1, 1), D(2020, 1, 31)),
    exposure(3, DMF, D(2020, 3, 1), D(2020, 3, 31)),
    exposure(4, DMF, D(2020, 1, 1), D(2020, 1, 31)),
    exposure(4, DMF, D(2020, 3, 2), D(2020, 3, 31)),
    # 5: same-day exposures (end on the start), twice on one day, then a day later
    exposure(5, OCR, D(2021, 5, 1), D(2021, 5, 1)),
    exposure(5, OCR, D(2021, 5, 1), D(2021, 5, 1)),
    exposure(5, OCR, D(2021, 5, 2), D(2021, 5, 2)),
    exposure(5, OCR, D(2021, 11, 1), D(2021, 11, 1)),
    # 6: exact duplicates
    exposure(6, FING, D(2019, 6, 1), D(2019, 6, 30), 30),
    exposure(6, FING, D(2019, 6, 1), D(2019, 6, 30), 30),
    # 7: nested
    exposure(7, GA, D(2018, 1, 1), D(2018, 12, 31)),
    exposure(7, GA, D(2018, 3, 1), D(2018, 3, 28)),
    exposure(7, GA, D(2019, 1, 15), D(2019, 2, 14)),
    # 8: blank ends, with and without days_supply, and days_supply 0
    exposure(8, IFN, D(2017, 1, 1), None, 28),
    exposure(8, IFN, D(2017, 3, 1), None),
    exposure(8, IFN, D(2017, 5, 1), None, 0),
    exposure(8, IFN, D(2017, 7, 1), D(2017, 7, 10), 90),
    # 9: combination products: two MS ingredients; an MS and a non-MS ingredient
    exposure(9, COMBO, D(2022, 1, 1), D(2022, 1, 30)),
    exposure(9, DMF, D(2022, 2, 15), D(2022, 3, 15)),
    exposure(9, COMBO_NON_MS, D(2022, 6, 1), D(2022, 6, 1)),
    # 10: non-MS drugs only
    exposure(10, IBU, D(2020, 1, 1), D(2020, 1, 10)),
    exposure(10, APAP, D(2020, 1, 1), None, 5),
    # 11: therapies an RxNorm vocabulary names but the catalogue has no confirmed RxCUI for
    exposure(11, MMF, D(2021, 1, 1), D(2021, 3, 31), 90),
    exposure(11, GA, D(2021, 5, 1), D(2021, 5, 31)),
    # 12: rows the OHDSI filters drop
    exposure(12, 0, D(2020, 1, 1), D(2020, 1, 31)),
    exposure(12, NAT, D(2020, 1, 1), None, -5),
    exposure(12, NAT, D(2020, 6, 1), D(2020, 6, 1)),
]


def test_edge_cases_give_the_ohdsi_script_eras_era_by_era(make_cdm: Make) -> None:
    source, schema = make_cdm(EDGE_CASES)
    read = read_omop(source, schema=schema)
    expected = _script_eras(EDGE_CASES)
    assert expected == _object_eras(read)
    assert expected == _batch_eras(read)


def test_the_script_counts_and_gap_days_of_the_edge_cases(make_cdm: Make) -> None:
    source, schema = make_cdm(EDGE_CASES)
    eras = {(p, t): (n, g) for p, t, _, _, n, g in _object_eras(read_omop(source, schema=schema))}
    assert (4, 1) == eras[("1", "natalizumab")]  # one gap: 2020-03-01 to 2020-03-02
    assert (2, 29) == eras[("2", "dimethyl fumarate")]
    assert (2, 30) == eras[("3", "dimethyl fumarate")]
    assert (2, 0) == eras[("6", "fingolimod")]


def test_gaps_of_29_and_30_days_join_and_31_splits(make_cdm: Make) -> None:
    source, schema = make_cdm(EDGE_CASES)
    eras = _object_eras(read_omop(source, schema=schema))
    counts = {p: sum(1 for e in eras if e[0] == p) for p in ("2", "3", "4")}
    assert {"2": 1, "3": 1, "4": 2} == counts


def test_combination_products_give_each_ms_ingredient(make_cdm: Make) -> None:
    source, schema = make_cdm(EDGE_CASES)
    read = read_omop(source, schema=schema)
    rows = [r for r in read.exposures.to_pylist() if r["person_id"] == "9"]
    assert ["dimethyl fumarate", "dimethyl fumarate", "fingolimod", "natalizumab"] == sorted(
        r["drug"] for r in rows
    )


def test_non_ms_ingredients_are_counted_not_refused(make_cdm: Make) -> None:
    source, schema = make_cdm(EDGE_CASES)
    read = read_omop(source, schema=schema)
    assert ((1050, "acetaminophen", 2), (1051, "ibuprofen", 1)) == read.other_ingredients


def test_the_ohdsi_row_filters_are_applied_and_counted(make_cdm: Make) -> None:
    rows = [*EDGE_CASES, exposure(13, NAT, D(2020, 5, 1), D(2020, 4, 1))]
    source, schema = make_cdm(rows)
    read = read_omop(source, schema=schema)
    expected = (("drug_concept_id is 0", 1), ("days_supply is negative", 1), ("end before start", 1))
    assert expected == read.dropped
    assert {"12"} == {r["person_id"] for r in read.exposures.to_pylist() if r["person_id"] in {"12", "13"}}


def test_ingredients_map_by_their_rxcui_or_without_one_by_name(make_cdm: Make) -> None:
    # Interferon beta-1a has no RxCUI in the catalogue (its code is in dispute): its name maps it.
    source, schema = make_cdm(EDGE_CASES)
    read = read_omop(source, schema=schema)
    found = {(r["person_id"], r["drug"]) for r in read.exposures.to_pylist() if r["person_id"] in {"8", "11"}}
    expected = {("8", "interferon beta-1a"), ("11", "monomethyl fumarate"), ("11", "glatiramer acetate")}
    assert expected == found


@pytest.mark.parametrize(("concept", "therapy"), [(i, name) for i, (_, name) in omop_cdm.BY_CODE.items()])
def test_an_ingredient_maps_by_its_rxcui_alone(make_cdm: Make, concept: int, therapy: str) -> None:
    # The concept's name is no catalogue name, so only its concept_code (the RxCUI) can map it.
    source, schema = make_cdm([exposure(21, concept + 1000, D(2021, 1, 1), D(2021, 1, 31))])
    read = read_omop(source, schema=schema)
    assert [("21", therapy)] == [(r["person_id"], r["drug"]) for r in read.exposures.to_pylist()]


def test_blank_ends_by_the_ohdsi_rule(make_cdm: Make) -> None:
    source, schema = make_cdm(EDGE_CASES)
    read = read_omop(source, schema=schema)
    ends = [(r["start"], r["end"]) for r in read.exposures.to_pylist() if r["person_id"] == "8"]
    expected = [
        (D(2017, 1, 1), D(2017, 1, 29)),  # start + days_supply
        (D(2017, 3, 1), D(2017, 3, 2)),  # no days_supply: start + 1
        (D(2017, 5, 1), D(2017, 5, 2)),  # days_supply 0: start + 1
        (D(2017, 7, 1), D(2017, 7, 10)),  # an end date wins over days_supply
    ]
    assert expected == ends


def test_blank_ends_by_the_cdm_etl_convention(make_cdm: Make) -> None:
    source, schema = make_cdm(EDGE_CASES)
    read = read_omop(source, schema=schema, end_date_rule="cdm-etl")
    ends = [(r["start"], r["end"]) for r in read.exposures.to_pylist() if r["person_id"] == "8"]
    expected = [
        (D(2017, 1, 1), D(2017, 1, 28)),  # start + days_supply - 1
        (D(2017, 3, 1), D(2017, 3, 1)),  # no days_supply: the start
        (D(2017, 5, 1), D(2017, 5, 1)),
        (D(2017, 7, 1), D(2017, 7, 10)),
    ]
    assert (EndDateRule.CDM_ETL, expected) == (read.end_date_rule, ends)


def test_column_and_table_names_in_upper_case(make_cdm: Make) -> None:
    source, schema = make_cdm(EDGE_CASES, upper=True)
    read = read_omop(source, schema=schema)
    assert _script_eras(EDGE_CASES) == _object_eras(read)


def test_persons_by_list(make_cdm: Make) -> None:
    source, schema = make_cdm(EDGE_CASES)
    read = read_omop(source, schema=schema, persons=[2, "4", 99])
    assert ({"2", "4"}, ("2", "4", "99")) == (
        {r["person_id"] for r in read.exposures.to_pylist()},
        read.persons,
    )
    assert ["2", "4", "99"] == [p.id for p in read.episodes().cohort.patients]


def test_persons_by_cohort(make_cdm: Make) -> None:
    cohort = [
        (7, 3, D(2020, 1, 1), D(2020, 12, 31)),
        (7, 5, D(2020, 1, 1), D(2020, 12, 31)),
        (8, 1, D(2020, 1, 1), None),
    ]
    source, schema = make_cdm(EDGE_CASES, cohort=cohort)
    read = read_omop(source, schema=schema, cohort_definition_id=7)
    assert ({"3", "5"}, ("3", "5")) == ({r["person_id"] for r in read.exposures.to_pylist()}, read.persons)


def test_a_date_window_keeps_overlapping_exposures_and_counts_the_rest(make_cdm: Make) -> None:
    source, schema = make_cdm(EDGE_CASES)
    read = read_omop(source, schema=schema, start="2020-01-01", end="2020-12-31")
    years = {r["start"].year for r in read.exposures.to_pylist()}
    assert {2020} == years
    assert ("outside the date window", 18) == read.dropped[-1]


def test_follow_up_is_the_end_of_observation_or_death(make_cdm: Make) -> None:
    observation = [
        (1, 1, D(2019, 1, 1), D(2021, 12, 31), 44814724),
        (2, 2, D(2019, 1, 1), D(2022, 6, 30), 44814724),
    ]
    deaths = [(2, D(2021, 3, 1), 32817)]
    source, schema = make_cdm(EDGE_CASES, observation=observation, deaths=deaths)
    read = read_omop(source, schema=schema)
    patients = {p.id: p for p in read.episodes().cohort.patients}
    assert ("2021-12-31", "2021-03-01") == (
        str(patients["1"].last_follow_up),
        str(patients["2"].last_follow_up),
    )
    assert D(2022, 6, 30) == read.data_cut


def test_an_episode_not_seen_to_stop_before_follow_up_ends_is_ongoing(make_cdm: Make) -> None:
    # Whether an episode stopped is seen only when follow-up lasts its persistence window past
    # its end (natalizumab: 30 days, the default, above its 28-day dosing interval). Death ends
    # follow-up as the end of observation does.
    end_of_observation = D(2021, 12, 31)
    rows = [
        exposure(30, NAT, D(2021, 11, 12), D(2021, 12, 10)),  # 21 days before the cut: ongoing
        exposure(31, NAT, D(2021, 11, 1), D(2021, 12, 1)),  # exactly 30 days: seen to stop
        exposure(32, NAT, D(2021, 5, 8), D(2021, 6, 5)),  # died 5 days later, on therapy
        exposure(33, NAT, D(2021, 11, 12), D(2021, 12, 10), reason="side effects"),  # stopped
        exposure(34, DMF, D(2021, 6, 1), D(2021, 12, 20)),  # switched: seen to stop
        exposure(34, FING, D(2021, 12, 22), D(2021, 12, 30)),
    ]
    observation = [(i, p, D(2019, 1, 1), end_of_observation, 44814724) for i, p in enumerate(range(30, 35))]
    source, schema = make_cdm(rows, observation=observation, deaths=[(32, D(2021, 6, 10), 32817)])
    built = read_omop(source, schema=schema).episodes()
    assert 30 == dict(built.windows)["natalizumab"]
    patients = {p.id: p for p in built.cohort.patients}
    stops = {person: patients[person].episodes[0].stop for person in patients}
    assert {"30": ONGOING, "31": PartialDate.parse("2021-12-01"), "32": ONGOING} == {
        k: v for k, v in stops.items() if k in {"30", "31", "32"}
    }
    assert (PartialDate.parse("2021-12-10"), (SwitchReason.ADVERSE_EVENT,)) == (
        stops["33"],
        patients["33"].episodes[0].reasons,
    )
    assert [PartialDate.parse("2021-12-20"), ONGOING] == [e.stop for e in patients["34"].episodes]
    assert "2021-06-10" == str(patients["32"].last_follow_up)
    # OMOP's eras keep their ends: censoring is the episodes' reading, not drug_era's.
    assert D(2021, 12, 10) == next(e.end for e in built.eras if e.person_id == "30")


@given(
    stop=st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1)),
    length=st.integers(0, 400),
    follow=st.integers(0, 400),
    window=st.integers(1, 400),
    reason=st.booleans(),
    other=st.one_of(st.none(), st.integers(-400, 400)),
)
def test_censoring_is_exactly_an_unseen_stop(
    *, stop: dt.date, length: int, follow: int, window: int, reason: bool, other: int | None
) -> None:
    episode = TherapyEpisode(
        CATALOGUE.get("natalizumab"),
        PartialDate.from_date(stop - dt.timedelta(days=length)),
        PartialDate.from_date(stop),
        (SwitchReason.ADVERSE_EVENT,) if reason else (),
    )
    episodes: tuple[TherapyEpisode, ...] = (episode,)
    if other is not None:  # another therapy's episode, starting `other` days after the stop
        start = PartialDate.from_date(stop + dt.timedelta(days=other))
        episodes += (TherapyEpisode(CATALOGUE.get("fingolimod"), start, ONGOING),)
    last = stop + dt.timedelta(days=follow)
    unseen = not reason and follow < window and not (other is not None and other > 0)

    assert (ONGOING if unseen else episode.stop) == _censored(episode, episodes, last, window).stop


def test_diagnoses_come_from_snomed_concept_sets_with_descendants(make_cdm: Make) -> None:
    conditions = [
        (1, 1, 3002, D(2015, 4, 1), 32020),  # relapsing remitting MS, a descendant
        (2, 1, 3001, D(2016, 1, 1), 32020),
        (3, 1, 3003, D(2010, 1, 1), 32020),
        (4, 1, 3004, D(2010, 1, 1), 32020),  # asthma: not a condition the model has
    ]
    source, schema = make_cdm(EDGE_CASES, conditions=conditions)
    patient = next(p for p in read_omop(source, schema=schema).episodes().cohort.patients if p.id == "1")
    found = [(d.condition, str(d.date)) for d in patient.diagnoses]
    assert [(Condition.MULTIPLE_SCLEROSIS, "2015-04-01"), (Condition.PSORIASIS, "2010-01-01")] == found


def test_stop_reasons_are_kept_as_text_and_mapped_where_they_can_be(make_cdm: Make) -> None:
    rows = [
        exposure(1, NAT, D(2020, 1, 1), D(2020, 1, 28), reason="LOE"),
        exposure(2, NAT, D(2020, 1, 1), D(2020, 1, 28), reason="Side effects"),
        exposure(3, NAT, D(2020, 1, 1), D(2020, 1, 28), reason="Moved away"),
        exposure(4, NAT, D(2020, 1, 1), D(2020, 1, 28), reason="Regimen completed"),
    ]
    source, schema = make_cdm(rows)
    read = read_omop(source, schema=schema)
    table = [(r["stop_reason"], r["reason"]) for r in read.exposures.to_pylist()]
    expected = [("LOE", "LOE"), ("Side effects", "adverse event"), ("Moved away", "")]
    assert [*expected, ("Regimen completed", "")] == table
    assert (("Moved away", 1),) == read.unread_stop_reasons
    episodes = {p.id: p.episodes[0].reasons for p in read.episodes().cohort.patients}
    assert (SwitchReason.ADVERSE_EVENT,) == episodes["2"]


@given(st.sampled_from(sorted(reason_spellings())))
def test_a_stop_reason_means_what_the_reason_vocabulary_says(spelling: str) -> None:
    # One vocabulary: a stop_reason text reads as the same reasons as a table's stop-reason cell.
    assert read_reasons(spelling) == stop_reasons(spelling)


@pytest.mark.parametrize("text", ["Regimen completed", "completed", "NA", "", "  "])
def test_texts_that_end_a_course_without_a_reason_give_none(text: str) -> None:
    assert () == stop_reasons(text)


@pytest.mark.parametrize("text", ["Moved away", "LOE; moved away", "x" * 2000])
def test_a_text_the_vocabulary_cannot_read_is_unread_not_refused(text: str) -> None:
    assert stop_reasons(text) is None


def test_catalogue_mode_widens_the_window_and_omop_mode_does_not(make_cdm: Make) -> None:
    infusions = [exposure(1, OCR, D(2020, 1, 1) + dt.timedelta(days=182 * k), None) for k in range(4)]
    source, schema = make_cdm(infusions)
    read = read_omop(source, schema=schema)
    assert (1, 4) == (len(_object_eras(read, "catalogue")), len(_object_eras(read, "omop")))
    assert _object_eras(read, "catalogue") == _batch_eras(read, "catalogue")


def test_an_open_duckdb_connection_is_read_and_left_open() -> None:
    with duckdb.connect() as con:
        omop_cdm.load(con.execute, EDGE_CASES)
        read = read_omop(con)
        assert 1 == con.execute("SELECT 1").fetchone()[0]
    assert _script_eras(EDGE_CASES) == _object_eras(read)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda p: read_omop(p / "missing.duckdb"), "no DuckDB file"),
        (lambda p: read_omop(42), "expected a DuckDB file path"),
        (lambda p: read_omop(p / "cdm.duckdb", persons=[1], cohort_definition_id=1), "one or the other"),
        (lambda p: read_omop(p / "cdm.duckdb", persons=["1; DROP TABLE person"]), "is not a CDM person_id"),
        (lambda p: read_omop(p / "cdm.duckdb", start="2020"), "is not a whole date"),
        (lambda p: read_omop(p / "cdm.duckdb", cohort_definition_id=_text("7")), "is not a whole number"),
        (lambda p: read_omop(p / "cdm.duckdb", end_date_rule="guess"), "is not one of"),
        (lambda p: read_omop(p / "cdm.duckdb", schema="nowhere"), "holds no table"),
        (lambda p: read_omop("postgresql://u:Jane-Roe-0917@127.0.0.1:1/x"), "cannot connect"),
        (
            lambda p: read_omop(p / "cdm.duckdb").episodes(era_mode="omop", windows={"natalizumab": 60}),
            "one persistence",
        ),
    ],
)
def test_bad_requests_are_refused_with_the_librarys_errors(
    tmp_path: Path, call: Callable[[Path], Any], expected: str
) -> None:
    with duckdb.connect(str(tmp_path / "cdm.duckdb")) as con:
        omop_cdm.load(con.execute, EDGE_CASES)
    with pytest.raises(DmtTimelineError) as info:
        call(tmp_path)
    assert_own_error(info.value)
    assert expected in str(info.value)


def test_a_missing_table_is_named(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "cdm.duckdb")) as con:
        omop_cdm.load(con.execute, EDGE_CASES)
        con.execute("DROP TABLE concept_ancestor")
    with pytest.raises(InvalidValueError, match=r"concept_ancestor\S* not found"):
        read_omop(tmp_path / "cdm.duckdb")


def _text(value: str) -> Any:
    """A value typed Any, to pass a wrong type where the signature says otherwise."""
    return value


_DRUG_IDS = [NAT, OCR, DMF, FING, COMBO]


@st.composite
def _exposure_rows(draw: st.DrawFn) -> list[Row]:
    rows = []
    for _ in range(draw(st.integers(1, 14))):
        start = D(2020, 1, 1) + dt.timedelta(days=draw(st.integers(0, 150)))
        kind = draw(st.sampled_from(["end", "supply", "none"]))
        length = draw(st.integers(0, 45))
        end = start + dt.timedelta(days=length) if kind == "end" else None
        supply = length if kind == "supply" else draw(st.none() | st.integers(0, 3))
        rows.append(exposure(draw(st.integers(1, 3)), draw(st.sampled_from(_DRUG_IDS)), start, end, supply))
    return rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_exposure_rows())
def test_omop_mode_is_the_ohdsi_script_for_any_exposures(rows: list[Row]) -> None:
    with duckdb.connect() as con:
        omop_cdm.load(con.execute, rows)
        read = read_omop(con)
    expected = _script_eras(rows)
    assert expected == _object_eras(read)
    assert expected == _batch_eras(read)


# -- person: sex and birth date --------------------------------------------------------------


def _people_cdm(make_cdm: Make, people: list[Row]) -> tuple[Any, str | None]:
    """A CDM whose persons each have one natalizumab exposure in 2010."""
    return make_cdm([exposure(p[0], NAT, D(2010, 1, 1), D(2010, 3, 1)) for p in people], people=people)


def test_person_gives_sex_and_birth_date(make_cdm: Make) -> None:
    people = [
        (1, 8532, 1980, None, None, None),
        (2, 8507, 1975, 3, None, None),
        (3, 0, 1970, 6, 14, None),
        (4, 44814653, None, None, None, D(1968, 7, 2)),
        (5, 8551, 2011, None, None, None),  # born after the exposure: the CDM contradicts itself
        (6, 8570, 1960, None, None, None),  # a concept that names no sex
    ]
    source, schema = _people_cdm(make_cdm, people)
    read = read_omop(source, schema=schema)
    found = [(p.id, p.sex, p.birth_date) for p in read.episodes().cohort]
    assert [
        ("1", Sex.FEMALE, PartialDate(1980)),
        ("2", Sex.MALE, PartialDate(1975, 3)),
        ("3", None, PartialDate(1970, 6, 14)),
        ("4", Sex.OTHER, PartialDate(1968, 7, 2)),
        ("5", None, None),
        ("6", None, PartialDate(1960)),
    ] == found
    assert ((("5", "2011"),), ((8570, 1),)) == (read.births_after_records, read.unread_genders)


def test_birth_fields_that_are_no_date_are_refused_by_name(make_cdm: Make) -> None:
    source, schema = _people_cdm(make_cdm, [(1, 8532, 1980, 2, 30, None)])
    with pytest.raises(InvalidValueError) as info:
        read_omop(source, schema=schema)
    assert "person '1': person.year_of_birth, month_of_birth, day_of_birth '1980-2-30' is not a date" == str(
        info.value
    )
