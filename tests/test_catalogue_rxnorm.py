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
    assert (None, ()) == (therapy.rxnorm, tuple(c for c in therapy.codes if c.system == "RxNorm"))


@pytest.mark.parametrize("rxcui", ["72257", "75917"])
def test_the_disputed_interferon_codes_name_no_therapy(rxcui: str) -> None:
    # One public list labels them the other way round from RxNav as recalled: neither is set.
    assert (None, False) == (CATALOGUE.by_code("RxNorm", rxcui), rxcui in CATALOGUE)
