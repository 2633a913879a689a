"""Bundled data sets and their loaders."""

from __future__ import annotations

from importlib.resources import files

from dmt_timeline.model import Cohort
from dmt_timeline.serialize import loads

__all__ = ["load_natalizumab_psoriasis"]


def load_natalizumab_psoriasis() -> Cohort:
    """The 18 patients of a published case series of natalizumab in comorbid MS and psoriasis.

    One patient per row of the publication's table, dates at the table's year precision. The
    cohort's ``metadata.description`` says how every kind of cell was read; each patient's
    ``published_group`` label holds the publication's own grouping, for checking only.
    """
    text = files(__package__).joinpath("natalizumab_psoriasis.json").read_bytes()
    return loads(text, Cohort)
