"""The reproduced study as a report: its versioned JSON schema and its text rendering."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from dmt_timeline import _display
from dmt_timeline.model import Cohort
from dmt_timeline.studies.natalizumab_psoriasis.checklist import _claims
from dmt_timeline.studies.natalizumab_psoriasis.claim import Claim, Verdict
from dmt_timeline.studies.natalizumab_psoriasis.kruskal_wallis import _comparisons
from dmt_timeline.studies.natalizumab_psoriasis.paradigms import DIRECT, INDIRECT, NO_IFN
from dmt_timeline.studies.natalizumab_psoriasis.published import TITLE
from dmt_timeline.studies.natalizumab_psoriasis.rows import _rows

if TYPE_CHECKING:  # scipy comes in with stats; it is imported when the comparisons run
    from dmt_timeline.stats import GroupComparison


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in [header, *rows]
    ]


_WIDTH: Final = 100
_SHORT: Final = {DIRECT: "direct", INDIRECT: "indirect", NO_IFN: "no IFN"}


def _wrap(text: str, indent: str) -> str:
    # Not at hyphens: "interferon-beta" and "2-8" read badly split across lines.
    return textwrap.fill(
        text, _WIDTH, initial_indent=indent, subsequent_indent="      ", break_on_hyphens=False
    )


def _fmt(value: float) -> str:
    return f"{value:.4g}"


@attrs.frozen
class Report:
    """The reproduced study: its claims and its three comparisons.

    Attributes:
        claims: Every claim, in the order of :data:`PUBLISHED`.
        comparisons: MS latency, psoriasis latency and lag across the paradigms.
        patients: How many patients the cohort has.
        source: Where the cohort comes from.
    """

    claims: tuple[Claim, ...]
    comparisons: tuple[GroupComparison, ...]
    patients: int
    source: str = ""

    @property
    def all_derivable_agree(self) -> bool:
        """True when no claim differs (claims the data cannot decide do not count)."""
        return all(c.verdict is not Verdict.DIFFERS for c in self.claims)

    def verdicts(self) -> dict[Verdict, int]:
        """How many claims have each verdict."""
        return {v: sum(1 for c in self.claims if c.verdict is v) for v in Verdict}

    def claim(self, claim_id: str) -> Claim:
        """The claim with this id.

        Raises:
            KeyError: when there is none.
        """
        for item in self.claims:
            if item.id == claim_id:
                return item
        raise KeyError(claim_id)

    def __repr__(self) -> str:
        return _display.report_repr(self)

    def __str__(self) -> str:
        counts = self.verdicts()
        differing = [c.id for c in self.claims if c.verdict is Verdict.DIFFERS]
        lines = [
            TITLE,
            f"{self.patients} patients; {len(self.claims)} claims: "
            + ", ".join(f"{n} {v.value}" for v, n in counts.items()),
            f"differs: {', '.join(differing)}" if differing else "every derivable claim agrees",
            "",
            *_table(
                ["claim", "published", "derived", "verdict"],
                [[c.id, str(c.published), str(c.derived), c.verdict.value] for c in self.claims],
            ),
            "",
            "Statements and notes",
        ]
        for c in self.claims:
            lines.append(_wrap(f"{c.id}: {c.statement}", "  "))
            if c.note:
                lines.append(_wrap(c.note, "      "))
        if self.comparisons:
            first = self.comparisons[0]
            detail = (
                "exact"
                if first.permutation_exact
                else f"Monte Carlo, {first.n_resamples} resamples, seed {first.random_state}"
            )
            names = [_SHORT.get(g.name, g.name) for g in first.groups]
            lines += [
                "",
                "Kruskal-Wallis across the paradigms",
                f"  permutation p: {detail}; group medians in months, with n",
                "",
                *_table(
                    ["measure", "H", "df", "p asymptotic", "p permutation", *(f"median {n}" for n in names)],
                    [
                        [
                            c.measure,
                            _fmt(c.statistic),
                            str(c.df),
                            _fmt(c.p_asymptotic),
                            _fmt(c.p_permutation),
                            *(f"{_fmt(g.median)} (n={g.n})" for g in c.groups),
                        ]
                        for c in self.comparisons
                    ],
                ),
            ]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-compatible builtins.

        The schema (version 1)::

            {
              "schema_version": 1,
              "study": str,                        # short title
              "cohort": {"patients": int, "source": str},
              "verdicts": {"agrees": int, "differs": int, "not derivable": int},
              "all_derivable_agree": bool,         # true when no claim differs
              "claims": [
                {
                  "id": str,                       # stable slug, e.g. "ifnb_users"
                  "statement": str,                # a paraphrase of what the publication states
                  "published": int | str,          # the publication's value
                  "derived": int | str,            # the value derived from the cohort
                  "verdict": "agrees" | "differs" | "not derivable",
                  "note": str                      # bounds, readings, disagreements ("" if none)
                }
              ],
              "comparisons": [
                {
                  "measure": str,                  # e.g. "MS latency (months)"
                  "groups": [{"name": str, "values": [float], "n": int, "median": float}],
                  "statistic": float,              # Kruskal-Wallis H, tie-corrected
                  "df": int,
                  "p_asymptotic": float,           # chi-squared reference, as scipy.stats.kruskal
                  "p_permutation": float,          # permutation p-value of H
                  "permutation_exact": bool,       # all assignments enumerated, else Monte Carlo
                  "n_resamples": int,
                  "random_state": int | null       # seed of the Monte Carlo permutations
                }
              ]
            }
        """
        return {
            "schema_version": 1,
            "study": TITLE,
            "cohort": {"patients": self.patients, "source": self.source},
            "verdicts": {v.value: n for v, n in self.verdicts().items()},
            "all_derivable_agree": self.all_derivable_agree,
            "claims": [c.as_dict() for c in self.claims],
            "comparisons": [
                {
                    "measure": c.measure,
                    "groups": [
                        {"name": g.name, "values": list(g.values), "n": g.n, "median": g.median}
                        for g in c.groups
                    ],
                    "statistic": c.statistic,
                    "df": c.df,
                    "p_asymptotic": c.p_asymptotic,
                    "p_permutation": c.p_permutation,
                    "permutation_exact": c.permutation_exact,
                    "n_resamples": c.n_resamples,
                    "random_state": c.random_state,
                }
                for c in self.comparisons
            ],
        }


def reproduce(
    cohort: Cohort | None = None, *, n_resamples: int = 9999, random_state: int | None = 0
) -> Report:
    """Reproduce the study: every claim and the three comparisons.

    Args:
        cohort: The patients; the bundled cohort when None.
        n_resamples: Permutation budget of the comparisons.
        random_state: Seed of their Monte Carlo permutations.

    Returns:
        The report.

    Raises:
        TimelineError: as for :func:`claims`.
    """
    if cohort is None:
        from dmt_timeline.datasets import load_natalizumab_psoriasis  # noqa: PLC0415 - reads a file

        cohort = load_natalizumab_psoriasis()
    rows = _rows(cohort)
    found = _comparisons(rows, n_resamples=n_resamples, random_state=random_state)
    return Report(_claims(rows, found), found, len(rows), cohort.metadata.source)
