"""The study's three Kruskal-Wallis comparisons of latencies across the paradigms.

scipy is imported only when they run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final

from dmt_timeline.errors import TimelineError, quoted
from dmt_timeline.latency import Latency, outcome_lag
from dmt_timeline.model import Cohort
from dmt_timeline.studies.natalizumab_psoriasis.paradigms import PARADIGMS
from dmt_timeline.studies.natalizumab_psoriasis.rows import _Row, _rows

if TYPE_CHECKING:  # scipy comes in with stats; it is imported when the comparisons run
    from dmt_timeline.stats import GroupComparison

MEASURES: Final = (
    "MS latency (months)",
    "psoriasis latency (months)",
    "lag: MS minus psoriasis latency (months)",
)


def _whole_months(item: Latency) -> int:
    """A latency the comparisons can use: observed and decided to the month."""
    if item.censored:
        raise TimelineError(
            f"patient {quoted(item.patient_id)}: {item.outcome} latency is censored; "
            "the study's comparisons need observed latencies"
        )
    if not item.months.is_exact:
        raise TimelineError(
            f"patient {quoted(item.patient_id)}: {item.outcome} latency is {item.months}; "
            "the study's comparisons need whole months"
        )
    return item.months.low


def _lag(row: _Row) -> int:
    lag = outcome_lag(row.ms, row.psoriasis)
    if not lag.is_exact:
        raise TimelineError(
            f"patient {quoted(row.patient.id)}: lag is {lag}; the comparison needs whole months"
        )
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
