"""One history, one answer (rule 9): every path that classifies refuses what ``Timeline.of``
refuses, with its message; and the timeline's order is total whatever the input order."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.errors import TimelineError
from dmt_timeline.io.tables import (
    episodes_table,
    latencies_table,
    transfers_table,
    transitions_table,
)
from dmt_timeline.model import NOT_RECORDED, Cohort, Patient, TherapyEpisode
from dmt_timeline.strategies import cohorts, patients
from dmt_timeline.timeline import Timeline

pa = pytest.importorskip("pyarrow")

THERAPIES = [CATALOGUE.get(name) for name in ("natalizumab", "interferon beta-1a", "ocrelizumab")]


@st.composite
def _reshuffled(draw: st.DrawFn) -> Patient:
    """A patient whose episodes may overlap without limit and whose source sequence may
    contradict the dates: histories the timeline may refuse."""
    patient = draw(
        patients(
            max_episodes=3, therapies=st.sampled_from(THERAPIES), max_overlap_months=None, sequences=True
        )
    )
    numbers = draw(st.permutations(range(1, len(patient.episodes) + 1)))
    episodes = tuple(attrs.evolve(e, sequence=n) for e, n in zip(patient.episodes, numbers, strict=True))
    return attrs.evolve(patient, episodes=episodes)


def _refusals(cohort: Cohort) -> list[str]:
    found = []
    for patient in cohort:
        try:
            Timeline.of(patient)
        except TimelineError as error:
            found.append(str(error))
    return found


def _message(call: Any) -> str | None:
    try:
        call()
    except TimelineError as error:
        return str(error)
    return None


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts(_reshuffled(), max_size=4))
def test_every_classifying_path_refuses_what_the_timeline_refuses_with_its_message(cohort: Cohort) -> None:
    refused = _refusals(cohort)
    first = refused[0] if refused else None
    assert first == _message(lambda: transitions_table(cohort))
    assert first == _message(lambda: transfers_table(cohort, "interferon beta-1a", "natalizumab"))
    from dmt_timeline.batch import episode_transfers, episode_transitions  # noqa: PLC0415 - the tables extra

    table = episodes_table(cohort).to_arrow()
    for batch in (
        lambda: episode_transitions(table),
        lambda: episode_transfers(table, "interferon beta-1a", "natalizumab"),
    ):
        message = _message(batch)
        if not refused:
            assert message is None
            continue
        assert message is not None
        assert message.startswith(f"{len(refused)} history(ies) cannot be a timeline: ")
        for text in refused:
            assert text in message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts(_reshuffled(), max_size=3))
def test_latencies_refuse_what_the_timeline_refuses(cohort: Cohort) -> None:
    refused = _refusals(cohort)
    message = _message(lambda: latencies_table(cohort, index="natalizumab", censor_at="index end"))
    if refused:
        assert message is not None
        assert message in refused or "last_follow_up" in message


def test_a_later_sequence_starting_first_is_refused_by_the_tables_as_by_the_timeline() -> None:
    # The history: the later-sequenced episode certainly starts first.
    patient = Patient(
        "P1",
        (
            TherapyEpisode(CATALOGUE.get("IFNb-1a"), "2012", stop=NOT_RECORDED, sequence=1),
            TherapyEpisode(CATALOGUE.get("natalizumab"), "2006", stop="2006", sequence=2),
        ),
    )
    with pytest.raises(TimelineError) as expected:
        Timeline.of(patient)
    for path in (
        lambda: transitions_table([patient]),
        lambda: transfers_table([patient], "IFNb-1a", "natalizumab"),
        lambda: latencies_table([patient], index="natalizumab"),
    ):
        assert str(expected.value) == _message(path)


# -- a total order ------------------------------------------------------------------------------


def test_episodes_equal_but_for_their_sequence_come_out_in_one_order() -> None:
    # A same-year restart at year precision, one episode numbered and one not.
    numbered = TherapyEpisode(CATALOGUE.get("natalizumab"), "2010", sequence=2)
    bare = TherapyEpisode(CATALOGUE.get("natalizumab"), "2010")
    assert Timeline((numbered, bare)) == Timeline((bare, numbered))
    assert (bare, numbered) == Timeline((numbered, bare)).episodes


def test_the_batch_engine_orders_them_the_same_way() -> None:
    from dmt_timeline.batch import episode_transitions  # noqa: PLC0415 - the tables extra

    numbered = TherapyEpisode(CATALOGUE.get("natalizumab"), "2010", stop="2010", sequence=2)
    bare = TherapyEpisode(CATALOGUE.get("interferon beta-1a"), "2010", stop="2010")
    for episodes in ((numbered, bare), (bare, numbered)):
        table = episode_transitions(episodes_table([Patient("P1", episodes)]).to_arrow())
        expected = transitions_table([Patient("P1", episodes)]).to_dicts()
        assert [(r["before_therapy"], r["after_therapy"]) for r in expected] == list(
            zip(table["before_therapy"].to_pylist(), table["after_therapy"].to_pylist(), strict=True)
        )


@settings(max_examples=100, deadline=None)
@given(
    patients(max_episodes=4, therapies=st.sampled_from(THERAPIES), sequences=True),
    st.data(),
)
def test_dropping_some_sequences_keeps_the_order_input_independent(
    patient: Patient, data: st.DataObject
) -> None:
    keep = data.draw(st.lists(st.booleans(), min_size=len(patient.episodes), max_size=len(patient.episodes)))
    episodes = [
        e if k else attrs.evolve(e, sequence=None) for e, k in zip(patient.episodes, keep, strict=True)
    ]
    shuffled = data.draw(st.permutations(episodes))
    assert Timeline(tuple(episodes)) == Timeline(tuple(shuffled))
