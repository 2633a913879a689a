"""``dmt-timeline batch``: eras, transitions and transfers of a long exposure table at registry
scale, with progress on stderr."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dmt_timeline import progress as _bars
from dmt_timeline.catalogue import Therapy, TherapyClass
from dmt_timeline.cli._common import DASK_EXTRA, PROG, TABLES_EXTRA, non_negative, positive
from dmt_timeline.cli._describe import selector
from dmt_timeline.cli._import import SKIPPED
from dmt_timeline.errors import DmtTimelineError, InvalidValueError

PROGRESS_SECONDS: float = 5.0
"""The least time between two progress lines (the first and the last always show)."""


class _Progress:
    """Progress of ``batch`` on stderr, and its summary line.

    On a terminal, a redrawn bar (with the progress extra; plain lines without it). Elsewhere
    nothing, unless ``plain`` (``--progress``) asks for plain lines, ``batch: 40% of 200
    patients (80), 1.2 s``, for a job's log: throttled to one per :data:`PROGRESS_SECONDS`,
    the first and the last always written, and a line as each later stage starts. The summary
    is written in every case but ``quiet``, which silences everything.
    """

    def __init__(self, *, quiet: bool, plain: bool = False) -> None:
        self.quiet = quiet
        self.started = time.perf_counter()
        self.shown = -float("inf")
        self.total: int | None = None
        self.bar = (
            _bars.counter("patients", unit="patients") if not (quiet or plain) and _bars.active() else None
        )
        self.lines = not quiet and self.bar is None and (plain or _bars.wanted())

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def say(self, text: str) -> None:
        """Write the summary line (silent only under ``quiet``)."""
        if self.quiet:
            return
        line = f"batch: {text}, {self.elapsed():.1f} s"
        if self.bar is not None and self.bar.shown:
            self.bar.write(line)  # above the bar still drawing, not through it
        else:
            print(line, file=sys.stderr, flush=True)

    def step(self, text: str) -> None:
        """Write a progress line: what the run is doing (only when progress is shown)."""
        if self.lines or self.bar is not None:
            self.say(text)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """A later stage: a bar with a clock on a terminal, a line saying it starts in a log."""
        if self.lines:
            self.say(name)
        with _bars.stage(name):
            yield

    def __call__(self, done: int, total: int) -> None:
        self.total = total
        if self.bar is not None:
            self.bar(done, total)
            return
        if not self.lines:
            return
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


def _write_all(tables: dict[str, Any], out: Path, fmt: str) -> list[Path]:
    """Write every table under a temporary name in ``out``, then rename them all into place.

    An interrupted or failed run leaves the folder as it was (no half-written file under a
    final name, no new table beside an old one); a final name that is a link is replaced,
    never written through; a transfers table of an earlier run is removed when none is
    written now. What is replaced or removed is said on stderr.
    """
    ext = "csv" if fmt == "csv" else "parquet"
    out.mkdir(parents=True, exist_ok=True)
    umask = os.umask(0)
    os.umask(umask)
    staged: list[tuple[Path, Path]] = []
    try:
        for name, table in tables.items():
            # mkstemp creates the file itself (O_EXCL): nothing existing is opened or followed.
            handle, made = tempfile.mkstemp(dir=out, prefix=f".{name}.", suffix=f".{ext}.partial")
            os.close(handle)
            os.chmod(made, 0o666 & ~umask)  # mkstemp's 0600 would hide the outputs from the group
            staged.append((Path(made), out / f"{name}.{ext}"))
            _write(table, Path(made), fmt)
        for _, final in staged:
            if final.is_dir() and not final.is_symlink():
                raise IsADirectoryError(21, "is a folder", str(final))
        for optional, why in (("transfers", "no --transfers"), ("skipped", "no row skipped")):
            stale = out / f"{optional}.{ext}"
            if (
                optional not in tables
                and os.path.lexists(stale)
                and not (stale.is_dir() and not stale.is_symlink())
            ):
                stale.unlink()
                print(f"{PROG}: removed {stale} (an earlier run's; {why} this time)", file=sys.stderr)
        for temporary, final in staged:
            replaced = os.path.lexists(final)
            os.replace(temporary, final)  # replaces a link itself, not its target
            if replaced:
                print(f"{PROG}: replaced {final}", file=sys.stderr)
        written = [final for _, final in staged]
        staged = []
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
    return written


# The long-table field names of io.layouts, one naming convention for Python and the command
# line, and the batch engine's default column for each.
FIELDS: dict[str, str] = {
    "patient_id": "person_id",
    "therapy": "drug",
    "start": "start",
    "stop": "end",
    "reasons": "reason",
}


def _mapping(text: str) -> tuple[str, str]:
    """``FIELD=NAME`` of ``--column``."""
    field, sep, name = text.partition("=")
    field = field.strip()
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(
            f"expected FIELD=NAME (FIELD one of {', '.join(FIELDS)}), not {text!r}"
        )
    if field not in FIELDS:
        close = difflib.get_close_matches(field, FIELDS, n=1)
        hint = f"did you mean {close[0]}?" if close else f"expected one of {', '.join(FIELDS)}"
        raise argparse.ArgumentTypeError(f"unknown field {field!r}: {hint}")
    return field, name


def _columns(args: argparse.Namespace) -> tuple[Any, bool | None]:
    """The columns to read (defaults, then a layout file's, then --column) and the day order."""
    from dmt_timeline.io.exposures import ExposureColumns  # noqa: PLC0415 - only when run

    names = dict(FIELDS)
    day_first = None
    if args.layout is not None:
        from dmt_timeline.io.layouts import LongLayout, load_layout  # noqa: PLC0415

        layout = load_layout(args.layout)
        if not isinstance(layout, LongLayout):
            raise InvalidValueError(f"layout {args.layout}: batch reads long tables (kind = 'long')")
        if layout.stop is None:
            raise InvalidValueError(
                f"layout {args.layout}: batch needs the end of each exposure ([columns] stop)"
            )
        reading = layout.reading
        if reading.reasons or reading.therapies or reading.excel_serial:
            raise InvalidValueError(
                f"layout {args.layout}: batch reads drugs by the catalogue's names and dates as text; "
                "it applies no [crosswalk] and no excel_serial"
            )
        names.update(
            patient_id=layout.patient_id, therapy=layout.therapy, start=layout.start, stop=layout.stop
        )
        if layout.reasons is not None:
            names["reasons"] = layout.reasons
        day_first = reading.day_first
    names.update(dict(args.column or ()))
    if args.day_first is not None:
        day_first = args.day_first
    columns = ExposureColumns(
        person_id=names["patient_id"],
        drug=names["therapy"],
        start=names["start"],
        end=names["stop"],
        stop_reason=names["reasons"],
    )
    return columns, day_first


def _file_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options that say how to read an exposures file (none for --omop)."""
    if args.omop is not None:
        return {}
    columns, day_first = _columns(args)
    options = {"columns": columns, "day_first": day_first}
    if args.skip_bad_rows:
        options["skip_bad_rows"] = True
    return options


def _batch_result(args: argparse.Namespace, progress: _Progress, options: dict[str, Any]) -> Any:
    from dmt_timeline.batch import (  # noqa: PLC0415 - the tables extra, only when asked
        BATCH_COLUMNS,
        dask_exposure_transitions,
        exposure_transitions,
        partition_by_patient,
    )

    if args.omop is not None:
        from dmt_timeline.io.omop import read_omop  # noqa: PLC0415 - the omop extra, only when asked

        read = read_omop(args.omop, schema=args.omop_schema, end_date_rule=args.end_date_rule)
        progress.step(f"read {read.exposures.num_rows} MS drug exposures from the CDM")
        return read.transitions(progress=progress, **options)
    if args.workers == 1:
        return exposure_transitions(args.exposures, progress=progress, **options)
    try:
        from distributed import Client, LocalCluster  # noqa: PLC0415 - the dask extra, only when asked
    except ImportError:
        raise ImportError(f"--workers needs dask.distributed: {DASK_EXTRA}") from None
    with tempfile.TemporaryDirectory(prefix="dmt-timeline-batch-") as folder:
        person_id = options["columns"].person_id
        files = partition_by_patient(args.exposures, folder, partitions=4 * args.workers, person_id=person_id)
        progress.step(f"partitioned by patient into {len(files)} Parquet files")
        cluster = LocalCluster(  # type: ignore[no-untyped-call]  # distributed is not fully typed
            # ":0": any free port, so that another cluster on the machine (8787) is no clash.
            n_workers=args.workers,
            threads_per_worker=1,
            dashboard_address=":0",
            silence_logs=40,
        )
        problem = None
        with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
            progress.step(f"running {len(files)} tasks on {args.workers} local Dask workers")
            try:
                return dask_exposure_transitions(folder, client=client, **options)
            except InvalidValueError as exc:  # the library's own: named by its row in a part file
                problem = exc
    # Name the problem by its row in the table given, not in a temporary part file: the
    # single-process reader finds it there (only now, so a good table is read once).
    from dmt_timeline.batch._exposure_table import _read_exposures  # noqa: PLC0415

    _read_exposures(args.exposures, options.get("columns", BATCH_COLUMNS), options.get("day_first"))
    assert problem is not None  # the cluster returned otherwise
    raise problem


def _transfers(selectors: list[Therapy | TherapyClass], initiation: Any, episodes: Any) -> Any:
    from dmt_timeline.batch import episode_transfers, eras_as_episodes  # noqa: PLC0415 - the tables extra

    source, target = selectors
    # Eras built from claims may overlap (a switch before the last supply ran out): accepted here,
    # as exposure_transitions accepts them.
    return episode_transfers(
        eras_as_episodes(episodes), source, target, initiation=initiation, max_overlap_months=None
    )


def _refusal(args: argparse.Namespace) -> tuple[int, str] | None:
    """The exit status and message for arguments that cannot run together, or None."""
    if (args.exposures is None) == (args.omop is None):
        return 2, "batch: give an EXPOSURES file or --omop CDM, one of the two"
    if args.omop is not None and args.workers != 1:
        return 2, "batch: --omop runs in the database and one process; drop --workers"
    reading = [args.layout, args.column, args.day_first, args.skip_bad_rows or None]
    if args.omop is not None and any(option is not None for option in reading):
        return (
            2,
            "batch: --layout, --column, --day-first/--month-first and --skip-bad-rows read a file, "
            "not --omop",
        )
    if args.skip_bad_rows and args.workers != 1:
        return 2, "batch: --skip-bad-rows numbers rows in one process; drop --workers"
    if args.omop is None and not Path(args.exposures).is_file():
        return 1, f"{args.exposures}: no such file"
    return None


def run(args: argparse.Namespace) -> int:
    refused = _refusal(args)
    if refused is not None:
        print(f"{PROG}: {refused[1]}", file=sys.stderr)
        return refused[0]
    source = Path(args.exposures or ".")
    fmt = args.format
    out = Path(args.output)
    progress = _Progress(quiet=args.quiet, plain=args.progress)
    options: dict[str, Any] = {
        "partition_size": args.chunk_size,
        "skip_unknown": args.skip_unknown,
        "era_mode": args.era_mode,
    }
    if args.window_days is not None:
        options["persistence_days"] = args.window_days
    unreadable = False
    try:
        # Read first: an unknown therapy stops the run before the table is read.
        selectors = None if args.transfers is None else [selector(text) for text in args.transfers]
        options.update(_file_options(args))
        result = _batch_result(args, progress, options)
        tables = {"episodes": result.episodes, "transitions": result.transitions}
        if selectors is not None:
            with progress.stage("transfers"):
                tables["transfers"] = _transfers(selectors, args.initiation, result.episodes)
        skipped = result.skipped if result.skipped is not None and result.skipped.num_rows else None
        if skipped is not None:
            tables["skipped"] = skipped
        with progress.stage("writing tables"):
            written = _write_all(tables, out, fmt)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; the output folder is as it was", file=sys.stderr)
        return 130
    except ImportError as exc:
        text = str(exc)
        print(f"{PROG}: {text if 'pip install' in text else f'{text}: {TABLES_EXTRA}'}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{PROG}: {exc.strerror or 'cannot read or write'}: {exc.filename or out}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, ArithmeticError, IndexError) as exc:
        if isinstance(exc, DmtTimelineError):
            raise
        # Not the library's own: its text may quote a cell, so it is not printed.
        unreadable = True
    if unreadable:
        print(f"{PROG}: {source}: cannot read as a {_ext_of(source)} table", file=sys.stderr)
        return 1
    progress.say(_summary(result, progress.total))
    print("\n".join(map(str, written)))
    if skipped is not None:
        _report_skipped(result, skipped, written[-1])
        return SKIPPED
    return 0


def _summary(result: Any, patients: int | None) -> str:
    kinds = Counter(result.transitions["kind"].to_pylist())
    if patients is None:  # the Dask path reports no patients as it goes
        patients = len(set(result.episodes["patient_id"].to_pylist()))
    summary = (
        f"done: {patients} patients, {result.episodes.num_rows} episodes, "
        f"{result.transitions.num_rows} transitions"
        + (f" ({', '.join(f'{kind} {n}' for kind, n in kinds.most_common())})" if kinds else "")
    )
    if result.unknown:
        summary += f"; skipped unknown drugs: {', '.join(f'{drug} x{n}' for drug, n in result.unknown)}"
    return summary


SKIPPED_SHOWN: int = 20
"""How many problems of skipped rows are printed; all are in the ``skipped`` table written."""


def _report_skipped(result: Any, skipped: Any, path: Path) -> None:
    """The problems of the rows skipped, on stderr (always, even with --quiet), with the count
    that says rows in = rows used + rows skipped."""
    from dmt_timeline.errors import quoted  # noqa: PLC0415

    for row in skipped.slice(0, SKIPPED_SHOWN).to_pylist():
        patient = f", patient {quoted(row['patient_id'])}" if row["patient_id"] is not None else ""
        column = f", column {row['column']}" if row["column"] is not None else ""
        value = f": {quoted(row['value'])}" if row["value"] is not None else ""
        print(f"{PROG}: skipped row {row['row']}{patient}{column}: {row['problem']}{value}", file=sys.stderr)
    if skipped.num_rows > SKIPPED_SHOWN:
        print(f"{PROG}: ... and {skipped.num_rows - SKIPPED_SHOWN} more problems", file=sys.stderr)
    rows = len(set(skipped["row"].to_pylist()))
    used = sum(int(n) for n in result.episodes["exposures"].to_pylist()) + sum(n for _, n in result.unknown)
    print(
        f"{PROG}: {used + rows} rows: {used} used, {rows} skipped ({skipped.num_rows} problems, "
        f"all in {path})",
        file=sys.stderr,
    )


def _ext_of(path: Path) -> str:
    return "CSV" if path.suffix.lower() == ".csv" else "Parquet"


_EPILOG = """\
The table has the columns person_id, drug (a catalogue name, alias or ATC code), start and
end (dates, inclusive) and optionally reason (stop-reason codes). A .csv file is read as CSV,
any other file as Parquet. The paths written are printed on stdout.

columns: a file's own names are given by field, with the field names of layouts (patient_id,
therapy, start, stop, reasons): --column start="start date" --column stop="end date", or a
long-table layout file with --layout. dates: YYYY-MM-DD, or a date-time read as its day
(2015-03-11T12:43:21-04:00, 2015-03-11 12:43); dates written with numbers only (12/05/2015,
12.05.2015, 12-05-2015) only with --day-first or --month-first: never guessed. A year or a
month alone is no exposure's day and is refused.

bad rows: by default the first problem stops the run (exit status 1, nothing written). With
--skip-bad-rows the good rows are used, each problem of a bad row is printed on stderr (row,
as a spreadsheet numbers it: the header is row 1 and a blank line is a row; patient; column;
problem; the cell) and written to
skipped.<ext>, with the count rows in = rows used + rows skipped; the exit status is then 3.

progress: on stderr when it is a terminal, as redrawn bars with the progress extra (pip
install "dmt-timeline[progress]"): patients with rate and time left, then transfers and
writing with a running clock. Elsewhere (a log file, a pipe) nothing, unless --progress asks
for plain lines: at most one every few seconds, the first and the last always, and one as each
later stage starts. Then a summary line with the counts of episodes and of transitions by
kind. --quiet silences progress and the summary; errors still show.

With --workers N > 1 the table is first written, partitioned by patient, to 4 x N Parquet
files in a temporary directory, then processed by a local Dask cluster of N worker
processes; progress then reports these stages, not patients.

outputs: every table is written under a temporary name in OUTDIR and renamed into place once
all are written, so a failed or interrupted run (Ctrl-C exits with status 130) leaves OUTDIR
as it was. Files replaced are named on stderr; an output name that is a link is replaced,
not written through; a transfers or skipped file of an earlier run is removed (and said) when
this run writes none. Problems that stop the run are named by column and row, never quoted.
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
    command.add_argument(
        "exposures", metavar="EXPOSURES", nargs="?", help="a Parquet or CSV file of exposures (or use --omop)"
    )
    command.add_argument(
        "--omop",
        metavar="CDM",
        help=(
            "read an OMOP CDM instead: a DuckDB file (duckdb:PATH or PATH) or a postgresql:// URL "
            "(needs the omop extra)"
        ),
    )
    command.add_argument(
        "--omop-schema", metavar="NAME", help="with --omop, the CDM's schema (default: current)"
    )
    command.add_argument(
        "--end-date-rule",
        choices=("ohdsi-drug-era", "cdm-etl"),
        default="ohdsi-drug-era",
        help="with --omop, how a blank drug_exposure_end_date is read (default: ohdsi-drug-era)",
    )
    command.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="the folder to write into")
    command.add_argument(
        "--window-days",
        type=non_negative,
        metavar="N",
        help=(
            "persistence window in days (default: 30); a therapy's dosing interval in the catalogue "
            "wins when longer (except with --era-mode omop)"
        ),
    )
    command.add_argument(
        "--era-mode",
        choices=("catalogue", "omop"),
        default="catalogue",
        help=(
            "catalogue (default): windows widened to each therapy's dosing interval; "
            "omop: one window for every drug, giving OMOP's drug_era"
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
    command.add_argument(
        "--column",
        action="append",
        type=_mapping,
        metavar="FIELD=NAME",
        help=(
            "the file's own name for a field, as layouts name fields: patient_id, therapy, start, "
            "stop, reasons (default person_id, drug, start, end, reason); repeat for each, "
            "e.g. --column start='start date'"
        ),
    )
    command.add_argument(
        "--layout",
        metavar="TOML",
        help="a long-table layout file ([columns] and [reading] day_first); --column wins over it",
    )
    order = command.add_mutually_exclusive_group()
    order.add_argument(
        "--day-first",
        dest="day_first",
        action="store_const",
        const=True,
        help="read dates written with numbers only as DD/MM/YYYY (else they are refused)",
    )
    order.add_argument(
        "--month-first",
        dest="day_first",
        action="store_const",
        const=False,
        help="read dates written with numbers only as MM/DD/YYYY",
    )
    command.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help=(
            f"use the good rows, report the bad ones on stderr and in skipped.<ext> (exit status {SKIPPED})"
        ),
    )
    shown = command.add_mutually_exclusive_group()
    shown.add_argument(
        "--progress",
        action="store_true",
        help="plain progress lines on stderr even when it is not a terminal (for a job's log)",
    )
    shown.add_argument("-q", "--quiet", action="store_true", help="no progress and no summary on stderr")
    command.set_defaults(handler=_bars.honouring_quiet(run))
