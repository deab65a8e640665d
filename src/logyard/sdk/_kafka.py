"""Deliver batches to Kafka: one topic per system, keyed per order, trace context in headers.

The producer is idempotent with ``acks=all``: a batch counts as delivered only when every
message's delivery report says the in-sync replicas have it. Anything less raises
:class:`~logyard.errors.TransportError`, so the logger spools the whole batch and replays
it later; the messages of a partly delivered batch then arrive twice, which the processor
absorbs (the ``event.id`` is the stored id, and writes are idempotent on it).

``confluent-kafka`` is imported when a :class:`KafkaTransport` is built, never by
``import logyard.sdk``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import msgspec

from logyard.errors import ConfigError, NotInstalledError, TransportError

__all__ = ["KafkaTransport"]

_log = logging.getLogger("logyard.sdk.kafka")

#: Settings the transport owns; ``config`` may override everything else.
_DEFAULTS: dict[str, Any] = {
    "acks": "all",
    "enable.idempotence": True,
    "linger.ms": 5,
    # ``send`` waits for its batch, so the queue holds about one batch: keep memory bounded.
    "queue.buffering.max.kbytes": 32 * 1024,
    "queue.buffering.max.messages": 100_000,
}
_CODECS = ("zstd", "lz4", "gzip")  # best first; librdkafka builds without zstd/lz4 exist


class _Routing(msgspec.Struct, gc=False):
    """The envelope fields that choose topic, key and headers (the rest is skipped)."""

    service: str | None = msgspec.field(name="service.name", default=None)
    order_id: str | None = msgspec.field(name="order.id", default=None)
    user_name: str | None = msgspec.field(name="user.name", default=None)
    trace_id: str | None = msgspec.field(name="trace.id", default=None)
    span_id: str | None = msgspec.field(name="span.id", default=None)


_ROUTING = msgspec.json.Decoder(_Routing)


def _load_client() -> Any:
    try:
        import confluent_kafka
    except ImportError as exc:
        raise NotInstalledError(
            "KafkaTransport: the Kafka client library is not installed; "
            "pip install 'logyard[kafka]'"
        ) from exc
    return confluent_kafka


class KafkaTransport:
    """Produces each event to ``topic_template`` (``{service}`` = the event's ``service.name``).

    The message key is ``order.id`` when the event has one, else ``user.name`` (so one
    order's, or one actor's, events stay in order on one partition), else none. Events
    with ``trace.id`` and ``span.id`` carry a W3C ``traceparent`` header. ``config`` holds
    librdkafka settings passed through as they are (TLS: ``security.protocol``,
    ``ssl.ca.location``, ...; SASL: ``sasl.mechanism``, ``sasl.username``,
    ``sasl.password``, ...); it may override every default but ``bootstrap.servers``.
    ``send`` waits at most ``flush_timeout_secs`` for the delivery reports of its batch.
    """

    def __init__(
        self,
        brokers: str | list[str],
        *,
        topic_template: str = "logs.{service}",
        config: Mapping[str, Any] | None = None,
        flush_timeout_secs: float = 10.0,
    ) -> None:
        servers = brokers if isinstance(brokers, str) else ",".join(brokers)
        if not servers.strip():
            raise ConfigError(
                'KafkaTransport: brokers is empty; pass "host:port" addresses, '
                'e.g. ["kafka-1:9092", "kafka-2:9092"]'
            )
        try:
            topic_template.format(service="mes")
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(
                f"KafkaTransport: topic_template {topic_template!r} is not a valid template "
                f"({exc}); use {{service}} as the only placeholder, e.g. 'logs.{{service}}'"
            ) from exc
        if flush_timeout_secs <= 0:
            raise ConfigError(
                f"KafkaTransport: flush_timeout_secs must be positive, got {flush_timeout_secs}"
            )
        self.brokers = servers
        self.topic_template = topic_template
        self.flush_timeout_secs = flush_timeout_secs
        self._kafka = _load_client()
        settings: dict[str, Any] = dict(_DEFAULTS)
        # librdkafka gives up on a message after this, so no report is left pending
        # (and no message lingers in memory) once ``send`` has given up on it.
        settings["message.timeout.ms"] = max(1, int(flush_timeout_secs * 1000))
        settings.update(config or {})
        settings["bootstrap.servers"] = servers
        settings["logger"] = _log
        settings["error_cb"] = self._on_error
        self._settings = settings
        self._fatal: str | None = None
        self._producer: Any = self._new_producer()
        self._topics: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"KafkaTransport(brokers={self.brokers!r}, topic_template={self.topic_template!r})"

    # -- the producer ------------------------------------------------------------------------
    def _new_producer(self) -> Any:
        if "compression.type" in self._settings or "compression.codec" in self._settings:
            return self._kafka.Producer(self._settings)
        for codec in _CODECS:
            try:
                return self._kafka.Producer({**self._settings, "compression.type": codec})
            except self._kafka.KafkaException as exc:
                if codec == _CODECS[-1]:
                    raise self._config_error(exc) from exc
                _log.debug("KafkaTransport: %s compression unavailable (%s)", codec, exc)
        raise AssertionError("unreachable")  # pragma: no cover

    def _config_error(self, exc: Exception) -> ConfigError:
        return ConfigError(
            f"KafkaTransport: the producer rejected its settings ({exc}); "
            "check the config passed to KafkaTransport"
        )

    def _on_error(self, error: Any) -> None:
        """librdkafka's error callback (served from ``poll``/``flush`` on the caller)."""
        self._note_fatal(error)
        _log.debug("KafkaTransport(%s): %s", self.brokers, error)

    def _note_fatal(self, error: Any) -> None:
        if error.fatal() or error.code() == self._kafka.KafkaError._FATAL:
            self._fatal = str(error)

    def _renew_after_fatal(self) -> None:
        """An idempotent producer stops for good after a fatal error: start a new one."""
        _log.warning(
            "KafkaTransport(%s): producer failed (%s); starting a new producer",
            self.brokers,
            self._fatal,
        )
        self._producer.purge()
        self._producer.flush(0)
        self._fatal = None
        self._producer = self._new_producer()

    def _topic(self, service: str | None) -> str:
        key = service or "unknown"
        topic = self._topics.get(key)
        if topic is None:
            topic = self._topics[key] = self.topic_template.format(service=key)
        return topic

    # -- the Transport protocol --------------------------------------------------------------
    def send(self, batch: list[bytes]) -> None:
        """Produce every event and wait for their delivery reports; raise unless all landed."""
        if self._producer is None:  # closed before (e.g. in a forked child): start again
            self._producer = self._new_producer()
        elif self._fatal is not None:
            self._renew_after_fatal()
        producer = self._producer
        failures: list[str] = []
        outstanding = [len(batch)]

        def report(error: Any, _message: Any) -> None:
            outstanding[0] -= 1
            if error is not None:
                failures.append(str(error))
                self._note_fatal(error)

        deadline = time.monotonic() + self.flush_timeout_secs
        for raw in batch:
            try:
                routing = _ROUTING.decode(raw)
            except msgspec.DecodeError:
                routing = _Routing()  # encoded by the SDK, so unexpected; send it anyway
            key = routing.order_id or routing.user_name
            headers = None
            if routing.trace_id and routing.span_id:
                headers = [("traceparent", f"00-{routing.trace_id}-{routing.span_id}-01")]
            while True:
                try:
                    producer.produce(
                        self._topic(routing.service),
                        value=raw,
                        key=key,
                        headers=headers,
                        on_delivery=report,
                    )
                    break
                except BufferError:  # the local queue is full: let it drain, within the deadline
                    if time.monotonic() >= deadline:
                        self._give_up(producer)
                        raise TransportError(
                            f"{self!r}: the producer queue stayed full for "
                            f"{self.flush_timeout_secs}s; the batch is spooled and retried"
                        ) from None
                    producer.poll(0.05)
                except self._kafka.KafkaException as exc:
                    self._note_fatal(exc.args[0])
                    self._give_up(producer)
                    raise TransportError(
                        f"{self!r}: cannot produce ({exc}); the batch is spooled and retried"
                    ) from exc
        producer.flush(max(0.0, deadline - time.monotonic()))
        if outstanding[0] > 0:
            self._give_up(producer)
            raise TransportError(
                f"{self!r}: {outstanding[0]} of {len(batch)} events not acknowledged by Kafka "
                f"within {self.flush_timeout_secs}s; the batch is spooled and retried"
            )
        if failures:
            raise TransportError(
                f"{self!r}: Kafka refused {len(failures)} of {len(batch)} events "
                f"({failures[0]}); the batch is spooled and retried"
            )

    def _give_up(self, producer: Any) -> None:
        """Drop what is still queued locally (the batch goes to the spool instead)."""
        producer.purge(in_queue=True, in_flight=False)
        producer.poll(0)

    def close(self) -> None:
        """Wait up to ``flush_timeout_secs`` for messages in flight, then drop the producer.

        A later ``send`` starts a new producer (the logger reuses its transport in a
        forked child after closing it).
        """
        producer, self._producer = self._producer, None
        if producer is None:
            return
        remaining = producer.flush(self.flush_timeout_secs)
        producer.purge()
        producer.poll(0)
        if remaining:
            _log.warning(
                "KafkaTransport(%s): closed with %d message(s) unacknowledged; "
                "their batches were spooled",
                self.brokers,
                remaining,
            )
