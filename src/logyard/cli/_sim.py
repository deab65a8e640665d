"""``logyard sim``: the company's traffic into the distributed pipeline.

The six systems' events go to Kafka (the SDK's ``KafkaTransport``: a topic per system) or
to a running logyard over HTTP; with ``--rabbitmq``, the CRM API's incoming orders are
published to a RabbitMQ queue instead, for ``logyard process`` to turn into
``order.received`` — the note's "order arrives through the queue".
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Any

from logyard.catalog import Event, encode_event
from logyard.errors import ConfigError

__all__ = ["run_sim"]


def run_sim(
    *,
    kafka: str | None,
    url: str | None,
    token: str | None,
    rabbitmq: str | None,
    queue: str,
    rate: float,
    duration_secs: float | None,
    seed: int,
    kafka_config: dict[str, str] | None = None,
) -> int:
    """Run the simulator into the named systems until done or interrupted
    (``kafka_config``: librdkafka security settings, see ``kafka_security``)."""
    from logyard.sim import Simulator, queued_orders

    if (kafka is None) == (url is None):
        raise ConfigError("logyard sim: name exactly one of --kafka and --url for the events")
    transport: Any
    if kafka is not None:
        from logyard.sdk import KafkaTransport

        transport = KafkaTransport(kafka.split(","), config=kafka_config)
    else:
        from logyard.sdk import HttpTransport

        transport = HttpTransport(url or "", token)
    publisher: Any = None
    if rabbitmq is not None:
        from logyard.sim import OrderPublisher

        publisher = OrderPublisher(rabbitmq, queue)
        publisher.open()
    stop = threading.Event()
    counts = {"events": 0, "orders": 0}

    def sink(batch: list[Event]) -> None:
        if publisher is not None:
            for order in queued_orders(batch):
                publisher.publish(order)
                counts["orders"] += 1
            batch = [e for e in batch if e.ACTION != "order.received"]
        transport.send([encode_event(e) for e in batch])
        counts["events"] += len(batch)

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    where = f"Kafka {kafka}" if kafka else url
    sys.stderr.write(
        f"logyard sim: six systems at {rate:g} events/s into {where}"
        + (f"; incoming orders to RabbitMQ queue {queue}" if publisher else "")
        + "; stop with Ctrl-C\n"
    )
    try:
        Simulator(seed=seed).run(sink, rate=rate, duration_secs=duration_secs, stop=stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        transport.close()
        if publisher is not None:
            publisher.close()
    sys.stderr.write(
        f"logyard sim: sent {counts['events']:,} events, {counts['orders']:,} orders\n"
    )
    return 0
