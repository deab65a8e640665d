"""W3C traceparent parsing/formatting and the trace context events pick up."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logyard.sdk import (
    EventLogger,
    MemoryTransport,
    TraceContext,
    current_trace,
    format_traceparent,
    parse_traceparent,
    start_span,
    trace_context,
)
from logyard.sdk.testing import capture_events

VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _hex(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789abcdef", min_size=n, max_size=n)


def test_a_valid_header_parses_into_its_fields() -> None:
    """The spec's example header yields its trace id, parent id and sampled flag."""
    assert parse_traceparent(VALID) == TraceContext(
        trace_id="4bf92f3577b34da6a3ce929d0e0e4736", span_id="00f067aa0ba902b7", flags=1
    )


@pytest.mark.parametrize(
    "header",
    [
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # all-zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # all-zero parent id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # version ff
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  # uppercase
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  # v00 with more
        "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # version not hex
        "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",  # misplaced dash
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",  # flags not hex
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",  # future: bad separator
        "",
    ],
)
def test_invalid_headers_are_refused(header: str) -> None:
    """Every malformed header of the W3C rules parses to None."""
    assert parse_traceparent(header) is None


def test_a_future_version_with_more_fields_is_read_for_its_known_part() -> None:
    """Version 01+ may append fields after a dash; the first four are still used."""
    header = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"
    assert parse_traceparent(header) == parse_traceparent(VALID)


@given(trace_id=_hex(32), span_id=_hex(16), flags=st.integers(0, 255))
def test_format_and_parse_round_trip(trace_id: str, span_id: str, flags: int) -> None:
    """parse(format(ctx)) == ctx for every valid context; all-zero ids never parse."""
    ctx = TraceContext(trace_id=trace_id, span_id=span_id, flags=flags)
    header = format_traceparent(ctx)
    assert header is not None
    if set(trace_id) == {"0"} or set(span_id) == {"0"}:
        assert parse_traceparent(header) is None
    else:
        assert parse_traceparent(header) == ctx
        assert format_traceparent(parse_traceparent(header)) == header


@given(st.text(max_size=80))
def test_parsing_any_text_never_raises(header: str) -> None:
    """Whatever a client sends as traceparent, parsing yields a context or None."""
    result = parse_traceparent(header)
    assert result is None or (format_traceparent(result) or "")[3:] == header.strip()[3:55]


def test_trace_context_continues_the_callers_trace_in_a_new_span() -> None:
    """Inside trace_context(header) the trace id is the caller's and the parent its span."""
    with trace_context(VALID) as ctx:
        assert current_trace() == ctx
        assert ctx.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
        assert ctx.parent_id == "00f067aa0ba902b7"
        assert ctx.span_id != ctx.parent_id
        assert format_traceparent() == f"00-{ctx.trace_id}-{ctx.span_id}-01"
    assert current_trace() is None


def test_an_invalid_header_starts_a_new_trace() -> None:
    """A bad traceparent is ignored and a fresh, valid trace begins."""
    with trace_context("garbage") as ctx:
        assert ctx.parent_id is None
        assert parse_traceparent(format_traceparent(ctx) or "") is not None


def test_start_span_nests_under_the_current_span_and_restores_it() -> None:
    """start_span keeps the trace id, parents the new span on the current one, then restores."""
    with trace_context() as outer, start_span() as inner:
        assert (inner.trace_id, inner.parent_id) == (outer.trace_id, outer.span_id)
        assert current_trace() == inner
    assert current_trace() is None


def test_events_carry_the_current_trace_and_span_ids() -> None:
    """An event emitted inside a span has trace.id/span.id; one outside has neither."""
    log = EventLogger("mes", transport=MemoryTransport(), strict=True)
    with capture_events(log) as events:
        with trace_context(VALID) as ctx:
            log.service_started()
        log.service_stopped()
    log.close()
    assert (events[0]["trace.id"], events[0]["span.id"]) == (ctx.trace_id, ctx.span_id)
    assert "trace.id" not in events[1]
