"""Reprs and HTML views: their shape, their length, and that they escape what they show."""

from __future__ import annotations

import datetime as dt
import html.parser
import re
from functools import cache

import attrs
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline import Timeline
from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.errors import quoted
from dmt_timeline.io.tables import Column, ColumnType, TidyTable, episodes_table
from dmt_timeline.latency import latency
from dmt_timeline.model import ONGOING, Cohort, CohortMetadata, Patient, TherapyEpisode
from dmt_timeline.strategies import cohorts, patients
from dmt_timeline.studies.natalizumab_psoriasis import Report, reproduce
from tests.leaks import SENTINELS, assert_no_leak


@cache
def _bundled() -> Cohort:
    return load_natalizumab_psoriasis()


@cache
def _report() -> Report:
    return reproduce(_bundled(), n_resamples=99)


def _patient(patient_id: str = "P01") -> Patient:
    return Patient(
        patient_id,
        episodes=(
            TherapyEpisode(CATALOGUE.get("interferon beta"), "2001", "2006"),
            TherapyEpisode(CATALOGUE.get("natalizumab"), "2006", ONGOING),
        ),
        labels={"group": "a"},
    )


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(markup: str) -> _Tags:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser


def test_patient_repr_lists_episodes_and_counts() -> None:
    expected = "<Patient 'P01': IFNb 2001..2006, Nat 2006..ongoing; 1 label>"
    assert expected == repr(_patient())


def test_bundled_cohort_repr_is_a_few_short_lines() -> None:
    text = repr(_bundled())
    lines = text.splitlines()
    assert lines[0] == "<Cohort: 18 patients, 49 episodes"
    assert lines[2] == " date precision of starts and stops: year 49"
    assert lines[3] == " episodes by therapy: Nat 19, GA 15, IFNb 11, DMF 3, Fing 1"
    assert text.endswith(">")
    assert len(text) < 600


def test_cohort_repr_quotes_its_source() -> None:
    cohort = Cohort((_patient(),), CohortMetadata(source="line one\nline two"))
    assert " source: 'line one\\nline two'" == repr(cohort).splitlines()[1]


def test_timeline_and_line_reprs() -> None:
    timeline = Timeline.of(_patient())
    assert "<Timeline 'P01': IFNb 2001..2006 -> Nat 2006..ongoing>" == repr(timeline)
    assert "<Line 2: Nat 2006..ongoing>" == repr(timeline.lines()[1])


def test_transition_repr_is_one_line_without_the_reason() -> None:
    (transition,) = Timeline.of(_patient()).transitions()
    text = repr(transition)
    assert re.fullmatch(r"<Transition IFNb 2001\.\.2006 -> Nat 2006\.\.ongoing: \w+ switch, gap .+>", text)
    assert transition.reason not in text or not transition.reason


def test_latency_repr_names_patient_outcome_and_episode() -> None:
    cohort = _bundled()
    found = latency(cohort.patients[0], "MS", episode=2)
    expected = f"<Latency 'P01' 'MS': {found.months}{'' if found.observed else ' (censored)'} after "
    assert repr(found).startswith(expected)


def test_tidy_table_repr_shows_size_names_and_first_rows() -> None:
    table = episodes_table(_bundled())
    lines = repr(table).splitlines()
    assert "<TidyTable: 49 rows x 16 columns" == lines[0]
    assert lines[1].split()[:3] == ["patient_id", "episode", "line"]
    assert lines[2].split()[:2] == ["P01", "0"]
    assert " ... 44 more rows>" == lines[-1]
    assert len(lines) == 1 + 1 + 5 + 1
    assert all(len(line) <= 101 for line in lines)


def test_empty_tidy_table_repr() -> None:
    assert "<TidyTable: 0 rows x 0 columns>" == repr(TidyTable((), ()))


def test_bundled_report_repr_is_short() -> None:
    text = repr(_report())
    assert text.startswith("<Report: 18 patients, 31 claims (")
    assert len(text) < 1500
    assert len(text.splitlines()) <= 10


def test_reprs_leave_equality_hashing_and_fields_alone() -> None:
    patient = _patient()
    assert patient == attrs.evolve(patient)
    assert hash(patient) == hash(attrs.evolve(patient))
    assert attrs.asdict(patient)["id"] == "P01"


@given(patients(ids=st.text(min_size=1, max_size=300).filter(str.strip)))
def test_patient_repr_is_one_bounded_line_with_the_quoted_id(patient: Patient) -> None:
    text = repr(patient)
    assert "\n" not in text
    assert quoted(patient.id) in text
    # 6 episodes shown at most, each label and two dates, plus the counts.
    assert len(text) < 500


@given(cohorts(max_size=8))
def test_cohort_repr_is_bounded(cohort: Cohort) -> None:
    text = repr(cohort)
    assert text.startswith(f"<Cohort: {len(cohort)} patient")
    assert len(text.splitlines()) <= 5
    assert len(text) < 800


@given(
    st.lists(
        st.tuples(st.text(max_size=200), st.integers(), st.none() | st.dates(), st.floats(allow_nan=False)),
        max_size=20,
    )
)
def test_tidy_table_repr_is_bounded(rows: list[tuple[str, int, dt.date | None, float]]) -> None:
    columns = tuple(Column(n, t) for n, t in zip("sidf", ColumnType, strict=False))
    text = repr(TidyTable(columns, tuple(rows)))
    lines = text.splitlines()
    assert len(lines) <= 1 + 1 + 5 + 1
    assert all(len(line) <= 101 for line in lines)


def test_patient_html_has_a_drawing_and_an_escaped_table() -> None:
    markup = _patient("<script>alert(1)</script>")._repr_html_()
    parsed = _parse(markup)
    assert "script" not in parsed.tags
    assert {"svg", "rect", "table", "th", "td"} <= set(parsed.tags)
    assert parsed.tags.count("rect") == 2
    assert "Nat" in parsed.text


def test_cohort_html_summarises_and_escapes() -> None:
    cohort = Cohort((_patient(),), CohortMetadata(source=f"<b>{SENTINELS[0]}</b>"))
    parsed = _parse(cohort._repr_html_())
    assert "b" not in parsed.tags
    assert ["therapy", "episodes"] == [t for t in parsed.text if t in {"therapy", "episodes"}][-2:]


def test_tidy_table_html_shows_ten_rows_with_names_and_types() -> None:
    table = episodes_table(_bundled())
    parsed = _parse(table._repr_html_())
    assert parsed.tags.count("tr") == 1 + 10
    assert parsed.tags.count("th") == 16
    assert "patient_id" in parsed.text
    assert "string" in parsed.text
    assert "... 39 more rows" in parsed.text


def test_tidy_table_html_escapes_cells() -> None:
    table = TidyTable((Column("note", ColumnType.STRING),), (("<img src=x onerror=alert(1)>",),))
    parsed = _parse(table._repr_html_())
    assert "img" not in parsed.tags


def test_reprs_of_a_planted_id_show_it_only_quoted() -> None:
    patient = _patient(SENTINELS[0] + "\n" + SENTINELS[1])
    text = repr(patient)
    assert "\n" not in text
    assert_no_leak([text], [SENTINELS[0] + "\n"])
