"""The SDK's Kafka transport against a real broker (Tansu): topics, keys, headers, outages."""

from __future__ import annotations

import time
from pathlib import Path

import msgspec

from logyard.sdk import EventLogger, KafkaTransport, trace_context

from ._tansu import TansuBroker, read_all
from .conftest import KafkaNames, start_broker


def test_events_go_to_their_systems_topic_with_order_or_actor_key_and_traceparent(
    kafka_broker: TansuBroker, kafka_names: KafkaNames
) -> None:
    """Each event lands on logs.<system>, keyed by order id, else actor, else unkeyed, and
    carries the W3C traceparent of its trace.id/span.id."""
    template = kafka_names.topic("logs.{service}")
    mes = EventLogger(
        "mes",
        transport=KafkaTransport(kafka_broker.bootstrap, topic_template=template),
        strict=True,
    )
    crm = EventLogger(
        "crm",
        transport=KafkaTransport([kafka_broker.bootstrap], topic_template=template),
        strict=True,
    )
    with trace_context() as trace:
        mes.order_assigned(order_id="ORD-1", operator="petrov", actor="ivanova")
    crm.user_logged_in(actor="sidorov")
    crm.service_started()
    assert (mes.flush(10), crm.flush(10)) == (True, True)
    mes.close()
    crm.close()

    topics = [template.format(service="mes"), template.format(service="crm")]
    got = read_all(kafka_broker.bootstrap, topics, expected=3)
    seen = sorted(
        (
            m.topic(),
            msgspec.json.decode(m.value())["event.action"],
            m.key(),
            dict(m.headers() or []).get("traceparent"),
        )
        for m in got
    )
    assert seen == [
        (topics[1], "service.started", None, None),
        (topics[1], "user.logged_in", b"sidorov", None),
        (
            topics[0],
            "order.assigned",
            b"ORD-1",
            f"00-{trace.trace_id}-{trace.span_id}-01".encode(),
        ),
    ]


def test_events_emitted_while_the_broker_is_down_are_spooled_and_replayed(
    tmp_path: Path, kafka_names: KafkaNames
) -> None:
    """With the broker stopped the SDK spools every event; after a broker restarts on the
    same port the spool is replayed and every event arrives (none lost)."""
    broker = start_broker(tmp_path / "tansu.log")
    topic = kafka_names.topic("logs.mes")
    try:
        log = EventLogger(
            "mes",
            transport=KafkaTransport(
                broker.bootstrap, topic_template=topic, flush_timeout_secs=1.0
            ),
            spool_dir=tmp_path / "spool",
            retry_initial_ms=50,
            retry_max_ms=300,
        )
        for n in range(5):
            log.order_assigned(order_id=f"ORD-{n}", operator="petrov", actor="ivanova")
        assert log.flush(10)
        assert len(read_all(broker.bootstrap, [topic], expected=5)) == 5

        broker.stop()
        for n in range(5, 25):
            log.order_assigned(order_id=f"ORD-{n}", operator="petrov", actor="ivanova")
        assert not log.flush(5)
        assert log.stats().spool_pending == 20

        broker.start()  # memory storage: the new broker holds only what is replayed
        deadline = time.monotonic() + 30
        while not log.flush(2) and time.monotonic() < deadline:
            time.sleep(0.1)
        stats = log.stats()
        log.close()
        got = read_all(broker.bootstrap, [topic], expected=20)
    finally:
        broker.stop()
    orders = {msgspec.json.decode(m.value())["order.id"] for m in got}
    print(f"spooled={stats.spooled} replayed={stats.replayed} received={len(got)}")
    assert (stats.spool_pending, orders) == (0, {f"ORD-{n}" for n in range(5, 25)})
