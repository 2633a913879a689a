"""A cohort report as one self-contained HTML file that opens in any browser, offline.

The page holds the cohort summary, the data problems found on reading (when the reader's result
is given), the baseline table (:func:`~dmt_timeline.analyses.baseline.baseline_table`, with the
characteristics the cohort records), episodes by therapy, transitions by kind, treatment
pathways, persistence on each therapy with its curves, response curves (when the cohort has
response observations), the swimmer plot and, for the bundled study, its reproduction. Styles
are inline, the figures are embedded PNGs, and the page needs no script and names no network
address. Every count from 1 up to the threshold is shown as ``<threshold`` (small-cell
suppression, on by default), and the page says so; when one part of a shown total is hidden,
the smallest other part is hidden too. A curve is drawn only for a group of at least that many
courses or patients, with its numbers at risk shown only where they are 0 or at least the
threshold.
"""

from __future__ import annotations

import base64
import bisect
import datetime as dt
import html
import io
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Final

from dmt_timeline.dates import data_cut
from dmt_timeline.errors import InvalidValueError, TimelineError, describe_value
from dmt_timeline.model import Cohort
from dmt_timeline.progress import showing, stage

__all__ = ["MIN_CELL_COUNT", "render_report", "write_report"]

MIN_CELL_COUNT: Final = 5
"""The default threshold of small-cell suppression: counts from 1 to 4 are shown as ``<5``."""

_CSS: Final = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.4; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.6rem; text-align: left; vertical-align: top; }
td.n, td.stat { text-align: right; font-variant-numeric: tabular-nums; }
.note { background: #f4f4f4; padding: 0.5rem 0.8rem; border-left: 4px solid #888; }
img { max-width: 100%; height: auto; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  section { break-inside: avoid; }
  img, table { break-inside: avoid; }
  h2 { break-after: avoid; }
  .note { border-left-color: #000; }
}
"""


_NONE: Final = "<p>No therapy episodes.</p>"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _suppressed(n: int, threshold: int) -> str:
    return f"<{threshold}" if 0 < n < threshold else str(n)


def _hidden(cells: dict[str, int], threshold: int) -> dict[str, str]:
    """Parts of a shown total, each count from 1 to the threshold hidden, and one more part
    when only one is, so that no hidden count is the total minus the others."""
    from dmt_timeline.analyses.baseline import _suppress_counts  # noqa: PLC0415 - the same rule

    hidden = _suppress_counts(cells, threshold)
    return {k: f"<{threshold}" if k in hidden else str(v) for k, v in cells.items()}


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool], kind: str = "n"
) -> str:
    """A table; ``numeric`` columns are right-aligned cells of class ``kind`` ("n": counts)."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{kind}">{_e(c)}</td>' if n else f"<td>{_e(c)}</td>"
            for c, n in zip(row, numeric, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _counts(counter: Counter[str], what: str, threshold: int) -> str:
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return _table([what, "count"], [[k, _suppressed(n, threshold)] for k, n in ranked], [False, True])


def _summary(cohort: Cohort, threshold: int) -> str:
    episodes = [e for p in cohort.patients for e in p.episodes]
    precisions: Counter[str] = Counter(e.start.precision.value for e in episodes)
    rows = [
        ["patients", _suppressed(len(cohort.patients), threshold)],
        ["therapy episodes", _suppressed(len(episodes), threshold)],
        *(
            [f"episodes whose start is known to the {p}", _suppressed(precisions[p], threshold)]
            for p in ("year", "month", "day")
            if precisions[p]
        ),
    ]
    source = cohort.metadata.source or "not stated"
    return _table(["measure", "count"], rows, [False, True]) + f"<p>Source: {_e(source)}</p>"


def _transitions(cohort: Cohort, threshold: int) -> str:
    from dmt_timeline.timeline import Timeline  # noqa: PLC0415 - keeps the import light

    kinds: Counter[str] = Counter()
    unread = 0
    for patient in cohort.patients:
        try:
            timeline = Timeline.of(patient)
        except TimelineError:
            unread += 1  # its history cannot be one timeline; counted, never quoted
            continue
        kinds.update(f"{t.kind.value} ({t.change.value})" for t in timeline.transitions())
    text = _counts(kinds, "kind (change)", threshold) if kinds else "<p>No transitions.</p>"
    if unread:
        text += f"<p>Patients whose history is not one timeline: {_suppressed(unread, threshold)}</p>"
    return text


def _swimmer(cohort: Cohort, grouped: bool) -> str:
    try:
        from dmt_timeline.plot import swimmer_plot  # noqa: PLC0415 - the plot extra, only when asked
    except ImportError:
        return '<p>The swimmer plot needs the plot extra: pip install "dmt-timeline[plot]".</p>'
    group_by = None
    if grouped:
        from dmt_timeline.studies.natalizumab_psoriasis import paradigm  # noqa: PLC0415 - the study

        group_by = paradigm
    figure = swimmer_plot(cohort, group_by=group_by)
    return (
        _img(figure, "swimmer-plot", "Swimmer plot: one lane per patient, therapy episodes as bars")
        + "<p>The swimmer plot shows each patient's history; it is not an aggregate and is not "
        "suppressed.</p>"
    )


def _img(figure: Any, name: str, alt: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img class="chart" id="{name}" alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _table_reads() -> tuple[type, ...]:
    from dmt_timeline.io.long import LongRead  # noqa: PLC0415 - keeps the import light
    from dmt_timeline.io.wide import WideRead  # noqa: PLC0415

    return (LongRead, WideRead)


def _check_reading(reading: object) -> None:
    kinds = [*_table_reads()]
    for module, name in (("dmt_timeline.io.fhir", "FhirRead"), ("dmt_timeline.io.omop", "OmopRead")):
        loaded = sys.modules.get(module)  # not imported: no result of that reader can exist
        if loaded is not None:
            kinds.append(getattr(loaded, name))
    if not isinstance(reading, tuple(kinds)):
        raise InvalidValueError(
            f"reading: {describe_value(reading)} is not a reader's result "
            "(read_table, read_fhir or read_omop gives one)"
        )


def _problems(reading: object, threshold: int) -> str:
    """What a reader left out and why, as counts only: messages and free text may quote cells."""
    rows: list[list[str]] = []

    def add(what: str, n: int) -> None:
        rows.append([what, _suppressed(n, threshold)])

    fhir = sys.modules.get("dmt_timeline.io.fhir")
    omop = sys.modules.get("dmt_timeline.io.omop")
    if fhir is not None and isinstance(reading, fhir.FhirRead):
        add("entries in the export", reading.entries)
        add("entries read", reading.read)
        for kind, n in reading.ignored:
            add(f"entries not read: {kind} resources", n)
        add("entries of medications not in the catalogue", sum(n for _, n in reading.unknown))
        add("entries dropped for their status, intent or verification", len(reading.dropped))
        add("entries skipped for a problem", len({(p.source, p.entry) for p in reading.skipped}))
        by_field = Counter(p.field or "(the resource)" for p in reading.skipped)
    elif omop is not None and isinstance(reading, omop.OmopRead):
        add("MS drug exposures read", reading.exposures.num_rows)
        for why, n in reading.dropped:
            add(f"exposures left out: {why}", n)
        add("exposures whose drug has no ingredient", reading.no_ingredient)
        other = sum(n for *_, n in reading.other_ingredients)
        add("exposures of other ingredients (not MS therapies)", other)
        unread = sum(n for _, n in reading.unread_stop_reasons)
        add("exposures whose stop reason could not be read", unread)
        by_field = Counter()
    elif isinstance(reading, _table_reads()):
        table: Any = reading  # a LongRead or WideRead
        add("rows skipped for a problem", len({p.row for p in table.skipped}))
        if hasattr(table, "skipped_patients"):
            add("patients left out for a problem in one of their rows", len(table.skipped_patients))
        by_field = Counter(p.column or "(the whole row)" for p in table.skipped)
    else:  # pragma: no cover - _check_reading refused it
        raise AssertionError(type(reading).__name__)
    text = _table(["what", "count"], rows, [False, True])
    if by_field:
        text += "<p>Problems by column or field:</p>" + _counts(by_field, "column or field", threshold)
    return text + (
        "<p>Counts only: a problem's message can quote a cell, so the messages are not in the "
        "report (the reader's result lists them).</p>"
    )


def _pathways(episodes: Any, threshold: int) -> str:
    from dmt_timeline.analyses.pathways import PathwaySettings, pathway_counts  # noqa: PLC0415 - tables

    result = pathway_counts(episodes, PathwaySettings(min_cell_count=threshold))
    rows = [[r["pathway"], r["shown"]] for r in result.counts.to_dicts()]
    attrition = [
        [str(r["setting"]), str(r["value"]), *(_suppressed(r[k], threshold) for k in ("patients", "eras"))]
        for r in result.attrition.to_dicts()
    ]
    settings = ", ".join(f"{k} = {v}" for k, v in result.settings.describe())
    return (
        (_table(["pathway", "patients"], rows, [False, True]) if rows else "<p>No pathways.</p>")
        + "<p>Steps are joined by &gt;; {A, B} means the dates cannot tell the order of A and B.</p>"
        + "<p>Attrition:</p>"
        + _table(["setting", "value", "patients", "eras"], attrition, [False, False, True, True])
        + f"<p>Settings: {_e(settings)}.</p>"
    )


def _at_risk(estimate: Any, time: float) -> int:
    i = bisect.bisect_left(estimate.timeline, time)
    return int(estimate.at_risk_counts[i]) if i < len(estimate.timeline) else 0


def _at_risk_times(estimates: Iterable[Any], threshold: int) -> list[float]:
    """Yearly times where every Kaplan-Meier estimate has 0 or at least ``threshold`` at risk."""
    from dmt_timeline.stats.survival import KaplanMeier  # noqa: PLC0415 - scipy

    exact = [e for e in estimates if isinstance(e, KaplanMeier)]
    longest = max((max(e.timeline) for e in exact), default=0.0)
    return [
        float(t)
        for t in range(0, int(longest) + 1, 12)
        if all(_at_risk(e, t) == 0 or _at_risk(e, t) >= threshold for e in exact)
    ] or [0.0]


def _persistence(cohort: Cohort, episodes: Any, threshold: int, as_of: dt.date | None) -> str:
    from dmt_timeline.analyses import persistence  # noqa: PLC0415 - the tables extra
    from dmt_timeline.io.tables import follow_up_table  # noqa: PLC0415

    try:
        result = persistence(episodes, follow_up=follow_up_table(cohort), as_of=as_of)
    except InvalidValueError as exc:
        # The library's message names a patient: the report says what is missing, not who.
        if "needs a last follow-up or as_of" in str(exc):
            return (
                "<p>Not estimated: an ongoing course has no last follow-up. Give the data cut "
                "(<code>as_of</code>, or <code>--as-of</code> on the command line).</p>"
            )
        return "<p>Not estimated: the courses cannot be read (analyses.persistence says why).</p>"
    n = threshold
    rows = [
        [
            name,
            _suppressed(g.n, n),
            *_hidden({"d": g.discontinued, "c": g.censored, "u": g.unknown}, n).values(),
            "Kaplan-Meier" if g.exact else "Turnbull (dates as ranges)",
        ]
        for name, g in result.groups.items()
    ]
    text = _table(
        ["therapy", "courses", "discontinued", "censored", "end unknown", "estimate"],
        rows,
        [False, True, True, True, True, False],
    )
    grace = f", grace {result.grace_months} months" if result.definition == "gap" else ""
    cut = f", data cut {result.as_of.isoformat()}" if result.as_of is not None else ""
    text += f"<p>Discontinuation: {_e(result.definition)}{grace}{cut}.</p>"
    drawn = {name: e for name, e in result.estimates().items() if result.groups[name].n >= n}
    if not drawn:
        return text + f"<p>No therapy has {n} or more courses: no curve is drawn.</p>"
    try:
        from dmt_timeline.plot import survival_curves  # noqa: PLC0415 - the plot extra
    except ImportError:
        return text + '<p>The curves need the plot extra: pip install "dmt-timeline[plot]".</p>'
    figure = survival_curves(drawn, at_risk_times=_at_risk_times(drawn.values(), n), figsize=(6.0, 4.0))
    alt = "Persistence curves: probability still on each therapy by months since its start"
    return (
        text
        + _img(figure, "persistence-curves", alt)
        + (
            f"<p>Curves of therapies with {n} or more courses; numbers at risk at the times where "
            f"every one is 0 or at least {n}.</p>"
        )
    )


def _baseline(cohort: Cohort, threshold: int) -> str:
    from dmt_timeline.analyses.baseline import (  # noqa: PLC0415 - keeps the import light
        baseline_characteristics,
        baseline_table,
    )

    characteristics = baseline_characteristics(cohort)
    recorded = {
        name: any(row[i] is not None for row in characteristics.rows)
        for i, name in enumerate(c.name for c in characteristics.columns)
    }
    categorical = [v for v in ("sex",) if recorded[v]]
    continuous = [
        v for v, field in (("age", "age_low"), ("disease_duration", "disease_duration_low"),
                           ("baseline_edss", "baseline_edss")) if recorded[field]
    ]  # fmt: skip
    if not categorical and not continuous:
        return (
            "<p>No baseline characteristics: no patient has a recorded sex, birth date, MS "
            "diagnosis date or baseline EDSS.</p>"
        )
    table = baseline_table(
        characteristics, categorical=categorical, continuous=continuous, min_cell_count=threshold
    )
    levels = [""] if categorical else []  # a column of levels only for a categorical variable
    rows = [[head, *([level] if categorical else []), *cells] for head, level, cells in table.rows()]
    counts = (
        "Counts are n (%), with the patients whose value is not recorded as missing. " if categorical else ""
    )
    return (
        _table(
            ["characteristic", *levels, *table.groups],
            rows,
            [False, *(False for _ in levels), *(True for _ in table.groups)],
            kind="stat",  # statistics and n (%), suppressed by baseline_table itself
        )
        + f"<p>At each patient's first start of a therapy. {counts}A range such as 1.0..2.0 holds "
        "the statistic of every reading of partial dates, and &gt;= gives the smallest SD they "
        f"allow. A statistic of fewer than {threshold} values is shown as &lt;{threshold}.</p>"
    )


def _response_indexes(cohort: Cohort) -> list[Any]:
    """The therapies response observations are attributed to, most patients first."""
    patients: Counter[Any] = Counter()
    for patient in cohort.patients:
        patients.update({patient.episodes[o.episode].therapy for o in patient.observations})
    return [t for t, _ in sorted(patients.items(), key=lambda kv: (-kv[1], kv[0].name))]


def _responses(cohort: Cohort, threshold: int) -> str:
    from dmt_timeline.latency import cohort_latencies  # noqa: PLC0415 - keeps the import light

    indexes = _response_indexes(cohort)
    if not indexes:
        return "<p>No response observations: no curve to draw.</p>"
    rows: list[list[str]] = []
    curves: list[str] = []
    n = threshold
    for therapy in indexes:
        try:
            latencies = cohort_latencies(cohort, index=therapy)
        except TimelineError:
            # The library's message names a patient: the report says what is missing, not who.
            rows.append([therapy.name, "(not estimated)", "", "", ""])
            curves.append(
                f"<p>{_e(therapy.name)}: not estimated: a history cannot be read as one timeline, "
                "or a latency with no response has no end of treatment or last follow-up to be "
                "censored at.</p>"
            )
            continue
        by_outcome: dict[str, list[Any]] = {}
        for latency in latencies:
            by_outcome.setdefault(latency.outcome, []).append(latency)
        for outcome, found in by_outcome.items():
            observed = sum(x.observed for x in found)
            parts = _hidden({"responded": observed, "censored": len(found) - observed}, n)
            rows.append([therapy.name, outcome, _suppressed(len(found), n), *parts.values()])
        curves.append(_response_figure(therapy, by_outcome, n))
    return (
        _table(
            ["index therapy", "outcome", "patients", "responded", "censored"],
            rows,
            [False, False, True, True, True],
        )
        + "".join(curves)
        + "<p>Months from the first start of the index therapy to the first response observed; "
        "without one, censored at the end of the index treatment, the next therapy or the last "
        "follow-up (<code>dmt_timeline.latency</code>).</p>"
    )


def _response_figure(therapy: Any, by_outcome: dict[str, list[Any]], n: int) -> str:
    name = therapy.name
    drawn = {o: found for o, found in by_outcome.items() if len(found) >= n}
    if not drawn:
        return f"<p>{_e(name)}: no outcome has {n} or more patients: no curve is drawn.</p>"
    try:
        from dmt_timeline.plot import survival_curves  # noqa: PLC0415 - the plot extra
        from dmt_timeline.plot._curves import _estimate  # noqa: PLC0415 - the rule response_curves draws
    except ImportError:
        return '<p>The curves need the plot extra: pip install "dmt-timeline[plot]".</p>'
    estimates = {o: _estimate(found, n_bootstrap=200) for o, found in drawn.items()}
    figure = survival_curves(
        estimates,
        kind="incidence",
        at_risk_times=_at_risk_times(estimates.values(), n),
        xlabel=f"Months since {name} start",
        ylabel="Cumulative proportion responding",
        figsize=(6.0, 4.0),
    )
    slug = "".join(c if c.isalnum() else "-" for c in name.lower())
    alt = f"Response curves: cumulative proportion responding by months since {name} start"
    return (
        _img(figure, f"response-curves-{slug}", alt)
        + f"<p>{_e(name)}: outcomes with {n} or more patients; numbers at risk at the times where "
        f"every one is 0 or at least {n}.</p>"
    )


def _reproduction(cohort: Cohort, threshold: int) -> str:
    from dmt_timeline.studies.natalizumab_psoriasis import TITLE, reproduce  # noqa: PLC0415 - scipy

    report = reproduce(cohort)
    verdicts = Counter({v.value: n for v, n in report.verdicts().items()})
    rows = [[c.id, c.statement, c.verdict.value] for c in report.claims]
    return (
        f"<p>{_e(TITLE)}</p>"
        + _counts(verdicts, "verdict", threshold)
        + _table(["claim", "statement", "verdict"], rows, [False, False, False])
        + "<p>The claims' values are the study's counts; <code>dmt-timeline reproduce</code> prints "
        "them with the comparisons.</p>"
    )


def _is_bundled(cohort: Cohort) -> bool:
    from dmt_timeline.datasets import load_natalizumab_psoriasis  # noqa: PLC0415 - reads a file

    return cohort == load_natalizumab_psoriasis()


def render_report(
    cohort: Cohort,
    *,
    title: str = "Cohort report",
    min_cell_count: int = MIN_CELL_COUNT,
    reproduction: bool | None = None,
    reading: object = None,
    as_of: dt.date | None = None,
    progress: bool | None = None,
) -> str:
    """The report as one HTML document (see :func:`write_report`)."""
    if not isinstance(min_cell_count, int) or isinstance(min_cell_count, bool) or min_cell_count < 1:
        raise InvalidValueError("min_cell_count: must be a whole number of at least 1")
    as_of = data_cut(as_of)
    if reading is not None:
        _check_reading(reading)
    with showing(progress):
        return _render(
            cohort, title=title, n=min_cell_count, reproduction=reproduction, reading=reading, as_of=as_of
        )


def _render(
    cohort: Cohort,
    *,
    title: str,
    n: int,
    reproduction: bool | None,
    reading: object,
    as_of: dt.date | None,
) -> str:
    from dmt_timeline.io.tables import episodes_table  # noqa: PLC0415 - keeps the import light

    bundled = _is_bundled(cohort)
    with_study = bundled if reproduction is None else reproduction
    therapies: Counter[str] = Counter(e.therapy.label for p in cohort.patients for e in p.episodes)
    planned: list[tuple[str, str, Callable[[], str]]] = [
        ("summary", "Cohort summary", lambda: _summary(cohort, n))
    ]
    if reading is not None:
        planned.append(("problems", "Data problems found on reading", lambda: _problems(reading, n)))
    planned.append(("baseline", "Baseline characteristics", lambda: _baseline(cohort, n)))
    episodes = episodes_table(cohort)
    planned += [
        (
            "therapies",
            "Episodes by therapy",
            lambda: _counts(therapies, "therapy", n) if therapies else _NONE,
        ),
        ("transitions", "Transitions by kind", lambda: _transitions(cohort, n)),
        ("pathways", "Treatment pathways", lambda: _pathways(episodes, n) if therapies else _NONE),
        (
            "persistence",
            "Persistence on therapy",
            lambda: _persistence(cohort, episodes, n, as_of) if therapies else _NONE,
        ),
        ("responses", "Response curves", lambda: _responses(cohort, n)),
        ("swimmer", "Swimmer plot", lambda: _swimmer(cohort, grouped=bundled)),
    ]
    if with_study:
        study = "Reproduction of the bundled study"
        planned.append(("reproduction", study, lambda: _reproduction(cohort, n)))
    sections = []
    with stage("report", len(planned), unit="sections") as step:
        for sid, head, make in planned:
            step.note(head)
            sections.append((sid, head, make()))
            step.update()
    notice = (
        f"Small-cell suppression: every count from 1 to {n - 1} is shown as &lt;{n} (threshold {n})."
        if n > 1
        else "Small-cell suppression is off: every count is shown."
    )
    body = "".join(f'<section id="{sid}"><h2>{_e(head)}</h2>{text}</section>' for sid, head, text in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f'<header><h1>{_e(title)}</h1><p class="note" id="suppression">{notice}</p></header>'
        f"{body}<footer><p>Written by dmt-timeline.</p></footer></body></html>\n"
    )


def write_report(
    cohort: Cohort,
    path: str | Path,
    *,
    title: str = "Cohort report",
    min_cell_count: int = MIN_CELL_COUNT,
    reproduction: bool | None = None,
    reading: object = None,
    as_of: dt.date | None = None,
    progress: bool | None = None,
) -> Path:
    """Write a self-contained HTML report of a cohort: no scripts, no network at view time.

    Args:
        cohort: The patients.
        path: Where to write the ``.html`` file.
        title: The page's title.
        min_cell_count: Counts from 1 up to this threshold are shown as ``<threshold``; 1 turns
            suppression off. The page states the threshold.
        reproduction: Include the bundled study's reproduction; None includes it when the cohort
            is the bundled one.
        reading: What the reader returned (:func:`~dmt_timeline.io.read_table`,
            :func:`~dmt_timeline.io.fhir.read_fhir` or :func:`~dmt_timeline.io.omop.read_omop`):
            adds the data problems found on reading, as counts.
        as_of: The data cut of the persistence estimates (needed when an ongoing course has no
            last follow-up).
        progress: Show the sections as they are made on stderr (True), never (False), or when
            stderr is a terminal (None; see :mod:`dmt_timeline.progress`).

    Returns:
        The path written.

    Raises:
        InvalidValueError: when ``min_cell_count`` is not a whole number of at least 1,
            ``as_of`` is not a date, or ``reading`` is not a reader's result.
    """
    target = Path(path)
    target.write_text(
        render_report(
            cohort,
            title=title,
            min_cell_count=min_cell_count,
            reproduction=reproduction,
            reading=reading,
            as_of=as_of,
            progress=progress,
        ),
        encoding="utf-8",
    )
    return target
