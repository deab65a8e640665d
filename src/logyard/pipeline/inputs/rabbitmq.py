"""RabbitMQ input: one durable queue, read with manual acks in bounded batches.

::

    [inputs.crm_orders]
    type = "rabbitmq"
    url_env = "CRM_AMQP_URL"        # amqp://logyard:secret@mq.internal:5672/crm
    queue = "orders.incoming"
    mode = "orders"                 # each message is a shop order -> order.received

The input consumes with ``auto_ack=False`` under ``basic_qos(prefetch)``: the broker never
has more than ``prefetch`` unacknowledged messages out to it, so memory stays bounded and a
batch is at most ``prefetch`` messages. :meth:`RabbitMQInput.ack` acknowledges
(``multiple=True``) up to the last delivery tag of a batch once the runner has stored it,
and only when every batch handed out before it is acknowledged too. Closing without an ack
(or a crash) returns the messages to the queue; they come back with the same coordinates
(``rabbitmq:<queue>/<message_id>``, else the body's SHA-256), hence the same event ids.

``mode = "events"``: a body is one logyard event as JSON, handed on as the payload (an
event without ``trace.id`` takes its trace from the ``traceparent`` header).
``mode = "orders"``: a body is the shop's order JSON (``{"order_id": ..., "created_at":
...}``, see ``logyard.sim.QueuedOrder``); the input maps it to crm-api's ``order.received``.
In orders mode a body that is not JSON, or an order without ``order_id``, is handed on raw
(no event, an ``error`` header saying why): the runner dead-letters it and the queue moves on.
A lost connection is an :class:`InputError` from ``poll``; the next ``poll`` reconnects.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import msgspec
import pika
import pika.exceptions
from pydantic import Field, field_validator, model_validator

from logyard.errors import ConfigError
from logyard.pipeline.inputs._base import (
    InputBatch,
    InputConfig,
    InputError,
    Message,
    derived_id,
    from_env,
)
from logyard.pipeline.inputs._traceparent import with_trace

__all__ = ["RabbitMQInput", "RabbitMQInputConfig"]

_log = logging.getLogger(__name__)
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
_DECODE = msgspec.json.Decoder()
_SERVICE = "crm-api"


class RabbitMQInputConfig(InputConfig):
    """Settings of a ``rabbitmq`` input (exactly one of ``url`` and ``url_env``)."""

    type: Literal["rabbitmq"] = "rabbitmq"
    #: ``amqp[s]://[user@]host[:port]/[vhost]`` — never with a password (use ``url_env``
    #: or ``password_env``).
    url: str | None = None
    #: the environment variable holding the whole amqp URL, password included
    url_env: str | None = Field(default=None, pattern=_ENV_NAME)
    #: the environment variable holding the password of ``url``'s user
    password_env: str | None = Field(default=None, pattern=_ENV_NAME)
    queue: str = Field(min_length=1, max_length=255)
    #: declare the queue durable (it survives a broker restart)
    durable: bool = True
    #: only check that the queue exists (for queues declared with their own arguments)
    passive: bool = False
    #: at most this many unacknowledged messages are out to this input (bounds a batch)
    prefetch: int = Field(default=1000, ge=1, le=65535)
    mode: Literal["events", "orders"] = "events"

    @field_validator("url")
    @classmethod
    def _no_password(cls, url: str | None) -> str | None:
        if url is None:
            return url
        parts = urlsplit(url)
        try:
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise ValueError("the port is not a number in 1..65535") from None
        if parts.scheme not in ("amqp", "amqps") or not parts.hostname:
            raise ValueError(
                "expected amqp://[user@]host[:port]/[vhost] or amqps://..., "
                f"got a {parts.scheme or 'schemeless'} URL"
            )
        if parts.password is not None:
            raise ValueError(
                "contains a password; keep the URL without it and set `password_env`, "
                "or put the whole URL in an environment variable named by `url_env`"
            )
        return url

    @model_validator(mode="after")
    def _one_url(self) -> RabbitMQInputConfig:
        if (self.url is None) == (self.url_env is None):
            raise ValueError(
                "set exactly one of `url` (without password) and `url_env` "
                "(the environment variable holding the amqp URL)"
            )
        if self.password_env is not None and self.url is None:
            raise ValueError("`password_env` goes with `url`; `url_env` holds the password")
        return self


@dataclass(slots=True)
class _Handed:
    """A batch handed out and not yet acknowledged."""

    generation: int  # the channel it was delivered on; tags are per channel
    last_tag: int
    count: int
    done: bool = False


class RabbitMQInput:
    """Reads one queue; see the module docstring for the delivery rule."""

    config_class: ClassVar[type[InputConfig]] = RabbitMQInputConfig

    def __init__(self, name: str, config: RabbitMQInputConfig) -> None:
        self.name = name
        self.config = config
        self.address = "?"  # host:port once resolved, for messages
        self._connection: Any = None
        self._channel: Any = None
        self._generation = 0
        self._buffer: deque[tuple[Any, Any, bytes]] = deque()
        self._handed: deque[_Handed] = deque()
        self._out = 0  # messages handed out, not yet acknowledged

    def __repr__(self) -> str:
        return f"RabbitMQInput({self.name!r}, queue={self.config.queue!r}, {self.address})"

    # -- contract -----------------------------------------------------------------------------
    def open(self) -> None:
        """Connect, set the prefetch, declare the queue and start consuming."""
        self.close()
        params = self._parameters()
        where = self._where()
        try:
            self._connection = pika.BlockingConnection(params)
            channel = self._connection.channel()
            channel.basic_qos(prefetch_count=self.config.prefetch)
            channel.queue_declare(
                self.config.queue, durable=self.config.durable, passive=self.config.passive
            )
            channel.basic_consume(self.config.queue, self._deliver, auto_ack=False)
        except pika.exceptions.ChannelClosedByBroker as exc:
            self.close()
            raise InputError(f"{where}: {_queue_problem(exc, self.config)}") from None
        except (pika.exceptions.AMQPError, OSError) as exc:
            self.close()
            raise InputError(
                f"{where}: cannot connect to RabbitMQ at {self.address} ({_reason(exc)}); "
                "check that the broker runs and the URL's host, port, user and vhost"
            ) from None
        self._channel = channel
        self._generation += 1

    def poll(self, max_messages: int, timeout_secs: float) -> InputBatch:
        """Up to ``max_messages`` (and ``prefetch``) messages, waiting at most ``timeout_secs``."""
        if self._connection is None:
            self.open()  # first poll, or the connection was lost: reconnect (or raise)
        deadline = time.monotonic() + max(timeout_secs, 0.0)
        window = self.config.prefetch - self._out  # what the broker may still send
        target = min(max_messages, window) if window > 0 else max_messages
        try:
            self._connection.process_data_events(time_limit=0)
            while len(self._buffer) < target:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._connection.process_data_events(time_limit=remaining)
        except (pika.exceptions.AMQPError, OSError) as exc:
            raise self._lost(exc) from None
        take = min(max_messages, len(self._buffer))
        if take <= 0:
            return InputBatch([])
        messages = []
        last_tag = 0
        for _ in range(take):
            method, props, body = self._buffer.popleft()
            last_tag = method.delivery_tag
            messages.append(self._message(method, props, body))
        handed = _Handed(self._generation, last_tag, take)
        self._handed.append(handed)
        self._out += take
        return InputBatch(messages, token=handed)

    def ack(self, batch: InputBatch) -> None:
        """Acknowledge the batch (and nothing handed out after it), ``multiple=True``."""
        handed = batch.token
        if not isinstance(handed, _Handed) or handed.done:
            return
        handed.done = True
        if handed.generation != self._generation:
            return  # its channel is gone: the broker has requeued those messages already
        last_tag = 0
        while self._handed and self._handed[0].done:
            first = self._handed.popleft()
            last_tag = first.last_tag
            self._out -= first.count
        if last_tag:
            try:
                self._channel.basic_ack(delivery_tag=last_tag, multiple=True)
            except (pika.exceptions.AMQPError, OSError) as exc:
                # the broker requeues what this channel held; the ids make the replay harmless
                _log.warning("%s; the batch will be read again", self._lost(exc))

    def close(self) -> None:
        """Disconnect; whatever was not acknowledged goes back to the queue."""
        connection, self._connection, self._channel = self._connection, None, None
        self._buffer.clear()
        self._handed.clear()
        self._out = 0
        self._generation += 1
        if connection is not None and connection.is_open:
            # already gone: the broker requeues the unacknowledged messages by itself
            with contextlib.suppress(pika.exceptions.AMQPError, OSError):
                connection.close()

    # -- internals ----------------------------------------------------------------------------
    def _where(self) -> str:
        return f"inputs.{self.name}"

    def _parameters(self) -> Any:
        cfg = self.config
        if cfg.url_env is not None:
            url = from_env(
                self._where(),
                "url_env",
                cfg.url_env,
                "the amqp URL (amqp://user:password@host:5672/vhost)",
            )
        else:
            assert cfg.url is not None  # the config validator guarantees one of them
            url = cfg.url
        parts = urlsplit(url)
        try:
            port = parts.port or (5671 if parts.scheme == "amqps" else 5672)
        except ValueError:
            port = 0
        self.address = f"{parts.hostname}:{port}"
        if parts.scheme not in ("amqp", "amqps") or not parts.hostname or not port:
            raise ConfigError(
                f"{self._where()}.url_env: {cfg.url_env} does not hold an amqp URL; "
                "expected amqp://user:password@host:5672/vhost"
            )
        user, password = parts.username, parts.password
        if cfg.password_env is not None:
            password = from_env(
                self._where(), "password_env", cfg.password_env, "the password of the URL's user"
            )
        if user is not None and password is None:
            raise ConfigError(
                f"{self._where()}.url: user {unquote(user)!r} has no password; "
                "set `password_env` to the variable holding it"
            )
        netloc = self.address if parts.port else str(parts.hostname)
        if ":" in str(parts.hostname):  # IPv6 literal
            netloc = f"[{parts.hostname}]" + (f":{parts.port}" if parts.port else "")
        if user is not None:
            netloc = f"{user}:{quote(unquote(str(password)), safe='')}@{netloc}"
        params = pika.URLParameters(urlunsplit(parts._replace(netloc=netloc)))
        # names the connection in the broker's management UI and `rabbitmqctl`
        params.client_properties = {"connection_name": f"logyard input {self.name}"}
        return params

    def _deliver(self, _channel: Any, method: Any, props: Any, body: bytes) -> None:
        self._buffer.append((method, props, body))

    def _lost(self, exc: BaseException) -> InputError:
        self.close()
        return InputError(
            f"{self._where()}: lost the connection to RabbitMQ at {self.address} "
            f"({_reason(exc)}); unacknowledged messages return to the queue, the next poll "
            "reconnects"
        )

    def _message(self, method: Any, props: Any, body: bytes) -> Message:
        message_id = props.message_id if isinstance(props.message_id, str) else None
        key = message_id or f"sha256-{hashlib.sha256(body).hexdigest()}"
        coordinates = f"rabbitmq:{self.config.queue}/{key}"
        headers = _headers(props, method)
        if self.config.mode == "events":
            payload = with_trace(body, headers.get("traceparent"))
            return Message(coordinates, payload=payload, headers=headers)
        try:
            order = _DECODE.decode(body)
        except (msgspec.DecodeError, UnicodeDecodeError):
            headers["error"] = "order message is not JSON; the queue carries the shop's orders"
            return Message(coordinates, payload=body, headers=headers)
        order_id = order.get("order_id") if isinstance(order, dict) else None
        if isinstance(order_id, int) and not isinstance(order_id, bool):
            order_id = str(order_id)
        if not isinstance(order_id, str) or not order_id:
            headers["error"] = 'order message has no "order_id"; the producer must send one'
            return Message(coordinates, payload=body, headers=headers)
        event: dict[str, Any] = {
            "@timestamp": _iso(_received_at(props, order)),
            "event.id": derived_id(coordinates),
            "event.action": "order.received",
            "service.name": _SERVICE,
            "message": f"order {order_id} received from {self.config.queue}",
            "order.id": order_id,
            "messaging.destination.name": self.config.queue,
            "messaging.message.id": key,
        }
        trace_id = _trace_id(headers.get("traceparent"))
        if trace_id is not None:
            event["trace.id"] = trace_id
        return Message(coordinates, event=event, headers=headers)


def _headers(props: Any, method: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in (props.headers or {}).items():
        if isinstance(value, bytes):
            out[str(key)] = value.decode("utf-8", "replace")
        elif isinstance(value, str | int | float | bool):
            out[str(key)] = str(value)
    if isinstance(props.message_id, str):
        out["amqp.message_id"] = props.message_id
    if method.redelivered:
        out["amqp.redelivered"] = "true"
    return out


def _received_at(props: Any, order: dict[str, Any]) -> datetime:
    """The message's time: ``timestamp_in_ms`` header, AMQP timestamp, ``created_at``, now."""
    ms = (props.headers or {}).get("timestamp_in_ms")
    try:
        if isinstance(ms, int) and not isinstance(ms, bool):
            return datetime.fromtimestamp(ms / 1000, UTC)
        if isinstance(props.timestamp, int) and props.timestamp > 0:
            return datetime.fromtimestamp(props.timestamp, UTC)
    except (OverflowError, OSError, ValueError):
        pass
    created = order.get("created_at")
    if isinstance(created, str):
        try:
            ts = datetime.fromisoformat(created)
        except ValueError:
            ts = None
        if ts is not None and ts.tzinfo is not None:  # a naive time is ambiguous: not used
            return ts.astimezone(UTC)
    return datetime.now(UTC)


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _trace_id(traceparent: str | None) -> str | None:
    """The trace id of a W3C ``traceparent`` (``00-<32 hex>-<16 hex>-<2 hex>``)."""
    if traceparent is None:
        return None
    parts = traceparent.split("-")
    if len(parts) != 4 or len(parts[1]) != 32 or parts[1] == "0" * 32:
        return None
    trace = parts[1].lower()
    return trace if all(c in "0123456789abcdef" for c in trace) else None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, pika.exceptions.ProbableAuthenticationError):
        return "login refused: wrong user or password"
    if isinstance(exc, pika.exceptions.ProbableAccessDeniedError):
        return "access to the vhost refused or the vhost does not exist"
    if isinstance(exc, pika.exceptions.AMQPConnectionError) and exc.args:
        text = str(exc.args[-1])
        return text.rsplit(": ", 1)[-1] if "ConnectError" in text else text
    return str(exc) or type(exc).__name__


def _queue_problem(exc: Any, cfg: RabbitMQInputConfig) -> str:
    code, text = exc.reply_code, exc.reply_text
    if code == 404:
        return f"queue {cfg.queue!r} does not exist ({text}); declare it or set passive = false"
    if code == 406:
        return (
            f"queue {cfg.queue!r} exists with other settings ({text}); set durable to match "
            "it, or passive = true to use it as declared"
        )
    if code == 403:
        return f"no access to queue {cfg.queue!r} ({text}); grant the user configure/read rights"
    return f"queue {cfg.queue!r}: broker closed the channel ({code} {text})"
