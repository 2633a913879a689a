"""Drafting an exposure layout (``kind = "exposures"``) from a dispensing table's header."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline.cli import main
from dmt_timeline.errors import CohortFormatError
from dmt_timeline.io.exposures import EndPolicy, ExposureColumns, ExposureLayout
from dmt_timeline.io.layouts import (
    LongLayout,
    ReadingOptions,
    draft_exposure_layout,
    exposure_header,
    layout_toml,
    load_layout,
    parse_layout,
)
from dmt_timeline.io.sources import read_table

_DISPENSING = "Patient ID,Drug name,Dispense date,Days supplied,Sex,Pharmacy\n"


def test_a_dispensing_header_drafts_ends_from_the_days_supplied() -> None:
    layout, notes = draft_exposure_layout(_DISPENSING.strip().split(","))
    columns = ExposureColumns(
        person_id="Patient ID",
        drug="Drug name",
        start="Dispense date",
        stop_reason=None,
        days_supply="Days supplied",
        sex="Sex",
    )
    assert ExposureLayout(columns, end_policy=EndPolicy.DAYS_SUPPLY) == layout
    assert "no end column: ends drawn from the days supplied; confirm" == notes["end_policy"]
    assert layout == parse_layout(layout_toml(layout, notes=notes))


def test_an_exposure_header_with_ends_keeps_recorded_ends() -> None:
    layout, notes = draft_exposure_layout(["person_id", "drug", "start", "end", "reason"])
    assert ExposureLayout() == layout
    assert "end_policy" not in notes


def test_without_end_or_days_supply_the_draft_asks_for_an_end_policy() -> None:
    layout, notes = draft_exposure_layout(["id", "medication", "fill date"])
    assert (EndPolicy.RECORDED, "Fill date".lower()) == (layout.end_policy, layout.columns.start.lower())
    assert notes["end_policy"].startswith("no end column: choose")


def test_the_draft_says_what_it_could_not_find() -> None:
    with pytest.raises(CohortFormatError, match="layout draft: no column for drug; found: 'id', 'start'"):
        draft_exposure_layout(["id", "start"])


_SIGNS = [
    "days_supply",
    "Days supplied",
    "DAYS SUPPLY",
    "dispense date",
    "Fill-Date",
    "drug_exposure_start_date",
]
_LONG = ["Patient", "Drug", "Start", "Stop", "Reason for stopping", "EDSS", "Sex", "Site", "end date"]


@given(st.lists(st.sampled_from(_LONG), unique=True), st.sampled_from(_SIGNS), st.integers(0, 9))
def test_a_header_looks_like_an_exposure_table_by_a_days_supply_or_dispensing_column(
    others: list[str], sign: str, at: int
) -> None:
    assert exposure_header(others) is None
    header = [*others[:at], sign, *others[at:]]
    assert sign == exposure_header(header)


names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12).filter(
    lambda s: s.strip() != ""
)


@given(
    st.lists(names, min_size=6, max_size=6, unique=True),
    st.sampled_from(list(EndPolicy)),
    st.none() | st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)),
    st.integers(0, 365),
)
def test_an_exposure_layout_round_trips_through_toml(
    columns: list[str], policy: EndPolicy, as_of: dt.date | None, days: int
) -> None:
    layout = ExposureLayout(
        ExposureColumns(
            person_id=columns[0],
            drug=columns[1],
            start=columns[2],
            end=columns[3],
            stop_reason=columns[4],
            days_supply=columns[5],
            reading=ReadingOptions(therapies={columns[0]: "natalizumab"}),
        ),
        end_policy=policy,
        durations={"natalizumab": 28},
        as_of=as_of,
        persistence_days=days,
    )
    assert layout == parse_layout(layout_toml(layout))


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dispensing.csv").write_text(
        _DISPENSING
        + "P1,Tecfidera,2020-01-01,30,F,North\n"
        + "P1,Tecfidera,2020-01-31,30,F,North\n"
        + "P2,Gilenya,2021-03-01,28,M,South\n",
        encoding="utf-8",
    )
    (tmp_path / "episodes.csv").write_text(
        "Patient,Drug,Start,Stop\nP1,natalizumab,2015-01-01,2016-01-01\n", encoding="utf-8"
    )
    return tmp_path


def test_the_command_drafts_exposures_for_a_dispensing_table_and_says_why(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert 0 == main(["layout", "draft", "dispensing.csv", "-o", "draft.toml"])
    text = (folder / "draft.toml").read_text(encoding="utf-8")
    assert "# exposures: column 'Dispense date' reads as a dispensing table's (--kind long if not)\n" in text
    layout = load_layout(folder / "draft.toml")
    assert layout == draft_exposure_layout(_DISPENSING.strip().split(","))[0]
    read = read_table(folder / "dispensing.csv", layout)
    episodes = [
        (p.id, [(e.therapy.name, str(e.start), str(e.stop)) for e in p.episodes]) for p in read.cohort
    ]
    last_day = dt.date(2020, 1, 31) + dt.timedelta(days=30 - 1)  # the second dispensing's days
    assert [
        ("P1", [("dimethyl fumarate", "2020-01-01", last_day.isoformat())]),
        ("P2", [("fingolimod", "2021-03-01", "2021-03-28")]),
    ] == episodes


def test_the_kind_is_chosen_with_kind(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["layout", "draft", "episodes.csv", "--kind", "exposures", "-o", "e.toml"])
    forced = load_layout(folder / "e.toml")
    assert isinstance(forced, ExposureLayout)
    assert ("Patient", "Drug", "Start", "Stop") == (
        forced.columns.person_id,
        forced.columns.drug,
        forced.columns.start,
        forced.columns.end,
    )
    assert 0 == main(["layout", "draft", "episodes.csv", "-o", "l.toml"])
    assert isinstance(load_layout(folder / "l.toml"), LongLayout)
    capsys.readouterr()
    # Asked for a long layout, a dispensing table has no episode start to offer.
    assert 1 == main(["layout", "draft", "dispensing.csv", "--kind", "long", "-o", "d.toml"])
    assert "layout draft: no column for start; found: 'Patient ID'" in capsys.readouterr().err
    assert not (folder / "d.toml").exists()
