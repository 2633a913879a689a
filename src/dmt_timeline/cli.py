"""The ``dmt-timeline`` command.

Subcommands: ``reproduce`` (the default when none is given), ``validate``, ``describe``,
``summary``, ``plot`` (``plot swimmer``, ``plot response``) and ``batch``. Errors are printed as
one ``dmt-timeline: <message>`` block on stderr with exit status 1, never as a traceback. The
study (and through it scipy), the serializer, matplotlib, numpy, pyarrow and dask are imported
only by the commands that use them, so the command starts quickly; a missing ``plot``,
``tables`` or ``dask`` extra is reported the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

from dmt_timeline._collector import collector_paused
from dmt_timeline.catalogue import CATALOGUE, Therapy, TherapyClass
from dmt_timeline.errors import CohortFormatError, DmtTimelineError, TimelineError, UnknownTherapyError
from dmt_timeline.latency import Latency, index_episode, latency
from dmt_timeline.model import Cohort, Patient
from dmt_timeline.timeline import Timeline, transfer

__all__ = ["describe", "main", "summarise", "validate"]

_PROG = "dmt-timeline"
_TABLES_EXTRA: Final = 'pip install "dmt-timeline[tables]"'
_DASK_EXTRA: Final = 'pip install "dmt-timeline[dask]"'
PROGRESS_SECONDS: float = 5.0
"""``batch``: the least time between two progress lines (the first and the last always show)."""


def _load(path: str | None) -> Cohort:
    if path is None:
        from dmt_timeline.datasets import load_natalizumab_psoriasis  # noqa: PLC0415 - only when asked

        return load_natalizumab_psoriasis()
    from dmt_timeline.serialize import load_cohort  # noqa: PLC0415 - only when asked

    return load_cohort(path)


def summarise(cohort: Cohort) -> str:
    """A short plain-text summary of a cohort: patients, episodes by therapy, stop reasons."""
    episodes = [e for p in cohort for e in p.episodes]
    by_therapy = Counter(e.therapy.name for e in episodes)
    by_reason = Counter(r.value for e in episodes for r in e.reasons)
    lines = [
        f"{len(cohort)} patients, {len(episodes)} therapy episodes",
        *([f"source: {cohort.metadata.source}"] if cohort.metadata.source else []),
        "episodes by therapy:",
        *(f"  {name:<24} {n:>4}" for name, n in by_therapy.most_common()),
        "stop reasons:",
        *(f"  {code:<24} {n:>4}" for code, n in by_reason.most_common()),
    ]
    return "\n".join(lines)


def _counts(title: str, counter: Counter[str]) -> list[str]:
    return (
        [title, *(f"  {name:<32} {n:>4}" for name, n in counter.most_common())]
        if counter
        else [title, "  none"]
    )


def _latency_line(outcome: str, found: Sequence[Latency], unknown: int) -> str:
    observed = [item for item in found if item.observed]
    text = f"  {outcome:<12} {len(observed)} observed, {len(found) - len(observed)} censored"
    if unknown:
        text += f", {unknown} unknown (nothing observed, no last follow-up)"
    if observed:
        lows = [item.months.low for item in observed]
        highs = [item.months.high for item in observed]
        if lows == highs:
            text += f"; months min {min(lows)}, median {statistics.median(lows):g}, max {max(lows)}"
        else:
            text += (
                f"; months (low..high ends) min {min(lows)}..{min(highs)}, "
                f"median {statistics.median(lows):g}..{statistics.median(highs):g}, "
                f"max {max(lows)}..{max(highs)}"
            )
    return text


@collector_paused()  # a timeline per patient, kept: see dmt_timeline._collector
def describe(cohort: Cohort) -> str:
    """A plain-text description of a cohort through the timeline algebra.

    Patients, episodes by therapy, transitions by kind, transfers from interferon beta to
    each patient's first natalizumab start by kind, and response latencies after that start.

    Raises:
        TimelineError: naming the patient when a history cannot be a timeline.
    """
    timelines = [Timeline.of(patient) for patient in cohort]
    episodes = Counter(e.therapy.name for t in timelines for e in t)
    transitions = Counter(f"{tr.kind.value} ({tr.change.value})" for t in timelines for tr in t.transitions())
    transfers: Counter[str] = Counter()
    for t in timelines:
        found = transfer(t, TherapyClass.INTERFERON_BETA, "natalizumab", initiation="first")
        transfers[found[0].kind.value if found else "no natalizumab"] += 1
    outcomes = ["MS", *sorted({o.key for p in cohort for o in p.observations} - {"MS"})]
    latencies: dict[str, list[Latency]] = {outcome: [] for outcome in outcomes}
    unknown: Counter[str] = Counter()
    for patient in cohort:
        position = index_episode(patient, "natalizumab", initiation="first")
        if position is None:
            continue
        for outcome in outcomes:
            try:
                latencies[outcome].append(latency(patient, outcome, episode=position))
            except TimelineError:
                unknown[outcome] += 1
    lines = [
        f"{len(cohort)} patients, {sum(episodes.values())} therapy episodes",
        *([f"source: {cohort.metadata.source}"] if cohort.metadata.source else []),
        *_counts("episodes by therapy:", episodes),
        *_counts("transitions by kind (3-month grace period):", transitions),
        *_counts("interferon beta -> first natalizumab start, by transfer kind:", transfers),
        "latencies after the first natalizumab start:",
        *(_latency_line(outcome, latencies[outcome], unknown[outcome]) for outcome in outcomes),
    ]
    return "\n".join(lines)


def validate(path: str) -> tuple[int, tuple[str, ...]]:
    """Read a cohort file and build every patient's timeline; collect every problem.

    Problems with the document and problems with the histories are both reported: patients
    that can be read are checked as timelines even when others cannot be read.

    Returns:
        How many patients were read, and every problem found, one line each, naming the
        patient.

    Raises:
        CohortFormatError: when the file cannot be read at all (missing, unreadable).
    """
    from dmt_timeline.serialize import load_cohort, structure  # noqa: PLC0415 - cattrs, only when asked

    problems: list[str] = []
    try:
        patients = list(load_cohort(path))
    except CohortFormatError as exc:
        if not exc.problems:
            raise
        problems.extend(exc.problems)
        patients = []
        # The cohort is refused whole; read what patients can be read, to check their histories.
        try:
            doc = json.loads(Path(path).read_bytes())
        except (OSError, ValueError):
            doc = None
        raw_patients = doc.get("patients") if isinstance(doc, dict) else None
        for raw in raw_patients if isinstance(raw_patients, list) else []:
            try:
                patients.append(structure(raw, Patient))
            except DmtTimelineError:
                continue  # already among the problems
    for patient in patients:
        problems.extend(Timeline(patient.episodes, patient.last_follow_up, patient.id).problems())
    return len(patients), tuple(problems)


# -- commands ---------------------------------------------------------------------------------------


def _reproduce(args: argparse.Namespace) -> int:
    from dmt_timeline.studies.natalizumab_psoriasis import reproduce  # noqa: PLC0415 - pulls in scipy

    cohort = None if args.file is None else _load(args.file)
    report = reproduce(cohort, n_resamples=args.resamples, random_state=args.seed)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, allow_nan=False))
    else:
        print(report)
    # The bare command shows the report; `reproduce` is also a check whose status scripts read.
    return 0 if report.all_derivable_agree or not args.check else 1


def _validate(args: argparse.Namespace) -> int:
    count, problems = validate(args.file)
    if not problems:
        print(f"{args.file}: {count} patients, no problems")
        return 0
    print(f"{args.file}: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
    print("\n".join(f"  - {problem}" for problem in problems))
    return 1


def _describe(args: argparse.Namespace) -> int:
    print(describe(_load(args.file)))
    return 0


def _summary(args: argparse.Namespace) -> int:
    print(summarise(_load(args.file)))
    return 0


def _plot(args: argparse.Namespace) -> int:
    from dmt_timeline.plot import figure_format  # noqa: PLC0415 - only when asked

    figure_format(args.output)  # refuse a bad extension before drawing anything
    cohort = _load(args.file)
    group_by: Callable[[Patient], str] | str | None = args.group_by
    if group_by is None and args.file is None and args.figure == "swimmer":
        # The bundled cohort is drawn as the study groups it: by treatment paradigm.
        from dmt_timeline.studies.natalizumab_psoriasis import paradigm  # noqa: PLC0415 - only when asked

        group_by = paradigm
    try:
        from dmt_timeline.plot import response_curves, save_figure, swimmer_plot  # noqa: PLC0415

        if args.figure == "swimmer":
            figure = swimmer_plot(cohort, group_by=group_by)
        else:
            figure = response_curves(
                cohort, index=args.index, outcomes=args.outcome or ("MS", "psoriasis"), group_by=group_by
            )
        written = save_figure(figure, args.output)
    except ImportError as exc:
        # dmt_timeline.plot names the extra to install; a missing extra is bad input, not a crash.
        print(f"{_PROG}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{_PROG}: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(written)
    return 0


class _Progress:
    """Progress lines of ``batch`` on stderr: ``batch: 40% of 200 patients (80), 1.2 s``.

    Plain lines, not a redrawn bar, so that a log file of a scheduled job reads as well as a
    terminal; throttled to one line per :data:`PROGRESS_SECONDS`, the first and the last
    always written. Silent with ``quiet``.
    """

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self.started = time.perf_counter()
        self.shown = -float("inf")
        self.total: int | None = None

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def say(self, text: str) -> None:
        if not self.quiet:
            print(f"batch: {text}, {self.elapsed():.1f} s", file=sys.stderr, flush=True)

    def __call__(self, done: int, total: int) -> None:
        self.total = total
        now = time.perf_counter()
        if done < total and now - self.shown < PROGRESS_SECONDS:
            return
        self.shown = now
        percent = 100 * done // total if total else 100
        self.say(f"{percent}% of {total} patients ({done})")


def _write(table: Any, path: Path, fmt: str) -> None:
    import pyarrow as pa  # noqa: PLC0415 - the tables extra, only when asked

    if fmt == "csv":
        import pyarrow.csv as pacsv  # noqa: PLC0415

        # Dictionary-encoded text is written as its text.
        plain = pa.schema(
            [
                pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f
                for f in table.schema
            ]
        )
        pacsv.write_csv(table.cast(plain), path)
    else:
        import pyarrow.parquet as pq  # noqa: PLC0415

        pq.write_table(table, path)


def _batch_result(args: argparse.Namespace, progress: _Progress, options: dict[str, Any]) -> Any:
    from dmt_timeline.batch import (  # noqa: PLC0415 - the tables extra, only when asked
        dask_exposure_transitions,
        exposure_transitions,
        partition_by_patient,
    )

    if args.workers == 1:
        return exposure_transitions(args.exposures, progress=progress, **options)
    try:
        from distributed import Client, LocalCluster  # noqa: PLC0415 - the dask extra, only when asked
    except ImportError:
        raise ImportError(f"--workers needs dask.distributed: {_DASK_EXTRA}") from None
    with tempfile.TemporaryDirectory(prefix="dmt-timeline-batch-") as folder:
        files = partition_by_patient(args.exposures, folder, partitions=4 * args.workers)
        progress.say(f"partitioned by patient into {len(files)} Parquet files")
        cluster = LocalCluster(  # type: ignore[no-untyped-call]  # distributed is not fully typed
            n_workers=args.workers, threads_per_worker=1, dashboard_address=None, silence_logs=40
        )
        with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
            progress.say(f"running {len(files)} tasks on {args.workers} local Dask workers")
            return dask_exposure_transitions(folder, client=client, **options)


def _selector(text: str) -> Therapy | TherapyClass:
    """A therapy (name, alias or code), or a mechanism class written ``class:<name>``."""
    kind, colon, name = text.partition(":")
    if not colon or kind.strip().casefold() != "class":
        return CATALOGUE.get(text)
    for member in TherapyClass:
        if member.value.casefold() == name.strip().casefold():
            return member
    known = ", ".join(repr(member.value) for member in TherapyClass)
    raise UnknownTherapyError(f"therapy class {name.strip()!r} is not one of {known}")


def _transfers(selectors: list[Therapy | TherapyClass], initiation: Any, episodes: Any) -> Any:
    from dmt_timeline.batch import episode_transfers, eras_as_episodes  # noqa: PLC0415 - the tables extra

    source, target = selectors
    return episode_transfers(eras_as_episodes(episodes), source, target, initiation=initiation)


def _batch(args: argparse.Namespace) -> int:
    source = Path(args.exposures)
    if not source.is_file():
        print(f"{_PROG}: {source}: no such file", file=sys.stderr)
        return 1
    fmt = args.format
    ext = "csv" if fmt == "csv" else "parquet"
    out = Path(args.output)
    progress = _Progress(quiet=args.quiet)
    options: dict[str, Any] = {"partition_size": args.chunk_size, "skip_unknown": args.skip_unknown}
    if args.window_days is not None:
        options["persistence_days"] = args.window_days
    try:
        # Read first: an unknown therapy stops the run before the table is read.
        selectors = None if args.transfers is None else [_selector(text) for text in args.transfers]
        result = _batch_result(args, progress, options)
        tables = {"episodes": result.episodes, "transitions": result.transitions}
        if selectors is not None:
            tables["transfers"] = _transfers(selectors, args.initiation, result.episodes)
        out.mkdir(parents=True, exist_ok=True)
        written = [out / f"{name}.{ext}" for name in tables]
        for table, path in zip(tables.values(), written, strict=True):
            _write(table, path, fmt)
    except ImportError as exc:
        text = str(exc)
        print(f"{_PROG}: {text if 'pip install' in text else f'{text}: {_TABLES_EXTRA}'}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{_PROG}: {exc.strerror or exc}: {exc.filename or out}", file=sys.stderr)
        return 1
    except ValueError as exc:  # Arrow's ArrowInvalid: not a Parquet or CSV file it can read
        if isinstance(exc, DmtTimelineError):
            raise
        print(f"{_PROG}: {source}: cannot read as a {_ext_of(source)} table: {exc}", file=sys.stderr)
        return 1
    kinds = Counter(result.transitions["kind"].to_pylist())
    patients = progress.total
    if patients is None:  # the Dask path reports no patients as it goes
        patients = len(set(result.episodes["patient_id"].to_pylist()))
    summary = (
        f"done: {patients} patients, {result.episodes.num_rows} episodes, "
        f"{result.transitions.num_rows} transitions"
        + (f" ({', '.join(f'{kind} {n}' for kind, n in kinds.most_common())})" if kinds else "")
    )
    if result.unknown:
        summary += f"; skipped unknown drugs: {', '.join(f'{drug} x{n}' for drug, n in result.unknown)}"
    progress.say(summary)
    print("\n".join(map(str, written)))
    return 0


def _ext_of(path: Path) -> str:
    return "CSV" if path.suffix.lower() == ".csv" else "Parquet"


_BATCH_EPILOG = """\
The table has the columns person_id, drug (a catalogue name, alias or ATC code), start and
end (dates, inclusive) and optionally reason (stop-reason codes). A .csv file is read as CSV,
any other file as Parquet. The paths written are printed on stdout.

progress: plain lines on stderr (also when it is not a terminal, so that job logs show them),
at most one every few seconds, the first and the last always; then a summary line with the
counts of episodes and of transitions by kind. --quiet silences them; errors still show.

With --workers N > 1 the table is first written, partitioned by patient, to 4 x N Parquet
files in a temporary directory, then processed by a local Dask cluster of N worker
processes; progress then reports these stages, not patients.
"""


_REPRODUCE_EPILOG = """\
exit status:
  0  every claim the table can decide agrees with the publication
  1  at least one claim differs, or the input could not be read

With the bundled cohort the status is 1, truthfully: the publication's text says 16 of 18
patients needed no systemic psoriasis therapy at last evaluation, while its own table records
no current systemic treatment for anyone (18 of 18). Claims the data cannot decide (stop dates
are not recorded) are reported as "not derivable" and do not change the status.
"""


def _whole_number(minimum: int, refusal: str) -> Callable[[str], int]:
    """An argparse type for whole numbers of at least ``minimum``; ``refusal`` says why one is not."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} {refusal}")
        return value

    return parse


_positive = _whole_number(1, "is not a positive number")
_non_negative = _whole_number(0, "is negative")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description=(
            "MS disease-modifying-therapy histories: reproduce the bundled natalizumab and psoriasis "
            "case series, and check, describe or summarise cohort files. Without a command, prints "
            "the 'reproduce' report and exits 0 unless an error stops it."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    reproduce = sub.add_parser(
        "reproduce",
        help="check the case series' claims against its table (the default command)",
        description=(
            "Derive every quantitative claim of the natalizumab and psoriasis case series from "
            "its table and rerun its Kruskal-Wallis comparisons."
        ),
        epilog=_REPRODUCE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    reproduce.add_argument("file", nargs="?", help="a cohort JSON file (default: the bundled cohort)")
    reproduce.add_argument("--json", action="store_true", help="print the report as JSON")
    reproduce.add_argument(
        "--resamples", type=_positive, default=9999, help="permutation resamples (default: 9999)"
    )
    reproduce.add_argument("--seed", type=int, default=0, help="seed of the permutations (default: 0)")
    reproduce.set_defaults(handler=_reproduce, check=True)

    validate_cmd = sub.add_parser(
        "validate",
        help="check a cohort file and every patient's timeline; exit 1 on problems",
        description="Read a cohort JSON file, build every patient's timeline and list every problem.",
    )
    validate_cmd.add_argument("file", help="a cohort JSON file")
    validate_cmd.set_defaults(handler=_validate)

    describe_cmd = sub.add_parser(
        "describe",
        help="episodes, transitions, transfers and latencies of a cohort (the bundled cohort by default)",
    )
    describe_cmd.add_argument("file", nargs="?", help="a cohort JSON file")
    describe_cmd.set_defaults(handler=_describe)

    summary = sub.add_parser("summary", help="summarise a cohort file (the bundled cohort by default)")
    summary.add_argument("file", nargs="?", help="a cohort JSON file")
    summary.set_defaults(handler=_summary)

    plot = sub.add_parser(
        "plot",
        help="draw a figure of a cohort as PNG or SVG (needs the plot extra)",
        description=(
            "Draw a figure of a cohort (the bundled cohort by default). Needs matplotlib: "
            'pip install "dmt-timeline[plot]".'
        ),
    )
    figures = plot.add_subparsers(dest="figure", metavar="FIGURE", required=True)
    swimmer = figures.add_parser(
        "swimmer",
        help="one lane per patient, therapy episodes as bars over the days their dates allow",
        description=(
            "A swimmer plot: one lane per patient. The bundled cohort is grouped by the study's "
            "treatment paradigm unless --group-by says otherwise; a cohort file is ungrouped."
        ),
    )
    response = figures.add_parser(
        "response",
        help="cumulative proportion responding over months since the index therapy started",
        description="Time-to-response curves, one per outcome (and per group with --group-by).",
    )
    for figure_cmd in (swimmer, response):
        figure_cmd.add_argument("file", nargs="?", help="a cohort JSON file (default: the bundled cohort)")
        figure_cmd.add_argument(
            "-o", "--output", required=True, metavar="PATH", help="where to write: a .png or .svg file"
        )
        figure_cmd.add_argument("--group-by", metavar="LABEL", help="group by this patient label")
        figure_cmd.set_defaults(handler=_plot)
    response.add_argument(
        "--index", default="natalizumab", help="the therapy latencies count from (default: natalizumab)"
    )
    response.add_argument(
        "--outcome",
        action="append",
        metavar="KEY",
        help="an outcome to draw, MS or a comorbidity's name; repeatable (default: MS and psoriasis)",
    )
    batch = sub.add_parser(
        "batch",
        help="eras and transitions of a long exposure table (Parquet or CSV; needs the tables extra)",
        description=(
            "Build eras (episodes) from a long exposure table, one row per dispensing or infusion,\n"
            "and classify the transitions between them, with the batch engine; write\n"
            "episodes.<ext> and transitions.<ext> (and transfers.<ext> with --transfers) into\n"
            "OUTDIR. Needs numpy and pyarrow:\n"
            'pip install "dmt-timeline[tables]" (and "dmt-timeline[dask]" for --workers).'
        ),
        epilog=_BATCH_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    batch.add_argument("exposures", metavar="EXPOSURES", help="a Parquet or CSV file of exposures")
    batch.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="the folder to write into")
    batch.add_argument(
        "--window-days",
        type=_non_negative,
        metavar="N",
        help=(
            "persistence window in days (default: 30); a therapy's dosing interval in the catalogue "
            "wins when longer"
        ),
    )
    batch.add_argument(
        "--format", choices=("parquet", "csv"), default="parquet", help="output format (default: parquet)"
    )
    batch.add_argument(
        "--chunk-size",
        type=_positive,
        default=50_000,
        metavar="N",
        help="patients processed at once; bounds the memory used (default: 50000)",
    )
    batch.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="with N > 1, run on a local Dask cluster of N processes (needs the dask extra; default: 1)",
    )
    batch.add_argument(
        "--skip-unknown", action="store_true", help="skip drugs the catalogue does not know (else exit 1)"
    )
    batch.add_argument(
        "--transfers",
        nargs=2,
        metavar=("SOURCE", "TARGET"),
        help=(
            "also write transfers.<ext>: how SOURCE reached TARGET, each a therapy name, alias or "
            "code, or a mechanism class written class:<name> (such as 'class:interferon beta')"
        ),
    )
    batch.add_argument(
        "--initiation",
        choices=("first", "last", "each"),
        default="first",
        help="with --transfers, which starts of TARGET to ask about (default: first)",
    )
    batch.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    batch.set_defaults(handler=_batch)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (0 ok, 1 for bad input or a claim that differs,
    2 for bad usage)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # The bare command is the library's main job: show the reproduced bundled study. Its
        # status reports errors only; `dmt-timeline reproduce` also fails on a differing claim.
        args = parser.parse_args([*(sys.argv[1:] if argv is None else argv), "reproduce"])
        args.check = False
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except DmtTimelineError as exc:
        print(f"{_PROG}: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`dmt-timeline | head`); quietly stop writing to it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
