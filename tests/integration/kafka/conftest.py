"""Fixtures of the Kafka integration tests: one Tansu broker per session, names per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ._tansu import BrokerStartError, TansuBroker


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"Kafka tests need the Tansu broker (CI=true): {reason}")
    pytest.skip(f"Kafka tests need the Tansu broker: {reason}")


def start_broker(log_path: Path) -> TansuBroker:
    """A started broker on a free port, or a skip (a failure when ``CI=true``)."""
    try:
        import confluent_kafka  # noqa: F401
    except ImportError:
        _unavailable("confluent-kafka is not installed (pip install 'logyard[kafka]')")
    broker = TansuBroker(log_path)
    try:
        broker.start()
    except (BrokerStartError, OSError) as exc:
        _unavailable(str(exc))
    return broker


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuBroker]:
    """One Tansu broker on 127.0.0.1 for the session; logs in ``<tmp>/tansu/tansu.log``."""
    broker = start_broker(tmp_path_factory.mktemp("tansu") / "tansu.log")
    yield broker
    broker.stop()


@dataclass(frozen=True)
class KafkaNames:
    """Names no other test uses: ``topic("orders")`` → ``t3f9a….orders``."""

    prefix: str

    def topic(self, name: str) -> str:
        return f"{self.prefix}.{name}"

    def group(self, name: str = "g") -> str:
        return f"{self.prefix}-{name}"


@pytest.fixture
def kafka_names() -> KafkaNames:
    """A fresh prefix for this test's topics and consumer groups."""
    return KafkaNames(f"t{uuid.uuid4().hex[:10]}")
