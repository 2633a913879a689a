"""``dmt-timeline validate``: every problem of a cohort file, by patient."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import Any

from dmt_timeline.cli._common import FHIR_PREFIX, OMOP_PREFIXES, SOURCES_HELP, is_table, load, load_table
from dmt_timeline.errors import CohortFormatError, DmtTimelineError
from dmt_timeline.model import Patient
from dmt_timeline.timeline import Timeline


def validate(
    path: str, *, layout: str | None = None, sheet: str | None = None
) -> tuple[int, tuple[str, ...]]:
    """Read a cohort source and build every patient's timeline; collect every problem.

    Problems with the document and problems with the histories are both reported: patients
    that can be read are checked as timelines even when others cannot be read. The source is
    a cohort JSON file, a table read through a layout file (every row problem is reported, and
    the patients of good rows are checked), a FHIR export (``fhir:PATH``) or an OMOP CDM
    (``duckdb:PATH``, a ``postgresql://`` URL).

    Args:
        path: The source, as the commands name it.
        layout: For a table, its TOML layout file.
        sheet: For an Excel table, the sheet.

    Returns:
        How many patients were read, and every problem found, one line each, naming the
        patient.

    Raises:
        CohortFormatError: when the file cannot be read at all (missing, unreadable).
    """
    from dmt_timeline.serialize import load_cohort, structure  # noqa: PLC0415 - cattrs, only when asked
    from dmt_timeline.serialize._json import parse  # noqa: PLC0415 - as above

    problems: list[str] = []
    patients: list[Patient] = []
    if is_table(path):
        loaded = load_table(path, layout, sheet=sheet, skip_bad_rows=True)
        problems.extend(loaded.problems)
        patients = list(loaded.cohort)
        return _checked(patients, problems)
    if layout is not None or sheet is not None:
        raise CohortFormatError("--layout and --sheet are for tables (.csv, .xlsx, .dta, ...)")
    if path.startswith((FHIR_PREFIX, *OMOP_PREFIXES)):
        return _checked(list(load(path)), problems)
    refusal: CohortFormatError | None = None
    try:
        patients = list(load_cohort(path))
    except CohortFormatError as exc:  # handled below: a chain would carry the document
        refusal = exc
    if refusal is not None:
        if not refusal.problems:
            raise CohortFormatError(refusal.summary)
        problems.extend(refusal.problems)
        # The cohort is refused whole; read what patients can be read, to check their histories.
        doc = None
        with contextlib.suppress(OSError, DmtTimelineError):  # already among the problems
            doc = parse(Path(path).read_bytes())
        raw_patients = doc.get("patients") if isinstance(doc, dict) else None
        for raw in raw_patients if isinstance(raw_patients, list) else []:
            try:
                patients.append(structure(raw, Patient))
            except DmtTimelineError:
                continue  # already among the problems
    return _checked(patients, problems)


def _checked(patients: list[Patient], problems: list[str]) -> tuple[int, tuple[str, ...]]:
    """The patients' count and every problem: those found reading, then their timelines'."""
    for patient in patients:
        problems.extend(Timeline(patient.episodes, patient.last_follow_up, patient.id).problems())
    return len(patients), tuple(_one_line(problem) for problem in problems)


def _one_line(problem: str) -> str:
    """A problem as one printable line: a control character in it (a newline in an id that a
    message did not quote) could otherwise forge lines of the report."""
    if problem.isprintable():
        return problem
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in problem)


def run(args: argparse.Namespace) -> int:
    count, problems = validate(args.file, layout=args.layout, sheet=args.sheet)
    name = _one_line(args.file.encode("utf-8", "backslashreplace").decode("utf-8"))
    if not problems:
        print(f"{name}: {count} patients, no problems")
        return 0
    print(f"{name}: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
    print("\n".join(f"  - {problem}" for problem in problems))
    return 1


def register(sub: Any) -> None:
    """Add the ``validate`` command to the subparsers ``sub``."""
    command = sub.add_parser(
        "validate",
        help="check a cohort file and every patient's timeline; exit 1 on problems",
        description=(
            "Read a cohort (a JSON file, a table through its layout, a FHIR export or an OMOP CDM), "
            "build every patient's timeline and list every problem: a table's row problems first."
        ),
    )
    command.add_argument("file", help=SOURCES_HELP)
    command.add_argument(
        "--layout",
        help="for a table, its TOML layout file (draft one with 'dmt-timeline layout draft FILE')",
    )
    command.add_argument("--sheet", help="for an Excel table, the sheet's name (default: the first sheet)")
    command.set_defaults(handler=run)
