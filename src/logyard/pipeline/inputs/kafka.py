"""Read events from Kafka topics in a consumer group; commit only what the store has.

::

    [inputs.services]
    type = "kafka"
    brokers = ["kafka-1:9092", "kafka-2:9092"]
    topics = ["^logs\\\\..*"]          # names, or a regex starting with ^
    group = "logyard"
    options = { "security.protocol" = "SASL_SSL", "sasl.mechanism" = "SCRAM-SHA-512",
                "sasl.username" = "logyard" }
    password_env = "LOGYARD_KAFKA_PASSWORD"

Offsets are committed by :meth:`KafkaInput.ack`, synchronously, never automatically.
Rebalance safety: each partition's assignment gets a new epoch when it is assigned; a
batch remembers the epoch under which it read each partition, and ``ack`` commits a
partition only while that same assignment holds. A partition revoked (or lost) in
between is not committed: its new owner reads those messages again, and the
deterministic event ids make the replay harmless.

An event without ``trace.id`` takes its trace from the message's ``traceparent`` header.
"""

from __future__ import annotations

import itertools
import logging
import re
from typing import Any, ClassVar, Literal

import confluent_kafka  # missing: the registry says "pip install 'logyard[kafka]'"
from pydantic import Field, field_validator

from logyard.errors import ConfigError
from logyard.pipeline.inputs._base import InputBatch, InputConfig, InputError, Message, from_env
from logyard.pipeline.inputs._traceparent import with_trace

__all__ = ["KafkaInput", "KafkaInputConfig"]

_log = logging.getLogger("logyard.pipeline.inputs.kafka")

_HOST_PORT = re.compile(r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")
_SHAPE = 'a list of "host:port" strings, e.g. ["kafka-1:9092"]'
#: Options the input owns: changing them would break the delivery rule or the config model.
_RESERVED = {
    "bootstrap.servers": "use brokers",
    "group.id": "use group",
    "enable.auto.commit": "offsets are committed after the store has the batch",
    "enable.auto.offset.store": "offsets are committed after the store has the batch",
    "sasl.password": "put the password in an environment variable named by password_env",
}

_Partition = tuple[str, int]


class KafkaInputConfig(InputConfig):
    """Settings of a ``kafka`` input."""

    type: Literal["kafka"]
    brokers: list[str] = Field(min_length=1)
    topics: list[str] = Field(min_length=1)
    group: str = Field(default="logyard", min_length=1)
    options: dict[str, str] = Field(default_factory=dict)
    password_env: str | None = None
    connect_timeout_secs: float = Field(default=10.0, gt=0)

    @field_validator("brokers", mode="before")
    @classmethod
    def _brokers_is_a_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError(f"expected {_SHAPE}, got {value!r}")
        return value

    @field_validator("brokers")
    @classmethod
    def _brokers_are_host_port(cls, value: list[str]) -> list[str]:
        for address in value:
            match = _HOST_PORT.match(address)
            if match is None or not 0 < int(match.group(2)) < 65536:
                raise ValueError(f"expected {_SHAPE}, got {address!r} in the list")
        return value

    @field_validator("topics", mode="before")
    @classmethod
    def _topics_is_a_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError(
                f'expected a list of topic names or "^regex" patterns, e.g. ["logs.mes"], '
                f"got {value!r}"
            )
        return value

    @field_validator("topics")
    @classmethod
    def _regexes_compile(cls, value: list[str]) -> list[str]:
        for topic in value:
            if not topic:
                raise ValueError("a topic name is empty")
            if topic.startswith("^"):
                try:
                    re.compile(topic)
                except re.error as exc:
                    raise ValueError(f"{topic!r} is not a valid regex ({exc})") from None
        return value

    @field_validator("options")
    @classmethod
    def _options_keep_the_contract(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if key in _RESERVED:
                raise ValueError(f"{key!r} cannot be set here; {_RESERVED[key]}")
        return value


class KafkaInput:
    """A consumer in group ``config.group`` on ``config.topics``; see the module docstring."""

    config_class: ClassVar[type[InputConfig]] = KafkaInputConfig

    def __init__(self, name: str, config: KafkaInputConfig) -> None:
        self.name = name
        self.config = config
        self._consumer: Any = None
        self._epochs = itertools.count(1)
        self._assigned: dict[_Partition, int] = {}  # partition → epoch of its ownership
        self._parked: dict[_Partition, int] = {}  # revoked, until the next assignment

    def __repr__(self) -> str:
        return (
            f"KafkaInput({self.name!r}, brokers={self.config.brokers!r}, "
            f"topics={self.config.topics!r}, group={self.config.group!r})"
        )

    @property
    def _where(self) -> str:
        return f"inputs.{self.name}"

    @property
    def assigned_partitions(self) -> set[_Partition]:
        """The (topic, partition) pairs this consumer holds right now."""
        return set(self._assigned)

    # -- rebalance callbacks (run inside consume(), on the polling thread) --------------------
    def _on_assign(self, _consumer: Any, partitions: list[Any]) -> None:
        parked, self._parked = self._parked, {}
        for tp in partitions:
            key = (tp.topic, tp.partition)
            self._assigned[key] = parked.get(key) or next(self._epochs)
        _log.info("%s: assigned %s", self._where, _names(partitions))

    def _on_revoke(self, _consumer: Any, partitions: list[Any]) -> None:
        for tp in partitions:
            key = (tp.topic, tp.partition)
            epoch = self._assigned.pop(key, None)
            if epoch is not None:
                self._parked[key] = epoch
        _log.info("%s: revoked %s", self._where, _names(partitions))

    def _on_lost(self, _consumer: Any, partitions: list[Any]) -> None:
        for tp in partitions:
            self._assigned.pop((tp.topic, tp.partition), None)
            self._parked.pop((tp.topic, tp.partition), None)
        _log.warning(
            "%s: lost %s (session expired); their unacked batches will be read again",
            self._where,
            _names(partitions),
        )

    def _on_error(self, error: Any) -> None:
        _log.warning("%s: Kafka at %s: %s", self._where, ",".join(self.config.brokers), error)

    # -- the Input protocol ------------------------------------------------------------------
    def open(self) -> None:
        """Connect, check the brokers answer within ``connect_timeout_secs``, subscribe."""
        settings: dict[str, Any] = {
            "auto.offset.reset": "earliest",
            **self.config.options,
            "bootstrap.servers": ",".join(self.config.brokers),
            "group.id": self.config.group,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "logger": _log,
            "error_cb": self._on_error,
        }
        if self.config.password_env is not None:
            settings["sasl.password"] = from_env(
                self._where, "password_env", self.config.password_env, "the SASL password"
            )
        try:
            consumer = confluent_kafka.Consumer(settings)
        except confluent_kafka.KafkaException as exc:
            raise ConfigError(
                f"{self._where}.options: the Kafka consumer rejected its settings ({exc}); "
                "fix the option"
            ) from exc
        try:
            consumer.list_topics(timeout=self.config.connect_timeout_secs)
        except confluent_kafka.KafkaException as exc:
            consumer.close()
            raise InputError(
                f"{self._where}: cannot reach Kafka at {','.join(self.config.brokers)} within "
                f"{self.config.connect_timeout_secs}s ({exc}); check the address "
                "and that the brokers run (the runner retries)"
            ) from exc
        consumer.subscribe(
            list(self.config.topics),
            on_assign=self._on_assign,
            on_revoke=self._on_revoke,
            on_lost=self._on_lost,
        )
        self._consumer = consumer

    def poll(self, max_messages: int, timeout_secs: float) -> InputBatch:
        """Up to ``max_messages`` messages; the batch's token holds the positions to commit."""
        consumer = self._require_open()
        try:
            raw = consumer.consume(num_messages=max(1, max_messages), timeout=timeout_secs)
        except confluent_kafka.KafkaException as exc:
            raise InputError(f"{self._where}: reading from Kafka failed ({exc})") from exc
        messages: list[Message] = []
        positions: dict[_Partition, tuple[int, int]] = {}  # partition → (epoch, next offset)
        for m in raw:
            error = m.error()
            if error is not None:
                self._consume_error(error)
                continue
            topic, partition, offset = m.topic(), m.partition(), m.offset()
            headers = _headers(m.headers())
            messages.append(
                Message(
                    coordinates=f"kafka:{topic}/{partition}/{offset}",
                    payload=with_trace(m.value() or b"", headers.get("traceparent")),
                    headers=headers,
                )
            )
            epoch = self._assigned.get((topic, partition))
            if epoch is not None:  # a partition revoked during consume() is not committed
                positions[(topic, partition)] = (epoch, offset + 1)
        return InputBatch(messages, token=positions)

    def _consume_error(self, error: Any) -> None:
        if error.code() == confluent_kafka.KafkaError._PARTITION_EOF:
            return
        if error.fatal():
            raise InputError(f"{self._where}: Kafka consumer failed ({error}); restart the input")
        _log.warning("%s: %s", self._where, error)

    def ack(self, batch: InputBatch) -> None:
        """Commit, synchronously, the offset after each partition's last message.

        Only partitions still held under the assignment the batch was read in are
        committed; the others belong to another consumer now, which reads them again.
        """
        consumer = self._require_open()
        positions: dict[_Partition, tuple[int, int]] = batch.token or {}
        offsets = [
            confluent_kafka.TopicPartition(topic, partition, offset)
            for (topic, partition), (epoch, offset) in positions.items()
            if self._assigned.get((topic, partition)) == epoch
        ]
        skipped = len(positions) - len(offsets)
        if skipped:
            _log.info("%s: not committing %d revoked partition(s)", self._where, skipped)
        if not offsets:
            return
        try:
            result = consumer.commit(offsets=offsets, asynchronous=False)
        except confluent_kafka.KafkaException as exc:
            if _rebalancing(exc.args[0]):
                _log.info("%s: commit skipped during a rebalance (%s)", self._where, exc)
                return
            raise InputError(
                f"{self._where}: commit to Kafka at {','.join(self.config.brokers)} failed "
                f"({exc}); the batch will be read again"
            ) from exc
        failed = [tp for tp in result or [] if tp.error is not None]
        if failed:
            raise InputError(
                f"{self._where}: commit failed for {_names(failed)} ({failed[0].error}); "
                "those messages will be read again"
            )

    def close(self) -> None:
        """Leave the group; uncommitted messages go to the partitions' next owners."""
        consumer, self._consumer = self._consumer, None
        self._assigned.clear()
        self._parked.clear()
        if consumer is not None:
            consumer.close()

    def _require_open(self) -> Any:
        if self._consumer is None:
            raise InputError(f"{self._where}: the input is not open; call open() first")
        return self._consumer


def _names(partitions: list[Any]) -> str:
    return ", ".join(f"{tp.topic}/{tp.partition}" for tp in partitions) or "nothing"


def _headers(headers: list[tuple[str, bytes | None]] | None) -> dict[str, str]:
    if not headers:
        return {}
    return {k: (v or b"").decode("utf-8", errors="replace") for k, v in headers}


def _rebalancing(error: Any) -> bool:
    codes = confluent_kafka.KafkaError
    return error.code() in (
        codes.REBALANCE_IN_PROGRESS,
        codes.ILLEGAL_GENERATION,
        codes.UNKNOWN_MEMBER_ID,
        codes._ASSIGNMENT_LOST,
        codes._NO_OFFSET,
    )
