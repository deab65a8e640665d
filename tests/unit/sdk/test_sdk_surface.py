"""The public surface of logyard.sdk, and that importing it stays light."""

from __future__ import annotations

import subprocess
import sys

import logyard.sdk

EXPECTED = [
    "CallableTransport",
    "EventLogger",
    "HttpTransport",
    "InvalidEventError",
    "KafkaTransport",
    "LogyardHandler",
    "MemoryTransport",
    "RejectedError",
    "Stats",
    "TooLargeError",
    "TraceContext",
    "Transport",
    "TransportError",
    "configure",
    "current_trace",
    "format_traceparent",
    "parse_traceparent",
    "start_span",
    "trace_context",
]


def test_all_is_sorted_and_is_what_we_meant() -> None:
    """__all__ is exactly the intended names, sorted, and each one resolves."""
    assert logyard.sdk.__all__ == EXPECTED
    assert all(hasattr(logyard.sdk, name) for name in EXPECTED)


def test_importing_the_sdk_pulls_in_no_server_dependencies() -> None:
    """A fresh interpreter importing logyard.sdk (and its testing helper) loads no server parts."""
    heavy = [
        "fastapi",
        "duckdb",
        "logyard.store",
        "logyard.api",
        "pyarrow",
        "uvicorn",
        "httpx",
        "confluent_kafka",
    ]
    code = (
        "import sys, logyard.sdk, logyard.sdk.testing; "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
