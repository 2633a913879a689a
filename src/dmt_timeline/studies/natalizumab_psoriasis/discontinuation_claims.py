"""The claims on why interferon beta, glatiramer acetate and dimethyl fumarate were stopped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from dmt_timeline.catalogue import CATALOGUE, TherapyClass
from dmt_timeline.dates import MonthRange, months_between
from dmt_timeline.model import SwitchReason, TherapyEpisode
from dmt_timeline.studies.natalizumab_psoriasis.claim import Claim, _bounded, _claim, _simple
from dmt_timeline.studies.natalizumab_psoriasis.paradigms import _IFN
from dmt_timeline.studies.natalizumab_psoriasis.published import _published_count
from dmt_timeline.studies.natalizumab_psoriasis.rows import _Row
from dmt_timeline.studies.natalizumab_psoriasis.wording import _ids, _ids_text, _months, _of

_DMF: Final = CATALOGUE.get("dimethyl fumarate")
_GA: Final = TherapyClass.GLATIRAMER_ACETATE

# "Approximately 2 years" on DMF, in whole months.
_ABOUT_TWO_YEARS: Final = 24


def _stopped_for(episode: TherapyEpisode, *reasons: SwitchReason) -> bool:
    return any(r in episode.reasons for r in reasons)


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
