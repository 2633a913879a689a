"""The collector is paused while the library builds in bulk, and always restored as it was."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from dmt_timeline._collector import collector_paused
from dmt_timeline.cli import describe
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.io import episodes_table, latencies_table, transfers_table, transitions_table
from dmt_timeline.latency import cohort_latencies
from dmt_timeline.model import Cohort, Patient
from dmt_timeline.serialize import dumps, loads

COHORT = load_natalizumab_psoriasis()


@pytest.fixture(params=[True, False], ids=["enabled", "disabled"])
def collector(request: pytest.FixtureRequest) -> Iterator[bool]:
    """The collector as the caller left it, restored after the test whatever happens."""
    was = gc.isenabled()
    (gc.enable if request.param else gc.disable)()
    try:
        yield request.param
    finally:
        (gc.enable if was else gc.disable)()


def test_paused_inside_and_restored_after(collector: bool) -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert collector == gc.isenabled()


def test_nested_pauses_restore_once_at_the_outermost(collector: bool) -> None:
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert collector == gc.isenabled()


def test_restored_when_the_build_fails(collector: bool) -> None:
    with pytest.raises(ZeroDivisionError), collector_paused():
        _ = 1 / 0
    assert collector == gc.isenabled()


BULK: dict[str, Callable[[Cohort], Any]] = {
    "episodes_table": episodes_table,
    "transitions_table": transitions_table,
    "transfers_table": lambda cohort: transfers_table(cohort, "interferon beta-1a", "natalizumab"),
    "latencies_table": lambda cohort: latencies_table(cohort, index="natalizumab"),
    "cohort_latencies": lambda cohort: cohort_latencies(cohort, index="natalizumab"),
    "describe": describe,
}


@pytest.mark.parametrize("build", BULK.values(), ids=list(BULK))
def test_bulk_builds_pause_the_collector_and_restore_it(
    build: Callable[[Cohort], Any], collector: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    states: list[bool] = []

    def watched(cohort: Cohort) -> Iterator[Any]:
        for patient in cohort.patients:
            states.append(gc.isenabled())
            yield patient

    # Cohort iteration is where every builder reads its patients, so that is where to look.
    monkeypatch.setattr(Cohort, "__iter__", watched)
    build(COHORT)
    assert states
    assert not any(states)
    assert collector == gc.isenabled()


def test_loading_a_cohort_pauses_the_collector_and_restores_it(
    collector: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    states: list[bool] = []
    checks = Patient.__attrs_post_init__

    def watched(patient: Patient) -> None:
        states.append(gc.isenabled())
        checks(patient)

    text = dumps(COHORT)
    monkeypatch.setattr(Patient, "__attrs_post_init__", watched)
    assert COHORT == loads(text, Cohort)
    assert len(COHORT) == len(states)
    assert not any(states)
    assert collector == gc.isenabled()
