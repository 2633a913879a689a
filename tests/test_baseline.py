"""The baseline table, and the patient fields it reads (sex, birth date)."""

from __future__ import annotations

import datetime as dt
import json
import random
import warnings
from pathlib import Path

import attrs
import cattrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline import (
    CATALOGUE,
    ONGOING,
    CohortFormatError,
    Condition,
    Diagnosis,
    InvalidValueError,
    PartialDate,
    Patient,
    Sex,
    StatsInputError,
    TherapyEpisode,
    UnknownTherapyError,
)
from dmt_timeline.analyses.baseline import _smallest_sd, baseline_characteristics, baseline_table
from dmt_timeline.serialize import load_cohort, unstructure
from dmt_timeline.serialize._fast import _FAST
from dmt_timeline.serialize._hooks import _CONVERTER
from dmt_timeline.strategies import refinements

NATALIZUMAB = CATALOGUE.get("natalizumab")


def _patient(pid: str, start: object, **kw: object) -> Patient:
    return Patient(pid, (TherapyEpisode(NATALIZUMAB, start, ONGOING),), **kw)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- the model


def test_sex_is_read_from_its_value() -> None:
    assert Sex.FEMALE == _patient("P1", "2010", sex="female").sex


def test_unknown_sex_is_refused_naming_field_and_value() -> None:
    with pytest.raises(InvalidValueError, match="sex 'F' is not one of female, male, other"):
        _patient("P1", "2010", sex="F")


def test_birth_year_is_a_partial_date() -> None:
    assert PartialDate(1980) == _patient("P1", "2010", birth_date="1980").birth_date


def test_episode_certainly_before_birth_is_refused() -> None:
    with pytest.raises(
        InvalidValueError, match=r"patient 'P1': episodes\[0\].start: 2010 is before birth_date 2011"
    ):
        _patient("P1", "2010", birth_date="2011")


def test_birth_in_the_year_of_the_first_start_is_allowed() -> None:
    assert _patient("P1", "2010-03", birth_date="2010").birth_date is not None


@pytest.mark.parametrize("converter", [_CONVERTER, _FAST], ids=["detailed", "fast"])
def test_sex_and_birth_date_round_trip(converter: cattrs.Converter) -> None:
    patient = _patient("P1", "2010", sex=Sex.MALE, birth_date="1980-05")
    raw = unstructure(patient)
    assert {"sex": "male", "birth_date": "1980-05"}.items() <= raw.items()
    assert patient == converter.structure(raw, Patient)


# ----------------------------------------------------------------------------- characteristics


def test_age_at_index_is_a_range_under_a_birth_year() -> None:
    table = baseline_characteristics([_patient("P1", "2010-06-15", birth_date="1980")])
    row = table.to_dicts()[0]
    # Born any day of 1980: 29 full years on 2010-06-15 (born after it in 1980) or 30.
    assert (29, 30) == (row["age_low"], row["age_high"])


def test_disease_duration_counts_whole_months_from_ms_diagnosis() -> None:
    patient = _patient("P1", "2010-07-01", diagnoses=(Diagnosis(Condition.MULTIPLE_SCLEROSIS, "2008-01-01"),))
    row = baseline_characteristics([patient]).to_dicts()[0]
    assert (2.5, 2.5) == (row["disease_duration_low"], row["disease_duration_high"])


def test_index_may_be_a_therapy_or_a_mapping() -> None:
    patient = Patient(
        "P1",
        (
            TherapyEpisode(CATALOGUE.get("interferon beta"), "2000-01-01", "2005-01-01"),
            TherapyEpisode(NATALIZUMAB, "2005-02-01", ONGOING),
        ),
        birth_date="1970-01-01",
    )
    by_therapy = baseline_characteristics([patient], index=NATALIZUMAB).to_dicts()[0]
    by_map = baseline_characteristics([patient], index={"P1": PartialDate(2003)}).to_dicts()[0]
    assert (35, 33) == (by_therapy["age_low"], by_map["age_low"])


def test_an_index_therapy_may_be_named() -> None:
    patient = _patient("P1", "2010-06-15", birth_date="1980-06-15")
    assert 30 == baseline_characteristics([patient], index="Nat").to_dicts()[0]["age_low"]


def test_an_unknown_index_is_refused() -> None:
    with pytest.raises(UnknownTherapyError, match="'last'"):
        baseline_characteristics([], index="last")
    with pytest.raises(InvalidValueError, match="index 3 is not"):
        baseline_characteristics([], index=3)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- the table


def _cohort(n: int, seed: int = 1) -> list[Patient]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(15000))
        start = birth + dt.timedelta(days=rng.randrange(6000, 20000))
        diagnoses: tuple[Diagnosis, ...] = ()
        if rng.random() < 0.8:
            diagnoses = (
                Diagnosis(Condition.MULTIPLE_SCLEROSIS, start - dt.timedelta(days=rng.randrange(100, 3000))),
            )
        out.append(
            _patient(
                f"P{i}",
                start,
                diagnoses=diagnoses,
                sex=rng.choice(["female", "male", None, "female"]),
                birth_date=birth if rng.random() < 0.9 else None,
                labels={"site": rng.choice("ab")},
                baseline_edss=rng.choice([None, 1.0, 2.5, 3.0, 6.5]),
            )
        )
    return out


def test_agrees_with_tableone_on_exact_dates() -> None:
    pd = pytest.importorskip("pandas")
    tableone = pytest.importorskip("tableone")
    cohort = _cohort(60)
    mine = baseline_table(cohort, by="site", min_cell_count=1)
    chars = baseline_characteristics(cohort).with_labels(cohort).to_pandas()
    frame = pd.DataFrame(
        {
            "sex": chars["sex"].astype(object).where(chars["sex"].notna(), None),
            "site": chars["site"].astype(str),
            **{v: chars[f"{v}_low"].astype(float) for v in ("age", "disease_duration")},
            "baseline_edss": chars["baseline_edss"].astype(float),
        }
    )
    continuous = ["age", "disease_duration", "baseline_edss"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tableone's own deprecation and dtype notices
        medians = tableone.TableOne(
            frame, columns=["sex", *continuous], categorical=["sex"], nonnormal=continuous, groupby="site"
        ).tableone
        means = tableone.TableOne(frame, columns=continuous, groupby="site").tableone
    theirs = {}
    for table in (medians, means):
        for (variable, level), row in table.iterrows():
            for group in ("Overall", "a", "b"):
                theirs[(variable, level, group)] = str(row[("Grouped by site", group)])
    texts = {(head, level): cells for head, level, cells in mine.rows()}
    names = {
        "age": "age (years)",
        "disease_duration": "disease duration (years)",
        "baseline_edss": "baseline EDSS",
    }
    for i, group in enumerate(("Overall", "a", "b")):
        assert theirs[("n", "", group)] == texts[("n", "")][i]
        for level, their_level in (("female", "female"), ("male", "male"), ("missing", "None")):
            head = "sex, n (%)" if level == "female" else ""
            assert theirs[("sex, n (%)", their_level, group)] == texts[(head, level)][i]
        for v in continuous:
            for stat in ("median [Q1,Q3]", "mean (SD)"):
                assert theirs[(f"{v}, {stat}", "", group)] == texts[(f"{names[v]}, {stat}", "")][i]


def test_suppression_worked_by_hand() -> None:
    # Site a: 7 patients, 6 female and 1 male. The 1 is suppressed (< 3), and the smallest
    # other non-zero level (6 female) with it, or it would be 7 - 6.
    cohort = [
        _patient(f"A{i}", "2010", sex="male" if i == 0 else "female", labels={"site": "a"}) for i in range(7)
    ] + [_patient(f"B{i}", "2010", sex="female" if i < 4 else "male", labels={"site": "b"}) for i in range(8)]
    table = baseline_table(cohort, by="site", continuous=(), min_cell_count=3)
    assert (None, None, True) == table.cell("a", "sex", "male", "n")
    assert (None, None, True) == table.cell("a", "sex", "female", "n")
    assert (4.0, 4.0, False) == table.cell("b", "sex", "female", "n")
    assert (50.0, 50.0, False) == table.cell("b", "sex", "male", "percent")
    assert (10.0, 10.0, False) == table.cell("Overall", "sex", "female", "n")
    assert "<3" in table.to_text()


def test_a_small_group_is_suppressed_whole() -> None:
    cohort = [
        _patient(f"A{i}", "2010", sex="female", labels={"site": "a"}, baseline_edss=2.0) for i in range(2)
    ]
    table = baseline_table(cohort, by="site", min_cell_count=3)
    assert (None, None, True) == table.cell("a", "n", None, "n")
    assert (None, None, True) == table.cell("a", "baseline_edss", None, "median")


def test_statistics_of_ranges_by_hand() -> None:
    # Ages 29..30, 39..40 and 49 exactly: medians 39..40, means 39..39.67. The SD is smallest
    # at ages 30, 39.5 and 49 (the middle one at the mean): deviations -9.5, 0, 9.5, SD 9.5.
    cohort = [
        _patient("P1", "2010-06-15", birth_date="1980"),
        _patient("P2", "2010-06-15", birth_date="1970"),
        _patient("P3", "2010-06-15", birth_date="1961-01-01"),
    ]
    table = baseline_table(cohort, categorical=(), continuous=("age",), min_cell_count=1)
    assert (39.0, 40.0, False) == table.cell("Overall", "age", None, "median")
    low, high, _ = table.cell("Overall", "age", None, "mean")
    assert (39.0, 119 / 3) == pytest.approx((low, high))
    sd_low, sd_high, _ = table.cell("Overall", "age", None, "sd")
    assert (pytest.approx(9.5), None) == (sd_low, sd_high)


def test_reads_a_pandas_table_with_labels() -> None:
    pytest.importorskip("pandas")
    cohort = _cohort(30)
    chars = baseline_characteristics(cohort).with_labels(cohort)
    assert baseline_table(chars, by="site").table == baseline_table(chars.to_pandas(), by="site").table


def test_a_missing_column_is_named() -> None:
    with pytest.raises(StatsInputError, match="no column 'weight'"):
        baseline_table(baseline_characteristics([]), continuous=("weight",))


_YEARS = st.integers(1950, 1990)


@given(
    births=st.lists(_YEARS.map(PartialDate), min_size=1, max_size=8),
    index_day=st.dates(dt.date(2000, 1, 1), dt.date(2010, 12, 31)),
    data=st.data(),
)
def test_refining_birth_dates_only_narrows_every_range(
    births: list[PartialDate], index_day: dt.date, data: st.DataObject
) -> None:
    coarse = [_patient(f"P{i}", index_day, birth_date=b) for i, b in enumerate(births)]
    fine = [attrs.evolve(p, birth_date=data.draw(refinements(p.birth_date))) for p in coarse]  # type: ignore[arg-type]
    wide = baseline_table(coarse, categorical=(), continuous=("age",), min_cell_count=1)
    narrow = baseline_table(fine, categorical=(), continuous=("age",), min_cell_count=1)
    for stat in ("median", "q1", "q3", "mean"):
        lo, hi, _ = wide.cell("Overall", "age", None, stat)
        flo, fhi, _ = narrow.cell("Overall", "age", None, stat)
        assert lo - 1e-9 <= flo <= fhi <= hi + 1e-9
    sd_lo, _, _ = wide.cell("Overall", "age", None, "sd")
    fine_sd, _, _ = narrow.cell("Overall", "age", None, "sd")
    if sd_lo is not None:
        assert sd_lo <= fine_sd + 1e-9


def test_a_cohort_file_with_bad_sex_and_birth_dates_names_each_problem(tmp_path: Path) -> None:
    path = tmp_path / "cohort.json"
    patients = [
        {"id": "P1", "sex": "F"},
        {"id": "P2", "birth_date": "19x0"},
        {
            "id": "P3",
            "birth_date": "2011",
            "episodes": [{"therapy": "natalizumab", "start": "2010", "stop": "ongoing"}],
        },
    ]
    path.write_text(json.dumps({"patients": patients}), encoding="utf-8")
    with pytest.raises(CohortFormatError) as caught:
        load_cohort(path)
    assert [
        "patient 'P1': sex: 'F' is not one of 'female', 'male', 'other'",
        "patient 'P2': birth_date: partial date '19x0': expected YYYY, YYYY-MM or YYYY-MM-DD",
        "patient 'P3': episodes[0].start: 2010 is before birth_date 2011",
    ] == [line.removeprefix("  - ") for line in str(caught.value).splitlines()[1:]]


def test_reads_a_pyarrow_table() -> None:
    pytest.importorskip("pyarrow")
    cohort = _cohort(30)
    chars = baseline_characteristics(cohort).with_labels(cohort)
    assert baseline_table(chars, by="site").table == baseline_table(chars.to_arrow(), by="site").table


@given(st.lists(st.sampled_from(["female", "male", "other", None]), min_size=1, max_size=30))
def test_unsuppressed_percentages_add_up_to_100(sexes: list[str | None]) -> None:
    cohort = [_patient(f"P{i}", "2010", sex=s) for i, s in enumerate(sexes)]
    table = baseline_table(cohort, continuous=(), min_cell_count=1)
    shares = [low for g, v, _, stat, low, _, _ in table.table.rows if v == "sex" and stat == "percent"]
    assert 100.0 == pytest.approx(sum(shares))


_RANGES = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 5)).map(lambda p: (float(p[0]), float(p[0] + p[1]))),
    min_size=2,
    max_size=30,
)


@given(_RANGES)
def test_smallest_sd_is_the_minimum_over_every_reading(ranges: list[tuple[float, float]]) -> None:
    optimize = pytest.importorskip("scipy.optimize")
    lows, highs = [r[0] for r in ranges], [r[1] for r in ranges]

    def spread(c: float) -> float:
        return sum((c - min(max(c, lo), hi)) ** 2 for lo, hi in ranges)

    found = optimize.minimize_scalar(
        spread, bounds=(min(lows), max(highs)), method="bounded", options={"xatol": 1e-10}
    )
    expected = (min(spread(found.x), spread(min(highs)), spread(max(lows))) / (len(ranges) - 1)) ** 0.5
    assert expected == pytest.approx(_smallest_sd(lows, highs), abs=1e-6)
