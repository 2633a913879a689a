"""The domain model: patients, therapy episodes, switch reasons, diagnoses and response observations.

Every class is frozen and validated at construction, so an object that exists is valid. Single
values are checked by attrs validators; rules that span fields are checked after them, in
``__attrs_post_init__``. Errors name the field and the value; errors raised while building a
:class:`Patient` also name the patient.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs

from dmt_timeline import _display
from dmt_timeline.catalogue import Therapy, TherapyClass
from dmt_timeline.conditions import Condition
from dmt_timeline.dates import PartialDate
from dmt_timeline.errors import InvalidValueError, describe_value, quoted
from dmt_timeline.events import EdssAssessment, MriScan, Relapse, ScoredAssessment
from dmt_timeline.scores import EDSS

if TYPE_CHECKING:  # the reasons module reads its data file and imports this one
    from dmt_timeline.reasons import StopCategory

__all__ = [
    "EDSS",
    "MAX_LATENCY_MONTHS",
    "MAX_SEQUENCE",
    "MAX_TEXT_LENGTH",
    "NOT_RECORDED",
    "ONGOING",
    "SGI",
    "CSFBands",
    "Cohort",
    "CohortMetadata",
    "ComorbidityTreatment",
    "Condition",
    "Diagnosis",
    "Modality",
    "Outcome",
    "Patient",
    "ResponseObservation",
    "Sex",
    "StopState",
    "SwitchReason",
    "TherapyEpisode",
    "outcome_key",
    "parse_reasons",
]


class SwitchReason(enum.Enum):
    """Why a therapy episode stopped. The values are the codes real tables use.

    Each reason falls in one of the eight standard categories (:attr:`category`); the
    bundled study's own codes stay reasons of their own, so that what they say is kept
    (``JCV+`` is an increased risk of PML, not any increased risk). The spellings tables use
    for each are read by :func:`dmt_timeline.reasons.read_reasons`.
    """

    LOSS_OF_EFFECTIVENESS = "LOE"
    INTOLERANCE = "tlrb"
    COMORBIDITY_WORSENING = "Ps"
    SAFETY_RISK = "JCV+"
    PREGNANCY = "Pregn"
    OTHER = "other"
    # The standard categories that the study's codes do not already say, and a named PML risk.
    ADVERSE_EVENT = "adverse event"
    INCREASED_RISK = "increased risk of adverse event"
    DISEASE_PROGRESSION = "disease progression"
    PATIENT_CHOICE = "patient choice"
    UNKNOWN = "unknown"
    PML_RISK = "PML risk"

    @property
    def category(self) -> StopCategory:
        """The standard category of stopping a DMT that this reason belongs to."""
        from dmt_timeline.reasons import category  # noqa: PLC0415 - reasons imports this module

        return category(self)

    @property
    def meaning(self) -> str:
        """What the reason says, in words."""
        from dmt_timeline.reasons import meaning  # noqa: PLC0415 - reasons imports this module

        return meaning(self)


# Codes seen in real tables, folded to lower case. "NA" (not applicable: the episode did not
# stop) is deliberately not a reason; parse_reasons() reads it as no reasons at all.
_REASON_CODES: Final = {
    "loe": SwitchReason.LOSS_OF_EFFECTIVENESS,
    "lackofefficacy": SwitchReason.LOSS_OF_EFFECTIVENESS,
    "lossofeffectiveness": SwitchReason.LOSS_OF_EFFECTIVENESS,
    "tlrb": SwitchReason.INTOLERANCE,
    "intolerance": SwitchReason.INTOLERANCE,
    "nottolerated": SwitchReason.INTOLERANCE,
    "ps": SwitchReason.COMORBIDITY_WORSENING,
    "comorbidityworsening": SwitchReason.COMORBIDITY_WORSENING,
    "jcv+": SwitchReason.SAFETY_RISK,
    "safetyrisk": SwitchReason.SAFETY_RISK,
    "pregn": SwitchReason.PREGNANCY,
    "pregnancy": SwitchReason.PREGNANCY,
    "other": SwitchReason.OTHER,
    # Every code, folded as parse_reasons folds a cell (the newer ones are words: "adverse event").
    **{"".join(r.value.split()).casefold(): r for r in SwitchReason},
}
_NOT_APPLICABLE: Final = frozenset({"na", "n/a"})
# The codes an error names: the study's, the rest by reference, so that a message stays short.
_KNOWN_CODES: Final = "LOE, tlrb, Ps, JCV+, Pregn, other, NA or another SwitchReason code"

MAX_TEXT_LENGTH: Final = 10_000
"""The most characters a text value the readers take may have: a stop-reason cell, a JSON text.

No real cell comes near it; anything longer is refused with an error naming the field, so that
no reader spends more than linear time on a hostile value and no message can grow with it.
"""


def parse_reasons(text: str) -> tuple[SwitchReason, ...]:
    """Read a stop-reason cell such as ``"LOE, Ps"``, ``"tlrb"``, ``"JCV+*"`` or ``"NA"``.

    Codes are case-insensitive and separated by commas, semicolons or slashes; a trailing
    footnote marker (``*``) is dropped. ``"NA"`` and a blank cell give no reasons: whether the
    episode stopped is said by its stop, not by its reasons. The time taken is linear in the
    length of ``text``, which is at most :data:`MAX_TEXT_LENGTH` characters.

    Raises:
        InvalidValueError: naming the unknown code, or for text longer than :data:`MAX_TEXT_LENGTH`.
    """
    if not isinstance(text, str):
        raise InvalidValueError(f"stop reasons {describe_value(text)}: expected text such as 'LOE, Ps'")
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidValueError(
            f"stop reasons: {len(text)} characters, more than the {MAX_TEXT_LENGTH} a cell may have"
        )
    if "".join(text.split()).casefold() in _NOT_APPLICABLE:
        return ()  # checked whole first: "/" also separates codes, and would split "n/a"
    reasons: list[SwitchReason] = []
    for raw in re.split(r"[,;/]", text):
        # rstrip, not a regex such as \*+$: that one is quadratic on a long run of stars.
        code = "".join(raw.split()).rstrip("*").casefold()
        if not code or code in _NOT_APPLICABLE:
            continue
        reason = _REASON_CODES.get(code)
        if reason is None:
            raise InvalidValueError(f"stop reason {quoted(raw.strip())} is not one of {_KNOWN_CODES}")
        if reason not in reasons:
            reasons.append(reason)
    return tuple(reasons)


class StopState(enum.Enum):
    """An episode's stop when it is not a date. Ongoing and not recorded are different things."""

    ONGOING = "ongoing"
    NOT_RECORDED = "not recorded"


ONGOING: Final = StopState.ONGOING
NOT_RECORDED: Final = StopState.NOT_RECORDED


def _partial_date(value: PartialDate | object) -> PartialDate:
    if isinstance(value, PartialDate):
        return value  # what coerce would return, one call sooner: the common case
    return PartialDate.coerce(value)  # type: ignore[arg-type]  # coerce refuses the rest


def _optional_date(value: object) -> PartialDate | None:
    if value is None or isinstance(value, PartialDate):
        return value  # what _partial_date would return for a date, one call sooner
    return PartialDate.coerce(value)  # type: ignore[arg-type]  # coerce refuses the rest


def _stop(value: object) -> PartialDate | StopState:
    if isinstance(value, (PartialDate, StopState)):  # a tuple: the faster check
        return value  # what _partial_date would return for a date, one call sooner
    return PartialDate.coerce(value)  # type: ignore[arg-type]  # coerce refuses the rest


def _optional_edss(value: object) -> EDSS | None:
    if value is None or isinstance(value, EDSS):
        return value
    return EDSS(value)  # type: ignore[arg-type]  # EDSS refuses what is not a number


_Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _check_type(kind: type | tuple[type, ...], what: str) -> _Validator:
    """An attrs validator whose message names the field and the value, not a type repr."""

    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, kind):
            raise InvalidValueError(f"{attribute.name} {describe_value(value)} is not {what}")

    return check


def _check_optional_type(kind: type, what: str) -> _Validator:
    """:func:`_check_type` that lets None through: ``attrs.validators.optional`` in one call."""

    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and not isinstance(value, kind):
            raise InvalidValueError(f"{attribute.name} {describe_value(value)} is not {what}")

    return check


def _check_items(kind: type, what: str) -> _Validator:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if type(value) is tuple and not value:
            return  # empty, the common case: nothing to check
        if not isinstance(value, tuple):
            raise InvalidValueError(f"{attribute.name} {describe_value(value)} is not a tuple of {what}")
        for i, item in enumerate(value):
            if not isinstance(item, kind):
                raise InvalidValueError(f"{attribute.name}[{i}] {describe_value(item)} is not {what}")

    return check


def _tuple(value: Iterable[object]) -> tuple[object, ...]:
    if type(value) is tuple:
        return value  # what tuple() would return for it: the common case, without the ABC check
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        return value  # type: ignore[return-value]  # the validator names the bad value
    return tuple(value)


MAX_SEQUENCE: Final = 1000
"""The highest episode ``sequence`` the model accepts (no history has a thousand lines)."""


def _optional_positive(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (
        not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_SEQUENCE
    ):
        raise InvalidValueError(
            f"{attribute.name} {describe_value(value)} is not a whole number in 1..{MAX_SEQUENCE}"
        )


@attrs.frozen
class TherapyEpisode:
    """One continuous course of one therapy.

    Attributes:
        therapy: The catalogue entry.
        start: When the course started.
        stop: A date, :data:`ONGOING`, or :data:`NOT_RECORDED` (the default).
        reasons: Why it stopped; empty when not recorded, and always empty while ongoing.
        edss: The EDSS recorded with the episode: at its stop, or at its latest evaluation
            while it continues.
        sequence: The episode's position in the source's own ordering (1 for a table's "1st
            DMT" column), when the source gives one. It orders episodes whose coarse dates
            cannot (two starts in the same year); see :class:`~dmt_timeline.Timeline`.
    """

    therapy: Therapy = attrs.field(validator=_check_type(Therapy, "a catalogue Therapy"))
    start: PartialDate = attrs.field(converter=_partial_date)
    stop: PartialDate | StopState = attrs.field(default=NOT_RECORDED, converter=_stop)
    reasons: tuple[SwitchReason, ...] = attrs.field(
        default=(),
        converter=_tuple,
        validator=_check_items(SwitchReason, "a SwitchReason"),
    )
    edss: EDSS | None = attrs.field(default=None, converter=_optional_edss)
    sequence: int | None = attrs.field(default=None, validator=_optional_positive)

    def __attrs_post_init__(self) -> None:
        if self.stop is ONGOING and self.reasons:
            codes = ", ".join(r.value for r in self.reasons)
            raise InvalidValueError(
                f"stop ongoing contradicts reasons {codes}: an ongoing episode has no stop reasons"
            )
        stop = self.stop
        # stop.compare(start) is Order.BEFORE, on the day codes, without the call.
        if isinstance(stop, PartialDate) and stop._hi < self.start._lo:
            raise InvalidValueError(f"stop {self.stop} is before start {self.start}")
        if len(self.reasons) > 1 and len(set(self.reasons)) != len(self.reasons):
            raise InvalidValueError("reasons repeat a reason")

    @property
    def therapy_class(self) -> TherapyClass:
        """The mechanism class of the episode's therapy."""
        return self.therapy.therapy_class

    @property
    def stopped(self) -> bool | None:
        """True if it stopped, False if ongoing, None if the data do not say."""
        if isinstance(self.stop, PartialDate) or self.reasons:
            return True
        if self.stop is ONGOING:
            return False
        return None

    def __str__(self) -> str:
        stop = self.stop.value if isinstance(self.stop, StopState) else str(self.stop)
        return f"{self.therapy.label} {self.start}..{stop}"


class CSFBands(enum.Enum):
    """Cerebrospinal-fluid oligoclonal bands, the MS evidence the study records."""

    POSITIVE = "positive"
    NEGATIVE = "negative"
    NOT_DONE = "not done"


class Sex(enum.Enum):
    """Sex as recorded (FHIR's administrative gender without "unknown": an unrecorded sex is None)."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


def _optional_sex(value: object) -> Sex | None:
    if value is None or isinstance(value, Sex):
        return value
    try:
        return Sex(value)
    except ValueError:
        known = ", ".join(s.value for s in Sex)
        raise InvalidValueError(f"sex {describe_value(value)} is not one of {known}") from None


def outcome_key(condition: Condition) -> str:
    """The name of a condition's response outcome in tables: ``"MS"`` or the comorbidity's name."""
    return "MS" if condition == Condition.MULTIPLE_SCLEROSIS else condition.name


@attrs.frozen
class Diagnosis:
    """A condition with the date it was diagnosed, and for MS the CSF evidence."""

    condition: Condition = attrs.field(validator=_check_type(Condition, "a Condition"))
    date: PartialDate | None = attrs.field(default=None, converter=_optional_date)
    csf: CSFBands | None = attrs.field(
        default=None,
        validator=_check_optional_type(CSFBands, "a CSFBands value"),
    )

    def __attrs_post_init__(self) -> None:
        if self.csf is not None and self.condition != Condition.MULTIPLE_SCLEROSIS:
            raise InvalidValueError(
                f"csf {self.csf.value} is MS evidence, not evidence for {self.condition.value}"
            )


class SGI(enum.Enum):
    """The 7-grade Subject Global Impression; only better and much better count as improvement."""

    MUCH_WORSE = "much worse"
    WORSE = "worse"
    SOMEWHAT_WORSE = "somewhat worse"
    NO_CHANGE = "no change"
    SOMEWHAT_BETTER = "somewhat better"
    BETTER = "better"
    MUCH_BETTER = "much better"

    @property
    def is_improvement(self) -> bool:
        """True for the two grades that count as improvement."""
        return self in (SGI.BETTER, SGI.MUCH_BETTER)


class Outcome(enum.Enum):
    """What responded to an index episode."""

    MS_ACTIVITY_CEASED = "MS activity ceased"
    COMORBIDITY_IMPROVED = "comorbidity improved"


class Modality(enum.Enum):
    """Kinds of treatment for a comorbidity (the study's ``t`` and ``s``)."""

    TOPICAL = "topical"
    STEROID = "steroid"
    PHOTOTHERAPY = "phototherapy"
    SYSTEMIC = "systemic"
    BIOLOGIC = "biologic"


@attrs.frozen
class ComorbidityTreatment:
    """Treatment of a comorbidity, over the history or at last follow-up (``current``)."""

    condition: Condition = attrs.field(validator=_check_type(Condition, "a Condition"))
    modalities: tuple[Modality, ...] = attrs.field(
        converter=_tuple,
        validator=_check_items(Modality, "a Modality"),
    )
    current: bool = False

    def __attrs_post_init__(self) -> None:
        if not self.modalities:
            raise InvalidValueError("modalities () is empty: say what the treatment was")


MAX_LATENCY_MONTHS: Final = 1200
"""The longest latency the model accepts: a hundred years, far beyond any follow-up."""


def _optional_int(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (
        not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_LATENCY_MONTHS
    ):
        raise InvalidValueError(
            f"{attribute.name} {describe_value(value)} is not a whole number of months "
            f"in 0..{MAX_LATENCY_MONTHS}"
        )


def _index(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidValueError(f"{attribute.name} {describe_value(value)} is not an index >= 0")


@attrs.frozen
class ResponseObservation:
    """An observation that an outcome responded to an index episode.

    Attributes:
        outcome: What responded.
        condition: The condition that responded: multiple sclerosis for
            :attr:`Outcome.MS_ACTIVITY_CEASED`, the comorbidity otherwise.
        episode: Index of the index episode in the patient's ``episodes``.
        date: When the response was first observed, or
        latency_months: the whole months from the episode's start, as the data state them.
        grade: For a comorbidity, the SGI grade observed; it must count as improvement.
    """

    outcome: Outcome = attrs.field(validator=_check_type(Outcome, "an Outcome"))
    episode: int = attrs.field(validator=_index)
    condition: Condition = attrs.field(validator=_check_type(Condition, "a Condition"))
    date: PartialDate | None = attrs.field(default=None, converter=_optional_date)
    latency_months: int | None = attrs.field(default=None, validator=_optional_int)
    grade: SGI | None = attrs.field(
        default=None,
        validator=_check_optional_type(SGI, "an SGI grade"),
    )

    def __attrs_post_init__(self) -> None:
        if self.date is None and self.latency_months is None:
            raise InvalidValueError("date None and latency_months None: give exactly one of them")
        if self.date is not None and self.latency_months is not None:
            raise InvalidValueError(
                f"date {self.date} and latency_months {self.latency_months}: give exactly one of them"
            )
        ms = self.condition == Condition.MULTIPLE_SCLEROSIS
        if (self.outcome is Outcome.MS_ACTIVITY_CEASED) != ms:
            raise InvalidValueError(
                f"condition {self.condition.value} does not fit outcome {self.outcome.value}"
            )
        if self.grade is not None:
            if ms:
                raise InvalidValueError("grade: an SGI grade applies to a comorbidity, not to MS")
            if not self.grade.is_improvement:
                raise InvalidValueError(
                    f"grade {self.grade.value} does not count as improvement (only better and much better do)"
                )

    @property
    def key(self) -> str:
        """A short name for the outcome in tables: ``"MS"`` or the comorbidity's name."""
        return outcome_key(self.condition)


def _exactly(items: object, kind: type) -> bool:
    if type(items) is not tuple:
        return False
    for item in items:  # noqa: SIM110 - a plain loop: all() over a generator costs more here
        if type(item) is not kind:
            return False
    return True


_PATIENT_ITEMS: Final = (
    ("episodes", TherapyEpisode),
    ("diagnoses", Diagnosis),
    ("observations", ResponseObservation),
    ("comorbidity_treatments", ComorbidityTreatment),
    ("relapses", Relapse),
    ("edss_assessments", EdssAssessment),
    ("mri_scans", MriScan),
    ("assessments", ScoredAssessment),
)


_EVENT_DATES: Final[tuple[tuple[str, Callable[[Any], PartialDate]], ...]] = (
    ("relapses", lambda relapse: relapse.onset),
    ("edss_assessments", lambda assessment: assessment.date),
    ("mri_scans", lambda scan: scan.date),
    ("assessments", lambda assessment: assessment.date),
)


def _labels(value: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    if type(value) is tuple and not value:
        return ()  # no labels, the default: what the general path gives, without its ABC check
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(k), str(v)) for k, v in items))


@attrs.frozen
class Patient:
    """One patient's history.

    Attributes:
        id: An identifier, unique within a cohort. It is the only personal field that errors
            quote.
        diagnoses: Diagnoses with their dates.
        episodes: Therapy episodes, in any order (a :class:`~dmt_timeline.Timeline` sorts them).
        observations: Response observations; each refers to one of ``episodes`` by index.
        baseline_edss: EDSS at baseline.
        last_edss: EDSS at last follow-up.
        last_follow_up: When the patient was last seen; it bounds the last open episode and
            censors latencies.
        comorbidity_treatments: Treatments of comorbidities, over the history or current.
        labels: Free-form metadata (for example a publication's own group label); the
            algebra never reads it.
        relapses: Relapses, by onset.
        edss_assessments: EDSS assessments over time (``baseline_edss`` and ``last_edss``
            stay as the source gave them).
        mri_scans: MRI scans and the activity they showed.
        assessments: Other scored assessments (T25FW, 9HPT, SDMT).
        sex: Sex as recorded, or None when not recorded.
        birth_date: The date of birth, as precise as the source gives it (a year is enough);
            nothing the patient has (an episode, a diagnosis, an event, the last follow-up)
            is certainly before it.
    """

    id: str
    episodes: tuple[TherapyEpisode, ...] = attrs.field(default=(), converter=_tuple)
    diagnoses: tuple[Diagnosis, ...] = attrs.field(default=(), converter=_tuple)
    observations: tuple[ResponseObservation, ...] = attrs.field(default=(), converter=_tuple)
    baseline_edss: EDSS | None = attrs.field(default=None, converter=_optional_edss)
    last_edss: EDSS | None = attrs.field(default=None, converter=_optional_edss)
    last_follow_up: PartialDate | None = attrs.field(default=None, converter=_optional_date)
    comorbidity_treatments: tuple[ComorbidityTreatment, ...] = attrs.field(
        default=(),
        converter=_tuple,
    )
    labels: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_labels)
    relapses: tuple[Relapse, ...] = attrs.field(default=(), converter=_tuple)
    edss_assessments: tuple[EdssAssessment, ...] = attrs.field(default=(), converter=_tuple)
    mri_scans: tuple[MriScan, ...] = attrs.field(default=(), converter=_tuple)
    assessments: tuple[ScoredAssessment, ...] = attrs.field(default=(), converter=_tuple)
    sex: Sex | None = attrs.field(default=None, converter=_optional_sex)
    birth_date: PartialDate | None = attrs.field(default=None, converter=_optional_date)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise InvalidValueError(f"patient id {describe_value(self.id)} must be non-empty text")
        for field, kind in _PATIENT_ITEMS:
            items = getattr(self, field)
            if type(items) is tuple and not items:
                continue  # none: nothing to check
            if not _exactly(items, kind):  # exactly the classes asked for is the common case
                self._check_items(field, items, kind)
        episodes = self.episodes
        follow_up = self.last_follow_up
        # Chronology below is PartialDate.compare on the day codes: x.compare(y) is
        # Order.BEFORE when x._hi < y._lo, and Order.AFTER when x._lo > y._hi.
        for i, obs in enumerate(self.observations):
            if not 0 <= obs.episode < len(episodes):
                self._fail(
                    f"observations[{i}].episode: {obs.episode} does not name one of the "
                    f"{len(episodes)} episodes"
                )
            date = obs.date
            if date is None:
                continue
            start = episodes[obs.episode].start
            if date._hi < start._lo:
                self._fail(f"observations[{i}].date: {obs.date} is before its episode's start {start}")
            if follow_up is not None and date._lo > follow_up._hi:
                self._fail(
                    f"observations[{i}].date: {obs.date} is after last_follow_up {self.last_follow_up}"
                )
        if follow_up is not None:
            self._check_follow_up(follow_up)
        if self.birth_date is not None:
            self._check_birth(self.birth_date)

    def _check_birth(self, birth: PartialDate) -> None:
        """Nothing is certainly before the birth date."""
        dated: list[tuple[str, PartialDate | None]] = [("last_follow_up", self.last_follow_up)]
        dated += [(f"episodes[{i}].start", e.start) for i, e in enumerate(self.episodes)]
        dated += [(f"diagnoses[{i}].date", d.date) for i, d in enumerate(self.diagnoses)]
        for field, date_of in _EVENT_DATES:
            dated += [(f"{field}[{i}]", date_of(event)) for i, event in enumerate(getattr(self, field))]
        for field, date in dated:
            if date is not None and date._hi < birth._lo:
                self._fail(f"{field}: {date} is before birth_date {birth}")

    def _check_follow_up(self, follow_up: PartialDate) -> None:
        """Nothing starts or happens after the last follow-up (on every reading of the dates)."""
        for i, episode in enumerate(self.episodes):
            if episode.start._lo > follow_up._hi:
                self._fail(f"episodes[{i}].start: {episode.start} is after last_follow_up {follow_up}")
        for field, date_of in _EVENT_DATES:
            for i, event in enumerate(getattr(self, field)):
                if date_of(event)._lo > follow_up._hi:
                    self._fail(f"{field}[{i}]: {date_of(event)} is after last_follow_up {follow_up}")

    def _check_items(self, field: str, items: Any, kind: type) -> None:
        if not isinstance(items, tuple):
            self._fail(f"{field}: expected a sequence of {kind.__name__}")
        for i, item in enumerate(items):
            if not isinstance(item, kind):
                self._fail(f"{field}[{i}]: {type(item).__name__} is not a {kind.__name__}")

    def _fail(self, problem: str) -> None:
        raise InvalidValueError(f"patient {quoted(self.id)}: {problem}")

    def __repr__(self) -> str:
        return _display.patient_repr(self)

    def _repr_html_(self) -> str:
        return _display.patient_html(self)

    def label(self, key: str) -> str | None:
        """The value of one label, or None."""
        return dict(self.labels).get(key)

    def diagnosis(self, condition: Condition) -> Diagnosis | None:
        """The first diagnosis of a condition, or None."""
        return next((d for d in self.diagnoses if d.condition == condition), None)


@attrs.frozen
class CohortMetadata:
    """Where a cohort comes from."""

    source: str = ""
    citation: str = ""
    description: str = ""


@attrs.frozen
class Cohort:
    """Patients with unique ids, and where they come from."""

    patients: tuple[Patient, ...] = attrs.field(converter=_tuple)
    metadata: CohortMetadata = CohortMetadata()

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        for i, patient in enumerate(self.patients):
            if not isinstance(patient, Patient):
                raise InvalidValueError(f"patients[{i}]: {type(patient).__name__} is not a Patient")
            if patient.id in seen:
                raise InvalidValueError(f"patients[{i}].id: {quoted(patient.id)} is not unique in the cohort")
            seen.add(patient.id)

    def __len__(self) -> int:
        return len(self.patients)

    def __repr__(self) -> str:
        return _display.cohort_repr(self)

    def _repr_html_(self) -> str:
        return _display.cohort_html(self)

    def __iter__(self) -> Iterator[Patient]:
        return iter(self.patients)

    def __getitem__(self, patient_id: str) -> Patient:
        """The patient with this id."""
        for patient in self.patients:
            if patient.id == patient_id:
                return patient
        raise KeyError(patient_id)
