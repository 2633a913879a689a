"""Tests for the batch engine's latencies: whole tables agree with the object model patient by
patient, refusals name their column and rows, and the tidy tables it reads."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmt_timeline.batch._latencies import episode_latencies
from dmt_timeline.catalogue import CATALOGUE, TherapyClass
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.errors import InvalidValueError, TimelineError
from dmt_timeline.errors import quoted as _named
from dmt_timeline.io.tables import (
    FOLLOW_UP_COLUMNS,
    LATENCY_COLUMNS,
    OBSERVATION_COLUMNS,
    diagnoses_table,
    episodes_table,
    follow_up_table,
    latencies_table,
    observations_table,
)
from dmt_timeline.latency import cohort_latencies
from dmt_timeline.model import (
    SGI,
    Cohort,
    Condition,
    Diagnosis,
    Outcome,
    Patient,
    ResponseObservation,
    TherapyEpisode,
)
from dmt_timeline.strategies import cohorts, patients
from dmt_timeline.timeline import Selector

pa = pytest.importorskip("pyarrow")

THERAPIES = [
    CATALOGUE.get(name)
    for name in ("natalizumab", "interferon beta-1a", "ocrelizumab", "rituximab", "alemtuzumab", "cladribine")
]
INDICES: list[Selector] = [
    "natalizumab",
    "Nat",
    CATALOGUE.get("ocrelizumab"),
    TherapyClass.ANTI_CD20,
    "alemtuzumab",
    "cladribine",
]
OUTCOME_KEYS = ["MS", "psoriasis", "uveitis"]


def _batch(cohort: Cohort | list[Patient], **options: Any) -> list[tuple[Any, ...]]:
    table = episode_latencies(
        episodes_table(cohort).to_arrow(),
        observations_table(cohort).to_arrow(),
        follow_up=follow_up_table(cohort).to_arrow(),
        diagnoses=diagnoses_table(cohort).to_arrow(),
        **options,
    )
    assert table.column_names == [c.name for c in LATENCY_COLUMNS]
    return sorted(tuple(row.values()) for row in table.to_pylist())


def _failing(cohort: Cohort, **options: Any) -> set[str]:
    """The patients the object model cannot give a latency for, one at a time."""
    found = set()
    for patient in cohort:
        try:
            cohort_latencies([patient], **options)
        except TimelineError:
            found.add(patient.id)
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cohorts(patients(max_episodes=4, therapies=st.sampled_from(THERAPIES)), max_size=5),
    st.sampled_from(INDICES),
    st.lists(st.sampled_from(OUTCOME_KEYS), min_size=1, max_size=3),
    st.sampled_from(["first", "last"]),
    st.integers(1, 3),
)
def test_episode_latencies_agree_with_the_object_model(
    cohort: Cohort, index: Selector, outcomes: list[str], initiation: Any, partition_size: int
) -> None:
    options = {"index": index, "outcomes": outcomes, "initiation": initiation}
    failing = _failing(cohort, **options)
    if not failing:
        expected = sorted(latencies_table(cohort, **options).rows)
        assert expected == _batch(cohort, partition_size=partition_size, **options)
        return
    with pytest.raises(TimelineError) as from_objects:
        latencies_table(cohort, **options)
    with pytest.raises(TimelineError) as from_batch:
        _batch(cohort, partition_size=partition_size, **options)
    message = str(from_batch.value)
    assert message.startswith(f"{len(failing)} patient(s) without a latency")
    named = {p.id for p in cohort if f"patient {_named(p.id)}: " in message}
    assert failing <= named
    assert f"patient {_named(next(iter(failing & named)))}: " in message
    assert any(f"patient {_named(i)}: " in str(from_objects.value) for i in failing)


def _patient(
    observations: tuple[ResponseObservation, ...] = (), follow_up: str | None = "2012-06-15"
) -> Patient:
    return Patient(
        "P1",
        (
            TherapyEpisode(CATALOGUE.get("interferon beta-1a"), "2006", stop="2009"),
            TherapyEpisode(CATALOGUE.get("natalizumab"), "2010-03"),
        ),
        observations=observations,
        diagnoses=(Diagnosis(Condition.PSORIASIS),),
        last_follow_up=follow_up,
    )


def test_a_latency_with_no_response_is_censored_at_last_follow_up() -> None:
    ms = ResponseObservation(Outcome.MS_ACTIVITY_CEASED, 1, Condition.MULTIPLE_SCLEROSIS, latency_months=4)
    patient = _patient((ms,))
    rows = _batch([patient], index="natalizumab")
    assert rows == sorted(latencies_table([patient], index="natalizumab").rows)
    psoriasis = next(row for row in rows if row[1] == "psoriasis")
    censored = next(item for item in cohort_latencies([patient], index="natalizumab") if item.censored)
    assert psoriasis[2:5] == (censored.months.low, censored.months.high, False)
    assert next(row for row in rows if row[1] == "MS")[2:5] == (4, 4, True)


def test_an_observation_of_another_episode_does_not_count() -> None:
    earlier = ResponseObservation(Outcome.MS_ACTIVITY_CEASED, 0, Condition.MULTIPLE_SCLEROSIS, date="2008")
    patient = _patient((earlier,))
    rows = _batch([patient], index="natalizumab", outcomes=["MS"])
    assert rows == sorted(latencies_table([patient], index="natalizumab", outcomes=["MS"]).rows)
    assert rows[0][4] is False


def test_rows_of_patients_in_any_order_give_the_same_answer() -> None:
    cohort = load_natalizumab_psoriasis()
    episodes = episodes_table(cohort).to_arrow()
    reordered = episodes.take(pa.array(list(reversed(range(episodes.num_rows)))))
    reordered = reordered.sort_by([("patient_id", "descending"), ("episode", "ascending")])
    observations = observations_table(cohort).to_arrow()
    expected = episode_latencies(episodes, observations, index="natalizumab")
    assert expected.to_pylist() == episode_latencies(reordered, observations, index="natalizumab").to_pylist()
    assert sorted(tuple(r.values()) for r in expected.to_pylist()) == sorted(
        latencies_table(cohort, index="natalizumab").rows
    )


def test_no_response_and_no_follow_up_is_refused_naming_the_patients() -> None:
    patient = _patient(follow_up=None)
    with pytest.raises(
        TimelineError, match=r"^1 patient\(s\) without a latency: patient 'P1': no psoriasis response"
    ):
        _batch([patient], index="natalizumab")


def _tables(patient: Patient) -> tuple[Any, list[dict[str, Any]]]:
    return episodes_table([patient]).to_arrow(), observations_table([patient]).to_dicts()


def _observations(rows: list[dict[str, Any]]) -> Any:
    types = {"int": pa.int64(), "string": pa.string(), "date": pa.date32()}
    schema = pa.schema([(c.name, types[c.type.value]) for c in OBSERVATION_COLUMNS])
    return pa.Table.from_pylist(rows, schema=schema)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"outcome": " "}, r"column outcome: not a condition's name .* at row\(s\) 3"),
        ({"episode": 2}, r"column episode: not one of the patient's episodes .* at row\(s\) 3"),
        ({"episode": -1}, r"column episode: .* at row\(s\) 3"),
        ({"episode": None}, r"column episode: .* at row\(s\) 3"),
        ({"patient_id": "P9"}, r"column patient_id: a patient with no episode .* at row\(s\) 3"),
        ({"latency_months": 3}, r"both a date and a latency .* at row\(s\) 3"),
        ({"date_earliest": None, "date_latest": None}, r"neither a date nor a latency .* at row\(s\) 3"),
        ({"date_latest": None}, r"one bound without the other at row\(s\) 3"),
        (
            {"date_latest": dt.date(2011, 5, 20)},
            r"date_earliest/date_latest: not the first and last .* row\(s\) 3",
        ),
    ],
)
def test_observations_that_are_not_observations_are_refused(change: dict[str, Any], problem: str) -> None:
    ms = ResponseObservation(Outcome.MS_ACTIVITY_CEASED, 1, Condition.MULTIPLE_SCLEROSIS, latency_months=4)
    ps = ResponseObservation(Outcome.COMORBIDITY_IMPROVED, 1, Condition.PSORIASIS, date="2011-05")
    episodes, rows = _tables(_patient((ms, ps)))
    rows[1].update(change)
    with pytest.raises(InvalidValueError, match=problem):
        episode_latencies(episodes, _observations(rows), index="natalizumab")


def test_a_follow_up_given_twice_is_refused() -> None:
    patient = _patient()
    follow_up = follow_up_table([patient, patient]).to_arrow()
    episodes, _ = _tables(patient)
    with pytest.raises(InvalidValueError, match=r"column patient_id: a patient given twice at row\(s\) 3"):
        episode_latencies(episodes, _observations([]), index="natalizumab", follow_up=follow_up)


def test_follow_ups_of_patients_without_episodes_are_skipped() -> None:
    patient = _patient()
    follow_up = follow_up_table([Patient("P0", last_follow_up="2020"), patient]).to_arrow()
    episodes, _ = _tables(patient)
    diagnoses = diagnoses_table([patient]).to_arrow()
    table = episode_latencies(
        episodes, _observations([]), index="natalizumab", follow_up=follow_up, diagnoses=diagnoses
    )
    expected = sorted(latencies_table([patient], index="natalizumab").rows)
    assert expected == sorted(tuple(r.values()) for r in table.to_pylist())


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"outcomes": ["MS", ""]}, r"outcome: condition name '' is blank"),
        ({"initiation": "each"}, r"initiation 'each' is not one of 'first', 'last'"),
    ],
)
def test_options_the_object_model_refuses_are_refused(options: dict[str, Any], problem: str) -> None:
    patient = _patient()
    with pytest.raises(TimelineError, match=problem):
        cohort_latencies([patient], **{"index": "natalizumab", **options})
    with pytest.raises(TimelineError, match=problem):
        _batch([patient], **{"index": "natalizumab", **options})


def test_csv_and_pandas_observations_give_the_same_answer(tmp_path: Path) -> None:
    cohort = load_natalizumab_psoriasis()
    observations_table(cohort).to_csv(tmp_path / "observations.csv")
    follow_up_table(cohort).to_csv(tmp_path / "follow_up.csv")
    frame = episode_latencies(
        episodes_table(cohort).to_pandas(),
        tmp_path / "observations.csv",
        follow_up=tmp_path / "follow_up.csv",
        index="natalizumab",
        output="pandas",
    )
    assert list(frame.columns) == [c.name for c in LATENCY_COLUMNS]
    assert sorted(map(tuple, frame.itertuples(index=False))) == sorted(
        latencies_table(cohort, index="natalizumab").rows
    )


def test_an_empty_table_gives_no_rows_with_every_column() -> None:
    assert _batch([], index="natalizumab") == []


# -- the tidy tables it reads ------------------------------------------------------------------


def test_observations_and_follow_up_tables_on_the_bundled_cohort() -> None:
    cohort = load_natalizumab_psoriasis()
    observations = observations_table(cohort)
    follow_up = follow_up_table(cohort)
    assert observations.names == tuple(c.name for c in OBSERVATION_COLUMNS)
    assert follow_up.names == tuple(c.name for c in FOLLOW_UP_COLUMNS)
    assert len(observations) == sum(len(p.observations) for p in cohort)
    assert [row[0] for row in follow_up.rows] == [p.id for p in cohort]
    first = cohort.patients[0]
    obs = first.observations[0]
    assert observations.rows[0] == (
        first.id,
        obs.episode,
        "MS" if obs.condition is Condition.MULTIPLE_SCLEROSIS else obs.condition.value,
        None if obs.date is None else obs.date.first_day,
        None if obs.date is None else obs.date.last_day,
        None if obs.date is None else obs.date.precision.value,
        obs.latency_months,
        None if obs.grade is None else obs.grade.value,
    )
    last = cohort.patients[-1]
    date = last.last_follow_up
    assert follow_up.rows[-1] == (
        last.id,
        *((None, None, None) if date is None else (date.first_day, date.last_day, date.precision.value)),
    )
    by_patient = {p.id: p for p in cohort}
    for row in observations.to_dicts():
        patient = by_patient[row["patient_id"]]
        assert 0 <= row["episode"] < len(patient.episodes)
        assert (row["date_earliest"] is None) == (row["latency_months"] is not None)
    assert observations.to_arrow().num_rows == len(observations)
    assert follow_up.to_arrow().schema.field("last_follow_up_earliest").type == pa.date32()


def test_observation_dates_and_grades_are_written() -> None:
    ps = ResponseObservation(
        Outcome.COMORBIDITY_IMPROVED, 1, Condition.PSORIASIS, date="2011-05", grade=SGI.MUCH_BETTER
    )
    patient = _patient((ps,))
    (row,) = observations_table([patient]).to_dicts()
    assert row["outcome"] == ps.key == "psoriasis"
    assert (row["date_earliest"], row["date_latest"], row["date_precision"]) == (
        ps.date.first_day if ps.date else None,
        ps.date.last_day if ps.date else None,
        "month",
    )
    assert (row["latency_months"], row["grade"]) == (None, "much better")
    (follow_up,) = follow_up_table([patient]).to_dicts()
    assert follow_up["last_follow_up_precision"] == "day"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", follow_up["last_follow_up_earliest"].isoformat())
