"""Treatment strategy per patient: early intensive, induction, escalation, or moderate efficacy
only, with whether the patient was later de-escalated, from the catalogue's efficacy tiers
(:class:`~dmt_timeline.catalogue.Efficacy`, each with its source).

Definitions, after the studies that compare the strategies:

- **Early intensive** (EIT): the first therapy is of high efficacy (Harding et al., JAMA Neurol
  2019: high-efficacy first-line therapy; Iaffaldano et al., Ann Clin Transl Neurol 2025:
  "started with HE-DMTs").
- **Induction**: the first therapy is a high-efficacy induction (immune reconstitution) therapy,
  such as alemtuzumab or cladribine: a short course whose effect outlasts it, whatever follows.
  It is early intensive treatment of a kind that studies often report apart.
- **Escalation** (ESC): the first therapy is of moderate efficacy and a high-efficacy therapy
  starts at least ``escalation_months`` whole months after it (Iaffaldano et al. 2025: HE-DMTs
  "initiated after >= 1 year of moderate-efficacy therapy"; 12 months is the default, and 24
  gives the two-year form). The time runs from the first therapy's start to the first
  high-efficacy start, gaps included.
- **Early escalation**: moderate first, then high efficacy within ``escalation_months``. Such a
  patient belongs to neither group of that definition (studies leave them out); Harding et al.
  count every moderate-efficacy start as escalation.
- **Moderate only**: moderate-efficacy therapy and, so far, nothing of high efficacy.

Iaffaldano et al. is doi:10.1002/acn3.70131; Spelman et al. (JAMA Neurol 2021;78:1197-1204)
compare the same two strategies as national policies. He et al. (Lancet Neurol 2020;19:307-316)
time high-efficacy therapy from disease onset (within 2 years vs 4-6 years), which needs the
onset date and is not what this module classifies.

De-escalation (a moderate-efficacy therapy started after a high-efficacy one that is not an
induction therapy) is a later step, not a first choice, so it is reported beside the strategy
(``de_escalation``), not as one: a patient can be early intensive and de-escalated.

Under partial dates the answer lists every strategy some reading of the dates allows: an
escalation whose moderate-efficacy period is possibly but not certainly 12 months long is "cannot
tell" with both candidates; so is a first therapy that cannot be told from a second. Episodes
of a therapy with no efficacy tier are left out, each with a reason.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Final

import attrs

from dmt_timeline._collector import collector_paused
from dmt_timeline.catalogue import Efficacy, EfficacyTier
from dmt_timeline.dates import MonthRange, Truth, _whole_months
from dmt_timeline.errors import InvalidValueError, describe_value, quoted
from dmt_timeline.model import Cohort, Patient, TherapyEpisode
from dmt_timeline.timeline import DEFAULT_MAX_OVERLAP_MONTHS, Timeline

if TYPE_CHECKING:  # io.tables imports the outcomes: imported on use below
    from dmt_timeline.io.tables import Column, TidyTable

__all__ = [
    "DEFAULT_ESCALATION_MONTHS",
    "STRATEGY_COLUMNS",
    "Strategy",
    "TreatmentStrategy",
    "cohort_strategies",
    "strategy_table",
    "treatment_strategy",
]

DEFAULT_ESCALATION_MONTHS: Final = 12
"""Whole months of moderate-efficacy therapy before a high-efficacy start that make an escalation."""


class Strategy(enum.Enum):
    """A patient's initial treatment strategy (see the module's definitions)."""

    EARLY_INTENSIVE = "early intensive"
    INDUCTION = "induction"
    ESCALATION = "escalation"
    EARLY_ESCALATION = "early escalation"
    MODERATE_ONLY = "moderate only"


_ORDER: Final = {s: i for i, s in enumerate(Strategy)}


@attrs.frozen(kw_only=True)
class TreatmentStrategy:
    """One patient's treatment strategy.

    Attributes:
        patient: The patient's id.
        candidates: Every strategy some reading of the dates allows (one when the dates decide;
            none when no episode has an efficacy tier).
        escalation_months: The minimum moderate-efficacy period of an escalation.
        months_to_high: Whole months from the first therapy's start to the first high-efficacy
            start, over every reading; None with no high-efficacy therapy.
        de_escalation: Whether a moderate-efficacy therapy started after a (non-induction)
            high-efficacy one: on every reading (TRUE), on none (FALSE), or on some.
        reasons: Why it cannot tell, and episodes left out.
    """

    patient: str
    candidates: tuple[Strategy, ...]
    escalation_months: int
    months_to_high: MonthRange | None
    de_escalation: Truth
    reasons: tuple[str, ...] = ()

    @property
    def strategy(self) -> Strategy | None:
        """The strategy when the dates decide it, else None."""
        return self.candidates[0] if len(self.candidates) == 1 else None

    def holds(self, strategy: Strategy) -> Truth:
        """Whether the patient's strategy is ``strategy``: on every reading of the dates (TRUE),
        on none (FALSE), or on some."""
        return Truth.from_bounds(always=self.candidates == (strategy,), never=strategy not in self.candidates)

    @property
    def status(self) -> str:
        """The strategy's name, ``"cannot tell"``, or ``"no tiered therapy"``."""
        if not self.candidates:
            return "no tiered therapy"
        return self.candidates[0].value if len(self.candidates) == 1 else "cannot tell"

    def __str__(self) -> str:
        text = f"{self.patient}: {self.status}"
        if len(self.candidates) > 1:
            text += f" ({' or '.join(c.value for c in self.candidates)})"
        if self.de_escalation is not Truth.FALSE:
            text += ", de-escalated" if self.de_escalation is Truth.TRUE else ", perhaps de-escalated"
        return text + "".join(f"; {r}" for r in self.reasons)

    def __repr__(self) -> str:
        head = f"<TreatmentStrategy {quoted(self.patient)}: {self.status}"
        if len(self.candidates) > 1:
            head += f" ({' | '.join(c.value for c in self.candidates)})"
        return head + ">"


def _check_months(escalation_months: object) -> None:
    if not isinstance(escalation_months, int) or isinstance(escalation_months, bool) or escalation_months < 1:
        raise InvalidValueError(
            f"escalation_months {describe_value(escalation_months)} is not a number of months >= 1"
        )


def _check_overrides(efficacy: object) -> Mapping[str, Efficacy]:
    if efficacy is None:
        return {}
    if not isinstance(efficacy, Mapping):
        raise InvalidValueError(f"efficacy {describe_value(efficacy)} is not a mapping of therapy names")
    for name, value in efficacy.items():
        if not isinstance(value, Efficacy):
            raise InvalidValueError(f"efficacy[{quoted(name)}] {describe_value(value)} is not an Efficacy")
    return efficacy


def treatment_strategy(
    patient: Patient,
    *,
    escalation_months: int = DEFAULT_ESCALATION_MONTHS,
    efficacy: Mapping[str, Efficacy] | None = None,
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
) -> TreatmentStrategy:
    """A patient's treatment strategy (see the module's definitions).

    Args:
        patient: The patient.
        escalation_months: The minimum moderate-efficacy period of an escalation (12 or 24).
        efficacy: Tiers that replace the catalogue's, by therapy name (for a study that, say,
            counts the S1P receptor modulators as high efficacy).
        max_overlap_months: As for :meth:`Timeline.of <dmt_timeline.Timeline.of>`.

    Raises:
        TimelineError: what the timeline refuses.
        InvalidValueError: an escalation period that is not a whole number of months >= 1, or
            overrides that are not :class:`~dmt_timeline.catalogue.Efficacy` values.
    """
    _check_months(escalation_months)
    overrides = _check_overrides(efficacy)
    timeline = Timeline.of(patient, max_overlap_months=max_overlap_months)  # the history is checked
    return _strategy(patient.id, timeline.episodes, escalation_months, overrides)


def _strategy(
    patient: str, episodes: Iterable[TherapyEpisode], months: int, overrides: Mapping[str, Efficacy]
) -> TreatmentStrategy:
    reasons: list[str] = []
    tiered: list[tuple[TherapyEpisode, Efficacy]] = []
    for episode in episodes:
        tier = overrides.get(episode.therapy.name, episode.therapy.efficacy)
        if tier is None:
            reasons.append(f"{episode.therapy.name} has no efficacy tier: left out")
        else:
            tiered.append((episode, tier))
    if not tiered:
        return TreatmentStrategy(
            patient=patient,
            candidates=(),
            escalation_months=months,
            months_to_high=None,
            de_escalation=Truth.FALSE,
            reasons=tuple(reasons),
        )
    highs = [e for e, t in tiered if t.tier is EfficacyTier.HIGH]
    # With sequence numbers the timeline's order is the data's (rule 2): the first is known.
    by_sequence = all(e.sequence is not None for e, _ in tiered)
    # Day codes (see dates.py): the first start is no later than the earliest last day of any.
    latest_first = min(e.start._hi for e, _ in tiered)
    found: set[Strategy] = set()
    firsts: set[frozenset[Strategy]] = set()  # what each possibly-first episode allows
    for position, (episode, tier) in enumerate(tiered):
        if (position > 0) if by_sequence else episode.start._lo > latest_first:
            continue  # certainly not first
        mine = _as_first(episode, tier, [h for h in highs if h is not episode], months)
        if {Strategy.ESCALATION, Strategy.EARLY_ESCALATION} <= mine:
            reasons.append(f"the moderate-efficacy period may be shorter or longer than {months} months")
        firsts.add(frozenset(mine))
        found |= mine
    if len(firsts) > 1:
        reasons.append("the dates cannot tell which therapy came first")
    candidates = tuple(sorted(found, key=_ORDER.__getitem__))
    return TreatmentStrategy(
        patient=patient,
        candidates=candidates,
        escalation_months=months,
        months_to_high=_months_to_high(tiered, highs),
        de_escalation=_de_escalation(tiered, by_sequence=by_sequence),
        reasons=tuple(reasons),
    )


def _as_first(
    episode: TherapyEpisode, tier: Efficacy, later: list[TherapyEpisode], months: int
) -> set[Strategy]:
    """The strategies the readings allow on which ``episode`` is the first therapy."""
    if tier.tier is EfficacyTier.HIGH:
        return {Strategy.INDUCTION if tier.induction else Strategy.EARLY_INTENSIVE}
    if not later:
        return {Strategy.MODERATE_ONLY}
    # On those readings every high-efficacy start is at or after this one: the first of them
    # lies in soonest..latest (day codes).
    soonest = max(min(h.start._lo for h in later), episode.start._lo)
    latest = min(h.start._hi for h in later)
    found = set()
    if _whole_months(episode.start._lo, latest) >= months:
        found.add(Strategy.ESCALATION)
    if _whole_months(episode.start._hi, soonest) < months:
        found.add(Strategy.EARLY_ESCALATION)
    return found


def _months_to_high(
    tiered: list[tuple[TherapyEpisode, Efficacy]], highs: list[TherapyEpisode]
) -> MonthRange | None:
    if not highs:
        return None
    first_lo, first_hi = min(e.start._lo for e, _ in tiered), min(e.start._hi for e, _ in tiered)
    high_lo, high_hi = min(h.start._lo for h in highs), min(h.start._hi for h in highs)
    low = max(_whole_months(first_hi, high_lo), 0)
    return MonthRange(low, max(_whole_months(first_lo, high_hi), low))


def _de_escalation(tiered: list[tuple[TherapyEpisode, Efficacy]], *, by_sequence: bool) -> Truth:
    answer = Truth.FALSE
    for i, (high, h_tier) in enumerate(tiered):
        if h_tier.tier is not EfficacyTier.HIGH or h_tier.induction:
            continue
        for j, (moderate, m_tier) in enumerate(tiered):
            if m_tier.tier is EfficacyTier.MODERATE:
                answer |= (
                    Truth.from_bounds(always=j > i, never=j < i)
                    if by_sequence
                    else (high.start.is_before(moderate.start))
                )
    return answer


@collector_paused()  # many small results without cycles: see dmt_timeline._collector
def cohort_strategies(
    cohort: Cohort | Iterable[Patient],
    *,
    escalation_months: int = DEFAULT_ESCALATION_MONTHS,
    efficacy: Mapping[str, Efficacy] | None = None,
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
) -> tuple[TreatmentStrategy, ...]:
    """:func:`treatment_strategy` of every patient, in cohort order."""
    _check_months(escalation_months)
    overrides = _check_overrides(efficacy)
    found = []
    for patient in cohort:
        timeline = Timeline.of(patient, max_overlap_months=max_overlap_months)
        found.append(_strategy(patient.id, timeline.episodes, escalation_months, overrides))
    return tuple(found)


def _columns() -> tuple[Column, ...]:
    from dmt_timeline.io.tables import Column, ColumnType  # noqa: PLC0415 - io.tables imports outcomes

    s, i = ColumnType.STRING, ColumnType.INT
    return (
        Column("patient_id", s, "the patient"),
        Column("strategy", s, "the strategy, 'cannot tell', or 'no tiered therapy'"),
        Column("candidates", s, "every strategy the dates allow, joined by '|'"),
        Column("escalation_months", i, "the minimum moderate-efficacy period of an escalation"),
        Column("months_to_high_low", i, "fewest whole months from the first start to high efficacy"),
        Column("months_to_high_high", i, "most whole months from the first start to high efficacy"),
        Column("de_escalation", s, "'true', 'false' or 'undetermined'"),
        Column("reasons", s, "why it cannot tell, and episodes left out, joined by ';'"),
    )


STRATEGY_COLUMNS: Final = (
    "patient_id",
    "strategy",
    "candidates",
    "escalation_months",
    "months_to_high_low",
    "months_to_high_high",
    "de_escalation",
    "reasons",
)
"""The columns of :func:`strategy_table`, in order."""


def strategy_table(strategies: Iterable[TreatmentStrategy]) -> TidyTable:
    """A tidy table of strategies, one row per patient (columns: :data:`STRATEGY_COLUMNS`), for
    pandas or Arrow through the table's own exports."""
    from dmt_timeline.io.tables import TidyTable  # noqa: PLC0415 - io.tables imports outcomes

    rows = tuple(
        (
            item.patient,
            item.status,
            "|".join(c.value for c in item.candidates),
            item.escalation_months,
            None if item.months_to_high is None else item.months_to_high.low,
            None if item.months_to_high is None else item.months_to_high.high,
            item.de_escalation.value,
            ";".join(item.reasons),
        )
        for item in strategies
    )
    return TidyTable(_columns(), rows)
