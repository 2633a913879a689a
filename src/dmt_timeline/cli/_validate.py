"""``dmt-timeline validate``: every problem of a cohort file, by patient."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import Any

from dmt_timeline.errors import CohortFormatError, DmtTimelineError
from dmt_timeline.model import Patient
from dmt_timeline.timeline import Timeline


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
    from dmt_timeline.serialize._json import parse  # noqa: PLC0415 - as above

    problems: list[str] = []
    patients: list[Patient] = []
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
    count, problems = validate(args.file)
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
        description="Read a cohort JSON file, build every patient's timeline and list every problem.",
    )
    command.add_argument("file", help="a cohort JSON file")
    command.set_defaults(handler=run)
