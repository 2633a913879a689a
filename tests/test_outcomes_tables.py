"""Tidy tables of attributions, first relapses and NEDA-3: row for row the outcome functions'
results, so a cohort of objects and its table share one rule."""

from __future__ import annotations

import math

from hypothesis import given

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.events import EdssAssessment, MriScan, Relapse
from dmt_timeline.io.tables import (
    ATTRIBUTION_COLUMNS,
    FIRST_RELAPSE_COLUMNS,
    NEDA_COLUMNS,
    attributions_table,
    first_relapses_table,
    neda_table,
)
from dmt_timeline.model import ONGOING, Patient, TherapyEpisode
from dmt_timeline.outcomes import EffectWindows, cohort_attributions, cohort_first_relapses, cohort_neda
from dmt_timeline.regimens import load_regimens
from dmt_timeline.strategies import patients

IFN, FTY, NAT = CATALOGUE["IFNb"], CATALOGUE["fingolimod"], CATALOGUE["natalizumab"]
WINDOWS = EffectWindows(load_regimens({"regimen": []}), onset_months=3, carry_over_months={"fingolimod": 2})
COHORT = (
    Patient(
        id="a",
        episodes=[
            TherapyEpisode(IFN, "2015-01-10", "2017-06-30"),
            TherapyEpisode(FTY, "2017-07-01", ONGOING),
        ],
        last_follow_up="2020-12-31",
        relapses=[Relapse("2016-03-01"), Relapse("2017")],
        mri_scans=[MriScan("2018-02-01", 0, 0)],
        edss_assessments=[EdssAssessment("2017-07-01", 2.0), EdssAssessment("2018-07-01", 2.0)],
    ),
    Patient(
        id="b",
        episodes=[TherapyEpisode(FTY, "2019-01", "2019-06")],
        last_follow_up="2020",
        relapses=[Relapse("2019-07")],
    ),
)


def test_one_row_per_event_as_attributed() -> None:
    table = attributions_table(COHORT, windows=WINDOWS)
    assert len(ATTRIBUTION_COLUMNS) == len(table.columns)
    rows = [dict(zip(table.names, row, strict=True)) for row in table.rows]
    assert len(cohort_attributions(COHORT, windows=WINDOWS)) == len(rows)
    first = rows[0]
    assert ("a", "relapses", 0, "on therapy", 0, "interferon beta", "on therapy:0") == (
        first["patient_id"],
        first["event_kind"],
        first["event"],
        first["state"],
        first["episode"],
        first["therapy"],
        first["candidates"],
    )
    year = rows[1]
    assert ("undetermined", None, None) == (year["state"], year["episode"], year["therapy"])
    assert "on therapy:0;on therapy:1;onset window:1" == year["candidates"]  # a direct switch
    # b's relapse in July 2019 is within fingolimod's 2 months on every reading of the stop.
    assert ("carry-over", 0, "fingolimod") == (rows[-1]["state"], rows[-1]["episode"], rows[-1]["therapy"])


def test_first_relapses_and_neda_tables_are_the_results_row_for_row() -> None:
    table = first_relapses_table(COHORT, index="fingolimod")
    assert len(FIRST_RELAPSE_COLUMNS) == len(table.columns)
    found = cohort_first_relapses(COHORT, index="fingolimod")
    assert [(f.patient, f.observed.value, *f.days) for f in found] == [
        (r[0], r[5], r[6], r[7]) for r in table.rows
    ]
    assert math.inf == table.rows[0][-1]  # a: the relapse of "2017" may precede fingolimod
    neda = neda_table(COHORT, index="fingolimod", months=12)
    assert len(NEDA_COLUMNS) == len(neda.columns)
    assert [f.status for f in cohort_neda(COHORT, index="fingolimod", months=12)] == [
        r[neda.names.index("neda")] for r in neda.rows
    ]


@given(patients())
def test_every_event_of_any_patient_has_a_row_and_a_state(patient: Patient) -> None:
    table = attributions_table([patient])
    events = (
        len(patient.relapses)
        + len(patient.edss_assessments)
        + len(patient.mri_scans)
        + len(patient.assessments)
    )
    assert events == len(table)
    states = {"on therapy", "onset window", "carry-over", "untreated", "undetermined"}
    assert all(row[table.names.index("state")] in states for row in table.rows)


def test_results_show_short_reprs_with_the_id_quoted() -> None:
    attribution = cohort_attributions(COHORT, windows=WINDOWS)[1]
    expected = (
        "<Attribution 'a' relapses[1] 2017: on therapy (episodes[0]) | on therapy (episodes[1])"
        " | onset window (episodes[1])>"
    )
    assert expected == repr(attribution)
    first = cohort_first_relapses(COHORT, index="fingolimod")[0]
    # The relapse of "2017" may come before or after fingolimod's start in July.
    assert "<FirstRelapse 'a' episodes[1]: 0..1279 days, observed undetermined>" == repr(first)
    neda = cohort_neda(COHORT, index="fingolimod", months=12)[0]
    assert "<Neda 'a' episodes[1] months 0-12: cannot tell>" == repr(neda)
