"""The bundled case series, checked against a second, independent reading of the publication's table.

The reading below was made from the table itself (two halves, 18 rows in three published groups
of 7, 4 and 7), not from the bundled JSON. Each row holds: MS diagnosis year, CSF cell, baseline
EDSS, psoriasis diagnosis year, psoriasis treatment cell, then up to three therapies as
(table abbreviation, start year, stop-reason cell, EDSS beside it), then the final EDSS, the months
to first observed benefit for MS and for psoriasis, and the current psoriasis treatment cell.

A stop-reason cell of ``None`` means the table has no reason column for that therapy (the third
one); ``""`` means the cell is blank. An EDSS of ``None`` means no cell.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import NamedTuple

import pytest

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.dates import PartialDate, Precision
from dmt_timeline.model import (
    NOT_RECORDED,
    ONGOING,
    Cohort,
    Condition,
    CSFBands,
    Diagnosis,
    Modality,
    Outcome,
    Patient,
    SwitchReason,
)
from dmt_timeline.serialize import dumps, loads


class Drug(NamedTuple):
    name: str
    year: int
    reason: str | None
    edss: float | None


class Row(NamedTuple):
    ms_dx: int
    csf: str
    baseline: float
    ps_dx: int
    ps_treatment: str
    drugs: tuple[Drug, ...]
    last_edss: float | None
    ms_months: int
    ps_months: int
    current: str


def row(
    ms_dx: int,
    csf: str,
    baseline: float,
    ps_dx: int,
    ps_treatment: str,
    *drugs: Drug,
    last: float | None,
    ms: int,
    ps: int,
    current: str = "0",
) -> Row:
    return Row(ms_dx, csf, baseline, ps_dx, ps_treatment, drugs, last, ms, ps, current)


# fmt: off
DIRECT = [
    row(2007, "Pos", 2,   2007, "t",    Drug("GA", 2007, "LOE", 2.5),   Drug("IFNb", 2009, "LOE", 3),       Drug("Nat", 2011, None, None), last=2.5, ms=4, ps=2),  # noqa: E501
    row(2001, "Pos", 4,   2005, "t, s", Drug("GA", 2001, "LOE", 6),     Drug("IFNb", 2003, "Ps", 6.5),      Drug("Nat", 2006, None, None), last=6.5, ms=6, ps=3),  # noqa: E501
    row(2005, "Pos", 4,   2005, "t",    Drug("GA", 2005, "LOE", 4.5),   Drug("IFNb", 2009, "LOE, Ps", 4.5), Drug("Nat", 2012, None, None), last=4, ms=6, ps=4),  # noqa: E501
    row(2007, "Pos", 2,   2002, "t",    Drug("GA", 2007, "LOE", 4),     Drug("IFNb", 2011, "Ps", 3),        Drug("Nat", 2012, None, None), last=2.5, ms=2, ps=2, current="Topical"),  # noqa: E501
    row(1987, "Pos", 2.5, 1999, "t",    Drug("GA", 2000, "tlrb", 4),    Drug("IFNb", 2002, "Ps", 5),        Drug("Nat", 2010, None, None), last=5, ms=8, ps=3),  # noqa: E501
    row(1999, "Pos", 4,   1998, "t",    Drug("IFNb", 1999, "Ps", 4.5),  Drug("Nat", 2006, "NA", 4.5),       last=4.5, ms=3, ps=2),  # noqa: E501
    row(1996, "Pos", 4.5, 1999, "t",    Drug("IFNb", 1997, "LOE, Ps", 6), Drug("Nat", 2006, "NA", 5.5),     last=5.5, ms=4, ps=3),  # noqa: E501
]
INDIRECT = [
    row(1989, "Pos", 5,   2001, "t, s", Drug("IFNb", 1996, "Ps", 6.5),  Drug("GA", 2003, "LOE", 6.5),       Drug("Nat", 2007, None, None), last=6, ms=4, ps=1),  # noqa: E501
    row(2008, "Pos", 1,   2011, "t, s", Drug("IFNb", 2008, "Ps", 1),    Drug("GA", 2011, "LOE", 2),         Drug("Nat", 2012, None, None), last=1, ms=2, ps=1),  # noqa: E501
    row(2001, "Pos", 2.5, 2000, "t, s", Drug("IFNb", 2001, "Ps", 2.5),  Drug("GA", 2004, "LOE", 2.5),       Drug("Nat", 2008, None, None), last=2.5, ms=3, ps=1),  # noqa: E501
    row(1999, "Pos", 3,   2002, "t",    Drug("IFNb", 1999, "Ps", 6),    Drug("GA", 2004, "LOE", 6),         Drug("Nat", 2008, None, None), last=6, ms=5, ps=3, current="Topical"),  # noqa: E501
]
NO_IFN = [
    row(2012, "Pos", 2.5, 2010, "t, s", Drug("GA", 2012, "LOE", 3),     Drug("Nat", 2014, "", 3),           last=3, ms=6, ps=3),  # noqa: E501
    row(2002, "0",   3.5, 2002, "t, s", Drug("GA", 2004, "LOE", 4),     Drug("DMF", 2013, "LOE", 5),        Drug("Nat", 2015, None, None), last=4, ms=3, ps=2),  # noqa: E501
    row(2009, "0",   3,   2009, "t",    Drug("GA", 2010, "LOE", 4),     Drug("DMF", 2013, "tlrb", 4),       Drug("Nat", 2013, None, None), last=3.5, ms=4, ps=1),  # noqa: E501
    row(2011, "Pos", 2.5, 1996, "t",    Drug("Nat", 2012, "JCV+*", 2),  Drug("Fing", 2016, "LOE", 2.5),     Drug("Nat", 2018, None, None), last=2, ms=3, ps=1),  # noqa: E501
    row(2008, "Pos", 4,   2001, "t",    Drug("Nat", 2008, "", 3.5),     last=None, ms=3, ps=2),
    row(2006, "Pos", 3,   2004, "t, s", Drug("GA", 2007, "Pregn", 3.5), Drug("GA", 2015, "LOE", 3.5),       Drug("Nat", 2016, None, None), last=3, ms=5, ps=5, current="Topical"),  # noqa: E501
    row(2003, "Pos", 3,   2001, "t",    Drug("GA", 2006, "tlrb", 3),    Drug("DMF", 2013, "tlrb", 3.5),     Drug("Nat", 2013, None, None), last=3, ms=4, ps=3),  # noqa: E501
]
# fmt: on
ROWS = DIRECT + INDIRECT + NO_IFN

REASON = {
    "LOE": SwitchReason.LOSS_OF_EFFECTIVENESS,
    "Ps": SwitchReason.COMORBIDITY_WORSENING,
    "tlrb": SwitchReason.INTOLERANCE,
    "JCV+*": SwitchReason.SAFETY_RISK,
    "Pregn": SwitchReason.PREGNANCY,
}
CSF = {"Pos": CSFBands.POSITIVE, "0": CSFBands.NOT_DONE}
MODALITIES = {"t": (Modality.TOPICAL,), "t, s": (Modality.TOPICAL, Modality.STEROID)}
DRUG = {
    "GA": "glatiramer acetate",
    "IFNb": "interferon beta",
    "Nat": "natalizumab",
    "DMF": "dimethyl fumarate",
    "Fing": "fingolimod",
}


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    return load_natalizumab_psoriasis()


def patients_by_row() -> list[tuple[int, Row]]:
    return list(enumerate(ROWS, start=1))


def patient_of(cohort: Cohort, number: int) -> Patient:
    return cohort.patients[number - 1]


def all_episodes(cohort: Cohort) -> list[tuple[str, int]]:
    return [(e.therapy.name, i) for i, p in enumerate(cohort) for e in p.episodes]


# -- the reading itself -------------------------------------------------------------------------


def test_my_reading_has_the_published_group_sizes() -> None:
    assert [7, 4, 7] == [len(DIRECT), len(INDIRECT), len(NO_IFN)]


def test_my_reading_names_only_catalogue_therapies() -> None:
    assert {DRUG[a] for a in DRUG} == {CATALOGUE[d.name].name for r in ROWS for d in r.drugs}


# -- the whole cohort ---------------------------------------------------------------------------


def test_eighteen_patients_in_table_order(cohort: Cohort) -> None:
    assert [f"P{n:02d}" for n in range(1, 19)] == [p.id for p in cohort]


def test_published_groups_are_runs_of_seven_four_seven(cohort: Cohort) -> None:
    groups = [p.label("published_group") for p in cohort]
    runs = [len(list(g)) for _, g in itertools.groupby(groups)]
    assert ([7, 4, 7], 3) == (runs, len(set(groups)))


def test_episode_counts_per_drug(cohort: Cohort) -> None:
    expected = {
        "natalizumab": 19,
        "glatiramer acetate": 15,
        "interferon beta": 11,
        "dimethyl fumarate": 3,
        "fingolimod": 1,
    }
    assert expected == dict(Counter(name for name, _ in all_episodes(cohort)))


def test_every_patient_had_natalizumab_and_one_twice(cohort: Cohort) -> None:
    per_patient = Counter(i for name, i in all_episodes(cohort) if name == "natalizumab")
    assert (18, [14]) == (len(per_patient), [i for i, n in per_patient.items() if n == 2])


def test_eleven_patients_had_interferon_beta(cohort: Cohort) -> None:
    assert 11 == len({i for name, i in all_episodes(cohort) if name == "interferon beta"})


def test_counts_per_stop_reason(cohort: Cohort) -> None:
    expected = {
        SwitchReason.LOSS_OF_EFFECTIVENESS: 17,
        SwitchReason.COMORBIDITY_WORSENING: 10,
        SwitchReason.INTOLERANCE: 4,
        SwitchReason.SAFETY_RISK: 1,
        SwitchReason.PREGNANCY: 1,
    }
    assert expected == dict(Counter(r for p in cohort for e in p.episodes for r in e.reasons))


def test_counts_per_stop_state(cohort: Cohort) -> None:
    counts = Counter((e.stop, bool(e.reasons)) for p in cohort for e in p.episodes)
    # 31 stopped with reasons, 2 ongoing ('NA'), 16 with neither stop nor reason.
    assert {(NOT_RECORDED, True): 31, (ONGOING, False): 2, (NOT_RECORDED, False): 16} == dict(counts)


def test_ms_latencies_in_row_order(cohort: Cohort) -> None:
    expected = [4, 6, 6, 2, 8, 3, 4, 4, 2, 3, 5, 6, 3, 4, 3, 3, 5, 4]
    assert expected == [latency(p, Outcome.MS_ACTIVITY_CEASED) for p in cohort]


def test_psoriasis_latencies_in_row_order(cohort: Cohort) -> None:
    expected = [2, 3, 4, 2, 3, 2, 3, 1, 1, 1, 3, 3, 2, 1, 1, 2, 5, 3]
    assert expected == [latency(p, Outcome.COMORBIDITY_IMPROVED) for p in cohort]


def test_csf_not_done_for_two_patients(cohort: Cohort) -> None:
    not_done = [p.id for p in cohort if ms_diagnosis(p).csf is CSFBands.NOT_DONE]
    assert ["P13", "P14"] == not_done


def test_csf_positive_for_the_others(cohort: Cohort) -> None:
    assert 16 == sum(ms_diagnosis(p).csf is CSFBands.POSITIVE for p in cohort)


def test_three_patients_on_current_topical_treatment(cohort: Cohort) -> None:
    current = [p.id for p in cohort for t in p.comorbidity_treatments if t.current]
    assert ["P04", "P11", "P17"] == current


def test_baseline_edss_per_row(cohort: Cohort) -> None:
    expected = [2, 4, 4, 2, 2.5, 4, 4.5, 5, 1, 2.5, 3, 2.5, 3.5, 3, 2.5, 4, 3, 3]
    assert expected == [p.baseline_edss.score if p.baseline_edss else None for p in cohort]


def test_ms_diagnosis_years(cohort: Cohort) -> None:
    # fmt: off
    expected = [
        2007, 2001, 2005, 2007, 1987, 1999, 1996,
        1989, 2008, 2001, 1999,
        2012, 2002, 2009, 2011, 2008, 2006, 2003,
    ]
    # fmt: on
    assert expected == [diagnosis_year(p, Condition.MULTIPLE_SCLEROSIS) for p in cohort]


def test_psoriasis_diagnosis_years(cohort: Cohort) -> None:
    # fmt: off
    expected = [
        2007, 2005, 2005, 2002, 1999, 1998, 1999,
        2001, 2011, 2000, 2002,
        2010, 2002, 2009, 1996, 2001, 2004, 2001,
    ]
    # fmt: on
    assert expected == [diagnosis_year(p, Condition.PSORIASIS) for p in cohort]


def test_total_of_forty_nine_episodes(cohort: Cohort) -> None:
    assert 49 == sum(len(p.episodes) for p in cohort)


# -- row by row -------------------------------------------------------------------------------


@pytest.mark.parametrize(("number", "expected"), patients_by_row())
def test_episodes_of_each_row(cohort: Cohort, number: int, expected: Row) -> None:
    found = [
        (e.therapy.name, e.start, e.stop, e.reasons, e.edss.score if e.edss else None)
        for e in patient_of(cohort, number).episodes
    ]
    assert [read_drug(d) for d in expected.drugs] == found


@pytest.mark.parametrize(("number", "expected"), patients_by_row())
def test_diagnoses_and_edss_of_each_row(cohort: Cohort, number: int, expected: Row) -> None:
    patient = patient_of(cohort, number)
    ms, ps = ms_diagnosis(patient), patient.diagnosis(Condition.PSORIASIS)
    assert (
        (PartialDate(expected.ms_dx), CSF[expected.csf], PartialDate(expected.ps_dx), None),
        (expected.baseline, expected.last_edss),
    ) == (
        (ms.date, ms.csf, ps.date if ps else None, ps.csf if ps else "no psoriasis diagnosis"),
        (
            patient.baseline_edss.score if patient.baseline_edss else None,
            patient.last_edss.score if patient.last_edss else None,
        ),
    )


@pytest.mark.parametrize(("number", "expected"), patients_by_row())
def test_psoriasis_treatment_of_each_row(cohort: Cohort, number: int, expected: Row) -> None:
    treatments = patient_of(cohort, number).comorbidity_treatments
    history = [t.modalities for t in treatments if not t.current]
    current = [t.modalities for t in treatments if t.current]
    expected_current = [(Modality.TOPICAL,)] if expected.current == "Topical" else []
    assert ([MODALITIES[expected.ps_treatment]], expected_current) == (history, current)


@pytest.mark.parametrize(("number", "expected"), patients_by_row())
def test_latencies_count_from_the_first_natalizumab_episode(
    cohort: Cohort, number: int, expected: Row
) -> None:
    patient = patient_of(cohort, number)
    first_nat = [d.name for d in expected.drugs].index("Nat")
    found = sorted(
        (o.outcome.value, o.episode, o.latency_months, o.date, o.grade) for o in patient.observations
    )
    assert (
        sorted(
            [
                (Outcome.MS_ACTIVITY_CEASED.value, first_nat, expected.ms_months, None, None),
                (Outcome.COMORBIDITY_IMPROVED.value, first_nat, expected.ps_months, None, None),
            ]
        )
        == found
    )


def paradigm(names: list[str]) -> str:
    """The study's grouping, from the therapies before the first natalizumab start."""
    before = names[: names.index("natalizumab")]
    if "interferon beta" not in before:
        return "no IFN"
    return "direct" if before[-1] == "interferon beta" else "indirect"


def test_my_groups_follow_the_paradigm_of_my_therapies() -> None:
    found = [paradigm([DRUG[d.name] for d in r.drugs]) for r in ROWS]
    assert ["direct"] * 7 + ["indirect"] * 4 + ["no IFN"] * 7 == found


def test_the_cohorts_therapies_give_the_published_groups(cohort: Cohort) -> None:
    found = [paradigm([e.therapy.name for e in p.episodes]) for p in cohort]
    assert ["direct"] * 7 + ["indirect"] * 4 + ["no IFN"] * 7 == found


# -- the reading conventions of metadata.description ------------------------------------------


def test_na_means_ongoing(cohort: Cohort) -> None:
    ongoing = [(p.id, i) for p in cohort for i, e in enumerate(p.episodes) if e.stop is ONGOING]
    assert [("P06", 1), ("P07", 1)] == ongoing


def test_a_blank_reason_means_not_recorded_without_reasons(cohort: Cohort) -> None:
    episodes = [patient_of(cohort, 12).episodes[1], patient_of(cohort, 16).episodes[0]]
    assert [(NOT_RECORDED, (), None)] * 2 == [(e.stop, e.reasons, e.stopped) for e in episodes]


def test_no_stop_dates_are_recorded(cohort: Cohort) -> None:
    assert [] == [e for p in cohort for e in p.episodes if isinstance(e.stop, PartialDate)]


def test_every_date_is_year_precise(cohort: Cohort) -> None:
    dates = [
        *(e.start for p in cohort for e in p.episodes),
        *(d.date for p in cohort for d in p.diagnoses if d.date is not None),
        *(o.date for p in cohort for o in p.observations if o.date is not None),
        *(p.last_follow_up for p in cohort if p.last_follow_up is not None),
    ]
    assert (49 + 36, {Precision.YEAR}) == (len(dates), {d.precision for d in dates})


def test_description_states_the_reading_conventions(cohort: Cohort) -> None:
    description = cohort.metadata.description
    assert all(word in description for word in ("'NA'", "ongoing", "blank", "not recorded", "year precision"))


def test_the_loader_is_deterministic_and_round_trips(cohort: Cohort) -> None:
    assert (cohort, cohort) == (load_natalizumab_psoriasis(), loads(dumps(cohort), Cohort))


# -- helpers ----------------------------------------------------------------------------------


def read_drug(drug: Drug) -> tuple[str, PartialDate, object, tuple[SwitchReason, ...], float | None]:
    """My reading of one therapy cell group as the model should hold it."""
    reasons: tuple[SwitchReason, ...]
    if drug.reason == "NA":
        stop, reasons = ONGOING, ()
    elif not drug.reason:
        stop, reasons = NOT_RECORDED, ()
    else:
        stop, reasons = NOT_RECORDED, tuple(REASON[code] for code in drug.reason.split(", "))
    return (DRUG[drug.name], PartialDate(drug.year), stop, reasons, drug.edss)


def latency(patient: Patient, outcome: Outcome) -> int | None:
    return next(o.latency_months for o in patient.observations if o.outcome is outcome)


def ms_diagnosis(patient: Patient) -> Diagnosis:
    found = patient.diagnosis(Condition.MULTIPLE_SCLEROSIS)
    assert found is not None
    return found


def diagnosis_year(patient: Patient, condition: Condition) -> int | None:
    found = patient.diagnosis(condition)
    return found.date.year if found is not None and found.date is not None else None
