"""Benchmark (issue 4): the standalone processor with masking and HMAC signatures, one core.

Run: .venv/bin/python bench/bench_secure_processor.py [--events N]

The real :class:`InputRunner` (what ``logyard process`` runs per input) over batches of
simulated events, each signed by its service (HMAC-SHA256, ``labels.sig``), as a Kafka input
hands them out. Every figure comes from the same run on the same messages:

* floor        — msgspec: decode into the catalogue's tagged union, encode back
* runner       — validate + normalize + encode, no security
* runner+HMAC  — the same, verifying every event's producer signature
* runner+mask  — validate + mask (cards with ``pan_hmac``, personal data, secrets) + encode
* secure       — validate + verify HMAC + mask + encode: the full processor path

"encode" is the store document (``encode_event``), the least any store write does; the store
itself is left out (its own figures are in bench_processor.py and bench_search.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).parent))
from _machine import describe
from _timing import best_rate
from logyard.catalog import AnyEvent, encode_event
from logyard.pipeline import PipelineMetrics
from logyard.pipeline._runner import InputRunner
from logyard.pipeline.inputs import InputBatch, Message
from logyard.pipeline.steps import StepChain
from logyard.pipeline.steps.mask import build_mask
from logyard.security.chain import ServiceKey, SignaturePolicy, attach_signature
from logyard.security.mask import MaskConfig
from logyard.sim import Simulator

BATCH = 5000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    print(f"machine: {describe()}")
    events = list(Simulator(seed=7, rate=2000.0).events(args.events / 2000.0))[: args.events]
    n = len(events)
    keys = {s: [ServiceKey(f"{s}-1", f"secret-of-{s}-32-bytes-long!!".encode())] for s in
            {e.service for e in events}}  # fmt: skip
    payloads = [attach_signature(encode_event(e), keys[e.service][0]) for e in events]
    batches = [
        InputBatch([Message(f"bench:{i + j}", payload=p) for j, p in
                    enumerate(payloads[i : i + BATCH])])
        for i in range(0, n, BATCH)
    ]  # fmt: skip
    print(f"events: {n:,} simulated, each signed by its service (HMAC-SHA256)")

    dec = msgspec.json.Decoder(AnyEvent)
    enc = msgspec.json.Encoder()

    def floor() -> None:
        for raw in payloads:
            enc.encode(dec.decode(raw))

    def runner(*, mask: bool, hmac: bool) -> InputRunner:
        metrics = PipelineMetrics()
        steps = StepChain([], metrics.dropped)
        if mask:
            step, _ = build_mask(MaskConfig(pan_hmac_key=b"correlation-key-of-32-bytes-long"))
            steps = StepChain([("mask", step)], metrics.dropped)
        policy = SignaturePolicy(keys) if hmac else None
        return InputRunner("bench", None, None, metrics, steps=steps, signatures=policy)  # type: ignore[arg-type]

    def through(r: InputRunner) -> None:
        for batch in batches:
            stored, letters = r.process(batch)
            assert not letters, letters[0].reason
            for event in stored:
                encode_event(event)

    results = {"floor: msgspec decode+encode": best_rate(floor, n)}
    for label, mask, hmac in [
        ("runner: validate+encode", False, False),
        ("runner+HMAC: + verify signature", False, True),
        ("runner+mask: + mask", True, False),
        ("secure: validate+HMAC+mask+encode", True, True),
    ]:
        r = runner(mask=mask, hmac=hmac)
        results[label] = best_rate(lambda r=r: through(r), n)  # type: ignore[misc]

    base = results["floor: msgspec decode+encode"]
    print(f"\n{'stage (one core)':<40} {'events/s':>12} {'vs floor':>9}")
    for name, rate in results.items():
        print(f"{name:<40} {rate:>12,.0f} {rate / base:>8.2f}x")
    secure = results["secure: validate+HMAC+mask+encode"]
    verdict = "met" if secure >= 100_000 else "missed"
    print(f"\ntarget: full processor with masking + HMAC >= 100,000 events/s: {verdict}")


if __name__ == "__main__":
    main()
