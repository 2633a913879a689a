"""The reproduced case series: its paradigm rule, every claim against the table, the comparisons.

Expected values are read off the publication's table by hand ("Summary of Patient Information",
rows 1-18 = P01-P18), not from the code.
"""

from __future__ import annotations

import json
import math

import attrs
import pytest
import scipy.stats

from dmt_timeline import Cohort, ComorbidityTreatment, Condition, Modality, Patient, TherapyEpisode
from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.errors import InvalidValueError, TimelineError
from dmt_timeline.studies.natalizumab_psoriasis import (
    PARADIGMS,
    PUBLISHED,
    Claim,
    Report,
    Verdict,
    claims,
    comparisons,
    paradigm,
    reproduce,
)

RESAMPLES = 999  # enough to check the wiring; the command's default is 9999

# Table section, months to first observed MS benefit and to first observed psoriasis benefit.
TABLE: dict[str, tuple[str, int, int]] = {
    "P01": ("direct IFN to Nat", 4, 2),
    "P02": ("direct IFN to Nat", 6, 3),
    "P03": ("direct IFN to Nat", 6, 4),
    "P04": ("direct IFN to Nat", 2, 2),
    "P05": ("direct IFN to Nat", 8, 3),
    "P06": ("direct IFN to Nat", 3, 2),
    "P07": ("direct IFN to Nat", 4, 3),
    "P08": ("indirect IFN to Nat", 4, 1),
    "P09": ("indirect IFN to Nat", 2, 1),
    "P10": ("indirect IFN to Nat", 3, 1),
    "P11": ("indirect IFN to Nat", 5, 3),
    "P12": ("no IFN before Nat", 6, 3),
    "P13": ("no IFN before Nat", 3, 2),
    "P14": ("no IFN before Nat", 4, 1),
    "P15": ("no IFN before Nat", 3, 1),
    "P16": ("no IFN before Nat", 3, 2),
    "P17": ("no IFN before Nat", 5, 5),
    "P18": ("no IFN before Nat", 4, 3),
}

# What the table gives for each claim, counted by hand.
EXPECTED: dict[str, tuple[int | str, Verdict]] = {
    "cohort_size": (18, Verdict.AGREES),
    "group_direct": (7, Verdict.AGREES),  # rows 1-7
    "group_indirect": (4, Verdict.AGREES),  # rows 8-11
    "group_no_ifn": (7, Verdict.AGREES),  # rows 12-18
    "ifnb_users": (11, Verdict.AGREES),  # rows 1-11
    "ifnb_stopped_for_psoriasis": ("10 of 11", Verdict.AGREES),  # all but row 1 (LOE) carry Ps
    "ifnb_stopped_for_ms_activity": ("3 of 11", Verdict.AGREES),  # rows 1, 3 and 7 carry LOE
    "ga_stopped_for_psoriasis": (0, Verdict.AGREES),  # GA stops: LOE, tlrb, Pregn only
    "dmf_started": (3, Verdict.AGREES),  # rows 13, 14, 18
    "dmf_stopped_intolerance_or_loe": ("3 of 3", Verdict.AGREES),  # LOE, tlrb, tlrb
    "dmf_stopped_intolerance": (2, Verdict.AGREES),  # rows 14 and 18
    # DMF 2013 -> Nat 2015 (12..35 months) for row 13; 2013 -> 2013 (0..11) for rows 14, 18.
    "dmf_about_two_years": ("0 certain, 1 possible of 3", Verdict.NOT_DERIVABLE),
    "natalizumab_started": ("18 of 18", Verdict.AGREES),
    "natalizumab_started_twice": ("1 (lines 1 and 3)", Verdict.AGREES),  # row 15: Nat, Fing, Nat
    "ms_activity_ceased": ("18 of 18", Verdict.AGREES),
    "psoriasis_improved": ("18 of 18", Verdict.AGREES),
    "ms_latency_range": ("2-8 months", Verdict.AGREES),
    "psoriasis_latency_range": ("1-5 months", Verdict.AGREES),
    "skin_before_ms": ("16 of 18", Verdict.AGREES),  # rows 4 and 17 tie, none later
    "no_further_treatment": ("15 of 18", Verdict.AGREES),  # current treatment 0 in 15 rows
    "topical_treatment_continued": (3, Verdict.AGREES),  # rows 4, 11, 17
    "no_systemic_psoriasis_treatment": ("18 of 18", Verdict.DIFFERS),  # no current systemic at all
    "csf_positive": ("16 of 18 positive, 2 not done", Verdict.AGREES),  # rows 13, 14 read "0"
    "psoriasis_after_ifnb": ("5 of 11", Verdict.AGREES),  # rows 2, 7, 8, 9, 11
    "ifnb_indirect_to_natalizumab": ("4 of 11", Verdict.AGREES),
    "ifnb_direct_to_natalizumab": ("7 of 11", Verdict.AGREES),
    # IFNb -> Nat starts: 2009-2011, 2003-2006, 2009-2012, 2011-2012, 2002-2010, 1999-2006,
    # 1997-2006; only row 4 (at most 23 months) cannot reach 24-36 months.
    "direct_lag_two_to_three_years": ("0 certain, 6 possible of 7", Verdict.NOT_DERIVABLE),
    "last_evaluation": ("not recorded", Verdict.NOT_DERIVABLE),
}
COMPARISON_CLAIMS = ("ms_latency_by_paradigm", "psoriasis_latency_by_paradigm", "lag_by_paradigm")


MS = [[ms for group, ms, _ in TABLE.values() if group == name] for name in PARADIGMS]
PSORIASIS = [[ps for group, _, ps in TABLE.values() if group == name] for name in PARADIGMS]
LAG = [[ms - ps for ms, ps in zip(a, b, strict=True)] for a, b in zip(MS, PSORIASIS, strict=True)]


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    return load_natalizumab_psoriasis()


@pytest.fixture(scope="module")
def report(cohort: Cohort) -> Report:
    return reproduce(cohort, n_resamples=RESAMPLES)


# -- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("patient_id", "expected"), [(pid, row[0]) for pid, row in TABLE.items()])
def test_paradigm_is_the_table_section(cohort: Cohort, patient_id: str, expected: str) -> None:
    assert expected == paradigm(cohort[patient_id])


def test_paradigm_equals_every_published_label(cohort: Cohort) -> None:
    assert [p.label("published_group") for p in cohort] == [paradigm(p) for p in cohort]


def test_paradigm_does_not_read_labels(cohort: Cohort) -> None:
    relabelled = attrs.evolve(cohort["P01"], labels={"published_group": "no IFN before Nat"})
    assert "direct IFN to Nat" == paradigm(relabelled)


def test_paradigm_counts_from_the_first_natalizumab_start(cohort: Cohort) -> None:
    # P15: Nat, Fing, Nat. Adding IFNb between the two starts changes nothing for the first.
    patient = cohort["P15"]
    ifn = TherapyEpisode(CATALOGUE["IFNb"], "2017")
    episodes = tuple(attrs.evolve(e, sequence=None) for e in patient.episodes)
    assert "no IFN before Nat" == paradigm(attrs.evolve(patient, episodes=(*episodes, ifn)))


def test_paradigm_needs_natalizumab() -> None:
    patient = Patient("X1", episodes=(TherapyEpisode(CATALOGUE["GA"], "2010"),))
    with pytest.raises(TimelineError, match="patient 'X1': never started natalizumab"):
        paradigm(patient)


# -- the claims ---------------------------------------------------------------------------------


def test_claims_cover_every_published_value(report: Report) -> None:
    assert list(PUBLISHED) == [c.id for c in report.claims]
    assert {*EXPECTED, *COMPARISON_CLAIMS} == set(PUBLISHED)


@pytest.mark.parametrize("claim_id", list(EXPECTED))
def test_derived_value_is_the_tables(report: Report, claim_id: str) -> None:
    assert EXPECTED[claim_id][0] == report.claim(claim_id).derived


@pytest.mark.parametrize("claim_id", list(EXPECTED))
def test_verdict(report: Report, claim_id: str) -> None:
    assert EXPECTED[claim_id][1] == report.claim(claim_id).verdict


def test_published_values_are_the_publications(report: Report) -> None:
    published = {c.id: c.published for c in report.claims}
    assert "16 of 18" == published["no_systemic_psoriasis_treatment"]
    assert "2 of 7" == published["direct_lag_two_to_three_years"]
    assert 18 == published["cohort_size"]


def test_only_the_systemic_claim_differs(report: Report) -> None:
    assert ["no_systemic_psoriasis_treatment"] == [
        c.id for c in report.claims if c.verdict is Verdict.DIFFERS
    ]
    assert not report.all_derivable_agree


def test_not_derivable_claims_give_bounds(report: Report) -> None:
    lag = report.claim("direct_lag_two_to_three_years").note
    for bound in (
        "P01 0..35",
        "P02 0..47",
        "P03 0..47",
        "P04 0..23",
        "P05 0..107",
        "P06 0..95",
        "P07 0..119",
    ):
        assert bound in lag
    assert "P13 12..35; P14 0..11; P18 0..11" in report.claim("dmf_about_two_years").note


def test_disagreement_is_explained(report: Report) -> None:
    assert "disagrees with the table" in report.claim("no_systemic_psoriasis_treatment").note


def test_claims_function_equals_report(cohort: Cohort, report: Report) -> None:
    assert report.claims == claims(cohort, n_resamples=RESAMPLES)


def with_current_systemic(cohort: Cohort, *patient_ids: str) -> Cohort:
    systemic = ComorbidityTreatment(Condition.PSORIASIS, (Modality.SYSTEMIC,), current=True)
    patients = tuple(
        attrs.evolve(p, comorbidity_treatments=(*p.comorbidity_treatments, systemic))
        if p.id in patient_ids
        else p
        for p in cohort
    )
    return attrs.evolve(cohort, patients=patients)


def test_systemic_claim_agrees_when_two_patients_are_on_systemic_therapy(cohort: Cohort) -> None:
    found = {c.id: c for c in claims(with_current_systemic(cohort, "P01", "P02"), n_resamples=RESAMPLES)}
    assert ("16 of 18", Verdict.AGREES) == (
        found["no_systemic_psoriasis_treatment"].derived,
        found["no_systemic_psoriasis_treatment"].verdict,
    )
    assert "disagrees" not in found["no_systemic_psoriasis_treatment"].note
    # ... and then the abstract's 15 of 18 without any further treatment no longer holds.
    assert Verdict.DIFFERS == found["no_further_treatment"].verdict


def test_group_claim_differs_when_the_rule_and_the_label_disagree(cohort: Cohort) -> None:
    swapped = tuple(
        attrs.evolve(p, labels={"published_group": "indirect IFN to Nat"}) if p.id == "P01" else p
        for p in cohort
    )
    found = {c.id: c for c in claims(attrs.evolve(cohort, patients=swapped), n_resamples=RESAMPLES)}
    assert Verdict.DIFFERS == found["group_direct"].verdict
    assert 7 == found["group_direct"].derived
    assert "P01" in found["group_direct"].note


def test_claim_refuses_an_id_that_is_not_a_slug() -> None:
    with pytest.raises(InvalidValueError, match="id 'IFN users' is not a slug"):
        Claim("IFN users", "s", 1, 1, Verdict.AGREES)


def test_claim_refuses_a_bool_value() -> None:
    with pytest.raises(InvalidValueError, match="derived True"):
        Claim("x", "s", 1, True, Verdict.AGREES)


# -- the comparisons ----------------------------------------------------------------------------


@pytest.mark.parametrize(("index", "samples"), [(0, MS), (1, PSORIASIS), (2, LAG)], ids=["ms", "ps", "lag"])
def test_comparison_equals_scipy_kruskal(report: Report, index: int, samples: list[list[int]]) -> None:
    expected = scipy.stats.kruskal(*samples)
    actual = report.comparisons[index]
    assert math.isclose(float(expected.statistic), actual.statistic, rel_tol=1e-12)
    assert math.isclose(float(expected.pvalue), actual.p_asymptotic, rel_tol=1e-12)
    assert 2 == actual.df
    assert [[float(v) for v in s] for s in samples] == [list(g.values) for g in actual.groups]
    assert list(PARADIGMS) == [g.name for g in actual.groups]


def test_lag_values_are_ms_minus_psoriasis(report: Report) -> None:
    assert [
        [2.0, 3.0, 2.0, 0.0, 5.0, 1.0, 1.0],
        [3.0, 1.0, 2.0, 2.0],
        [3.0, 1.0, 3.0, 2.0, 1.0, 0.0, 1.0],
    ] == [list(g.values) for g in report.comparisons[2].groups]


@pytest.mark.parametrize("claim_id", COMPARISON_CLAIMS)
def test_no_significant_difference_agrees(report: Report, claim_id: str) -> None:
    comparison = report.comparisons[COMPARISON_CLAIMS.index(claim_id)]
    assert comparison.p_asymptotic >= 0.05
    assert comparison.p_permutation >= 0.05
    assert Verdict.AGREES == report.claim(claim_id).verdict


def test_comparisons_use_the_requested_permutations(cohort: Cohort) -> None:
    found = comparisons(cohort, n_resamples=199, random_state=3)
    assert [(199, 3, False)] * 3 == [(c.n_resamples, c.random_state, c.permutation_exact) for c in found]


def test_comparisons_refuse_a_censored_latency(cohort: Cohort) -> None:
    patient = cohort["P01"]
    censored = attrs.evolve(patient, observations=patient.observations[:1], last_follow_up="2020")
    patients = tuple(censored if p.id == "P01" else p for p in cohort)
    with pytest.raises(TimelineError, match="patient 'P01': psoriasis latency is censored"):
        comparisons(attrs.evolve(cohort, patients=patients), n_resamples=RESAMPLES)


# -- the report ---------------------------------------------------------------------------------


def test_report_text_lists_claims_and_comparisons(report: Report) -> None:
    text = str(report)
    for claim in report.claims:
        assert claim.id in text
    for word in ("agrees", "differs", "not derivable", "p asymptotic", "p permutation", "median direct"):
        assert word in text
    assert "18 patients; 31 claims: 27 agrees, 1 differs, 3 not derivable" in text


def test_as_dict_is_json(report: Report) -> None:
    doc = json.loads(json.dumps(report.as_dict(), allow_nan=False))
    assert {
        "schema_version",
        "study",
        "cohort",
        "verdicts",
        "all_derivable_agree",
        "claims",
        "comparisons",
    } == set(doc)
    assert {"id", "statement", "published", "derived", "verdict", "note"} == set(doc["claims"][0])
    assert {
        "measure",
        "groups",
        "statistic",
        "df",
        "p_asymptotic",
        "p_permutation",
        "permutation_exact",
        "n_resamples",
        "random_state",
    } == set(doc["comparisons"][0])
    assert {"name", "values", "n", "median"} == set(doc["comparisons"][0]["groups"][0])
    assert {"agrees": 27, "differs": 1, "not derivable": 3} == doc["verdicts"]
    assert [4.0, 6.0, 6.0, 2.0, 8.0, 3.0, 4.0] == doc["comparisons"][0]["groups"][0]["values"]


def test_report_is_frozen(report: Report) -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        report.patients = 3  # type: ignore[misc]  # the point of the test
