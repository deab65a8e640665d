"""Output ``logyard``: a running ``logyard up`` over HTTP, so that several processors (one
consumer group) feed one embedded store.

The server answers only after the events are fsync'd in its write-ahead queue, so the
processor acknowledges its input after a durable write, as with a local store. Dead
letters are posted as their raw payloads: the server rejects them again, with the same
reason, into its own dead-letter table.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

from logyard.catalog import encode_event
from logyard.errors import ConfigError, StoreError
from logyard.store._model import (
    AggregateRequest,
    AggregateResult,
    DeadLetter,
    SearchRequest,
    SearchResult,
    WriteBatch,
    WriteResult,
)

__all__ = ["LogyardOutput"]


class LogyardOutput:
    """Writes batches to ``POST <url>/api/v1/events`` (NDJSON, bearer token)."""

    def __init__(self, url: str, token: str | None, *, timeout_secs: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"store.url: {url!r} is not an http(s) URL; e.g. http://logyard:8000")
        self.url = url.rstrip("/")
        self._parts = parts
        self._token = token
        self.timeout_secs = timeout_secs

    def __repr__(self) -> str:
        return f"LogyardOutput(url={self.url!r}, token=[secure])"

    def write(self, batch: WriteBatch) -> WriteResult:
        """Send events and dead letters; raises :class:`StoreError` if the server did not
        accept them durably (the caller retries and does not acknowledge its input)."""
        lines = [encode_event(e) for e in batch.events]
        lines += [doc for enc in batch.encoded for doc in enc.docs]
        lines += [d.raw for d in batch.dead_letters]
        if not lines:
            return WriteResult(stored=0, duplicates=0, dead_letters=0)
        answer = self._post(b"\n".join(lines))
        count = answer.get("accepted", 0)
        accepted = count if isinstance(count, int) else 0
        by_system: dict[str, int] = {}
        for e in batch.events:
            by_system[e.service] = by_system.get(e.service, 0) + 1
        # The server counts duplicates itself (event ids); here "stored" means accepted.
        return WriteResult(
            stored=accepted,
            duplicates=0,
            dead_letters=len(batch.dead_letters),
            by_system=by_system,
        )

    def _post(self, body: bytes) -> dict[str, object]:
        cls = (
            http.client.HTTPSConnection
            if self._parts.scheme == "https"
            else http.client.HTTPConnection
        )
        conn = cls(self._parts.hostname or "", self._parts.port, timeout=self.timeout_secs)
        headers = {"Content-Type": "application/x-ndjson"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            conn.request("POST", f"{self._parts.path.rstrip('/')}/api/v1/events", body, headers)
            resp = conn.getresponse()
            data = resp.read()
        except OSError as exc:
            raise StoreError(
                f"{self.url}: cannot reach logyard ({exc}); is `logyard up` running?"
            ) from exc
        finally:
            conn.close()
        if resp.status == 429:
            time.sleep(float(resp.getheader("Retry-After", "1")))
            raise StoreError(f"{self.url}: busy (429); retrying")
        if resp.status != 200:
            raise StoreError(
                f"{self.url}: answered {resp.status}: {data[:200]!r}; check store.url and the token"
            )
        answer: dict[str, object] = json.loads(data)
        return answer

    # The processor only writes; reading goes to the server's own API.
    def read_checkpoint(self, name: str) -> int | None:
        """Checkpoints live with the inputs (offsets, cursors), not in this output."""
        return None

    def search(self, request: SearchRequest) -> SearchResult:
        raise StoreError(f"{self.url}: search the server itself (logyard search --url {self.url})")

    def aggregate(self, request: AggregateRequest) -> AggregateResult:
        raise StoreError(f"{self.url}: aggregate on the server itself")

    def dead_letters(
        self, *, limit: int = 100, reason_code: str | None = None, since: datetime | None = None
    ) -> list[DeadLetter]:
        raise StoreError(f"{self.url}: list dead letters with logyard dlq list --url {self.url}")

    def dead_letters_by_id(self, ids: Sequence[str]) -> list[DeadLetter]:
        raise StoreError(f"{self.url}: use logyard dlq on the server")

    def delete_dead_letters(self, ids: Sequence[str]) -> int:
        raise StoreError(f"{self.url}: use logyard dlq on the server")

    def count(self, system: str | None = None) -> int:
        raise StoreError(f"{self.url}: count on the server itself")

    def heartbeat(self) -> None:
        """The server keeps its own hash chains."""

    def health_check(self) -> None:
        """Raise :class:`StoreError` unless the server's health endpoint answers."""
        conn = http.client.HTTPConnection(self._parts.hostname or "", self._parts.port, timeout=5)
        try:
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status != 200:
                raise StoreError(f"{self.url}: unhealthy")
        except OSError as exc:
            raise StoreError(f"{self.url}: cannot reach logyard ({exc})") from exc
        finally:
            conn.close()

    def close(self) -> None:
        """Nothing kept open."""
