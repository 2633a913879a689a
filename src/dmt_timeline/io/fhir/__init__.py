"""FHIR R4 out and back: therapy episodes as ``MedicationStatement`` resources in a ``Bundle``.

The path carries therapy episodes only. :func:`cohort_to_fhir` writes one
``MedicationStatement`` per episode into a Bundle of type ``collection``, as plain JSON
dicts (no FHIR library is needed at run time); :func:`cohort_from_fhir` reads such a bundle
back into patients that hold an id and their episodes. Diagnoses, observations, EDSS at
baseline, follow-up, labels and cohort metadata do not travel, and a patient without
episodes has no resource, so it does not come back. ``MedicationStatement`` is the same in
FHIR R4 and R4B.

How an episode is written:

- ``subject.reference`` is ``Patient/<id>``;
- ``medicationCodeableConcept`` holds the therapy's canonical name as ``text`` and, when the
  catalogue has one, its ATC code as a coding in :data:`ATC_SYSTEM`;
- ``effectivePeriod.start`` and ``.end`` keep the partial dates at their precision (FHIR's
  dateTime allows ``YYYY``, ``YYYY-MM`` and ``YYYY-MM-DD``, exactly the library's precisions);
- ``status`` is ``active`` for an ongoing episode, ``completed`` for one with a stop date or
  with stop reasons, and ``unknown`` when the stop is not recorded;
- ``statusReason`` holds one concept per switch reason, coded in :data:`SWITCH_REASON_SYSTEM`
  with the :class:`~dmt_timeline.SwitchReason` values as codes;
- the episode's ``sequence`` and EDSS travel as extensions :data:`SEQUENCE_EXTENSION`
  (``valueInteger``) and :data:`EDSS_EXTENSION` (``valueDecimal``).

Reading is strict where the model is, and lenient only about what it does not model: codings
of other systems, other extensions and other fields of a resource are ignored; status
``stopped`` reads as ``completed``, and ``completed`` with neither an end nor a reason reads
as a stop not recorded (the model has no "stopped, date and reason unknown"). Every problem is reported as
``patient '<id>': entry[<n>].resource.<field>: <problem>``; ids and values are quoted (escaped and
bounded), resources never are. A value of the wrong JSON type, text with a lone surrogate (not
valid Unicode) and a subject that names no patient are problems of their entry; the patient id
in ``Patient/<id>`` is read by the one rule for ids (:func:`dmt_timeline.ids.patient_id`), so
``Patient/ P01`` is patient ``P01``.

A bundle with a bad entry is refused whole. :func:`read_fhir_bundle` with
``skip_bad_rows=True`` reads the good entries instead and reports every problem of the skipped
ones (:class:`EntryProblem`), as the wide and exposure readers do with rows.
"""

from __future__ import annotations

from dmt_timeline.io.fhir._codes import (
    ATC_SYSTEM,
    EDSS_EXTENSION,
    PATIENT_ID_SYSTEM,
    RXNORM_SYSTEM,
    SEQUENCE_EXTENSION,
    SNOMED_SYSTEM,
    SWITCH_REASON_SYSTEM,
)
from dmt_timeline.io.fhir._medications import therapies_in_text
from dmt_timeline.io.fhir._problems import EntryProblem
from dmt_timeline.io.fhir._reading import FhirRead, cohort_from_fhir, read_fhir, read_fhir_bundle
from dmt_timeline.io.fhir._writing import cohort_to_fhir

__all__ = [
    "ATC_SYSTEM",
    "EDSS_EXTENSION",
    "PATIENT_ID_SYSTEM",
    "RXNORM_SYSTEM",
    "SEQUENCE_EXTENSION",
    "SNOMED_SYSTEM",
    "SWITCH_REASON_SYSTEM",
    "EntryProblem",
    "FhirRead",
    "cohort_from_fhir",
    "cohort_to_fhir",
    "read_fhir",
    "read_fhir_bundle",
    "therapies_in_text",
]
