"""What every command shares: the program's name, the extras' install lines, loading a cohort,
and argparse types for whole numbers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Final

import attrs

from dmt_timeline.errors import CohortFormatError, quoted
from dmt_timeline.model import Cohort

PROG: Final = "dmt-timeline"
TABLES_EXTRA: Final = 'pip install "dmt-timeline[tables]"'
DASK_EXTRA: Final = 'pip install "dmt-timeline[dask]"'


OMOP_PREFIXES: Final = ("duckdb:", "postgresql://", "postgres://")
FHIR_PREFIX: Final = "fhir:"
SOURCES_HELP: Final = (
    "a cohort JSON file; a table (.csv, .xlsx, .sas7bdat, .xpt, .dta, .sav) with --layout; "
    "fhir:PATH for a FHIR export (a Bundle, an NDJSON file or a bulk-export folder); duckdb:PATH "
    "or a postgresql:// URL for an OMOP CDM"
)
SKIPPED: Final = 3
"""The exit status of a command that ran without the rows reported (``--skip-bad-rows``)."""


def add_table_options(command: argparse.ArgumentParser) -> None:
    """The options of a command whose cohort may be a table read through a layout file."""
    command.add_argument(
        "--layout",
        help="for a table, its TOML layout file (draft one with 'dmt-timeline layout draft FILE')",
    )
    command.add_argument("--sheet", help="for an Excel table, the sheet's name (default: the first sheet)")
    command.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help=(
            f"for a table, use the patients whose rows are all good, report the rest on stderr and "
            f"exit with status {SKIPPED}"
        ),
    )


def is_table(path: str) -> bool:
    """Whether ``path`` names a table file (read through a layout), by its suffix."""
    from dmt_timeline.io.sources import TABLE_SUFFIXES  # noqa: PLC0415 - only when asked

    if path.startswith((FHIR_PREFIX, *OMOP_PREFIXES)):
        return False
    return Path(path).suffix.casefold() in TABLE_SUFFIXES


@attrs.frozen
class TableLoad:
    """A table read through a layout: the cohort, the problems of the rows left out, and who."""

    cohort: Cohort
    problems: tuple[str, ...] = ()
    skipped_patients: tuple[str, ...] = ()


def load_table(
    path: str, layout: str | None, *, sheet: str | None = None, skip_bad_rows: bool = False
) -> TableLoad:
    """A table file read through a TOML layout file, by :func:`dmt_timeline.io.sources.read_table`.

    Raises:
        CohortFormatError: without a layout (no table is read as the bundled study's), or for a
            table or layout that cannot be read.
        TableFormatError: listing every problem by row, unless ``skip_bad_rows``.
    """
    if layout is None:
        raise CohortFormatError(
            f"{quoted(Path(path).name)} is a table: say what its columns hold with --layout FILE.toml "
            f"(draft one with '{PROG} layout draft FILE')"
        )
    from dmt_timeline.io.long import LongRead  # noqa: PLC0415 - only when asked
    from dmt_timeline.io.sources import read_table  # noqa: PLC0415 - only when asked

    read = read_table(path, layout, sheet=sheet, skip_bad_rows=skip_bad_rows)
    skipped = read.skipped_patients if isinstance(read, LongRead) else ()
    return TableLoad(read.cohort, tuple(str(p) for p in read.skipped), skipped)


def report_skipped(path: str, loaded: TableLoad) -> None:
    """The problem report of a table read with ``--skip-bad-rows``, on stderr."""
    if not loaded.problems:
        return
    count, who = len(loaded.problems), loaded.skipped_patients
    left_out = f"; {len(who)} patients left out ({', '.join(map(quoted, who))})" if who else ""
    summary = f"{count} problem{'s' if count != 1 else ''} skipped{left_out}"
    lines = [f"{PROG}: {quoted(Path(path).name)}: {summary}"]
    lines += [f"  - {problem}" for problem in loaded.problems]
    print("\n".join(lines), file=sys.stderr)


def load_source(args: argparse.Namespace) -> Cohort:
    """The cohort a command reads, as :func:`load`, from its ``file``, ``--layout``, ``--sheet``
    and ``--skip-bad-rows``.

    A table read with ``--skip-bad-rows`` reports its problems on stderr and marks ``args`` so that
    :func:`finish` gives the exit status :data:`SKIPPED`.
    """
    path: str | None = args.file
    layout: str | None = getattr(args, "layout", None)
    sheet: str | None = getattr(args, "sheet", None)
    if path is None or not is_table(path):
        if layout is not None or sheet is not None:
            raise CohortFormatError("--layout and --sheet are for tables (.csv, .xlsx, .dta, ...)")
        return load(path)
    loaded = load_table(path, layout, sheet=sheet, skip_bad_rows=getattr(args, "skip_bad_rows", False))
    report_skipped(path, loaded)
    args.rows_skipped = bool(loaded.problems)
    return loaded.cohort


def finish(args: argparse.Namespace, status: int) -> int:
    """A command's exit status: :data:`SKIPPED` when it succeeded without rows of its table."""
    return SKIPPED if status == 0 and getattr(args, "rows_skipped", False) else status


def load(path: str | None) -> Cohort:
    """The cohort in a JSON file, or the bundled cohort when ``path`` is None; a FHIR export when
    ``path`` is ``fhir:<file or folder>``; an OMOP CDM when ``path`` is ``duckdb:<file>`` or a
    ``postgresql://`` URL (catalogue era mode, default schema).

    A table file (``.csv``, ``.xlsx``...) is refused: it needs a layout (:func:`load_source`)."""
    if path is not None and is_table(path):
        load_table(path, None)  # refuses, naming --layout
    if path is not None and path.startswith(FHIR_PREFIX):
        from dmt_timeline.io.fhir import read_fhir  # noqa: PLC0415 - only when asked

        # An EHR export holds every medication a patient had: those not in the catalogue (not MS
        # therapies) are counted and said, as the OMOP reader counts non-MS ingredients.
        read = read_fhir(path.removeprefix(FHIR_PREFIX), skip_unknown=True)
        skipped = sum(n for _, n in read.unknown)
        if skipped:
            what = "FHIR entries of medications not in the catalogue"
            print(f"{PROG}: skipped {skipped} {what}", file=sys.stderr)
        return read.cohort
    if path is not None and path.startswith(OMOP_PREFIXES):
        from dmt_timeline.io.omop import read_omop  # noqa: PLC0415 - the omop extra, only when asked

        return read_omop(path).episodes().cohort
    if path is None:
        from dmt_timeline.datasets import load_natalizumab_psoriasis  # noqa: PLC0415 - only when asked

        return load_natalizumab_psoriasis()
    from dmt_timeline.serialize import load_cohort  # noqa: PLC0415 - only when asked

    return load_cohort(path)


def whole_number(minimum: int, refusal: str) -> Callable[[str], int]:
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


positive = whole_number(1, "is not a positive number")
non_negative = whole_number(0, "is negative")
