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
from dmt_timeline.regimens import (
    REGIMENS,
    Regimen,
    RegimenKind,
    Sourced,
    Washout,
    carry_over,
    load_regimens,
    onset_window,
    washout,
)
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


def test_a_switch_off_natalizumab_to_anti_cd20_within_a_month_is_inside_its_washout() -> None:
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


# -- washout and bridging by pair of classes ------------------------------------------------------

# (from, to, recommended whole months (high None: no upper bound; None: words only), a source named)
PAIRS = [
    ("interferon beta-1a", "natalizumab", (0, 0), "SFSEP 2021"),
    ("peginterferon beta-1a", "fingolimod", (0, 0), "SFSEP 2021"),
    ("glatiramer acetate", "ocrelizumab", (0, 0), "MS-Selfie"),
    ("dimethyl fumarate", "cladribine", (0, 0), "Cladribine consensus 2020"),
    ("diroximel fumarate", "alemtuzumab", (0, 0), "ECTRIMS 2014"),
    ("teriflunomide", "ocrelizumab", (0, 4), "Aubagio SmPC section 4.4"),
    ("fingolimod", "ocrelizumab", (0, 1), "Italian MS Register 2022"),
    ("ozanimod", "ofatumumab", (0, 1), "Italian MS Register 2022"),
    ("fingolimod", "cladribine", (0, 1), "Cladribine consensus 2020"),
    ("fingolimod", "alemtuzumab", (0, 3), "ECTRIMS 2014 (fingolimod to alemtuzumab: 2-3 months"),
    ("fingolimod", "natalizumab", (1, 2), "SFSEP 2021"),
    ("siponimod", "dimethyl fumarate", (0, 2), "Gilenya SmPC section 4.4"),
    ("natalizumab", "fingolimod", (0, 3), "Jokubaitis 2014"),
    ("natalizumab", "ocrelizumab", (0, 1), "Bigaut 2022"),
    ("natalizumab", "alemtuzumab", (1, 3), "ECTRIMS 2014"),
    ("natalizumab", "cladribine", (1, 1), "SFSEP 2021"),
    ("natalizumab", "interferon beta-1a", (0, 3), "RESTORE"),
    ("ocrelizumab", "cladribine", (3, None), "SFSEP 2021"),
    ("rituximab", "natalizumab", (3, None), "SFSEP 2021"),
    ("mitoxantrone", "natalizumab", (6, None), "SFSEP 2021"),
    ("mitoxantrone", "glatiramer acetate", (3, None), "SFSEP 2021"),
    ("alemtuzumab", "ocrelizumab", None, "SFSEP 2021"),
    ("cladribine", "natalizumab", None, "SFSEP 2021"),
]


@pytest.mark.parametrize(("before", "after", "months", "source"), PAIRS)
def test_each_class_pair_has_its_sourced_washout(
    before: str, after: str, months: tuple[int, int | None] | None, source: str
) -> None:
    found = washout(before, after)
    assert found is not None
    assert (months, True) == (found.months, source in found.source)
    assert found.guidance.strip()


def test_every_switch_between_classes_is_covered_but_from_daclizumab() -> None:
    uncovered = {
        (a.therapy_class.value, b.therapy_class.value)
        for a in CATALOGUE
        for b in CATALOGUE
        if a.name != b.name and washout(a, b) is None
    }
    assert {("anti-CD25", b.therapy_class.value) for b in CATALOGUE if b.name != "daclizumab"} == uncovered


def test_the_most_specific_entry_wins() -> None:
    mine = REGIMENS.override(Washout("fingolimod", "ocrelizumab", "local protocol", "", 2, 2))
    assert (2, 2) == washout("Fing", "ocrelizumab", regimens=mine).months  # type: ignore[union-attr]
    # The class entry still answers for the rest of the class.
    assert (0, 1) == washout("ozanimod", "ocrelizumab", regimens=mine).months  # type: ignore[union-attr]
    assert (0, 2) == washout("ozanimod", "teriflunomide", regimens=mine).months  # type: ignore[union-attr]


def _switch(before: str, after: str, stop: str, start: str, precision: str) -> Patient:
    return Patient(
        "S1", (_episode(before, "2010-01-04", stop, precision), _episode(after, start, None, precision))
    )


def _washout_marks(patient: Patient, **options: Any) -> list[Truth | None]:
    """The washout mark of each transition from the object model, checked to be what the
    batch engine and the tidy table give."""
    from dmt_timeline.batch import episode_transitions  # noqa: PLC0415 - the tables extra

    objects = [t.washout for t in Timeline.of(patient).transitions(**options)]
    table = episode_transitions(episodes_table([patient]).to_arrow(), **options).to_pylist()
    assert objects == [None if r["washout"] is None else Truth(r["washout"]) for r in table]
    rows = transitions_table([patient], **options).to_dicts()
    assert [None if m is None else m.value for m in objects] == [r["washout"] for r in rows]
    return objects


@pytest.mark.parametrize(
    ("before", "after", "inside", "outside"),
    [
        ("fingolimod", "ocrelizumab", "2015-04-01", "2015-09-01"),  # 0..1 months: rebound risk
        ("natalizumab", "fingolimod", "2015-05-20", "2016-01-05"),  # 0..3: rebound after natalizumab
        ("teriflunomide", "ocrelizumab", "2015-06-01", "2016-01-05"),  # 0..4: elimination procedure
        ("interferon beta-1b", "dimethyl fumarate", "2015-03-20", "2015-06-01"),  # none needed
        ("ocrelizumab", "natalizumab", "2015-09-01", "2015-04-01"),  # at least 3 months
    ],
)
@pytest.mark.parametrize("precision", ["day", "month"])
def test_a_switch_gap_inside_the_pairs_washout_is_marked_in_both_engines(
    before: str, after: str, inside: str, outside: str, precision: str
) -> None:
    stop = "2015-03-10"
    if precision == "month" and before == "interferon beta-1b":
        # At month precision a same-month restart may be any of 0 months: still inside [0, 0].
        inside, outside = "2015-03-20", "2015-06-20"
    assert [Truth.TRUE] == _washout_marks(_switch(before, after, stop, inside, precision))
    assert [Truth.FALSE] == _washout_marks(_switch(before, after, stop, outside, precision))


def test_a_switch_at_year_precision_may_be_inside_the_washout_or_not() -> None:
    # Stopped and switched in 2015: 0 to 11 months, against fingolimod -> anti-CD20's 0..1.
    patient = _switch("fingolimod", "ocrelizumab", "2015-03-10", "2015-10-01", "year")
    assert [Truth.UNDETERMINED] == _washout_marks(patient)


@pytest.mark.parametrize("precision", PRECISIONS)
def test_no_washout_figure_no_mark(precision: str) -> None:
    # After alemtuzumab the guidance is words only; after daclizumab there is none.
    for before in ("alemtuzumab", "daclizumab"):
        assert [None] == _washout_marks(_switch(before, "ocrelizumab", "2015-03-10", "2016-05-02", precision))


def test_a_users_washout_overrides_the_bundled_one_in_both_engines() -> None:
    patient = _switch("fingolimod", "ocrelizumab", "2015-03-10", "2015-06-01", "day")  # 2 months
    assert [Truth.FALSE] == _washout_marks(patient)
    mine = REGIMENS.override(Washout("S1P receptor modulator", "anti-CD20", "local protocol", "", 2, 3))
    assert [Truth.TRUE] == _washout_marks(patient, regimens=mine)


def test_washouts_load_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        '[[washout]]\nfrom = "S1P receptor modulator"\nto = "any"\nmin_months = 1\nsource = "local"\n',
        encoding="utf-8",
    )
    loaded = load_regimens(path)
    assert (Washout("S1P receptor modulator", "any", "local", "", 1, None),) == loaded.washouts
    assert (1, None) == washout("siponimod", "natalizumab", regimens=loaded).months  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"source": None}, r"washout\[0\].source: expected non-empty text"),
        ({"to": "Gilenya"}, "washout\\[0\\].to: 'Gilenya' is not a catalogue name"),
        ({"min_months": None}, "max_months 2 without min_months"),
        ({"min_months": 3}, "max_months 2 is below min_months 3"),
        ({"min_months": -1}, "min_months -1 is negative"),
        ({"max_months": 1.5}, "is not a whole number"),
        ({"bridge": True}, "unknown field 'bridge'"),
    ],
)
def test_a_washout_that_breaks_the_schema_is_refused_naming_the_field(
    change: dict[str, Any], problem: str
) -> None:
    entry: dict[str, Any] = {
        "from": "anti-alpha4 integrin",
        "to": "any",
        "min_months": 0,
        "max_months": 2,
        "source": "a guideline",
    }
    entry.update(change)
    entry = {k: v for k, v in entry.items() if v is not None}
    with pytest.raises(InvalidValueError, match=problem):
        load_regimens({"washout": [entry]})


def test_a_washout_naming_an_unknown_therapy_is_refused_with_the_catalogues_message() -> None:
    with pytest.raises(UnknownTherapyError, match="unknown therapy 'integrins'"):
        load_regimens({"washout": [{"from": "integrins", "to": "any", "source": "x"}]})


def test_a_pair_given_twice_is_refused() -> None:
    entry = {"from": "fumarate", "to": "any", "source": "x"}
    with pytest.raises(InvalidValueError, match="washout 'fumarate' -> 'any' is given twice"):
        load_regimens({"washout": [entry, entry]})


def test_every_washout_entry_cites_a_source_and_says_what_to_do() -> None:
    assert REGIMENS.washouts
    for entry in REGIMENS.washouts:
        assert entry.source.strip()
        assert entry.guidance.strip()


# -- onset and carry-over windows -------------------------------------------------------------------


def test_every_therapy_has_a_sourced_onset_window() -> None:
    for therapy in CATALOGUE:
        found = onset_window(therapy)
        assert found is not None, therapy.name
        assert found.source.strip(), therapy.name
    assert (2, 6) == onset_window("natalizumab").window  # type: ignore[union-attr]
    assert (6, 6) == onset_window("Avonex").window  # type: ignore[union-attr]


def test_carry_over_is_unset_only_where_the_file_says_nothing_was_found() -> None:
    unset = {t.name for t in CATALOGUE if carry_over(t) is None}
    assert {
        "interferon beta",
        "interferon beta-1a",
        "interferon beta-1b",
        "peginterferon beta-1a",
        "glatiramer acetate",
        "diroximel fumarate",
        "monomethyl fumarate",
        "ublituximab",
        "rituximab",
        "mitoxantrone",
        "daclizumab",
    } == unset


def test_a_carry_over_range_gives_where_sources_disagree_and_the_timeline_uses_its_max() -> None:
    teriflunomide = carry_over("TERI")
    assert teriflunomide is not None
    assert (8, 24) == teriflunomide.window
    assert 24 == REGIMENS.of("teriflunomide").carry_over
    assert (2, 4) == carry_over("DMF").window  # type: ignore[union-attr]


def test_a_range_figure_is_refused_where_it_cannot_be_one() -> None:
    entry = {"therapy": "natalizumab", "kind": "interval", "redose_months": [1, 2], "redose_source": "x"}
    with pytest.raises(InvalidValueError, match=r"redose_months: .* is not a whole number"):
        load_regimens({"regimen": [entry]})
    with pytest.raises(InvalidValueError, match=r"onset_months: \[4, 2\] is not 0 <= min <= max"):
        load_regimens(
            {
                "regimen": [
                    {
                        "therapy": "fingolimod",
                        "kind": "continuous",
                        "onset_months": [4, 2],
                        "onset_source": "x",
                    }
                ]
            }
        )


# -- the washout rule, for any pair and any precision (rules 1 and 9) ----------------------------------

_THERAPIES = [t.name for t in CATALOGUE]


@st.composite
def _switches(draw: st.DrawFn) -> Patient:
    """Two different therapies, the second started after the first stopped, at any precisions;
    numbered, so that coarse dates keep their order."""
    import datetime as dt  # noqa: PLC0415 - only here

    before, after = draw(st.lists(st.sampled_from(_THERAPIES), min_size=2, max_size=2, unique=True))
    start = dt.date(2005, 1, 1) + dt.timedelta(days=draw(st.integers(0, 3000)))
    stop = start + dt.timedelta(days=draw(st.integers(0, 900)))
    after_start = stop + dt.timedelta(days=draw(st.integers(1, 500)))
    levels = st.sampled_from(PRECISIONS)
    return Patient(
        "P",
        (
            attrs.evolve(
                _episode(before, start.isoformat(), _at(stop.isoformat(), draw(levels)), draw(levels)),
                sequence=1,
            ),
            attrs.evolve(
                _episode(after, _at(after_start.isoformat(), draw(levels)), None, draw(levels)), sequence=2
            ),
        ),
    )


@settings(max_examples=200, deadline=None)
@given(_switches())
def test_the_washout_mark_is_three_valued_over_the_gap(patient: Patient) -> None:
    (transition,) = Timeline.of(patient).transitions()
    guidance = washout(transition.before.therapy, transition.after.therapy)
    if guidance is None or guidance.low is None:
        assert transition.washout is None
        return
    gap = transition.gap
    assert gap is not None
    high = guidance.high if guidance.high is not None else gap.high
    if guidance.low <= gap.low and gap.high <= high:
        assert Truth.TRUE is transition.washout
    elif gap.high < guidance.low or gap.low > high:
        assert Truth.FALSE is transition.washout
    else:
        assert Truth.UNDETERMINED is transition.washout


@settings(max_examples=100, deadline=None)
@given(_switches(), st.data())
def test_a_definite_washout_mark_survives_refinement(patient: Patient, data: st.DataObject) -> None:
    fine = Timeline.from_episodes([_refined(data, e) for e in patient.episodes])
    assume(fine.problems() == ())
    (coarse,) = Timeline.of(patient).transitions()
    (refined,) = fine.transitions()
    assert (coarse.washout is None) == (refined.washout is None)
    if coarse.washout is not None and coarse.washout is not Truth.UNDETERMINED:
        assert coarse.washout == refined.washout


@settings(max_examples=40, deadline=None)
@given(st.lists(_switches(), min_size=1, max_size=5))
def test_the_batch_engine_marks_every_pair_as_the_timeline_does(patients: list[Patient]) -> None:
    from dmt_timeline.batch import episode_transitions  # noqa: PLC0415 - the tables extra

    cohort = [attrs.evolve(p, id=f"P{i}") for i, p in enumerate(patients)]
    expected = sorted(
        (r["patient_id"], r["effect_window"], r["washout"]) for r in transitions_table(cohort).to_dicts()
    )
    table = episode_transitions(episodes_table(cohort).to_arrow())
    assert expected == sorted(
        (r["patient_id"], r["effect_window"], r["washout"])
        for r in table.select(["patient_id", "effect_window", "washout"]).to_pylist()
    )


def test_the_docs_table_of_pairs_is_the_bundled_data() -> None:
    text = (Path(__file__).parent.parent / "docs" / "concepts" / "regimens.md").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith("| ") and "--- |" not in line]
    rows = [line.split("|")[1:4] for line in lines]
    shown = [(a.strip(), b.strip(), m.strip()) for a, b, m in rows if a.strip() != "from"]

    def months(entry: Washout) -> str:
        if entry.low is None:
            return "no figure"
        if entry.high is None:
            return f"at least {entry.low}"
        return str(entry.low) if entry.low == entry.high else f"{entry.low}\N{EN DASH}{entry.high}"

    assert [(w.before, w.after, months(w)) for w in REGIMENS.washouts] == shown


def test_asking_about_an_unknown_therapy_is_refused_with_the_catalogues_message() -> None:
    with pytest.raises(UnknownTherapyError, match="unknown therapy 'Fingo'"):
        washout("Fingo", "ocrelizumab")
    with pytest.raises(UnknownTherapyError, match="unknown therapy 'ocre'"):
        carry_over("ocre")
