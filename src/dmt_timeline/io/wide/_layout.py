"""Layouts: which column of a wide study table holds what, and the bundled study's own."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs

from dmt_timeline.errors import CohortFormatError, describe_value
from dmt_timeline.io.cells import ReadingOptions


def _optional_name(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise CohortFormatError(
            f"layout {attribute.name} {describe_value(value)}: expected a column name or None"
        )


@attrs.frozen
class TherapyColumns:
    """The columns of one numbered therapy (the table's "1st DMT", "2nd DMT"...).

    Attributes:
        therapy: The therapy name column.
        start: The start date column.
        reasons: The stop-reason column, or None when the table has none for this therapy.
        edss: The EDSS column beside it, or None.
        stop: The stop date column, or None (the default): then the reason column alone
            says whether the episode stopped, and a stop date cannot be written.
    """

    therapy: str
    start: str
    reasons: str | None = attrs.field(default=None, validator=_optional_name)
    edss: str | None = attrs.field(default=None, validator=_optional_name)
    stop: str | None = attrs.field(default=None, validator=_optional_name)

    @property
    def names(self) -> tuple[str, ...]:
        """The columns it uses, in table order."""
        return tuple(
            c for c in (self.therapy, self.start, self.stop, self.reasons, self.edss) if c is not None
        )


def _therapies(value: Iterable[TherapyColumns]) -> tuple[TherapyColumns, ...]:
    return tuple(value)


def _footnotes(value: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(value.items() if isinstance(value, Mapping) else value)


def _names(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _optional_reading(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not isinstance(value, ReadingOptions):
        raise CohortFormatError(f"layout {attribute.name}: expected ReadingOptions or None")


@attrs.frozen
class WideLayout:
    """Which column of a wide study table holds what; None for a column the table lacks.

    Attributes:
        patient_id: Patient identifiers (required, unique).
        ms_diagnosis: Year (or month, day) of MS diagnosis.
        csf: CSF oligoclonal bands: ``Pos``/``Neg``, ``0`` = not done.
        baseline_edss: EDSS at baseline.
        psoriasis_diagnosis: Date of psoriasis diagnosis; with this column set, every patient
            has a psoriasis diagnosis (a blank cell is an unknown date).
        psoriasis_treatment: Psoriasis treatment codes over the history (``t, s``).
        therapies: The numbered therapy columns, 1st first.
        last_edss: The final EDSS.
        last_follow_up: When the patient was last seen (year, month or day), or None (the
            default). Latencies of patients with no response are censored at it.
        ms_latency: Months from the index therapy's first start to MS activity ceasing.
        psoriasis_latency: Months from it to psoriasis improving.
        current_psoriasis_treatment: Current psoriasis treatment (``0`` = none, ``Topical``).
        group: The publication's own group label (kept as label ``published_group``).
        index_therapy: The therapy whose first episode the latencies count from.
        labels: Other columns (sex, site, any covariate) kept as patient labels under their
            column names.
        reading: How a researcher's table writes its cells (:class:`~dmt_timeline.io.cells.ReadingOptions`:
            dates in the forms :meth:`~dmt_timeline.PartialDate.read` accepts, stop cells with words
            for ongoing, reason and therapy crosswalks); None (the default) reads the bundled
            study's forms only (ISO dates, the study's reason codes).
        footnotes: Marked cells (``"JCV+*"``) and the footnote each one carries, kept as label
            ``table_footnote``.
        sex: Sex (``F``, ``male``...; see :func:`~dmt_timeline.io.cells.read_sex`), or None.
        birth_date: The date of birth (a year is enough), or None.
        comorbidities: A column naming the patient's other conditions, separated by ``;``
            (``depression; migraine``), each an undated diagnosis: any condition's name, read
            through the ``conditions`` crosswalk of ``reading`` (see
            :func:`~dmt_timeline.io.cells.read_conditions`); None (the default) when the table
            has none.
    """

    patient_id: str
    therapies: tuple[TherapyColumns, ...] = attrs.field(converter=_therapies)
    ms_diagnosis: str | None = attrs.field(default=None, validator=_optional_name)
    csf: str | None = attrs.field(default=None, validator=_optional_name)
    baseline_edss: str | None = attrs.field(default=None, validator=_optional_name)
    psoriasis_diagnosis: str | None = attrs.field(default=None, validator=_optional_name)
    psoriasis_treatment: str | None = attrs.field(default=None, validator=_optional_name)
    last_edss: str | None = attrs.field(default=None, validator=_optional_name)
    ms_latency: str | None = attrs.field(default=None, validator=_optional_name)
    psoriasis_latency: str | None = attrs.field(default=None, validator=_optional_name)
    current_psoriasis_treatment: str | None = attrs.field(default=None, validator=_optional_name)
    group: str | None = attrs.field(default=None, validator=_optional_name)
    index_therapy: str = "natalizumab"
    footnotes: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_footnotes)
    # Last, so that the fields before it keep their positions.
    last_follow_up: str | None = attrs.field(default=None, validator=_optional_name)
    labels: tuple[str, ...] = attrs.field(default=(), converter=_names)
    reading: ReadingOptions | None = attrs.field(default=None, validator=_optional_reading)
    sex: str | None = attrs.field(default=None, validator=_optional_name)
    birth_date: str | None = attrs.field(default=None, validator=_optional_name)
    comorbidities: str | None = attrs.field(default=None, validator=_optional_name)

    def __attrs_post_init__(self) -> None:
        names = self.columns
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise CohortFormatError(f"layout: columns {', '.join(repeated)} are used twice")

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the layout uses, in the order :func:`write_wide_csv` writes them."""
        head = (
            self.patient_id,
            self.sex,
            self.birth_date,
            self.ms_diagnosis,
            self.csf,
            self.baseline_edss,
            self.psoriasis_diagnosis,
            self.psoriasis_treatment,
        )
        tail = (
            self.last_edss,
            self.last_follow_up,
            self.ms_latency,
            self.psoriasis_latency,
            self.current_psoriasis_treatment,
            self.comorbidities,
            self.group,
            *self.labels,
        )
        middle = tuple(n for t in self.therapies for n in t.names)
        return tuple(n for n in (*head, *middle, *tail) if n is not None)


def _dmt(n: int, *, reasons: bool = True) -> TherapyColumns:
    return TherapyColumns(
        f"dmt{n}", f"dmt{n}_start", f"dmt{n}_reason" if reasons else None, f"dmt{n}_edss" if reasons else None
    )


STUDY_LAYOUT: Final = WideLayout(
    patient_id="id",
    ms_diagnosis="ms_dx",
    csf="csf",
    baseline_edss="baseline_edss",
    psoriasis_diagnosis="ps_dx",
    psoriasis_treatment="ps_treatment",
    # The publication's 3rd DMT has no reason or EDSS column: its next EDSS is the final one.
    therapies=(_dmt(1), _dmt(2), _dmt(3, reasons=False)),
    last_edss="final_edss",
    ms_latency="ms_benefit_months",
    psoriasis_latency="ps_benefit_months",
    current_psoriasis_treatment="current_ps_treatment",
    group="group",
    footnotes=(("JCV+*", "JCV+ occurred in 2016"),),
)
# Documented where dmt_timeline.io.wide re-exports it (Sphinx reads doc-comments there).
