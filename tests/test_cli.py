"""The ``dmt-timeline`` command: every subcommand, its exit status and its errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

from dmt_timeline.cli import main
from dmt_timeline.studies import natalizumab_psoriasis

FAST = ["--resamples", "199"]
BUNDLED = Path(str(files("dmt_timeline.datasets").joinpath("natalizumab_psoriasis.json")))


def command() -> str:
    """The installed console script of the running environment."""
    beside = Path(sys.executable).with_name("dmt-timeline")
    found = str(beside) if beside.exists() else shutil.which("dmt-timeline")
    if found is None:  # pragma: no cover - the package is installed for the tests
        pytest.fail("the dmt-timeline command is not installed")
    return found


def test_reproduce_prints_the_claims_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert 1 == main(["reproduce", *FAST])
    out = capsys.readouterr().out
    assert out.startswith(natalizumab_psoriasis.TITLE)
    assert "differs: no_systemic_psoriasis_treatment" in out
    assert "Kruskal-Wallis across the paradigms" in out


def test_reproduce_json_parses(capsys: pytest.CaptureFixture[str]) -> None:
    assert 1 == main(["reproduce", "--json", *FAST])
    doc = json.loads(capsys.readouterr().out)
    assert 31 == len(doc["claims"])
    assert not doc["all_derivable_agree"]
    assert [199, 199, 199] == [c["n_resamples"] for c in doc["comparisons"]]


def test_reproduce_exits_0_when_every_derivable_claim_agrees(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Were the text to say what the table says, nothing would differ.
    monkeypatch.setitem(natalizumab_psoriasis.PUBLISHED, "no_systemic_psoriasis_treatment", "18 of 18")
    assert 0 == main(["reproduce", *FAST])
    assert "every derivable claim agrees" in capsys.readouterr().out


def test_reproduce_reads_a_cohort_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert 1 == main(["reproduce", str(BUNDLED), "--json", *FAST])
    assert 18 == json.loads(capsys.readouterr().out)["cohort"]["patients"]


def test_bare_command_shows_the_report_and_succeeds() -> None:
    # The README's main command, as a user runs it: the installed script with no arguments. It
    # shows the report; only `reproduce` turns a differing claim into exit status 1.
    done = subprocess.run([command()], capture_output=True, text=True, check=False, timeout=120)
    assert 0 == done.returncode
    assert done.stdout.startswith(natalizumab_psoriasis.TITLE)
    assert "" == done.stderr


def test_help_documents_the_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["reproduce", "--help"])
    assert 0 == exit_info.value.code
    out = capsys.readouterr().out
    assert "exit status" in out
    assert "16 of 18" in out


def test_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["summary"])
    assert capsys.readouterr().out.startswith("18 patients, 49 therapy episodes")


def test_describe_bundled_cohort(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["describe"])
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    assert "18 patients, 49 therapy episodes" == lines[0]
    # Rows 1-7 direct, 8-11 indirect, 12-18 no interferon beta before natalizumab.
    for expected in ("direct 7", "indirect 4", "none 7", "natalizumab 19", "interferon beta 11"):
        assert expected in lines
    assert "MS 18 observed, 0 censored; months min 2, median 4, max 8" in lines
    assert "psoriasis 18 observed, 0 censored; months min 1, median 2, max 5" in lines
    assert "indeterminate (switch) 30" in lines


def test_describe_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["describe", str(BUNDLED)])
    assert capsys.readouterr().out.startswith("18 patients")


def test_validate_bundled_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["validate", str(BUNDLED)])
    assert f"{BUNDLED}: 18 patients, no problems\n" == capsys.readouterr().out


BROKEN = {
    "patients": [
        {"id": "A1", "episodes": [{"therapy": "GA", "start": "2007", "edss": 0.5}]},
        {
            "id": "A2",
            "episodes": [
                {"therapy": "GA", "start": "2005", "stop": "2010"},
                {"therapy": "Nat", "start": "2007"},
            ],
        },
        {"id": "A3", "episodes": [{"therapy": "Zzz", "start": "2007"}]},
        {"id": "A4", "episodes": [{"therapy": "Nat", "start": "2009"}]},
    ]
}


def test_validate_lists_every_problem_with_patient_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(BROKEN), encoding="utf-8")
    assert 1 == main(["validate", str(path)])
    out = capsys.readouterr().out.splitlines()
    assert f"{path}: 3 problems" == out[0]
    # Two that stop the file from being read, and one in a history that could be read.
    assert ["A1", "A3", "A2"] == [line.split()[2].rstrip(":").strip("'") for line in out[1:]]
    assert "EDSS 0.5" in out[1]
    assert "unknown therapy 'Zzz'" in out[2]
    assert "overlap by at least 24 months" in out[3]


def test_validate_reports_bad_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"patients": [', encoding="utf-8")
    assert 1 == main(["validate", str(path)])
    assert "line 1 column 15" in capsys.readouterr().out


@pytest.mark.parametrize("args", [["validate"], ["describe"], ["summary"], ["reproduce"]])
def test_missing_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    missing = tmp_path / "missing.json"
    assert 1 == main([*args, str(missing)])
    captured = capsys.readouterr()
    assert "" == captured.out
    assert f"dmt-timeline: cannot read {missing}: No such file or directory\n" == captured.err


def test_unreadable_cohort_is_an_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(BROKEN), encoding="utf-8")
    assert 1 == main(["describe", str(path)])
    err = capsys.readouterr().err
    assert err.startswith(f"dmt-timeline: {path}: cannot read a Cohort: 2 problems")
    assert "Traceback" not in err


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["reproduce", "--resamples", "0"])
    assert 2 == exit_info.value.code
    assert "0 is not a positive number" in capsys.readouterr().err


def test_command_module_imports_no_scipy() -> None:
    code = "import sys, dmt_timeline.cli; print('scipy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "False" == done.stdout.strip()


# -- what to ask of a cohort: index, source, outcomes, grace period --------------------------------

MS_ONLY = {
    "patients": [
        {
            "id": "M1",
            "episodes": [
                {"therapy": "GA", "start": "2010-01", "stop": "2012-03"},
                {"therapy": "ocrelizumab", "start": "2012-04", "stop": "ongoing"},
            ],
            "diagnoses": [{"condition": "multiple sclerosis"}],
            "last_follow_up": "2016-06",
        }
    ]
}


def _ms_only(tmp_path: Path) -> Path:
    path = tmp_path / "ms_only.json"
    path.write_text(json.dumps(MS_ONLY), encoding="utf-8")
    return path


def test_describe_a_file_asks_no_study_question(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["describe", str(_ms_only(tmp_path))])
    out = capsys.readouterr().out
    assert "natalizumab" not in out
    assert "latencies" not in out


def test_describe_takes_index_source_outcomes_and_grace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _ms_only(tmp_path)
    args = [
        "describe",
        str(path),
        "--index",
        "OCR",
        "--source",
        "class:glatiramer acetate",
        "--grace-months",
        "0",
    ]
    assert 0 == main(args)
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    assert "transitions by kind (0-month grace period):" in lines
    assert "glatiramer acetate -> first ocrelizumab start, by transfer kind:" in lines
    assert "latencies after the first ocrelizumab start:" in lines
    # The cohort names MS only: no psoriasis line.
    assert ["MS 0 observed, 1 censored"] == [line for line in lines if line.startswith(("MS", "psoriasis"))]


def test_describe_refuses_an_outcome_that_is_no_condition_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 1 == main(["describe", str(_ms_only(tmp_path)), "--index", "OCR", "--outcome", " "])
    assert "outcome: condition name ' ' is blank" in capsys.readouterr().err


def test_describe_takes_any_condition_as_an_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(_ms_only(tmp_path))
    assert 0 == main(["describe", path, "--index", "OCR", "--outcome", "Myasthenia gravis"])
    assert "  Myasthenia gravis 0 observed, 0 censored" in capsys.readouterr().out.splitlines()


def test_summary_takes_the_same_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["summary", str(_ms_only(tmp_path)), "--index", "ocrelizumab", "--grace-months", "1"])
    out = capsys.readouterr().out
    assert "transitions by kind (1-month grace period):" in out
    assert "latencies after the first ocrelizumab start:" in out


def test_summary_without_options_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["summary"])
    assert "transitions" not in capsys.readouterr().out


def test_plot_response_of_a_file_needs_an_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert 1 == main(["plot", "response", str(_ms_only(tmp_path)), "-o", str(tmp_path / "r.svg")])
    assert "pass --index THERAPY" in capsys.readouterr().err


_FHIR = Path(__file__).parent / "data" / "fhir"


def test_summary_reads_a_fhir_export(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["summary", f"fhir:{_FHIR / 'ms' / 'export.ndjson'}"])
    out = capsys.readouterr().out
    assert out.startswith("2 patients, 2 therapy episodes")
    assert "dimethyl fumarate" in out
    assert "ofatumumab" in out


def test_a_fhir_export_counts_the_medications_it_skips(capsys: pytest.CaptureFixture[str]) -> None:
    # A Synthea bulk export: none of its seven medication orders is an MS therapy.
    assert 0 == main(["describe", f"fhir:{_FHIR / 'synthea-bulk'}"])
    captured = capsys.readouterr()
    assert "dmt-timeline: skipped 7 FHIR entries of medications not in the catalogue\n" == captured.err
    assert captured.out.startswith("2 patients, 0 therapy episodes")
