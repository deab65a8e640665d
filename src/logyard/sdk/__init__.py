"""What services import to emit catalogue events: ``from logyard.sdk import configure``.

::

    from logyard.sdk import configure, trace_context

    log = configure("mes", version="1.4.2")          # settings from LOGYARD_* below
    with trace_context(request.headers.get("traceparent")):
        log.order_assigned(order_id="ORD-1", operator="petrov", actor="ivanova")

A call only builds the event and appends it to a bounded buffer; a daemon thread
encodes, validates, batches and sends. While the server is down, batches wait in a
spool (fsync'd on disk with ``LOGYARD_SPOOL_DIR``) and are replayed in order. The SDK
never raises into the host after :func:`configure`: failures are counted by reason
(:meth:`EventLogger.stats`) and reported through the stdlib logger ``logyard.sdk``.
``EventLogger(..., strict=True)`` raises :class:`InvalidEventError` instead (tests).

Environment variables (read by :func:`configure`):

``LOGYARD_URL``
    Base URL of the logyard server, e.g. ``http://logyard:8080``; events go to
    ``POST <url>/api/v1/events`` as NDJSON. Required unless a transport is passed.
``LOGYARD_TOKEN``
    Ingest token, sent as ``Authorization: Bearer <token>``. Never logged.
``LOGYARD_SPOOL_DIR``
    Directory of the disk spool (one process per directory). Unset: the spool is in
    memory, so undelivered events survive outages but not restarts.
``LOGYARD_SPOOL_MAX_BYTES``
    Upper bound of the spool, in bytes (default 268435456, 256 MiB). Batches that do
    not fit are dropped and counted as ``spool_full``.

Tracing: :mod:`logyard.sdk.asgi` and :mod:`logyard.sdk.wsgi` hold the HTTP middleware
(FastAPI/Starlette, Flask) that logs every request and carries ``traceparent``;
``inject_kafka_headers``/``inject_amqp_headers`` and their ``extract_*`` partners carry it
through Kafka and RabbitMQ; an active OpenTelemetry span's ids win (``docs/tracing.md``).

The SDK imports only the standard library, msgspec and :mod:`logyard.catalog`;
:class:`KafkaTransport` imports confluent-kafka (``pip install 'logyard[kafka]'``) when built.
"""

from logyard.errors import InvalidEventError, TransportError
from logyard.sdk._config import configure
from logyard.sdk._handler import LogyardHandler
from logyard.sdk._http import HttpTransport
from logyard.sdk._kafka import KafkaTransport
from logyard.sdk._logger import EventLogger
from logyard.sdk._propagation import (
    extract_amqp_traceparent,
    extract_kafka_traceparent,
    inject_amqp_headers,
    inject_kafka_headers,
)
from logyard.sdk._stats import Stats
from logyard.sdk._trace import (
    TraceContext,
    current_trace,
    format_traceparent,
    parse_traceparent,
    start_span,
    trace_context,
)
from logyard.sdk._transport import (
    CallableTransport,
    MemoryTransport,
    RejectedError,
    TooLargeError,
    Transport,
)

__all__ = [
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
