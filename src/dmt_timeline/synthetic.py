"""Seeded synthetic cohorts and exposure tables that look like registry and claims data.

Nothing here is real data. Histories follow common multiple-sclerosis treatment paths: a
platform injectable (interferon beta, glatiramer acetate) or an oral first, escalation to
orals and then to high-efficacy therapies, occasional restarts of the same therapy (after a
pregnancy), switch reasons that fit the therapy (JCV+ for natalizumab), gaps between courses
that are mostly short, sometimes long and occasionally a small overlap. Dates are written at
year, month or day precision in the proportions asked for.

The random draws are vectorised with numpy (imported on use: extra ``tables``); the same
``seed`` always gives the same data. :func:`synthetic_cohort_document` gives the JSON-ready
document, :func:`synthetic_cohort` the validated :class:`~dmt_timeline.Cohort` read from it
through the library's own boundary, and :func:`synthetic_exposures` a long exposure table
(one row per dispensing or infusion) as a pyarrow Table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.dates import Precision
from dmt_timeline.errors import InvalidValueError
from dmt_timeline.io._frames import TABLES_EXTRA
from dmt_timeline.model import Cohort

__all__ = [
    "DEFAULT_PARTIAL_DATE_SHARE",
    "synthetic_cohort",
    "synthetic_cohort_document",
    "synthetic_episodes",
    "synthetic_exposures",
]

DEFAULT_PARTIAL_DATE_SHARE: Final[Mapping[Precision, float]] = {Precision.YEAR: 0.1, Precision.MONTH: 0.2}
"""Shares of dates written to the year and to the month; the rest are day-precise."""

# Treatment tiers, in the order a typical path escalates through them.
_TIERS: Final = (
    ("interferon beta-1a", "interferon beta-1b", "peginterferon beta-1a", "glatiramer acetate"),
    ("dimethyl fumarate", "teriflunomide", "fingolimod", "diroximel fumarate", "ozanimod", "cladribine"),
    ("natalizumab", "ocrelizumab", "ofatumumab", "alemtuzumab", "rituximab"),
)
_FIRST_TIER: Final = (0.6, 0.3, 0.1)
_ESCALATE: Final = 0.55  # chance that the next course is one tier up (else the same tier)
_RESTART: Final = 0.05  # chance that the next course resumes the same therapy
_REASONS: Final = ("LOE", "tlrb", "Ps", "Pregn", "other")
_REASON_P: Final = (0.45, 0.3, 0.04, 0.06, 0.15)
_EPOCH: Final = dt.date(1970, 1, 1).toordinal()
_FIRST: Final = dt.date(1995, 1, 1).toordinal()
_LAST_FIRST: Final = dt.date(2016, 12, 31).toordinal()


def _numpy() -> Any:
    try:
        import numpy as np  # noqa: PLC0415 - an optional extra, imported on use
    except ImportError:
        raise ImportError(f"synthetic data need numpy: {TABLES_EXTRA}") from None
    return np


def _shares(partial_date_share: Mapping[Precision, float]) -> tuple[float, float, float]:
    year = float(partial_date_share.get(Precision.YEAR, 0.0))
    month = float(partial_date_share.get(Precision.MONTH, 0.0))
    if Precision.DAY in partial_date_share or year < 0 or month < 0 or year + month > 1:
        raise InvalidValueError(
            f"partial_date_share {dict(partial_date_share)!r}: give year and month shares >= 0 "
            "that sum to at most 1 (the rest are day-precise)"
        )
    return year, month, 1.0 - year - month


def _group_starts(np: Any, counts: Any) -> Any:
    return np.concatenate(([0], np.cumsum(counts)[:-1]))


def synthetic_episodes(n_patients: int, *, seed: int) -> dict[str, Any]:
    """The day-precise truth behind :func:`synthetic_cohort` and :func:`synthetic_exposures`.

    Returns:
        numpy arrays, one entry per episode in timeline order: ``patient`` (0-based index),
        ``therapy`` (catalogue name), ``start`` and ``stop`` (day ordinals, stop inclusive),
        ``stop_state`` (0 date, 1 ongoing, 2 not recorded), ``reasons`` (codes joined by
        ``;``); and per patient ``last_follow_up`` (day ordinals).
    """
    np = _numpy()
    if not isinstance(n_patients, int) or isinstance(n_patients, bool) or n_patients < 0:
        raise InvalidValueError(f"n_patients {n_patients!r} is not a whole number >= 0")
    rng = np.random.default_rng(seed)
    counts = np.minimum(1 + rng.geometric(0.5, n_patients) - 1 + rng.binomial(1, 0.3, n_patients), 6)
    total = int(counts.sum())
    patient = np.repeat(np.arange(n_patients), counts)
    first = _group_starts(np, counts)
    position = np.arange(total) - np.repeat(first, counts)
    is_first = position == 0
    # Tiers: a first tier, then each course escalates or stays, capped at high efficacy.
    step = np.where(is_first, rng.choice(3, total, p=_FIRST_TIER), rng.random(total) < _ESCALATE)
    cum = np.cumsum(step)
    tier = np.minimum(cum - np.repeat(cum[first] - step[first], counts), 2)
    therapy = np.empty(total, dtype=object)
    for level, names in enumerate(_TIERS):
        mask = tier == level
        therapy[mask] = np.asarray(names, dtype=object)[rng.integers(0, len(names), int(mask.sum()))]
    restart = ~is_first & (rng.random(total) < _RESTART)
    for i in np.flatnonzero(restart):  # a run of restarts repeats the first of the run
        therapy[i] = therapy[i - 1]
    # Durations (days) and the gaps before each course: mostly short, some long, a few overlaps.
    duration = np.clip(rng.lognormal(np.log(800), 0.8, total), 30, 5000).astype(np.int64)
    kind = rng.choice(3, total, p=(0.6, 0.3, 0.1))
    gap = np.select(
        [kind == 0, kind == 1],
        [rng.integers(1, 60, total), rng.integers(90, 720, total)],
        rng.integers(-25, 0, total),  # shorter than the shortest course,
    )
    gap[is_first] = 0
    lengths = duration + gap
    lengths[is_first] += rng.integers(_FIRST, _LAST_FIRST, n_patients)
    cum_len = np.cumsum(lengths)
    offsets = cum_len - np.repeat(cum_len[first] - lengths[first], counts)
    stop_next = offsets  # the stop of each course: its start plus its duration
    start = stop_next - duration
    last = np.concatenate((first[1:] - 1, [total - 1])).astype(np.int64) if n_patients else first
    is_last = np.zeros(total, dtype=bool)
    is_last[last] = True
    state_draw = rng.random(total)
    stop_state = np.where(
        is_last,
        np.where(state_draw < 0.5, 1, np.where(state_draw < 0.95, 0, 2)),
        np.where(state_draw < 0.93, 0, 2),
    )
    reason = np.asarray(_REASONS, dtype=object)[rng.choice(len(_REASONS), total, p=_REASON_P)]
    reason[(therapy == "natalizumab") & (rng.random(total) < 0.5)] = "JCV+"
    reason[np.flatnonzero(restart) - 1] = "Pregn"  # stopped for a pregnancy, then resumed
    both = (reason == "LOE") & (rng.random(total) < 0.1)
    reason[both] = "LOE;Ps"
    reason[stop_state != 0] = ""
    follow_up = stop_next[last] + rng.integers(0, 365, n_patients)
    return {
        "patient": patient,
        "position": position,
        "therapy": therapy,
        "start": start,
        "stop": stop_next,
        "stop_state": stop_state,
        "reasons": reason,
        "last_follow_up": follow_up,
        "counts": counts,
    }


def _texts(np: Any, rng: Any, ordinals: Any, shares: tuple[float, float, float]) -> Any:
    """ISO text of day ordinals, cut to year or month precision at random in the given shares."""
    days = np.datetime_as_string((ordinals - _EPOCH).astype("datetime64[D]"))
    precision = rng.choice(3, len(ordinals), p=shares)
    return np.where(precision == 0, days.astype("U4"), np.where(precision == 1, days.astype("U7"), days))


def synthetic_cohort_document(
    n_patients: int,
    *,
    seed: int,
    partial_date_share: Mapping[Precision, float] = DEFAULT_PARTIAL_DATE_SHARE,
) -> dict[str, Any]:
    """The JSON-ready document of a synthetic cohort (what :func:`~dmt_timeline.dumps` writes).

    Episodes carry the source's own ``sequence`` (line of therapy), as registries record it:
    coarse dates alone may not order two courses started in one year. About half the
    patients have a dated or month-stated observation that MS activity ceased on their last
    course, and one in ten a psoriasis improvement.

    Args:
        n_patients: How many patients (ids ``S000001``, ...).
        seed: The random seed; the same seed gives the same document.
        partial_date_share: Shares of dates written to the year and to the month.
    """
    np = _numpy()
    shares = _shares(partial_date_share)
    truth = synthetic_episodes(n_patients, seed=seed)
    rng = np.random.default_rng([seed, 1])
    start = _texts(np, rng, truth["start"], shares).tolist()
    stop_text = _texts(np, rng, truth["stop"], shares).tolist()
    follow_up = _texts(np, rng, truth["last_follow_up"], shares).tolist()
    # Observations on each patient's last course: a date between its start and follow-up,
    # or a latency stated in months.
    counts = truth["counts"]
    last = np.cumsum(counts) - 1
    last_start = truth["start"][last]
    span = np.maximum(truth["last_follow_up"] - last_start, 0)
    obs_date = last_start + (rng.random(n_patients) * span).astype(np.int64)
    obs_text = _texts(np, rng, obs_date, shares).tolist()
    obs_kind = rng.choice(3, n_patients, p=(0.5, 0.35, 0.15)).tolist()  # none, dated, stated
    latency = rng.integers(1, 36, n_patients).tolist()
    psoriasis = (rng.random(n_patients) < 0.1).tolist()
    therapy, state = truth["therapy"].tolist(), truth["stop_state"].tolist()
    reasons = truth["reasons"].tolist()
    patients: list[dict[str, Any]] = []
    k = 0
    for i, count in enumerate(counts.tolist()):
        episodes: list[dict[str, Any]] = []
        for position in range(count):
            episode: dict[str, Any] = {"therapy": therapy[k], "start": start[k]}
            if state[k] == 0:
                episode["stop"] = stop_text[k]
                if reasons[k]:
                    episode["reasons"] = reasons[k].split(";")
            elif state[k] == 1:
                episode["stop"] = "ongoing"
            episode["sequence"] = position + 1
            episodes.append(episode)
            k += 1
        patient: dict[str, Any] = {"id": f"S{i + 1:06d}", "episodes": episodes}
        observations: list[dict[str, Any]] = []
        ms = {"outcome": "MS activity ceased", "episode": count - 1, "condition": "multiple sclerosis"}
        if obs_kind[i] == 1:
            observations.append({**ms, "date": obs_text[i]})
        elif obs_kind[i] == 2:
            observations.append({**ms, "latency_months": latency[i]})
        if psoriasis[i]:
            observations.append(
                {
                    "outcome": "comorbidity improved",
                    "episode": count - 1,
                    "condition": "psoriasis",
                    "latency_months": latency[i] // 2 + 1,
                    "grade": "better",
                }
            )
        if observations:
            patient["observations"] = observations
        patient["last_follow_up"] = follow_up[i]
        patients.append(patient)
    return {"patients": patients, "metadata": {"source": f"dmt_timeline.synthetic seed={seed}"}}


def synthetic_cohort(
    n_patients: int,
    *,
    seed: int,
    partial_date_share: Mapping[Precision, float] = DEFAULT_PARTIAL_DATE_SHARE,
) -> Cohort:
    """A validated synthetic cohort, read through :func:`~dmt_timeline.structure`.

    See :func:`synthetic_cohort_document` for what it holds; every patient passes
    :meth:`~dmt_timeline.Timeline.of`.
    """
    from dmt_timeline.serialize import structure  # noqa: PLC0415 - keeps the import graph one-way

    doc = synthetic_cohort_document(n_patients, seed=seed, partial_date_share=partial_date_share)
    return structure(doc, Cohort)


def synthetic_exposures(n_patients: int, *, seed: int, aliases: bool = True) -> Any:
    """A long exposure table, one row per dispensing or infusion, as a pyarrow Table.

    Columns ``person_id``, ``drug`` (a catalogue name, or with ``aliases`` any of its names
    as real tables write them: ``DMF``, ``Tecfidera``, ``L04AX07``), ``start``, ``end``
    (``date32``, inclusive) and ``reason`` (stop-reason codes on the last exposure of a
    stopped course, else empty). Oral and injectable courses are refills of 30 or 90 days
    with short gaps and, now and then, a gap long enough to break the course in two;
    infusions are one-day exposures at the catalogue's dosing interval. About 5 rows per
    patient.
    """
    np = _numpy()
    try:
        import pyarrow as pa  # noqa: PLC0415 - an optional extra, imported on use
    except ImportError:
        raise ImportError(f"synthetic exposures need pyarrow: {TABLES_EXTRA}") from None
    truth = synthetic_episodes(n_patients, seed=seed)
    rng = np.random.default_rng([seed, 2])
    therapy = truth["therapy"]
    n_courses = len(therapy)
    interval = np.zeros(n_courses, dtype=np.int64)
    for name in np.unique(therapy).tolist() if n_courses else []:
        interval[therapy == name] = CATALOGUE.get(name).dosing_interval_days or 0
    infusion = interval > 0
    supply = np.where(infusion, 1, np.where(rng.random(n_courses) < 0.5, 30, 90))
    n_exp = 1 + rng.poisson(1.15, n_courses)
    total = int(n_exp.sum())
    course = np.repeat(np.arange(n_courses), n_exp)
    k = np.arange(total) - np.repeat(_group_starts(np, n_exp), n_exp)
    # Refill gaps: mostly within 30 days, one in twelve long enough to break the course.
    jitter = np.where(rng.random(total) < 1 / 12, rng.integers(31, 200, total), rng.integers(0, 25, total))
    step = np.where(infusion[course], interval[course] + rng.integers(-5, 6, total), supply[course] + jitter)
    step[k == 0] = 0
    cum = np.cumsum(step)
    begin = truth["start"][course] + cum - np.repeat(cum[_group_starts(np, n_exp)], n_exp)
    end = begin + supply[course] - 1
    last = np.r_[course[1:] != course[:-1], True] if total else np.zeros(0, dtype=bool)
    reason = np.where(last, truth["reasons"][course], "").astype(object)
    drug = therapy[course].copy()
    if aliases and total:
        for name in np.unique(therapy).tolist():
            mask = drug == name
            names = np.asarray(CATALOGUE.get(name).names[:4], dtype=object)
            drug[mask] = names[rng.integers(0, len(names), int(mask.sum()))]
    ids = np.char.add("S", np.char.zfill(((truth["patient"] + 1)[course]).astype(str), 6))
    return pa.table(
        {
            "person_id": pa.array(ids.astype(object), pa.string()),
            "drug": pa.array(drug, pa.string()),
            "start": pa.array((begin - _EPOCH).astype("datetime64[D]"), pa.date32()),
            "end": pa.array((end - _EPOCH).astype("datetime64[D]"), pa.date32()),
            "reason": pa.array(reason, pa.string()),
        }
    )
