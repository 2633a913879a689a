"""``dmt-timeline batch``: eras, transitions and transfers of a long exposure table at registry
scale, with progress on stderr."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from dmt_timeline.catalogue import CATALOGUE, Therapy, TherapyClass
from dmt_timeline.cli._common import DASK_EXTRA, PROG, TABLES_EXTRA, non_negative, positive
from dmt_timeline.errors import DmtTimelineError, UnknownTherapyError

PROGRESS_SECONDS: float = 5.0
"""The least time between two progress lines (the first and the last always show)."""


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
        raise ImportError(f"--workers needs dask.distributed: {DASK_EXTRA}") from None
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
    # Eras built from claims may overlap (a switch before the last supply ran out): accepted here,
    # as exposure_transitions accepts them.
    return episode_transfers(
        eras_as_episodes(episodes), source, target, initiation=initiation, max_overlap_months=None
    )


def run(args: argparse.Namespace) -> int:
    source = Path(args.exposures)
    if not source.is_file():
        print(f"{PROG}: {source}: no such file", file=sys.stderr)
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
        print(f"{PROG}: {text if 'pip install' in text else f'{text}: {TABLES_EXTRA}'}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{PROG}: {exc.strerror or exc}: {exc.filename or out}", file=sys.stderr)
        return 1
    except ValueError as exc:  # Arrow's ArrowInvalid: not a Parquet or CSV file it can read
        if isinstance(exc, DmtTimelineError):
            raise
        print(f"{PROG}: {source}: cannot read as a {_ext_of(source)} table: {exc}", file=sys.stderr)
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


_EPILOG = """\
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


def register(sub: Any) -> None:
    """Add the ``batch`` command to the subparsers ``sub``."""
    command = sub.add_parser(
        "batch",
        help="eras and transitions of a long exposure table (Parquet or CSV; needs the tables extra)",
        description=(
            "Build eras (episodes) from a long exposure table, one row per dispensing or infusion,\n"
            "and classify the transitions between them, with the batch engine; write\n"
            "episodes.<ext> and transitions.<ext> (and transfers.<ext> with --transfers) into\n"
            "OUTDIR. Needs numpy and pyarrow:\n"
            'pip install "dmt-timeline[tables]" (and "dmt-timeline[dask]" for --workers).'
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("exposures", metavar="EXPOSURES", help="a Parquet or CSV file of exposures")
    command.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="the folder to write into")
    command.add_argument(
        "--window-days",
        type=non_negative,
        metavar="N",
        help=(
            "persistence window in days (default: 30); a therapy's dosing interval in the catalogue "
            "wins when longer"
        ),
    )
    command.add_argument(
        "--format", choices=("parquet", "csv"), default="parquet", help="output format (default: parquet)"
    )
    command.add_argument(
        "--chunk-size",
        type=positive,
        default=50_000,
        metavar="N",
        help="patients processed at once; bounds the memory used (default: 50000)",
    )
    command.add_argument(
        "--workers",
        type=positive,
        default=1,
        metavar="N",
        help="with N > 1, run on a local Dask cluster of N processes (needs the dask extra; default: 1)",
    )
    command.add_argument(
        "--skip-unknown", action="store_true", help="skip drugs the catalogue does not know (else exit 1)"
    )
    command.add_argument(
        "--transfers",
        nargs=2,
        metavar=("SOURCE", "TARGET"),
        help=(
            "also write transfers.<ext>: how SOURCE reached TARGET, each a therapy name, alias or "
            "code, or a mechanism class written class:<name> (such as 'class:interferon beta')"
        ),
    )
    command.add_argument(
        "--initiation",
        choices=("first", "last", "each"),
        default="first",
        help="with --transfers, which starts of TARGET to ask about (default: first)",
    )
    command.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    command.set_defaults(handler=run)
