"""Cohort analyses over tidy tables, written once for a cohort of objects, the batch engine and Dask.

Import the analysis modules themselves (``dmt_timeline.analyses.pathways``); this package
re-exports nothing, so importing it stays cheap.
"""

from __future__ import annotations
