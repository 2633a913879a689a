"""PartialDate.read: every accepted form reads back at its precision; every refused form is named."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline.dates import DATE_FORMS, MAX_DATE_TEXT, PartialDate, Precision
from dmt_timeline.errors import InvalidDateError
from dmt_timeline.strategies import partial_dates

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

years = partial_dates(precisions=[Precision.YEAR])
months = partial_dates(precisions=[Precision.MONTH])
days = partial_dates(precisions=[Precision.DAY])
cases = st.sampled_from([str.lower, str.upper, str.title, lambda s: s])


def name(month: int | None, *, short: bool, case: Callable[[str], str]) -> str:
    assert month is not None
    full = MONTHS[month - 1]
    return case(full[:3] if short else full)


# -- every accepted form reads back to the same partial date at the same precision ----------


@given(years)
def test_year(date: PartialDate) -> None:
    assert date == PartialDate.read(f"{date.year}")


@given(years)
def test_year_as_a_number(date: PartialDate) -> None:
    assert (date, date) == (PartialDate.read(date.year), PartialDate.read(float(date.year)))


@given(months)
def test_iso_month(date: PartialDate) -> None:
    assert date == PartialDate.read(f"{date.year}-{date.month:02d}")


@given(months)
def test_year_dash_unpadded_month(date: PartialDate) -> None:
    assert date == PartialDate.read(f"{date.year}-{date.month}")


@given(days)
def test_iso_day(date: PartialDate) -> None:
    assert date == PartialDate.read(f"{date.year}-{date.month:02d}-{date.day:02d}")


@given(months, st.booleans())
def test_year_slash_month(date: PartialDate, pad: bool) -> None:
    month = f"{date.month:02d}" if pad else f"{date.month}"
    assert date == PartialDate.read(f"{date.year}/{month}")


@given(months, st.booleans())
def test_month_slash_year(date: PartialDate, pad: bool) -> None:
    month = f"{date.month:02d}" if pad else f"{date.month}"
    assert date == PartialDate.read(f"{month}/{date.year}")


@given(months, st.booleans(), cases, st.sampled_from([" ", "-", ". ", ""]))
def test_month_name_year(date: PartialDate, short: bool, case: Callable[[str], str], sep: str) -> None:
    sep = sep if short or sep != ". " else " "  # a full name takes no abbreviation dot
    assert date == PartialDate.read(f"{name(date.month, short=short, case=case)}{sep}{date.year}")


@given(months, st.booleans(), cases)
def test_year_month_name(date: PartialDate, short: bool, case: Callable[[str], str]) -> None:
    assert date == PartialDate.read(f"{date.year} {name(date.month, short=short, case=case)}")


@given(days, st.booleans(), cases, st.sampled_from([" ", "-", ""]))
def test_day_month_name_year(date: PartialDate, short: bool, case: Callable[[str], str], sep: str) -> None:
    text = f"{date.day}{sep}{name(date.month, short=short, case=case)}{sep}{date.year}"
    assert date == PartialDate.read(text)


@given(st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31, 23, 59)))
def test_date_time_with_offset_is_its_day_as_written(moment: dt.datetime) -> None:
    text = f"{moment:%Y-%m-%dT%H:%M:%S}-04:00"
    assert PartialDate.from_date(moment.date()) == PartialDate.read(text)


@given(
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31, 23, 59)),
    st.sampled_from(["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%MZ"]),
)
def test_date_time_is_its_day(moment: dt.datetime, form: str) -> None:
    assert PartialDate.from_date(moment.date()) == PartialDate.read(moment.strftime(form))


@given(days, st.sampled_from("/.-"))
def test_day_first(date: PartialDate, sep: str) -> None:
    text = f"{date.day:02d}{sep}{date.month:02d}{sep}{date.year}"
    assert date == PartialDate.read(text, day_first=True)


@given(days, st.sampled_from("/.-"))
def test_month_first(date: PartialDate, sep: str) -> None:
    text = f"{date.month}{sep}{date.day}{sep}{date.year}"
    assert date == PartialDate.read(text, day_first=False)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_date_cell(day: dt.date) -> None:
    assert PartialDate.from_date(day) == PartialDate.read(day)


@given(st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31)))
def test_datetime_cell(moment: dt.datetime) -> None:
    assert PartialDate.from_date(moment.date()) == PartialDate.read(moment)


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31)), st.floats(0, 0.999))
def test_excel_serial(day: dt.date, time_of_day: float) -> None:
    # Independent reference: from 1 March 1900 on, Excel's count equals a day count from
    # 30 December 1899 (its phantom 29 February 1900 is the one extra day).
    serial = (day - dt.date(1899, 12, 30)).days
    expected = PartialDate.from_date(day)
    assert (expected, expected) == (
        PartialDate.read(serial, excel_serial=True),
        PartialDate.read(serial + time_of_day, excel_serial=True),
    )


@pytest.mark.parametrize(
    ("serial", "day"),
    [
        (1, dt.date(1900, 1, 1)),
        (59, dt.date(1900, 2, 28)),
        (61, dt.date(1900, 3, 1)),
        (39083, dt.date(2007, 1, 1)),
        (39155, dt.date(2007, 3, 14)),
        ("39155", dt.date(2007, 3, 14)),
    ],
)
def test_excel_serial_examples(serial: int | str, day: dt.date) -> None:
    assert PartialDate.from_date(day) == PartialDate.read(serial, excel_serial=True)


@given(partial_dates())
def test_partial_date_passes_through(date: PartialDate) -> None:
    assert date is PartialDate.read(date)


def test_every_listed_form_is_read() -> None:
    examples = {
        "DD/MM/YYYY (day_first=True)": ("14/03/2007", True),
        "MM/DD/YYYY (day_first=False)": ("03/14/2007", False),
        "YYYY": ("2007", None),
        "YYYY-MM": ("2007-03", None),
        "YYYY-M": ("2007-3", None),
        "YYYY-MM-DD": ("2007-03-14", None),
        "YYYY/MM": ("2007/03", None),
        "MM/YYYY": ("03/2007", None),
        "M/YYYY": ("3/2007", None),
    }
    expected = {"YYYY": PartialDate(2007), "14 Mar 2007": PartialDate(2007, 3, 14)}
    for form in DATE_FORMS:
        text, day_first = examples.get(form, (form, None))
        date = PartialDate.read(text, day_first=day_first)
        want = expected.get(form, PartialDate(2007, 3, 14) if date.day else PartialDate(2007, 3))
        assert (form, want) == (form, date)


# -- refused forms, each named with the value and the forms accepted -------------------------


REFUSED = [
    ("12/05/2012", "order is declared"),  # ambiguous, and never guessed
    ("25/05/2012", "order is declared"),  # unambiguous, still undeclared: documented choice
    ("5/12/12", "not a date"),  # two-digit year
    ("2007-3-5", "not a date"),
    ("2007-13", "month 13 is not in 1..12"),
    ("13/2007", "month 13 is not in 1..12"),
    ("Marc 2007", "not an English month name"),
    ("Mär 2007", "not a date"),
    ("Q1 2007", "not a date"),
    ("mid-2007", "not an English month name"),
    ("2007?", "not a date"),
    ("2006-2007", "not a date"),
    ("1899", "year 1899 is outside"),
    ("2015-03-11T25:00", "not a time"),
    ("2015-02-30 10:00", "day 30 is not a day"),
    ("\uff12\uff10\uff10\uff17", "not a date"),  # fullwidth digits
    ("2007.0", "not a date"),
    ("", "not a date"),
    ("x" * (MAX_DATE_TEXT + 1), f"longer than {MAX_DATE_TEXT}"),
]


@pytest.mark.parametrize(("text", "why"), REFUSED)
def test_refused_text(text: str, why: str) -> None:
    with pytest.raises(InvalidDateError) as info:
        PartialDate.read(text)
    message = str(info.value)
    # Raised fresh: no chain that could carry another message about the cell.
    assert (None, None) == (info.value.__cause__, info.value.__context__)
    assert why in message
    assert message.startswith("date '")
    assert "accepted forms: YYYY, YYYY-MM" in message


def test_day_first_still_checks_the_day() -> None:
    with pytest.raises(InvalidDateError, match="day 31 is not a day of 2012-02"):
        PartialDate.read("31/02/2012", day_first=True)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (39155, "a number is read as a year"),  # never guessed to be a serial
        (2007.5, "a number is read as a year"),
        (True, "a truth value is not a date"),
        (None, "expected text, a date or a number"),
    ],
)
def test_refused_values(value: object, why: str) -> None:
    with pytest.raises(InvalidDateError, match=why):
        PartialDate.read(value)  # type: ignore[arg-type]  # refused at run time, as tested


@pytest.mark.parametrize(
    ("serial", "why"),
    [
        (60, "29 February 1900"),
        (0, "starts at 1"),
        (-3, "starts at 1"),
        (float("nan"), "finite"),
        (10**9, "after 2100"),
        ("2007-03", "expected an Excel serial"),
    ],
)
def test_refused_serials(serial: float | str, why: str) -> None:
    with pytest.raises(InvalidDateError, match=why):
        PartialDate.read(serial, excel_serial=True)


def test_parse_stays_strict() -> None:
    with pytest.raises(InvalidDateError):
        PartialDate.parse("Mar 2007")


def test_reading_is_linear_on_long_cells() -> None:
    # Bounded length: a hostile cell is refused before any pattern runs on it.
    start = time.perf_counter()
    for text in ("1" * 100_000, "Mar" * 100_000, "2007-" * 100_000):
        with pytest.raises(InvalidDateError):
            PartialDate.read(text)
    assert time.perf_counter() - start < 0.5
