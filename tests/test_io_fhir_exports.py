"""Tests for reading FHIR as EHRs export it: the HL7 examples, Synthea, bulk NDJSON, and MS drugs."""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmt_timeline.catalogue import CATALOGUE, Route, Therapy, TherapyClass
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import CohortFormatError, InvalidValueError
from dmt_timeline.io.fhir import (
    PATIENT_ID_SYSTEM,
    FhirRead,
    cohort_from_fhir,
    cohort_to_fhir,
    read_fhir,
    read_fhir_bundle,
    therapies_in_text,
)
from dmt_timeline.model import (
    NOT_RECORDED,
    ONGOING,
    Cohort,
    Condition,
    Diagnosis,
    Patient,
    Sex,
    SwitchReason,
    TherapyEpisode,
)
from dmt_timeline.strategies import cohorts, patients

DATA = Path(__file__).parent / "data" / "fhir"
HL7 = DATA / "hl7-r4"
SYNTHEA = DATA / "synthea-bulk"
MS = DATA / "ms"


def _day(text: str) -> PartialDate:
    return PartialDate.parse(text)


def _episode(therapy: str, start: str, stop: str | object, *reasons: SwitchReason) -> TherapyEpisode:
    end = _day(stop) if isinstance(stop, str) else stop
    return TherapyEpisode(CATALOGUE.get(therapy), _day(start), end, reasons)


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def _hl7(name: str) -> dict[str, Any]:
    resource: dict[str, Any] = json.loads((HL7 / name).read_text(encoding="utf-8"))
    return resource


def _accounted(read: FhirRead) -> int:
    """Entries read, counted, dropped or reported: every entry must be one of them."""
    reported = {(p.source, p.entry) for p in read.skipped}
    counted = sum(n for _, n in read.ignored) + sum(n for _, n in read.unknown)
    return read.read + counted + len(read.dropped) + len(reported)


def _other(name: str) -> Therapy:
    """A drug outside MS, for a user catalogue (its class is irrelevant to reading and eras)."""
    return Therapy(name, name[:4], TherapyClass.ANTHRACENEDIONE, None, (Route.ORAL,))


# -- the HL7 R4 examples ---------------------------------------------------------------------

HL7_FILES = sorted(p.name for p in HL7.glob("*.json"))


@pytest.mark.parametrize("name", HL7_FILES)
def test_hl7_example_is_valid_r4b(name: str) -> None:
    resource = _hl7(name)
    kind = resource["resourceType"]
    module = importlib.import_module(f"fhir.resources.R4B.{kind.lower()}")

    assert resource["id"] == getattr(module, kind).model_validate(resource).id


@pytest.mark.parametrize("name", HL7_FILES)
def test_hl7_example_is_valid_r4(name: str) -> None:
    resource = _hl7(name)
    kind = resource["resourceType"]
    module = importlib.import_module(f"fhirclient.models.{kind.lower()}")

    assert resource == getattr(module, kind)(resource, strict=True).as_json()


def test_hl7_alemtuzumab_administration_is_an_exposure_of_its_local_day() -> None:
    # Lemtrada by an RxNorm product code the catalogue does not hold: the display names it.
    read = read_fhir_bundle(_bundle(_hl7("medicationadministrationexample3.json")))

    assert [("pat1", (_episode("alemtuzumab", "2015-01-15", "2015-01-15"),))] == [
        (p.id, p.episodes) for p in read.cohort
    ]


def test_hl7_examples_are_read_counted_dropped_or_reported() -> None:
    bundle = _bundle(*(_hl7(name) for name in HL7_FILES))

    read = read_fhir_bundle(bundle, skip_bad_rows=True, skip_unknown=True)

    assert (7, 7) == (read.entries, _accounted(read))
    assert [(5, "status")] == [(p.entry, p.field) for p in read.dropped]  # example 5: entered-in-error
    assert [(6, "effectivePeriod")] == [(p.entry, p.field) for p in read.skipped]  # example 7: no date
    assert (
        ("Azithromycin 250mg capsule (product)", 1),
        ("Novolog 100u/ml", 1),
        ("Oral Form Oxycodone (product)", 1),
        ("Tylenol PM", 1),
    ) == read.unknown


def test_hl7_statement_with_a_contained_medication_follows_its_ingredients() -> None:
    catalogue = CATALOGUE.extend(_other("acetaminophen"))

    read = read_fhir_bundle(_bundle(_hl7("medicationstatementexample1.json")), catalogue=catalogue)

    (episode,) = read.cohort["pat1"].episodes
    assert ("acetaminophen", _day("2015-01-23"), ONGOING) == (
        episode.therapy.name,
        episode.start,
        episode.stop,
    )


@pytest.mark.parametrize(
    ("name", "drug", "first", "last"),
    [
        ("medicationrequest0301.json", "oxycodone", "2015-01-15", "2015-01-24"),  # 10 days, no repeat
        ("medicationrequest0302.json", "azithromycin", "2015-01-15", "2015-01-24"),  # 5 days, 1 repeat
        ("medicationdispense0302.json", "novolog", "2015-01-15", "2015-02-13"),  # handed over, 30 days
    ],
)
def test_hl7_supply_gives_the_exposure_its_days(name: str, drug: str, first: str, last: str) -> None:
    catalogue = CATALOGUE.extend(_other(drug))

    read = read_fhir_bundle(_bundle(_hl7(name)), catalogue=catalogue)

    (episode,) = read.cohort["pat1"].episodes
    assert (drug, _day(first), _day(last)) == (episode.therapy.name, episode.start, episode.stop)


# -- Synthea ---------------------------------------------------------------------------------


def test_synthea_bulk_export_accounts_for_every_line() -> None:
    read = read_fhir(SYNTHEA, skip_unknown=True)

    # 17 lines: 5 read, 7 medications not in the catalogue, and 5 Conditions that are findings
    # or situations (counted, not diagnosed).
    assert (17, 17, 5) == (read.entries, _accounted(read), read.read)
    assert (("Condition", 5),) == read.ignored
    assert 7 == sum(n for _, n in read.unknown)
    assert {"3af3708d-41f1-cd80-f3dd-ec5ac76072bf", "cbc86e51-9eca-3855-76ec-c058f72c5761"} == {
        p.id for p in read.cohort
    }


def test_synthea_conditions_are_open_conditions_named_by_their_display() -> None:
    lines = [json.loads(line) for line in (SYNTHEA / "Condition.000.ndjson").read_text().splitlines()]
    written = {
        (line["subject"]["reference"].removeprefix("Patient/"), c["display"], c["code"])
        for line in lines
        for c in line["code"]["coding"]
    }
    # Social circumstances and situations are recorded as Conditions, but are no comorbidity.
    findings = {w for w in written if w[1].endswith(("(finding)", "(situation)"))}

    read = read_fhir(SYNTHEA, skip_unknown=True)

    assert len(findings) == 5
    assert written - findings == {
        (p.id, d.condition.name, code.code)
        for p in read.cohort
        for d in p.diagnoses
        for code in d.condition.codes
        if code.system == "SNOMED CT"
    }
    assert ("Condition", len(findings)) in read.ignored


SNOMED = "http://snomed.info/sct"


@pytest.mark.parametrize(
    ("display", "diagnosis"),
    [
        ("Social isolation (finding)", False),
        ("History of single seizure (situation)", False),
        ("Acute viral pharyngitis (disorder)", True),
        ("Laceration of foot", True),
        ("Migraine", True),
    ],
)
def test_a_condition_tagged_as_no_disorder_is_counted_not_diagnosed(display: str, diagnosis: bool) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Condition",
                    "subject": {"reference": "Patient/P1"},
                    "code": {
                        "coding": [{"system": "http://snomed.info/sct", "code": "1", "display": display}]
                    },
                    "onsetDateTime": "2015-03-01",
                }
            }
        ],
    }

    read = read_fhir_bundle(bundle)

    assert [d.condition for p in read.cohort for d in p.diagnoses] == (
        [Condition(display)] if diagnosis else []
    )
    assert (("Condition", 1) in read.ignored) is not diagnosis


def test_synthea_orders_become_eras_of_their_local_days() -> None:
    catalogue = CATALOGUE.extend(_other("aspirin"))

    read = read_fhir(SYNTHEA, catalogue=catalogue, skip_unknown=True)

    # Two orders of aspirin: authoredOn with a time and a zone, no supply: one day each.
    assert ["aspirin", "aspirin"] == [
        e.therapy.name for e in read.cohort["3af3708d-41f1-cd80-f3dd-ec5ac76072bf"].episodes
    ]


def test_synthea_lines_are_refused_strictly_as_unknown_medications() -> None:
    with pytest.raises(CohortFormatError) as info:
        read_fhir(SYNTHEA)

    assert 7 == len(info.value.problems)
    assert all(
        "is not in the catalogue" in p and "MedicationRequest.000.ndjson" in p for p in info.value.problems
    )


# -- MS drugs, written for the tests ------------------------------------------------------------

MS_PATIENT = "5b0c3f0e-7d7a-4c1e-9a51-2f6f3c1d0a01"


def test_ms_transaction_bundle_gives_the_history() -> None:
    read = read_fhir(MS / "ms-patient-transaction.json", skip_unknown=True)

    expected = Patient(
        MS_PATIENT,
        episodes=(
            _episode("interferon beta-1a", "2010-02", "2014-12", SwitchReason.LOSS_OF_EFFECTIVENESS),
            _episode("natalizumab", "2015-01-05", "2015-03-30"),
            _episode("ocrelizumab", "2016-01-10", "2016-07-11"),
            _episode("dimethyl fumarate", "2017-01-01", "2017-01-30"),
        ),
        diagnoses=(Diagnosis(Condition.MULTIPLE_SCLEROSIS, _day("2009-03-14")),),
        sex=Sex.FEMALE,
        birth_date=_day("1980-05-02"),
    )
    assert (expected,) == read.cohort.patients


def test_ms_transaction_bundle_accounts_for_every_entry() -> None:
    read = read_fhir(MS / "ms-patient-transaction.json", skip_unknown=True)

    assert (16, 16, 12) == (read.entries, _accounted(read), read.read)
    assert ((("Observation", 1),), (("lisinopril 10 MG Oral Tablet", 1),)) == (read.ignored, read.unknown)
    assert [(7, "status", "'cancelled'"), (14, "status", "'entered-in-error'")] == [
        (p.entry, p.field, p.message.split(":")[0]) for p in read.dropped
    ]


def test_ndjson_export_resolves_a_later_medication_and_absolute_references() -> None:
    read = read_fhir(MS / "export.ndjson")

    assert [
        ("P01", (_episode("dimethyl fumarate", "2018-06-01", "2018-06-28"),), ()),
        (
            "P02",
            (_episode("ofatumumab", "2019-05-06", "2019-11-05"),),
            (Diagnosis(Condition.MULTIPLE_SCLEROSIS, _day("2018")),),
        ),
    ] == [(p.id, p.episodes, p.diagnoses) for p in read.cohort]
    assert (8, 8, (("Encounter", 1),)) == (read.entries, _accounted(read), read.ignored)
    assert ["'export.ndjson' line 5: intent", "'export.ndjson' line 6: status"] == [
        str(p).split(": ", 1)[1].rsplit(":", 2)[0] for p in read.dropped
    ]


def test_ndjson_bad_lines_are_problems_of_their_line(tmp_path: Path) -> None:
    path = tmp_path / "MedicationRequest.ndjson"
    good = (MS / "export.ndjson").read_text(encoding="utf-8").splitlines()[3]
    path.write_bytes(b'{"resourceType": \n\n' + good.encode() + b"\n\xff\xfe\n")

    read = read_fhir(tmp_path, skip_bad_rows=True)

    assert [
        "'MedicationRequest.ndjson' line 1: line is not JSON (Expecting value at line 2 column 1)",
        "'MedicationRequest.ndjson' line 4: line is not UTF-8 (invalid byte at offset 0)",
    ] == [str(p) for p in read.skipped]
    assert (3, ["P02"]) == (read.entries, [p.id for p in read.cohort])


def test_a_folder_without_ndjson_files_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CohortFormatError) as info:
        read_fhir(tmp_path)

    assert (f"folder {tmp_path.name!r} holds no .ndjson files",) == info.value.problems


# -- medications -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Tysabri 300 MG in 15 ML Injection", ["natalizumab"]),
        ("natalizumab 20 MG/ML Injectable Solution", ["natalizumab"]),
        ("Alemtuzumab 10mg/ml (Lemtrada)", ["alemtuzumab"]),
        ("Interferon beta-1a 30 MCG", ["interferon beta-1a"]),
        ("peginterferon beta-1a 125 MCG/0.5 ML Prefilled Syringe [Plegridy]", ["peginterferon beta-1a"]),
        ("GILENYA 0.5 MG ORAL CAPSULE", ["fingolimod"]),
        ("lisinopril 10 MG Oral Tablet", []),
        ("NTZ infusion", []),  # abbreviations are not words of a product string
        ("Tysabrix", []),
        ("natalizumab, then ocrelizumab", ["natalizumab", "ocrelizumab"]),
    ],
)
def test_therapies_in_text_finds_names_and_brands_as_words(text: str, names: list[str]) -> None:
    assert names == [t.name for t in therapies_in_text(text, CATALOGUE)]


@given(
    st.sampled_from(list(CATALOGUE)),
    st.text(st.sampled_from(" 0123456789/.,()[]-"), max_size=10),
    st.text(st.sampled_from(" 0123456789/.,()[]-"), max_size=10),
)
def test_a_catalogue_name_between_non_letters_is_found(therapy: Therapy, before: str, after: str) -> None:
    # A digit or hyphen right next to the name makes it part of another word ("beta-1a"): keep them apart.
    text = f"{before} {therapy.name.upper()} {after}"

    assert therapy in therapies_in_text(text, CATALOGUE)


@given(st.sampled_from(list(CATALOGUE)), st.sampled_from(["x", "pre", "2"]))
def test_a_catalogue_name_inside_a_longer_word_is_not_found(therapy: Therapy, glue: str) -> None:
    assert [] == [t for t in therapies_in_text(f"{glue}{therapy.name}{glue}", CATALOGUE) if t == therapy]


def test_a_concept_whose_code_and_text_disagree_is_refused() -> None:
    statement = {
        "resourceType": "MedicationRequest",
        "status": "completed",
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "354770"}],
            "text": "Ocrevus 300 MG",
        },
        "subject": {"reference": "Patient/P01"},
        "authoredOn": "2020-01-01",
    }

    assert [
        "patient 'P01': entry[0].resource.medicationCodeableConcept: names different therapies "
        "(code '354770' is natalizumab, text 'Ocrevus 300 MG' is ocrelizumab)"
    ] == [str(p) for p in read_fhir_bundle(_bundle(statement), skip_bad_rows=True).skipped]


def test_a_snomed_code_is_not_read_as_an_rxnorm_code() -> None:
    request = {
        "resourceType": "MedicationRequest",
        "status": "completed",
        "intent": "order",
        "medicationCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "354770"}]},
        "subject": {"reference": "Patient/P01"},
        "authoredOn": "2020-01-01",
    }

    assert (("http://snomed.info/sct|354770", 1),) == read_fhir_bundle(
        _bundle(request), skip_unknown=True
    ).unknown


# -- dates, references, statuses ----------------------------------------------------------------


def _request(**fields: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "MedicationRequest",
        "status": "completed",
        "intent": "order",
        "medicationCodeableConcept": {"text": "Tysabri"},
        "subject": {"reference": "Patient/P01"},
        "authoredOn": "2020-01-01",
    }
    resource.update(fields)
    return resource


@pytest.mark.parametrize(
    ("authored", "day"),
    [
        ("2015-01-23T23:30:00-05:00", "2015-01-23"),
        ("2015-01-23T00:10:00+14:00", "2015-01-23"),
        ("2015-01-23T12:00:00.123Z", "2015-01-23"),
        ("2015-01-23", "2015-01-23"),
    ],
)
def test_a_date_time_gives_its_day_as_written(authored: str, day: str) -> None:
    (episode,) = cohort_from_fhir(_bundle(_request(authoredOn=authored)))["P01"].episodes

    assert _day(day) == episode.start


@pytest.mark.parametrize(
    ("authored", "problem"),
    [
        ("2015-01", "2015-01 is not a whole day: an exposure needs one (YYYY-MM-DD)"),
        ("2015-02-30", "partial date '2015-02-30': day 30 is not in 1..28 for 2015-02"),
        ("2015-01-23T25", "'2015-01-23T25' is not a FHIR date such as '2007', '2007-03' or '2007-03-14'"),
        ("٢٠١٥-01-23", "'٢٠١٥-01-23' is not a FHIR date such as '2007', '2007-03' or '2007-03-14'"),
    ],
)
def test_an_exposure_date_that_is_not_a_day_is_refused(authored: str, problem: str) -> None:
    (found,) = read_fhir_bundle(_bundle(_request(authoredOn=authored)), skip_bad_rows=True).skipped

    assert ("authoredOn", problem) == (found.field, found.message)


@pytest.mark.parametrize(
    "reference",
    [
        "Patient/P01",
        "Patient/ P01",
        "Patient/P01/_history/2",
        "https://ehr.example.org/fhir/R4/Patient/P01",
        "https://ehr.example.org/fhir/R4/Patient/P01/_history/7",
    ],
)
def test_references_to_one_patient_name_one_patient(reference: str) -> None:
    bundle = _bundle(_request(), _request(subject={"reference": reference}, authoredOn="2020-01-29"))

    assert [("P01", 1)] == [(p.id, len(p.episodes)) for p in cohort_from_fhir(bundle)]


@pytest.mark.parametrize("full_url", [7, "urn:uuid:\ud800", "urn:uuid:" + "0" * 5000])
def test_a_full_url_that_is_not_a_url_is_refused(full_url: object) -> None:
    bundle = {
        "resourceType": "Bundle",
        "entry": [{"fullUrl": full_url, "resource": {"resourceType": "Patient"}}],
    }

    (found,) = read_fhir_bundle(bundle, skip_bad_rows=True).skipped

    assert (0, "") == (found.entry, found.field)
    assert found.message.startswith("fullUrl: ")
    assert found.message.endswith(" is not a URL this reader accepts")
    str(found).encode("utf-8")


def test_an_unmatched_urn_uuid_names_the_patient_by_its_uuid() -> None:
    uid = "urn:uuid:0b1d6a52-0000-4000-8000-0000000000aa"
    bundle = _bundle(_request(subject={"reference": uid}))

    assert ["0b1d6a52-0000-4000-8000-0000000000aa"] == [p.id for p in cohort_from_fhir(bundle)]


@pytest.mark.parametrize(
    "reference", ["Group/7", "#p1", "urn:oid:1.2.3", "https://ehr.example.org/fhir/Practitioner/7"]
)
def test_a_subject_that_is_not_a_patient_is_refused(reference: str) -> None:
    (found,) = read_fhir_bundle(
        _bundle(_request(subject={"reference": reference})), skip_bad_rows=True
    ).skipped

    assert "subject.reference" == found.field


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("MedicationStatement", "entered-in-error"),
        ("MedicationStatement", "not-taken"),
        ("MedicationStatement", "intended"),
        ("MedicationRequest", "cancelled"),
        ("MedicationRequest", "entered-in-error"),
        ("MedicationRequest", "draft"),
        ("MedicationDispense", "declined"),
        ("MedicationAdministration", "not-done"),
    ],
)
def test_a_status_that_says_nothing_was_taken_is_dropped_and_reported(kind: str, status: str) -> None:
    resource = _request(resourceType=kind, status=status, effectiveDateTime="2020-01-01")

    read = read_fhir_bundle(_bundle(resource))

    assert ((), [(0, "status", "P01")], 1) == (
        read.cohort.patients,
        [(p.entry, p.field, p.patient_id) for p in read.dropped],
        _accounted(read),
    )


def test_an_on_hold_statement_is_ongoing() -> None:
    statement = _request(resourceType="MedicationStatement", status="on-hold", effectiveDateTime="2020-01")
    del statement["authoredOn"]

    assert (_episode("natalizumab", "2020-01", ONGOING),) == cohort_from_fhir(_bundle(statement))[
        "P01"
    ].episodes


def test_statements_may_be_read_as_exposures() -> None:
    statements = [
        _request(
            resourceType="MedicationStatement", status="completed", effectivePeriod={"start": a, "end": b}
        )
        for a, b in (("2020-01-01", "2020-01-01"), ("2020-01-29", "2020-01-29"), ("2020-06-01", "2020-06-01"))
    ]

    read = read_fhir_bundle(_bundle(*statements), statements="exposures")

    assert (
        _episode("natalizumab", "2020-01-01", "2020-01-29"),
        _episode("natalizumab", "2020-06-01", "2020-06-01"),
    ) == read.cohort["P01"].episodes


def test_windows_reach_the_era_builder() -> None:
    bundle = _bundle(_request(), _request(authoredOn="2020-01-29"))

    read = read_fhir_bundle(bundle, windows={"natalizumab": 7})

    assert 2 == len(read.cohort["P01"].episodes)


def test_an_unknown_statements_mode_is_refused() -> None:
    with pytest.raises(CohortFormatError, match="statements"):
        read_fhir_bundle(_bundle(), statements="rows")


@pytest.mark.parametrize(
    ("coding", "condition"),
    [
        ({"system": "http://snomed.info/sct", "code": "24700007"}, Condition.MULTIPLE_SCLEROSIS),
        ({"system": "http://hl7.org/fhir/sid/icd-10", "code": "G35"}, Condition.MULTIPLE_SCLEROSIS),
        ({"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G35.1"}, Condition.MULTIPLE_SCLEROSIS),
        ({"system": "http://snomed.info/sct", "code": "9014002"}, Condition.PSORIASIS),
    ],
)
def test_conditions_coded_as_ms_or_psoriasis_are_diagnoses(
    coding: dict[str, str], condition: Condition
) -> None:
    resource = {
        "resourceType": "Condition",
        "code": {"coding": [coding]},
        "subject": {"reference": "Patient/P01"},
        "onsetDateTime": "2011-05-02T10:00:00+02:00",
    }

    assert (Diagnosis(condition, _day("2011-05-02")),) == cohort_from_fhir(_bundle(resource))["P01"].diagnoses


def test_a_refuted_diagnosis_is_dropped_and_another_condition_counted() -> None:
    refuted = {
        "resourceType": "Condition",
        "verificationStatus": {"coding": [{"code": "refuted"}]},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "24700007"}]},
        "subject": {"reference": "Patient/P01"},
    }
    # Neither a code the library knows nor a name: nothing to call the condition.
    other = {**refuted, "code": {"coding": [{"system": "http://snomed.info/sct", "code": "1234567"}]}}

    read = read_fhir_bundle(_bundle(refuted, other))

    assert ((), [(0, "verificationStatus")], (("Condition", 1),)) == (
        read.cohort.patients,
        [(p.entry, p.field) for p in read.dropped],
        read.ignored,
    )


# -- writing a transaction bundle ---------------------------------------------------------------

COHORT = Cohort(
    (
        Patient("P01", (_episode("interferon beta", "2005-03", "2007", SwitchReason.LOSS_OF_EFFECTIVENESS),)),
        Patient(
            "P 02/x",
            (_episode("natalizumab", "2007-06-14", ONGOING), _episode("natalizumab", "2010", NOT_RECORDED)),
        ),
        Patient("P03"),
    )
)


def test_transaction_bundle_validates_as_r4b() -> None:
    models = pytest.importorskip("fhir.resources.R4B.bundle")
    bundle = cohort_to_fhir(COHORT, bundle_type="transaction")

    assert 6 == len(models.Bundle.model_validate(bundle).entry)


def _r4_bundle(bundle: dict[str, Any]) -> Any:
    """The bundle as FHIR R4 (4.0.1) models: fhirclient's, which refuse unknown elements, wrong
    types and missing required ones (fhir.resources 8 has R4B and R5 models only)."""
    models = pytest.importorskip("fhirclient.models.bundle")
    return models.Bundle(bundle, strict=True)


def test_transaction_bundle_validates_as_r4() -> None:
    bundle = cohort_to_fhir(COHORT, bundle_type="transaction")

    assert bundle == _r4_bundle(bundle).as_json()


def test_r4_models_refuse_what_r4_does_not_define() -> None:
    # The check has teeth: an element R4 does not have, and a required one missing.
    bundle = cohort_to_fhir(COHORT, bundle_type="transaction")
    errors = pytest.importorskip("fhirclient.models.fhirabstractbase").FHIRValidationError
    unknown, missing = copy.deepcopy(bundle), copy.deepcopy(bundle)
    unknown["entry"][3]["resource"]["effectivePeriodX"] = {}
    del missing["entry"][3]["resource"]["status"]
    for broken in (unknown, missing):
        with pytest.raises(errors):
            _r4_bundle(broken)


@settings(deadline=None)  # the first example imports both model packages
@given(cohorts(patients(), max_size=4), st.sampled_from(["transaction", "collection"]))
def test_generated_bundles_validate_as_r4_and_r4b(cohort: Cohort, kind: str) -> None:
    r4b = pytest.importorskip("fhir.resources.R4B.bundle")
    bundle = cohort_to_fhir(cohort, bundle_type=kind)

    # FHIR JSON has no empty arrays: an empty cohort's bundle has no "entry" element.
    assert [] not in bundle.values()
    assert bundle == _r4_bundle(bundle).as_json()
    assert len(bundle.get("entry", [])) == len(r4b.Bundle.model_validate(bundle).entry or ())


def test_transaction_bundle_has_patients_then_statements_with_full_urls() -> None:
    bundle = cohort_to_fhir(COHORT, bundle_type="transaction")

    assert ["Patient"] * 3 + ["MedicationStatement"] * 3 == [
        e["resource"]["resourceType"] for e in bundle["entry"]
    ]
    assert 6 == len({e["fullUrl"] for e in bundle["entry"]})
    assert all(e["fullUrl"].startswith("urn:uuid:") for e in bundle["entry"])
    assert {"system": PATIENT_ID_SYSTEM, "value": "P 02/x"} == bundle["entry"][1]["resource"]["identifier"][0]


def test_transaction_bundle_is_deterministic() -> None:
    assert json.dumps(cohort_to_fhir(COHORT, bundle_type="transaction")) == json.dumps(
        cohort_to_fhir(copy.deepcopy(COHORT), bundle_type="transaction")
    )


def test_transaction_bundle_reads_back_with_every_patient() -> None:
    back = cohort_from_fhir(json.loads(json.dumps(cohort_to_fhir(COHORT, bundle_type="transaction"))))

    assert [(p.id, p.episodes) for p in COHORT] == [(p.id, p.episodes) for p in back]


@given(cohorts(patients(), max_size=4))
def test_generated_cohorts_round_trip_through_a_transaction(cohort: Cohort) -> None:
    back = cohort_from_fhir(json.loads(json.dumps(cohort_to_fhir(cohort, bundle_type="transaction"))))

    assert [(p.id, p.episodes) for p in cohort] == [(p.id, p.episodes) for p in back]


def test_an_unknown_bundle_type_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="'batch' is not 'collection' or 'transaction'"):
        cohort_to_fhir(COHORT, bundle_type="batch")


# -- accounting over generated exports ------------------------------------------------------------

_EXTRA = st.sampled_from(
    [
        {"resourceType": "Observation", "status": "final"},
        {"resourceType": "Encounter", "status": "finished"},
        _request(status="cancelled"),
        _request(resourceType="MedicationAdministration", status="not-done"),
        _request(medicationCodeableConcept={"text": "aspirin 81 MG"}),
        _request(authoredOn="2020-13-01"),
        _request(intent="proposal"),
        {"resourceType": "Medication", "id": "m1", "code": {"text": "Ocrevus"}},
        _request(medicationReference={"reference": "Medication/m1"}, medicationCodeableConcept=None),
        {"resourceType": "Condition", "code": {"text": "G35"}, "subject": {"reference": "Patient/P01"}},
        _request(),
    ]
)


@given(cohorts(patients(), max_size=3), st.lists(_EXTRA, max_size=8), st.randoms(use_true_random=False))
def test_every_entry_is_read_counted_dropped_or_reported(
    cohort: Cohort, extra: list[dict[str, Any]], rnd: Any
) -> None:
    bundle = cohort_to_fhir(cohort, bundle_type="transaction")
    entries = bundle.get("entry", []) + [
        {"resource": {k: v for k, v in r.items() if v is not None}} for r in extra
    ]
    rnd.shuffle(entries)
    bundle["entry"] = entries

    read = read_fhir_bundle(bundle, skip_bad_rows=True, skip_unknown=True)

    assert len(entries) == read.entries == _accounted(read)


def test_days_of_a_dispense_in_weeks() -> None:
    dispense = _request(
        resourceType="MedicationDispense", whenHandedOver="2020-01-01", daysSupply={"value": 2, "code": "wk"}
    )

    (episode,) = cohort_from_fhir(_bundle(dispense))["P01"].episodes

    assert (dt.date(2020, 1, 1), dt.date(2020, 1, 14)) == (episode.start.first_day, episode.stop.first_day)  # type: ignore[union-attr]
