"""A small generated OMOP CDM for the reader tests, loadable into DuckDB or PostgreSQL.

The vocabulary is made up for the tests (concept ids from 1000): RxNorm ingredients for MS
therapies and two non-MS drugs, clinical drugs under them, one combination product of two MS
ingredients and one of an MS and a non-MS ingredient, and SNOMED conditions. The RxNorm codes
of ingredients whose catalogue RxCUI is confirmed are those codes; the others carry codes no
therapy has, so that they map by name as in a real vocabulary without those RxCUIs. The
ingredients of ``BY_CODE`` carry a catalogue RxCUI under a name no therapy has, so that only
their concept_code can map them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

# concept_id, name, vocabulary, class, code
INGREDIENTS: tuple[tuple[int, str, str], ...] = (
    (1001, "natalizumab", "354770"),
    (1002, "ocrelizumab", "1876366"),
    (1003, "interferon beta-1a", "X72257"),
    (1004, "glatiramer", "214582"),
    (1005, "dimethyl fumarate", "1373478"),
    (1006, "fingolimod", "1012892"),
    (1007, "monomethyl fumarate", "1546433"),
    (1050, "acetaminophen", "161"),
    (1051, "ibuprofen", "5640"),
)
# concept_id -> the catalogue therapy whose RxCUI its concept_code is (names unknown to it)
BY_CODE: dict[int, tuple[str, str]] = {
    1101: ("1546168", "peginterferon beta-1a"),
    1102: ("214582", "glatiramer acetate"),
    1103: ("2261783", "diroximel fumarate"),
    1104: ("1546433", "monomethyl fumarate"),
    1105: ("2532300", "ponesimod"),
    1106: ("190353", "daclizumab"),
}
INGREDIENTS += tuple((i, f"coded ingredient {i}", code) for i, (code, _) in BY_CODE.items())
# clinical drug concept_id -> its ingredients
DRUGS: dict[int, tuple[int, ...]] = {
    2001: (1001,),  # natalizumab 300 MG in 15 ML injection
    2002: (1002,),
    2003: (1003,),
    2004: (1004,),
    2005: (1005,),
    2006: (1006,),
    2007: (1007,),
    2050: (1050,),
    2051: (1051,),
    2090: (1005, 1006),  # a made-up combination of two MS ingredients
    2091: (1001, 1050),  # a made-up combination of an MS and a non-MS ingredient
}
DRUGS.update({i + 1000: (i,) for i in BY_CODE})
CONDITIONS: tuple[tuple[int, str, str], ...] = (
    (3001, "Multiple sclerosis", "24700007"),
    (3002, "Relapsing remitting multiple sclerosis", "426373005"),
    (3003, "Psoriasis", "9014002"),
    (3004, "Asthma", "195967001"),
)
CONDITION_ANCESTORS: tuple[tuple[int, int], ...] = (
    (3001, 3001),
    (3001, 3002),
    (3002, 3002),
    (3003, 3003),
    (3004, 3004),
)

TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "concept": (
        ("concept_id", "BIGINT"),
        ("concept_name", "VARCHAR(255)"),
        ("domain_id", "VARCHAR(20)"),
        ("vocabulary_id", "VARCHAR(20)"),
        ("concept_class_id", "VARCHAR(20)"),
        ("standard_concept", "VARCHAR(1)"),
        ("concept_code", "VARCHAR(50)"),
    ),
    "concept_ancestor": (
        ("ancestor_concept_id", "BIGINT"),
        ("descendant_concept_id", "BIGINT"),
        ("min_levels_of_separation", "INTEGER"),
        ("max_levels_of_separation", "INTEGER"),
    ),
    "person": (
        ("person_id", "BIGINT"),
        ("gender_concept_id", "BIGINT"),
        ("year_of_birth", "INTEGER"),
        ("month_of_birth", "INTEGER"),
        ("day_of_birth", "INTEGER"),
        ("birth_datetime", "TIMESTAMP"),
    ),
    "observation_period": (
        ("observation_period_id", "BIGINT"),
        ("person_id", "BIGINT"),
        ("observation_period_start_date", "DATE"),
        ("observation_period_end_date", "DATE"),
        ("period_type_concept_id", "BIGINT"),
    ),
    "death": (("person_id", "BIGINT"), ("death_date", "DATE"), ("death_type_concept_id", "BIGINT")),
    "drug_exposure": (
        ("drug_exposure_id", "BIGINT"),
        ("person_id", "BIGINT"),
        ("drug_concept_id", "BIGINT"),
        ("drug_exposure_start_date", "DATE"),
        ("drug_exposure_end_date", "DATE"),
        ("drug_type_concept_id", "BIGINT"),
        ("stop_reason", "VARCHAR(20)"),
        ("days_supply", "INTEGER"),
    ),
    "condition_occurrence": (
        ("condition_occurrence_id", "BIGINT"),
        ("person_id", "BIGINT"),
        ("condition_concept_id", "BIGINT"),
        ("condition_start_date", "DATE"),
        ("condition_type_concept_id", "BIGINT"),
    ),
    "cohort": (
        ("cohort_definition_id", "BIGINT"),
        ("subject_id", "BIGINT"),
        ("cohort_start_date", "DATE"),
        ("cohort_end_date", "DATE"),
    ),
}

Row = tuple[Any, ...]
D = dt.date


def exposure(
    person: int,
    drug: int,
    start: dt.date,
    end: dt.date | None,
    supply: int | None = None,
    *,
    reason: str | None = None,
) -> Row:
    """A drug_exposure row without its id (numbered on load)."""
    return (person, drug, start, end, 38000177, reason, supply)


def vocabulary_rows() -> dict[str, list[Row]]:
    concepts: list[Row] = [(i, n, "Drug", "RxNorm", "Ingredient", "S", c) for i, n, c in INGREDIENTS]
    concepts += [(d, f"drug {d}", "Drug", "RxNorm", "Clinical Drug", "S", f"D{d}") for d in DRUGS]
    concepts += [(i, n, "Condition", "SNOMED", "Clinical Finding", "S", c) for i, n, c in CONDITIONS]
    ancestors: list[Row] = [(i, i, 0, 0) for i, _, _ in INGREDIENTS]
    ancestors += [(d, d, 0, 0) for d in DRUGS]
    ancestors += [(ing, d, 1, 1) for d, ings in DRUGS.items() for ing in ings]
    ancestors += [(a, b, 0, 0) for a, b in CONDITION_ANCESTORS]
    return {"concept": concepts, "concept_ancestor": ancestors}


def _name(text: str, upper: bool) -> str:
    return f'"{text.upper()}"' if upper else text


def load(
    execute: Any,
    exposures: Sequence[Row],
    *,
    persons: Iterable[int] = (),
    people: Sequence[Row] = (),
    observation: Sequence[Row] = (),
    deaths: Sequence[Row] = (),
    conditions: Sequence[Row] = (),
    cohort: Sequence[Row] = (),
    schema: str | None = None,
    upper: bool = False,
    param: str = "?",
) -> None:
    """Create the CDM tables (names upper case when ``upper``) and load the rows.

    ``people`` are ``person`` rows (person_id, gender_concept_id, year_of_birth, month_of_birth,
    day_of_birth, birth_datetime); the other persons are men born in 1980.

    ``execute(sql, params)`` runs one statement (DuckDB's ``con.execute``, or a psycopg
    cursor's ``execute`` with ``param="%s"``).
    """
    prefix = "" if schema is None else f"{schema}."
    rows = vocabulary_rows()
    person_ids = sorted({*persons, *(e[0] for e in exposures)})
    # person rows given in full, the others a man born in 1980.
    given = {row[0]: row for row in people}
    rows["person"] = [given.get(p, (p, 8507, 1980, None, None, None)) for p in sorted({*person_ids, *given})]
    rows["observation_period"] = list(observation)
    rows["death"] = list(deaths)
    rows["drug_exposure"] = [(i, *e) for i, e in enumerate(exposures, start=1)]
    rows["condition_occurrence"] = list(conditions)
    rows["cohort"] = list(cohort)
    for table, columns in TABLES.items():
        cols = ", ".join(f"{_name(c, upper)} {kind}" for c, kind in columns)
        execute(f"CREATE TABLE {prefix}{_name(table, upper)} ({cols})", [])
        marks = ", ".join([param] * len(columns))
        for row in rows[table]:
            execute(f"INSERT INTO {prefix}{_name(table, upper)} VALUES ({marks})", list(row))
