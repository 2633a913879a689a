"""Transitions of a tidy episodes table with partial dates, indeterminate cases included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Literal

from dmt_timeline.batch._classify import _transition_table, _transitions, therapy_profile
from dmt_timeline.batch._columns import (
    _PROBLEMS_SHOWN,
    DATE,
    ID,
    NUMBER,
    TEXT,
    WHOLE,
    _days,
    _encode,
    _imports,
    _mask,
    _numbers,
    _plain,
    _RowError,
    _rows,
    _text,
    _whole,
    check_schema,
)
from dmt_timeline.batch._exposure_table import _reason_codes, reason_problem
from dmt_timeline.batch._partitions import _partitions
from dmt_timeline.batch._patient_ids import _ids
from dmt_timeline.batch._reading import read_numbered, read_table
from dmt_timeline.batch._results import _EMPTY_TRANSITIONS, _concat, _output
from dmt_timeline.batch._row_numbers import numbered
from dmt_timeline.catalogue import CATALOGUE, Catalogue
from dmt_timeline.errors import InvalidValueError, TimelineError, UnknownTherapyError, quoted
from dmt_timeline.io.tables import EPISODE_KEY_COLUMNS
from dmt_timeline.model import EDSS, MAX_SEQUENCE, StopState
from dmt_timeline.regimens import REGIMENS, Regimens
from dmt_timeline.timeline import DEFAULT_GRACE_MONTHS, DEFAULT_MAX_OVERLAP_MONTHS, check_grace_months

_EPISODE_COLUMNS: Final = EPISODE_KEY_COLUMNS
_STATES: Final = {"date": 0, StopState.ONGOING.value: 1, StopState.NOT_RECORDED.value: 2}
_EPISODE_KINDS: Final = {
    "patient_id": ID,
    "therapy": TEXT,
    "start_earliest": DATE,
    "start_latest": DATE,
    "stop_state": TEXT,
    "stop_earliest": DATE,
    "stop_latest": DATE,
    "sequence": WHOLE,
    "reasons": TEXT,
    "edss": NUMBER,
}


def _precision(np: Any, lo: Any, hi: Any, name: str) -> Any:
    """0 year, 1 month, 2 day (as the timeline orders them), checking that the bounds are a
    partial date's first and last day."""
    lo_d, hi_d = lo.astype("datetime64[D]"), hi.astype("datetime64[D]")
    lo_m, hi_m = lo_d.astype("datetime64[M]"), hi_d.astype("datetime64[M]")
    lo_y, hi_y = lo_d.astype("datetime64[Y]"), hi_d.astype("datetime64[Y]")
    day = lo == hi
    next_d = hi_d + 1
    month = (
        ~day
        & (lo_m == hi_m)
        & (lo_d == lo_m.astype("datetime64[D]"))
        & (next_d.astype("datetime64[M]") != hi_m)
    )
    year = (
        ~day
        & ~month
        & (lo_y == hi_y)
        & (lo_d == lo_y.astype("datetime64[D]"))
        & (next_d.astype("datetime64[Y]") != hi_y)
    )
    bad = ~(day | month | year)
    if bad.any():
        raise InvalidValueError(
            f"columns {name}_earliest/{name}_latest: not the first and last day of a year, a month "
            f"or one day at row(s) {_rows(np, bad)}"
        )
    return np.where(day, 2, np.where(month, 1, 0))


def _dates(np: Any, pa: Any, pc: Any, table: Any, *, name: str, dated: Any) -> tuple[Any, Any, Any]:
    """Days since 1970-01-01 of the partial date ``name`` at the rows ``dated`` (0 elsewhere)
    and its precision (0 elsewhere), checking that the bounds are a partial date's; problems
    are named by row of ``table``."""
    lo = np.zeros(len(dated), dtype=np.int64)
    hi = np.zeros(len(dated), dtype=np.int64)
    precision = np.zeros(len(dated), dtype=np.int64)
    if dated.any():
        keep = pa.array(dated)
        for bound, column in ((lo, f"{name}_earliest"), (hi, f"{name}_latest")):
            problem = None
            try:
                bound[dated] = _days(np, pa, pc, _plain(pa, pc, table[column]).filter(keep), column)
            except _RowError as error:
                mask = np.zeros(len(dated), dtype=bool)
                mask[dated] = error.mask
                problem = InvalidValueError(error.template.format(rows=_rows(np, mask)))
            if problem is not None:
                raise problem
        # Undated rows read as one day (day 0), so only dated rows can be named here.
        precision = np.where(dated, _precision(np, lo, hi, name), 0)
    return lo, hi, precision


def _therapy_codes(np: Any, pa: Any, pc: Any, column: Any, catalogue: Catalogue) -> tuple[Any, list[str]]:
    """Each row's therapy as a code into the sorted catalogue names it resolves to, and those names."""
    therapy_text = _text(pa, pc, column, "therapy")
    blank = _mask(np, pc, pc.or_kleene(pc.is_null(therapy_text), pc.equal(therapy_text, "")))
    if blank.any():
        raise InvalidValueError(f"column therapy: blank at row(s) {_rows(np, blank)}")
    therapy_code, therapy_texts = _encode(np, pa, pc, therapy_text)
    unknown = [i for i, name in enumerate(therapy_texts) if name not in catalogue]
    if unknown:
        rows = np.isin(therapy_code, np.array(unknown, dtype=np.int32))
        more = f" and {len(unknown) - 1} more" if len(unknown) > 1 else ""
        raise UnknownTherapyError(
            f"column therapy: unknown therapy {quoted(therapy_texts[unknown[0]])}{more} at row(s) "
            f"{_rows(np, rows)}"
        )
    names_sorted = sorted({catalogue.get(str(name)).name for name in therapy_texts})
    name_code = {name: i for i, name in enumerate(names_sorted)}
    therapy = np.array([name_code[catalogue.get(str(n)).name] for n in therapy_texts] or [0])[therapy_code]
    return therapy, names_sorted


def _read_episodes(source: Any, catalogue: Catalogue) -> dict[str, Any]:
    """A tidy episodes table as integer columns (codes into sorted ids and therapy names)."""
    # The optional columns break ties in the timeline's order: read from a file too.
    table, rows = read_numbered(source, _EPISODE_COLUMNS, optional=("sequence", "reasons", "edss"))
    with numbered(rows):
        return _episode_columns(table, catalogue)


def _episode_columns(table: Any, catalogue: Catalogue) -> dict[str, Any]:
    np, pa, pc = _imports()
    check_schema(table, _EPISODE_KINDS)
    person, ids = _ids(np, pa, pc, table["patient_id"], "patient_id")
    therapy, names_sorted = _therapy_codes(np, pa, pc, table["therapy"], catalogue)
    state_code, state_texts = _encode(np, pa, pc, _text(pa, pc, table["stop_state"], "stop_state"))
    known = np.array([_STATES.get(s, -1) if s is not None else -1 for s in state_texts] or [0], np.int64)
    state = known[state_code]
    if (state < 0).any():
        raise InvalidValueError(
            "column stop_state: not one of 'date', 'ongoing', 'not recorded' at row(s) "
            f"{_rows(np, state < 0)}"
        )
    start_lo = _days(np, pa, pc, table["start_earliest"], "start_earliest")
    start_hi = _days(np, pa, pc, table["start_latest"], "start_latest")
    start_prec = _precision(np, start_lo, start_hi, "start")
    dated = state == 0
    stop_lo, stop_hi, stop_prec = _dates(np, pa, pc, table, name="stop", dated=dated)
    before = dated & (stop_hi < start_lo)
    if before.any():
        raise InvalidValueError(f"column stop_latest: stop before start at row(s) {_rows(np, before)}")
    n = len(state)
    sequence = np.zeros(n, dtype=np.int64)
    own_sequence = np.full(n, -1, dtype=np.int64)  # each row's own sequence, -1 when blank
    if "sequence" in table.column_names:
        sequence, blank = _whole(np, pa, pc, table["sequence"], "sequence", low=1, high=MAX_SEQUENCE)
        own_sequence = np.where(blank, -1, sequence)
        # The source's order counts only when every episode of the patient carries one.
        missing = np.bincount(person[blank], minlength=len(ids))
        sequence = np.where(missing[person] == 0, sequence, 0)
    reasons = np.zeros(n, dtype=np.int64)
    if "reasons" in table.column_names:
        reasons, reason_texts = _encode(
            np, pa, pc, pc.fill_null(_text(pa, pc, table["reasons"], "reasons"), "")
        )
        _, bad = _reason_codes(reason_texts)
        if bad:
            rows = np.isin(reasons, np.array(bad, dtype=np.int32))
            raise InvalidValueError(f"{reason_problem('reasons')} at row(s) {_rows(np, rows)}")
    edss = np.full(n, -1.0)
    if "edss" in table.column_names:
        edss = _numbers(np, pa, pc, table["edss"], "edss", missing=-1.0)
        _check_edss(np, edss)
    stop_code = np.where(dated, 2, np.where(state == 2, 0, 1))  # not recorded < ongoing < a date
    edss_rank = np.unique(edss, return_inverse=True)[1].reshape(-1)
    return {
        "ids": ids,
        "names": names_sorted,
        "person": person,
        "therapy": therapy,
        "state": state,
        "start_lo": start_lo,
        "start_hi": start_hi,
        "stop_lo": stop_lo,
        "stop_hi": stop_hi,
        "start_prec": start_prec,
        "stop_prec": stop_prec,
        "keys": (
            sequence,
            start_lo,
            start_hi,
            start_prec,
            therapy,
            stop_code,
            stop_lo,
            stop_hi,
            stop_prec,
            reasons,
            edss_rank,
            own_sequence,  # last, as the timeline's order: a total order when only some have one
        ),
        "sequence": own_sequence,
    }


def _check_edss(np: Any, edss: Any) -> None:
    """Refuse by row EDSS values the object model refuses (``edss`` is -1 where blank)."""
    refused = []
    for value in np.unique(edss).tolist():
        if value != -1.0:
            try:
                EDSS(value)
            except InvalidValueError:  # EDSS's own rule, so that both paths refuse the same scores
                refused.append(value)
    if refused:
        rows = np.isin(edss, np.array(refused)) | np.isnan(edss)
        raise InvalidValueError(
            f"column edss: not a score (0 or 1.0..10.0 in steps of 0.5) at row(s) {_rows(np, rows)}"
        )


def _in_timeline_order(np: Any, data: dict[str, Any], part: Any) -> Any:
    """The rows ``part`` of :func:`_read_episodes`' columns in the timeline's order: by
    patient, then (when every episode has one) the source's sequence, then start, therapy name,
    stop, reasons, EDSS and the row's own sequence (blank first)."""
    keys = [data["person"][part], *(key[part] for key in data["keys"])]
    return part[np.lexsort(tuple(reversed(keys)))]


def _date_text(np: Any, day: int, precision: int) -> str:
    """A partial date's text, as :class:`~dmt_timeline.PartialDate` writes it."""
    text = str(np.datetime64(day, "D"))
    return text[:4] if precision == 0 else text[:7] if precision == 1 else text


def _episode_parts(np: Any, data: dict[str, Any], row: int, catalogue: Catalogue) -> tuple[str, str, str]:
    """A row's therapy label, start and stop, as the timeline's messages write them."""
    label = catalogue.get(data["names"][int(data["therapy"][row])]).label
    start = _date_text(np, int(data["start_lo"][row]), int(data["start_prec"][row]))
    state = int(data["state"][row])
    if state == 0:
        stop = _date_text(np, int(data["stop_lo"][row]), int(data["stop_prec"][row]))
    else:
        stop = StopState.ONGOING.value if state == 1 else StopState.NOT_RECORDED.value
    return label, start, stop


def _problems(  # noqa: PLR0917 - a private helper of one caller
    np: Any,
    data: dict[str, Any],
    rows: Any,
    found: dict[str, Any],
    max_overlap_months: int | None,
    catalogue: Catalogue,
) -> list[str]:
    """What :meth:`Timeline.of <dmt_timeline.Timeline.of>` refuses in the rows (in timeline
    order), one entry per patient with its message word for word."""
    pair = found["pair"]
    after = pair + 1
    start_lo, start_hi = data["start_lo"][rows], data["start_hi"][rows]
    order_broken = start_lo[pair] > start_hi[after]
    refused = np.zeros(len(pair), dtype=bool)
    if max_overlap_months is not None:
        different = ~found["restart"]
        refused = ~order_broken & different & (found["ongoing"] | (found["gap_high"] < -max_overlap_months))
    bad = np.flatnonzero(order_broken | refused)
    if not len(bad):
        return []
    person = data["person"][rows]
    by_patient: dict[int, list[str]] = {}
    for k in bad.tolist():
        a, b = int(rows[pair[k]]), int(rows[after[k]])
        name = f"patient {quoted(data['ids'][int(person[pair[k]])].as_py())}: "
        a_label, a_start, a_stop = _episode_parts(np, data, a, catalogue)
        b_label, b_start, b_stop = _episode_parts(np, data, b, catalogue)
        first, second = f"{a_label} {a_start}..{a_stop}", f"{b_label} {b_start}..{b_stop}"
        if order_broken[k]:
            sequences = [None if data["sequence"][r] < 0 else int(data["sequence"][r]) for r in (a, b)]
            text = (
                f"{name}episodes {first} (sequence {sequences[0]}) and {second} "
                f"(sequence {sequences[1]}): the later in sequence certainly starts first"
            )
        elif found["ongoing"][k]:
            text = (
                f"{name}episode {first} is ongoing, yet {second} started {b_start}: "
                "record when it stopped, or accept overlaps with max_overlap_months=None"
            )
        else:
            text = (
                f"{name}episodes {first} and {second} overlap by at least {-int(found['gap_high'][k])} "
                f"months on every reading (stop {a_stop}, start {b_start}); at most "
                f"{max_overlap_months} is accepted"
            )
        by_patient.setdefault(int(person[pair[k]]), []).append(text)
    return ["; ".join(texts) for texts in by_patient.values()]


def episode_transitions(
    source: Any,
    *,
    grace_months: int = DEFAULT_GRACE_MONTHS,
    max_overlap_months: int | None = DEFAULT_MAX_OVERLAP_MONTHS,
    catalogue: Catalogue = CATALOGUE,
    regimens: Regimens = REGIMENS,
    partition_size: int = 250_000,
    output: Literal["arrow", "pandas"] = "arrow",
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """Transitions of a tidy episodes table with partial dates, as
    :meth:`Timeline.of(patient).transitions() <dmt_timeline.Timeline.transitions>` gives them.

    The table has the columns of :func:`dmt_timeline.io.tables.episodes_table`: at least
    ``patient_id``, ``therapy``, ``start_earliest``, ``start_latest``, ``stop_state``
    (``date``, ``ongoing`` or ``not recorded``), ``stop_earliest``, ``stop_latest``; and
    optionally ``sequence``, ``reasons`` (codes joined by ``;``) and ``edss``, which the
    timeline's order uses to break ties. A partial date's precision is read from its bounds.
    ``progress``, when given, is called with (patients done, patients in the table): once
    with 0 when the table has been read, then after each partition of ``partition_size``
    patients.

    ``regimens`` says how each therapy is given (see :mod:`dmt_timeline.regimens`), as
    :meth:`~dmt_timeline.Timeline.transitions` takes it.

    Returns:
        One row per transition: ``patient_id``, ``position``, ``before_therapy``,
        ``after_therapy``, ``kind``, ``change``, ``gap_low``, ``gap_high`` (null when the
        earlier episode is ongoing), ``grace_months``, ``effect_window`` and ``washout``
        (``true``, ``false`` or ``undetermined``; null when no source gives one).

    Raises:
        InvalidValueError: naming the column and its expected type when a column's type is not
            one it may have (checked first); naming the column and rows of bounds that are no
            partial date or outside the object model's years, a stop certainly before its
            start, an unknown stop state, a blank therapy, stop reasons, an EDSS or a sequence
            the object model refuses.
        UnknownTherapyError: naming a therapy the catalogue does not know, with its rows.
        TimelineError: listing the patients whose history cannot be a timeline (as
            :meth:`~dmt_timeline.Timeline.of`), unless ``max_overlap_months`` is None.
    """
    np, pa, _ = _imports()
    check_grace_months(grace_months)
    data = _read_episodes(source, catalogue)
    person, therapy, ids = data["person"], data["therapy"], data["ids"]
    start_lo, start_hi, stop_lo, stop_hi = (
        data["start_lo"],
        data["start_hi"],
        data["stop_lo"],
        data["stop_hi"],
    )
    id_array = ids
    names = pa.array(data["names"], pa.string())
    profile = therapy_profile(np, data["names"], catalogue, regimens)
    parts = []
    problems: list[str] = []
    n_patients, done = len(ids), 0
    if progress is not None:
        progress(0, n_patients)
    for part in _partitions(np, person, partition_size):
        rows = _in_timeline_order(np, data, part)
        p, t = person[rows], therapy[rows]
        found = _transitions(
            np,
            p,
            t,
            start_lo=start_lo[rows],
            start_hi=start_hi[rows],
            stop_lo=stop_lo[rows],
            stop_hi=stop_hi[rows],
            state=data["state"][rows],
            grace=grace_months,
            profile=profile,
        )
        problems.extend(_problems(np, data, rows, found, max_overlap_months, catalogue))
        parts.append(_transition_table(pa, id_array, names, p, t, found, grace_months))
        if progress is not None:
            done = min(done + partition_size, n_patients)
            progress(done, n_patients)
    _raise_problems(problems)
    return _output(_concat(pa, parts, _EMPTY_TRANSITIONS), output)


def _raise_problems(problems: list[str]) -> None:
    """Refuse the table when some histories cannot be a timeline, each with the timeline's message."""
    if problems:
        shown = "; ".join(problems[:_PROBLEMS_SHOWN])
        more = f"; and {len(problems) - _PROBLEMS_SHOWN} more" if len(problems) > _PROBLEMS_SHOWN else ""
        raise TimelineError(f"{len(problems)} history(ies) cannot be a timeline: {shown}{more}")


def _check_histories(
    data: dict[str, Any], max_overlap_months: int | None, catalogue: Catalogue, partition_size: int
) -> None:
    """Refuse, as :func:`episode_transitions` does, the histories :meth:`Timeline.of
    <dmt_timeline.Timeline.of>` refuses: every path that classifies gives one answer."""
    np, _, _ = _imports()
    person = data["person"]
    profile = therapy_profile(np, data["names"], catalogue)
    problems: list[str] = []
    for part in _partitions(np, person, partition_size):
        rows = _in_timeline_order(np, data, part)
        found = _transitions(
            np,
            person[rows],
            data["therapy"][rows],
            start_lo=data["start_lo"][rows],
            start_hi=data["start_hi"][rows],
            stop_lo=data["stop_lo"][rows],
            stop_hi=data["stop_hi"][rows],
            state=data["state"][rows],
            grace=DEFAULT_GRACE_MONTHS,  # the refusals do not depend on the grace period
            profile=profile,
        )
        problems.extend(_problems(np, data, rows, found, max_overlap_months, catalogue))
    _raise_problems(problems)


def eras_as_episodes(eras: Any) -> Any:
    """The eras of :func:`exposure_transitions` (``BatchResult.episodes``) as a tidy episodes
    table, the input of :func:`episode_transitions` and :func:`episode_transfers`: each era
    starts and stops on a day, and its line is its sequence."""
    _, pa, _ = _imports()
    table = read_table(eras, ("patient_id", "line", "therapy", "start", "stop", "reasons"))
    return pa.table(
        {
            "patient_id": table["patient_id"],
            "sequence": table["line"],
            "therapy": table["therapy"],
            "start_earliest": table["start"],
            "start_latest": table["start"],
            "stop_state": pa.repeat(pa.scalar("date"), table.num_rows),
            "stop_earliest": table["stop"],
            "stop_latest": table["stop"],
            "reasons": table["reasons"],
        }
    )
