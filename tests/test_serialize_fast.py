"""The fast reader of cohort files agrees with the converter: same documents accepted, same values.

Loading reads each patient first with a hand-inlined reader and only falls back to cattrs'
detailed converter for a record the fast reader refuses. That is safe only if the fast reader is
never looser than the converter; these properties search for a document where it is.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from dmt_timeline import serialize
from dmt_timeline.errors import CohortFormatError
from dmt_timeline.model import Cohort, Patient
from dmt_timeline.serialize import make_converter
from dmt_timeline.serialize._fast import _FAST
from dmt_timeline.serialize._hooks import _CONVERTER
from dmt_timeline.strategies import patients

# Values that are valid somewhere in a patient document, so mutations often land on near misses.
_NEAR_MISSES = st.sampled_from(
    [
        "2007",
        "2007-03",
        "2007-13",
        "ongoing",
        "not recorded",
        "LOE",
        "Ps",
        "natalizumab",
        "Nat",
        "MS activity ceased",
        "multiple sclerosis",
        "psoriasis",
        "better",
        "somewhat better",
        3.5,
        0.5,
        2,
        -1,
        True,
    ]
)
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-2, 2100)
    | st.floats(allow_nan=False)
    | st.text(max_size=6)
    | _NEAR_MISSES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=4,
)


def _places(doc: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in a document, the document itself excluded."""
    found: list[tuple[Any, Any]] = []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for key, value in items:
        found.append((doc, key))
        found.extend(_places(value))
    return found


@st.composite
def mutated_patient_documents(draw: st.DrawFn) -> Any:
    doc = serialize.unstructure(draw(patients(max_episodes=3)))
    for _ in range(draw(st.integers(1, 2))):
        places = _places(doc)
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "add" or not places:
            containers = [doc, *(c[k] for c, k in places if isinstance(c[k], dict))]
            target = draw(st.sampled_from(containers))
            target[draw(st.sampled_from([*target, "colour", "stop", "edss", "grade"]))] = draw(_JSON)
            continue
        container, key = draw(st.sampled_from(places))
        if action == "delete":
            del container[key]
        else:
            container[key] = draw(_JSON)
    return doc


def _read(converter: Any, doc: Any) -> tuple[bool, Patient | None]:
    try:
        return True, converter.structure(doc, Patient)
    except Exception:  # any refusal counts as a refusal
        return False, None


@given(mutated_patient_documents())
def test_the_fast_reader_accepts_exactly_what_the_converter_accepts(doc: Any) -> None:
    assert _read(_CONVERTER, doc) == _read(_FAST, doc)


@given(patients(max_episodes=4))
def test_the_fast_reader_reads_valid_patients_as_the_converter_does(patient: Patient) -> None:
    doc = serialize.unstructure(patient)
    assert _CONVERTER.structure(doc, Patient) == _FAST.structure(doc, Patient)


def _load(doc: Any, converter: Any = None) -> tuple[bool, Any]:
    try:
        return True, serialize.structure(doc, Cohort, converter=converter)
    except CohortFormatError as error:
        return False, error.problems


@given(st.lists(mutated_patient_documents(), min_size=1, max_size=3))
def test_a_load_that_shares_dates_and_reasons_reads_as_the_converter_does(docs: list[Any]) -> None:
    # Each record twice: the second reading of every date and reason list comes from what the
    # load has already shared. A fresh converter reads without the fast reader at all.
    doc = {"patients": docs + copy.deepcopy(docs)}
    assert _load(doc, make_converter()) == _load(doc)
