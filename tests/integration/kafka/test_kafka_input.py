"""The kafka input against a real broker (Tansu): topics, commits after ack, rebalances."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

import pytest
from confluent_kafka import Producer

from logyard.pipeline.inputs import InputBatch, InputError
from logyard.pipeline.inputs.kafka import KafkaInput, KafkaInputConfig

from ._tansu import TEST_CONSUMER_OPTIONS, TansuBroker, create_topics, free_port
from .conftest import KafkaNames


def make_input(broker: TansuBroker, topics: list[str], group: str, name: str = "k") -> KafkaInput:
    """An opened input in ``group`` with the fast-joining test options."""
    config = KafkaInputConfig(
        type="kafka",
        brokers=[broker.bootstrap],
        topics=topics,
        group=group,
        options=TEST_CONSUMER_OPTIONS,
    )
    source = KafkaInput(name, config)
    source.open()
    return source


def produce(
    broker: TansuBroker,
    topic: str,
    values: Iterable[bytes],
    headers: list[tuple[str, bytes]] | None = None,
) -> None:
    """Produce ``values`` to ``topic`` (keys 0, 1, 2...) and wait until all are delivered."""
    producer = Producer({"bootstrap.servers": broker.bootstrap})
    for i, value in enumerate(values):
        producer.produce(topic, value=value, key=str(i).encode(), headers=headers)
    assert producer.flush(10) == 0


def drain(sources: list[KafkaInput], want: int, timeout_secs: float = 15.0) -> dict[str, list[str]]:
    """Poll every source in turn (none acks) until ``want`` messages came in; coordinates."""
    got: dict[str, list[str]] = {s.name: [] for s in sources}
    deadline = time.monotonic() + timeout_secs
    while sum(map(len, got.values())) < want and time.monotonic() < deadline:
        for source in sources:
            got[source.name] += [m.coordinates for m in source.poll(500, 0.1).messages]
    return got


def poll_all(source: KafkaInput, want: int, timeout_secs: float = 15.0) -> Iterator[InputBatch]:
    """Batches from ``source`` until ``want`` messages came in (no ack)."""
    deadline = time.monotonic() + timeout_secs
    n = 0
    while n < want and time.monotonic() < deadline:
        batch = source.poll(500, 0.2)
        n += len(batch.messages)
        yield batch


def test_reads_several_topics_with_coordinates_payload_and_headers(
    kafka_broker: TansuBroker, kafka_names: KafkaNames
) -> None:
    """One input reads every listed topic; each message says topic/partition/offset, keeps
    its bytes as they are (a non-JSON value too) and its headers decoded."""
    a, b = kafka_names.topic("a"), kafka_names.topic("b")
    create_topics(kafka_broker.bootstrap, [a, b])
    produce(kafka_broker, a, [b'{"n":1}', b"not json"], headers=[("traceparent", b"00-x")])
    produce(kafka_broker, b, [b'{"n":2}'])
    source = make_input(kafka_broker, [a, b], kafka_names.group())
    try:
        messages = [m for batch in poll_all(source, 3) for m in batch.messages]
    finally:
        source.close()
    assert sorted((m.coordinates, m.payload, m.headers) for m in messages) == [
        (f"kafka:{a}/0/0", b'{"n":1}', {"traceparent": "00-x"}),
        (f"kafka:{a}/0/1", b"not json", {"traceparent": "00-x"}),
        (f"kafka:{b}/0/0", b'{"n":2}', {}),
    ]


def test_a_regex_subscribes_to_every_matching_topic(
    kafka_broker: TansuBroker, kafka_names: KafkaNames
) -> None:
    """topics = ["^<prefix>\\.logs\\..*"] reads logs.mes and logs.crm but not other topics."""
    mes, crm, other = (kafka_names.topic(t) for t in ("logs.mes", "logs.crm", "audit"))
    create_topics(kafka_broker.bootstrap, [mes, crm, other])
    for topic in (mes, crm, other):
        produce(kafka_broker, topic, [b"{}"])
    pattern = "^" + kafka_names.prefix + r"\.logs\..*"
    source = make_input(kafka_broker, [pattern], kafka_names.group())
    try:
        got = drain([source], want=2)[source.name]
        time.sleep(0.3)
        got += [m.coordinates for m in source.poll(500, 0.2).messages]
    finally:
        source.close()
    assert sorted(got) == [f"kafka:{crm}/0/0", f"kafka:{mes}/0/0"]


def test_offsets_are_committed_only_by_ack(
    kafka_broker: TansuBroker, kafka_names: KafkaNames
) -> None:
    """Closed without ack, the group reads the messages again; after ack, it does not."""
    topic, group = kafka_names.topic("t"), kafka_names.group()
    create_topics(kafka_broker.bootstrap, [topic])
    produce(kafka_broker, topic, [b"1", b"2", b"3"])

    first = make_input(kafka_broker, [topic], group)
    unacked = drain([first], want=3)[first.name]
    first.close()

    second = make_input(kafka_broker, [topic], group)
    batches = list(poll_all(second, 3))
    again = [m.coordinates for b in batches for m in b.messages]
    for batch in batches:
        second.ack(batch)
    second.close()

    third = make_input(kafka_broker, [topic], group)
    after_ack = drain([third], want=1, timeout_secs=2.5)[third.name]
    third.close()
    expected = [f"kafka:{topic}/0/{n}" for n in range(3)]
    assert (unacked, again, after_ack) == (expected, expected, [])


def test_two_inputs_split_partitions_and_unacked_work_moves_to_the_survivor(
    kafka_broker: TansuBroker, kafka_names: KafkaNames
) -> None:
    """Two inputs in one group share a 4-partition topic without overlap; when one closes
    without acking, the other receives all of its unacked messages (no loss)."""
    topic, group = kafka_names.topic("t"), kafka_names.group()
    create_topics(kafka_broker.bootstrap, [topic], partitions=4)
    a = make_input(kafka_broker, [topic], group, name="a")
    b = make_input(kafka_broker, [topic], group, name="b")
    try:
        deadline = time.monotonic() + 15
        while not (a.assigned_partitions and b.assigned_partitions):
            assert time.monotonic() < deadline, "the group never split"
            a.poll(500, 0.1)
            b.poll(500, 0.1)
        produce(kafka_broker, topic, [f"{n}".encode() for n in range(40)])
        got: dict[str, list[str]] = {"a": [], "b": []}
        deadline = time.monotonic() + 15
        while len(got["a"]) + len(got["b"]) < 40 and time.monotonic() < deadline:
            got["a"] += [m.coordinates for m in a.poll(500, 0.1).messages]
            batch = b.poll(500, 0.1)
            got["b"] += [m.coordinates for m in batch.messages]
            b.ack(batch)
        split = (
            sorted(p for _, p in a.assigned_partitions),
            sorted(p for _, p in b.assigned_partitions),
        )
        a.close()  # without ack
        moved = drain([b], want=len(got["a"]))["b"]
    finally:
        a.close()
        b.close()
    assert sorted(split[0] + split[1]) == [0, 1, 2, 3]
    assert set(split[0]).isdisjoint(split[1])
    assert len(got["a"]) + len(got["b"]) == 40
    assert len(got["a"]) > 0
    assert sorted(moved) == sorted(got["a"])


def test_ack_never_commits_a_partition_revoked_since_the_poll(
    kafka_broker: TansuBroker, kafka_names: KafkaNames
) -> None:
    """A batch read while holding all 4 partitions, acked after a second member took two of
    them, commits only the partitions still held: the new owner reads its two again."""
    topic, group = kafka_names.topic("t"), kafka_names.group()
    create_topics(kafka_broker.bootstrap, [topic], partitions=4)
    produce(kafka_broker, topic, [f"{n}".encode() for n in range(40)])
    a = make_input(kafka_broker, [topic], group, name="a")
    b = None
    try:
        batches = list(poll_all(a, 40))
        assert len(a.assigned_partitions) == 4
        b = make_input(kafka_broker, [topic], group, name="b")
        deadline = time.monotonic() + 15
        while not (a.assigned_partitions and b.assigned_partitions):
            assert time.monotonic() < deadline, "the group never split"
            a.poll(500, 0.1)
            b.poll(500, 0.1)
        for batch in batches:
            a.ack(batch)
        taken = {p for _, p in b.assigned_partitions}
        assert {p for _, p in a.assigned_partitions} == set(range(4)) - taken
        reread = drain([b], want=1)["b"]
    finally:
        a.close()
        if b is not None:
            b.close()
    # Nobody acked b's reads: the next member reads exactly the revoked partitions again,
    # which also shows that a's ack did commit the partitions it kept.
    c = make_input(kafka_broker, [topic], group, name="c")
    try:
        after_both = drain([c], want=len(reread))["c"]
    finally:
        c.close()
    read_by_a = [m.coordinates for batch in batches for m in batch.messages]
    expected = sorted(x for x in read_by_a if int(x.split("/")[-2]) in taken)
    assert (len(taken), sorted(reread), sorted(after_both)) == (2, expected, expected)


def test_an_unreachable_broker_fails_open_with_its_address(kafka_names: KafkaNames) -> None:
    """open() gives up after connect_timeout_secs with an InputError naming the address."""
    address = f"127.0.0.1:{free_port()}"
    config = KafkaInputConfig(
        type="kafka", brokers=[address], topics=["x"], connect_timeout_secs=1.0
    )
    with pytest.raises(InputError, match=f"inputs.k: cannot reach Kafka at {address}"):
        KafkaInput("k", config).open()
