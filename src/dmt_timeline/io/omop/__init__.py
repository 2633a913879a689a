"""OMOP CDM databases (v5.3, v5.4) as a source: DuckDB files or connections and PostgreSQL.

:func:`read_omop` reads a CDM's MS drug exposures (rolled up to ingredients through
``concept_ancestor`` and mapped to catalogue therapies, in SQL), each person's follow-up
(``observation_period``, ``death``) and diagnoses (``condition_occurrence``); its result gives a
cohort of episodes (:meth:`OmopRead.episodes`) or the batch engine's eras and transitions
(:meth:`OmopRead.transitions`). ``era_mode="omop"`` gives OMOP's own ``drug_era``. Each
person's sex (``gender_concept_id``: 8532 female, 8507 male; 0 not recorded) and birth date
(``year_of_birth`` with ``month_of_birth`` and ``day_of_birth`` at their precision, else
``birth_datetime``) come from ``person`` (:attr:`OmopRead.people`).

Needs the ``omop`` extra (``pip install "dmt-timeline[omop]"``: duckdb, psycopg, pyarrow).
"""

from __future__ import annotations

from dmt_timeline.io.omop._read import EXPOSURE_COLUMNS, EndDateRule, OmopRead, read_omop

__all__ = ["EXPOSURE_COLUMNS", "EndDateRule", "OmopRead", "read_omop"]
