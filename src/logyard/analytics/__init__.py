"""Analytics: the analytic schema fed from stored events, and the metrics of the note.

::

    store ──read_after (chain seq)──▶ normalize ──▶ AnalyticsSink ──▶ analytics.* tables
                                                   (or analytics-* indices)  │
                                       logyard.analytics.metrics ◀──────┘ (and the logs)
"""

from typing import TYPE_CHECKING, Any

from logyard.analytics._normalize import (
    NORMALIZED_ACTIONS,
    Fact,
    FactBatch,
    NormalizeError,
    StoredEvent,
    normalize,
)
from logyard.analytics._schema import SCHEMA, SESSION_TIMEOUT_MINUTES

if TYPE_CHECKING:
    from logyard.analytics._opensearch import OpenSearchAnalyticsSink
    from logyard.analytics._runner import Analyzer, RunStats
    from logyard.analytics._sink import AnalyticsSink, DuckDBAnalyticsSink

#: Imported on first use, so that ``logyard setup`` can read the analytic schema
#: (``logyard.analytics._documents``) without DuckDB or a cluster client.
_LAZY = {
    "AnalyticsSink": "_sink",
    "Analyzer": "_runner",
    "DuckDBAnalyticsSink": "_sink",
    "OpenSearchAnalyticsSink": "_opensearch",
    "RunStats": "_runner",
}

__all__ = [
    "NORMALIZED_ACTIONS",
    "SCHEMA",
    "SESSION_TIMEOUT_MINUTES",
    "AnalyticsSink",
    "Analyzer",
    "DuckDBAnalyticsSink",
    "Fact",
    "FactBatch",
    "NormalizeError",
    "OpenSearchAnalyticsSink",
    "RunStats",
    "StoredEvent",
    "normalize",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'logyard.analytics' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"logyard.analytics.{module}"), name)
