"""The store: the query model, KQL, the ``Store`` interface and its backends.

``DuckDBStore`` and ``OpenSearchStore`` are imported lazily, so ``import logyard.store``
loads neither DuckDB nor an OpenSearch/Elasticsearch client.
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
    from logyard.store.opensearch import OpenSearchStore

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
    "OpenSearchStore",
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
    if name == "OpenSearchStore":
        try:
            from logyard.store.opensearch import OpenSearchStore
        except ImportError as exc:
            raise NotInstalledError(
                f"logyard.store.OpenSearchStore: {exc.name or 'opensearch-py'} is not "
                "installed; pip install 'logyard[opensearch]' (or 'logyard[elasticsearch]')"
            ) from exc
        return OpenSearchStore
    raise AttributeError(f"module 'logyard.store' has no attribute {name!r}")
