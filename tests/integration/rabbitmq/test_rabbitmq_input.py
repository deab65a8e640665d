"""The RabbitMQ input against the machine's broker: batches, acks, redelivery, orders."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from logyard.catalog import EventCodec, OrderReceived, encode_event
from logyard.errors import ConfigError
from logyard.pipeline.inputs import InputBatch, InputError
from logyard.pipeline.inputs.rabbitmq import RabbitMQInput, RabbitMQInputConfig
from logyard.sim import QueuedOrder, Simulator, publish_orders, queued_orders

URL_ENV = "LOGYARD_TEST_AMQP_URL"  # the variable the conftest's inputs read the URL from
START = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
Publish = Callable[..., None]
MakeInput = Callable[..., RabbitMQInput]


def sim_events(count: int) -> list[bytes]:
    """``count`` simulator events as JSON documents."""
    events = Simulator(seed=5, start=START).events(600)
    return [encode_event(e) for e in itertools.islice(events, count)]


def sim_orders(count: int) -> list[QueuedOrder]:
    """The first ``count`` orders the simulator sends through the queue."""
    return list(itertools.islice(queued_orders(Simulator(seed=3, start=START).events(3600)), count))


def drain(source: RabbitMQInput, want: int, timeout_secs: float = 5.0) -> InputBatch:
    """Poll until ``want`` messages arrived (one batch, unacked) or the time is up."""
    batch = source.poll(want, timeout_secs)
    assert len(batch.messages) == want
    return batch


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_events_mode_hands_out_json_events_in_bounded_batches(
    publish: Publish, make_input: MakeInput
) -> None:
    """Bodies come out as payloads, in queue order, at most ``max_messages`` per poll."""
    bodies = sim_events(5)
    for body in bodies:
        publish(body, content_type="application/json")
    source = make_input()
    first = source.poll(2, 5.0)
    rest = source.poll(10, 0.3)
    assert [m.payload for m in first.messages + rest.messages] == bodies
    assert (len(first.messages), len(rest.messages)) == (2, 3)
    assert all(m.event is None for m in first.messages + rest.messages)


def test_events_mode_payloads_pass_the_catalogue(publish: Publish, make_input: MakeInput) -> None:
    """What the input hands out decodes into the same catalogue events that were published."""
    bodies = sim_events(3)
    for body in bodies:
        publish(body)
    batch = drain(make_input(), 3)
    codec = EventCodec()
    decoded = [codec.decode(m.payload or b"", m.default_id) for m in batch.messages]
    assert [encode_event(e) for e in decoded] == bodies


def test_close_without_ack_redelivers_with_the_same_coordinates(
    publish: Publish, make_input: MakeInput
) -> None:
    """Unacknowledged messages return to the queue; a new input sees the same coordinates."""
    publish(b'{"a": 1}', message_id="m-1")
    publish(b'{"a": 2}')
    first = make_input()
    before = drain(first, 2)
    first.close()
    again = drain(make_input(), 2)
    assert [m.coordinates for m in again.messages] == [m.coordinates for m in before.messages]
    assert [m.default_id for m in again.messages] == [m.default_id for m in before.messages]
    assert [m.headers.get("amqp.redelivered") for m in again.messages] == ["true", "true"]


def test_coordinates_name_the_queue_and_message_id_else_the_body_hash(
    queue: str, publish: Publish, make_input: MakeInput
) -> None:
    """``rabbitmq:<queue>/<message_id>``; a message without an id is named by its SHA-256."""
    publish(b'{"a": 1}', message_id="m-1")
    publish(b"abc")
    batch = drain(make_input(), 2)
    sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert [m.coordinates for m in batch.messages] == [
        f"rabbitmq:{queue}/m-1",
        f"rabbitmq:{queue}/sha256-{sha}",
    ]


def test_ack_removes_the_batch_from_the_queue(
    publish: Publish, make_input: MakeInput, depth: Callable[[], int]
) -> None:
    """After ``ack`` and ``close`` the messages are gone for good."""
    for i in range(4):
        publish(b'{"n": %d}' % i)
    source = make_input()
    source.ack(drain(source, 4))
    source.close()
    assert depth() == 0
    assert make_input().poll(10, 0.3).messages == []


def test_an_ack_never_covers_an_earlier_unacked_batch(
    publish: Publish, make_input: MakeInput
) -> None:
    """Acking the second batch first acks nothing; the first batch comes back after close."""
    for i in range(4):
        publish(b'{"n": %d}' % i)
    source = make_input()
    first, second = source.poll(2, 5.0), source.poll(2, 5.0)
    source.ack(second)
    source.close()
    again = drain(make_input(), 4)
    assert [m.payload for m in again.messages] == [
        m.payload for m in first.messages + second.messages
    ]


def test_acks_in_any_order_ack_everything_once_all_are_stored(
    publish: Publish, make_input: MakeInput, depth: Callable[[], int]
) -> None:
    """Batch two acked before batch one: once both are acked, nothing is left."""
    for i in range(4):
        publish(b'{"n": %d}' % i)
    source = make_input()
    first, second = source.poll(2, 5.0), source.poll(2, 5.0)
    source.ack(second)
    source.ack(first)
    source.close()
    assert depth() == 0


def test_prefetch_bounds_what_is_out_unacknowledged(
    publish: Publish, make_input: MakeInput
) -> None:
    """With ``prefetch = 3`` a poll gets 3 messages at once, and no more until an ack."""
    for i in range(10):
        publish(b'{"n": %d}' % i)
    source = make_input(prefetch=3)
    started = time.monotonic()
    first = source.poll(100, 5.0)
    elapsed = time.monotonic() - started
    blocked = source.poll(100, 0.3)
    source.ack(first)
    after = source.poll(100, 5.0)
    assert (len(first.messages), len(blocked.messages), len(after.messages)) == (3, 0, 3)
    assert elapsed < 2.0  # the window was full: no waiting for the timeout


def test_an_empty_queue_gives_an_empty_batch_after_the_timeout(make_input: MakeInput) -> None:
    """Nothing to read: ``poll`` waits about ``timeout_secs`` and returns no messages."""
    source = make_input()
    started = time.monotonic()
    batch = source.poll(10, 0.3)
    elapsed = time.monotonic() - started
    source.ack(batch)
    assert batch.messages == []
    assert 0.25 <= elapsed < 2.0


def test_orders_mode_turns_simulator_orders_into_order_received(
    amqp_url: str, queue: str, make_input: MakeInput
) -> None:
    """Published shop orders come out as valid crm-api ``order.received`` events."""
    orders = sim_orders(20)
    assert publish_orders(amqp_url, queue, orders) == 20
    batch = drain(make_input(mode="orders"), 20)
    codec = EventCodec()
    events = [codec.from_object(m.event) for m in batch.messages]
    assert all(isinstance(e, OrderReceived) for e in events)
    got = [
        (e.order_id, e.queue, e.message_id, e.service)
        for e in events
        if isinstance(e, OrderReceived)
    ]
    assert got == [(o.order_id, queue, o.message_id, "crm-api") for o in orders]


def test_orders_mode_keeps_the_simulators_time_and_trace(
    amqp_url: str, queue: str, make_input: MakeInput
) -> None:
    """``@timestamp`` is when the order reached the queue (ms), ``trace.id`` the customer's."""
    orders = sim_orders(5)
    publish_orders(amqp_url, queue, orders)
    batch = drain(make_input(mode="orders"), 5)
    codec = EventCodec()
    events = [codec.from_object(m.event) for m in batch.messages]
    assert [(e.timestamp, e.trace_id) for e in events] == [
        (o.timestamp, (o.traceparent or "").split("-")[1]) for o in orders
    ]


def test_orders_mode_event_id_is_stable_across_redelivery(
    amqp_url: str, queue: str, make_input: MakeInput
) -> None:
    """The same order message read twice (no ack in between) maps to the same event."""
    publish_orders(amqp_url, queue, sim_orders(3))
    first = make_input(mode="orders")
    before = drain(first, 3)
    first.close()
    again = drain(make_input(mode="orders"), 3)
    assert [m.event for m in again.messages] == [m.event for m in before.messages]


def test_orders_mode_without_amqp_timestamp_uses_the_body_time(
    publish: Publish, make_input: MakeInput
) -> None:
    """No AMQP timestamp: ``@timestamp`` is the order's ``created_at``; no message id: a hash."""
    publish(b'{"order_id": "ORD-7", "created_at": "2025-03-01T09:30:00.250+03:00"}')
    (message,) = drain(make_input(mode="orders"), 1).messages
    event = EventCodec().from_object(message.event)
    assert isinstance(event, OrderReceived)
    assert event.timestamp == datetime(2025, 3, 1, 6, 30, 0, 250_000, tzinfo=UTC)
    assert event.message_id == message.coordinates.rsplit("/", 1)[1]
    assert event.message_id.startswith("sha256-")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"order ORD-9 \xff not json", "order message is not JSON; "),
        (b'{"created_at": "2025-03-01T06:00:00Z"}', 'order message has no "order_id"; '),
        (b'["ORD-9"]', 'order message has no "order_id"; '),
    ],
)
def test_orders_mode_hands_a_bad_message_on_raw_and_moves_past_it(
    body: bytes,
    reason: str,
    publish: Publish,
    make_input: MakeInput,
    depth: Callable[[], int],
) -> None:
    """A bad body becomes a raw message (for the dead-letter queue) between good ones;
    acking the batch moves the queue past it: no stall."""
    publish(b'{"order_id": "ORD-1"}', message_id="m-1")
    publish(body, message_id="m-2")
    publish(b'{"order_id": "ORD-3"}', message_id="m-3")
    source = make_input(mode="orders")
    batch = drain(source, 3)
    good, bad, also_good = batch.messages
    source.ack(batch)
    source.close()
    assert (good.event is not None, also_good.event is not None) == (True, True)
    assert (bad.event, bad.payload) == (None, body)
    assert bad.headers["error"].startswith(reason)
    assert depth() == 0


def test_events_mode_hands_a_non_json_message_on_raw(
    publish: Publish, make_input: MakeInput, depth: Callable[[], int]
) -> None:
    """In events mode the body is the payload as is; the runner's decoder rejects it, and
    acking the batch moves the queue past it."""
    publish(b"\x00garbage")
    publish(sim_events(1)[0])
    source = make_input()
    batch = drain(source, 2)
    source.ack(batch)
    source.close()
    assert batch.messages[0].payload == b"\x00garbage"
    assert depth() == 0


def test_a_url_without_credentials_connects_as_the_default_user(
    amqp_url: str, queue: str, publish: Publish
) -> None:
    """``url = "amqp://127.0.0.1:<port>/"`` (no password in the file) reaches a local broker."""
    if "guest:guest@" not in amqp_url:
        pytest.skip("the test broker does not use the default guest user")
    publish(b"{}")
    source = RabbitMQInput(
        "mq", RabbitMQInputConfig(url=amqp_url.replace("guest:guest@", ""), queue=queue)
    )
    source.open()
    try:
        assert len(source.poll(1, 5.0).messages) == 1
    finally:
        source.close()


def test_unreachable_broker_is_an_error_naming_the_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing listens on the port: ``open`` raises InputError naming host:port, no password."""
    port = free_port()
    monkeypatch.setenv("MQ_URL", f"amqp://logyard:s3cret-pw@127.0.0.1:{port}/%2F")
    source = RabbitMQInput("orders", RabbitMQInputConfig(url_env="MQ_URL", queue="q"))
    with pytest.raises(
        InputError, match=rf"^inputs\.orders: cannot connect to RabbitMQ at 127\.0\.0\.1:{port} "
    ) as info:
        source.open()
    assert "s3cret-pw" not in str(info.value)


def test_wrong_password_is_an_error_without_the_password(
    amqp_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused login says so and names the address, never the password."""
    bad = amqp_url.replace("guest:guest@", "guest:not-the-pw@")
    monkeypatch.setenv("MQ_URL", bad)
    source = RabbitMQInput("orders", RabbitMQInputConfig(url_env="MQ_URL", queue="q"))
    with pytest.raises(InputError, match="login refused") as info:
        source.open()
    assert "not-the-pw" not in str(info.value)


def test_passive_declare_of_a_missing_queue_says_what_to_do(
    queue: str, make_input: MakeInput
) -> None:
    """``passive = true`` on a queue that does not exist: an error naming the queue."""
    with pytest.raises(InputError, match=rf"queue '{queue}' does not exist"):
        make_input(passive=True)


def test_durability_mismatch_says_how_to_fix_it(
    queue: str, publish: Publish, make_input: MakeInput
) -> None:
    """The queue exists durable and the config says ``durable = false``: a clear error."""
    publish(b"{}")
    with pytest.raises(InputError, match="set durable to match it, or passive = true"):
        make_input(durable=False)


def test_missing_url_variable_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """``url_env`` names an unset variable: the error names the variable and what to put."""
    monkeypatch.delenv(URL_ENV, raising=False)
    source = RabbitMQInput("orders", RabbitMQInputConfig(url_env=URL_ENV, queue="q"))
    with pytest.raises(
        ConfigError, match=rf"^inputs\.orders\.url_env: environment variable {URL_ENV} is not set"
    ):
        source.open()


def test_ack_of_a_batch_from_before_a_reconnect_is_ignored(
    publish: Publish, make_input: MakeInput
) -> None:
    """Delivery tags belong to a channel: after reopening, an old batch's ack is a no-op and
    its messages come back (the ids make the replay harmless)."""
    publish(b'{"n": 1}', message_id="m-1")
    source = make_input()
    old = drain(source, 1)
    source.close()
    source.open()
    source.ack(old)
    again = drain(source, 1)
    assert [m.coordinates for m in again.messages] == [m.coordinates for m in old.messages]


def close_from_broker(connection_name: str) -> None:
    """Make the broker drop the connection named ``connection_name`` (``rabbitmqctl``)."""
    ctl = shutil.which("rabbitmqctl")
    if ctl is None or os.geteuid() != 0:
        pytest.skip("rabbitmqctl (as root) is needed to drop a connection from the broker")
    listed = subprocess.run(
        [ctl, "list_connections", "-q", "--no-table-headers", "pid", "client_properties"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout  # fmt: skip
    pids = [
        line.split("\t", 1)[0]
        for line in listed.splitlines()
        if f'{{"connection_name","{connection_name}"}}' in line
    ]
    assert len(pids) == 1, listed
    subprocess.run([ctl, "close_connection", pids[0], "test"], check=True, timeout=30)


def test_a_dropped_connection_is_an_error_and_the_next_poll_reconnects(
    queue: str, publish: Publish, make_input: MakeInput
) -> None:
    """The broker drops the connection: ``poll`` raises InputError naming the address, the
    unacked batch's ``ack`` is harmless, and the next ``poll`` reconnects and reads it again."""
    publish(b'{"n": 1}', message_id="m-1")
    name = f"drop-{queue}"
    source = make_input(name)
    before = drain(source, 1)
    close_from_broker(f"logyard input {name}")
    with pytest.raises(InputError, match=r"lost the connection to RabbitMQ at 127\.0\.0\.1:\d+"):
        source.poll(1, 5.0)
    source.ack(before)
    again = drain(source, 1)
    assert [m.coordinates for m in again.messages] == [m.coordinates for m in before.messages]
