"""Which therapy a FHIR medication names: by code, by text, or through a Medication resource.

A ``CodeableConcept`` is resolved in two steps:

1. its codings: an ATC code (:data:`ATC_SYSTEM`) or an RxNorm code (:data:`RXNORM_SYSTEM`) that
   the catalogue knows among a therapy's names; a SNOMED CT code (:data:`SNOMED_SYSTEM`) only
   when a therapy carries it among its SNOMED CT codes (substances, and the UK brands the
   catalogue lists), since SNOMED CT and RxNorm codes are both digits and must not be confused;
2. its text and the codings' displays, by :meth:`Catalogue.named_in`: a catalogue name, or an
   alias of at least four characters with a lower-case letter (brand names such as
   ``Tysabri``; not abbreviations such as ``NTZ`` or ``GA``), found as a whole word. So
   ``Tysabri 300 MG in 15 ML Injection`` is natalizumab, and so is the RxNorm product
   display ``natalizumab 20 MG/ML Injectable Solution``, whose product code the catalogue
   (which holds ingredient codes) does not know.

Codes and words must agree: a concept whose codes or words name two therapies is a problem.
A Medication resource is resolved by its ``code``, else by its ingredients (R4
``ingredient[].itemCodeableConcept``; R5 ``ingredient[].item.concept``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from dmt_timeline.catalogue import Catalogue, Therapy
from dmt_timeline.errors import quoted
from dmt_timeline.io.fhir._codes import ATC_SYSTEM, RXNORM_SYSTEM, SNOMED_SYSTEM
from dmt_timeline.io.fhir._problems import Entry

__all__ = ["Medications", "Resolved", "resolve_concept", "resolve_medication", "therapies_in_text"]


def therapies_in_text(text: str, catalogue: Catalogue) -> list[Therapy]:
    """The therapies named as whole words in ``text``: :meth:`Catalogue.named_in`."""
    return catalogue.named_in(text)


@attrs.frozen
class Resolved:
    """A concept resolved: the therapy, or None with a label for the count of unknown medications."""

    therapy: Therapy | None
    label: str = ""


def _by_code(system: str | None, code: str, catalogue: Catalogue) -> Therapy | None:
    if system == ATC_SYSTEM:
        return catalogue.get(code) if code in catalogue and not code.isdigit() else None
    if system == RXNORM_SYSTEM:
        # A therapy built in code may carry its RxCUI as a name without a Code record.
        held = catalogue.by_code("RxNorm", code)
        return held or (catalogue.get(code) if code.isdigit() and code in catalogue else None)
    if system == SNOMED_SYSTEM:
        # Only the catalogue's SNOMED CT codes: an RxNorm code of the same digits is no match.
        return catalogue.by_code("SNOMED CT", code)
    return None


def resolve_concept(
    concept: Mapping[str, Any], entry: Entry, field: str, catalogue: Catalogue
) -> Resolved | None:
    """The therapy a CodeableConcept names; None (with a problem in ``entry``) when it names two."""
    coded: list[tuple[str, Therapy]] = []
    worded: list[tuple[str, Therapy]] = []
    label = ""
    for path, coding in entry.objects(concept.get("coding"), f"{field}.coding"):
        system = entry.text(coding.get("system"), f"{path}.system")
        code = entry.text(coding.get("code"), f"{path}.code")
        display = entry.text(coding.get("display"), f"{path}.display")
        if code is not None:
            therapy = _by_code(system, code, catalogue)
            if therapy is not None:
                coded.append((f"code {quoted(code)}", therapy))
            label = label or f"{system or '(no system)'}|{code}"
        if display is not None:
            worded.extend((f"display {quoted(display)}", t) for t in therapies_in_text(display, catalogue))
            label = display if not label or "|" in label else label
    text = entry.text(concept.get("text"), f"{field}.text")
    if text is not None:
        worded.extend((f"text {quoted(text)}", t) for t in therapies_in_text(text, catalogue))
        label = text
    named = coded or worded
    if coded and worded:
        by_code = {c.name for _, c in coded}
        named = coded + [(what, t) for what, t in worded if t.name not in by_code]
    therapies = list({therapy.name: therapy for _, therapy in named}.values())
    if len(therapies) > 1:
        listed = ", ".join(f"{what} is {therapy.name}" for what, therapy in named)
        entry.fail(field, f"names different therapies ({listed})")
        return None
    return Resolved(therapies[0] if therapies else None, label or "(no code or text)")


class Medications:
    """Medication resources by every reference that may name them (``Medication/<id>``, fullUrl)."""

    def __init__(self) -> None:
        self._by_key: dict[str, Mapping[str, Any]] = {}

    def add(self, resource: Mapping[str, Any], full_url: str | None) -> None:
        rid = resource.get("id")
        if isinstance(rid, str):
            self._by_key[f"Medication/{rid}"] = resource
        if full_url:
            self._by_key[full_url] = resource

    def get(self, reference: str) -> Mapping[str, Any] | None:
        found = self._by_key.get(reference)
        if found is not None:
            return found
        key = _relative(reference, "Medication")
        return self._by_key.get(key) if key is not None else None


def _relative(reference: str, kind: str) -> str | None:
    """``<kind>/<id>`` of a relative or absolute reference, without a ``_history`` version."""
    parts = reference.split("/")
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2 and parts[-2] == kind and parts[-1]:
        return f"{kind}/{parts[-1]}"
    return None


def resolve_medication(
    medication: Mapping[str, Any], entry: Entry, field: str, catalogue: Catalogue
) -> Resolved | None:
    """The therapy of a Medication resource: its code, else its ingredients (each MS one)."""
    code = entry.object(medication.get("code"), f"{field}.code", required=False)
    resolved = resolve_concept(code, entry, f"{field}.code", catalogue) if code is not None else None
    if code is not None and resolved is None:
        return None
    if resolved is not None and resolved.therapy is not None:
        return resolved
    found: list[Therapy] = []
    for path, ingredient in entry.objects(medication.get("ingredient"), f"{field}.ingredient"):
        item = ingredient.get("itemCodeableConcept")
        item_path = f"{path}.itemCodeableConcept"
        if item is None and isinstance(ingredient.get("item"), Mapping):  # R5: a CodeableReference
            item, item_path = ingredient["item"].get("concept"), f"{path}.item.concept"
        concept = entry.object(item, item_path, required=False)
        if concept is None:
            continue  # an ingredient given by reference only is not followed
        part = resolve_concept(concept, entry, item_path, catalogue)
        if part is not None and part.therapy is not None and part.therapy not in found:
            found.append(part.therapy)
    if len(found) > 1:
        entry.fail(f"{field}.ingredient", f"holds several therapies ({', '.join(t.name for t in found)})")
        return None
    label = resolved.label if resolved is not None else "(Medication without a code)"
    return Resolved(found[0] if found else None, label)
