"""The store interface every backend implements (DuckDB now, OpenSearch/Elasticsearch next)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from logyard.store._model import (
    AggregateRequest,
    AggregateResult,
    DeadLetter,
    SearchRequest,
    SearchResult,
    WriteBatch,
    WriteResult,
)

__all__ = ["INDEX_PREFIX", "Store", "index_name"]

INDEX_PREFIX = "logs-"


def index_name(system: str) -> str:
    """The logical index of a system: ``logs-mes``."""
    return f"{INDEX_PREFIX}{system}"


@runtime_checkable
class Store(Protocol):
    """A log store. Thread-safe: the processor writes while the API reads."""

    def write(self, batch: WriteBatch) -> WriteResult:
        """Store events (idempotent on ``event.id``), dead letters and the checkpoint atomically."""
        ...

    def read_checkpoint(self, name: str) -> int | None:
        """The last checkpoint stored for input ``name``, or None."""
        ...

    def search(self, request: SearchRequest) -> SearchResult:
        """Matching events, sorted, one page."""
        ...

    def aggregate(self, request: AggregateRequest) -> AggregateResult:
        """Aggregations over matching events."""
        ...

    def dead_letters(
        self, *, limit: int = 100, reason_code: str | None = None, since: datetime | None = None
    ) -> list[DeadLetter]:
        """Dead letters, newest first."""
        ...

    def dead_letters_by_id(self, ids: Sequence[str]) -> list[DeadLetter]:
        """The dead letters with these ids (unknown ids are skipped)."""
        ...

    def delete_dead_letters(self, ids: Sequence[str]) -> int:
        """Remove dead letters (after a successful replay); returns how many were removed."""
        ...

    def count(self, system: str | None = None) -> int:
        """Stored events (of one system, or all)."""
        ...

    def heartbeat(self) -> None:
        """Called while the processor waits for events (the DuckDB store writes its hash
        chains' due checkpoints here); cheap when nothing is due."""
        ...

    def health_check(self) -> None:
        """Raise :class:`logyard.errors.StoreError` if the store cannot serve."""
        ...

    def close(self) -> None:
        """Release files and connections."""
        ...
