"""What every command shares: the program's name, the extras' install lines, loading a cohort,
and argparse types for whole numbers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Final

from dmt_timeline.model import Cohort

PROG: Final = "dmt-timeline"
TABLES_EXTRA: Final = 'pip install "dmt-timeline[tables]"'
DASK_EXTRA: Final = 'pip install "dmt-timeline[dask]"'


OMOP_PREFIXES: Final = ("duckdb:", "postgresql://", "postgres://")
FHIR_PREFIX: Final = "fhir:"
SOURCES_HELP: Final = (
    "a cohort JSON file; fhir:PATH for a FHIR export (a Bundle, an NDJSON file or a bulk-export "
    "folder); duckdb:PATH or a postgresql:// URL for an OMOP CDM"
)


def load(path: str | None) -> Cohort:
    """The cohort in a JSON file, or the bundled cohort when ``path`` is None; a FHIR export when
    ``path`` is ``fhir:<file or folder>``; an OMOP CDM when ``path`` is ``duckdb:<file>`` or a
    ``postgresql://`` URL (catalogue era mode, default schema)."""
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
