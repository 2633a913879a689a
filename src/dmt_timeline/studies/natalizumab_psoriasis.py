"""The natalizumab case series in comorbid MS and psoriasis: its cohort rules and its claims.

The publication (bundled as :func:`dmt_timeline.datasets.load_natalizumab_psoriasis`) reports
18 patients with multiple sclerosis and psoriasis who started natalizumab, grouped by how
interferon beta led to natalizumab. This module states that grouping as a rule over the
timeline algebra (:func:`paradigm`), derives every quantitative statement of the abstract,
results and discussion that the table can support (:func:`claims`), reruns the three
Kruskal-Wallis comparisons (:func:`comparisons`) and puts them together in a :class:`Report`
(:func:`reproduce`).

The rules never read the cohort's ``published_group`` labels; the group-size claims check
them afterwards. The only numbers typed in are the publication's own (``PUBLISHED``); every
derived value comes from the model.

The verdicts:

- *agrees*: the derived value is the published one (or satisfies it, for "most" and for "no
  significant difference");
- *differs*: the data decide the value, and it is not the published one;
- *not derivable*: the data do not decide the value (stop dates are not recorded and dates
  are known to the year); the note gives the bounds the data allow.

``Report.as_dict()`` returns JSON-compatible data in this schema (version 1)::

    {
      "schema_version": 1,
      "study": str,                        # short title
      "cohort": {"patients": int, "source": str},
      "verdicts": {"agrees": int, "differs": int, "not derivable": int},
      "all_derivable_agree": bool,         # true when no claim differs
      "claims": [
        {
          "id": str,                       # stable slug, e.g. "ifnb_users"
          "statement": str,                # a paraphrase of what the publication states
          "published": int | str,          # the publication's value
          "derived": int | str,            # the value derived from the cohort
          "verdict": "agrees" | "differs" | "not derivable",
          "note": str                      # bounds, readings, disagreements ("" if none)
        }
      ],
      "comparisons": [
        {
          "measure": str,                  # e.g. "MS latency (months)"
          "groups": [{"name": str, "values": [float], "n": int, "median": float}],
          "statistic": float,              # Kruskal-Wallis H, tie-corrected
          "df": int,
          "p_asymptotic": float,           # chi-squared reference, as scipy.stats.kruskal
          "p_permutation": float,          # permutation p-value of H
          "permutation_exact": bool,       # all assignments enumerated, else Monte Carlo
          "n_resamples": int,
          "random_state": int | null       # seed of the Monte Carlo permutations
        }
      ]
    }

scipy is imported only when the comparisons are run, so :func:`paradigm` stays light.
"""

from __future__ import annotations

import enum
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from dmt_timeline.catalogue import CATALOGUE, TherapyClass
from dmt_timeline.dates import MonthRange, Truth, months_between
from dmt_timeline.errors import InvalidValueError, TimelineError
from dmt_timeline.latency import Latency, index_episode, latency, outcome_lag
from dmt_timeline.model import (
    Cohort,
    Condition,
    CSFBands,
    Modality,
    Patient,
    SwitchReason,
    TherapyEpisode,
)
from dmt_timeline.timeline import DEFAULT_GRACE_MONTHS, Timeline, Transfer, TransferKind, transfer

if TYPE_CHECKING:  # scipy comes in with stats; it is imported when the comparisons run
    from dmt_timeline.stats import GroupComparison

__all__ = [
    "DIRECT",
    "INDIRECT",
    "NO_IFN",
    "PARADIGMS",
    "PUBLISHED",
    "TITLE",
    "Claim",
    "Report",
    "Verdict",
    "claims",
    "comparisons",
    "paradigm",
    "reproduce",
]

TITLE: Final = "Natalizumab in 18 patients with comorbid multiple sclerosis and psoriasis"

DIRECT: Final = "direct IFN to Nat"
INDIRECT: Final = "indirect IFN to Nat"
NO_IFN: Final = "no IFN before Nat"
PARADIGMS: Final = (DIRECT, INDIRECT, NO_IFN)
"""The study's three treatment paradigms, in the publication's order."""

_PARADIGM_OF_KIND: Final = {
    TransferKind.DIRECT: DIRECT,
    TransferKind.INDIRECT: INDIRECT,
    TransferKind.NONE: NO_IFN,
}

_NATALIZUMAB: Final = CATALOGUE.get("natalizumab")
_DMF: Final = CATALOGUE.get("dimethyl fumarate")
_GA: Final = TherapyClass.GLATIRAMER_ACETATE
_IFN: Final = TherapyClass.INTERFERON_BETA
_MS: Final = "MS"
_PSORIASIS: Final = "psoriasis"
_LABEL: Final = "published_group"  # read only to check the rules, never by them
_SIGNIFICANCE: Final = 0.05
_NOT_SIGNIFICANT: Final = "no significant difference"

# "Approximately 2 years" on DMF, and a lag of "2-3 years", in whole months.
_ABOUT_TWO_YEARS: Final = 24
_LAG_YEARS: Final = MonthRange(24, 36)

PUBLISHED: Final[Mapping[str, int | str]] = {
    "cohort_size": 18,
    "group_direct": 7,
    "group_indirect": 4,
    "group_no_ifn": 7,
    "ifnb_users": 11,
    "ifnb_stopped_for_psoriasis": "10 of 11",
    "ifnb_stopped_for_ms_activity": "3 of 11",
    "ga_stopped_for_psoriasis": 0,
    "dmf_started": 3,
    "dmf_stopped_intolerance_or_loe": "3 of 3",
    "dmf_stopped_intolerance": 2,
    "dmf_about_two_years": "1 of 3",
    "natalizumab_started": "18 of 18",
    "natalizumab_started_twice": "1 (lines 1 and 3)",
    "ms_activity_ceased": "18 of 18",
    "psoriasis_improved": "18 of 18",
    "ms_latency_range": "2-8 months",
    "psoriasis_latency_range": "1-5 months",
    "skin_before_ms": "most",
    "no_further_treatment": "15 of 18",
    "topical_treatment_continued": 3,
    "no_systemic_psoriasis_treatment": "16 of 18",
    "csf_positive": "16 of 18 positive, 2 not done",
    "psoriasis_after_ifnb": "5 of 11",
    "ifnb_indirect_to_natalizumab": "4 of 11",
    "ifnb_direct_to_natalizumab": "7 of 11",
    "direct_lag_two_to_three_years": "2 of 7",
    "last_evaluation": "2017-2020",
    "ms_latency_by_paradigm": _NOT_SIGNIFICANT,
    "psoriasis_latency_by_paradigm": _NOT_SIGNIFICANT,
    "lag_by_paradigm": _NOT_SIGNIFICANT,
}
"""The publication's own values, by claim id; nothing else in the module is typed in."""

MEASURES: Final = (
    "MS latency (months)",
    "psoriasis latency (months)",
    "lag: MS minus psoriasis latency (months)",
)


class Verdict(enum.Enum):
    """How a derived value stands against the published one."""

    AGREES = "agrees"
    DIFFERS = "differs"
    NOT_DERIVABLE = "not derivable"


_SLUG: Final = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)


def _slug(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or _SLUG.fullmatch(value) is None:
        raise InvalidValueError(f"{attribute.name} {value!r} is not a slug such as 'ifnb_users'")


def _value(_: object, attribute: attrs.Attribute[int | str], value: int | str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidValueError(f"{attribute.name} {value!r} is not a whole number or text")


@attrs.frozen
class Claim:
    """One quantitative statement of the publication, with the value the cohort gives.

    Attributes:
        id: A short stable slug (``"ifnb_users"``).
        statement: What the publication states, paraphrased.
        published: The publication's value: a count, or text such as ``"10 of 11"``.
        derived: The value derived from the cohort, in the same form.
        verdict: Whether they agree, differ, or the data cannot decide.
        note: The bounds the data allow, how the data were read, or where text and table
            disagree.
    """

    id: str = attrs.field(validator=_slug)
    statement: str
    published: int | str = attrs.field(validator=_value)
    derived: int | str = attrs.field(validator=_value)
    verdict: Verdict = attrs.field(validator=attrs.validators.instance_of(Verdict))
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The claim as JSON-compatible builtins."""
        return {
            "id": self.id,
            "statement": self.statement,
            "published": self.published,
            "derived": self.derived,
            "verdict": self.verdict.value,
            "note": self.note,
        }


# -- the cohort rules ---------------------------------------------------------------------------


def _first_natalizumab_transfer(timeline: Timeline) -> Transfer:
    found = transfer(timeline, _IFN, _NATALIZUMAB, initiation="first")
    if not found:
        raise TimelineError(f"patient {timeline.patient_id}: never started natalizumab, so has no paradigm")
    return found[0]


def paradigm(patient: Patient) -> str:
    """The study's treatment paradigm of a patient, from the timeline algebra alone.

    How interferon beta (any product of the class) led to the patient's *first* natalizumab
    start: straight before it (:data:`DIRECT`), with other therapies between them
    (:data:`INDIRECT`), or not at all (:data:`NO_IFN`). The order is the timeline's, so the
    table's 1st/2nd/3rd columns decide starts within one year. Labels are never read.

    Raises:
        TimelineError: when the patient never started natalizumab, or the history cannot be
            a timeline.
    """
    return _PARADIGM_OF_KIND[_first_natalizumab_transfer(Timeline.of(patient)).kind]


# -- helpers --------------------------------------------------------------------------------------


def _of(count: int, total: int) -> str:
    return f"{count} of {total}"


def _ids(patients: Iterable[Patient]) -> str:
    names = [p.id for p in patients]
    return ", ".join(names) if names else "none"


def _exact(published: int | str, derived: int | str) -> Verdict:
    return Verdict.AGREES if published == derived else Verdict.DIFFERS


def _bounded(published: int, low: int, high: int) -> Verdict:
    """A count the data bound to ``low..high``: decided only when the bounds meet."""
    if low == high == published:
        return Verdict.AGREES
    if low <= published <= high:
        return Verdict.NOT_DERIVABLE
    return Verdict.DIFFERS


def _published_count(claim_id: str) -> int:
    """The count a published value states: ``7`` or the ``5`` of ``"5 of 11"``."""
    value = PUBLISHED[claim_id]
    return value if isinstance(value, int) else int(value.split()[0])


def _stopped_for(episode: TherapyEpisode, *reasons: SwitchReason) -> bool:
    return any(r in episode.reasons for r in reasons)


def _months(value: MonthRange) -> str:
    return str(value.low) if value.is_exact else f"{value.low}..{value.high}"


def _span(ranges: Sequence[MonthRange]) -> str:
    return f"{min(r.low for r in ranges)}-{max(r.high for r in ranges)} months"


@attrs.frozen
class _Row:
    """What the claims need of one patient, derived once."""

    patient: Patient
    timeline: Timeline
    transfer: Transfer
    paradigm: str
    ms: Latency
    psoriasis: Latency


def _rows(cohort: Cohort) -> tuple[_Row, ...]:
    rows = []
    for patient in cohort:
        timeline = Timeline.of(patient)
        found = _first_natalizumab_transfer(timeline)
        position = index_episode(patient, _NATALIZUMAB, initiation="first")
        assert position is not None  # the transfer above found a natalizumab start
        rows.append(
            _Row(
                patient,
                timeline,
                found,
                _PARADIGM_OF_KIND[found.kind],
                latency(patient, _MS, episode=position),
                latency(patient, _PSORIASIS, episode=position),
            )
        )
    return tuple(rows)


def _whole_months(item: Latency) -> int:
    """A latency the comparisons can use: observed and decided to the month."""
    if item.censored:
        raise TimelineError(
            f"patient {item.patient_id}: {item.outcome} latency is censored; "
            "the study's comparisons need observed latencies"
        )
    if not item.months.is_exact:
        raise TimelineError(
            f"patient {item.patient_id}: {item.outcome} latency is {item.months}; "
            "the study's comparisons need whole months"
        )
    return item.months.low


def _lag(row: _Row) -> int:
    lag = outcome_lag(row.ms, row.psoriasis)
    if not lag.is_exact:
        raise TimelineError(f"patient {row.patient.id}: lag is {lag}; the comparison needs whole months")
    return lag.low


_Measure = Callable[[_Row], int]
_MEASURE_FUNCTIONS: Final[tuple[_Measure, ...]] = (
    lambda row: _whole_months(row.ms),
    lambda row: _whole_months(row.psoriasis),
    _lag,
)


def _comparisons(
    rows: Sequence[_Row], *, n_resamples: int, random_state: int | None
) -> tuple[GroupComparison, ...]:
    # scipy is heavy; the rules and the claims that do not test anything do without it.
    from dmt_timeline.stats import compare_groups  # noqa: PLC0415

    found = []
    for measure, value in zip(MEASURES, _MEASURE_FUNCTIONS, strict=True):
        groups = {name: [value(row) for row in rows if row.paradigm == name] for name in PARADIGMS}
        found.append(
            compare_groups(groups, measure=measure, n_resamples=n_resamples, random_state=random_state)
        )
    return tuple(found)


def comparisons(
    cohort: Cohort, *, n_resamples: int = 9999, random_state: int | None = 0
) -> tuple[GroupComparison, ...]:
    """The study's three Kruskal-Wallis comparisons across the paradigms.

    MS latency, psoriasis latency, and their lag (MS minus psoriasis, via
    :func:`~dmt_timeline.outcome_lag`), after each patient's first natalizumab start, grouped
    by :func:`paradigm` in the order of :data:`PARADIGMS`.

    Args:
        cohort: The patients.
        n_resamples: Permutation budget of :func:`dmt_timeline.stats.compare_groups`.
        random_state: Seed of the Monte Carlo permutations.

    Raises:
        TimelineError: when a latency is censored or not decided to the month.
        StatsInputError: when a paradigm has no patients.
    """
    return _comparisons(_rows(cohort), n_resamples=n_resamples, random_state=random_state)


# -- the claims -----------------------------------------------------------------------------------


def _claim(claim_id: str, statement: str, derived: int | str, verdict: Verdict, note: str = "") -> Claim:
    return Claim(claim_id, statement, PUBLISHED[claim_id], derived, verdict, note)


def _simple(claim_id: str, statement: str, derived: int | str, note: str = "") -> Claim:
    return _claim(claim_id, statement, derived, _exact(PUBLISHED[claim_id], derived), note)


def _group_claims(rows: Sequence[_Row]) -> list[Claim]:
    found = []
    for claim_id, name, what in (
        ("group_direct", DIRECT, "went from interferon beta straight to natalizumab"),
        ("group_indirect", INDIRECT, "had another therapy between interferon beta and natalizumab"),
        ("group_no_ifn", NO_IFN, "had no interferon beta before natalizumab"),
    ):
        members = [r for r in rows if r.paradigm == name]
        labelled = [r for r in rows if r.patient.label(_LABEL) == name]
        unlabelled = [r for r in rows if r.patient.label(_LABEL) is None]
        mismatched = sorted({r.patient.id for r in members} ^ {r.patient.id for r in labelled})
        verdict = _exact(PUBLISHED[claim_id], len(members))
        if unlabelled:
            check = f"{len(unlabelled)} patients carry no published group to check against"
        elif mismatched:
            verdict = Verdict.DIFFERS
            check = f"the rule and the table's grouping disagree on {', '.join(mismatched)}"
        else:
            check = "the rule puts the same patients here as the table does"
        found.append(
            _claim(
                claim_id,
                f"The table lists {PUBLISHED[claim_id]} patients who {what}.",
                len(members),
                verdict,
                f"derived by paradigm() from the first natalizumab start; {check}",
            )
        )
    return found


def _ifnb_claims(rows: Sequence[_Row]) -> list[Claim]:
    users = [r for r in rows if r.timeline.episodes_of(_IFN)]
    n = len(users)
    for_ps = [
        r
        for r in users
        if any(_stopped_for(e, SwitchReason.COMORBIDITY_WORSENING) for e in r.timeline.episodes_of(_IFN))
    ]
    for_loe = [
        r
        for r in users
        if any(_stopped_for(e, SwitchReason.LOSS_OF_EFFECTIVENESS) for e in r.timeline.episodes_of(_IFN))
    ]
    episodes = sum(len(r.timeline.episodes_of(_IFN)) for r in users)
    ga = [(r, e) for r in rows for e in r.timeline.episodes_of(_GA)]
    ga_ps = [(r, e) for r, e in ga if _stopped_for(e, SwitchReason.COMORBIDITY_WORSENING)]
    not_ps = [r for r in users if r not in for_ps]
    return [
        _simple(
            "ifnb_users",
            "Interferon beta was used by 11 patients.",
            n,
            f"patients with an interferon-beta episode: {_ids(r.patient for r in users)}",
        ),
        _simple(
            "ifnb_stopped_for_psoriasis",
            "In 10 of the 11 interferon-beta users, psoriasis worsened or first appeared on it.",
            _of(len(for_ps), n),
            f"read as an interferon-beta episode stopped with reason Ps ({episodes} episodes in "
            f"{n} patients); not stopped for Ps: {_ids(r.patient for r in not_ps)}",
        ),
        _simple(
            "ifnb_stopped_for_ms_activity",
            "New MS activity on interferon beta was seen in 3 of the 11 users.",
            _of(len(for_loe), n),
            f"read as reason LOE: {_ids(r.patient for r in for_loe)}",
        ),
        _simple(
            "ga_stopped_for_psoriasis",
            "Psoriasis did not worsen on glatiramer acetate.",
            len(ga_ps),
            f"glatiramer-acetate episodes stopped with reason Ps, of {len(ga)} episodes in "
            f"{len({r.patient.id for r, _ in ga})} patients",
        ),
    ]


def _dmf_claims(rows: Sequence[_Row]) -> list[Claim]:
    dmf = [(r, i, e) for r in rows for i, e in enumerate(r.timeline.episodes) if e.therapy == _DMF]
    patients = list(dict.fromkeys(r.patient.id for r, _, _ in dmf))
    stopped = {
        r.patient.id
        for r, _, e in dmf
        if _stopped_for(e, SwitchReason.INTOLERANCE, SwitchReason.LOSS_OF_EFFECTIVENESS)
    }
    intolerant = {r.patient.id for r, _, e in dmf if _stopped_for(e, SwitchReason.INTOLERANCE)}
    # The stop is not recorded, so time on DMF is bounded by the next start; both starts are
    # known to the year only, and the table's order puts DMF first, so the low end is >= 0.
    spans: list[tuple[str, MonthRange]] = []
    for row, i, episode in dmf:
        if i + 1 < len(row.timeline.episodes):
            until = months_between(episode.start, row.timeline.episodes[i + 1].start)
            spans.append((row.patient.id, MonthRange(max(until.low, 0), max(until.high, 0))))
    possible = [pid for pid, span in spans if _ABOUT_TWO_YEARS in span]
    certain = [pid for pid, span in spans if span == MonthRange.exact(_ABOUT_TWO_YEARS)]
    listed = "; ".join(f"{pid} {_months(span)}" for pid, span in spans)
    return [
        _simple(
            "dmf_started", "Dimethyl fumarate was tried in 3 patients.", len(patients), ", ".join(patients)
        ),
        _simple(
            "dmf_stopped_intolerance_or_loe",
            "All who started dimethyl fumarate stopped it, for intolerance or lack of MS efficacy.",
            _of(len(stopped), len(patients)),
            "DMF episodes stopped with reason tlrb or LOE",
        ),
        _simple(
            "dmf_stopped_intolerance",
            "Two patients stopped dimethyl fumarate because they could not tolerate it.",
            len(intolerant),
            f"reason tlrb: {', '.join(sorted(intolerant)) or 'none'}",
        ),
        _claim(
            "dmf_about_two_years",
            "One patient stayed on dimethyl fumarate for about two years.",
            f"{len(certain)} certain, {len(possible)} possible of {len(patients)}",
            _bounded(_published_count("dmf_about_two_years"), len(certain), len(possible)),
            "DMF stop dates are not recorded; months from DMF start to the next start (an upper "
            f"bound on time on DMF): {listed}. Only {_ids_text(possible)} can have had about "
            f"{_ABOUT_TWO_YEARS} months, so the text fits the table, but no patient's time on DMF "
            "is decided, so the claim is not derivable.",
        ),
    ]


def _ids_text(ids: Sequence[str]) -> str:
    return ", ".join(ids) if ids else "no patient"


def _natalizumab_lines(row: _Row) -> list[int]:
    return [line.number for line in row.timeline.lines() if line.episode.therapy == _NATALIZUMAB]


def _natalizumab_claims(rows: Sequence[_Row]) -> list[Claim]:
    n = len(rows)
    started = [r for r in rows if r.timeline.episodes_of(_NATALIZUMAB)]
    twice = {r.patient.id: _natalizumab_lines(r) for r in rows if len(_natalizumab_lines(r)) > 1}
    if len(twice) == 1:
        (numbers,) = twice.values()
        derived = f"1 (lines {' and '.join(map(str, numbers))})"
    else:
        derived = str(len(twice))  # none, or several: the note lists them
    restarts = "; ".join(f"{pid}: lines {', '.join(map(str, ns))}" for pid, ns in twice.items())
    ms_observed = [r for r in rows if r.ms.observed]
    ps_observed = [r for r in rows if r.psoriasis.observed]
    return [
        _simple(
            "natalizumab_started",
            "All 18 patients received natalizumab.",
            _of(len(started), n),
        ),
        _simple(
            "natalizumab_started_twice",
            "One patient started natalizumab twice: as first and as third therapy.",
            derived,
            f"natalizumab lines of therapy (Timeline.lines()): {restarts or 'none'}",
        ),
        _simple(
            "ms_activity_ceased",
            "MS disease activity stopped after natalizumab in every patient.",
            _of(len(ms_observed), n),
            "patients with an observed (not censored) MS response after the first natalizumab start",
        ),
        _simple(
            "psoriasis_improved",
            "Every patient reported psoriasis improvement on natalizumab.",
            _of(len(ps_observed), n),
            "patients with an observed psoriasis improvement after the first natalizumab start",
        ),
    ]


def _latency_claims(rows: Sequence[_Row]) -> list[Claim]:
    n = len(rows)
    # A censored latency is follow-up time, not a response: such patients stay undecided.
    both = [r for r in rows if r.ms.observed and r.psoriasis.observed]
    earlier = [r for r in both if r.psoriasis.months.high < r.ms.months.low]
    later = [r for r in both if r.psoriasis.months.low > r.ms.months.high]
    same = [r for r in both if r.ms.months.is_exact and r.ms.months == r.psoriasis.months]
    open_ = n - len(earlier) - len(later) - len(same)
    if len(earlier) > n / 2:
        most = Verdict.AGREES
    elif len(earlier) + open_ > n / 2:
        most = Verdict.NOT_DERIVABLE
    else:
        most = Verdict.DIFFERS
    undecided = f", {open_} undecided" if open_ else ""
    restarted = [r.patient.id for r in rows if len(_natalizumab_lines(r)) > 1]
    restart = (
        f"; latencies count from the first natalizumab start, and the table does not say which start "
        f"{_ids_text(restarted)}'s latencies belong to"
        if restarted
        else ""
    )
    return [
        _simple(
            "ms_latency_range",
            "MS activity stopped within 2 to 8 months of starting natalizumab.",
            _span([r.ms.months for r in rows]),
            f"shortest and longest months to the first observed MS response{restart}",
        ),
        _simple(
            "psoriasis_latency_range",
            "Psoriasis improved within 1 to 5 months of starting natalizumab.",
            _span([r.psoriasis.months for r in rows]),
            "shortest and longest months to the first observed psoriasis improvement",
        ),
        _claim(
            "skin_before_ms",
            "In most patients the skin responded before the MS did.",
            _of(len(earlier), n),
            most,
            f"psoriasis latency shorter than MS latency in {len(earlier)}, the same month in "
            f"{len(same)} ({_ids(r.patient for r in same)}), longer in {len(later)}{undecided}; "
            "'most' is read as more than half",
        ),
    ]


def _current_psoriasis(patient: Patient) -> tuple[Modality, ...]:
    return tuple(
        m
        for t in patient.comorbidity_treatments
        if t.current and t.condition is Condition.PSORIASIS
        for m in t.modalities
    )


def _treatment_claims(rows: Sequence[_Row]) -> list[Claim]:
    n = len(rows)
    on_nat_last = [r for r in rows if r.timeline.episodes and r.timeline.episodes[-1].therapy == _NATALIZUMAB]
    untreated = [r for r in on_nat_last if not _current_psoriasis(r.patient)]
    topical = [r for r in rows if set(_current_psoriasis(r.patient)) == {Modality.TOPICAL}]
    systemic = [
        r for r in rows if {Modality.SYSTEMIC, Modality.BIOLOGIC} & set(_current_psoriasis(r.patient))
    ]
    steroid = [r for r in rows if Modality.STEROID in _current_psoriasis(r.patient)]
    without = _of(n - len(systemic), n)
    systemic_note = (
        f"the table's current psoriasis treatments include {len(systemic)} systemic or biologic and "
        f"{len(steroid)} steroid ones, so it gives {without} without systemic therapy"
    )
    published = PUBLISHED["no_systemic_psoriasis_treatment"]
    if without != published:
        systemic_note += (
            f"; the text's {published} disagrees with the table, and with the abstract's "
            f"{PUBLISHED['no_further_treatment']} untreated plus {PUBLISHED['topical_treatment_continued']} "
            "on topical treatment only"
        )
    return [
        _simple(
            "no_further_treatment",
            "Fifteen of 18 needed nothing beyond natalizumab for either disease.",
            _of(len(untreated), n),
            f"last therapy natalizumab and no current psoriasis treatment; {len(on_nat_last)} of {n} "
            "are last on natalizumab",
        ),
        _simple(
            "topical_treatment_continued",
            "The remaining 3 kept using topical psoriasis treatment.",
            len(topical),
            f"current psoriasis treatment topical only: {_ids(r.patient for r in topical)}",
        ),
        _simple(
            "no_systemic_psoriasis_treatment",
            "Only 2 of 18 still needed systemic psoriasis therapy at the last visit (16 did not).",
            without,
            systemic_note,
        ),
    ]


def _csf_claim(rows: Sequence[_Row]) -> Claim:
    n = len(rows)
    csf = [d.csf for r in rows for d in r.patient.diagnoses if d.condition is Condition.MULTIPLE_SCLEROSIS]
    positive = sum(1 for c in csf if c is CSFBands.POSITIVE)
    not_done = [r.patient for r in rows if any(d.csf is CSFBands.NOT_DONE for d in r.patient.diagnoses)]
    return _simple(
        "csf_positive",
        "Sixteen of 18 had oligoclonal bands in the CSF; 2 had no lumbar puncture.",
        f"{_of(positive, n)} positive, {len(not_done)} not done",
        f"the table's CSF '0' read as not done: {_ids(not_done)}",
    )


def _ifn_path_claims(rows: Sequence[_Row]) -> list[Claim]:
    users = [r for r in rows if r.timeline.episodes_of(_IFN)]
    n = len(users)
    # Psoriasis diagnosed after the first interferon-beta start, on every reading of the years.
    after: dict[Truth, list[Patient]] = {truth: [] for truth in Truth}
    undated: list[Patient] = []
    for r in users:
        diagnosis = r.patient.diagnosis(Condition.PSORIASIS)
        first = r.timeline.first_initiation(_IFN)
        assert first is not None  # users have an interferon-beta episode
        if diagnosis is None or diagnosis.date is None:
            undated.append(r.patient)
            continue
        after[diagnosis.date.is_after(first.start)].append(r.patient)
    certain, unsure = len(after[Truth.TRUE]), len(after[Truth.UNDETERMINED]) + len(undated)
    published_after = _published_count("psoriasis_after_ifnb")
    direct = [r for r in users if r.transfer.kind is TransferKind.DIRECT]
    indirect = [r for r in users if r.transfer.kind is TransferKind.INDIRECT]
    return [
        _claim(
            "psoriasis_after_ifnb",
            "Psoriasis was first diagnosed after interferon beta began in 5 of its 11 users.",
            _of(certain, n),
            _bounded(published_after, certain, certain + unsure),
            f"certainly after: {_ids(after[Truth.TRUE])}; undetermined (same year): "
            f"{_ids(after[Truth.UNDETERMINED])}; no psoriasis date: {_ids(undated)}",
        ),
        _simple(
            "ifnb_indirect_to_natalizumab",
            "Four of the 11 interferon-beta users passed through another DMT on the way to natalizumab.",
            _of(len(indirect), n),
            f"indirect transfers to the first natalizumab start: {_ids(r.patient for r in indirect)}",
        ),
        _simple(
            "ifnb_direct_to_natalizumab",
            "The other 7 went from interferon beta straight to natalizumab.",
            _of(len(direct), n),
            "direct means nothing between them on the path, whatever the time between",
        ),
        _direct_lag_claim(direct),
    ]


def _direct_lag_claim(direct: Sequence[_Row]) -> Claim:
    gaps: list[tuple[str, MonthRange | None, str]] = []
    for r in direct:
        for transition in r.timeline.transitions():
            if transition.before == r.transfer.source and transition.after == r.transfer.target:
                gaps.append((r.patient.id, transition.gap, transition.kind.value))
                break
    known = [(pid, gap) for pid, gap, _ in gaps if gap is not None]
    possible = [pid for pid, gap in known if gap.low <= _LAG_YEARS.high and gap.high >= _LAG_YEARS.low]
    certain = [pid for pid, gap in known if _LAG_YEARS.contains_range(gap)]
    published = _published_count("direct_lag_two_to_three_years")
    kinds = ", ".join(sorted({kind for _, _, kind in gaps})) or "none"
    listed = "; ".join(
        f"{pid} {'open-ended overlap' if gap is None else _months(gap)}" for pid, gap, _ in gaps
    )
    return _claim(
        "direct_lag_two_to_three_years",
        "Two of the 7 direct switchers went 2 to 3 years between interferon beta and natalizumab.",
        f"{len(certain)} certain, {len(possible)} possible of {len(direct)}",
        _bounded(published, len(certain), len(possible)),
        "stop dates are not recorded, so each gap is bounded by the two starts; months from "
        f"interferon-beta stop to natalizumab start: {listed} (transition kinds: {kinds}, with a "
        f"{DEFAULT_GRACE_MONTHS}-month grace period). {len(possible)} can have had "
        f"{_LAG_YEARS.low}-{_LAG_YEARS.high} months ({_ids_text(possible)}), {len(certain)} certainly did",
    )


def _follow_up_claim(rows: Sequence[_Row]) -> Claim:
    years = sorted({r.patient.last_follow_up.year for r in rows if r.patient.last_follow_up is not None})
    missing = sum(1 for r in rows if r.patient.last_follow_up is None)
    latest = max((e.start.year for r in rows for e in r.timeline), default=None)
    if missing == len(rows):
        return _claim(
            "last_evaluation",
            "Patients were last evaluated between 2017 and 2020.",
            "not recorded",
            Verdict.NOT_DERIVABLE,
            f"the table has no last-evaluation dates; its latest therapy start is {latest}",
        )
    derived = f"{years[0]}-{years[-1]}" if years else "not recorded"
    verdict = _exact(PUBLISHED["last_evaluation"], derived) if not missing else Verdict.NOT_DERIVABLE
    return _claim(
        "last_evaluation",
        "Patients were last evaluated between 2017 and 2020.",
        derived,
        verdict,
        f"years of last follow-up; {missing} patients without one",
    )


def _comparison_claims(found: Sequence[GroupComparison]) -> list[Claim]:
    out = []
    for claim_id, what, comparison in zip(
        ("ms_latency_by_paradigm", "psoriasis_latency_by_paradigm", "lag_by_paradigm"),
        ("time to MS benefit", "time to psoriasis benefit", "lag between MS and psoriasis benefit"),
        found,
        strict=True,
    ):
        significant = [p < _SIGNIFICANCE for p in (comparison.p_asymptotic, comparison.p_permutation)]
        if not any(significant):
            verdict = Verdict.AGREES
        elif all(significant):
            verdict = Verdict.DIFFERS
        else:
            verdict = Verdict.NOT_DERIVABLE
        out.append(
            _claim(
                claim_id,
                f"The three paradigms did not differ significantly in {what}.",
                f"H = {comparison.statistic:.3g}, p = {comparison.p_asymptotic:.3g} / "
                f"{comparison.p_permutation:.3g}",
                verdict,
                f"Kruskal-Wallis, df {comparison.df}; p asymptotic / permutation; agrees when both "
                f"are at least {_SIGNIFICANCE}",
            )
        )
    return out


def _claims(rows: Sequence[_Row], found: Sequence[GroupComparison]) -> tuple[Claim, ...]:
    return (
        _simple("cohort_size", "The series has 18 patients.", len(rows)),
        *_group_claims(rows),
        *_ifnb_claims(rows),
        *_dmf_claims(rows),
        *_natalizumab_claims(rows),
        *_latency_claims(rows),
        *_treatment_claims(rows),
        _csf_claim(rows),
        *_ifn_path_claims(rows),
        _follow_up_claim(rows),
        *_comparison_claims(found),
    )


def claims(cohort: Cohort, *, n_resamples: int = 9999, random_state: int | None = 0) -> tuple[Claim, ...]:
    """Every quantitative statement of the publication that its table can support, checked.

    Args:
        cohort: The patients (the bundled cohort, or a corrected transcription of it).
        n_resamples: Permutation budget of the three comparisons.
        random_state: Seed of their Monte Carlo permutations.

    Returns:
        The claims, in the order of :data:`PUBLISHED`.

    Raises:
        TimelineError: when a patient's history cannot be a timeline, a patient never started
            natalizumab, or a latency the comparisons need is censored or not whole months.
    """
    rows = _rows(cohort)
    return _claims(rows, _comparisons(rows, n_resamples=n_resamples, random_state=random_state))


# -- the report -----------------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in [header, *rows]
    ]


_WIDTH: Final = 100
_SHORT: Final = {DIRECT: "direct", INDIRECT: "indirect", NO_IFN: "no IFN"}


def _wrap(text: str, indent: str) -> str:
    # Not at hyphens: "interferon-beta" and "2-8" read badly split across lines.
    return textwrap.fill(
        text, _WIDTH, initial_indent=indent, subsequent_indent="      ", break_on_hyphens=False
    )


def _fmt(value: float) -> str:
    return f"{value:.4g}"


@attrs.frozen
class Report:
    """The reproduced study: its claims and its three comparisons.

    Attributes:
        claims: Every claim, in the order of :data:`PUBLISHED`.
        comparisons: MS latency, psoriasis latency and lag across the paradigms.
        patients: How many patients the cohort has.
        source: Where the cohort comes from.
    """

    claims: tuple[Claim, ...]
    comparisons: tuple[GroupComparison, ...]
    patients: int
    source: str = ""

    @property
    def all_derivable_agree(self) -> bool:
        """True when no claim differs (claims the data cannot decide do not count)."""
        return all(c.verdict is not Verdict.DIFFERS for c in self.claims)

    def verdicts(self) -> dict[Verdict, int]:
        """How many claims have each verdict."""
        return {v: sum(1 for c in self.claims if c.verdict is v) for v in Verdict}

    def claim(self, claim_id: str) -> Claim:
        """The claim with this id.

        Raises:
            KeyError: when there is none.
        """
        for item in self.claims:
            if item.id == claim_id:
                return item
        raise KeyError(claim_id)

    def __str__(self) -> str:
        counts = self.verdicts()
        differing = [c.id for c in self.claims if c.verdict is Verdict.DIFFERS]
        lines = [
            TITLE,
            f"{self.patients} patients; {len(self.claims)} claims: "
            + ", ".join(f"{n} {v.value}" for v, n in counts.items()),
            f"differs: {', '.join(differing)}" if differing else "every derivable claim agrees",
            "",
            *_table(
                ["claim", "published", "derived", "verdict"],
                [[c.id, str(c.published), str(c.derived), c.verdict.value] for c in self.claims],
            ),
            "",
            "Statements and notes",
        ]
        for c in self.claims:
            lines.append(_wrap(f"{c.id}: {c.statement}", "  "))
            if c.note:
                lines.append(_wrap(c.note, "      "))
        if self.comparisons:
            first = self.comparisons[0]
            detail = (
                "exact"
                if first.permutation_exact
                else f"Monte Carlo, {first.n_resamples} resamples, seed {first.random_state}"
            )
            names = [_SHORT.get(g.name, g.name) for g in first.groups]
            lines += [
                "",
                "Kruskal-Wallis across the paradigms",
                f"  permutation p: {detail}; group medians in months, with n",
                "",
                *_table(
                    ["measure", "H", "df", "p asymptotic", "p permutation", *(f"median {n}" for n in names)],
                    [
                        [
                            c.measure,
                            _fmt(c.statistic),
                            str(c.df),
                            _fmt(c.p_asymptotic),
                            _fmt(c.p_permutation),
                            *(f"{_fmt(g.median)} (n={g.n})" for g in c.groups),
                        ]
                        for c in self.comparisons
                    ],
                ),
            ]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-compatible builtins, in the schema of the module docstring."""
        return {
            "schema_version": 1,
            "study": TITLE,
            "cohort": {"patients": self.patients, "source": self.source},
            "verdicts": {v.value: n for v, n in self.verdicts().items()},
            "all_derivable_agree": self.all_derivable_agree,
            "claims": [c.as_dict() for c in self.claims],
            "comparisons": [
                {
                    "measure": c.measure,
                    "groups": [
                        {"name": g.name, "values": list(g.values), "n": g.n, "median": g.median}
                        for g in c.groups
                    ],
                    "statistic": c.statistic,
                    "df": c.df,
                    "p_asymptotic": c.p_asymptotic,
                    "p_permutation": c.p_permutation,
                    "permutation_exact": c.permutation_exact,
                    "n_resamples": c.n_resamples,
                    "random_state": c.random_state,
                }
                for c in self.comparisons
            ],
        }


def reproduce(
    cohort: Cohort | None = None, *, n_resamples: int = 9999, random_state: int | None = 0
) -> Report:
    """Reproduce the study: every claim and the three comparisons.

    Args:
        cohort: The patients; the bundled cohort when None.
        n_resamples: Permutation budget of the comparisons.
        random_state: Seed of their Monte Carlo permutations.

    Returns:
        The report.

    Raises:
        TimelineError: as for :func:`claims`.
    """
    if cohort is None:
        from dmt_timeline.datasets import load_natalizumab_psoriasis  # noqa: PLC0415 - reads a file

        cohort = load_natalizumab_psoriasis()
    rows = _rows(cohort)
    found = _comparisons(rows, n_resamples=n_resamples, random_state=random_state)
    return Report(_claims(rows, found), found, len(rows), cohort.metadata.source)
