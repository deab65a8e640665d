"""Trace context: the current (trace id, span id) and W3C ``traceparent`` headers.

Events emitted inside ``with trace_context(...)`` or ``with start_span()`` carry
``trace.id`` and ``span.id`` automatically. The header format is
``00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`` (W3C Trace Context, level 1).

When an OpenTelemetry span is active (``opentelemetry.trace.get_current_span()`` has a
valid context), its trace and span ids win: logyard events then join the service's
OpenTelemetry traces. OpenTelemetry is never imported here; it is only consulted once the
service itself has imported it (no import, no active span).
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

__all__ = [
    "TraceContext",
    "current_trace",
    "format_traceparent",
    "parse_traceparent",
    "start_span",
    "trace_context",
]

# version-trace_id-parent_id-flags, then (versions after 00 only) "-" and anything
_TRACEPARENT = re.compile(
    r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?\Z", re.S
)
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16


class TraceContext(NamedTuple):
    """Where the current work sits in a distributed trace.

    ``span_id`` is this service's span; ``parent_id`` the caller's span, when known;
    ``flags`` the W3C trace flags (bit 0 = sampled).
    """

    trace_id: str
    span_id: str
    parent_id: str | None = None
    flags: int = 1


_CURRENT: ContextVar[TraceContext | None] = ContextVar("logyard_trace", default=None)
_current = _CURRENT.get
_module = sys.modules.get  # OpenTelemetry is consulted only once the service imported it


def new_trace_id() -> str:
    """A random, non-zero 128-bit trace id as 32 lowercase hex digits."""
    return f"{random.getrandbits(128) or 1:032x}"


def new_span_id() -> str:
    """A random, non-zero 64-bit span id as 16 lowercase hex digits."""
    return f"{random.getrandbits(64) or 1:016x}"


def parse_traceparent(header: str) -> TraceContext | None:
    """The context a ``traceparent`` header carries, or ``None`` when it is invalid.

    Follows the W3C rules: lowercase hex only, version ``ff`` is invalid, version ``00``
    has exactly four fields, a later version may append fields after a ``-``, and an
    all-zero trace id or parent id is invalid. The returned ``span_id`` is the caller's
    span (the parent id); :func:`trace_context` opens a child span under it.
    """
    header = header.strip()
    match = _TRACEPARENT.match(header)
    if match is None:
        return None
    version, trace_id, parent_id, flags = match.groups()
    if version == "ff" or (version == "00" and len(header) != 55):
        return None
    if trace_id == _ZERO_TRACE or parent_id == _ZERO_SPAN:
        return None
    return TraceContext(trace_id=trace_id, span_id=parent_id, flags=int(flags, 16))


def format_traceparent(context: TraceContext | None = None) -> str | None:
    """The ``traceparent`` header for ``context`` (default: the current one), to send on."""
    context = context if context is not None else current_trace()
    if context is None:
        return None
    return f"00-{context.trace_id}-{context.span_id}-{context.flags & 0xFF:02x}"


def current_trace() -> TraceContext | None:
    """The trace context events emitted here would carry, if any.

    An active OpenTelemetry span comes first, then the innermost :func:`trace_context` or
    :func:`start_span` block.
    """
    otel = _module("opentelemetry.trace")
    if otel is not None:
        context = _otel_context(otel)
        if context is not None:
            return context
    return _current()


def _otel_context(otel: Any) -> TraceContext | None:
    """The ids of OpenTelemetry's current span, or ``None`` when no valid span is active."""
    global _otel_last
    try:
        span_context = otel.get_current_span().get_span_context()
        last = _otel_last
        if last is not None and last[0] is span_context:  # many events per span
            return last[1]
        if not span_context.is_valid:
            return None
        context = TraceContext(
            f"{span_context.trace_id:032x}",
            f"{span_context.span_id:016x}",
            None,
            int(span_context.trace_flags) & 0xFF,
        )
        _otel_last = (span_context, context)
        return context
    except Exception:  # a broken tracer must not break logging
        return None


# The last OpenTelemetry span context seen and its ids (a span's context object is fixed).
_otel_last: tuple[Any, TraceContext] | None = None


@contextmanager
def trace_context(traceparent: str | None = None) -> Iterator[TraceContext]:
    """Continue the trace of an incoming ``traceparent`` (or start a new trace).

    Opens a new span of this service under the caller's span. An invalid or missing
    header starts a fresh trace, as the W3C specification asks.
    """
    with _child_of(parse_traceparent(traceparent) if traceparent else None) as context:
        yield context


@contextmanager
def start_span() -> Iterator[TraceContext]:
    """A child span of the current one (a new trace when there is none)."""
    with _child_of(current_trace()) as context:
        yield context


@contextmanager
def _child_of(parent: TraceContext | None) -> Iterator[TraceContext]:
    """Make a new span under ``parent`` (a new trace without one) current for the block."""
    context = _child(parent)
    token = _CURRENT.set(context)
    try:
        yield context
    finally:
        _CURRENT.reset(token)


def _child(parent: TraceContext | None) -> TraceContext:
    """A new span under ``parent``, or the root span of a new trace."""
    if parent is None:
        return TraceContext(trace_id=new_trace_id(), span_id=new_span_id())
    return TraceContext(parent.trace_id, new_span_id(), parent.span_id, parent.flags)
