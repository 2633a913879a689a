"""The claims describing the cohort: CSF at diagnosis, and treatment and evaluation at the last visit."""

from __future__ import annotations

from collections.abc import Sequence

from dmt_timeline.model import Condition, CSFBands, Modality, Patient
from dmt_timeline.studies.natalizumab_psoriasis.claim import Claim, Verdict, _claim, _exact, _simple
from dmt_timeline.studies.natalizumab_psoriasis.paradigms import _NATALIZUMAB
from dmt_timeline.studies.natalizumab_psoriasis.published import PUBLISHED
from dmt_timeline.studies.natalizumab_psoriasis.rows import _Row
from dmt_timeline.studies.natalizumab_psoriasis.wording import _ids, _of


def _current_psoriasis(patient: Patient) -> tuple[Modality, ...]:
    return tuple(
        m
        for t in patient.comorbidity_treatments
        if t.current and t.condition == Condition.PSORIASIS
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
    csf = [d.csf for r in rows for d in r.patient.diagnoses if d.condition == Condition.MULTIPLE_SCLEROSIS]
    positive = sum(1 for c in csf if c is CSFBands.POSITIVE)
    not_done = [r.patient for r in rows if any(d.csf is CSFBands.NOT_DONE for d in r.patient.diagnoses)]
    return _simple(
        "csf_positive",
        "Sixteen of 18 had oligoclonal bands in the CSF; 2 had no lumbar puncture.",
        f"{_of(positive, n)} positive, {len(not_done)} not done",
        f"the table's CSF '0' read as not done: {_ids(not_done)}",
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
