"""Hostile JSON at the boundary: only the library's errors, naming positions and paths, never text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dmt_timeline.errors import CohortFormatError
from dmt_timeline.model import MAX_TEXT_LENGTH, Cohort, CohortMetadata, Patient
from dmt_timeline.serialize import _json, dumps, load_cohort, loads, save_cohort, structure
from tests.leaks import SENTINELS, assert_own_error, exception_chain

NAME, NOTE, DAY = SENTINELS


def refusal(text: str | bytes, cls: type = Cohort) -> CohortFormatError:
    """The error ``loads`` raises for ``text``, checked to be the library's own and leak-free."""
    with pytest.raises(CohortFormatError) as caught:
        loads(text, cls)
    assert_own_error(caught.value)
    assert [caught.value] == list(exception_chain(caught.value)), "a third-party error is chained"
    return caught.value


@pytest.fixture(params=["orjson", "json"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs with orjson first (the ``fast`` extra), and with the standard library only."""
    if request.param == "json":
        monkeypatch.setattr(_json, "_fast_reader", lambda: None)
    return str(request.param)


@pytest.mark.parametrize("cls", [Cohort, Patient])
def test_deep_nesting_is_refused_at_its_position(reader: str, cls: type) -> None:
    error = refusal("[" * 5000 + "]" * 5000, cls)
    assert ("line 1 column 513: nested more than 512 levels deep",) == error.problems


def test_a_number_too_long_to_read_is_refused_at_its_position(reader: str) -> None:
    error = refusal('{"patients": [], "metadata":\n 1' + "0" * 5000 + "}")
    assert ("line 2 column 2: a number of more than 4300 digits",) == error.problems


def test_a_long_run_of_digits_in_text_is_not_the_number_refused(reader: str) -> None:
    text = '{"patients": [{"id": "' + "1" * 5000 + '"}], "metadata": ' + "1" * 5000 + "}"
    assert ("line 1 column 5040: a number of more than 4300 digits",) == refusal(text).problems


def test_bad_json_is_refused_by_position_without_the_text(reader: str) -> None:
    error = refusal(f'{{"patients": [{{"id": "{NAME}", "note": "{NOTE}" ]}}')
    assert ("line 1 column 72: Expecting ',' delimiter",) == error.problems


def test_bytes_that_are_not_utf8_are_refused_by_position(reader: str) -> None:
    data = f'{{"patients": [\n{{"id": "{NAME}\xff"}}]}}'.encode("latin-1")
    assert ("line 2 byte 22: not UTF-8 text",) == refusal(data).problems


def test_a_utf8_lone_surrogate_is_not_utf8(reader: str) -> None:
    data = b'{"patients": [{"id": "P\xed\xa0\x80"}]}'
    assert ("line 1 byte 24: not UTF-8 text",) == refusal(data).problems


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        ('{"patients": [{"id": "P\\ud800"}]}', "patients[0].id"),
        ('{"patients": [{"id": "P1", "labels": {"a": "\\udfff"}}]}', "patients[0].labels.a"),
        ('{"patients": [], "metadata": {"source": "x\\ud800y"}}', "metadata.source"),
        ('{"patients": [{"id": "P1", "episodes": [{"therapy": "\\ud83d", "start": "2001"}]}]}', "therapy"),
    ],
)
def test_a_lone_surrogate_is_refused_naming_its_path(reader: str, doc: str, path: str) -> None:
    (problem,) = refusal(doc).problems
    assert path in problem
    assert "lone surrogate" in problem


def test_a_lone_surrogate_in_a_key_is_refused(reader: str) -> None:
    (problem,) = refusal('{"patients": [{"id": "P1", "\\ud800": 1}]}').problems
    assert "patients[0]: a key holds a lone surrogate, which is not text" == problem


@pytest.mark.parametrize(
    ("doc", "cls", "problem"),
    [
        ({"id": "P\ud800"}, Patient, "patients[0]: id: 'P\\ud800' holds a lone surrogate, which is not text"),
        ({"source": "\udc00"}, CohortMetadata, "source: '\\udc00' holds a lone surrogate, which is not text"),
    ],
)
def test_structure_refuses_a_lone_surrogate_in_python_text(doc: Any, cls: type, problem: str) -> None:
    with pytest.raises(CohortFormatError) as caught:
        structure(doc, cls)
    assert (problem,) == caught.value.problems


def test_what_is_read_can_always_be_saved(tmp_path: Path, reader: str) -> None:
    text = '{"patients": [{"id": "P1", "labels": {"n\\u00e9": "\\ud83d\\ude00"}}]}'  # a valid pair
    cohort = loads(text, Cohort)
    save_cohort(cohort, tmp_path / "c.json")
    assert cohort == load_cohort(tmp_path / "c.json")


EPISODES_TWICE = (
    '{"patients": [{"id": "P1", "episodes": [{"therapy": "IFNb", "start": "2001"}], '
    '"episodes": [{"therapy": "Nat", "start": "2005"}]}]}'
)


def test_a_key_given_twice_is_refused_naming_its_path(reader: str) -> None:
    # Before: the first episodes list vanished silently.
    error = refusal(EPISODES_TWICE)
    assert ("patients[0]: key 'episodes' given more than once in one object",) == error.problems


def test_a_key_given_twice_is_found_when_a_colon_is_written_as_an_escape(reader: str) -> None:
    text = EPISODES_TWICE.replace('"P1"', '"P\\u003a1"')
    assert "key 'episodes' given more than once" in refusal(text).problems[0]


def test_a_key_given_twice_is_found_when_text_holds_colons(reader: str) -> None:
    text = EPISODES_TWICE.replace('"P1"', '"P:1"').replace('"start": "2001"}]', '"start": "2001"}], "x": 1')
    problems = refusal(text).problems
    assert "patients[0]: key 'episodes' given more than once in one object" in problems


def test_colons_in_text_do_not_make_a_key_repeat(reader: str) -> None:
    text = '{"patients": [{"id": "P:1", "labels": {"a:b": "c::d"}}], "metadata": {"source": ":"}}'
    assert "P:1" == loads(text, Cohort).patients[0].id


def test_an_id_with_a_newline_cannot_forge_a_line(reader: str) -> None:
    forged = "P1\n  - patient P2: everything is fine"
    doc = {"patients": [{"id": forged, "episodes": [{"therapy": "nope", "start": "2001"}]}]}
    error = refusal(json.dumps(doc))
    assert 1 == len(error.problems)
    assert "\n" not in error.problems[0]
    assert str(error).count("\n") == 1


def test_messages_are_bounded_whatever_the_values(reader: str) -> None:
    huge = "x" * 100_000
    doc = {
        "patients": [
            {"id": huge, "episodes": [{"therapy": huge, "start": huge, "stop": huge, "reasons": [huge]}]},
            {"id": "P2", huge: 1, "labels": {"a": huge}},
            {"id": "P3", "episodes": [{"therapy": "Nat", "start": "2001", "edss": huge}]},
        ],
        "metadata": {"source": huge},
        huge: 2,
    }
    error = refusal(json.dumps(doc))
    assert error.problems
    assert all(len(problem) < 300 for problem in error.problems)


def test_text_longer_than_the_bound_is_refused_naming_the_field(reader: str) -> None:
    doc = {"patients": [{"id": "P1", "labels": {"note": "x" * (MAX_TEXT_LENGTH + 1)}}]}
    expected = (
        f"patient 'P1': labels: text of {MAX_TEXT_LENGTH + 1} characters: more than the "
        f"{MAX_TEXT_LENGTH} a value may have",
    )
    assert expected == refusal(json.dumps(doc)).problems


@pytest.mark.parametrize(
    "extra",
    [
        {"nickname": NAME},
        {"episodes": [{"therapy": "Nat", "start": "2001", "note": NOTE}]},
        {"labels": {"a": 1, "b": DAY}},
        {"episodes": [{"therapy": "Nat", "start": "20x1", "stop": DAY}]},
    ],
)
def test_unknown_keys_values_are_never_shown_nor_chained(reader: str, extra: dict[str, Any]) -> None:
    refusal(json.dumps({"patients": [{"id": "P1", **extra}]}))
    refusal(json.dumps({"id": "P1", **extra}), Patient)


def test_unknown_keys_are_named_a_few_at_a_time(reader: str) -> None:
    doc = {"patients": [], **{f"k{i}": i for i in range(20)}}
    expected = ("unknown fields 'k0', 'k1', 'k10', 'k11', 'k12' and 15 more",)
    assert expected == refusal(json.dumps(doc)).problems


@pytest.mark.parametrize(
    ("written", "read"), [(" P01", "P01"), ("P01 ", "P01"), ("\tP01\n", "P01"), ("P 01", "P 01")]
)
def test_ids_follow_the_one_rule_every_reader_shares(reader: str, written: str, read: str) -> None:
    assert read == loads(json.dumps({"patients": [{"id": written}]}), Cohort).patients[0].id


@pytest.mark.parametrize("written", ["", " ", "\n"])
def test_an_empty_id_is_refused(reader: str, written: str) -> None:
    expected = ("patients[0]: id: patient id is empty",)
    assert expected == refusal(json.dumps({"patients": [{"id": written}]})).problems


def test_ids_that_are_one_id_by_the_rule_are_one_patient(reader: str) -> None:
    problems = refusal(json.dumps({"patients": [{"id": "P01"}, {"id": " P01"}]})).problems
    assert "patient 'P01': id: also used by patients[0]; ids must be unique in a cohort" in problems


@pytest.mark.parametrize("written", [1, 1.0, True, None, ["P1"]])
def test_an_id_that_is_not_text_is_refused(reader: str, written: object) -> None:
    (problem,) = refusal(json.dumps({"patients": [{"id": written}]})).problems
    assert problem.startswith("patients[0]: id: patient id ")
    assert problem.endswith(": expected text")


def test_a_file_that_cannot_be_read_keeps_no_oserror(tmp_path: Path) -> None:
    with pytest.raises(CohortFormatError) as caught:
        load_cohort(tmp_path / "missing.json")
    assert [caught.value] == list(exception_chain(caught.value))


def test_a_refused_file_keeps_no_chain(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(f'{{"patients": [{{"id": "{NAME}"]}}', encoding="utf-8")
    with pytest.raises(CohortFormatError) as caught:
        load_cohort(path)
    assert_own_error(caught.value)
    assert [caught.value] == list(exception_chain(caught.value))


def test_a_valid_cohort_still_round_trips_with_either_reader(reader: str) -> None:
    from dmt_timeline.datasets import load_natalizumab_psoriasis  # noqa: PLC0415 - only here

    cohort = load_natalizumab_psoriasis()
    assert cohort == loads(dumps(cohort), Cohort)
