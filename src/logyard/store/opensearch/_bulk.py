"""Bulk writes: batches, idempotent ``create``, per-item outcomes, retries with backoff.

Each document is one ``create`` (``_id`` = event id), so a replay never duplicates: a 409 on
create means the document is already there and is counted as a duplicate. A bulk answer is
read item by item, because a ``200 OK`` bulk response can still refuse some items:

* ``201``/``200``: stored;
* ``409``: a duplicate;
* ``429`` and ``5xx`` (the node's write queue is full, a shard is not available): retried,
  only those items, with exponential backoff — also when they come inside a ``200``;
* any other ``4xx`` (a mapping conflict, a document too large): rejected with the item's
  reason, for the caller to send to the dead-letter queue; the batch goes on.

A whole request answered 429/5xx, or not answered at all, is retried the same way. When the
retries run out the write raises :class:`StoreError`, nothing is acknowledged, and the
processor retries the batch later (the items already stored then count as duplicates).
At most ``max_in_flight`` bulk requests of one writer run at a time.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from logyard.errors import StoreError
from logyard.store.opensearch._client import ClusterClient, ClusterUnreachable, error_reason

__all__ = ["BulkDoc", "BulkOutcome", "BulkWriter", "Refresh"]

Refresh = Literal["false", "true", "wait_for"]
_ENCODE = msgspec.json.encode


@dataclass(frozen=True, slots=True)
class BulkDoc:
    """One document to write: target index, ``_id``, JSON source, operation, and more action
    metadata (``version``/``version_type``, ``if_seq_no``/``if_primary_term``) when needed."""

    index: str
    id: str
    source: bytes
    op: Literal["create", "index"] = "create"
    meta: Mapping[str, Any] | None = None


@dataclass(slots=True)
class BulkOutcome:
    """What became of each document of a write."""

    created: list[BulkDoc] = field(default_factory=list)
    duplicates: list[BulkDoc] = field(default_factory=list)
    rejected: list[tuple[BulkDoc, int, str]] = field(default_factory=list)  # doc, status, why

    def merge(self, other: BulkOutcome) -> None:
        self.created += other.created
        self.duplicates += other.duplicates
        self.rejected += other.rejected


class BulkWriter:
    """Writes documents through ``_bulk`` in batches of ``max_docs``/``max_bytes``."""

    def __init__(
        self,
        client: ClusterClient,
        *,
        max_docs: int = 1000,
        max_bytes: int = 5 << 20,
        max_in_flight: int = 2,
        max_retries: int = 8,
        backoff_secs: float = 0.1,
        backoff_max_secs: float = 10.0,
        refresh: Refresh = "false",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.max_docs = max(1, max_docs)
        self.max_bytes = max(1, max_bytes)
        self.max_retries = max_retries
        self.backoff_secs = backoff_secs
        self.backoff_max_secs = backoff_max_secs
        self.refresh = refresh
        self._sleep = sleep
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, max_in_flight), thread_name_prefix="bulk"
        )
        self._lock = threading.Lock()
        #: Items sent again after a 429/5xx (per item or whole request), since the start.
        self.retried_items = 0
        #: Bulk requests sent, since the start.
        self.requests = 0

    def write(self, docs: Sequence[BulkDoc], *, refresh: Refresh | None = None) -> BulkOutcome:
        """Write ``docs``; raises :class:`StoreError` when retries run out."""
        chunks = list(self._chunks(docs))
        policy = self.refresh if refresh is None else refresh
        outcome = BulkOutcome()
        if len(chunks) <= 1:
            for chunk in chunks:
                outcome.merge(self._send(chunk, policy))
            return outcome
        futures = [self._pool.submit(self._send, chunk, policy) for chunk in chunks]
        errors: list[BaseException] = []
        for future in futures:  # wait for every chunk before reporting a failure
            try:
                outcome.merge(future.result())
            except BaseException as exc:  # re-raised below
                errors.append(exc)
        if errors:
            raise errors[0]
        return outcome

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _chunks(self, docs: Sequence[BulkDoc]) -> list[list[tuple[BulkDoc, bytes]]]:
        chunks: list[list[tuple[BulkDoc, bytes]]] = []
        current: list[tuple[BulkDoc, bytes]] = []
        size = 0
        for doc in docs:
            action: dict[str, Any] = {"_index": doc.index, "_id": doc.id}
            if doc.meta:
                action.update(doc.meta)
            line = _ENCODE({doc.op: action}) + b"\n" + doc.source
            line += b"\n"
            if current and (len(current) >= self.max_docs or size + len(line) > self.max_bytes):
                chunks.append(current)
                current, size = [], 0
            current.append((doc, line))
            size += len(line)
        if current:
            chunks.append(current)
        return chunks

    def _delay(self, attempt: int) -> float:
        ceiling = min(self.backoff_max_secs, self.backoff_secs * (2**attempt))
        return random.uniform(ceiling / 2, ceiling)  # jitter

    def _send(self, chunk: list[tuple[BulkDoc, bytes]], refresh: Refresh) -> BulkOutcome:
        outcome = BulkOutcome()
        pending = chunk
        attempt = 0
        where = self.client.settings.where
        last = ""
        while pending:
            if attempt > 0:
                with self._lock:
                    self.retried_items += len(pending)
                self._sleep(self._delay(attempt - 1))
            if attempt > self.max_retries:
                raise StoreError(
                    f"opensearch store {where}: {len(pending)} document(s) still refused after "
                    f"{self.max_retries} retries (last: {last}); the cluster is overloaded or "
                    "unavailable, the batch is not acknowledged and will be retried"
                )
            attempt += 1
            params: dict[str, str] = {"refresh": refresh} if refresh != "false" else {}
            try:
                with self._lock:
                    self.requests += 1
                resp = self.client.request(
                    "POST", "/_bulk", body=b"".join(line for _, line in pending),
                    params=params, ndjson=True,
                )  # fmt: skip
            except ClusterUnreachable as exc:
                last = str(exc)
                continue
            if resp.status == 429 or resp.status >= 500:
                last = f"HTTP {resp.status} {resp.reason()}"
                continue
            if not resp.ok or not isinstance(resp.body, dict):
                raise StoreError(
                    f"opensearch store {where}: bulk request refused (HTTP {resp.status} "
                    f"{resp.reason()}); give the user write permission on the indices (the "
                    "logyard_writer role of `logyard setup`)"
                )
            items = resp.body.get("items") or []
            if len(items) != len(pending):
                raise StoreError(
                    f"opensearch store {where}: bulk answered {len(items)} items for "
                    f"{len(pending)} documents; the cluster's answer is inconsistent"
                )
            again: list[tuple[BulkDoc, bytes]] = []
            for (doc, line), item in zip(pending, items, strict=True):
                result = next(iter(item.values())) if isinstance(item, dict) and item else {}
                status = int(result.get("status", 0))
                if 200 <= status < 300:
                    outcome.created.append(doc)
                elif status == 409 and doc.op == "create":
                    outcome.duplicates.append(doc)
                elif status == 429 or status >= 500 or status == 0:
                    again.append((doc, line))
                    last = f"HTTP {status} {error_reason(result.get('error'))}"
                else:
                    outcome.rejected.append((doc, status, error_reason(result.get("error"))))
            pending = again
        return outcome
