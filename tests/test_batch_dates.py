"""Text dates in the batch engine's day columns read exactly as PartialDate.read reads them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")

from dmt_timeline.batch import DAY_FORMS, exposure_transitions  # noqa: E402 - after the skip
from dmt_timeline.dates import MAX_YEAR, MIN_YEAR, PartialDate, Precision  # noqa: E402
from dmt_timeline.errors import InvalidDateError, InvalidValueError  # noqa: E402

days = st.dates(min_value=dt.date(MIN_YEAR, 1, 1), max_value=dt.date(MAX_YEAR, 12, 31))
orders = st.sampled_from([None, True, False])
blanks = st.text(alphabet=" \t", max_size=40)


def _engine_day(text: str, day_first: bool | None) -> dt.date | None:
    """The day the engine reads from ``text`` as an exposure's start and end, or None if refused."""
    table = pa.table({"person_id": ["P"], "drug": ["DMF"], "start": [text], "end": [text]})
    try:
        episodes = exposure_transitions(table, day_first=day_first).episodes
    except InvalidValueError:
        return None
    start: dt.date = episodes["start"][0].as_py()
    assert start == episodes["stop"][0].as_py()
    return start


def _read_day(text: str, day_first: bool | None) -> dt.date | None:
    """The day PartialDate.read reads from ``text``, or None if it refuses it or it is no day."""
    try:
        found = PartialDate.read(text, day_first=day_first)
    except InvalidDateError:
        return None
    if found.precision is not Precision.DAY:
        return None
    return dt.date(found.year, found.month or 0, found.day or 0)


@st.composite
def written_days(draw: st.DrawFn) -> tuple[str, dt.date, bool | None]:
    """A day written in one of the forms the engine reads, with the order it needs."""
    day = draw(days)
    form = draw(st.sampled_from(["iso", "date-time", "numeric"]))
    order = draw(orders)
    if form == "iso":
        text = day.isoformat()
    elif form == "date-time":
        clock = f"{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}"
        if draw(st.booleans()):
            clock += f":{draw(st.integers(0, 59)):02d}"
            if draw(st.booleans()):
                clock += draw(st.sampled_from(".,")) + str(draw(st.integers(0, 999_999_999)))
        offset = draw(st.sampled_from(["", "Z", "+{h}", "-{h}:{m}", "+{h}{m}"]))
        offset = offset.format(h=f"{draw(st.integers(0, 14)):02d}", m=f"{draw(st.integers(0, 59)):02d}")
        text = f"{day.isoformat()}{draw(st.sampled_from('T '))}{clock}{offset}"
    else:
        order = draw(st.booleans())
        sep = draw(st.sampled_from("/.-"))
        d = f"{day.day:02d}" if draw(st.booleans()) else str(day.day)
        m = f"{day.month:02d}" if draw(st.booleans()) else str(day.month)
        first, second = (d, m) if order else (m, d)
        text = f"{first}{sep}{second}{sep}{day.year:04d}"
    return draw(blanks) + text + draw(blanks), day, order


@settings(deadline=None)
@given(written_days())
def test_every_form_read_gives_the_day_partial_date_read_gives(
    case: tuple[str, dt.date, bool | None],
) -> None:
    text, day, order = case
    expected = _read_day(text, order)
    assert expected == _engine_day(text, order)
    if len(text) <= 64:  # PartialDate.read refuses longer cells unread, and so does the engine
        assert day == expected


# Text of digits and the separators of every numeric form: any day the engine reads from it,
# PartialDate.read reads the same, and any whole day PartialDate.read reads, the engine reads.
date_like = st.text(alphabet="0123456789-/.:TZ+ ,", max_size=30)


@settings(deadline=None)
@given(date_like, orders)
def test_any_text_reads_as_partial_date_read_reads_it(text: str, order: bool | None) -> None:
    assert _read_day(text, order) == _engine_day(text, order)


@settings(deadline=None)
@given(days.map(lambda d: d.isoformat()[:7]) | days.map(lambda d: d.isoformat()[:4]))
def test_a_year_or_month_alone_is_refused_as_no_whole_date(text: str) -> None:
    table = pa.table({"person_id": ["P"], "drug": ["DMF"], "start": [text], "end": ["2100-01-01"]})
    with pytest.raises(InvalidValueError, match=r"column start: not a whole date .*YYYY or YYYY-MM"):
        exposure_transitions(table)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Mar 2007", "not a whole date"),
        ("14 Mar 2007", "not a whole date"),
        ("2007-3-14", "not a whole date"),
        ("12/05/2012", "read only when its order is declared"),
        ("2015-03-11T24:00", "a time of day that is not a time"),
        ("31/02/2012", "read only when its order is declared"),
        (" " * 60 + "2012-05-12", "longer than 64 characters"),
    ],
)
def test_refused_forms_are_named(text: str, problem: str) -> None:
    table = pa.table({"person_id": ["P"], "drug": ["DMF"], "start": [text], "end": ["2100-01-01"]})
    with pytest.raises(InvalidValueError, match=f"column start: .*{problem}.* at row\\(s\\) 2$"):
        exposure_transitions(table)


def test_numeric_days_read_in_the_declared_order() -> None:
    table = pa.table(
        {"person_id": ["P", "Q"], "drug": ["DMF"] * 2, "start": ["05/06/2012"] * 2, "end": ["07.07.2012"] * 2}
    )
    expected: dict[bool, Any] = {True: dt.date(2012, 6, 5), False: dt.date(2012, 5, 6)}
    for order, day in expected.items():
        assert [day, day] == exposure_transitions(table, day_first=order).episodes["start"].to_pylist()


def test_the_forms_are_listed_in_the_message() -> None:
    table = pa.table({"person_id": ["P"], "drug": ["DMF"], "start": ["soon"], "end": ["2100-01-01"]})
    with pytest.raises(InvalidValueError) as info:
        exposure_transitions(table)
    assert all(form in str(info.value) for form in DAY_FORMS)


@settings(deadline=None)
@given(st.lists(written_days(), min_size=1, max_size=40), st.booleans())
def test_a_column_of_mixed_forms_reads_each_cell_as_partial_date_read_does(
    cases: list[tuple[str, dt.date, bool | None]], order: bool
) -> None:
    # One declared order for the column: the cells written in the other order are left out.
    texts = [text for text, day, _ in cases if _read_day(text, order) == day]
    if not texts:
        return
    n = len(texts)
    table = pa.table(
        {"person_id": [f"P{i}" for i in range(n)], "drug": ["DMF"] * n, "start": texts, "end": texts}
    )
    episodes = exposure_transitions(table, day_first=order).episodes
    found = dict(zip(episodes["patient_id"].to_pylist(), episodes["start"].to_pylist(), strict=True))
    assert [_read_day(text, order) for text in texts] == [found[f"P{i}"] for i in range(n)]
