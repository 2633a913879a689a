"""Tests for the seeded synthetic cohorts and exposure tables."""

from __future__ import annotations

from collections import Counter

import pytest

from dmt_timeline.dates import PartialDate, Precision
from dmt_timeline.errors import InvalidValueError
from dmt_timeline.io.exposures import ExposureColumns, read_exposures_frame
from dmt_timeline.model import Cohort
from dmt_timeline.serialize import structure
from dmt_timeline.synthetic import synthetic_cohort, synthetic_cohort_document, synthetic_exposures
from dmt_timeline.timeline import Timeline

pytest.importorskip("numpy")
pytest.importorskip("pyarrow")

_COLUMNS = ExposureColumns(start="start", end="end", stop_reason="reason")
SHARES = {Precision.YEAR: 0.2, Precision.MONTH: 0.3}


def _dates(cohort: Cohort) -> list[PartialDate]:
    found: list[PartialDate] = []
    for patient in cohort:
        for episode in patient.episodes:
            found.append(episode.start)
            if isinstance(episode.stop, PartialDate):
                found.append(episode.stop)
    return found


def test_the_same_seed_gives_the_same_document() -> None:
    assert synthetic_cohort_document(200, seed=7) == synthetic_cohort_document(200, seed=7)


def test_another_seed_gives_another_document() -> None:
    assert synthetic_cohort_document(200, seed=7) != synthetic_cohort_document(200, seed=8)


def test_the_same_seed_gives_the_same_exposures() -> None:
    assert synthetic_exposures(200, seed=7).equals(synthetic_exposures(200, seed=7))


def test_the_cohort_is_the_document_read_through_the_boundary() -> None:
    doc = synthetic_cohort_document(100, seed=3, partial_date_share=SHARES)
    assert structure(doc, Cohort) == synthetic_cohort(100, seed=3, partial_date_share=SHARES)


def test_every_generated_patient_has_a_timeline() -> None:
    cohort = synthetic_cohort(1000, seed=11, partial_date_share=SHARES)
    timelines = [Timeline.of(patient) for patient in cohort]
    assert len(cohort) == len(timelines)


def test_the_requested_patients_are_made() -> None:
    assert 250 == len(synthetic_cohort(250, seed=1))


def test_precisions_meet_the_requested_shares() -> None:
    dates = _dates(synthetic_cohort(2000, seed=5, partial_date_share=SHARES))
    counts = Counter(d.precision for d in dates)
    shares = {p: counts[p] / len(dates) for p in Precision}
    expected = {Precision.YEAR: 0.2, Precision.MONTH: 0.3, Precision.DAY: 0.5}
    assert expected == {p: round(shares[p], 1) for p in Precision}


def test_no_partial_dates_when_none_are_asked_for() -> None:
    dates = _dates(synthetic_cohort(300, seed=5, partial_date_share={}))
    assert {Precision.DAY} == {d.precision for d in dates}


def test_shares_above_one_are_refused() -> None:
    with pytest.raises(InvalidValueError, match="partial_date_share"):
        synthetic_cohort_document(10, seed=1, partial_date_share={Precision.YEAR: 0.7, Precision.MONTH: 0.5})


def test_a_negative_size_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="n_patients -1"):
        synthetic_cohort_document(-1, seed=1)


def test_paths_start_on_platform_or_oral_therapies_mostly() -> None:
    cohort = synthetic_cohort(2000, seed=2, partial_date_share={})
    high = {"natalizumab", "ocrelizumab", "ofatumumab", "alemtuzumab", "rituximab"}
    first_high = sum(Timeline.of(p).episodes[0].therapy.name in high for p in cohort)
    assert 0.1 == round(first_high / len(cohort), 1)


def test_exposures_are_valid_rows_of_known_drugs() -> None:
    table = synthetic_exposures(100, seed=4)
    exposures = read_exposures_frame(table.to_pandas(), _COLUMNS)
    assert table.num_rows == len(exposures)


def test_exposures_have_about_five_rows_per_patient() -> None:
    table = synthetic_exposures(2000, seed=4)
    assert 5 == round(table.num_rows / 2000)
