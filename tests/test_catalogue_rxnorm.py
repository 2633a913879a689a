"""RxNorm ingredient codes (RxCUIs) in the therapy catalogue."""

from __future__ import annotations

import pytest

from dmt_timeline.catalogue import CATALOGUE
from dmt_timeline.errors import UnknownTherapyError

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
]


@pytest.mark.parametrize(("rxcui", "name"), RXNORM_CODES)
def test_rxcui_resolves_to_its_therapy(rxcui: str, name: str) -> None:
    therapy = CATALOGUE.get(rxcui)
    assert therapy.name == name
    assert therapy.rxnorm == rxcui
    assert rxcui in therapy.names
    assert rxcui in CATALOGUE


def test_unknown_rxcui_is_refused() -> None:
    with pytest.raises(UnknownTherapyError):
        CATALOGUE.get("99999999")


def test_therapies_without_a_verified_code_have_none() -> None:
    unset = ("interferon beta", "interferon beta-1a", "interferon beta-1b", "peginterferon beta-1a")
    for name in (
        *unset,
        "glatiramer acetate",
        "diroximel fumarate",
        "ponesimod",
        "ublituximab",
        "daclizumab",
    ):
        assert CATALOGUE.get(name).rxnorm is None
