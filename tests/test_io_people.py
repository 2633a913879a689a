"""Sex and birth date from every source: tables (wide, long, exposures), FHIR and OMOP."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import CohortFormatError, InvalidValueError
from dmt_timeline.io.cells import ReadingOptions, read_sex, sex_spellings
from dmt_timeline.io.exposures import (
    Exposure,
    ExposureColumns,
    ExposureLayout,
    build_episodes,
    read_exposures_rows,
)
from dmt_timeline.io.fhir import cohort_to_fhir, read_fhir, read_fhir_bundle
from dmt_timeline.io.layouts import LongLayout, parse_layout
from dmt_timeline.io.long import read_long_rows
from dmt_timeline.io.tables import patients_table
from dmt_timeline.io.wide import TableFormatError, TherapyColumns, WideLayout, read_wide_rows, to_wide_rows
from dmt_timeline.model import ONGOING, Cohort, Patient, Sex, TherapyEpisode
from dmt_timeline.strategies import cohorts, partial_dates, patients

SYNTHEA = Path(__file__).parent / "data" / "fhir" / "synthea-bulk"

# -- the vocabulary ------------------------------------------------------------------------------


def _respelled(text: str, data: st.DataObject) -> str:
    """``text`` as a table might write it: any case, spaces around."""
    cased = "".join(c.upper() if data.draw(st.booleans()) else c.lower() for c in text)
    return data.draw(st.sampled_from(["", " "])) + cased + data.draw(st.sampled_from(["", "  "]))


@given(st.data())
def test_every_spelling_in_the_vocabulary_reads_to_its_value(data: st.DataObject) -> None:
    spelling, value = data.draw(st.sampled_from(sorted(sex_spellings().items(), key=lambda kv: kv[0])))
    assert value is read_sex(_respelled(spelling, data))


def test_the_vocabulary_holds_the_published_codes() -> None:
    # FHIR AdministrativeGender, HL7 v2 table 0001, OMOP Gender concepts (see vocabularies/sex.toml).
    expected = {
        "female": Sex.FEMALE, "male": Sex.MALE, "other": Sex.OTHER, "unknown": None,
        "F": Sex.FEMALE, "M": Sex.MALE, "O": Sex.OTHER, "U": None,
        "8532": Sex.FEMALE, "8507": Sex.MALE,
    }  # fmt: skip
    assert expected == {k: read_sex(k) for k in expected}
    assert (None, None) == (read_sex(""), read_sex(None))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("femal", "sex 'femal' is not a spelling of female, male, other or unknown (such as F, M, O, U); "
         "did you mean 'female'? (map it with a sex crosswalk)"),
        ("1", "sex '1' is not a spelling of female, male, other or unknown (such as F, M, O, U) "
         "(map it with a sex crosswalk)"),
        ("w", "sex 'w' is not a spelling of female, male, other or unknown (such as F, M, O, U) "
         "(map it with a sex crosswalk)"),
    ],
)  # fmt: skip
def test_other_spellings_are_refused_by_name(value: str, message: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        read_sex(value)
    assert message == str(info.value)


def test_a_crosswalk_maps_the_tables_own_codes() -> None:
    crosswalk = {"w": "female", "1": "M", "9": "unknown"}
    assert (Sex.FEMALE, Sex.MALE, None) == tuple(read_sex(k, crosswalk=crosswalk) for k in ("W", "1", "9"))
    with pytest.raises(CohortFormatError) as info:
        read_sex("x", crosswalk={"x": "woman?"})
    assert "sex crosswalk 'x' = 'woman?': expected female, male, other or unknown" == str(info.value)


# -- long tables ---------------------------------------------------------------------------------

LONG = LongLayout(
    patient_id="Patient", therapy="Drug", start="Start", stop="Stop", sex="Sex", birth_date="Born"
)


def _row(
    pid: str, sex: object, born: object, drug: str = "Tysabri", start: str = "2010-03"
) -> dict[str, Any]:
    return {"Patient": pid, "Sex": sex, "Born": born, "Drug": drug, "Start": start, "Stop": "ongoing"}


def test_long_table_gives_sex_and_birth_date() -> None:
    rows = [_row("P1", "F", "1980"), _row("P1", "", "1980", "Avonex", "2005"), _row("P2", "male", "Mar 1975")]
    read = read_long_rows(rows, LONG, header=list(rows[0]))
    found = [(p.id, p.sex, p.birth_date) for p in read.cohort]
    assert [("P1", Sex.FEMALE, PartialDate(1980)), ("P2", Sex.MALE, PartialDate(1975, 3))] == found


@settings(max_examples=50)
@given(st.data())
def test_long_table_reads_every_spelling_of_the_vocabulary(data: st.DataObject) -> None:
    spelling, value = data.draw(st.sampled_from(sorted(sex_spellings().items(), key=lambda kv: kv[0])))
    read = read_long_rows([_row("P1", _respelled(spelling, data), "")], LONG)
    assert value is read.cohort.patients[0].sex


def test_long_table_rows_of_a_patient_must_agree() -> None:
    rows = [_row("P1", "F", "1980"), _row("P1", "M", "1981", "Avonex", "2005")]
    with pytest.raises(TableFormatError) as info:
        read_long_rows(rows, LONG)
    assert [
        "row 3, column Sex: patient 'P1': 'M' differs from 'F' in row 2",
        "row 3, column Born: patient 'P1': '1981' differs from '1980' in row 2",
    ] == [str(p) for p in info.value.row_problems]


def test_long_table_birth_after_a_start_and_a_bad_sex_are_reported() -> None:
    rows = [
        _row("P1", "F", "2012"),
        _row("P2", "x", "1970"),
        _row("P3", "M", "1970-13"),
        _row("P4", "F", "1970"),
    ]
    read = read_long_rows(rows, LONG, skip_bad_rows=True)
    assert ["P4"] == [p.id for p in read.cohort]
    assert ("P1", "P2", "P3") == read.skipped_patients
    messages = [str(p) for p in read.skipped]
    assert (
        messages[0]
        == "row 2, column Born: patient 'P1': episodes[0].start: 2010-03 is before birth_date 2012"
    )
    assert messages[1].startswith("row 3, column Sex: patient 'P2': sex 'x' is not a spelling")
    assert messages[2].startswith("row 4, column Born: patient 'P3': ")


def test_a_layout_file_names_the_columns_and_a_sex_crosswalk() -> None:
    layout = parse_layout(
        """
[columns]
patient_id = "Patient"
therapy = "Drug"
start = "Start"
sex = "Sex"
birth_date = "Born"

[crosswalk.sex]
"w" = "female"
"""
    )
    assert isinstance(layout, LongLayout)
    read = read_long_rows(
        [{"Patient": "P1", "Drug": "Avonex", "Start": "2005", "Sex": "W", "Born": "1980"}], layout
    )
    assert (Sex.FEMALE, PartialDate(1980)) == (
        read.cohort.patients[0].sex,
        read.cohort.patients[0].birth_date,
    )
    assert (("w", "female"),) == layout.reading.sex


# -- wide tables ---------------------------------------------------------------------------------

WIDE = WideLayout(
    patient_id="id",
    therapies=(TherapyColumns("dmt1", "dmt1_start", stop="dmt1_stop"),),
    sex="sex",
    birth_date="born",
    reading=ReadingOptions(),
)


def test_wide_table_gives_sex_and_birth_date() -> None:
    rows = [
        {
            "id": "A",
            "sex": "Female",
            "born": "1980-05",
            "dmt1": "Avonex",
            "dmt1_start": "2005",
            "dmt1_stop": "",
        },
        {"id": "B", "sex": "U", "born": "", "dmt1": "", "dmt1_start": "", "dmt1_stop": ""},
    ]
    read = read_wide_rows(rows, WIDE)
    assert [(Sex.FEMALE, PartialDate(1980, 5)), (None, None)] == [(p.sex, p.birth_date) for p in read.cohort]


def test_wide_table_birth_after_a_start_is_named_at_its_column() -> None:
    rows = [{"id": "A", "sex": "F", "born": "2006", "dmt1": "Avonex", "dmt1_start": "2005", "dmt1_stop": ""}]
    with pytest.raises(TableFormatError) as info:
        read_wide_rows(rows, WIDE)
    assert ["row 2, column born: patient 'A': episodes[0].start: 2005 is before birth_date 2006"] == [
        str(p) for p in info.value.row_problems
    ]


def _people(data: st.DataObject) -> Patient:
    draw = data.draw
    sex = draw(st.none() | st.sampled_from(Sex))
    birth = draw(st.none() | partial_dates(max_value=dt.date(2004, 12, 31)))
    episodes = draw(
        st.sampled_from(
            [(), (TherapyEpisode(CATALOGUE.get("natalizumab"), PartialDate(2005), ONGOING, sequence=1),)]
        )
    )
    return Patient(
        draw(st.text("ABC123", min_size=1, max_size=4)), episodes=episodes, sex=sex, birth_date=birth
    )


@given(st.data())
def test_wide_rows_written_read_back_equal(data: st.DataObject) -> None:
    patient = _people(data)
    layout = WideLayout(
        patient_id="id",
        therapies=(TherapyColumns("dmt1", "dmt1_start", "dmt1_reason"),),
        sex="sex",
        birth_date="born",
    )
    (read,) = read_wide_rows(to_wide_rows([patient], layout), layout).cohort
    assert (patient.sex, patient.birth_date) == (read.sex, read.birth_date)


# -- FHIR ----------------------------------------------------------------------------------------


@settings(deadline=None)
@given(cohorts(patients(), max_size=4), st.sampled_from(["transaction", "collection"]))
def test_fhir_bundles_carry_sex_and_birth_date_back(cohort: Cohort, kind: str) -> None:
    read = read_fhir_bundle(cohort_to_fhir(cohort, bundle_type=kind), skip_unknown=True)
    written = {
        p.id: (p.sex, p.birth_date)
        for p in cohort
        if kind == "transaction" or p.episodes or p.sex or p.birth_date
    }
    assert written == {p.id: (p.sex, p.birth_date) for p in read.cohort}


def test_fhir_patient_resources_validate_as_r4b() -> None:
    models = pytest.importorskip("fhir.resources.R4B.patient")
    cohort = [Patient("P1", sex=Sex.OTHER, birth_date=PartialDate(1980, 2)), Patient("P2", sex=Sex.MALE)]
    bundle = cohort_to_fhir(cohort, bundle_type="transaction")
    patients = [models.Patient.model_validate(e["resource"]) for e in bundle["entry"]]
    assert [("other", "1980-02"), ("male", None)] == [(p.gender, p.birthDate) for p in patients]


def test_synthea_patients_give_their_gender_and_birth_date() -> None:
    read = read_fhir(SYNTHEA, skip_unknown=True, skip_bad_rows=True)
    found = {p.id: (p.sex, p.birth_date) for p in read.cohort}
    # The published Patient lines (tests/data/fhir/synthea-bulk/Patient.000.ndjson).
    assert (Sex.MALE, PartialDate(1960, 4, 13)) == found["3af3708d-41f1-cd80-f3dd-ec5ac76072bf"]
    assert (Sex.MALE, PartialDate(1995, 12, 30)) == found["cbc86e51-9eca-3855-76ec-c058f72c5761"]


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def _statement(pid: str, start: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationStatement",
        "status": "active",
        "medicationCodeableConcept": {"text": "natalizumab"},
        "subject": {"reference": f"Patient/{pid}"},
        "effectivePeriod": {"start": start},
    }


def test_fhir_problems_name_the_entry_patient_field_and_value() -> None:
    bundle = _bundle(
        {"resourceType": "Patient", "id": "P1", "gender": "F"},
        {"resourceType": "Patient", "id": "P2", "birthDate": "2011"},
        _statement("P2", "2010-05"),
        {"resourceType": "Patient", "id": "P3", "gender": "female"},
        {"resourceType": "Patient", "id": "P3", "gender": "male"},
        {"resourceType": "Patient", "id": "P4", "gender": "unknown", "birthDate": "1970-02-30"},
    )
    read = read_fhir_bundle(bundle, skip_bad_rows=True)
    assert [
        "patient 'P1': entry[0].resource.gender: 'F' is not an AdministrativeGender code "
        "(female, male, other, unknown)",
        "patient 'P4': entry[5].resource.birthDate: partial date '1970-02-30': day 30 is not in 1..28 "
        "for 1970-02",
        "patient 'P3': entry[4].resource.gender: 'male' differs from 'female' in entry[3]",
        "patient 'P2': entry[1].resource.birthDate: episodes[0].start: 2010-05 is before birth_date 2011",
    ] == [str(p) for p in read.skipped]
    # Every entry accounted for: the three refused Patient entries are not counted as read.
    assert (6, 2, 4) == (read.entries, read.read, len({p.entry for p in read.skipped}))
    assert [("P2", None), ("P3", Sex.FEMALE)] == [(p.id, p.sex) for p in read.cohort]


# -- exposure tables -----------------------------------------------------------------------------

EXPOSURES = ExposureColumns(sex="Sex", birth_date="Born")


def _exposure(
    pid: str, sex: str, born: str, start: str = "2010-01-01", end: str = "2010-02-01"
) -> dict[str, str]:
    return {"person_id": pid, "drug": "natalizumab", "start": start, "end": end, "Sex": sex, "Born": born}


def test_exposure_table_gives_sex_and_birth_date_to_its_episodes() -> None:
    rows = [
        _exposure("P1", "F", "1980"),
        _exposure("P1", "", "", "2011-01-01", "2011-02-01"),
        _exposure("P2", "male", "1975-03-02"),
    ]
    read = read_exposures_rows(rows, EXPOSURES, header=list(rows[0]))
    found = [(p.id, p.sex, p.birth_date) for p in build_episodes(read).cohort]
    assert [("P1", Sex.FEMALE, PartialDate(1980)), ("P2", Sex.MALE, PartialDate(1975, 3, 2))] == found


def test_exposure_rows_of_a_person_must_agree_and_start_after_birth() -> None:
    rows = [
        _exposure("P1", "F", "1980"),
        _exposure("P1", "M", "1980", "2011-01-01", "2011-02-01"),
        _exposure("P2", "F", "2010-06"),
        _exposure("P3", "x", "1970"),
        _exposure("P4", "F", "1970"),
    ]
    read = read_exposures_rows(rows, EXPOSURES, skip_bad_rows=True)
    assert [
        "row 3, column Sex: patient 'P1': 'male' differs from 'female' in row 2",
        "row 4, column Born: patient 'P2': start 2010-01-01 is before birth date 2010-06 (row 4)",
        "row 5, column Sex: patient 'P3': sex 'x' is not a spelling of female, male, other or unknown "
        "(such as F, M, O, U) (map it with a sex crosswalk)",
    ] == [str(p) for p in read.skipped]
    assert (("P1", "P2", "P3"), ["P1", "P4"]) == (read.patients_with_problems, [e.person_id for e in read])


def test_build_episodes_refuses_exposures_that_disagree() -> None:
    exposures = [
        Exposure("P1", "natalizumab", dt.date(2010, 1, 1), dt.date(2010, 2, 1), row=2, sex=Sex.FEMALE),
        Exposure("P1", "natalizumab", dt.date(2011, 1, 1), dt.date(2011, 2, 1), row=3, sex=Sex.MALE),
    ]
    with pytest.raises(InvalidValueError) as info:
        build_episodes(exposures)
    assert "patient 'P1': sex of row 3 differs from row 2" == str(info.value)


# -- tidy tables ---------------------------------------------------------------------------------


@given(cohorts(patients(), max_size=4))
def test_the_patients_table_carries_sex_and_the_bounds_of_the_birth_date(cohort: Cohort) -> None:
    rows = patients_table(cohort).to_dicts()
    expected = [
        (
            p.id,
            None if p.sex is None else p.sex.value,
            None if p.birth_date is None else p.birth_date.first_day,
            None if p.birth_date is None else p.birth_date.last_day,
        )
        for p in cohort
    ]
    found = [(r["patient_id"], r["sex"], r["birth_date_earliest"], r["birth_date_latest"]) for r in rows]
    assert expected == found


def test_wide_and_exposure_layout_files_name_the_columns() -> None:
    wide = parse_layout(
        """
kind = "wide"
[columns]
patient_id = "id"
sex = "Sex"
birth_date = "DOB"
[[therapies]]
therapy = "DMT 1"
start = "DMT 1 start"
[crosswalk.sex]
"w" = "female"
"""
    )
    exposures = parse_layout(
        """
kind = "exposures"
[columns]
person_id = "pid"
drug = "drug"
start = "start"
end = "end"
sex = "Sex"
birth_date = "Born"
"""
    )
    assert isinstance(wide, WideLayout)
    assert isinstance(exposures, ExposureLayout)
    assert ("Sex", "DOB", (("w", "female"),)) == (
        wide.sex,
        wide.birth_date,
        wide.reading and wide.reading.sex,
    )
    assert ("Sex", "Born") == (exposures.columns.sex, exposures.columns.birth_date)
