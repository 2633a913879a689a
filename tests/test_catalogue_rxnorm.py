"""RxNorm ingredient codes (RxCUIs) in the therapy catalogue, and the readers that map by them."""

from __future__ import annotations

from typing import Any

import pytest

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.errors import UnknownTherapyError
from dmt_timeline.io.fhir import RXNORM_SYSTEM, cohort_from_fhir

RXNORM_CODES: list[tuple[str, str]] = [
    ("1310520", "teriflunomide"),
    ("1373478", "dimethyl fumarate"),
    ("1012892", "fingolimod"),
    ("2121085", "siponimod"),
    ("2288236", "ozanimod"),
    ("44157", "cladribine"),
    ("354770", "natalizumab"),
    ("117055", "alemtuzumab"),
    ("1876366", "ocrelizumab"),
    ("712566", "ofatumumab"),
    ("121191", "rituximab"),
    ("7005", "mitoxantrone"),
    # From the MS study code list (see the header of data/therapies.toml).
    ("1546168", "peginterferon beta-1a"),
    ("214582", "glatiramer acetate"),
    ("2261783", "diroximel fumarate"),
    ("1546433", "monomethyl fumarate"),
    ("2532300", "ponesimod"),
    ("190353", "daclizumab"),
]


@pytest.mark.parametrize(("rxcui", "name"), RXNORM_CODES)
def test_rxcui_resolves_to_its_therapy(rxcui: str, name: str) -> None:
    therapy = CATALOGUE.get(rxcui)
    assert therapy.name == name
    assert therapy.rxnorm == rxcui
    assert rxcui in therapy.names
    assert therapy is CATALOGUE.by_code("RxNorm", rxcui)


def _order(coding: dict[str, str]) -> dict[str, Any]:
    request = {
        "resourceType": "MedicationRequest",
        "status": "completed",
        "intent": "order",
        "medicationCodeableConcept": {"coding": [coding]},
        "subject": {"reference": "Patient/P01"},
        "authoredOn": "2020-01-01",
    }
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": request}]}


@pytest.mark.parametrize(("rxcui", "name"), RXNORM_CODES)
def test_the_fhir_reader_maps_an_rxnorm_coding_of_the_ingredient(rxcui: str, name: str) -> None:
    (episode,) = cohort_from_fhir(_order({"system": RXNORM_SYSTEM, "code": rxcui}))["P01"].episodes
    assert name == episode.therapy.name


def test_unknown_rxcui_is_refused() -> None:
    with pytest.raises(UnknownTherapyError):
        CATALOGUE.get("99999999")


UNSET = ["interferon beta", "interferon beta-1a", "interferon beta-1b", "ublituximab"]


@pytest.mark.parametrize("name", UNSET)
def test_therapies_without_a_verified_code_have_none(name: str) -> None:
    therapy = CATALOGUE.get(name)
    ingredient = [c for c in therapy.codes if c.system == "RxNorm" and c.note != "product"]
    assert (None, []) == (therapy.rxnorm, ingredient)


# Product RxCUIs, one per product record read (the header of data/therapies.toml says which).
PRODUCT_CODES: list[tuple[str, str]] = [
    ("727813", "interferon beta-1a"),  # Avonex
    ("758025", "interferon beta-1a"),  # Rebif
    ("1546172", "peginterferon beta-1a"),  # Plegridy
    ("1487361", "glatiramer acetate"),  # Glatopa and generics
    ("1111642", "glatiramer acetate"),  # Copaxone
    ("1310525", "teriflunomide"),
    ("1373491", "dimethyl fumarate"),  # Tecfidera and generics
    ("1012895", "fingolimod"),  # Gilenya and generics
    ("2532305", "ponesimod"),  # Ponvory
    ("1594660", "alemtuzumab"),  # Lemtrada
]


@pytest.mark.parametrize(("rxcui", "name"), PRODUCT_CODES)
def test_a_product_rxcui_is_looked_up_but_is_no_name(rxcui: str, name: str) -> None:
    assert name == CATALOGUE.by_code("RxNorm", rxcui).name  # type: ignore[union-attr]
    assert rxcui not in CATALOGUE  # a bare number in a table's drug column stays unknown


@pytest.mark.parametrize(("rxcui", "name"), PRODUCT_CODES)
def test_the_fhir_reader_maps_an_rxnorm_coding_of_a_product(rxcui: str, name: str) -> None:
    (episode,) = cohort_from_fhir(_order({"system": RXNORM_SYSTEM, "code": rxcui}))["P01"].episodes
    assert name == episode.therapy.name


def test_every_code_is_held_by_one_therapy_only() -> None:
    held: dict[tuple[str, str], list[str]] = {}
    for therapy in CATALOGUE:
        for code in therapy.codes:
            held.setdefault((code.system, code.code), []).append(therapy.name)
    assert {key: names for key, names in held.items() if len(names) > 1} == {}


def test_product_codes_are_ingredient_codes_of_no_therapy() -> None:
    products = {c.code for t in CATALOGUE for c in t.codes if c.system == "RxNorm" and c.note == "product"}
    ingredients = {t.rxnorm for t in CATALOGUE if t.rxnorm}
    assert products.isdisjoint(ingredients | {"72257", "75917"})


@pytest.mark.parametrize("rxcui", ["72257", "75917"])
def test_the_disputed_interferon_codes_name_no_therapy(rxcui: str) -> None:
    # One public list labels them the other way round from RxNav as recalled: neither is set.
    assert (None, False) == (CATALOGUE.by_code("RxNorm", rxcui), rxcui in CATALOGUE)
