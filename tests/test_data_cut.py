"""The data cut ``as_of``: one rule for every entry that takes it (dates.data_cut)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dmt_timeline.datasets import load_natalizumab_psoriasis
from dmt_timeline.dates import data_cut
from dmt_timeline.errors import DmtTimelineError, InvalidValueError
from dmt_timeline.io.exposures import ExposureLayout, build_episodes, read_exposures_csv
from dmt_timeline.io.wide import read_wide_rows
from dmt_timeline.io.wide._layout import STUDY_LAYOUT
from dmt_timeline.report import render_report

NOT_DAYS = ["2020-12-31", dt.datetime(2020, 12, 31, 8, 0), 20201231, 2020.5, [2020, 12, 31]]


@pytest.mark.parametrize("value", [None, dt.date(2020, 12, 31), dt.date(1900, 1, 1)])
def test_a_day_or_none_is_a_data_cut(value: dt.date | None) -> None:
    assert data_cut(value) == value


def test_a_pendulum_date_is_a_day() -> None:
    import pendulum  # noqa: PLC0415

    assert data_cut(pendulum.date(2020, 12, 31)) == dt.date(2020, 12, 31)


@pytest.mark.parametrize("value", NOT_DAYS)
def test_anything_else_is_refused_naming_the_field(value: object) -> None:
    with pytest.raises(InvalidValueError, match=r"^cut: must be a day as a datetime\.date") as info:
        data_cut(value, "cut")
    if isinstance(value, list):  # a container is only named: it may be a record
        assert str(info.value).endswith("got a list")


def _exposures(tmp_path: Path) -> Path:
    path = tmp_path / "exposures.csv"
    path.write_text("person_id,drug,start,end\n1,natalizumab,2015-01-01,2015-06-01\n")
    return path


def _entries(tmp_path: Path) -> list[Callable[[Any], object]]:
    exposures = _exposures(tmp_path)
    cohort = load_natalizumab_psoriasis()
    return [
        lambda cut: read_exposures_csv(exposures, as_of=cut),
        lambda cut: build_episodes(read_exposures_csv(exposures).exposures, as_of=cut),
        lambda cut: ExposureLayout(as_of=cut),
        lambda cut: render_report(cohort, as_of=cut),
        lambda cut: read_wide_rows([], STUDY_LAYOUT, as_of=cut),
    ]


@pytest.mark.parametrize("value", NOT_DAYS[:3])
@pytest.mark.parametrize("entry", range(5))
def test_every_entry_refuses_a_cut_that_is_no_day_before_reading(
    tmp_path: Path, entry: int, value: object
) -> None:
    with pytest.raises(DmtTimelineError, match="as_of: must be a day"):
        _entries(tmp_path)[entry](value)
