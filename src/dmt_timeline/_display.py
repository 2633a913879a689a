"""How objects read in a console and a notebook: short reprs and small HTML views.

Every repr is bounded whatever the data (long lists are cut with "+N more"), and every id or
free text goes through :func:`~dmt_timeline.errors.quoted`, so a repr cannot forge lines or run
on. HTML views escape every value with :func:`html.escape`. Nothing here changes a value's
``==``, hash or serialised form: the classes only delegate their ``__repr__`` here.
"""

from __future__ import annotations

import datetime as dt
import enum
import html
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

from dmt_timeline.errors import quoted

if TYPE_CHECKING:  # only types: the model imports this module
    from dmt_timeline.io.tables import TidyTable
    from dmt_timeline.latency import Latency
    from dmt_timeline.model import Cohort, Patient, TherapyEpisode
    from dmt_timeline.studies.natalizumab_psoriasis.report import Report
    from dmt_timeline.timeline import Line, Timeline, Transition

MAX_ITEMS: Final = 6
"""The most items (episodes, therapies, columns) a repr lists before "+N more"."""

TABLE_ROWS: Final = 5
"""The rows a tidy table's repr shows; its HTML view shows twice as many."""

HTML_ROWS: Final = 10

_CELL: Final = 16  # the most characters of one cell in a tidy table's text repr
_LINE: Final = 100  # the most characters of one line of a tidy table's text repr


def _listed(items: Sequence[str], limit: int = MAX_ITEMS, separator: str = ", ") -> str:
    shown = separator.join(items[:limit])
    rest = len(items) - limit
    return f"{shown}{separator}+{rest} more" if rest > 0 else shown


def _counted(counter: Counter[str], limit: int = MAX_ITEMS) -> str:
    # Most frequent first, ties by name, so the same data always read the same.
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return _listed([f"{name} {n}" for name, n in ranked], limit)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def episode_text(episode: TherapyEpisode) -> str:
    """An episode as ``Nat 2006..ongoing``."""
    return str(episode)


def _episodes(episodes: Iterable[TherapyEpisode]) -> str:
    return _listed([episode_text(e) for e in episodes]) or "no episodes"


def patient_repr(patient: Patient) -> str:
    """``<Patient 'P01': IFNb 2001..2006, Nat 2006..ongoing; 2 diagnoses, 3 observations>``."""
    others = [
        (len(patient.diagnoses), "diagnosis", "diagnoses"),
        (len(patient.observations), "observation", "observations"),
        (len(patient.comorbidity_treatments), "comorbidity treatment", "comorbidity treatments"),
        (len(patient.labels), "label", "labels"),
    ]
    counts = ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in others if n)
    follow_up = f", followed to {patient.last_follow_up}" if patient.last_follow_up is not None else ""
    tail = f"; {counts}" if counts else ""
    return f"<Patient {quoted(patient.id)}: {_episodes(patient.episodes)}{tail}{follow_up}>"


def _precisions(cohort: Cohort) -> str:
    counter: Counter[str] = Counter()
    for patient in cohort.patients:
        for episode in patient.episodes:
            counter[episode.start.precision.value] += 1
            stop = episode.stop
            if not isinstance(stop, enum.Enum):
                counter[stop.precision.value] += 1
    order = ("year", "month", "day")
    return ", ".join(f"{p} {counter[p]}" for p in order if counter[p]) or "no dates"


def _therapies(cohort: Cohort) -> Counter[str]:
    return Counter(e.therapy.label for p in cohort.patients for e in p.episodes)


def cohort_repr(cohort: Cohort) -> str:
    """A few lines: size, source, date precisions, episodes by therapy."""
    n_episodes = sum(len(p.episodes) for p in cohort.patients)
    lines = [f"<Cohort: {_plural(len(cohort.patients), 'patient')}, {_plural(n_episodes, 'episode')}"]
    if cohort.metadata.source:
        lines.append(f" source: {quoted(cohort.metadata.source, 80)}")
    lines.append(f" date precision of starts and stops: {_precisions(cohort)}")
    therapies = _therapies(cohort)
    if therapies:
        lines.append(f" episodes by therapy: {_counted(therapies, 10)}")
    ids = [quoted(p.id, 20) for p in cohort.patients]
    if ids:
        lines.append(f" patients: {_listed(ids, 4)}")
    return "\n".join(lines) + ">"


def timeline_repr(timeline: Timeline) -> str:
    """``<Timeline 'P01': IFNb 2001..2006 -> Nat 2006..ongoing>``."""
    who = f" {quoted(timeline.patient_id)}" if timeline.patient_id else ""
    path = _listed([episode_text(e) for e in timeline.episodes], separator=" -> ") or "no episodes"
    follow_up = f"; followed to {timeline.last_follow_up}" if timeline.last_follow_up is not None else ""
    return f"<Timeline{who}: {path}{follow_up}>"


def transition_repr(transition: Transition) -> str:
    """``<Transition IFNb 2001..2006 -> Nat 2006..ongoing: direct, gap 0..3 months>``.

    Without the reason an indeterminate kind carries: ``str()`` gives it.
    """
    gap = "open-ended overlap" if transition.gap is None else f"gap {transition.gap}"
    before, after = episode_text(transition.before), episode_text(transition.after)
    return f"<Transition {before} -> {after}: {transition.kind.value} {transition.change.value}, {gap}>"


def line_repr(line: Line) -> str:
    """``<Line 2: Nat 2006..ongoing>``."""
    return f"<Line {line.number}: {episode_text(line.episode)}>"


def latency_repr(latency: Latency) -> str:
    """``<Latency 'P01' 'MS': 3..15 months after Nat 2006..ongoing>``."""
    state = "" if latency.observed else " (censored)"
    return (
        f"<Latency {quoted(latency.patient_id)} {quoted(latency.outcome, 20)}: {latency.months}{state}"
        f" after {episode_text(latency.episode)}>"
    )


def report_repr(report: Report) -> str:
    """The study, its verdict counts, the differing claims and the comparisons' p-values."""
    counts = ", ".join(f"{n} {v.value}" for v, n in report.verdicts().items())
    differing = [quoted(c.id, 60) for c in report.claims if c.verdict.value == "differs"]
    lines = [
        f"<Report: {_plural(report.patients, 'patient')}, {_plural(len(report.claims), 'claim')} ({counts})",
    ]
    if report.source:
        lines.append(f" source: {quoted(report.source, 80)}")
    lines.append(f" differs: {_listed(differing, 8)}" if differing else " every derivable claim agrees")
    for c in report.comparisons[:MAX_ITEMS]:
        lines.append(
            f" {quoted(c.measure, 40)}: H {c.statistic:.3g}, p {c.p_asymptotic:.3g}"
            f" (permutation {c.p_permutation:.3g})"
        )
    lines.append(" print(report) for every claim")
    return "\n".join(lines) + ">"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        # Escaped as quoted() escapes, without the quotes; the column width cuts it.
        return quoted(value[: _CELL * 2], _CELL * 20)[1:-1]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value) if isinstance(value, int) else quoted(value, _CELL)


def _cut(line: str) -> str:
    return line if len(line) <= _LINE else line[: _LINE - 3] + "..."


def tidy_table_repr(table: TidyTable) -> str:
    """The size, then the column names and the first rows, aligned, each line cut at 100 characters."""
    header = f"<TidyTable: {_plural(len(table.rows), 'row')} x {_plural(len(table.columns), 'column')}"
    if not table.columns:
        return header + ">"
    grid = [list(table.names), *([_cell(v) for v in row] for row in table.rows[:TABLE_ROWS])]
    widths = [min(_CELL + 2, max(len(r[i]) for r in grid)) for i in range(len(table.columns))]
    lines = [header]
    for r in grid:
        cells = [c if len(c) <= w else c[: w - 3] + "..." for c, w in zip(r, widths, strict=True)]
        lines.append(_cut(" " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()))
    rest = len(table.rows) - TABLE_ROWS
    if rest > 0:
        lines.append(f" ... {_plural(rest, 'more row')}")
    return "\n".join(lines) + ">"


# -- HTML --------------------------------------------------------------------------------------

_e = html.escape


def _html_table(header: Sequence[str], rows: Iterable[Sequence[str]], caption: str = "") -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _lanes_svg(episodes: Sequence[TherapyEpisode], width: int = 360, lane: int = 14) -> str:
    """Each episode as a bar on its own lane, from its earliest start to its latest known stop."""
    if not episodes:
        return ""
    spans = []
    for e in episodes:
        lo = e.start.first_day.toordinal()
        stop = e.stop
        hi = stop.last_day.toordinal() if not isinstance(stop, enum.Enum) else None
        spans.append((lo, hi))
    first = min(lo for lo, _ in spans)
    last = max(max(hi or lo, lo) for lo, hi in spans)
    if last <= first:
        last = first + 365
    last += (last - first) // 10  # room for open ends
    scale = (width - 80) / (last - first)
    parts = []
    for i, (e, (lo, hi)) in enumerate(zip(episodes, spans, strict=True)):
        x = 80 + (lo - first) * scale
        end = 80 + ((hi if hi is not None else last) - first) * scale
        y = i * lane
        dash = "" if hi is not None else ' stroke-dasharray="3 2" stroke="#555"'
        parts.append(
            f'<text x="76" y="{y + lane - 4}" text-anchor="end" font-size="10">{_e(e.therapy.label)}</text>'
            f'<rect x="{x:.1f}" y="{y + 2}" width="{max(end - x, 2):.1f}" height="{lane - 4}"'
            f' fill="#4c78a8"{dash}><title>{_e(episode_text(e))}</title></rect>'
        )
    height = lane * len(episodes)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="episodes">{"".join(parts)}</svg>'
    )


def patient_html(patient: Patient) -> str:
    """A lane drawing and a table of the episodes, then counts of the other fields."""
    rows = [
        [
            str(i),
            _e(e.therapy.label),
            _e(str(e.start)),
            _e(e.stop.value if isinstance(e.stop, enum.Enum) else str(e.stop)),
            _e(", ".join(r.value for r in e.reasons)),
        ]
        for i, e in enumerate(patient.episodes)
    ]
    table = _html_table(["#", "therapy", "start", "stop", "reasons"], rows)
    facts = [
        f"{len(patient.diagnoses)} diagnoses",
        f"{len(patient.observations)} observations",
        f"last follow-up {_e(str(patient.last_follow_up)) if patient.last_follow_up else 'not recorded'}",
    ]
    return (
        f"<div><strong>Patient {_e(quoted(patient.id))}</strong>"
        f"<div>{_lanes_svg(patient.episodes)}</div>{table}<p>{'; '.join(facts)}</p></div>"
    )


def cohort_html(cohort: Cohort) -> str:
    """A summary table: size, source, precisions, then episodes by therapy."""
    n_episodes = sum(len(p.episodes) for p in cohort.patients)
    summary = [
        ["patients", str(len(cohort.patients))],
        ["episodes", str(n_episodes)],
        ["source", _e(cohort.metadata.source or "not stated")],
        ["date precision", _e(_precisions(cohort))],
    ]
    ranked = sorted(_therapies(cohort).items(), key=lambda kv: (-kv[1], kv[0]))
    return (
        "<div><strong>Cohort</strong>"
        + _html_table(["", ""], summary)
        + _html_table(["therapy", "episodes"], [[_e(t), str(n)] for t, n in ranked])
        + "</div>"
    )


def tidy_table_html(table: TidyTable) -> str:
    """The first rows as an HTML table, each column headed by its name and type."""
    header = [f"{_e(c.name)}<br><small>{_e(c.type.value)}</small>" for c in table.columns]
    rows = [[_e(cell_text(v)) for v in row] for row in table.rows[:HTML_ROWS]]
    rest = len(table.rows) - HTML_ROWS
    more = f"<p>... {_plural(rest, 'more row')}</p>" if rest > 0 else ""
    caption = f"{_plural(len(table.rows), 'row')} x {_plural(len(table.columns), 'column')}"
    return f"<div>{_html_table(header, rows, caption)}{more}</div>"


def cell_text(value: Any) -> str:
    """A table cell as text: blank for None, true/false, ISO dates (CSV and HTML alike)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
