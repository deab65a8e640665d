"""Analytics: the analytic schema fed from stored events, and the metrics of the note.

::

    store ──read_after (chain seq)──▶ normalize ──▶ AnalyticsSink ──▶ analytics.* tables
                                                   (or analytics-* indices)  │
                                       logyard.analytics.metrics ◀──────┘ (and the logs)
"""

from logyard.analytics._normalize import (
    NORMALIZED_ACTIONS,
    Fact,
    FactBatch,
    NormalizeError,
    StoredEvent,
    normalize,
)
from logyard.analytics._opensearch import OpenSearchAnalyticsSink
from logyard.analytics._runner import Analyzer, RunStats
from logyard.analytics._schema import SCHEMA, SESSION_TIMEOUT_MINUTES
from logyard.analytics._sink import AnalyticsSink, DuckDBAnalyticsSink

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
