"""Conditions: open by name, known ones with aliases and codes from data/conditions.toml."""

from __future__ import annotations

import copy
import json
import pickle
import tomllib
from importlib import resources
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import find, given
from hypothesis import strategies as st

from dmt_timeline import Condition, Diagnosis, PartialDate, Patient, TherapyEpisode, cohort_latencies
from dmt_timeline.batch import episode_latencies
from dmt_timeline.catalogue import CATALOGUE, Code
from dmt_timeline.errors import CohortFormatError, DmtTimelineError, InvalidValueError
from dmt_timeline.io.cells import ReadingOptions, read_conditions
from dmt_timeline.io.fhir import cohort_from_fhir
from dmt_timeline.io.layouts import parse_layout
from dmt_timeline.io.tables import diagnoses_table, episodes_table, observations_table
from dmt_timeline.io.wide import STUDY_LAYOUT, WideLayout, read_wide_rows, to_wide_rows
from dmt_timeline.model import Outcome, ResponseObservation
from dmt_timeline.serialize import dumps, loads
from dmt_timeline.strategies import conditions

MS = Condition.MULTIPLE_SCLEROSIS
_DATA: Any = tomllib.loads(resources.files("dmt_timeline").joinpath("data/conditions.toml").read_text())
_LISTED = [(item["name"], code) for item in _DATA["condition"] for code in item["codes"]]
_ASCII_WORDS = st.lists(
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10), min_size=1, max_size=4
)


# -- names -----------------------------------------------------------------------------------


def test_the_six_names_of_the_enum_remain() -> None:
    assert [
        "multiple sclerosis",
        "psoriasis",
        "psoriatic arthritis",
        "inflammatory bowel disease",
        "rheumatoid arthritis",
        "uveitis",
    ] == [
        c.name
        for c in (
            Condition.MULTIPLE_SCLEROSIS,
            Condition.PSORIASIS,
            Condition.PSORIATIC_ARTHRITIS,
            Condition.INFLAMMATORY_BOWEL_DISEASE,
            Condition.RHEUMATOID_ARTHRITIS,
            Condition.UVEITIS,
        )
    ]


def test_a_known_name_is_the_known_condition_itself() -> None:
    assert Condition("psoriasis") is Condition.PSORIASIS


def test_a_known_name_in_another_spelling_is_that_condition() -> None:
    assert (Condition.PSORIASIS, "psoriasis") == (Condition("  Psoriasis "), Condition(" PSORIASIS").name)


def test_an_alias_is_its_condition() -> None:
    assert Condition.INFLAMMATORY_BOWEL_DISEASE is Condition("ibd")


def test_an_unknown_name_is_an_open_condition_kept_as_written() -> None:
    condition = Condition("  Myasthenia Gravis ")

    assert ("Myasthenia Gravis", False, ()) == (condition.name, condition.is_known, condition.codes)


def test_iterating_the_class_gives_the_known_conditions_in_file_order() -> None:
    assert [item["name"] for item in _DATA["condition"]] == [c.name for c in Condition]


def test_aliases_come_from_the_data_file() -> None:
    assert {item["name"]: tuple(item["aliases"]) for item in _DATA["condition"]} == {
        c.name: c.aliases for c in Condition.known()
    }


@given(_ASCII_WORDS, st.data())
def test_names_compare_case_and_space_insensitively(words: list[str], data: st.DataObject) -> None:
    spaces = [data.draw(st.sampled_from([" ", "  ", "\u00a0", "\u2003"])) for _ in words]
    respelled = "".join(s + w.upper() for s, w in zip(spaces, words, strict=True)) + " "

    assert (Condition(" ".join(words)), hash(Condition(" ".join(words)))) == (
        Condition(respelled),
        hash(Condition(respelled)),
    )


@given(conditions())
def test_a_condition_is_its_own_name(condition: Condition) -> None:
    assert condition == Condition(condition.name)


@given(conditions())
def test_a_condition_survives_pickle_and_copy(condition: Condition) -> None:
    assert (condition, condition.codes) == (
        pickle.loads(pickle.dumps(condition)),
        copy.deepcopy(condition).codes,
    )


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "condition name '' is blank"),
        ("  \t", r"condition name '  \\t' is blank"),
        ("a\nb", r"condition name 'a\\nb' holds a control character or line break"),
        ("a\tb", r"condition name 'a\\tb' holds a control character or line break"),
        ("a\u2028b", r"condition name 'a\\u2028b' holds a control character or line break"),
        ("x" * 201, "has 201 characters, more than 200"),
        (7, "condition name 7 is not text"),
    ],
)
def test_a_name_that_is_no_name_is_refused(name: Any, problem: str) -> None:
    with pytest.raises(InvalidValueError, match=problem):
        Condition(name)


# -- codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "code"), _LISTED, ids=[f"{c['system']} {c['code']}" for _, c in _LISTED])
def test_each_listed_code_names_its_condition(name: str, code: dict[str, Any]) -> None:
    assert Condition(name) is Condition.by_code(code["system"], code["code"])


@pytest.mark.parametrize(("name", "code"), _LISTED, ids=[f"{c['system']} {c['code']}" for _, c in _LISTED])
def test_each_listed_code_has_a_source(name: str, code: dict[str, Any]) -> None:
    assert code["source"].strip()


@pytest.mark.parametrize(
    ("system", "code", "expected"),
    [
        ("ICD-10", "L40.0", Condition.PSORIASIS),
        ("ICD-10-CM", "g35.1", Condition.MULTIPLE_SCLEROSIS),  # below G35, in either case
        ("ICD-10", "G35", Condition.MULTIPLE_SCLEROSIS),
        ("ICD-10-CM", "L40.52", Condition.PSORIATIC_ARTHRITIS),  # below L40.5, not L40
        ("ICD-10", "L40.1", None),  # pustular psoriasis: L40 itself is not listed
        ("ICD-10", "L40.05", None),  # L40.0 is listed without the codes below it
        ("SNOMED CT", "24700007", Condition.MULTIPLE_SCLEROSIS),
        ("SNOMED CT", "2470000", None),  # SNOMED CT ids have no hierarchy in their digits
        ("ICD-10", "E11.9", Condition("diabetes type 2")),
        ("Read", "F20..", None),
    ],
)
def test_by_code(system: str, code: str, expected: Condition | None) -> None:
    assert expected == Condition.by_code(system, code)


@given(
    st.sampled_from([(n, c) for n, c in _LISTED if c.get("subcodes")]),
    st.from_regex(r"[0-9]{1,2}", fullmatch=True),
)
def test_an_icd_code_below_a_category_with_subcodes_is_that_condition(
    listed: tuple[str, dict[str, Any]], tail: str
) -> None:
    name, code = listed
    below = f"{code['code']}.{tail}" if "." not in code["code"] else f"{code['code']}{tail}"

    assert Condition(name) == Condition.by_code(code["system"], below)


def test_an_open_condition_keeps_its_codes() -> None:
    condition = Condition("myasthenia gravis", [("SNOMED CT", "91637004")])

    assert (Code("SNOMED CT", "91637004", ""),) == condition.codes


def test_a_code_of_another_known_condition_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="condition 'migrane': code ICD-10 'G43' is migraine"):
        Condition("migrane", [("ICD-10", "G43")])


def test_a_known_condition_with_more_codes_is_still_that_condition() -> None:
    more = Condition("psoriasis", [("SNOMED CT", "200965009")])

    assert (Condition.PSORIASIS, (Code("SNOMED CT", "200965009", ""),)) == (more, more.added_codes)


# -- the model, serialisation ----------------------------------------------------------------


def _patient(*conditions: Condition) -> Patient:
    nat = TherapyEpisode(CATALOGUE["natalizumab"], PartialDate(2010))
    return Patient(
        "P1",
        (nat,),
        tuple(Diagnosis(c, PartialDate(2005)) for c in conditions),
        tuple(
            ResponseObservation(Outcome.COMORBIDITY_IMPROVED, 0, c, latency_months=3)
            for c in conditions
            if c != MS
        ),
    )


@given(st.lists(conditions(ms=False), max_size=3, unique=True))
def test_any_condition_round_trips_through_json(found: list[Condition]) -> None:
    patient = _patient(*found)

    back = loads(dumps(patient), Patient)

    assert (patient, [d.condition.codes for d in patient.diagnoses]) == (
        back,
        [d.condition.codes for d in back.diagnoses],
    )


def test_a_known_condition_is_written_by_name_as_before() -> None:
    document = json.loads(dumps(_patient(Condition.PSORIASIS)))

    assert ["psoriasis", "psoriasis"] == [
        document["diagnoses"][0]["condition"],
        document["observations"][0]["condition"],
    ]


def test_an_open_condition_with_codes_is_written_with_them() -> None:
    document = json.loads(dumps(_patient(Condition("myasthenia gravis", [("SNOMED CT", "91637004")]))))

    assert {"name": "myasthenia gravis", "codes": [{"system": "SNOMED CT", "code": "91637004"}]} == document[
        "diagnoses"
    ][0]["condition"]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"codes": []}, "expected a name or an object with a name"),
        ({"name": "x", "codes": {}}, "condition codes an object: expected a list"),
        ({"name": "x", "codes": [{"system": "ICD-10"}]}, "expected an object with system and code"),
        (
            {"name": "x", "codes": [{"system": "ICD-10", "code": "G35"}]},
            "code ICD-10 'G35' is multiple sclerosis",
        ),
    ],
)
def test_a_condition_object_that_is_no_condition_is_refused(value: Any, problem: str) -> None:
    document = json.loads(dumps(_patient(Condition("x"))))
    document["diagnoses"][0]["condition"] = value

    with pytest.raises(DmtTimelineError, match=problem):
        loads(json.dumps(document), Patient)


# -- latencies -------------------------------------------------------------------------------


def test_latencies_exist_for_any_comorbidity() -> None:
    patient = _patient(Condition("myasthenia gravis"))

    found = cohort_latencies([patient], index="natalizumab")

    assert [("myasthenia gravis", True)] == [(f.outcome, f.observed) for f in found]


def test_the_batch_engine_gives_the_latencies_of_any_comorbidity() -> None:
    patients = [
        _patient(Condition("myasthenia gravis"), Condition.PSORIASIS),
        Patient("P2", (TherapyEpisode(CATALOGUE["natalizumab"], PartialDate(2010), PartialDate(2012)),)),
    ]
    expected = cohort_latencies(patients, index="natalizumab")

    table = episode_latencies(
        episodes_table(patients).to_arrow(),
        observations_table(patients).to_arrow(),
        index="natalizumab",
        diagnoses=diagnoses_table(patients).to_arrow(),
    )

    assert [(f.patient_id, f.outcome, f.months.low, f.months.high, f.observed) for f in expected] == list(
        zip(
            *(
                table[c].to_pylist()
                for c in ("patient_id", "outcome", "months_low", "months_high", "observed")
            ),
            strict=True,
        )
    )


@given(st.permutations(["Lupus", "lupus", "LUPUS "]))
def test_a_condition_written_several_ways_is_one_outcome_named_alike_by_both_paths(
    spellings: list[str],
) -> None:
    nat = TherapyEpisode(CATALOGUE["natalizumab"], PartialDate(2010), PartialDate(2012))
    patients = [
        Patient(
            f"P{i}",
            (nat,),
            (Diagnosis(Condition(name)),),
            (ResponseObservation(Outcome.COMORBIDITY_IMPROVED, 0, Condition(name), latency_months=i),),
        )
        for i, name in enumerate(spellings)
    ]
    expected = cohort_latencies(patients, index="natalizumab")

    table = episode_latencies(
        episodes_table(patients).to_arrow(),
        observations_table(patients).to_arrow(),
        index="natalizumab",
        diagnoses=diagnoses_table(patients).to_arrow(),
    )

    assert [("LUPUS", 0), ("LUPUS", 1), ("LUPUS", 2)] == [(f.outcome, f.months.low) for f in expected]
    assert [f.outcome for f in expected] == table["outcome"].to_pylist()


def test_the_batch_engine_refuses_a_blank_condition() -> None:
    patients = [_patient()]
    blank = pa.table({"patient_id": ["P1"], "condition": ["  "]})

    with pytest.raises(InvalidValueError, match=r"column condition: not a condition's name .* at row\(s\) 2"):
        episode_latencies(
            episodes_table(patients).to_arrow(),
            observations_table(patients).to_arrow(),
            index="natalizumab",
            diagnoses=blank,
        )


# -- readers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("", ()),
        ("NA", ()),
        ("Psoriasis", (Condition.PSORIASIS,)),
        ("depression; Migraine ;;", (Condition("depression"), Condition("migraine"))),
        ("psoriasis; PSORIASIS", (Condition.PSORIASIS,)),
        ("Ps; lupus", (Condition.PSORIASIS, Condition("lupus"))),
    ],
)
def test_a_cell_names_conditions_through_the_crosswalk(cell: str, expected: tuple[Condition, ...]) -> None:
    assert expected == read_conditions(cell, ReadingOptions(conditions={"PS": "psoriasis"}))


def test_a_crosswalk_to_no_name_is_refused() -> None:
    with pytest.raises(CohortFormatError, match="condition crosswalk 'x': condition name '' is blank"):
        read_conditions("x", ReadingOptions(conditions={"x": ""}))


_WIDE = WideLayout("id", STUDY_LAYOUT.therapies, ms_diagnosis="ms_dx", comorbidities="other conditions")


@given(
    st.lists(
        conditions(ms=False).filter(lambda c: ";" not in c.name and not c.added_codes),
        max_size=3,
        unique=True,
    )
)
def test_any_comorbidity_round_trips_through_the_wide_reader(found: list[Condition]) -> None:
    patient = Patient(
        "P1",
        (TherapyEpisode(CATALOGUE["natalizumab"], PartialDate(2010), sequence=1),),
        (Diagnosis(MS, PartialDate(2001)), *(Diagnosis(c) for c in found)),
    )

    rows = to_wide_rows([patient], _WIDE)
    back = read_wide_rows(rows, _WIDE).cohort

    assert [d.condition for d in patient.diagnoses] == [d.condition for d in back["P1"].diagnoses]


def test_a_dated_comorbidity_cannot_be_written_in_the_comorbidities_column() -> None:
    patient = Patient("P1", diagnoses=(Diagnosis(Condition("lupus"), PartialDate(2001)),))

    with pytest.raises(CohortFormatError, match=r"diagnoses\[0\]: 'lupus' diagnosed 2001"):
        to_wide_rows([patient], _WIDE)


def test_a_comorbidity_without_a_column_is_refused_not_dropped() -> None:
    patient = Patient("P1", diagnoses=(Diagnosis(Condition("lupus")),))

    with pytest.raises(CohortFormatError, match="'lupus' has no column in this wide layout"):
        to_wide_rows([patient], STUDY_LAYOUT)


def test_a_wide_toml_layout_reads_comorbidities_through_its_crosswalk() -> None:
    layout = parse_layout(
        """
kind = "wide"

[columns]
patient_id = "Patient"
comorbidities = "Other conditions"

[[therapies]]
therapy = "DMT"
start = "Start"

[crosswalk.conditions]
"Ps" = "psoriasis"
"HTN" = "hypertension"
"""
    )
    row = {"Patient": "P1", "DMT": "natalizumab", "Start": "2010", "Other conditions": "ps; HTN; lupus"}

    assert isinstance(layout, WideLayout)
    patient = read_wide_rows([row], layout).cohort["P1"]

    assert [MS, Condition.PSORIASIS, Condition("hypertension"), Condition("lupus")] == [
        d.condition for d in patient.diagnoses
    ]


def _fhir_condition(code: dict[str, Any]) -> dict[str, Any]:
    resource = {"resourceType": "Condition", "code": code, "subject": {"reference": "Patient/P01"}}
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": resource}]}


@given(conditions(known=False).filter(lambda c: not c.added_codes))
def test_any_condition_name_round_trips_through_fhir_text(condition: Condition) -> None:
    read = cohort_from_fhir(_fhir_condition({"text": condition.name}))

    assert (condition.name,) == tuple(d.condition.name for d in read["P01"].diagnoses)


def test_a_fhir_condition_with_an_unknown_code_is_named_by_its_display() -> None:
    coding = {"system": "http://snomed.info/sct", "code": "91637004", "display": "Myasthenia gravis"}

    condition = cohort_from_fhir(_fhir_condition({"coding": [coding]}))["P01"].diagnoses[0].condition

    assert ("Myasthenia gravis", (Code("SNOMED CT", "91637004", ""),)) == (condition.name, condition.codes)


def test_a_fhir_condition_known_by_code_is_that_condition_whatever_its_text() -> None:
    code = {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "G35"}], "text": "Demyelination"}

    assert MS is cohort_from_fhir(_fhir_condition(code))["P01"].diagnoses[0].condition


# -- strategies ------------------------------------------------------------------------------


def test_the_strategy_draws_open_conditions_too() -> None:
    assert not find(conditions(), lambda c: not c.is_known).is_known


def test_the_strategy_draws_coded_open_conditions() -> None:
    assert find(conditions(known=False), lambda c: bool(c.codes)).codes


@given(conditions(ms=False))
def test_the_comorbidity_strategy_never_draws_ms(condition: Condition) -> None:
    assert MS != condition
