"""The claims on the paradigms: group sizes, and the paths from interferon beta to natalizumab."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from dmt_timeline.dates import MonthRange, Truth
from dmt_timeline.model import Condition, Patient
from dmt_timeline.studies.natalizumab_psoriasis.claim import Claim, Verdict, _bounded, _claim, _exact, _simple
from dmt_timeline.studies.natalizumab_psoriasis.paradigms import _IFN, DIRECT, INDIRECT, NO_IFN
from dmt_timeline.studies.natalizumab_psoriasis.published import PUBLISHED, _published_count
from dmt_timeline.studies.natalizumab_psoriasis.rows import _Row
from dmt_timeline.studies.natalizumab_psoriasis.wording import _ids, _ids_text, _months, _of
from dmt_timeline.timeline import DEFAULT_GRACE_MONTHS, TransferKind

_LABEL: Final = "published_group"  # read only to check the rules, never by them

# A lag of "2-3 years", in whole months.
_LAG_YEARS: Final = MonthRange(24, 36)


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
