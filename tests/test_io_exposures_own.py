"""Long exposure tables as researchers have them: their own column names, dates as they write
them, crosswalks, end policies, a data cut and repeated rows, each named by row and patient."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import InvalidValueError
from dmt_timeline.io import TableFormatError, build_episodes
from dmt_timeline.io.cells import ReadingOptions
from dmt_timeline.io.exposures import (
    EndPolicy,
    ExposureColumns,
    read_exposures_csv,
    read_exposures_rows,
    read_exposures_table,
)
from dmt_timeline.io.long import LongRead
from dmt_timeline.model import ONGOING, SwitchReason


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


DEFAULT = ExposureColumns()


def _problems(text: str, columns: ExposureColumns = DEFAULT, **options: object) -> list[str]:
    read = read_exposures_rows(_rows(text), columns, skip_bad_rows=True, **options)  # type: ignore[arg-type]
    return [str(p) for p in read.skipped]


OWN = ExposureColumns(
    person_id="Patient",
    drug="Drug",
    start="Start date",
    end="End date",
    stop_reason="Why stopped",
    reading=ReadingOptions(
        day_first=True,
        reasons={"GI side effects": "adverse event"},
        therapies={"Tecfidra": "dimethyl fumarate"},
    ),
)
OWN_TABLE = """\
Patient,Drug,Start date,End date,Why stopped
P1,Tecfidra,01/02/2015,28 Feb 2015,
P1,Tecfidera,1 Mar 2015,31/03/2015,GI side effects
P2,Tysabri,2016-01-05T09:30:00+01:00,2016-01-05 10:15,
"""


def test_a_table_with_its_own_names_dates_and_crosswalks() -> None:
    read = read_exposures_rows(_rows(OWN_TABLE), OWN)

    expected = [
        ("P1", "dimethyl fumarate", dt.date(2015, 2, 1), dt.date(2015, 2, 28), ()),
        ("P1", "dimethyl fumarate", dt.date(2015, 3, 1), dt.date(2015, 3, 31), (SwitchReason.ADVERSE_EVENT,)),
        ("P2", "natalizumab", dt.date(2016, 1, 5), dt.date(2016, 1, 5), ()),
    ]
    assert expected == [(e.person_id, e.drug, e.start, e.end, e.stop_reasons) for e in read]


def test_a_numeric_day_order_is_never_guessed() -> None:
    table = "person_id,drug,start,end\nP1,DMF,12/05/2015,2015-06-01\n"

    [problem] = _problems(table)

    assert problem.startswith(
        "row 2, column start: patient 'P1': date '12/05/2015': a date written with numbers only is read "
        "only when its order is declared"
    )


def test_month_day_order_when_declared() -> None:
    table = "person_id,drug,start,end\nP1,DMF,05/12/2015,06/01/2015\n"
    columns = ExposureColumns(reading=ReadingOptions(day_first=False))

    [exposure] = read_exposures_rows(_rows(table), columns)

    assert (dt.date(2015, 5, 12), dt.date(2015, 6, 1)) == (exposure.start, exposure.end)


def test_a_date_without_its_day_is_refused_by_name() -> None:
    table = "person_id,drug,start,end\nP1,DMF,Mar 2015,2015-06-01\n"

    expected = [
        "row 2, column start: patient 'P1': date 'Mar 2015' is not a whole date: an exposure needs its day"
    ]
    assert expected == _problems(table)


def test_an_unknown_reason_is_named() -> None:
    table = "person_id,drug,start,end,reason\nP1,DMF,2015-01-01,2015-02-01,bored\n"

    [problem] = _problems(table)

    assert problem.startswith("row 2, column reason: patient 'P1': stop reason 'bored' is not known")


def test_a_missing_column_is_named_once_with_what_was_found(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("person_id,drug,start date,end date\n1,DMF,2015-01-01,2015-01-02\n" * 1, encoding="utf-8")

    with pytest.raises(TableFormatError) as caught:
        read_exposures_csv(path, skip_bad_rows=True)

    expected = ["row 1: columns 'start', 'end' missing; found: 'person_id', 'drug', 'start date', 'end date'"]
    assert expected == [str(p) for p in caught.value.row_problems]


# -- end policies --------------------------------------------------------------------------------

SUPPLY = ExposureColumns(days_supply="days_supply")  # the table has no end column


def test_days_supply_gives_the_last_day_supplied_and_is_flagged() -> None:
    table = "person_id,drug,start,days_supply\nP1,DMF,2015-01-01,30\n"

    [exposure] = read_exposures_rows(_rows(table), SUPPLY, end_policy="days_supply")

    assert (dt.date(2015, 1, 30), EndPolicy.DAYS_SUPPLY) == (exposure.end, exposure.end_policy)


def test_a_recorded_end_wins_over_the_policy() -> None:
    table = "person_id,drug,start,end,days_supply\nP1,DMF,2015-01-01,2015-01-10,30\nP1,DMF,2015-02-01,,30\n"
    columns = ExposureColumns(days_supply="days_supply")

    read = read_exposures_rows(_rows(table), columns, end_policy=EndPolicy.DAYS_SUPPLY)

    expected = [
        (dt.date(2015, 1, 10), EndPolicy.RECORDED),
        (dt.date(2015, 3, 2), EndPolicy.DAYS_SUPPLY),
    ]
    assert expected == [(e.end, e.end_policy) for e in read]


def test_bad_days_supply_is_named() -> None:
    table = "person_id,drug,start,days_supply\nP1,DMF,2015-01-01,\nP1,DMF,2015-02-01,0\nP1,DMF,2015-03-01,x\n"

    expected = [
        "row 2, column days_supply: patient 'P1': days supply is blank (and so is the end)",
        "row 3, column days_supply: patient 'P1': days supply '0' is not at least 1",
        "row 4, column days_supply: patient 'P1': days supply 'x' is not a whole number such as 0 or 14 "
        "(ASCII digits)",
    ]
    assert expected == _problems(table, SUPPLY, end_policy="days_supply")


def test_a_blank_end_without_a_policy_is_a_row_problem() -> None:
    table = "person_id,drug,start,end\nP1,DMF,2015-01-01,\n"

    assert [
        "row 2, column end: patient 'P1': end is blank (set an end policy to fill blank ends)"
    ] == _problems(table)


def test_default_duration_per_therapy() -> None:
    table = "person_id,drug,start,end\nP1,Tysabri,2015-01-01,\nP1,DMF,2015-03-01,\n"

    read = read_exposures_rows(
        _rows(table), end_policy="default_duration", durations={"natalizumab": 28}, skip_bad_rows=True
    )

    assert [(dt.date(2015, 1, 28), EndPolicy.DEFAULT_DURATION)] == [(e.end, e.end_policy) for e in read]
    expected = [
        "row 3, column drug: patient 'P1': no default duration for 'dimethyl fumarate' (and the end is blank)"
    ]
    assert expected == [str(p) for p in read.skipped]


NEXT = "person_id,drug,start,end\nP1,DMF,2015-01-01,\nP1,Fing,2015-06-01,\nP2,DMF,2015-01-01,2015-02-01\n"


def test_next_start_leaves_an_exposure_open_until_the_next_one_or_the_data_cut() -> None:
    read = read_exposures_rows(_rows(NEXT), end_policy="next_start", as_of=dt.date(2016, 1, 1))

    expected = [
        (dt.date(2015, 5, 31), EndPolicy.NEXT_START),
        (dt.date(2016, 1, 1), EndPolicy.NEXT_START),
        (dt.date(2015, 2, 1), EndPolicy.RECORDED),
    ]
    assert expected == [(e.end, e.end_policy) for e in read]


def test_next_start_without_a_data_cut_names_the_last_open_row() -> None:
    expected = [
        "row 3, column end: patient 'P1': end is blank, no exposure starts later, and no data cut "
        "(as_of) is given"
    ]
    assert expected == _problems(NEXT, end_policy="next_start")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"end_policy": "days_supply"}, "end policy 'days_supply' needs the days_supply column"),
        ({"end_policy": "default_duration"}, "end policy 'default_duration' needs durations"),
        ({"durations": {"DMF": 30}}, "durations are for the end policy 'default_duration'"),
        ({"end_policy": "guess"}, "end policy 'guess' is not one of 'recorded', 'days_supply'"),
    ],
)
def test_a_policy_without_what_it_needs_is_refused(options: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidValueError, match=message):
        read_exposures_rows([], **options)  # type: ignore[arg-type]


def test_a_table_without_an_end_column_needs_a_policy() -> None:
    with pytest.raises(TableFormatError) as caught:
        read_exposures_rows([], header=["person_id", "drug", "start", "days_supply"])

    expected = ["row 1: column 'end' missing; found: 'person_id', 'drug', 'start', 'days_supply'"]
    assert expected == [str(p) for p in caught.value.row_problems]


def test_eras_say_which_stops_were_filled() -> None:
    read = read_exposures_rows(_rows(NEXT), end_policy="next_start", as_of=dt.date(2016, 1, 1))

    built = build_episodes(read)

    assert [("P1", "dimethyl fumarate"), ("P1", "fingolimod"), ("P2", "dimethyl fumarate")] == [
        (e.person_id, e.therapy) for e in built.eras
    ]
    assert (True, True, False) == built.stop_imputed


# -- the data cut ---------------------------------------------------------------------------------

CUT = "person_id,drug,start,end,reason\nP1,DMF,2015-01-01,2015-12-20,\nP2,DMF,2015-01-01,2015-12-20,tlrb\n"


def test_an_era_that_reaches_the_data_cut_is_ongoing() -> None:
    built = build_episodes(read_exposures_rows(_rows(CUT)), as_of=dt.date(2016, 1, 1))

    assert ONGOING == built.cohort["P1"].episodes[0].stop
    assert PartialDate(2015, 12, 20) == built.cohort["P2"].episodes[0].stop  # a stop reason says it stopped


def test_an_era_that_ends_a_window_before_the_cut_stopped() -> None:
    built = build_episodes(read_exposures_rows(_rows(CUT)), as_of=dt.date(2016, 1, 20))

    assert PartialDate(2015, 12, 20) == built.cohort["P1"].episodes[0].stop


def test_an_exposure_after_the_data_cut_is_refused_by_row() -> None:
    with pytest.raises(
        InvalidValueError, match=r"1 exposure\(s\) start after the data cut 2015-06-01: rows 3"
    ):
        build_episodes(
            read_exposures_rows(
                _rows(
                    "person_id,drug,start,end\nP1,DMF,2015-01-01,2015-01-30\nP1,DMF,2015-07-01,2015-07-30\n"
                )
            ),
            as_of=dt.date(2015, 6, 1),
        )


# -- repeated rows ----------------------------------------------------------------------------------


def test_a_repeated_row_is_reported_never_a_restart() -> None:
    table = "person_id,drug,start,end\nP1,DMF,2015-01-01,2015-01-30\nP1,Tecfidera,2015-01-01,2015-01-30\n"

    read = read_exposures_rows(_rows(table), skip_bad_rows=True)

    assert ["row 3, column drug: patient 'P1': repeats row 2 (same drug, start and end)"] == [
        str(p) for p in read.skipped
    ]
    assert 1 == len(build_episodes(read).cohort["P1"].episodes)
    assert () == read.patients_with_problems  # the row is in the history once: P1 keeps it


# -- files -------------------------------------------------------------------------------------------


def test_the_same_table_as_xlsx(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Exposures")
    for line in OWN_TABLE.splitlines():
        sheet.append(line.split(","))
    path = tmp_path / "exposures.xlsx"
    book.save(path)

    assert read_exposures_rows(_rows(OWN_TABLE), OWN) == read_exposures_table(path, OWN, sheet="Exposures")


def test_the_same_table_as_csv_through_the_file_reader(tmp_path: Path) -> None:
    path = tmp_path / "exposures.csv"
    path.write_text(OWN_TABLE, encoding="utf-8")

    assert read_exposures_rows(_rows(OWN_TABLE), OWN) == read_exposures_table(path, OWN)


def test_a_stata_file_with_date_variables(tmp_path: Path) -> None:
    pyreadstat = pytest.importorskip("pyreadstat")
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "person_id": ["P1", "P1"],
            "drug": ["DMF", "DMF"],
            "start": [dt.date(2015, 1, 1), dt.date(2015, 2, 1)],
            "end": [dt.date(2015, 1, 30), dt.date(2015, 3, 2)],
        }
    )
    path = tmp_path / "exposures.dta"
    pyreadstat.write_dta(frame, path)

    read = read_exposures_table(path)

    assert [(2, dt.date(2015, 1, 1)), (3, dt.date(2015, 2, 1))] == [(e.row, e.start) for e in read]


# -- properties ---------------------------------------------------------------------------------------

_DAYS = st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2030, 12, 31))
_CELL_START = st.one_of(_DAYS.map(dt.date.isoformat), st.sampled_from(["", "2015-13-01", "Mar 2015", "x"]))
_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["P1", "P2", ""]),
        st.sampled_from(["DMF", "natalizumab", "Tysbari", ""]),
        _CELL_START,
        st.one_of(st.integers(0, 400).map(str), st.just("")),
    ),
    max_size=25,
)


def _table(rows: list[tuple[str, str, str, str]]) -> list[dict[str, str]]:
    return [{"person_id": p, "drug": d, "start": s, "days_supply": n} for p, d, s, n in rows]


@given(_ROWS)
def test_rows_in_are_rows_read_plus_rows_reported(rows: list[tuple[str, str, str, str]]) -> None:
    read = read_exposures_rows(_table(rows), SUPPLY, end_policy="days_supply", skip_bad_rows=True)

    read_rows = {e.row for e in read}
    reported = {p.row for p in read.skipped}
    assert not read_rows & reported
    given_rows = {n for n, row in enumerate(rows, start=2) if any(row)}
    assert given_rows == read_rows | reported


@given(_ROWS)
def test_days_supply_fills_exactly_the_days_supplied(rows: list[tuple[str, str, str, str]]) -> None:
    read = read_exposures_rows(_table(rows), SUPPLY, end_policy="days_supply", skip_bad_rows=True)

    for exposure in read:
        assert int(rows[exposure.row - 2][3]) == (exposure.end - exposure.start).days + 1


@given(
    st.lists(st.tuples(st.sampled_from(["P1", "P2"]), st.sampled_from(["DMF", "Fing"]), _DAYS), max_size=15)
)
def test_a_repeated_row_changes_no_episode(rows: list[tuple[str, str, dt.date]]) -> None:
    table = [{"person_id": p, "drug": d, "start": s.isoformat(), "end": s.isoformat()} for p, d, s in rows]

    once = read_exposures_rows(table, skip_bad_rows=True)
    twice = read_exposures_rows(table + table, skip_bad_rows=True)

    assert len(once) == len(twice)
    assert build_episodes(once).cohort == build_episodes(twice).cohort


@given(st.lists(st.tuples(st.sampled_from(["P1", "P2"]), _DAYS), min_size=1, max_size=15))
def test_next_start_ends_before_every_later_start(rows: list[tuple[str, dt.date]]) -> None:
    table = [{"person_id": p, "drug": "DMF", "start": s.isoformat(), "end": ""} for p, s in rows]

    read = read_exposures_rows(table, end_policy="next_start", as_of=dt.date(2031, 1, 1), skip_bad_rows=True)

    for exposure in read:
        later = [s for p, s in rows if p == exposure.person_id and s > exposure.start]
        assert exposure.end == (min(later) - dt.timedelta(days=1) if later else dt.date(2031, 1, 1))


@given(_DAYS, st.booleans())
def test_a_whole_numeric_date_reads_back_in_its_declared_order(day: dt.date, day_first: bool) -> None:
    first, second = (day.day, day.month) if day_first else (day.month, day.day)
    text = f"{first:02d}/{second:02d}/{day.year}"
    table = [{"person_id": "P1", "drug": "DMF", "start": text, "end": day.isoformat()}]

    [exposure] = read_exposures_rows(table, ExposureColumns(reading=ReadingOptions(day_first=day_first)))

    assert day == exposure.start


# -- a TOML layout, read_table and the command line ------------------------------------------------

EXPOSURE_LAYOUT = """\
kind = "exposures"

[columns]
person_id = "Patient"
drug = "Drug"
start = "Dispensed"
days_supply = "Days"
stop_reason = "Why stopped"

[reading]
day_first = true

[crosswalk.therapies]
"Tecfidra" = "dimethyl fumarate"

[eras]
end_policy = "days_supply"
as_of = 2015-06-15
"""
DISPENSINGS = """\
Patient,Drug,Dispensed,Days,Why stopped
P1,Tecfidra,01/01/2015,30,
P1,Tecfidera,31/01/2015,30,
P1,Tecfidera,01/05/2015,30,
P2,Gilenya,01/01/2015,28,lack of efficacy
P3,Gilenya,01/01/2015,,
P3,Gilenya,01/02/2015,28,
"""


@pytest.fixture
def dispensings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dispensings.csv").write_text(DISPENSINGS, encoding="utf-8")
    (tmp_path / "layout.toml").write_text(EXPOSURE_LAYOUT, encoding="utf-8")
    return tmp_path


def test_an_exposure_table_through_its_layout_file(dispensings: Path) -> None:
    from dmt_timeline.io.sources import read_table  # noqa: PLC0415 - beside the layout tests

    read = read_table("dispensings.csv", "layout.toml", skip_bad_rows=True)

    episodes = {p.id: [(e.therapy.name, e.start, e.stop, e.reasons) for e in p.episodes] for p in read.cohort}
    assert {
        "P1": [
            ("dimethyl fumarate", PartialDate(2015, 1, 1), PartialDate(2015, 3, 1), ()),
            ("dimethyl fumarate", PartialDate(2015, 5, 1), ONGOING, ()),  # reaches the data cut
        ],
        "P2": [
            (
                "fingolimod",
                PartialDate(2015, 1, 1),
                PartialDate(2015, 1, 28),
                (SwitchReason.LOSS_OF_EFFECTIVENESS,),
            )
        ],
    } == episodes
    assert ["row 6, column Days: patient 'P3': days supply is blank (and so is the end)"] == [
        str(p) for p in read.skipped
    ]
    assert isinstance(read, LongRead)
    assert ("P3",) == read.skipped_patients  # left out whole: its history lacks a row


def test_the_commands_read_an_exposure_table(dispensings: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dmt_timeline.cli import main  # noqa: PLC0415 - the command line

    assert 1 == main(["summary", "dispensings.csv", "--layout", "layout.toml"])
    assert "row 6, column Days: patient 'P3': days supply is blank" in capsys.readouterr().err
    assert 3 == main(
        ["import", "dispensings.csv", "--layout", "layout.toml", "-o", "c.json", "--skip-bad-rows"]
    )
    assert "dispensings.csv: 2 patients read, 1 left out (P3); 1 problem" in capsys.readouterr().out
    assert 3 == main(["summary", "dispensings.csv", "--layout", "layout.toml", "--skip-bad-rows"])
    assert capsys.readouterr().out.startswith("2 patients, 3 therapy episodes\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('kind = "exposures"\n[columns]\nperson_id = "a"\ndrug = "b"', "layout [columns]: start is required"),
        (
            'kind = "exposures"\n[columns]\nperson_id = "a"\ndrug = "b"\nstart = "c"\n[eras]\nas_of = "2015"',
            "layout [eras] as_of '2015': expected a TOML date (2024-12-31)",
        ),
        (
            'kind = "exposures"\n[columns]\nperson_id = "a"\ndrug = "b"\nstart = "c"\n'
            '[eras]\nend_policy = "x"',
            "layout: end policy 'x' is not one of",
        ),
        (
            'kind = "exposures"\n[columns]\nperson_id = "a"\ndrug = "b"\nstart = "c"\nstop = "d"',
            "unknown key 'stop'; expected one of person_id",
        ),
        ('kind = "long"\n[eras]\nas_of = 2015-01-01', "layout: [eras] belongs to exposure layouts"),
    ],
)
def test_exposure_layout_errors_name_the_key(text: str, message: str) -> None:
    from dmt_timeline.errors import CohortFormatError  # noqa: PLC0415 - beside the layout tests
    from dmt_timeline.io.layouts import parse_layout  # noqa: PLC0415 - as above

    with pytest.raises(CohortFormatError) as info:
        parse_layout(text)
    assert message in str(info.value)


@given(
    st.lists(st.tuples(_DAYS, st.integers(1, 90), st.booleans()), min_size=1, max_size=12),
    st.integers(0, 400),
)
def test_an_era_is_ongoing_exactly_when_the_cut_is_within_its_window(
    rows: list[tuple[dt.date, int, bool]], after: int
) -> None:
    table = [
        {
            "person_id": "P1",
            "drug": "DMF",
            "start": s.isoformat(),
            "days_supply": str(n),
            "reason": "LOE" if r else "",
        }
        for s, n, r in rows
    ]
    columns = ExposureColumns(days_supply="days_supply")
    read = read_exposures_rows(table, columns, end_policy="days_supply", skip_bad_rows=True)
    as_of = max(s for s, _, _ in rows) + dt.timedelta(days=after)

    built = build_episodes(read, as_of=as_of)

    (window,) = (days for _, days in built.windows)
    for episode, era in zip(built.cohort["P1"].episodes, built.eras, strict=True):
        reaches = (as_of - era.end).days <= window and not episode.reasons
        assert (episode.stop == ONGOING) == reaches
