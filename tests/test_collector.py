"""The collector is paused while the library builds in bulk, and always restored as it was."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from dmt_timeline._collector import collector_paused
from dmt_timeline.cli import describe
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.errors import CohortFormatError
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


class _Node:
    """An object of the application's, kept alive only by a reference cycle."""

    def __init__(self) -> None:
        self.me = self


def test_pausing_leaves_the_counters_and_frozen_objects_as_found() -> None:
    # The older generations' counters move only when a collection runs; pausing never runs one,
    # and it must not reset any (gc.freeze() zeroed the youngest's).
    gc.collect()
    frozen = gc.get_freeze_count()
    before = gc.get_count()
    with collector_paused():
        built: list[list[int]] = [
            [] for _ in range(100)
        ]  # what a build allocates counts as any allocation does
    after = gc.get_count()
    assert (before[1], before[2]) == (after[1], after[2])
    assert after[0] >= before[0] + len(built)
    assert frozen == gc.get_freeze_count()


def test_an_application_calling_loads_in_a_loop_still_collects_its_cycles() -> None:
    # A service that reads (here: refuses) small documents between its own work: the cycles it
    # makes must still be collected, by collections the collector runs on its own.
    import weakref  # noqa: PLC0415 - only this test

    collections: list[int] = []
    freed: list[int] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.collect()
    gc.callbacks.append(watch)
    try:
        assert gc.isenabled()
        for i in range(3000):
            node = _Node()
            weakref.finalize(node, freed.append, i)
            del node
            with pytest.raises(CohortFormatError):
                loads(b'{"patients": 1}', Cohort)
    finally:
        gc.callbacks.remove(watch)
    assert collections, "the collector never ran"
    assert len(freed) > 2000, f"only {len(freed)} of 3000 cycles were collected"


def test_loading_a_cohort_runs_no_collection_between_parsing_and_building(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One pause for both: between two, the first allocation would scan the whole document.
    import orjson  # noqa: PLC0415 - only this test

    from dmt_timeline.serialize import _documents  # noqa: PLC0415 - as above
    from dmt_timeline.synthetic import synthetic_cohort_document  # noqa: PLC0415 - as above

    data = orjson.dumps(synthetic_cohort_document(300, seed=1))
    collections: list[int] = []
    before_building: list[int] = []
    build = _documents.structure

    def watched(doc: Any, cls: type, **kw: Any) -> Any:
        before_building.append(len(collections))
        return build(doc, cls, **kw)

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    monkeypatch.setattr(_documents, "structure", watched)
    gc.collect()
    gc.callbacks.append(watch)
    try:
        cohort = loads(data, Cohort)
    finally:
        gc.callbacks.remove(watch)
    assert 300 == len(cohort)
    assert [0] == before_building
