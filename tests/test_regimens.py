"""Real MS regimens: courses are one treatment, retreatment is not a restart, switches inside an
effect window are marked; held in both engines (objects and batch) at day, month and year
precision; and the reviewed data file's schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.dates import Order, PartialDate, Truth
from dmt_timeline.errors import InvalidValueError, UnknownTherapyError
from dmt_timeline.io.tables import episodes_table, transitions_table
from dmt_timeline.model import ONGOING, Patient, TherapyEpisode
from dmt_timeline.regimens import REGIMENS, Regimen, RegimenKind, Sourced, load_regimens
from dmt_timeline.strategies import refinements, regimen_timelines
from dmt_timeline.timeline import Change, Timeline, TransitionKind

pa = pytest.importorskip("pyarrow")

SCHEDULED, LAG, DIRECT = TransitionKind.SCHEDULED, TransitionKind.LAG, TransitionKind.DIRECT
INDETERMINATE = TransitionKind.INDETERMINATE
PRECISIONS = ("day", "month", "year")


def _at(date: str, precision: str) -> str:
    """A day ``YYYY-MM-DD`` written at a precision."""
    return {"day": date, "month": date[:7], "year": date[:4]}[precision]


def _episode(therapy: str, start: str, stop: str | None, precision: str) -> TherapyEpisode:
    return TherapyEpisode(
        CATALOGUE.get(therapy), _at(start, precision), stop=ONGOING if stop is None else _at(stop, precision)
    )


def _both(patient: Patient, **options: Any) -> list[tuple[Any, ...]]:
    """The (kind, change, effect window) of each transition from the object model, checked to
    be what the batch engine gives."""
    from dmt_timeline.batch import episode_transitions  # noqa: PLC0415 - the tables extra

    objects = [(t.kind, t.change, t.effect_window) for t in Timeline.of(patient).transitions(**options)]
    table = episode_transitions(episodes_table([patient]).to_arrow(), **options).to_pylist()
    batch = [
        (
            TransitionKind(r["kind"]),
            Change(r["change"]),
            None if r["effect_window"] is None else Truth(r["effect_window"]),
        )
        for r in table
    ]
    assert objects == batch
    rows = transitions_table([patient], **options).to_dicts()
    assert [(k.value, c.value) for k, c, _ in objects] == [(r["kind"], r["change"]) for r in rows]
    return objects


# -- courses ---------------------------------------------------------------------------------


def _alemtuzumab(precision: str, courses: int) -> Patient:
    starts = ["2015-03-02", "2016-03-07", "2017-09-04"][:courses]
    stops = ["2015-03-06", "2016-03-09", "2017-09-06"][:courses]
    return Patient(
        "A1",
        tuple(_episode("alemtuzumab", a, b, precision) for a, b in zip(starts, stops, strict=True)),
        last_follow_up=_at("2021-01-15", precision),
    )


@pytest.mark.parametrize("precision", ["day", "month"])
def test_alemtuzumab_two_courses_are_one_treatment(precision: str) -> None:
    assert [(SCHEDULED, Change.COURSE, None)] == _both(_alemtuzumab(precision, 2))


def test_alemtuzumab_two_courses_at_year_precision_are_one_treatment_or_a_late_course() -> None:
    # 2015 to 2016: the gap is 0..23 months, so the second course may have come on schedule
    # (within 12 + 3 months) or later: indeterminate with the range. It is a course either way.
    [(kind, change, _)] = _both(_alemtuzumab("year", 2))
    assert (INDETERMINATE, Change.COURSE) == (kind, change)
    [transition] = Timeline.of(_alemtuzumab("year", 2)).transitions()
    assert "may be a scheduled or lag gap" in transition.reason


@pytest.mark.parametrize("precision", PRECISIONS)
def test_a_third_alemtuzumab_course_is_a_retreatment(precision: str) -> None:
    changes = [change for _, change, _ in _both(_alemtuzumab(precision, 3))]
    assert [Change.COURSE, Change.RETREATMENT] == changes


def test_a_third_course_18_months_later_is_a_retreatment_after_a_lag() -> None:
    [_, (kind, change, _)] = _both(_alemtuzumab("day", 3))
    assert (LAG, Change.RETREATMENT) == (kind, change)


def _cladribine(precision: str, years: int) -> Patient:
    # Year 1 and year 2, each course's two treatment weeks recorded as one episode.
    starts = ["2018-01-08", "2019-01-14", "2020-01-13"][:years]
    stops = ["2018-02-09", "2019-02-15", "2020-02-14"][:years]
    return Patient(
        "C1",
        tuple(_episode("cladribine", a, b, precision) for a, b in zip(starts, stops, strict=True)),
        last_follow_up=_at("2022-06-30", precision),
    )


@pytest.mark.parametrize("precision", ["day", "month"])
def test_cladribine_years_1_and_2_are_one_treatment(precision: str) -> None:
    assert [(SCHEDULED, Change.COURSE, None)] == _both(_cladribine(precision, 2))


def test_cladribine_at_year_precision_is_still_one_course_plan() -> None:
    [(kind, change, _)] = _both(_cladribine("year", 2))
    assert (INDETERMINATE, Change.COURSE) == (kind, change)


@pytest.mark.parametrize("precision", PRECISIONS)
def test_a_third_cladribine_year_is_a_retreatment(precision: str) -> None:
    assert [Change.COURSE, Change.RETREATMENT] == [c for _, c, _ in _both(_cladribine(precision, 3))]


# -- interval infusions ------------------------------------------------------------------------


@pytest.mark.parametrize("precision", ["day", "month"])
def test_ocrelizumab_every_six_months_is_on_schedule(precision: str) -> None:
    # Each infusion recorded as an episode: the next one 6 months on is not a lag gap.
    patient = Patient(
        "O1",
        (
            _episode("ocrelizumab", "2019-01-07", "2019-01-21", precision),
            _episode("ocrelizumab", "2019-07-08", "2019-07-08", precision),
            _episode("ocrelizumab", "2020-01-13", None, precision),
        ),
    )
    assert [(SCHEDULED, Change.NEXT_DOSE, None)] * 2 == _both(patient)


def test_ocrelizumab_resumed_after_a_year_and_a_half_is_a_restart_after_a_lag() -> None:
    patient = Patient(
        "O2",
        (
            _episode("ocrelizumab", "2019-01-07", "2019-01-21", "day"),
            _episode("ocrelizumab", "2020-07-06", None, "day"),
        ),
    )
    assert [(LAG, Change.RESTART, None)] == _both(patient)


@pytest.mark.parametrize("precision", ["day", "month"])
def test_natalizumab_extended_interval_dosing_is_on_schedule(precision: str) -> None:
    # Every 6 weeks: the next infusion 6 weeks after the last is on schedule even with no grace.
    patient = Patient(
        "N1",
        (
            _episode("natalizumab", "2016-01-04", "2016-03-28", precision),
            _episode("natalizumab", "2016-05-09", None, precision),
        ),
    )
    assert [(SCHEDULED, Change.NEXT_DOSE, None)] == _both(patient, grace_months=0)


def test_natalizumab_resumed_the_next_year_at_year_precision_cannot_be_told() -> None:
    # 2012 to 2013: the next infusion may have come on schedule or after a long gap.
    patient = Patient(
        "N2",
        (
            _episode("natalizumab", "2012-01-01", "2012-06-01", "year"),
            _episode("natalizumab", "2013-03-01", None, "year"),
        ),
    )
    [(kind, change, _)] = _both(patient)
    assert (INDETERMINATE, Change.NEXT_DOSE_OR_RESTART) == (kind, change)


@pytest.mark.parametrize("precision", ["day", "month"])
def test_natalizumab_resumed_after_nine_months_is_a_restart(precision: str) -> None:
    patient = Patient(
        "N3",
        (
            _episode("natalizumab", "2012-01-02", "2012-06-04", precision),
            _episode("natalizumab", "2013-03-04", None, precision),
        ),
    )
    assert [(LAG, Change.RESTART, None)] == _both(patient)


# -- switches inside and outside effect windows -------------------------------------------------


@pytest.mark.parametrize("precision", ["day", "month"])
def test_a_switch_a_year_after_alemtuzumab_is_inside_its_effect_window(precision: str) -> None:
    patient = Patient(
        "W1",
        (
            _episode("alemtuzumab", "2015-03-02", "2015-03-06", precision),
            _episode("alemtuzumab", "2016-03-07", "2016-03-09", precision),
            _episode("ocrelizumab", "2017-05-02", None, precision),
        ),
    )
    assert (LAG, Change.SWITCH, Truth.TRUE) == _both(patient)[1]


@pytest.mark.parametrize("precision", PRECISIONS)
def test_a_switch_five_years_after_alemtuzumab_is_outside_its_effect_window(precision: str) -> None:
    patient = Patient(
        "W2",
        (
            _episode("alemtuzumab", "2010-03-02", "2010-03-06", precision),
            _episode("ocrelizumab", "2016-05-02", None, precision),
        ),
    )
    assert Truth.FALSE == _both(patient)[0][2]


def test_a_switch_four_years_after_alemtuzumab_at_year_precision_cannot_be_told() -> None:
    patient = Patient(
        "W3",
        (
            _episode("alemtuzumab", "2010-03-02", "2010-03-06", "year"),
            _episode("ocrelizumab", "2014-05-02", None, "year"),
        ),
    )
    assert Truth.UNDETERMINED == _both(patient)[0][2]


@pytest.mark.parametrize("precision", PRECISIONS)
def test_a_switch_from_a_therapy_with_no_known_carry_over_is_not_marked(precision: str) -> None:
    patient = Patient(
        "W4",
        (
            _episode("glatiramer acetate", "2010-03-02", "2012-03-06", precision),
            _episode("fingolimod", "2013-05-02", None, precision),
        ),
    )
    assert [(Change.SWITCH, None)] == [(c, w) for _, c, w in _both(patient)]


def test_a_switch_off_natalizumab_within_three_months_is_inside_its_washout() -> None:
    def after(gap_start: str) -> Truth | None:
        patient = Patient(
            "W5",
            (
                _episode("natalizumab", "2012-01-02", "2012-06-04", "day"),
                _episode("ocrelizumab", gap_start, None, "day"),
            ),
        )
        return Timeline.of(patient).transitions()[0].washout

    assert (Truth.TRUE, Truth.FALSE) == (after("2012-08-01"), after("2013-03-01"))


# -- class-level therapy and a product of that class ---------------------------------------------


@pytest.mark.parametrize("precision", PRECISIONS)
def test_a_class_level_entry_then_a_product_of_the_class_is_switch_or_restart(precision: str) -> None:
    patient = Patient(
        "F1",
        (
            _episode("IFNb", "2005-01-10", "2008-02-01", precision),
            _episode("Avonex", "2008-02-15", "2010-01-01", precision),
            _episode("glatiramer acetate", "2010-01-15", None, precision),
        ),
    )
    changes = [c for _, c, _ in _both(patient)]
    assert [Change.SWITCH_OR_RESTART, Change.SWITCH] == changes


# -- overriding the data ---------------------------------------------------------------------------


def test_a_user_regimen_overrides_the_bundled_one() -> None:
    three = Regimen(
        "alemtuzumab",
        RegimenKind.COURSES,
        redose_months=Sourced(12, "local protocol"),
        planned_courses=Sourced(3, "local protocol"),
    )
    mine = REGIMENS.override(three)
    patient = _alemtuzumab("day", 3)
    changes = [t.change for t in Timeline.of(patient).transitions(regimens=mine)]
    assert [Change.COURSE, Change.COURSE] == changes
    assert [Change.COURSE, Change.COURSE] == [c for _, c, _ in _both(patient, regimens=mine)]


def test_regimens_load_from_a_mapping_or_a_file(tmp_path: Path) -> None:
    entry = {
        "therapy": "natalizumab",
        "kind": "interval",
        "redose_months": 1,
        "redose_source": "Tysabri SmPC 4.2",
    }
    assert 1 == load_regimens({"regimen": [entry]}).of("natalizumab").redose
    path = tmp_path / "mine.toml"
    path.write_text(
        '[[regimen]]\ntherapy = "natalizumab"\nkind = "interval"\nredose_months = 1\nredose_source = "x"\n',
        encoding="utf-8",
    )
    assert load_regimens(path) == load_regimens({"regimen": [{**entry, "redose_source": "x"}]})


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"redose_source": None}, "redose_months has no redose_source"),
        ({"kind": "weekly"}, "kind: not one of 'continuous', 'interval', 'courses'"),
        ({"dose": 3}, "unknown field 'dose'"),
        ({"redose_months": "six"}, "is not a whole number"),
        ({"therapy": "Tysabri"}, "'Tysabri' is not a catalogue name"),
        ({"kind": "continuous"}, "a continuous regimen has no redose_months"),
        ({"kind": "courses"}, "planned_courses is for courses regimens"),
    ],
)
def test_a_regimen_that_breaks_the_schema_is_refused_naming_the_field(
    change: dict[str, Any], problem: str
) -> None:
    entry: dict[str, Any] = {
        "therapy": "natalizumab",
        "kind": "interval",
        "redose_months": 1,
        "redose_source": "Tysabri SmPC 4.2",
    }
    entry.update(change)
    entry = {k: v for k, v in entry.items() if v is not None}
    with pytest.raises(InvalidValueError, match=problem):
        load_regimens({"regimen": [entry]})


def test_an_unknown_therapy_is_refused_with_the_catalogues_message() -> None:
    with pytest.raises(UnknownTherapyError, match="unknown therapy 'natalizumabb'"):
        load_regimens({"regimen": [{"therapy": "natalizumabb", "kind": "continuous"}]})


def test_every_bundled_figure_cites_a_source_and_names_a_catalogue_therapy() -> None:
    for regimen in REGIMENS:
        assert CATALOGUE.get(regimen.therapy).name == regimen.therapy
        for figure in (
            regimen.redose_months,
            regimen.planned_courses,
            regimen.carry_over_months,
            regimen.onset_months,
        ):
            assert figure is None or figure.source.strip()
    assert {"alemtuzumab", "cladribine"} == {r.therapy for r in REGIMENS if r.kind is RegimenKind.COURSES}


def test_the_bundled_data_ships_with_the_package() -> None:
    from importlib.resources import files  # noqa: PLC0415 - only here

    assert files("dmt_timeline").joinpath("data", "regimens.toml").is_file()


# -- the laws still hold with the new kinds (rules 1, 2 and 9) -----------------------------------

REGIMEN_TIMELINES = regimen_timelines()


def _refined(data: st.DataObject, episode: TherapyEpisode) -> TherapyEpisode:
    start = data.draw(refinements(episode.start))
    stop = data.draw(refinements(episode.stop)) if isinstance(episode.stop, PartialDate) else episode.stop
    assume(not (isinstance(stop, PartialDate) and stop.compare(start) is Order.BEFORE))
    return attrs.evolve(episode, start=start, stop=stop)


@settings(max_examples=150, deadline=None)
@given(REGIMEN_TIMELINES, st.integers(0, 6), st.data())
def test_refinement_never_turns_a_definite_answer_into_another(
    timeline: Timeline, grace: int, data: st.DataObject
) -> None:
    fine_episodes = [_refined(data, e) for e in timeline.episodes]
    fine = Timeline.from_episodes(fine_episodes, last_follow_up=timeline.last_follow_up)
    # The same episodes in the same order: the same pairs are compared.
    assume([fine.episodes.index(f) for f in fine_episodes] == list(range(len(fine_episodes))))
    assume(fine.problems() == ())
    for coarse, refined in zip(
        timeline.transitions(grace_months=grace), fine.transitions(grace_months=grace), strict=True
    ):
        if coarse.change is Change.NEXT_DOSE_OR_RESTART:
            assert refined.change in {Change.NEXT_DOSE, Change.RESTART, Change.NEXT_DOSE_OR_RESTART}
        else:
            assert coarse.change == refined.change
        if coarse.kind is not INDETERMINATE:
            assert coarse.kind == refined.kind
        if coarse.gap is not None and refined.gap is not None:
            assert coarse.gap.contains_range(refined.gap)
        for mark in ("effect_window", "washout"):
            before, after = getattr(coarse, mark), getattr(refined, mark)
            assert (before is None) == (after is None)
            if before is not None and before is not Truth.UNDETERMINED:
                assert before == after


@settings(max_examples=100, deadline=None)
@given(REGIMEN_TIMELINES, st.randoms(use_true_random=False))
def test_any_order_of_the_episodes_gives_the_same_timeline_and_transitions(
    timeline: Timeline, random: Any
) -> None:
    shuffled = list(timeline.episodes)
    random.shuffle(shuffled)
    again = Timeline.from_episodes(shuffled, last_follow_up=timeline.last_follow_up)
    assert timeline == again
    assert timeline.transitions() == again.transitions()


@settings(max_examples=80, deadline=None)
@given(st.lists(REGIMEN_TIMELINES, min_size=1, max_size=4), st.integers(0, 6))
def test_the_batch_engine_agrees_on_regimen_histories(found: list[Timeline], grace: int) -> None:
    from dmt_timeline.batch import episode_transitions  # noqa: PLC0415 - the tables extra

    cohort = [Patient(f"R{i}", t.episodes, last_follow_up=t.last_follow_up) for i, t in enumerate(found)]
    assume(all(Timeline.of(p).problems() == () for p in cohort))
    expected = sorted(
        (
            r["patient_id"],
            r["position"],
            r["kind"],
            r["change"],
            r["gap_low"],
            r["gap_high"],
            r["effect_window"],
            r["washout"],
        )
        for r in transitions_table(cohort, grace_months=grace).to_dicts()
    )
    table = episode_transitions(episodes_table(cohort).to_arrow(), grace_months=grace, partition_size=2)
    columns = ["patient_id", "position", "kind", "change", "gap_low", "gap_high", "effect_window", "washout"]
    assert expected == sorted(tuple(r.values()) for r in table.select(columns).to_pylist())


@settings(max_examples=80, deadline=None)
@given(st.lists(REGIMEN_TIMELINES, min_size=1, max_size=4), st.sampled_from(["index end", "last follow-up"]))
def test_latencies_follow_a_regimen_alike_in_both_engines(found: list[Timeline], censor_at: Any) -> None:
    from dmt_timeline.batch import episode_latencies  # noqa: PLC0415 - the tables extra
    from dmt_timeline.io.tables import follow_up_table, latencies_table, observations_table  # noqa: PLC0415

    cohort = [
        Patient(f"R{i}", t.episodes, last_follow_up=t.last_follow_up or PartialDate(2060))
        for i, t in enumerate(found)
    ]
    index = cohort[0].episodes[0].therapy
    options: dict[str, Any] = {"index": index, "outcomes": ["MS"], "censor_at": censor_at}
    expected = sorted(latencies_table(cohort, **options).rows)
    table = episode_latencies(
        episodes_table(cohort).to_arrow(),
        observations_table(cohort).to_arrow(),
        follow_up=follow_up_table(cohort).to_arrow(),
        partition_size=2,
        **options,
    )
    assert expected == sorted(tuple(r.values()) for r in table.to_pylist())


def test_latencies_take_a_users_regimens_in_both_engines() -> None:
    from dmt_timeline.batch import episode_latencies  # noqa: PLC0415 - the tables extra
    from dmt_timeline.io.tables import follow_up_table, latencies_table, observations_table  # noqa: PLC0415

    patient = Patient(
        "L1", (_episode("alemtuzumab", "2015-03-02", "2015-03-06", "day"),), last_follow_up="2022-01-10"
    )
    short = REGIMENS.override(
        Regimen(
            "alemtuzumab",
            RegimenKind.COURSES,
            redose_months=Sourced(12, "local protocol"),
            planned_courses=Sourced(2, "local protocol"),
            carry_over_months=Sourced(12, "local protocol"),
        )
    )
    options: dict[str, Any] = {"index": "alemtuzumab", "outcomes": ["MS"], "regimens": short}
    rows = latencies_table([patient], **options).rows
    table = episode_latencies(
        episodes_table([patient]).to_arrow(),
        observations_table([patient]).to_arrow(),
        follow_up=follow_up_table([patient]).to_arrow(),
        **options,
    )
    # Followed for the 12 months of carry-over this protocol gives, not the label's 48.
    assert [(12, 12, False)] == [row[2:5] for row in rows]
    assert list(rows) == [tuple(r.values()) for r in table.to_pylist()]
