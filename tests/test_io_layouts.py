"""Layouts in TOML files, drafted from headers, and long tables read through them."""

from __future__ import annotations

import inspect
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import CohortFormatError
from dmt_timeline.io.layouts import (
    LongLayout,
    ReadingOptions,
    draft_layout,
    layout_toml,
    load_layout,
    parse_layout,
)
from dmt_timeline.io.long import read_long_rows
from dmt_timeline.io.sources import read_table
from dmt_timeline.io.tables import episodes_table
from dmt_timeline.io.wide import TableFormatError, TherapyColumns, WideLayout
from dmt_timeline.model import NOT_RECORDED, ONGOING, SwitchReason, TherapyEpisode
from dmt_timeline.reasons import reason_spellings
from dmt_timeline.strategies import therapy_episodes

LONG = """
kind = "long"

[columns]
patient_id = "Patient"
therapy = "Drug"
start = "Start date"
stop = "Stop date"
reasons = "Reason"
edss = "EDSS"
labels = ["Sex", "Site"]

[reading]
day_first = true
ongoing = ["ongoing", "still on"]

[crosswalk.reasons]
"GI side effects" = "adverse event"

[crosswalk.therapies]
"Tecfidra" = "dimethyl fumarate"
"""


def test_a_long_layout_from_toml() -> None:
    expected = LongLayout(
        patient_id="Patient",
        therapy="Drug",
        start="Start date",
        stop="Stop date",
        reasons="Reason",
        edss="EDSS",
        labels=("Sex", "Site"),
        reading=ReadingOptions(
            day_first=True,
            ongoing=("ongoing", "still on"),
            reasons={"GI side effects": "adverse event"},
            therapies={"Tecfidra": "dimethyl fumarate"},
        ),
    )
    assert expected == parse_layout(LONG)


def test_a_layout_file(tmp_path: Path) -> None:
    path = tmp_path / "layout.toml"
    path.write_text(LONG, encoding="utf-8")
    assert parse_layout(LONG) == load_layout(path)


def test_a_wide_layout_from_toml() -> None:
    text = """
kind = "wide"
index_therapy = "natalizumab"

[columns]
patient_id = "id"
last_edss = "final_edss"

[[therapies]]
therapy = "dmt1"
start = "dmt1_start"
reasons = "dmt1_reason"

[[therapies]]
therapy = "dmt2"
start = "dmt2_start"
"""
    # index_therapy sits at the top level of the file, beside kind.
    with pytest.raises(CohortFormatError, match="unknown key 'index_therapy'"):
        parse_layout(text)
    text = text.replace('index_therapy = "natalizumab"\n', "")
    expected = WideLayout(
        patient_id="id",
        last_edss="final_edss",
        therapies=(TherapyColumns("dmt1", "dmt1_start", "dmt1_reason"), TherapyColumns("dmt2", "dmt2_start")),
        reading=ReadingOptions(),
    )
    assert expected == parse_layout(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind = 'long'\n[columns]\npatient = 'id'", "unknown key 'patient'; did you mean patient_id?"),
        ("[columns]\npatient_id = 'id'\ntherapy = 'drug'", "start is required"),
        ("kind = 'tall'", "layout kind 'tall': expected 'long', 'wide' or 'exposures'"),
        ("[reading]\nday_frist = true", "unknown key 'day_frist'; did you mean day_first?"),
        ("[reading]\nday_first = 'yes'", "day_first 'yes': expected true, false or none"),
        ("[columns\n", "not valid TOML"),
        (
            "[columns]\npatient_id = 'a'\ntherapy = 'a'\nstart = 's'",
            "columns 'a' are used twice",
        ),
    ],
)
def test_layout_errors_name_the_key(text: str, message: str) -> None:
    with pytest.raises(CohortFormatError) as info:
        parse_layout(text)
    assert message in str(info.value)
    assert (None, None) == (info.value.__cause__, info.value.__context__)


names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12).filter(
    lambda s: s.strip() != ""
)


@given(st.lists(names, min_size=4, max_size=8, unique=True), st.sampled_from([None, True, False]))
def test_layout_toml_round_trips(columns: list[str], day_first: bool | None) -> None:
    layout = LongLayout(
        patient_id=columns[0],
        therapy=columns[1],
        start=columns[2],
        stop=columns[3],
        labels=columns[4:],
        reading=ReadingOptions(day_first=day_first, reasons={columns[0]: "AE"}),
    )
    assert layout == parse_layout(layout_toml(layout))


def test_draft_matches_column_names_to_fields() -> None:
    header = ["person_id", "Sex", "drug", "start date", "end date", "Reason for stopping", "EDSS", "Site"]
    layout, notes = draft_layout(header)
    expected = LongLayout(
        patient_id="person_id",
        therapy="drug",
        start="start date",
        stop="end date",
        reasons="Reason for stopping",
        edss="EDSS",
        labels=("Site",),
        sex="Sex",
    )
    assert (expected, "matched column 'end date'") == (layout, notes["stop"])


def test_draft_proposes_sex_and_birth_date() -> None:
    header = ["Patient", "Gender", "Date of birth", "Drug", "Start", "Site"]
    layout, notes = draft_layout(header)
    found = (layout.sex, layout.birth_date, layout.labels, notes["sex"], notes["birth_date"])
    assert (
        "Gender",
        "Date of birth",
        ("Site",),
        "matched column 'Gender'",
        "matched column 'Date of birth'",
    ) == found
    assert layout == parse_layout(layout_toml(layout))


def test_draft_marks_a_guess() -> None:
    layout, notes = draft_layout(["ID", "DMT name (brand)", "Date DMT started"])
    expected = ("DMT name (brand)", "Date DMT started")
    assert expected == (layout.therapy, layout.start)
    assert "a guess from column 'Date DMT started': confirm" == notes["start"]


def test_draft_says_what_it_could_not_find() -> None:
    with pytest.raises(CohortFormatError) as info:
        draft_layout(["person_id", "drug", "when"])
    assert "layout draft: no column for start; found: 'person_id', 'drug', 'when'" == str(info.value)


LAYOUT = LongLayout(
    patient_id="id", therapy="drug", start="start", stop="stop", reasons="why", edss="edss", labels=("sex",)
)


def row(**cells: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "P1",
        "drug": "Tysabri",
        "start": "2010",
        "stop": "",
        "why": "",
        "edss": "",
    }
    return {**base, **cells}


def test_a_long_table_of_episodes() -> None:
    read = read_long_rows(
        [
            row(drug="Avonex", start="Mar 2007", stop="2010-6", why="LOE", edss="2.5", sex="F"),
            row(start="2010-09", stop="ongoing", sex="F"),
            row(id="P2", drug="GA", start=2008),
        ],
        LAYOUT,
    )
    p1, p2 = read.cohort
    expected_p1 = (
        TherapyEpisode(
            CATALOGUE.get("interferon beta-1a"),
            PartialDate(2007, 3),
            PartialDate(2010, 6),
            (SwitchReason.LOSS_OF_EFFECTIVENESS,),
            2.5,
        ),
        TherapyEpisode(CATALOGUE.get("natalizumab"), PartialDate(2010, 9), ONGOING),
    )
    assert (expected_p1, (("sex", "F"),)) == (p1.episodes, p1.labels)
    assert (
        TherapyEpisode(CATALOGUE.get("glatiramer acetate"), PartialDate(2008), NOT_RECORDED),
    ) == p2.episodes


def test_missing_columns_are_named_once_with_what_was_found() -> None:
    with pytest.raises(TableFormatError) as info:
        read_long_rows([], LAYOUT, header=["person_id", "drug", "start date", "stop", "why", "edss", "sex"])
    assert [
        "row 1: columns 'id', 'start' missing; found: 'person_id', 'drug', 'start date', 'stop', 'why', "
        "'edss', 'sex'",
    ] == [str(p) for p in info.value.row_problems]


def test_a_headerless_file_is_not_echoed() -> None:
    with pytest.raises(TableFormatError) as info:
        read_long_rows([], LAYOUT, header=["Jane Roe", "Avonex", "March"])
    assert "Jane Roe" not in str(info.value)


def test_every_problem_is_named_by_row_patient_column_and_value() -> None:
    with pytest.raises(TableFormatError) as info:
        read_long_rows(
            [
                row(drug="Tysbari", edss="3.25"),
                row(id="", start="12/05/2012"),
                row(id="P3", stop="2009", why="intolernce"),
                row(id="P4", start="2012", stop="2010"),
                row(id="P5", stop="ongoing", why="LOE"),
                row(id="P6", sex="F"),
                row(id="P6", sex="M", start="2012"),
                row(id="P7"),
                row(id="P7"),
            ],
            LAYOUT,
        )
    assert [
        "row 2, column drug: patient 'P1': unknown therapy 'Tysbari'; did you mean 'Tysabri'?",
        "row 2, column edss: patient 'P1': EDSS 3.25 is not a score: expected 0 or 1.0..10.0 in steps of 0.5",
        "row 3, column id: patient id is empty",
        "row 3, column start: date '12/05/2012': a date written with numbers only is read only when its "
        "order is declared (day_first=True for DD/MM/YYYY, False for MM/DD/YYYY); accepted forms: "
        "YYYY, YYYY-MM, YYYY-M, YYYY-MM-DD, YYYY/MM, MM/YYYY, M/YYYY, Mar 2007, March 2007, 2007 Mar, "
        "14 Mar 2007, 2007-03-14T12:43:21-04:00, 2007-03-14 12:43, DD/MM/YYYY (day_first=True), "
        "MM/DD/YYYY (day_first=False)",
        "row 4, column why: patient 'P3': stop reason 'intolernce' is not known; did you mean 'intolerance'?",
        "row 5, column stop: patient 'P4': stop 2010 is before start 2012",
        "row 6, column why: patient 'P5': reasons LOE contradict stop ongoing (an ongoing episode has none)",
        "row 8, column sex: patient 'P6': 'M' differs from 'F' in row 7",
        "row 10, column drug: patient 'P7': repeats row 9 (same therapy, start and stop)",
    ] == [str(p) for p in info.value.row_problems]


def test_skip_bad_rows_leaves_out_whole_patients_and_names_them() -> None:
    read = read_long_rows(
        [row(id="P1"), row(id="P2", start="2011"), row(id="P2", start="x"), row(id="P3")],
        LAYOUT,
        skip_bad_rows=True,
    )
    assert (("P1", "P3"), ("P2",), [4]) == (
        tuple(p.id for p in read.cohort),
        read.skipped_patients,
        [p.row for p in read.skipped],
    )


def test_the_therapy_crosswalk() -> None:
    layout = LongLayout(
        patient_id="id", therapy="drug", start="start", reading=ReadingOptions(therapies={"Tecfidra": "DMF"})
    )
    read = read_long_rows([{"id": "P1", "drug": "tecfidra", "start": "2014"}], layout)
    assert CATALOGUE.get("dimethyl fumarate") == read.cohort["P1"].episodes[0].therapy


def test_a_therapy_crosswalk_to_an_unknown_therapy_is_refused() -> None:
    layout = LongLayout(
        patient_id="id", therapy="drug", start="start", reading=ReadingOptions(therapies={"X": "Y"})
    )
    with pytest.raises(CohortFormatError, match="therapy crosswalk 'X' = 'Y': not in the catalogue"):
        read_long_rows([], layout)


def test_no_reader_of_own_files_defaults_to_the_study_layout() -> None:
    empty = inspect.Parameter.empty
    assert (empty, empty) == (
        inspect.signature(read_long_rows).parameters["layout"].default,
        inspect.signature(read_table).parameters["layout"].default,
    )


def test_labels_come_out_in_tidy_tables() -> None:
    read = read_long_rows([row(sex="F"), row(id="P2")], LAYOUT)
    table = episodes_table(read.cohort).with_labels(read.cohort)
    assert [("P1", "F"), ("P2", None)] == [(r["patient_id"], r["sex"]) for r in table.to_dicts()]


def test_a_label_named_like_a_column_is_refused() -> None:
    read = read_long_rows([row()], LAYOUT)
    with pytest.raises(CohortFormatError, match="labels 'therapy' are already columns"):
        episodes_table(read.cohort).with_labels(read.cohort, ["therapy"])


SENTINELS = ("Jane-Roe-0917", "HIV+ confidential note", "1961-11-23")
cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "2007", "Mar 2007", "12/05/2012", "ongoing", "LOE", "Tysabri", "3.25", "NA"]),
    st.integers(-10, 3000),
    st.floats(allow_nan=True),
    st.none(),
)


@given(st.lists(st.fixed_dictionaries(dict.fromkeys(("id", "drug", "start", "stop", "why", "edss"), cells))))
def test_fuzzed_rows_give_own_errors_and_no_other_cell(rows: list[dict[str, object]]) -> None:
    # A free-text column the layout does not use, and a label that never conflicts: neither may
    # appear in any problem, whatever else the row holds.
    planted = [{**r, "notes": SENTINELS[1], "sex": SENTINELS[0]} for r in rows]
    read = read_long_rows(planted, LAYOUT, skip_bad_rows=True)
    texts = [str(p) for p in read.skipped]
    assert [] == [t for t in texts for s in SENTINELS[:2] if s in t]
    assert len(read.cohort) + len(read.skipped_patients) <= len(rows)


MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")  # fmt: skip
SPELLINGS_OF: dict[SwitchReason, list[str]] = {}
for _spelling, _reason in reason_spellings().items():
    SPELLINGS_OF.setdefault(_reason, []).append(_spelling)


@st.composite
def written_dates(draw: st.DrawFn, date: PartialDate) -> object:
    """A date as a person or a spreadsheet might write it, at its precision (day first)."""
    if date.month is None:
        return draw(st.sampled_from([str(date.year), date.year, float(date.year)]))
    name = MONTH_NAMES[date.month - 1]
    if date.day is None:
        return draw(
            st.sampled_from(
                [
                    f"{date.year}-{date.month:02d}",
                    f"{date.year}-{date.month}",
                    f"{date.month:02d}/{date.year}",
                    f"{name[:3]} {date.year}",
                    f"{name} {date.year}",
                    f"{date.year} {name[:3].upper()}",
                ]
            )
        )
    return draw(
        st.sampled_from(
            [
                f"{date.year}-{date.month:02d}-{date.day:02d}",
                f"{date.day:02d}/{date.month:02d}/{date.year}",
                f"{date.day} {name} {date.year}",
                f"{date.year}-{date.month:02d}-{date.day:02d} 10:30",
                date.first_day,
            ]
        )
    )


@st.composite
def written_rows(draw: st.DrawFn, who: str, episode: TherapyEpisode) -> dict[str, object]:
    stop = episode.stop
    if stop is ONGOING:
        stop_cell: object = draw(
            st.sampled_from(["ongoing", "Current", "continuing", "PRESENT", " to date "])
        )
    elif stop is NOT_RECORDED:
        stop_cell = draw(st.sampled_from(["", None, "  "]))
    else:
        assert isinstance(stop, PartialDate)
        stop_cell = draw(written_dates(stop))
    reasons = "; ".join(draw(st.sampled_from(SPELLINGS_OF[r])) for r in episode.reasons)
    return {
        "id": who,
        "drug": draw(st.sampled_from(episode.therapy.names)),
        "start": draw(written_dates(episode.start)),
        "stop": stop_cell,
        "why": reasons,
        "edss": "" if episode.edss is None else f"{episode.edss.score:g}",
        "sex": "F",
    }


@given(
    st.lists(
        st.lists(
            therapy_episodes(), min_size=1, max_size=4, unique_by=lambda e: (e.therapy, e.start, e.stop)
        ),
        min_size=1,
        max_size=5,
    ),
    st.data(),
)
def test_any_history_written_in_any_accepted_spelling_reads_back(
    histories: list[list[TherapyEpisode]], data: st.DataObject
) -> None:
    rows = [
        data.draw(written_rows(f"P{i}", episode))
        for i, episodes in enumerate(histories)
        for episode in episodes
    ]
    layout = attrs.evolve(LAYOUT, reading=ReadingOptions(day_first=True))
    read = read_long_rows(rows, layout)
    assert [[(e.therapy, e.start, e.stop, e.reasons, e.edss) for e in h] for h in histories] == [
        [(e.therapy, e.start, e.stop, e.reasons, e.edss) for e in p.episodes] for p in read.cohort
    ]
