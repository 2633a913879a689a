"""Classify every transition in the bundled cohort and count them by kind.

Run: python examples/classify_switches.py
"""

from collections import Counter

from dmt_timeline import TherapyClass, Timeline, transfer
from dmt_timeline.datasets import load_natalizumab_psoriasis


def main() -> None:
    cohort = load_natalizumab_psoriasis()
    kinds: Counter[str] = Counter()
    for patient in cohort:
        timeline = Timeline.of(patient)
        (to_nat,) = transfer(timeline, TherapyClass.INTERFERON_BETA, "natalizumab", initiation="first")
        print(f"{patient.id}  {timeline.path():<22} IFN -> Nat: {to_nat.kind.value}")
        for transition in timeline.transitions():
            kinds[f"{transition.kind.value} ({transition.change.value})"] += 1
            if transition.reason:
                print(f"    {transition.before} -> {transition.after}: {transition.reason}")
    print()
    for kind, count in kinds.most_common():
        print(f"{count:3d}  {kind}")


if __name__ == "__main__":
    main()
