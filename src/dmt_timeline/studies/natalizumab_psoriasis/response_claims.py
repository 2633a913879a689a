"""The claims on the response to natalizumab, and on whether the paradigms differ in it.

Who started natalizumab, how soon each disease responded, and the verdicts of the three
Kruskal-Wallis comparisons.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from dmt_timeline.studies.natalizumab_psoriasis.claim import Claim, Verdict, _claim, _simple
from dmt_timeline.studies.natalizumab_psoriasis.paradigms import _NATALIZUMAB
from dmt_timeline.studies.natalizumab_psoriasis.rows import _Row
from dmt_timeline.studies.natalizumab_psoriasis.wording import _ids, _ids_text, _of, _span

if TYPE_CHECKING:  # scipy comes in with stats; it is imported when the comparisons run
    from dmt_timeline.stats import GroupComparison

_SIGNIFICANCE: Final = 0.05


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
