"""Serialisation: round trips, the JSON shape, and whole-document error reports."""

from __future__ import annotations

import calendar
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmt_timeline.catalogue import CATALOGUE, Route, Therapy, TherapyClass
from dmt_timeline.dates import Order, PartialDate
from dmt_timeline.errors import CohortFormatError, DmtTimelineError
from dmt_timeline.model import (
    EDSS,
    NOT_RECORDED,
    ONGOING,
    SGI,
    Cohort,
    CohortMetadata,
    ComorbidityTreatment,
    Condition,
    CSFBands,
    Diagnosis,
    Modality,
    Outcome,
    Patient,
    ResponseObservation,
    StopState,
    SwitchReason,
    TherapyEpisode,
)
from dmt_timeline.serialize import (
    dumps,
    load_cohort,
    loads,
    make_converter,
    save_cohort,
    structure,
    unstructure,
)
from dmt_timeline.serialize._json import parse

NAT, GA = CATALOGUE["natalizumab"], CATALOGUE["glatiramer acetate"]
MS, PS = Condition.MULTIPLE_SCLEROSIS, Condition.PSORIASIS
R = SwitchReason

FULL_PATIENT = Patient(
    "P02",
    episodes=(
        TherapyEpisode(GA, PartialDate(2001), NOT_RECORDED, (R.LOSS_OF_EFFECTIVENESS,), EDSS(6.0)),
        TherapyEpisode(
            CATALOGUE["IFNb"],
            PartialDate(2003, 2),
            PartialDate(2006, 1, 15),
            (R.COMORBIDITY_WORSENING, R.INTOLERANCE),
            EDSS(6.5),
        ),
        TherapyEpisode(NAT, PartialDate(2006, 2), ONGOING),
    ),
    diagnoses=(Diagnosis(MS, PartialDate(2001), CSFBands.POSITIVE), Diagnosis(PS, PartialDate(2005))),
    observations=(
        ResponseObservation(Outcome.MS_ACTIVITY_CEASED, 2, MS, latency_months=6),
        ResponseObservation(Outcome.COMORBIDITY_IMPROVED, 2, PS, date=PartialDate(2006, 5), grade=SGI.BETTER),
    ),
    baseline_edss=EDSS(4.0),
    last_edss=EDSS(6.5),
    last_follow_up=PartialDate(2019, 11),
    comorbidity_treatments=(
        ComorbidityTreatment(PS, (Modality.TOPICAL, Modality.STEROID)),
        ComorbidityTreatment(PS, (Modality.TOPICAL,), current=True),
    ),
    labels=(("group", "direct"), ("row", "2")),
)

COHORT = Cohort(
    (FULL_PATIENT, Patient("P03", episodes=(TherapyEpisode(NAT, PartialDate(2010)),))),
    CohortMetadata("a source", "a citation", "a description"),
)

EXAMPLES: list[object] = [
    PartialDate(2007),
    PartialDate(2007, 3),
    PartialDate(2007, 3, 14),
    EDSS(0),
    EDSS(3.5),
    EDSS(10),
    *FULL_PATIENT.episodes,
    *FULL_PATIENT.diagnoses,
    *FULL_PATIENT.observations,
    *FULL_PATIENT.comorbidity_treatments,
    FULL_PATIENT,
    Patient("P00"),
    COHORT,
    Cohort(()),
    CohortMetadata("source only"),
]


# -- local strategies -------------------------------------------------------------------------


@st.composite
def partial_dates(draw: st.DrawFn, min_year: int = 1990, max_year: int = 2025) -> PartialDate:
    year = draw(st.integers(min_year, max_year))
    month = draw(st.none() | st.integers(1, 12))
    if month is None:
        return PartialDate(year)
    day = draw(st.none() | st.integers(1, calendar.monthrange(year, month)[1]))
    return PartialDate(year, month, day)


edss_scores = st.sampled_from([0.0] + [1.0 + 0.5 * i for i in range(19)]).map(EDSS)


@st.composite
def episodes(draw: st.DrawFn) -> TherapyEpisode:
    start = draw(partial_dates())
    stop: PartialDate | StopState = draw(st.sampled_from(StopState) | partial_dates(min_year=start.year))
    if isinstance(stop, PartialDate) and stop.compare(start) is Order.BEFORE:
        stop = start
    reasons = () if stop is ONGOING else tuple(draw(st.lists(st.sampled_from(SwitchReason), unique=True)))
    return TherapyEpisode(
        draw(st.sampled_from(CATALOGUE.therapies)), start, stop, reasons, draw(st.none() | edss_scores)
    )


@st.composite
def patients(draw: st.DrawFn) -> Patient:
    therapy_episodes = tuple(draw(st.lists(episodes(), max_size=3)))
    observations: list[ResponseObservation] = []
    if therapy_episodes:
        index = draw(st.integers(0, len(therapy_episodes) - 1))
        latency = draw(st.integers(0, 24))
        observations.append(
            ResponseObservation(Outcome.MS_ACTIVITY_CEASED, index, MS, latency_months=latency)
        )
    return Patient(
        draw(st.text(alphabet="PQ0123456789", min_size=1, max_size=4)),
        episodes=therapy_episodes,
        diagnoses=(
            Diagnosis(MS, draw(st.none() | partial_dates()), draw(st.none() | st.sampled_from(CSFBands))),
        ),
        observations=tuple(observations),
        baseline_edss=draw(st.none() | edss_scores),
        labels=tuple(sorted(draw(st.dictionaries(st.sampled_from("abc"), st.text(max_size=5))).items())),
    )


# -- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", EXAMPLES, ids=lambda v: type(v).__name__)
def test_dumps_loads_round_trips(value: object) -> None:
    assert value == loads(dumps(value), type(value))


@pytest.mark.parametrize("value", EXAMPLES, ids=lambda v: type(v).__name__)
def test_structure_unstructure_round_trips(value: object) -> None:
    assert value == structure(unstructure(value), type(value))


@given(partial_dates())
def test_partial_dates_round_trip(date: PartialDate) -> None:
    assert date == loads(dumps(date), PartialDate)


@settings(max_examples=50)
@given(episodes())
def test_episodes_round_trip(episode: TherapyEpisode) -> None:
    assert episode == loads(dumps(episode), TherapyEpisode)


@settings(max_examples=30)
@given(patients())
def test_patients_round_trip(patient: Patient) -> None:
    assert patient == loads(dumps(patient), Patient)


def test_save_and_load_cohort(tmp_path: Path) -> None:
    path = tmp_path / "cohort.json"
    save_cohort(COHORT, path)
    assert COHORT == load_cohort(path)


def test_saved_cohort_is_utf8_json_text(tmp_path: Path) -> None:
    path = tmp_path / "cohort.json"
    save_cohort(Cohort((Patient("Pé"),)), str(path))
    assert {"patients": [{"id": "Pé"}]} == json.loads(path.read_text(encoding="utf-8"))


# -- the JSON shape ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "expected"),
    [(PartialDate(2007), "2007"), (PartialDate(2007, 3), "2007-03"), (PartialDate(2007, 3, 4), "2007-03-04")],
)
def test_partial_dates_are_written_as_their_text(date: PartialDate, expected: str) -> None:
    assert expected == unstructure(date)


def test_an_ongoing_episode_is_written_with_canonical_names_and_text_dates() -> None:
    episode = TherapyEpisode(CATALOGUE["Nat"], PartialDate(2007, 3), ONGOING, edss=EDSS(3))
    expected = {"therapy": "natalizumab", "start": "2007-03", "stop": "ongoing", "edss": 3.0}
    assert expected == unstructure(episode)


def test_a_stopped_episode_is_written_with_reason_codes() -> None:
    episode = TherapyEpisode(
        GA, PartialDate(2001), PartialDate(2003, 6), (R.LOSS_OF_EFFECTIVENESS, R.COMORBIDITY_WORSENING)
    )
    expected = {"therapy": "glatiramer acetate", "start": "2001", "stop": "2003-06", "reasons": ["LOE", "Ps"]}
    assert expected == unstructure(episode)


def test_not_recorded_is_the_default_and_is_left_out() -> None:
    assert {"therapy": "natalizumab", "start": "2007"} == unstructure(TherapyEpisode(NAT, PartialDate(2007)))


@pytest.mark.parametrize(
    ("text", "expected"), [("ongoing", ONGOING), ("not recorded", NOT_RECORDED), ("2008", PartialDate(2008))]
)
def test_stop_is_read_from_text(text: str, expected: PartialDate | StopState) -> None:
    assert expected == structure({"therapy": "Nat", "start": "2007", "stop": text}, TherapyEpisode).stop


def test_a_therapy_alias_is_read_as_the_catalogue_entry() -> None:
    assert NAT is structure({"therapy": "Tysabri", "start": "2007"}, TherapyEpisode).therapy


def test_a_bare_year_number_is_read_as_a_year() -> None:
    assert PartialDate(2007) == structure({"therapy": "Nat", "start": 2007}, TherapyEpisode).start


def test_a_patient_is_written_as_plain_json() -> None:
    patient = Patient(
        "P1",
        episodes=(TherapyEpisode(NAT, PartialDate(2008)),),
        diagnoses=(Diagnosis(MS, PartialDate(2007), CSFBands.NOT_DONE),),
        baseline_edss=EDSS(2.5),
        labels=(("group", "a"),),
    )
    expected = {
        "id": "P1",
        "episodes": [{"therapy": "natalizumab", "start": "2008"}],
        "diagnoses": [{"condition": "multiple sclerosis", "date": "2007", "csf": "not done"}],
        "baseline_edss": 2.5,
        "labels": {"group": "a"},
    }
    assert expected == unstructure(patient)


def test_an_edss_is_written_as_a_number() -> None:
    assert "3.5" == dumps(EDSS(3.5))


# -- malformed documents ----------------------------------------------------------------------

SECRET = "SECRET-NOTE-4471"


def malformed_cohort() -> dict[str, Any]:
    nat = {"therapy": "Nat", "start": "2007"}
    return {
        "patients": [
            {"id": "P01", "episodes": [{"therapy": "GA", "start": "2007-13"}], "labels": {"note": SECRET}},
            {
                "id": "P02",
                "episodes": [{"therapy": "natalizumb", "start": "2007"}],
                "labels": {"note": SECRET},
            },
            {"id": "P03", "episodes": [{**nat, "edss": 0.5}], "labels": {"note": SECRET}},
            {"id": "P04", "episodes": [{**nat, "reasons": ["XYZ"]}], "labels": {"note": SECRET}},
            {"id": "P05", "nickname": "Bob", "labels": {"note": SECRET}},
            {"episodes": [nat], "labels": {"note": SECRET}},
            {"id": "P07", "labels": {"note": SECRET}},
            {"id": "P07", "labels": {"note": SECRET}},
            {
                "id": "P09",
                "episodes": [nat],
                "observations": [
                    {
                        "outcome": "MS activity ceased",
                        "episode": 3,
                        "condition": "multiple sclerosis",
                        "latency_months": 2,
                    }
                ],
                "labels": {"note": SECRET},
            },
            {"id": "P10", "episodes": [{**nat, "stop": "2006"}], "labels": {"note": SECRET}},
            {"id": "P11", "episodes": [nat], "labels": {"note": SECRET}},
        ]
    }


def problems_of(doc: Any, cls: type = Cohort) -> tuple[str, ...]:
    with pytest.raises(CohortFormatError) as info:
        structure(doc, cls)
    return info.value.problems


EXPECTED_PROBLEMS = [
    "patient 'P01': episodes[0].start: partial date '2007-13': month 13 is not in 1..12",
    "patient 'P02': episodes[0].therapy: unknown therapy 'natalizumb'; did you mean 'natalizumab'",
    "patient 'P03': episodes[0].edss: EDSS 0.5 is not a score",
    "patient 'P04': episodes[0].reasons[0]: "
    "'XYZ' is not one of 'LOE', 'tlrb', 'Ps', 'JCV+', 'Pregn', 'other'",
    "patient 'P05': unknown field 'nickname'",
    "patients[5]: id: required field is missing",
    "patient 'P07': id: also used by patients[6]; ids must be unique in a cohort",
    "patient 'P09': observations[0].episode: 3 does not name one of the 1 episodes",
    "patient 'P10': episodes[0]: stop 2006 is before start 2007",
]


@pytest.mark.parametrize("expected", EXPECTED_PROBLEMS)
def test_a_malformed_cohort_lists_each_problem(expected: str) -> None:
    assert [expected] == [
        p[: len(expected)] for p in problems_of(malformed_cohort()) if p.startswith(expected)
    ]


def test_a_malformed_cohort_lists_nothing_else() -> None:
    assert len(EXPECTED_PROBLEMS) == len(problems_of(malformed_cohort()))


def test_a_malformed_cohort_summary_counts_the_problems() -> None:
    with pytest.raises(CohortFormatError, match=f"^cannot read a Cohort: {len(EXPECTED_PROBLEMS)} problems"):
        structure(malformed_cohort(), Cohort)


def test_problems_keep_the_validators_own_messages() -> None:
    assert [] == [p for p in problems_of(malformed_cohort()) if "invalid value" in p]


def test_problems_do_not_echo_records() -> None:
    with pytest.raises(CohortFormatError) as info:
        structure(malformed_cohort(), Cohort)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("field", ["start", "therapy", "edss", "stop", "reasons"])
def test_a_record_in_place_of_a_value_is_not_echoed(field: str) -> None:
    episode: dict[str, Any] = {"therapy": "Nat", "start": "2007", field: {"id": "P1", "note": SECRET}}
    doc = {"patients": [{"id": "P1", "episodes": [episode]}]}
    problems = problems_of(doc)
    assert (1, False) == (len(problems), SECRET in problems[0])


@pytest.mark.parametrize(
    ("patient", "expected"),
    [
        (
            {"id": "P1", "baseline_edss": "3"},
            "patient 'P1': baseline_edss: EDSS '3' is text: write the score as a number",
        ),
        ({"id": 7}, "patients[0]: id: patient id 7: expected text"),
        ({"id": "P1", "labels": ["a"]}, "patient 'P1': labels: expected an object of text values"),
        (
            {
                "id": "P1",
                "comorbidity_treatments": [
                    {"condition": "psoriasis", "modalities": ["topical"], "current": "no"}
                ],
            },
            "patient 'P1': comorbidity_treatments[0].current: 'no' is not true or false",
        ),
        (
            {
                "id": "P1",
                "episodes": [{"therapy": "Nat", "start": "2007"}],
                "observations": [
                    {
                        "outcome": "MS activity ceased",
                        "episode": "0",
                        "condition": "multiple sclerosis",
                        "latency_months": 2,
                    }
                ],
            },
            "patient 'P1': observations[0].episode: '0' is not a whole number",
        ),
        (
            {
                "id": "P1",
                "episodes": [{"therapy": "Nat", "start": "2007"}],
                "observations": [
                    {
                        "outcome": "MS activity ceased",
                        "episode": 0,
                        "condition": "multiple sclerosis",
                        "latency_months": 3.9,
                    }
                ],
            },
            "patient 'P1': observations[0].latency_months: 3.9 is not a whole number",
        ),
        (
            {"id": "P1", "episodes": [{"therapy": "Nat", "start": "2007", "stop": "later"}]},
            "patient 'P1': episodes[0].stop: partial date 'later'",
        ),
        (
            {"id": "P1", "episodes": [{"therapy": "Nat", "start": True}]},
            "patient 'P1': episodes[0].start: partial date True",
        ),
        (
            {"id": "P1", "episodes": ["Nat 2007"]},
            "patient 'P1': episodes[0]: expected an object (a TherapyEpisode)",
        ),
        (
            {"id": "P1", "diagnoses": [{"condition": "psoriasis", "csf": "positive"}]},
            "patient 'P1': diagnoses[0]: csf positive is MS evidence",
        ),
        (
            {"id": "P1", "episodes": [{"therapy": "Nat", "start": "2007", "reasons": "LOE"}]},
            "patient 'P1': episodes[0].reasons: 'LOE' is not a list",
        ),
        (
            {"id": "P1", "episodes": [{"therapy": "Nat", "start": "2007", "reasons": {"LOE": True}}]},
            "patient 'P1': episodes[0].reasons: an object is not a list",
        ),
        ({"id": "P1", "episodes": {"therapy": "Nat"}}, "patient 'P1': episodes: an object is not a list"),
    ],
)
def test_values_are_never_coerced_and_problems_name_them(patient: dict[str, Any], expected: str) -> None:
    problems = problems_of({"patients": [patient]})
    assert [expected] == [p[: len(expected)] for p in problems]


def test_ids_of_the_wrong_kind_are_reported_not_crashed_on() -> None:
    problems = problems_of({"patients": [{"id": ["x"]}, {"id": ["x"]}]})
    assert (
        "patients[0]: id: patient id a list: expected text",
        "patients[1]: id: patient id a list: expected text",
    ) == problems


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ([], ("expected a JSON object",)),
        ({"patients": {}}, ("patients: expected a list of patients",)),
        ({"patients": [], "extra": 1}, ("unknown field 'extra'",)),
        ({"patients": [5]}, ("patients[0]: expected an object (a patient)",)),
        ({"patients": [], "metadata": {"source": 3}}, ("metadata.source: 3 is not text",)),
    ],
)
def test_document_level_problems(doc: Any, expected: tuple[str, ...]) -> None:
    assert expected == problems_of(doc)


def test_reading_a_patient_names_it() -> None:
    problems = problems_of({"id": "P1", "baseline_edss": 0.5}, Patient)
    assert (
        "patient 'P1': baseline_edss: EDSS 0.5 is not a score: expected 0 or 1.0..10.0 in steps of 0.5",
    ) == problems


def test_reading_a_patient_reports_cross_field_problems_once_named() -> None:
    doc = {"id": "P1", "last_follow_up": "2001", "episodes": [{"therapy": "Nat", "start": "2007"}]}
    assert ("patient 'P1': episodes[0].start: 2007 is after last_follow_up 2001",) == problems_of(
        doc, Patient
    )


def test_reading_an_episode_keeps_the_models_message() -> None:
    doc = {"therapy": "Nat", "start": "2007", "stop": "2006"}
    assert ("stop 2006 is before start 2007",) == problems_of(doc, TherapyEpisode)


def test_reading_the_wrong_kind_of_document_says_what_was_expected() -> None:
    assert ("expected an object (a Patient)",) == problems_of("P1", Patient)


def test_cohort_format_error_is_a_value_error_and_a_library_error() -> None:
    with pytest.raises(ValueError, match="cannot read") as info:
        loads("[]", Cohort)
    assert isinstance(info.value, DmtTimelineError)


# -- text and files ---------------------------------------------------------------------------


def test_invalid_json_text_is_refused_with_its_position() -> None:
    with pytest.raises(CohortFormatError, match="cannot read JSON") as info:
        loads('{"patients": [', Cohort)
    assert info.value.problems[0].startswith("line 1 column 15: ")


def test_text_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(CohortFormatError, match=r"line 1 byte 24: not UTF-8 text"):
        loads(b'{"patients": [{"id": "P\xe9"}]}', Cohort)


def test_a_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "missing.json"
    with pytest.raises(CohortFormatError, match=re.escape(f"cannot read {path}: ")):
        load_cohort(path)


def test_a_malformed_file_is_refused_naming_it_and_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(malformed_cohort()), encoding="utf-8")
    with pytest.raises(CohortFormatError, match=re.escape(f"{path}: cannot read a Cohort")) as info:
        load_cohort(path)
    assert len(EXPECTED_PROBLEMS) == len(info.value.problems)


def test_a_file_of_invalid_json_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(CohortFormatError, match=re.escape(f"{path}: cannot read JSON")):
        load_cohort(path)


# -- custom catalogues ------------------------------------------------------------------------

BIOSIMILAR = Therapy(
    "interferon beta-1a biosimilar", "IFNb-1a-bio", TherapyClass.INTERFERON_BETA, None, (Route.SUBCUTANEOUS,)
)
DOC = '{"patients": [{"id": "P1", "episodes": [{"therapy": "IFNb-1a-bio", "start": "2015"}]}]}'


def test_a_custom_catalogue_lets_a_user_therapy_load() -> None:
    converter = make_converter(catalogue=CATALOGUE.extend(BIOSIMILAR))
    assert BIOSIMILAR == loads(DOC, Cohort, converter=converter).patients[0].episodes[0].therapy


def test_the_default_catalogue_refuses_a_user_therapy() -> None:
    with pytest.raises(CohortFormatError, match="unknown therapy 'IFNb-1a-bio'"):
        loads(DOC, Cohort)


def test_a_user_therapy_round_trips_through_its_converter(tmp_path: Path) -> None:
    converter = make_converter(catalogue=CATALOGUE.extend(BIOSIMILAR))
    cohort = loads(DOC, Cohort, converter=converter)
    save_cohort(cohort, tmp_path / "c.json", converter=converter)
    assert cohort == load_cohort(tmp_path / "c.json", converter=converter)


def test_parsing_agrees_with_the_standard_library_on_its_extensions() -> None:
    # NaN: orjson refuses it, the standard parser reads it; it is then refused as an EDSS.
    text = '{"id": "P1", "last_edss": NaN}'
    assert repr(json.loads(text)) == repr(parse(text))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"id": "P1", "labels": {"note": "\\ud800"}}', "labels.note: a lone surrogate, which is not text"),
        (
            '{"id": "P1", "labels": {"a": "1", "a": "2"}}',
            "labels: key 'a' given more than once in one object",
        ),
    ],
)
def test_what_the_standard_library_would_accept_silently_is_refused(text: str, problem: str) -> None:
    with pytest.raises(CohortFormatError) as caught:
        parse(text)
    assert (problem,) == caught.value.problems


def test_bad_json_is_reported_with_the_standard_library_position() -> None:
    with pytest.raises(CohortFormatError, match="line 1 column 8: Expecting value"):
        loads('{"id": }', Patient)


def test_an_integer_beyond_64_bits_is_refused_whichever_parser_reads_it() -> None:
    text = (
        '{"id": "P1", "episodes": [{"therapy": "Nat", "start": "2010"}], "observations": '
        '[{"outcome": "MS activity ceased", "condition": "multiple sclerosis", "episode": 0, '
        '"latency_months": 18446744073709551616}]}'
    )
    with pytest.raises(CohortFormatError, match=r"observations\[0\]\.latency_months"):
        loads(text, Patient)
    with pytest.raises(CohortFormatError, match=re.escape("0..1200")):
        structure(json.loads(text), Patient)
