"""What the batch engine returns: its result class, and its tables as Arrow or pandas."""

from __future__ import annotations

from typing import Any, Final, Literal

import attrs

from dmt_timeline.errors import InvalidValueError


@attrs.frozen
class BatchResult:
    """What :func:`exposure_transitions` gave.

    Attributes:
        episodes: One row per era: ``patient_id``, ``line`` (1 = first), ``therapy``,
            ``start``, ``stop`` (``date32``), ``reasons`` (codes joined by ``;``), ``exposures``
            (OMOP ``drug_exposure_count``) and ``gap_days`` (OMOP's, see :mod:`dmt_timeline.eras`).
        transitions: One row per pair of consecutive eras: ``patient_id``, ``position``,
            ``before_therapy``, ``after_therapy``, ``kind``, ``change``, ``gap_low``,
            ``gap_high``, ``grace_months``.
        unknown: Drugs the catalogue does not know, with their counts (skipped).
        windows: The persistence window used for each therapy, in days.
        skipped: With ``skip_bad_rows=True``, the rows left out, one row per problem: ``row``
            (as a spreadsheet numbers it, as errors and the object readers number rows: the
            header is row 1; in a CSV file a blank line is a row too), ``patient_id`` (null
            where it could not be read), ``column`` (null for a CSV row with more or fewer
            cells than the header), ``problem`` and ``value`` (the cell as text; null when
            blank or not text). Without it (None), no row is skipped: a bad row is refused.
            Rows in the table = exposures in ``episodes`` + exposures of ``unknown`` drugs +
            distinct rows in ``skipped``.

    Text columns are dictionary-encoded (categorical in pandas) and whole numbers ``int32``:
    a few bytes a row, so that the output stays smaller than the input.
    """

    episodes: Any
    transitions: Any
    unknown: tuple[tuple[str, int], ...] = ()
    windows: tuple[tuple[str, int], ...] = ()
    skipped: Any = None


def _output(table: Any, output: Literal["arrow", "pandas"]) -> Any:
    if output == "pandas":
        return table.to_pandas()
    if output != "arrow":
        raise InvalidValueError(f"output {output!r} is not 'arrow' or 'pandas'")
    return table


_EMPTY_EPISODES: Final = (
    ("patient_id", "string"),
    ("line", "int32"),
    ("therapy", "string"),
    ("start", "date32"),
    ("stop", "date32"),
    ("reasons", "string"),
    ("exposures", "int32"),
    ("gap_days", "int32"),
)
_EMPTY_TRANSITIONS: Final = (
    ("patient_id", "string"),
    ("position", "int32"),
    ("before_therapy", "string"),
    ("after_therapy", "string"),
    ("kind", "string"),
    ("change", "string"),
    ("gap_low", "int32"),
    ("gap_high", "int32"),
    ("grace_months", "int32"),
    ("effect_window", "string"),
    ("washout", "string"),
)


def _concat(pa: Any, parts: list[Any], empty: tuple[tuple[str, str], ...]) -> Any:
    if parts:
        return pa.concat_tables(parts)
    types = {"string": pa.dictionary(pa.int32(), pa.string()), "int32": pa.int32(), "date32": pa.date32()}
    return pa.schema([(name, types[kind]) for name, kind in empty]).empty_table()
