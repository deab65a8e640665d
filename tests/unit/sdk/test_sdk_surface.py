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
    "extract_amqp_traceparent",
    "extract_kafka_traceparent",
    "format_traceparent",
    "inject_amqp_headers",
    "inject_kafka_headers",
    "parse_traceparent",
    "start_span",
    "trace_context",
]


def test_all_is_sorted_and_is_what_we_meant() -> None:
    """__all__ is exactly the intended names, sorted, and each one resolves."""
    assert logyard.sdk.__all__ == EXPECTED
    assert all(hasattr(logyard.sdk, name) for name in EXPECTED)


def test_the_middleware_modules_export_one_middleware_each() -> None:
    """logyard.sdk.asgi and logyard.sdk.wsgi each export LogyardMiddleware, and no more."""
    import logyard.sdk.asgi
    import logyard.sdk.wsgi

    assert (logyard.sdk.asgi.__all__, logyard.sdk.wsgi.__all__) == (
        ["LogyardMiddleware"],
        ["LogyardMiddleware"],
    )


def test_importing_the_sdk_pulls_in_no_server_dependencies() -> None:
    """A fresh interpreter importing logyard.sdk, its testing helper and the ASGI/WSGI
    middleware loads no server part, no web framework and no OpenTelemetry."""
    heavy = [
        "fastapi",
        "duckdb",
        "logyard.store",
        "logyard.api",
        "pyarrow",
        "uvicorn",
        "httpx",
        "confluent_kafka",
        "starlette",
        "flask",
        "werkzeug",
        "pika",
        "opentelemetry",
    ]
    code = (
        "import sys, logyard.sdk, logyard.sdk.testing, logyard.sdk.asgi, logyard.sdk.wsgi; "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
