"""Caller cost per event: logyard's typed logger vs stdlib logging+json vs structlog+orjson.

Run: ``.venv/bin/python bench/bench_sdk.py [--events 200000] [--rounds 7]``

Each contender logs the same ``order.assigned`` fields ``--events`` times per round; the
table shows the median round. *caller* is the CPU time of the calling thread
(``time.thread_time_ns``), the cost the host pays inline; *wall* is the elapsed time
of the call loop (it includes the GIL time logyard's background thread takes while the
loop runs). For logyard, *+background* adds the time to drain the buffer after the loop
(``flush``), so ``wall + background`` is the full cost: finishing the envelope,
encoding, validating against the catalogue and handing batches to a transport that
discards them. stdlib and structlog do all their work inline and write to a null sink.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import structlog

from logyard.sdk import CallableTransport, EventLogger


class _NullText:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


class _NullBytes:
    def write(self, data: bytes) -> int:
        return len(data)

    def flush(self) -> None:
        pass


class _JsonFormatter(logging.Formatter):
    """The usual stdlib JSON setup: one dict per record, json.dumps."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "@timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "log.level": record.levelname,
            "event.action": record.getMessage(),
            "service.name": "mes",
            "service.version": "1.4.2",
            "log.logger": record.name,
        }
        doc.update(record.__dict__["fields"])
        return json.dumps(doc)


def _round(loop: Callable[[int], None], n: int) -> tuple[float, float]:
    cpu0, wall0 = time.thread_time_ns(), time.perf_counter_ns()
    loop(n)
    return (time.thread_time_ns() - cpu0) / n, (time.perf_counter_ns() - wall0) / n


def bench_logyard(n: int, rounds: int) -> dict[str, float]:
    log = EventLogger(
        "mes",
        version="1.4.2",
        transport=CallableTransport(lambda batch: None),
        buffer_max_events=n + 1,
    )
    method = log.order_assigned

    def loop(k: int) -> None:
        for _ in range(k):
            method(order_id="ORD-1042", operator="petrov", actor="ivanova")

    loop(1000)
    log.flush(30)
    cpu, wall, drain = [], [], []
    for _ in range(rounds):
        c, w = _round(loop, n)
        t0 = time.perf_counter_ns()
        if not log.flush(120):
            sys.exit("logyard: flush timed out")
        cpu.append(c)
        wall.append(w)
        drain.append((time.perf_counter_ns() - t0) / n)
    stats = log.stats()
    log.close()
    if stats.dropped or stats.invalid or stats.sent != stats.emitted:
        sys.exit(f"logyard: lost events in the benchmark: {stats}")
    return {
        "caller": statistics.median(cpu),
        "wall": statistics.median(wall),
        "background": statistics.median(drain),
    }


def bench_stdlib(n: int, rounds: int) -> dict[str, float]:
    logger = logging.getLogger("bench.stdlib")
    logger.propagate = False
    handler = logging.StreamHandler(_NullText())
    handler.setFormatter(_JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    def loop(k: int) -> None:
        for _ in range(k):
            logger.info(
                "order.assigned",
                extra={
                    "fields": {
                        "order.id": "ORD-1042",
                        "order.operator": "petrov",
                        "user.name": "ivanova",
                    }
                },
            )

    return _median(loop, n, rounds)


def bench_structlog(n: int, rounds: int) -> dict[str, float]:
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(serializer=orjson.dumps),
        ],
        logger_factory=structlog.BytesLoggerFactory(_NullBytes()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    logger = structlog.get_logger().bind(service="mes", version="1.4.2")

    def loop(k: int) -> None:
        for _ in range(k):
            logger.info("order.assigned", order_id="ORD-1042", operator="petrov", actor="ivanova")

    return _median(loop, n, rounds)


def _median(loop: Callable[[int], None], n: int, rounds: int) -> dict[str, float]:
    loop(1000)
    results = [_round(loop, n) for _ in range(rounds)]
    return {
        "caller": statistics.median(c for c, _ in results),
        "wall": statistics.median(w for _, w in results),
        "background": 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    n, rounds = args.events, args.rounds
    results = {
        "logyard EventLogger": bench_logyard(n, rounds),
        "stdlib logging + json": bench_stdlib(n, rounds),
        "structlog + orjson": bench_structlog(n, rounds),
    }
    base = results["logyard EventLogger"]
    print(f"python {sys.version.split()[0]}, {n} events x {rounds} rounds, median round")
    header = (
        f"{'contender':<24}{'caller ns/ev':>14}{'wall ns/ev':>12}"
        f"{'+background':>13}{'caller x':>10}{'total x':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        total = r["wall"] + r["background"]
        base_total = base["wall"] + base["background"]
        print(
            f"{name:<24}{r['caller']:>14.0f}{r['wall']:>12.0f}{r['background']:>13.0f}"
            f"{r['caller'] / base['caller']:>9.1f}x{total / base_total:>8.1f}x"
        )
    print(
        "caller x / total x: how many times more that contender costs than logyard, "
        "inline / all work included"
    )


if __name__ == "__main__":
    main()
