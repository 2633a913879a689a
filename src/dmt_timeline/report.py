"""A cohort report as one self-contained HTML file that opens in any browser, offline.

The page holds the cohort summary, episodes by therapy, transitions by kind, the swimmer plot
and, for the bundled study, its reproduction. Styles are inline, the figure is an embedded PNG,
and the page needs no script and names no network address. Every count from 1 up to the
threshold is shown as ``<threshold`` (small-cell suppression, on by default), and the page says
so.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from dmt_timeline.errors import InvalidValueError, TimelineError
from dmt_timeline.model import Cohort

__all__ = ["MIN_CELL_COUNT", "render_report", "write_report"]

MIN_CELL_COUNT: Final = 5
"""The default threshold of small-cell suppression: counts from 1 to 4 are shown as ``<5``."""

_CSS: Final = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.4; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.6rem; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.note { background: #f4f4f4; padding: 0.5rem 0.8rem; border-left: 4px solid #888; }
img { max-width: 100%; height: auto; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  section { break-inside: avoid; }
  .note { border-left-color: #000; }
}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _suppressed(n: int, threshold: int) -> str:
    return f"<{threshold}" if 0 < n < threshold else str(n)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{_e(c)}</td>' if n else f"<td>{_e(c)}</td>"
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
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<img alt="Swimmer plot: one lane per patient, therapy episodes as bars" '
        f'src="data:image/png;base64,{data}">'
        "<p>The swimmer plot shows each patient's history; it is not an aggregate and is not "
        "suppressed.</p>"
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
) -> str:
    """The report as one HTML document (see :func:`write_report`)."""
    if not isinstance(min_cell_count, int) or isinstance(min_cell_count, bool) or min_cell_count < 1:
        raise InvalidValueError("min_cell_count: must be a whole number of at least 1")
    bundled = _is_bundled(cohort)
    with_study = bundled if reproduction is None else reproduction
    n = min_cell_count
    therapies: Counter[str] = Counter(e.therapy.label for p in cohort.patients for e in p.episodes)
    sections = [
        ("summary", "Cohort summary", _summary(cohort, n)),
        (
            "therapies",
            "Episodes by therapy",
            _counts(therapies, "therapy", n) if therapies else "<p>None.</p>",
        ),
        ("transitions", "Transitions by kind", _transitions(cohort, n)),
        ("swimmer", "Swimmer plot", _swimmer(cohort, grouped=bundled)),
    ]
    if with_study:
        sections.append(("reproduction", "Reproduction of the bundled study", _reproduction(cohort, n)))
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

    Returns:
        The path written.

    Raises:
        InvalidValueError: when ``min_cell_count`` is not a whole number of at least 1.
    """
    target = Path(path)
    target.write_text(
        render_report(cohort, title=title, min_cell_count=min_cell_count, reproduction=reproduction),
        encoding="utf-8",
    )
    return target
