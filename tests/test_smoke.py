"""The package imports lightly and its command runs on the bundled data."""

import subprocess
import sys

import pytest

import dmt_timeline
from dmt_timeline.cli import main


def test_import_does_not_pull_heavy_dependencies() -> None:
    code = (
        "import sys, dmt_timeline; "
        "print(sorted(m for m in ('scipy', 'hypothesis', 'matplotlib', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert "[]" == out.stdout.strip()


PUBLIC_NAMES = {
    "CATALOGUE",
    "CSFBands",
    "Catalogue",
    "Change",
    "Cohort",
    "CohortFormatError",
    "CohortMetadata",
    "ComorbidityTreatment",
    "Condition",
    "DEFAULT_GRACE_MONTHS",
    "DEFAULT_MAX_OVERLAP_MONTHS",
    "Diagnosis",
    "DmtTimelineError",
    "EDSS",
    "InvalidDateError",
    "InvalidValueError",
    "Latency",
    "Line",
    "MarketStatus",
    "Modality",
    "MonthRange",
    "NOT_RECORDED",
    "ONGOING",
    "Order",
    "Outcome",
    "PartialDate",
    "Patient",
    "Precision",
    "ResponseObservation",
    "Route",
    "SGI",
    "Sex",
    "StatsInputError",
    "StopState",
    "SwitchReason",
    "Therapy",
    "TherapyClass",
    "TherapyEpisode",
    "Timeline",
    "TimelineError",
    "Transfer",
    "TransferKind",
    "Transition",
    "TransitionKind",
    "TreatmentFreeInterval",
    "Truth",
    "UnknownTherapyError",
    "cohort_latencies",
    "dumps",
    "index_episode",
    "latency",
    "load_cohort",
    "loads",
    "months_between",
    "outcome_lag",
    "parse_reasons",
    "save_cohort",
    "structure",
    "to_censored_data",
    "transfer",
    "unstructure",
    "whole_months",
}


def test_public_names_are_pinned() -> None:
    # A name added to or removed from the public API is a decision: update this set with it.
    assert PUBLIC_NAMES == set(dmt_timeline.__all__)


def test_public_names_exist_once() -> None:
    names = dmt_timeline.__all__
    assert len(set(names)) == len(names)
    assert [n for n in names if not hasattr(dmt_timeline, n)] == []


def test_command_summarises_bundled_cohort(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["summary"])
    assert capsys.readouterr().out.startswith("18 patients, 49 therapy episodes")
