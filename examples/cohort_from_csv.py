"""Read a small spreadsheet of one's own through a declared layout, then ask the algebra.

``my_cohort.csv`` (beside this script) has its own column names, month-precision dates and
ocrelizumab as the index therapy. The table has no last-follow-up column, so the one patient
still waiting for a response gets a last visit here, from outside the table, to be censored at.

Run: python examples/cohort_from_csv.py
"""

from __future__ import annotations

from pathlib import Path

import attrs

from dmt_timeline import Patient, TherapyClass, Timeline, cohort_latencies, transfer
from dmt_timeline.io.wide import TherapyColumns, WideLayout, read_wide_csv

TABLE = Path(__file__).with_name("my_cohort.csv")

LAYOUT = WideLayout(
    patient_id="patient",
    ms_diagnosis="ms_diagnosed",
    therapies=(
        TherapyColumns("drug_1", "start_1", reasons="stopped_1"),
        TherapyColumns("drug_2", "start_2", reasons="stopped_2"),
        TherapyColumns("drug_3", "start_3"),  # the table has no stop column for a third drug
    ),
    ms_latency="months_to_no_activity",
    index_therapy="ocrelizumab",
)

# Last visits recorded elsewhere (the clinic's visit list, say), by patient.
LAST_VISITS = {"A05": "2019-10"}


def with_last_visit(patient: Patient) -> Patient:
    """The patient with a last follow-up, when one is known."""
    visit = LAST_VISITS.get(patient.id)
    return patient if visit is None else attrs.evolve(patient, last_follow_up=visit)


def main() -> None:
    patients = [with_last_visit(p) for p in read_wide_csv(TABLE, LAYOUT).cohort]
    for patient in patients:
        timeline = Timeline.of(patient)
        print(f"{patient.id}  {timeline.path()}")
        for transition in timeline.transitions():
            print(f"    {transition.before.therapy.label} -> {transition.after.therapy.label}: ", end="")
            print(f"{transition.kind.value} ({transition.change.value}), gap {transition.gap}")
        for found in transfer(timeline, TherapyClass.INTERFERON_BETA, "ocrelizumab", initiation="first"):
            print(f"    interferon beta -> ocrelizumab: {found.kind.value}")
    print()
    print("Latencies after the first ocrelizumab start:")
    for item in cohort_latencies(patients, index="ocrelizumab", outcomes=("MS",)):
        print(f"    {item}")


if __name__ == "__main__":
    main()
