"""The store: the query model, KQL, the ``Store`` interface and its backends.

``DuckDBStore`` is imported lazily, so ``import logyard.store`` does not load DuckDB.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from logyard.errors import NotInstalledError
from logyard.store import kql
from logyard.store._aggjson import (
    aggregate_request_from_json,
    search_request_from_json,
    search_request_from_params,
)
from logyard.store._base import INDEX_PREFIX, Store, index_name
from logyard.store._model import (
    AggregateRequest,
    AggregateResult,
    Aggregation,
    Cardinality,
    DateHistogram,
    DeadLetter,
    EncodedEvents,
    Percentiles,
    SearchRequest,
    SearchResult,
    Sort,
    Stats,
    Terms,
    WriteBatch,
    WriteResult,
)

if TYPE_CHECKING:
    from logyard.store.duckdb import DuckDBStore

__all__ = [
    "INDEX_PREFIX",
    "AggregateRequest",
    "AggregateResult",
    "Aggregation",
    "Cardinality",
    "DateHistogram",
    "DeadLetter",
    "DuckDBStore",
    "EncodedEvents",
    "Percentiles",
    "SearchRequest",
    "SearchResult",
    "Sort",
    "Stats",
    "Store",
    "Terms",
    "WriteBatch",
    "WriteResult",
    "aggregate_request_from_json",
    "index_name",
    "kql",
    "search_request_from_json",
    "search_request_from_params",
]


def __getattr__(name: str) -> Any:
    if name == "DuckDBStore":
        try:
            from logyard.store.duckdb import DuckDBStore
        except ImportError as exc:
            raise NotInstalledError(
                f"logyard.store.DuckDBStore: {exc.name or 'duckdb'} is not installed; "
                "pip install 'logyard[server]'"
            ) from exc
        return DuckDBStore
    raise AttributeError(f"module 'logyard.store' has no attribute {name!r}")
