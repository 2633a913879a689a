"""Treatment strategies from the catalogue's efficacy tiers: hand-worked at day, month and year
precision, checked against a direct statement of the definitions on exact dates, candidates that
only shrink when dates are refined, the catalogue's tiers and their sources, and the table."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dmt_timeline.catalogue import CATALOGUE, Efficacy, EfficacyTier, load_catalogue
from dmt_timeline.dates import MonthRange, PartialDate, Precision, Truth, whole_months
from dmt_timeline.errors import InvalidValueError, TimelineError
from dmt_timeline.model import ONGOING, Patient, TherapyEpisode
from dmt_timeline.outcomes import (
    STRATEGY_COLUMNS,
    Strategy,
    cohort_strategies,
    strategy_table,
    treatment_strategy,
)
from dmt_timeline.strategies import refinements, timelines
from dmt_timeline.timeline import Timeline

S = Strategy


def patient(*episodes: tuple[str, str, str | None], pid: str = "p", sequences: bool = False) -> Patient:
    return Patient(
        id=pid,
        episodes=[
            TherapyEpisode(
                CATALOGUE[name],
                start,
                ONGOING if stop is None else stop,
                sequence=i + 1 if sequences else None,
            )
            for i, (name, start, stop) in enumerate(episodes)
        ],
        last_follow_up="2024-01-01",
    )


def candidates(p: Patient, **kw: object) -> tuple[Strategy, ...]:
    return treatment_strategy(p, **kw).candidates  # type: ignore[arg-type]


# -- the catalogue's tiers -----------------------------------------------------------------------


def test_every_therapy_but_daclizumab_has_a_tier_with_a_source() -> None:
    untiered = [t.name for t in CATALOGUE if t.efficacy is None]
    assert ["daclizumab"] == untiered
    assert all(t.efficacy.source.strip() for t in CATALOGUE if t.efficacy is not None)


def test_the_tiers_are_the_guidelines() -> None:
    high = {t.name for t in CATALOGUE if t.efficacy and t.efficacy.tier is EfficacyTier.HIGH}
    induction = {t.name for t in CATALOGUE if t.efficacy and t.efficacy.induction}
    assert {
        "natalizumab",
        "alemtuzumab",
        "ocrelizumab",
        "ofatumumab",
        "ublituximab",
        "rituximab",
        "cladribine",
        "mitoxantrone",
    } == high
    assert {"alemtuzumab", "cladribine", "mitoxantrone"} == induction
    assert EfficacyTier.MODERATE is CATALOGUE["fingolimod"].efficacy.tier  # type: ignore[union-attr]


_ENTRY = """
[[therapy]]
name = "x"
label = "X"
class = "fumarate"
routes = ["oral"]
efficacy = {value}
"""


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"high"', "efficacy must be a table"),
        ('{ tier = "high" }', "efficacy: source must be non-empty text"),
        ('{ tier = "top", source = "s" }', "efficacy: tier 'top' is not one of"),
        ('{ tier = "high", source = "s", induction = "yes" }', "efficacy: induction 'yes' is not"),
        ('{ tier = "high", source = "s", note = "n" }', "efficacy has unknown key"),
    ],
)
def test_a_bad_efficacy_entry_is_refused_by_name(tmp_path: object, value: str, message: str) -> None:
    import pathlib  # noqa: PLC0415 - the fixture's type

    assert isinstance(tmp_path, pathlib.Path)
    path = tmp_path / "c.toml"
    path.write_text(_ENTRY.replace("{value}", value), encoding="utf-8")
    with pytest.raises(InvalidValueError, match=r"entry 1 \('x'\): " + message):
        load_catalogue(path)


# -- hand-worked: day precision -----------------------------------------------------------------


def test_high_efficacy_first_is_early_intensive() -> None:
    assert (S.EARLY_INTENSIVE,) == candidates(patient(("natalizumab", "2018-01-10", None)))


def test_an_induction_therapy_first_is_induction_whatever_follows() -> None:
    p = patient(("alemtuzumab", "2018-01-10", "2019-02-01"), ("dimethyl fumarate", "2021-03-01", None))
    found = treatment_strategy(p)
    assert (S.INDUCTION,) == found.candidates
    assert Truth.FALSE is found.de_escalation  # maintenance after induction is no de-escalation


def test_a_year_of_moderate_efficacy_then_high_is_escalation() -> None:
    # 2015-01-10 to 2016-01-10: 12 whole months.
    p = patient(("IFNb", "2015-01-10", "2016-01-01"), ("natalizumab", "2016-01-10", None))
    found = treatment_strategy(p)
    assert (S.ESCALATION,) == found.candidates
    assert Truth.TRUE is found.holds(S.ESCALATION)
    assert MonthRange.exact(12) == found.months_to_high


def test_high_efficacy_within_the_year_is_early_escalation() -> None:
    p = patient(("IFNb", "2015-01-10", "2016-01-01"), ("natalizumab", "2016-01-09", None))
    assert (S.EARLY_ESCALATION,) == candidates(p)
    assert (S.ESCALATION,) == candidates(p, escalation_months=11)


def test_two_years_is_a_parameter() -> None:
    p = patient(("IFNb", "2015-01-10", "2016-01-01"), ("natalizumab", "2016-06-10", None))
    assert (S.ESCALATION,) == candidates(p)
    assert (S.EARLY_ESCALATION,) == candidates(p, escalation_months=24)


def test_moderate_efficacy_alone_is_moderate_only() -> None:
    p = patient(("IFNb", "2015-01-10", "2016-01-01"), ("fingolimod", "2016-02-01", None))
    found = treatment_strategy(p)
    assert (S.MODERATE_ONLY,) == found.candidates
    assert found.months_to_high is None


def test_moderate_after_high_is_de_escalation() -> None:
    p = patient(("natalizumab", "2015-01-10", "2017-01-01"), ("fingolimod", "2017-02-01", None))
    found = treatment_strategy(p)
    assert (S.EARLY_INTENSIVE, Truth.TRUE) == (found.strategy, found.de_escalation)
    assert "p: early intensive, de-escalated" == str(found)


def test_a_study_can_count_s1p_modulators_as_high_efficacy() -> None:
    p = patient(("fingolimod", "2015-01-10", None))
    high = {"fingolimod": Efficacy(EfficacyTier.HIGH, "a study's own definition")}
    assert (S.EARLY_INTENSIVE,) == candidates(p, efficacy=high)


def test_a_therapy_without_a_tier_is_left_out_with_a_reason() -> None:
    p = patient(("daclizumab", "2016-01-10", "2017-06-01"), ("natalizumab", "2017-08-01", None))
    found = treatment_strategy(p)
    assert (S.EARLY_INTENSIVE,) == found.candidates
    assert ("daclizumab has no efficacy tier: left out",) == found.reasons
    only = treatment_strategy(patient(("daclizumab", "2016-01-10", None)))
    assert ((), "no tiered therapy") == (only.candidates, only.status)


# -- hand-worked: month and year precision ------------------------------------------------------


def test_months_that_straddle_the_year_cannot_tell() -> None:
    # 2015-01 to 2016-01: 11 months (2015-01-31 to 2016-01-01) or 12 (2015-01-01 to 2016-01-31).
    p = patient(("IFNb", "2015-01", "2015-12"), ("natalizumab", "2016-01", None))
    found = treatment_strategy(p)
    assert (S.ESCALATION, S.EARLY_ESCALATION) == found.candidates
    assert (None, "cannot tell") == (found.strategy, found.status)
    assert MonthRange(11, 12) == found.months_to_high
    assert ("the moderate-efficacy period may be shorter or longer than 12 months",) == found.reasons
    assert "<TreatmentStrategy 'p': cannot tell (escalation | early escalation)>" == repr(found)
    assert (Truth.UNDETERMINED, Truth.FALSE) == (found.holds(S.ESCALATION), found.holds(S.EARLY_INTENSIVE))


def test_months_well_apart_decide() -> None:
    p = patient(("IFNb", "2015-01", "2016-01"), ("natalizumab", "2016-03", None))
    assert (S.ESCALATION,) == candidates(p)


def test_a_year_that_holds_both_starts_cannot_tell_which_came_first() -> None:
    p = patient(("IFNb", "2015", "2015"), ("natalizumab", "2015", None))
    found = treatment_strategy(p)
    assert (S.EARLY_INTENSIVE, S.EARLY_ESCALATION) == found.candidates
    assert "the dates cannot tell which therapy came first" in found.reasons
    assert (
        Truth.UNDETERMINED
        is treatment_strategy(
            patient(("natalizumab", "2015", "2015"), ("IFNb", "2015", "2016"))
        ).de_escalation
    )


def test_sequence_numbers_say_which_came_first() -> None:
    p = patient(("IFNb", "2015", "2015"), ("natalizumab", "2015", None), sequences=True)
    assert (S.EARLY_ESCALATION,) == candidates(p)


def test_years_apart_decide_escalation() -> None:
    p = patient(("IFNb", "2013", "2014"), ("natalizumab", "2015", None))
    assert (S.ESCALATION,) == candidates(p)


# -- arguments, cohort and table ----------------------------------------------------------------


def test_bad_arguments_are_refused_by_name() -> None:
    p = patient(("natalizumab", "2018-01-10", None))
    with pytest.raises(InvalidValueError, match="escalation_months 0 is not"):
        treatment_strategy(p, escalation_months=0)
    with pytest.raises(InvalidValueError, match="efficacy\\['natalizumab'\\] 'high' is not an Efficacy"):
        treatment_strategy(p, efficacy={"natalizumab": "high"})  # type: ignore[dict-item]
    overlapping = Patient(
        id="o",
        episodes=[
            TherapyEpisode(CATALOGUE["IFNb"], "2015-01-01", ONGOING),
            TherapyEpisode(CATALOGUE["natalizumab"], "2016-01-01", ONGOING),
        ],
    )
    with pytest.raises(TimelineError, match="patient 'o'"):
        treatment_strategy(overlapping)


def test_a_tidy_table_row_per_patient() -> None:
    cohort = [
        patient(("natalizumab", "2018-01-10", None), pid="a"),
        patient(("IFNb", "2015-01", "2015-12"), ("natalizumab", "2016-01", None), pid="b"),
        patient(("daclizumab", "2016-01-10", None), pid="c"),
    ]
    table = strategy_table(cohort_strategies(cohort))
    assert STRATEGY_COLUMNS == table.names
    assert (
        ("a", "early intensive", "early intensive", 12, 0, 0, "false", ""),
        (
            "b",
            "cannot tell",
            "escalation|early escalation",
            12,
            11,
            12,
            "false",
            "the moderate-efficacy period may be shorter or longer than 12 months",
        ),
        ("c", "no tiered therapy", "", 12, None, None, "false", "daclizumab has no efficacy tier: left out"),
    ) == table.rows


# -- the definitions on exact dates, and refinement ---------------------------------------------


def _by_hand(episodes: list[TherapyEpisode], months: int) -> Strategy:
    """The definitions on day-exact, strictly increasing starts."""
    ordered = sorted((e for e in episodes if e.therapy.efficacy is not None), key=lambda e: e.start.first_day)
    first = ordered[0]
    tier = first.therapy.efficacy
    assert tier is not None
    if tier.tier is EfficacyTier.HIGH:
        return S.INDUCTION if tier.induction else S.EARLY_INTENSIVE
    highs = [e for e in ordered if e.therapy.efficacy and e.therapy.efficacy.tier is EfficacyTier.HIGH]
    if not highs:
        return S.MODERATE_ONLY
    gap = whole_months(first.start.first_day, highs[0].start.first_day)
    return S.ESCALATION if gap >= months else S.EARLY_ESCALATION


@settings(max_examples=150)
@given(
    timelines(min_size=1, max_size=4, precisions=[Precision.DAY], sequences=False),
    st.sampled_from([12, 24]),
)
def test_exact_dates_give_the_definitions(timeline: Timeline, months: int) -> None:
    episodes = list(timeline.episodes)
    assume(any(e.therapy.efficacy is not None for e in episodes))
    p = Patient(id="p", episodes=episodes, last_follow_up=timeline.last_follow_up)
    found = treatment_strategy(p, escalation_months=months)
    assert (_by_hand(episodes, months),) == found.candidates


def _refined(episode: TherapyEpisode, data: st.DataObject) -> TherapyEpisode:
    stop = episode.stop
    if isinstance(stop, PartialDate):
        stop = data.draw(refinements(stop))
    return attrs.evolve(episode, start=data.draw(refinements(episode.start)), stop=stop)


@settings(max_examples=150)
@given(timelines(min_size=1, max_size=4, sequences=False), st.sampled_from([12, 24]), st.data())
def test_refining_dates_only_narrows_and_never_flips(
    timeline: Timeline, months: int, data: st.DataObject
) -> None:
    coarse_patient = Patient(id="p", episodes=list(timeline.episodes), last_follow_up=timeline.last_follow_up)
    try:
        fine_patient = attrs.evolve(coarse_patient, episodes=[_refined(e, data) for e in timeline.episodes])
        fine = treatment_strategy(fine_patient, escalation_months=months)
    except (InvalidValueError, TimelineError):  # a refinement that breaks the history's own rules
        assume(False)
    coarse = treatment_strategy(coarse_patient, escalation_months=months)
    assert set(fine.candidates) <= set(coarse.candidates)
    if coarse.candidates:
        assert fine.candidates
    if coarse.de_escalation is not Truth.UNDETERMINED:
        assert coarse.de_escalation is fine.de_escalation
    if coarse.months_to_high is not None:
        assert fine.months_to_high is not None
        assert coarse.months_to_high.contains_range(fine.months_to_high)
