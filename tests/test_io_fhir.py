"""Tests for FHIR R4 out and back: episodes as MedicationStatement resources in a Bundle."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import CohortFormatError
from dmt_timeline.io.fhir import (
    ATC_SYSTEM,
    EDSS_EXTENSION,
    RXNORM_SYSTEM,
    SEQUENCE_EXTENSION,
    SWITCH_REASON_SYSTEM,
    EntryProblem,
    FhirRead,
    cohort_from_fhir,
    cohort_to_fhir,
    read_fhir,
    read_fhir_bundle,
)
from dmt_timeline.model import (
    EDSS,
    NOT_RECORDED,
    ONGOING,
    Cohort,
    CohortMetadata,
    Condition,
    Diagnosis,
    Patient,
    SwitchReason,
    TherapyEpisode,
)
from dmt_timeline.strategies import cohorts, patients
from tests.leaks import assert_own_error

NAT = CATALOGUE.get("natalizumab")
IFN = CATALOGUE.get("interferon beta")

EPISODES = (
    TherapyEpisode(
        IFN,
        PartialDate(2005, 3),
        PartialDate(2007),
        (SwitchReason.LOSS_OF_EFFECTIVENESS, SwitchReason.COMORBIDITY_WORSENING),
        EDSS(3.5),
        1,
    ),
    TherapyEpisode(NAT, PartialDate(2007, 6, 14), ONGOING, sequence=2),
)
COHORT = Cohort(
    (
        Patient("P01", EPISODES, diagnoses=(Diagnosis(Condition.PSORIASIS, PartialDate(2004)),)),
        Patient("P02", (TherapyEpisode(NAT, PartialDate(2010), NOT_RECORDED, (SwitchReason.SAFETY_RISK,)),)),
        Patient("P03", (TherapyEpisode(IFN, PartialDate(2001)),)),
    )
)


def _resource(bundle: dict[str, Any], index: int) -> dict[str, Any]:
    resource: dict[str, Any] = bundle["entry"][index]["resource"]
    return resource


def _episodes(cohort: Cohort) -> list[tuple[str, tuple[TherapyEpisode, ...]]]:
    return [(p.id, p.episodes) for p in cohort if p.episodes]


def _problems(bundle: dict[str, Any]) -> tuple[str, ...]:
    with pytest.raises(CohortFormatError) as info:
        cohort_from_fhir(bundle)
    return info.value.problems


def _broken(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    """The bundle of COHORT with its first resource changed in place by ``change``."""
    bundle = copy.deepcopy(cohort_to_fhir(COHORT))
    change(_resource(bundle, 0))
    return bundle


# -- writing --------------------------------------------------------------------------------


def test_bundle_is_a_collection() -> None:
    bundle = cohort_to_fhir(COHORT)

    assert ("Bundle", "collection") == (bundle["resourceType"], bundle["type"])


def test_one_medication_statement_per_episode() -> None:
    cohort = load_natalizumab_psoriasis()

    bundle = cohort_to_fhir(cohort)

    assert sum(len(p.episodes) for p in cohort) == len(bundle["entry"])


def test_subject_is_a_patient_reference() -> None:
    assert {"reference": "Patient/P01"} == _resource(cohort_to_fhir(COHORT), 0)["subject"]


def test_medication_carries_the_atc_and_rxnorm_codings_and_the_name() -> None:
    expected = {
        "coding": [
            {"system": ATC_SYSTEM, "code": "L04AA23", "display": "natalizumab"},
            {"system": RXNORM_SYSTEM, "code": "354770", "display": "natalizumab"},
        ],
        "text": "natalizumab",
    }

    assert expected == _resource(cohort_to_fhir(COHORT), 1)["medicationCodeableConcept"]


def test_medication_without_an_atc_code_carries_the_name_only() -> None:
    assert {"text": "interferon beta"} == _resource(cohort_to_fhir(COHORT), 0)["medicationCodeableConcept"]


def test_period_keeps_partial_dates_at_their_precision() -> None:
    assert {"start": "2005-03", "end": "2007"} == _resource(cohort_to_fhir(COHORT), 0)["effectivePeriod"]


@pytest.mark.parametrize(
    ("index", "status"),
    [(0, "completed"), (1, "active"), (2, "completed"), (3, "unknown")],
    ids=["stop date", "ongoing", "stopped without a date", "not recorded"],
)
def test_status_says_whether_the_episode_stopped(index: int, status: str) -> None:
    assert status == _resource(cohort_to_fhir(COHORT), index)["status"]


def test_status_reasons_are_coded_in_the_switch_reason_system() -> None:
    codes = [
        (coding["system"], coding["code"])
        for concept in _resource(cohort_to_fhir(COHORT), 0)["statusReason"]
        for coding in concept["coding"]
    ]

    assert [(SWITCH_REASON_SYSTEM, "LOE"), (SWITCH_REASON_SYSTEM, "Ps")] == codes


def test_sequence_and_edss_travel_as_extensions() -> None:
    expected = [
        {"url": SEQUENCE_EXTENSION, "valueInteger": 1},
        {"url": EDSS_EXTENSION, "valueDecimal": 3.5},
    ]

    assert expected == _resource(cohort_to_fhir(COHORT), 0)["extension"]


def test_episode_without_sequence_or_edss_has_no_extension() -> None:
    assert "extension" not in _resource(cohort_to_fhir(COHORT), 3)


# -- round trips ----------------------------------------------------------------------------


def test_bundled_cohort_round_trips_its_episodes() -> None:
    cohort = load_natalizumab_psoriasis()

    back = cohort_from_fhir(cohort_to_fhir(cohort))

    assert _episodes(cohort) == _episodes(back)


def test_round_trip_survives_json_text() -> None:
    text = json.dumps(cohort_to_fhir(COHORT))

    assert _episodes(COHORT) == _episodes(cohort_from_fhir(json.loads(text)))


def test_read_back_patients_hold_only_id_and_episodes() -> None:
    back = cohort_from_fhir(cohort_to_fhir(COHORT))

    assert Patient("P01", EPISODES) == back["P01"]


def test_patients_without_episodes_are_not_carried() -> None:
    cohort = Cohort((Patient("P01", EPISODES), Patient("P09")))

    assert ("P01",) == tuple(p.id for p in cohort_from_fhir(cohort_to_fhir(cohort)))


@given(cohorts(patients(max_episodes=4), max_size=4))
def test_generated_episodes_round_trip(cohort: Cohort) -> None:
    back = cohort_from_fhir(json.loads(json.dumps(cohort_to_fhir(cohort))))

    assert _episodes(cohort) == _episodes(back)


def test_interleaved_entries_are_grouped_by_patient_in_order() -> None:
    bundle = cohort_to_fhir(COHORT)
    bundle["entry"] = [bundle["entry"][i] for i in (0, 2, 1, 3)]

    assert _episodes(COHORT) == _episodes(cohort_from_fhir(bundle))


# -- reading what others write --------------------------------------------------------------


def test_status_stopped_reads_as_completed() -> None:
    bundle = _broken(lambda r: r.update(status="stopped"))

    assert EPISODES[0] == cohort_from_fhir(bundle)["P01"].episodes[0]


def test_codings_of_other_systems_are_ignored() -> None:
    rxnorm = {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "354770"}
    bundle = cohort_to_fhir(COHORT)
    _resource(bundle, 1)["medicationCodeableConcept"]["coding"].append(rxnorm)

    assert EPISODES[1] == cohort_from_fhir(bundle)["P01"].episodes[1]


def test_atc_code_alone_names_the_therapy() -> None:
    bundle = cohort_to_fhir(COHORT)
    del _resource(bundle, 1)["medicationCodeableConcept"]["text"]

    assert NAT == cohort_from_fhir(bundle)["P01"].episodes[1].therapy


# -- refusing bad input ---------------------------------------------------------------------

# Each changes the first statement (P01's first episode) and gives the one problem it causes.
BAD_STATEMENTS: list[tuple[Callable[[dict[str, Any]], object], str]] = [
    (
        lambda r: r.update(resourceType=7),
        "entry[0].resource.resourceType: 7 is not a resource type",
    ),
    (
        lambda r: r.pop("subject"),
        "entry[0].resource.subject: required field is missing",
    ),
    (
        lambda r: r.update(medicationCodeableConcept={"coding": [{"system": ATC_SYSTEM, "code": "X99"}]}),
        "patient 'P01': entry[0].resource.medicationCodeableConcept: "
        "medication 'http://www.whocc.no/atc|X99' is not in the catalogue",
    ),
    (
        lambda r: r.update(medicationCodeableConcept={"text": "aspirin"}),
        "patient 'P01': entry[0].resource.medicationCodeableConcept: "
        "medication 'aspirin' is not in the catalogue",
    ),
    (
        lambda r: r.update(effectivePeriod={"start": "2005-13"}),
        "patient 'P01': entry[0].resource.effectivePeriod.start: partial date '2005-13': "
        "month 13 is not in 1..12",
    ),
    (
        lambda r: r.update(effectivePeriod={"start": "2005-03", "end": "2004"}),
        "patient 'P01': entry[0].resource.effectivePeriod.end: stop 2004 is before start 2005-03",
    ),
    (
        lambda r: r.update(status="active"),
        "patient 'P01': entry[0].resource.status: 'active' contradicts effectivePeriod.end 2007",
    ),
]
BAD_STATEMENT_IDS = [
    "other resource type",
    "missing subject",
    "unknown ATC code",
    "unknown text",
    "bad date",
    "stop < start",
    "active with an end",
]


@pytest.mark.parametrize(("change", "problem"), BAD_STATEMENTS, ids=BAD_STATEMENT_IDS)
def test_bad_entry_is_refused_naming_index_and_field(
    change: Callable[[dict[str, Any]], object], problem: str
) -> None:
    assert (problem,) == _problems(_broken(change))


def test_every_problem_is_reported() -> None:
    bundle = cohort_to_fhir(COHORT)
    _resource(bundle, 1)["effectivePeriod"] = {"start": "2007-02-30"}
    _resource(bundle, 3)["status"] = "bogus"

    assert (
        "patient 'P01': entry[1].resource.effectivePeriod.start: "
        "partial date '2007-02-30': day 30 is not in 1..28 for 2007-02",
        "patient 'P03': entry[3].resource.status: "
        "'bogus' is not one of active, completed, entered-in-error, intended, not-taken, on-hold, "
        "stopped, unknown",
    ) == _problems(bundle)


def test_problems_never_echo_a_resource() -> None:
    bundle = _broken(lambda r: r.update(effectivePeriod={"start": {"secret": "name"}}))

    assert (
        "patient 'P01': entry[0].resource.effectivePeriod.start: an object is not a date such as '2007-03'",
    ) == _problems(bundle)


def test_reasons_on_an_active_statement_are_refused() -> None:
    bundle = cohort_to_fhir(COHORT)
    _resource(bundle, 1)["statusReason"] = _resource(bundle, 0)["statusReason"]

    assert (
        "patient 'P01': entry[1].resource.status: "
        "'active' contradicts statusReason: an ongoing episode has no stop reasons",
    ) == _problems(bundle)


def test_unknown_reason_code_is_refused() -> None:
    bundle = _broken(
        lambda r: r.update(statusReason=[{"coding": [{"system": SWITCH_REASON_SYSTEM, "code": "bored"}]}])
    )

    assert (
        "patient 'P01': entry[0].resource.statusReason[0].coding[0].code: "
        "'bored' is not one of LOE, tlrb, Ps, JCV+, Pregn, other, adverse event, "
        "increased risk of adverse event, disease progression, patient choice, unknown, PML risk",
    ) == _problems(bundle)


def test_invalid_edss_is_refused() -> None:
    bundle = _broken(lambda r: r.update(extension=[{"url": EDSS_EXTENSION, "valueDecimal": 0.5}]))

    assert (
        "patient 'P01': entry[0].resource.extension[0].valueDecimal: "
        "EDSS 0.5 is not a score: expected 0 or 1.0..10.0 in steps of 0.5",
    ) == _problems(bundle)


@pytest.mark.parametrize(
    ("status", "problem"),
    [
        ("active", "'active' contradicts effectivePeriod.end 2007"),
        ("unknown", "'unknown' contradicts a stop date or stop reasons: use 'completed'"),
    ],
)
def test_status_that_contradicts_a_stop_date_is_refused(status: str, problem: str) -> None:
    bundle = _broken(lambda r: r.update(status=status))

    assert (f"patient 'P01': entry[0].resource.status: {problem}",) == _problems(bundle)


def test_medication_reference_to_nothing_is_refused() -> None:
    def change(resource: dict[str, Any]) -> None:
        del resource["medicationCodeableConcept"]
        resource["medicationReference"] = {"reference": "Medication/1"}

    assert (
        "patient 'P01': entry[0].resource.medicationReference.reference: "
        "'Medication/1' names no Medication in the export",
    ) == _problems(_broken(change))


def test_entry_without_a_resource_is_refused() -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "urn:uuid:1"}]}

    assert ("entry[0].resource: expected an object (a FHIR resource)",) == _problems(bundle)


def test_a_document_that_is_not_a_bundle_is_refused() -> None:
    with pytest.raises(CohortFormatError) as info:
        cohort_from_fhir({"resourceType": "Patient", "id": "P01"})

    assert ("resourceType: 'Patient' is not 'Bundle'",) == info.value.problems


# -- validation against the FHIR models (fhir.resources, R4B: MedicationStatement is as in R4) --


def test_bundle_validates_as_fhir() -> None:
    models = pytest.importorskip("fhir.resources.R4B.bundle")
    bundle = cohort_to_fhir(COHORT)

    assert len(bundle["entry"]) == len(models.Bundle.model_validate(bundle).entry)


def test_every_medication_statement_validates_as_fhir() -> None:
    models = pytest.importorskip("fhir.resources.R4B.medicationstatement")
    bundle = cohort_to_fhir(load_natalizumab_psoriasis())
    statements = [entry["resource"] for entry in bundle["entry"]]

    validated = [models.MedicationStatement.model_validate(s) for s in statements]

    assert [s["status"] for s in statements] == [v.status for v in validated]


def test_fhir_validation_refuses_a_broken_statement() -> None:
    models = pytest.importorskip("fhir.resources.R4B.medicationstatement")
    statement = _resource(cohort_to_fhir(COHORT), 0)
    del statement["subject"]

    with pytest.raises(ValueError, match="subject"):
        models.MedicationStatement.model_validate(statement)


# -- skipping bad entries on request --------------------------------------------------------

SECRET = "Jane Roe, 12 Elm Street"


def _without(bundle: dict[str, Any], *indices: int) -> dict[str, Any]:
    """The bundle without the entries at ``indices``."""
    kept = [entry for i, entry in enumerate(bundle["entry"]) if i not in indices]
    return {**bundle, "entry": kept}


def _skipped(bundle: dict[str, Any]) -> FhirRead:
    return read_fhir_bundle(bundle, skip_bad_rows=True)


@pytest.mark.parametrize(("change", "problem"), BAD_STATEMENTS, ids=BAD_STATEMENT_IDS)
def test_bad_entry_is_skipped_on_request_and_reported(
    change: Callable[[dict[str, Any]], object], problem: str
) -> None:
    read = _skipped(_broken(change))

    assert (problem,) == tuple(str(p) for p in read.skipped)


@pytest.mark.parametrize("change", [change for change, _ in BAD_STATEMENTS], ids=BAD_STATEMENT_IDS)
def test_skipping_keeps_every_good_episode(change: Callable[[dict[str, Any]], object]) -> None:
    read = _skipped(_broken(change))

    assert [("P01", EPISODES[1:]), *_episodes(COHORT)[1:]] == _episodes(read.cohort)


@pytest.mark.parametrize("change", [change for change, _ in BAD_STATEMENTS], ids=BAD_STATEMENT_IDS)
def test_no_report_echoes_the_resource(change: Callable[[dict[str, Any]], object]) -> None:
    bundle = _broken(change)
    _resource(bundle, 0)["note"] = [{"text": SECRET}]
    with pytest.raises(CohortFormatError) as info:
        cohort_from_fhir(bundle)

    reports = [str(info.value), *map(str, _skipped(bundle).skipped)]

    assert [] == [report for report in reports if SECRET in report]


def test_skipped_problem_names_entry_patient_and_field() -> None:
    bundle = _broken(lambda r: r.update(effectivePeriod={"start": "2005-03", "end": "2004"}))

    assert (EntryProblem(0, "effectivePeriod.end", "stop 2004 is before start 2005-03", "P01"),) == _skipped(
        bundle
    ).skipped


def test_skipped_problem_of_an_unknown_patient_has_no_patient() -> None:
    assert (EntryProblem(0, "subject", "required field is missing"),) == _skipped(
        _broken(lambda r: r.pop("subject"))
    ).skipped


def test_skipping_reads_the_bundle_as_if_bad_entries_were_absent() -> None:
    bundle = cohort_to_fhir(COHORT)
    _resource(bundle, 1)["effectivePeriod"] = {"start": "2007-02-30"}
    _resource(bundle, 3)["status"] = "bogus"

    assert _episodes(cohort_from_fhir(_without(bundle, 1, 3))) == _episodes(_skipped(bundle).cohort)


def test_skipped_reports_exactly_the_skipped_entries() -> None:
    bundle = cohort_to_fhir(COHORT)
    _resource(bundle, 1)["effectivePeriod"] = {"start": "2007-02-30", "end": "2001-13"}
    _resource(bundle, 3)["status"] = "bogus"

    assert [(1, "P01"), (1, "P01"), (3, "P03")] == [(p.entry, p.patient_id) for p in _skipped(bundle).skipped]


def test_skipped_lists_the_same_problems_the_refusal_does() -> None:
    bundle = cohort_to_fhir(COHORT)
    _resource(bundle, 0)["subject"] = {"reference": "Group/7"}
    _resource(bundle, 2)["medicationCodeableConcept"] = {"text": "aspirin"}
    bundle["entry"].append({"fullUrl": "urn:uuid:1"})

    assert _problems(bundle) == tuple(str(p) for p in _skipped(bundle).skipped)


def test_patient_whose_every_statement_is_skipped_is_left_out() -> None:
    bundle = cohort_to_fhir(COHORT)
    _resource(bundle, 2)["medicationCodeableConcept"] = {"text": "aspirin"}

    read = _skipped(bundle)

    assert (("P01", "P03"), [(2, "P02")]) == (
        tuple(p.id for p in read.cohort),
        [(p.entry, p.patient_id) for p in read.skipped],
    )


def test_patients_keep_the_order_of_their_first_good_statement() -> None:
    bundle = cohort_to_fhir(COHORT)
    bundle["entry"] = [bundle["entry"][i] for i in (0, 2, 1, 3)]
    _resource(bundle, 0)["status"] = "bogus"

    assert ("P02", "P01", "P03") == tuple(p.id for p in _skipped(bundle).cohort)


def test_entry_without_a_resource_is_skipped_on_request() -> None:
    bundle = cohort_to_fhir(COHORT)
    bundle["entry"].insert(0, {"fullUrl": "urn:uuid:1"})

    read = _skipped(bundle)

    assert (_episodes(COHORT), ("entry[0].resource: expected an object (a FHIR resource)",)) == (
        _episodes(read.cohort),
        tuple(str(p) for p in read.skipped),
    )


def test_a_document_that_is_not_a_bundle_is_refused_even_when_skipping() -> None:
    with pytest.raises(CohortFormatError) as info:
        read_fhir_bundle({"resourceType": "Bundle", "entry": {}}, skip_bad_rows=True)

    assert ("entry: an object is not a list",) == info.value.problems


def test_read_without_skipping_refuses_as_cohort_from_fhir_does() -> None:
    bundle = _broken(lambda r: r.update(medicationCodeableConcept={"text": "aspirin"}))
    with pytest.raises(CohortFormatError) as info:
        read_fhir_bundle(bundle)

    assert _problems(bundle) == info.value.problems


def test_clean_bundle_round_trips_with_nothing_skipped() -> None:
    cohort = load_natalizumab_psoriasis()

    read = _skipped(json.loads(json.dumps(cohort_to_fhir(cohort))))

    assert (_episodes(cohort), ()) == (_episodes(read.cohort), read.skipped)


def test_read_carries_the_metadata_given() -> None:
    metadata = CohortMetadata(source="registry export")

    read = read_fhir_bundle(cohort_to_fhir(COHORT), skip_bad_rows=True, metadata=metadata)

    assert metadata == read.cohort.metadata


# -- hardening (issue 11): JSON types, Unicode, ids, files ------------------------------------


@pytest.mark.parametrize("status", [["active"], {"code": "active"}, 1, True, None])
def test_status_of_another_json_type_is_a_reported_problem(status: object) -> None:
    read = _skipped(_broken(lambda r: r.update(status=status)))

    assert [(0, "status")] == [(p.entry, p.field) for p in read.skipped]


@pytest.mark.parametrize(
    ("change", "field", "value"),
    [
        (lambda r: r.update(subject=["Patient/P01"]), "subject", "a list"),
        (lambda r: r.update(subject={"reference": 7}), "subject.reference", "7"),
        (
            lambda r: r.update(medicationCodeableConcept="natalizumab"),
            "medicationCodeableConcept",
            "'natalizumab'",
        ),
        (
            lambda r: r["medicationCodeableConcept"].update(coding={}),
            "medicationCodeableConcept.coding",
            "an object",
        ),
        (lambda r: r["medicationCodeableConcept"].update(text=3.5), "medicationCodeableConcept.text", "3.5"),
        (lambda r: r.update(effectivePeriod=[]), "effectivePeriod", "a list"),
        (lambda r: r.update(statusReason="LOE"), "statusReason", "'LOE'"),
        (lambda r: r.update(statusReason=[[1]]), "statusReason[0]", "a list"),
        (lambda r: r.update(extension=[None]), "extension[0]", "None"),
    ],
    ids=[
        "subject list",
        "reference number",
        "concept text",
        "coding object",
        "text number",
        "period list",
        "reasons text",
        "reason list",
        "extension null",
    ],
)
def test_a_json_type_mismatch_names_entry_field_and_value(
    change: Callable[[dict[str, Any]], object], field: str, value: str
) -> None:
    read = _skipped(_broken(change))

    assert [(0, field)] == [(p.entry, p.field) for p in read.skipped]
    assert read.skipped[0].message.startswith(value)


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.update(subject={"reference": "Patient/P\ud80001"}),
        lambda r: r.update(medicationCodeableConcept={"text": "natalizumab\udc00"}),
        lambda r: (
            r["medicationCodeableConcept"]["coding"][0].update(code="L04AA23\ud800")
            if "coding" in r["medicationCodeableConcept"]
            else r.update(medicationCodeableConcept={"coding": [{"system": ATC_SYSTEM, "code": "\ud800"}]})
        ),
    ],
    ids=["reference", "text", "code"],
)
def test_a_lone_surrogate_is_refused_at_the_boundary(change: Callable[[dict[str, Any]], object]) -> None:
    read = _skipped(_broken(change))

    assert 1 == len(read.skipped)
    assert "lone surrogate" in read.skipped[0].message
    str(read.skipped[0]).encode("utf-8")  # the report itself can be written


def test_reference_with_spaces_names_the_same_patient() -> None:
    bundle = cohort_to_fhir(COHORT)
    _resource(bundle, 1)["subject"] = {"reference": "Patient/ P01 "}

    assert ["P01", "P02", "P03"] == [p.id for p in cohort_from_fhir(bundle)]


def test_reference_to_a_blank_id_is_refused() -> None:
    bundle = _broken(lambda r: r.update(subject={"reference": "Patient/  "}))

    assert ("entry[0].resource.subject.reference: 'Patient/  ' names no patient (patient id is empty)",) == (
        _problems(bundle)
    )


def test_patient_id_with_a_newline_is_escaped_in_reports() -> None:
    bundle = _broken(lambda r: r.update(subject={"reference": "Patient/P01\nforged line"}, status=[]))

    (problem,) = _problems(bundle)

    assert "\n" not in problem


def test_read_fhir_reads_a_bundle_file(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(cohort_to_fhir(COHORT)), encoding="utf-8")

    assert _episodes(COHORT) == _episodes(read_fhir(path).cohort)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b'{"resourceType": "Bundle", "entry": [', "is not JSON (Expecting value at line 1 column 38)"),
        (
            b'{"resourceType": "Bundle", "note": "\xff Jane-Roe-0917"}',
            "is not UTF-8 (invalid byte at offset 36)",
        ),
        (
            b'{"resourceType": "Bundle", "entry": [], "entry": [{"x": "Jane-Roe-0917"}]}',
            "is not JSON this reader accepts: an object repeats a key",
        ),
        (b"[" * 100_000 + b"]" * 100_000, "is not JSON this reader accepts: nested too deeply"),
        (b'{"n": ' + b"9" * 5000 + b"}", "is not JSON this reader accepts: a number too long to read"),
    ],
    ids=["truncated", "not utf-8", "duplicate key", "deep", "huge number"],
)
def test_a_file_that_is_not_json_is_refused_without_its_content(
    tmp_path: Path, data: bytes, problem: str
) -> None:
    path = tmp_path / "bundle.json"
    path.write_bytes(data)

    with pytest.raises(CohortFormatError) as info:
        read_fhir(path)

    assert (f"file 'bundle.json' {problem}",) == info.value.problems
    assert_own_error(info.value)
    assert info.value.__context__ is None
