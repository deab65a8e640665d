"""The shop's incoming orders as RabbitMQ messages: what shop-api puts on crm-api's queue.

The simulator's stream says when each order reaches the queue (crm-api's
``order.received``, with its message id) and what the order is (the shop's
``order.created``). :func:`queued_orders` pairs them into :class:`QueuedOrder` messages;
:class:`OrderPublisher` publishes them persistently to a durable queue, where logyard's
``rabbitmq`` input (``mode = "orders"``) turns each back into ``order.received``::

    orders = queued_orders(Simulator(seed=7).events(600))
    publish_orders("amqp://guest:guest@127.0.0.1:5672/%2F", "orders.incoming", orders)

A message body is the shop's order JSON::

    {"order_id": "ORD-...", "created_at": "2026-11-26T05:29:26.123Z", "user": "ivanova84",
     "product": "vase", "sku": "VASE-SPIRAL-L", ..., "customer": {...}, "delivery": {...}}

with the AMQP properties ``message_id``, ``timestamp`` (seconds), ``delivery_mode=2``,
``content_type="application/json"`` and the headers ``timestamp_in_ms`` (when the order
reached the queue) and ``traceparent`` (the customer's trace). pika is imported only when
publishing, so the simulator runs without it.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import msgspec

from logyard.catalog import Event, OrderCreated, OrderReceived
from logyard.errors import LogyardError, NotInstalledError

__all__ = ["OrderPublisher", "QueuedOrder", "publish_orders", "queued_orders"]

_ENCODER = msgspec.json.Encoder()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_RECENT = 65_536  # message ids remembered to drop the stream's own redeliveries


@dataclass(frozen=True, slots=True)
class QueuedOrder:
    """One incoming order as a queue message."""

    message_id: str
    timestamp: datetime  # when it reached the queue (UTC, ms)
    order: dict[str, Any]  # the shop's order JSON
    traceparent: str | None = None
    headers: dict[str, Any] = field(default_factory=dict)

    @property
    def order_id(self) -> str:
        """The order's id (``order_id`` of the body)."""
        return str(self.order["order_id"])

    def body(self) -> bytes:
        """The message body: the order as JSON."""
        return _ENCODER.encode(self.order)

    def amqp_headers(self) -> dict[str, Any]:
        """Application headers: the time in ms and the trace context."""
        headers: dict[str, Any] = {"timestamp_in_ms": _epoch_ms(self.timestamp)}
        if self.traceparent is not None:
            headers["traceparent"] = self.traceparent
        headers.update(self.headers)
        return headers


def queued_orders(events: Iterable[Event]) -> Iterator[QueuedOrder]:
    """The orders that reach crm-api through the queue, in the stream's order.

    Each ``order.received`` becomes one message, its body built from the order's
    ``order.created`` (an order created before the stream began carries only its id).
    The simulator's own redeliveries (a second ``order.received`` with the same message
    id) are dropped: a real broker redelivers by itself.
    """
    created: dict[str, OrderCreated] = {}
    recent: OrderedDict[str, None] = OrderedDict()
    for event in events:
        if isinstance(event, OrderCreated):
            if event.service == "internet-shop":
                created[event.order_id] = event
            continue
        if not isinstance(event, OrderReceived) or event.message_id in recent:
            continue
        recent[event.message_id] = None
        if len(recent) > _RECENT:
            recent.popitem(last=False)
        origin = created.pop(event.order_id, None)
        order: dict[str, Any] = {"order_id": event.order_id}
        if origin is not None:
            order["created_at"] = _iso(origin.timestamp)
            order["user"] = origin.user_name
            order.update(origin.params)
        parent = origin.span_id if origin is not None else event.span_id
        traceparent = None
        if event.trace_id is not None and parent is not None:
            traceparent = f"00-{event.trace_id}-{parent}-01"
        yield QueuedOrder(event.message_id, event.timestamp, order, traceparent)


class OrderPublisher:
    """Publishes :class:`QueuedOrder` messages, persistent and confirmed, to a durable queue.

    Use as a context manager, or call :meth:`open` and :meth:`close`. Each publish waits
    for the broker's confirm, so a returned call means the message is on the broker.
    """

    def __init__(self, url: str, queue: str, *, durable: bool = True) -> None:
        self.url = url
        self.queue = queue
        self.durable = durable
        self.published = 0
        self._connection: Any = None
        self._channel: Any = None

    def __repr__(self) -> str:
        return f"OrderPublisher({_address(self.url)!r}, {self.queue!r})"

    def __enter__(self) -> OrderPublisher:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> None:
        """Connect, declare the queue and turn on publisher confirms."""
        pika = _pika()
        try:
            self._connection = pika.BlockingConnection(pika.URLParameters(self.url))
            self._channel = self._connection.channel()
            self._channel.queue_declare(self.queue, durable=self.durable)
            self._channel.confirm_delivery()
        except (pika.exceptions.AMQPError, OSError) as exc:
            self.close()
            raise LogyardError(
                f"sim.rabbitmq: cannot reach RabbitMQ at {_address(self.url)} or declare "
                f"queue {self.queue!r} ({type(exc).__name__}); check the URL and the broker"
            ) from None

    def publish(self, order: QueuedOrder) -> None:
        """Publish one order; returns once the broker has confirmed it."""
        pika = _pika()
        if self._channel is None:
            self.open()
        props = pika.BasicProperties(
            content_type="application/json",
            delivery_mode=2,
            message_id=order.message_id,
            timestamp=_epoch_ms(order.timestamp) // 1000,
            app_id="shop-api",
            type="order",
            headers=order.amqp_headers(),
        )
        try:
            self._channel.basic_publish(
                exchange="", routing_key=self.queue, body=order.body(), properties=props,
                mandatory=True,
            )  # fmt: skip
        except (pika.exceptions.AMQPError, OSError) as exc:
            self.close()
            raise LogyardError(
                f"sim.rabbitmq: order {order.order_id} not confirmed by RabbitMQ at "
                f"{_address(self.url)} ({type(exc).__name__}); publish it again"
            ) from None
        self.published += 1

    def close(self) -> None:
        """Disconnect (everything published is already confirmed)."""
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            with contextlib.suppress(Exception):  # already gone: nothing left to release
                connection.close()


def publish_orders(url: str, queue: str, orders: Iterable[QueuedOrder]) -> int:
    """Publish ``orders`` to ``queue`` (declared durable); returns how many were published."""
    with OrderPublisher(url, queue) as publisher:
        for order in orders:
            publisher.publish(order)
        return publisher.published


def _pika() -> Any:
    try:
        import pika  # optional: the simulator runs without it
        import pika.exceptions
    except ImportError as exc:
        raise NotInstalledError(
            "sim.rabbitmq: publishing orders needs pika; pip install 'logyard[rabbitmq]'"
        ) from exc
    return pika


def _address(url: str) -> str:
    """``host:port`` of an amqp URL (never its password)."""
    parts = urlsplit(url)
    try:
        port = parts.port or (5671 if parts.scheme == "amqps" else 5672)
    except ValueError:
        port = 0
    return f"{parts.hostname}:{port}"


def _epoch_ms(ts: datetime) -> int:
    return (ts - _EPOCH) // _ONE_MS


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
