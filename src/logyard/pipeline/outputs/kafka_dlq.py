"""Dead letters to a Kafka topic (``logs.dlq``), for the distributed setup where the store
is not the place operators look: one JSON message per rejected item, keyed by its id."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import msgspec

from logyard.errors import NotInstalledError, StoreError
from logyard.store._model import DeadLetter

__all__ = ["KafkaDeadLetters", "dead_letter_document"]


def dead_letter_document(letter: DeadLetter) -> dict[str, Any]:
    """The JSON shape of a dead letter on the topic (raw as text, or base64 if not UTF-8)."""
    try:
        raw: dict[str, str] = {"raw": letter.raw.decode()}
    except UnicodeDecodeError:
        raw = {"raw_base64": base64.b64encode(letter.raw).decode()}
    return {
        "id": letter.id,
        "received_at": letter.received_at.isoformat(),
        "source": letter.source,
        "reason_code": letter.reason_code,
        "reason": letter.reason,
        "path": letter.path,
        "step": letter.step,
        "component": letter.component,
        "service": letter.service,
        "action": letter.action,
        **raw,
    }


class KafkaDeadLetters:
    """Produces dead letters with ``acks=all`` and waits for the broker's confirmation."""

    def __init__(
        self,
        brokers: Sequence[str],
        topic: str = "logs.dlq",
        *,
        options: dict[str, str] | None = None,
        timeout_secs: float = 30.0,
    ) -> None:
        try:
            from confluent_kafka import Producer
        except ImportError as exc:
            raise NotInstalledError(
                "dead_letters.type = \"kafka\" needs confluent-kafka; pip install 'logyard[kafka]'"
            ) from exc
        self.topic = topic
        self.timeout_secs = timeout_secs
        self._brokers = ",".join(brokers)
        self._producer = Producer(
            {
                **(options or {}),
                "bootstrap.servers": self._brokers,
                "acks": "all",
                "enable.idempotence": True,
            }
        )

    def __repr__(self) -> str:
        return f"KafkaDeadLetters(brokers={self._brokers!r}, topic={self.topic!r})"

    def send(self, letters: Sequence[DeadLetter]) -> None:
        """Deliver every letter or raise :class:`StoreError` (the caller retries)."""
        failures: list[str] = []

        def report(err: Any, _msg: Any) -> None:
            if err is not None:
                failures.append(str(err))

        for letter in letters:
            self._producer.produce(
                self.topic,
                msgspec.json.encode(dead_letter_document(letter)),
                key=letter.id.encode(),
                on_delivery=report,
            )
        remaining = self._producer.flush(self.timeout_secs)
        if failures or remaining:
            raise StoreError(
                f"dead letters: Kafka at {self._brokers} did not confirm "
                f"{len(failures) + remaining} of {len(letters)} ({failures[:1]}); retrying"
            )

    def close(self) -> None:
        """Flush what is left."""
        self._producer.flush(self.timeout_secs)
