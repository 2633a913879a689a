"""Reproduce the bundled case series from Python: the report, then its three comparisons.

The same report as the ``dmt-timeline`` command prints; the comparisons are then shown in
full, with the permutation p-value and the effect size beside the asymptotic p-value.

Run: python examples/reproduce_study.py
"""

from __future__ import annotations

from dmt_timeline.studies.natalizumab_psoriasis import reproduce


def main() -> None:
    # 999 resamples keep the run short; the command's default is 9999.
    report = reproduce(n_resamples=999, random_state=0)
    print(report)
    for comparison in report.comparisons:
        print()
        print(comparison)
    print()
    print("every derivable claim agrees" if report.all_derivable_agree else "at least one claim differs")


if __name__ == "__main__":
    main()
