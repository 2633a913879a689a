"""FHIR R4 in and out: EHR exports read into episodes and diagnoses; episodes written as a Bundle.

Reading (:func:`read_fhir` for a Bundle file, an NDJSON file or a folder of a bulk export;
:func:`read_fhir_bundle` for parsed JSON; :func:`cohort_from_fhir`, the strict short form):

- ``MedicationRequest``, ``MedicationDispense`` and ``MedicationAdministration`` are
  exposures, collapsed into episodes by :func:`~dmt_timeline.io.build_episodes`; a request
  runs from its dosage's ``boundsPeriod`` (else ``authoredOn``) for its
  ``expectedSupplyDuration`` times one plus its repeats, a dispensing from ``whenHandedOver``
  for its ``daysSupply``, an administration over its ``effective[x]``; exposures need whole days;
- ``MedicationStatement`` is one episode (``effectivePeriod`` or ``effectiveDateTime`` at its
  precision; ``stopped`` reads as ``completed``, and ``completed`` with neither an end nor a
  reason as a stop not recorded), or with ``statements="exposures"`` an exposure;
- ``Condition`` is a diagnosis (of the condition its code names in ``data/conditions.toml``,
  or else of its text); ``Patient`` gives a patient, with its ``gender`` (an
  AdministrativeGender code; ``unknown`` is not recorded) and ``birthDate`` (at its precision;
  a patient's Patient entries must agree, and a birth date after the patient's own dates is a
  problem of the Patient entry); ``Medication`` is followed from ``medicationReference``; other
  resources are counted in :attr:`FhirRead.ignored`;
- a date-time gives its day as written (``2015-01-23T23:30:00-05:00`` is 23 January);
- medications are resolved by ATC or RxNorm code, by a catalogue name or brand found as a word
  in a text or display (:func:`therapies_in_text`), or through a contained or exported
  Medication and its ingredients; unknown ones are problems, or counted with ``skip_unknown``;
- statuses that say nothing was taken are dropped and reported in :attr:`FhirRead.dropped`
  (``entered-in-error``, ``not-taken``, ``cancelled``, ``draft``, ``not-done``, ``declined``,
  ``preparation``; an ``intended`` statement; an order whose intent is a proposal, plan or
  option; a refuted diagnosis); ``on-hold`` is read (a paused course goes on);
- subjects are ``Patient/<id>`` (relative or absolute, with or without ``_history``) or
  ``urn:uuid:`` references matched with a Patient entry's ``fullUrl``; ids follow the one rule
  for ids (:func:`dmt_timeline.ids.patient_id`), so ``Patient/ P01`` is patient ``P01``.

Every problem is reported as ``patient '<id>': entry[<n>].resource.<field>: <problem>`` (for
NDJSON, ``'<file>' line <n>: <field>: <problem>``); ids and values are quoted (escaped and
bounded), resources never are. A value of the wrong JSON type and text with a lone surrogate
are problems of their entry; JSON and UTF-8 errors name a place, never the content, and keep no
exception chain. A bundle with a bad entry is refused whole unless ``skip_bad_rows=True``.
Every entry is accounted for: read, counted (``ignored``, ``unknown``), dropped or reported.

Writing (:func:`cohort_to_fhir`): one ``MedicationStatement`` per episode, as plain JSON data
(no FHIR library is needed at run time), in a ``collection`` Bundle, or in a ``transaction``
with one ``Patient`` per patient (its id as an identifier in :data:`PATIENT_ID_SYSTEM`) and
deterministic ``urn:uuid:`` fullUrls. A patient's sex and birth date are its Patient
resource's ``gender`` and ``birthDate`` (a collection has a Patient resource, just before the
patient's statements, for each patient with either). How an episode is written:

- ``subject.reference`` is ``Patient/<id>`` (in a transaction, the patient entry's fullUrl);
- ``medicationCodeableConcept`` holds the therapy's canonical name as ``text`` and, when the
  catalogue has them, its ATC and RxNorm codes as codings in :data:`ATC_SYSTEM` and
  :data:`RXNORM_SYSTEM`;
- ``effectivePeriod.start`` and ``.end`` keep the partial dates at their precision;
- ``status`` is ``active`` for an ongoing episode, ``completed`` for one with a stop date or
  with stop reasons, and ``unknown`` when the stop is not recorded;
- ``statusReason`` holds one concept per switch reason, coded in :data:`SWITCH_REASON_SYSTEM`
  with the :class:`~dmt_timeline.SwitchReason` values as codes;
- the episode's ``sequence`` and EDSS travel as extensions :data:`SEQUENCE_EXTENSION`
  (``valueInteger``) and :data:`EDSS_EXTENSION` (``valueDecimal``).

Diagnoses, observations, EDSS at baseline, follow-up, labels and cohort metadata are not
written. ``MedicationStatement`` is the same in FHIR R4 and R4B.
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
