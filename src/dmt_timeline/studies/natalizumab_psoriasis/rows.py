"""What the claims and the comparisons need of each patient, derived once from the timeline."""

from __future__ import annotations

from typing import Final

import attrs

from dmt_timeline.latency import Latency, index_episode, latency
from dmt_timeline.model import Cohort, Patient
from dmt_timeline.studies.natalizumab_psoriasis.paradigms import (
    _NATALIZUMAB,
    _PARADIGM_OF_KIND,
    _first_natalizumab_transfer,
)
from dmt_timeline.timeline import Timeline, Transfer

_MS: Final = "MS"
_PSORIASIS: Final = "psoriasis"


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
