"""Benchmark (b): processor events/s on one core vs the msgspec decode+encode floor.

Run: .venv/bin/python bench/bench_processor.py [--events N]

Every figure is measured in the same run on the same simulated events (the JSON the queue
holds), so the ratios hold even on a noisy machine:

* floor      — msgspec: decode bytes into the catalogue's tagged union, encode back
* codec      — logyard's validate + normalize (fast path) + encode
* processor  — the real Processor loop over the write-ahead queue, handing batches to a store
               that discards them (isolates the processor from the store), for records that
               ingest already validated (V: pass-through) and for unvalidated ones (E)
* → duckdb   — the same with the real DuckDB store (file), i.e. queue → searchable
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import msgspec

sys.path.insert(0, str(Path(__file__).parent))
from _machine import describe
from _timing import best_rate
from logyard.catalog import AnyEvent, EventCodec, encode_event
from logyard.pipeline import PipelineMetrics, Processor, WriteAheadQueue
from logyard.pipeline._records import EVENT, encode_valid
from logyard.sim import Simulator
from logyard.store import WriteBatch, WriteResult


class DiscardStore:
    """Accepts batches and keeps only the checkpoint: isolates the processor's own cost."""

    def __init__(self) -> None:
        self.checkpoints: dict[str, int] = {}
        self.events = 0

    def write(self, batch: WriteBatch) -> WriteResult:
        n = len(batch.events) + sum(len(e.docs) for e in batch.encoded)
        self.events += n
        if batch.checkpoint:
            self.checkpoints[batch.checkpoint[0]] = batch.checkpoint[1]
        return WriteResult(stored=n, duplicates=0, dead_letters=0)

    def heartbeat(self) -> None:
        pass

    def read_checkpoint(self, name: str) -> int | None:
        return self.checkpoints.get(name)

    def __getattr__(self, name: str) -> Any:  # the processor needs nothing else
        raise AttributeError(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    n = args.events
    print(f"machine: {describe()}")
    t0 = time.perf_counter()
    events = list(Simulator(seed=1, rate=2000.0).events(n / 2000.0))[:n]
    n = len(events)
    raws = [encode_event(e) for e in events]
    print(f"events: {n:,} simulated ({time.perf_counter() - t0:.1f}s to generate)")

    dec = msgspec.json.Decoder(AnyEvent)
    enc = msgspec.json.Encoder()

    def floor() -> None:
        for raw in raws:
            enc.encode(dec.decode(raw))

    codec = EventCodec(assign_ids=False)

    def validate() -> None:
        for raw in raws:
            encode_event(codec.decode(raw))

    results: dict[str, float] = {}
    results["floor: msgspec decode+encode"] = best_rate(floor, n)
    results["codec: validate+normalize+encode"] = best_rate(validate, n)

    from logyard.store.duckdb import DuckDBStore

    def run_processor(queue: WriteAheadQueue, store: Any) -> float:
        proc = Processor(queue, store, PipelineMetrics(), batch_max=20_000)
        proc.position = queue.start
        t = time.perf_counter()
        while proc.run_once():
            pass
        return n / (time.perf_counter() - t)

    kinds = {
        "validated at ingest (V)": [encode_valid(codec.decode(r)) for r in raws],
        "unvalidated (E)": [EVENT + r for r in raws],
    }
    for label, records in kinds.items():
        with tempfile.TemporaryDirectory() as tmp:
            queue = WriteAheadQueue(Path(tmp) / "q")
            for i in range(0, n, 10_000):
                queue.append(records[i : i + 10_000])
            results[f"processor {label} → discard"] = max(
                run_processor(queue, DiscardStore()) for _ in range(3)
            )
            store = DuckDBStore(Path(tmp) / "logs.duckdb")
            results[f"processor {label} → duckdb"] = run_processor(queue, store)
            store.close()
            queue.close()

    base = results["floor: msgspec decode+encode"]
    print(f"\n{'stage':<46} {'events/s':>12} {'vs floor':>9}")
    for name, rate in results.items():
        print(f"{name:<46} {rate:>12,.0f} {rate / base:>8.2f}x")
    print("\ntarget: processor pass-through >= 400,000 events/s on one core")


if __name__ == "__main__":
    main()
