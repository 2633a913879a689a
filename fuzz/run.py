"""Run one fuzz target for a bounded time; findings are collected, not fatal.

    .venv/bin/python fuzz/run.py TARGET [--seconds 300] [--plain] [--seed 0]

TARGET is one of json, wide, exposures, fhir, batch, cli (see fuzz/targets.py). With atheris
installed (``pip install "dmt-timeline[fuzz]"``) the run is coverage-guided; with ``--plain``,
or without atheris, a plain mutation loop over the same seeds. Each distinct finding (kind and
place) is printed once, and its first input saved under ``fuzz/findings/TARGET/``.
"""

# ruff: noqa: PLC0415 - the library and atheris are imported once the run is set up

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # fuzz.targets and tests.leaks, from the repository root


def seeds(target: str) -> list[bytes]:
    """Valid inputs for ``target``, with the sentinels planted where records keep such data."""
    from fuzz.targets import DAY, NAME, NOTE

    from dmt_timeline.datasets import load_natalizumab_psoriasis
    from dmt_timeline.io import cohort_to_fhir
    from dmt_timeline.serialize import unstructure

    cohort = load_natalizumab_psoriasis()
    doc = unstructure(cohort)
    for patient in doc["patients"]:
        patient["labels"] = {"name": NAME, "note": NOTE, "born": DAY}
    small = {"patients": doc["patients"][:2], "metadata": {"citation": NAME}}
    cohort_json = [json.dumps(small).encode(), json.dumps(doc, indent=1).encode()]
    exposures = (
        "person_id,drug,start_date,end_date,stop_reason,note\n"
        f"P1,natalizumab,2010-02-01,2011-03-01,LOE,{NOTE}\n"
        f"P1,fingolimod,2011-04-01,2012-01-01,,{NAME}\n"
        f'P2,IFNb,2009-01-01,2009-06-30,"LOE, Ps",{DAY}\n'
    ).encode()
    batch = (
        "person_id,drug,start,end,reason,note\n"
        f"P1,natalizumab,2010-02-01,2011-03-01,LOE,{NOTE}\n"
        f"P1,fingolimod,2011-04-01,2012-01-01,,{NAME}\n"
        f"P2,IFNb,2009-01-01,2009-06-30,tlrb,{DAY}\n"
    ).encode()
    wide_path = HERE.parent / "src" / "dmt_timeline" / "datasets" / "natalizumab_psoriasis_wide.csv"
    wide_lines = wide_path.read_text(encoding="utf-8").splitlines()
    # The study's group column is a label: no message quotes it.
    wide = "\n".join([wide_lines[0], *(line.rsplit(",", 1)[0] + f",{NOTE}" for line in wide_lines[1:])])
    bundle = cohort_to_fhir(cohort)
    for entry in bundle["entry"][:5]:
        entry["resource"]["note"] = [{"text": NOTE}]
    fhir = [b"\x00" + json.dumps(bundle).encode(), b"\x01" + bytes(range(256)) * 2]
    found = {
        "json": cohort_json,
        "wide": [wide.encode(), "\n".join(wide.splitlines()[:3]).encode()],
        "exposures": [exposures],
        "fhir": fhir,
        "batch": [batch],
        "cli": [bytes([0]) + cohort_json[0], bytes([1]) + cohort_json[0], bytes([4]) + batch],
    }
    return found[target]


TOKENS = [
    b"\\ud800",
    b"\xed\xa0\x80",
    b"\xff",
    b"[" * 600,
    b"9" * 5000,
    b'"',
    b",",
    b"\n",
    b"\r",
    b"\x00",
    b"{}",
    b"[]",
    b"null",
    b"NaN",
    b"1e999",
    b"-",
    b"*" * 500,
    b"x" * 20000,
    b";",
    b"NA",
    b"2007-13",
    b"9999-12-31",
    b"0001-01-01",
    b"\\n",
    b'"a": 1, "a": 2',
]


def mutate(data: bytes, pool: list[bytes], rng: random.Random) -> bytes:
    """A few random edits: flips, drops, inserts of bytes or tokens, splices of another seed."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        at = rng.randint(0, len(out))
        kind = rng.randrange(6)
        if kind == 0 and out:
            out[min(at, len(out) - 1)] ^= 1 << rng.randrange(8)
        elif kind == 1 and out:
            del out[at : at + rng.randint(1, 16)]
        elif kind == 2:
            out[at:at] = rng.choice(TOKENS)
        elif kind == 3:
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif kind == 4 and out:
            start = rng.randrange(len(out))
            out[at:at] = out[start : start + rng.randint(1, 64)]
        else:
            other = rng.choice(pool)
            cut = rng.randint(0, len(other))
            out = out[:at] + bytearray(other[cut:])
    return bytes(out[: 1 << 20])


class Collector:
    """Wraps a target: counts inputs, keeps each distinct finding once, and stops at the deadline."""

    def __init__(self, target: str, check: Callable[[bytes], None], seconds: float) -> None:
        self.target, self.check = target, check
        self.deadline = time.monotonic() + seconds
        self.began = time.monotonic()
        self.inputs = 0
        self.findings: Counter[str] = Counter()
        self.folder = HERE / "findings" / target

    def __call__(self, data: bytes) -> None:
        from fuzz.targets import Finding

        self.inputs += 1
        try:
            self.check(data)
        except Finding as finding:
            kind = str(finding)
            if kind not in self.findings:
                self.folder.mkdir(parents=True, exist_ok=True)
                name = hashlib.sha256(data).hexdigest()[:16]
                (self.folder / f"{name}.bin").write_bytes(data)
                print(f"FINDING {self.target}: {kind} (input {name}.bin)", flush=True)
            self.findings[kind] += 1
        if time.monotonic() > self.deadline:
            self.report()
            os._exit(0)  # libFuzzer's own exit would skip the report

    def report(self) -> None:
        elapsed = time.monotonic() - self.began
        summary = {
            "target": self.target,
            "inputs": self.inputs,
            "seconds": round(elapsed, 1),
            "findings": dict(self.findings),
        }
        print("SUMMARY " + json.dumps(summary), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("target", choices=["json", "wide", "exposures", "fhir", "batch", "cli"])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--plain", action="store_true", help="the plain mutation loop, without atheris")
    parser.add_argument("--seed", type=int, default=0)
    args, rest = parser.parse_known_args()
    try:
        if args.plain:
            raise ImportError
        import atheris
    except ImportError:
        atheris = None
    if atheris is not None:
        with atheris.instrument_imports(include=["dmt_timeline"]):
            import dmt_timeline.batch
            import dmt_timeline.cli
            import dmt_timeline.io
            import dmt_timeline.serialize  # noqa: F401
    from fuzz.targets import TARGETS

    collector = Collector(args.target, TARGETS[args.target], args.seconds)
    pool = seeds(args.target)
    for seed in pool:
        collector(seed)
    if atheris is not None:
        corpus = HERE / "corpus" / args.target
        corpus.mkdir(parents=True, exist_ok=True)
        for seed in pool:
            (corpus / hashlib.sha256(seed).hexdigest()[:16]).write_bytes(seed)
        atheris.Setup([sys.argv[0], *rest, "-rss_limit_mb=4096", str(corpus)], collector)
        atheris.Fuzz()
    rng = random.Random(args.seed)
    while True:
        collector(mutate(rng.choice(pool), pool, rng))


if __name__ == "__main__":
    main()
