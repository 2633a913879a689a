""" "MS activity ceased" derived from relapses and MRI scans: hand-worked at day, month and year
precision, checked reading by reading against a direct statement of the definition, ranges that
narrow when dates are refined, and the check against typed-in latencies."""

from __future__ import annotations

import datetime as dt
import itertools

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.dates import MonthRange, PartialDate, Truth, whole_months
from dmt_timeline.errors import InvalidValueError, TimelineError
from dmt_timeline.events import MriScan, Relapse
from dmt_timeline.latency import latency, to_censored_data
from dmt_timeline.model import ONGOING, Condition, Outcome, Patient, ResponseObservation, TherapyEpisode
from dmt_timeline.outcomes import activity_ceased, check_latencies, cohort_activity_ceased
from dmt_timeline.strategies import partial_dates, refinements

IFN, NAT = CATALOGUE["IFNb"], CATALOGUE["natalizumab"]


def patient(
    start: str = "2020-01-15",
    relapses: tuple[str, ...] = (),
    scans: tuple[tuple[str, int | None, int | None], ...] = (),
    *,
    stop: str | None = None,
    follow_up: str = "2023-06-30",
    pid: str = "p",
) -> Patient:
    return Patient(
        id=pid,
        episodes=[TherapyEpisode(NAT, start, ONGOING if stop is None else stop)],
        last_follow_up=follow_up,
        relapses=[Relapse(r) for r in relapses],
        mri_scans=[MriScan(d, new_t2=t2, gd_enhancing=gd) for d, t2, gd in scans],
    )


def ceased(p: Patient, **kw: object) -> tuple[Truth, MonthRange]:
    found = activity_ceased(p, episode=0, **kw)  # type: ignore[arg-type]
    return found.observed, found.months


# -- hand-worked: day precision -----------------------------------------------------------------


def test_no_activity_after_the_start_ceases_at_month_zero() -> None:
    assert (Truth.TRUE, MonthRange.exact(0)) == ceased(patient())


def test_the_last_relapse_before_a_quiet_year_dates_the_cessation() -> None:
    # 2020-05-20 is 4 whole months after 2020-01-15; quiet (and followed) to 2021-05-20.
    assert (Truth.TRUE, MonthRange.exact(4)) == ceased(patient(relapses=("2020-05-20",)))


def test_activity_inside_the_quiet_period_moves_the_cessation_on() -> None:
    # The scan on 2021-03-01 falls within a year of the relapse: activity ceased on 2021-03-01,
    # 13 whole months after 2020-01-15.
    p = patient(relapses=("2020-05-20",), scans=(("2021-03-01", 2, 0),))
    assert (Truth.TRUE, MonthRange.exact(13)) == ceased(p)


def test_a_scan_without_activity_is_no_activity() -> None:
    p = patient(relapses=("2020-05-20",), scans=(("2021-03-01", 0, 0),))
    assert (Truth.TRUE, MonthRange.exact(4)) == ceased(p)


def test_activity_before_the_start_is_not_counted() -> None:
    assert (Truth.TRUE, MonthRange.exact(0)) == ceased(patient(relapses=("2019-12-01",)))


def test_a_quiet_period_not_followed_to_its_end_is_censored_at_follow_up() -> None:
    # The relapse of 2022-10-15 is never followed by a quiet year before 2023-06-30 (41 months).
    p = patient(relapses=("2020-05-20", "2021-01-10", "2021-11-01", "2022-10-15"))
    assert (Truth.FALSE, MonthRange.exact(41)) == ceased(p)


def test_the_index_end_censors_as_for_latencies() -> None:
    # Natalizumab stopped on 2020-12-31; its carry-over ends follow-up, as a latency's.
    p = patient(relapses=("2020-05-20",), stop="2020-12-31")
    found = activity_ceased(p, episode=0)
    typed = latency(p, "MS", episode=0)
    assert Truth.FALSE is found.observed
    assert typed.months == found.months
    assert Truth.TRUE is activity_ceased(p, episode=0, censor_at="last follow-up").observed


def test_the_quiet_period_is_a_parameter() -> None:
    p = patient(relapses=("2020-05-20", "2021-03-01"))
    assert (Truth.TRUE, MonthRange.exact(4)) == ceased(p, quiet_months=6)
    assert (Truth.TRUE, MonthRange.exact(13)) == ceased(p, quiet_months=12)


def test_a_required_scan_must_show_the_quiet_period() -> None:
    p = patient(relapses=("2020-05-20",))
    assert Truth.FALSE is activity_ceased(p, episode=0, require_scan=True).observed
    seen = patient(relapses=("2020-05-20",), scans=(("2020-11-02", 0, 0),))
    assert (Truth.TRUE, MonthRange.exact(4)) == ceased(seen, require_scan=True)


def test_a_scan_with_one_count_missing_is_read_both_ways() -> None:
    p = patient(relapses=("2020-05-20",), scans=(("2020-11-02", 0, None),))
    # Inactive: ceased 2020-05-20 (4 months). Active: ceased 2020-11-02 (9 months), and the year
    # after it is followed too: ceased either way.
    assert (Truth.TRUE, MonthRange(4, 9)) == ceased(p)


def test_a_scan_with_one_count_missing_near_the_end_cannot_tell() -> None:
    p = patient(
        relapses=("2020-05-20", "2021-01-10", "2021-11-01"),
        scans=(("2022-06-01", 0, None),),
        follow_up="2023-03-31",
    )
    # Inactive: ceased 2021-11-01 (21 months). Active: its quiet year outlasts the follow-up, so
    # censored at 2023-03-31 (38 months).
    found = activity_ceased(p, episode=0)
    assert (Truth.UNDETERMINED, MonthRange(21, 38)) == (found.observed, found.months)
    assert ("a scan with one count missing may show activity",) == found.reasons


# -- hand-worked: month and year precision ------------------------------------------------------


def test_a_relapse_known_to_the_month_gives_a_range() -> None:
    # 2020-05 against 2020-01-15: 3 whole months on 2020-05-01..14, 4 from 2020-05-15.
    assert (Truth.TRUE, MonthRange(3, 4)) == ceased(patient(relapses=("2020-05",)))


def test_a_start_and_relapse_in_the_same_month_may_be_either_order() -> None:
    # Whichever came first, activity ceased in 2020-01 and a quiet year followed.
    assert (Truth.TRUE, MonthRange.exact(0)) == ceased(patient("2020-01", relapses=("2020-01",)))


def test_a_relapse_known_to_the_year_spans_it() -> None:
    # Before the start (month 0) or as late as 2020-12-31 (11 months).
    assert (Truth.TRUE, MonthRange(0, 11)) == ceased(patient(relapses=("2020",)))


def test_a_relapse_that_may_fall_in_the_quiet_period_cannot_tell() -> None:
    # The 2021 relapse on or after 2021-06-10: ceased 2020-06-10 (4 months). Before: activity
    # in 2021 with no quiet year before the follow-up ends on 2021-12-31 (censored, 23 months).
    p = patient(relapses=("2020-06-10", "2021"), follow_up="2021-12-31")
    found = activity_ceased(p, episode=0)
    assert (Truth.UNDETERMINED, MonthRange(4, 23)) == (found.observed, found.months)
    assert (
        "an activity may fall in the quiet period",
        "follow-up may end before the quiet period does",
    ) == found.reasons
    assert "cannot tell" == found.status


def test_a_year_precise_follow_up_cannot_tell() -> None:
    # Activity until 2022-02-01 (24 months); its quiet year ends 2023-01-31, inside "2023" or not.
    p = patient(relapses=("2020-05-20", "2021-03-01", "2022-02-01"), follow_up="2023")
    found = activity_ceased(p, episode=0)
    assert (Truth.UNDETERMINED, MonthRange(24, 47)) == (found.observed, found.months)
    assert ("follow-up may end before the quiet period does",) == found.reasons


# -- errors and display --------------------------------------------------------------------------


def test_bad_arguments_are_refused_by_name() -> None:
    p = patient()
    with pytest.raises(TimelineError, match="patient 'p': episode '1' does not name"):
        activity_ceased(p, episode=1)
    with pytest.raises(InvalidValueError, match="quiet_months 0 is not"):
        activity_ceased(p, episode=0, quiet_months=0)
    with pytest.raises(TimelineError, match="censor_at"):
        activity_ceased(p, episode=0, censor_at="never")  # type: ignore[arg-type]
    open_ended = Patient(id="q", episodes=[TherapyEpisode(NAT, "2020-01-15", ONGOING)])
    with pytest.raises(TimelineError, match="patient 'q': nothing ends follow-up"):
        activity_ceased(open_ended, episode=0)


def test_repr_and_str_are_short() -> None:
    found = activity_ceased(patient(relapses=("2020-05",)), episode=0)
    assert "<ActivityCeased 'p' episodes[0]: ceased 3..4 months>" == repr(found)
    assert "p episodes[0] from 2020-01-15: ceased (3..4 months; quiet 12 months)" == str(found)


# -- into latencies, and the check against typed-in ones ---------------------------------------


def test_derived_latencies_feed_the_latency_statistics() -> None:
    cohort = [
        patient(relapses=("2020-05-20",), pid="a"),
        patient(relapses=("2020-05-20", "2021-01-10", "2021-11-01", "2022-10-15"), pid="b"),
        patient(pid="no-events"),
    ]
    found = cohort_activity_ceased(cohort, index=NAT)
    assert ["a", "b"] == [f.patient for f in found]  # no events recorded is not no activity
    latencies = [f.latency(p) for f, p in zip(found, cohort, strict=False)]
    assert [True, False] == [item.observed for item in latencies]
    data = to_censored_data(latencies, reading="low")
    assert [4.0] == list(data._uncensored)
    with pytest.raises(TimelineError, match="not the patient 'a'"):
        found[0].latency(cohort[1])


def _typed(p: Patient, months: int) -> Patient:
    return attrs.evolve(
        p,
        observations=[
            ResponseObservation(
                Outcome.MS_ACTIVITY_CEASED, 0, Condition.MULTIPLE_SCLEROSIS, latency_months=months
            )
        ],
    )


def test_typed_and_derived_latencies_are_compared_per_patient() -> None:
    cohort = [
        _typed(patient(relapses=("2020-05-20",), pid="same"), 4),
        _typed(patient(relapses=("2020-05-20",), pid="near"), 5),
        _typed(patient(relapses=("2020-05",), pid="month"), 4),
        _typed(patient(relapses=("2020-05-20", "2021-01-10", "2021-11-01", "2022-10-15"), pid="active"), 6),
        patient(relapses=("2020-05-20",), pid="untyped"),
    ]
    checks = check_latencies(cohort, index=NAT)
    assert {"same": "agree", "near": "disagree", "month": "cannot tell", "active": "disagree"} == {
        c.patient: c.status for c in checks
    }
    loose = {c.patient: c.status for c in check_latencies(cohort, index=NAT, tolerance_months=1)}
    assert ("agree", "agree") == (loose["near"], loose["month"])
    assert "<LatencyCheck 'same': agree>" == repr(checks[0])
    with pytest.raises(InvalidValueError, match="tolerance_months -1"):
        check_latencies(cohort, index=NAT, tolerance_months=-1)


# -- the definition, reading by reading ---------------------------------------------------------


def _quiet_end(day: dt.date, months: int) -> dt.date:
    """The first day at least ``months`` whole months after ``day``, by the public month count."""
    d = day + dt.timedelta(days=28 * months)
    while whole_months(day, d) < months:
        d += dt.timedelta(days=1)
    return d


def _by_hand(  # noqa: PLR0917 - the definition's pieces
    start: dt.date, end: dt.date, active: list[dt.date], quiet: int, seen: list[dt.date], require_scan: bool
) -> tuple[bool, int]:
    """The definition on exact dates: the first candidate with a quiet, followed period (and,
    when required, a scan showing no activity inside it)."""
    for c in [start, *sorted(a for a in active if a >= start)]:
        over = _quiet_end(c, quiet)
        if over - dt.timedelta(days=1) > end:
            break
        if not any(c < a < over for a in active) and (not require_scan or any(c < q < over for q in seen)):
            return True, whole_months(start, c)
    return False, max(whole_months(start, end), 0)


DAYS = st.dates(min_value=dt.date(2019, 6, 1), max_value=dt.date(2022, 6, 30))


@settings(max_examples=60)
@given(
    st.lists(DAYS, max_size=4),
    partial_dates(min_value=PartialDate(2019, 6), max_value=PartialDate(2022, 6)).filter(
        lambda d: d.precision.value != "year"
    ),
    st.lists(DAYS, max_size=2),
    st.lists(DAYS, max_size=2),
    st.sampled_from([3, 6, 12]),
    st.booleans(),
)
def test_every_reading_lies_in_the_answer(  # noqa: PLR0917 - the drawn pieces
    exact: list[dt.date],
    vague: PartialDate,
    unsure: list[dt.date],
    seen: list[dt.date],
    quiet: int,
    require_scan: bool,
) -> None:
    start, end = dt.date(2020, 1, 15), dt.date(2022, 12, 31)
    scans = tuple((str(d), 0, None) for d in unsure) + tuple((str(d), 0, 0) for d in seen)
    p = patient(relapses=(*map(str, exact), str(vague)), scans=scans, follow_up=str(end))
    found = activity_ceased(
        p, episode=0, quiet_months=quiet, require_scan=require_scan, censor_at="last follow-up"
    )
    outcomes = set()
    day = vague.first_day
    while day <= vague.last_day:
        for bits in itertools.product((False, True), repeat=len(unsure)):
            active = [*exact, day, *(d for d, b in zip(unsure, bits, strict=True) if b)]
            observed, months = _by_hand(start, end, active, quiet, seen, require_scan)
            assert months in found.months
            outcomes.add(observed)
        day += dt.timedelta(days=1)
    expected = Truth.from_bounds(always=outcomes == {True}, never=outcomes == {False})
    if found.observed is not Truth.UNDETERMINED:
        assert expected is found.observed
    if vague.precision.value == "day":
        assert expected is found.observed


EVENT_DATES = partial_dates(min_value=PartialDate(2000), max_value=PartialDate(2003))


@settings(max_examples=80)
@given(
    partial_dates(min_value=PartialDate(2000), max_value=PartialDate(2001)),
    st.lists(EVENT_DATES, max_size=3),
    st.lists(st.tuples(EVENT_DATES, st.sampled_from([(0, 0), (1, 0), (0, None), (None, 2)])), max_size=2),
    partial_dates(min_value=PartialDate(2002), max_value=PartialDate(2004)),
    st.booleans(),
    st.data(),
)
def test_refining_dates_narrows_and_never_flips(  # noqa: PLR0917 - the drawn pieces
    start: PartialDate,
    onsets: list[PartialDate],
    scans: list[tuple[PartialDate, tuple[int | None, int | None]]],
    follow_up: PartialDate,
    require_scan: bool,
    data: st.DataObject,
) -> None:
    def build(s: PartialDate, o: list[PartialDate], m: list[PartialDate], f: PartialDate) -> Patient:
        return Patient(
            id="p",
            episodes=[TherapyEpisode(NAT, s, ONGOING)],
            last_follow_up=f,
            relapses=[Relapse(d) for d in o],
            mri_scans=[
                MriScan(d, new_t2=t2, gd_enhancing=gd)
                for d, (t2, gd) in zip(m, (c for _, c in scans), strict=True)
            ],
        )

    try:
        coarse_patient = build(start, onsets, [d for d, _ in scans], follow_up)
    except (InvalidValueError, TimelineError):
        assume(False)
    try:
        fine_patient = build(
            data.draw(refinements(start)),
            [data.draw(refinements(o)) for o in onsets],
            [data.draw(refinements(d)) for d, _ in scans],
            data.draw(refinements(follow_up)),
        )
    except InvalidValueError:  # a refined follow-up before a refined event
        assume(False)
    coarse = activity_ceased(coarse_patient, episode=0, require_scan=require_scan)
    fine = activity_ceased(fine_patient, episode=0, require_scan=require_scan)
    if coarse.observed is not Truth.UNDETERMINED:
        assert coarse.observed is fine.observed
    assert coarse.months.contains_range(fine.months)
