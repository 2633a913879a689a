"""Serialization: one configured cattrs converter, JSON text and files, with readable errors.

Follows cattrs' preconf pattern: :func:`configure_converter` teaches any converter the
library's types and :func:`make_converter` builds a ready one. Partial dates travel as the
text they were written in (``"2007"``, ``"2007-03"``), therapies as their catalogue name,
enums as their values, and fields at their defaults are left out.

A malformed document is refused whole, with every problem listed as
``patient <id>: <path>: <problem>``; values are quoted, records never are.
"""

from dmt_timeline.serialize._documents import (
    dumps,
    load_cohort,
    loads,
    save_cohort,
    structure,
    unstructure,
)
from dmt_timeline.serialize._hooks import configure_converter, make_converter

__all__ = [
    "configure_converter",
    "dumps",
    "load_cohort",
    "loads",
    "make_converter",
    "save_cohort",
    "structure",
    "unstructure",
]
