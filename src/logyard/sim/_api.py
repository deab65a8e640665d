"""An API call as the three APIs log it: status, latency, the error behind a 5xx, retries."""

from __future__ import annotations

from datetime import UTC, datetime

from logyard.catalog import ApiRequest, ErrorEvent, Event, System
from logyard.sim._texts import stack_trace
from logyard.sim._world import API_MS, HOSTS, TABLE_BITS, World

__all__ = ["api_call", "error_event"]

_5XX = (500, 502, 503, 503, 504)
_4XX = {
    "GET": (404, 404, 400, 401, 429),
    "POST": (400, 401, 409, 422, 429),
    "PATCH": (400, 404, 409, 422),
    "DELETE": (404, 409),
}
_5XX_ERRORS = {
    500: ("KeyError", "'delivery' in order payload"),
    502: ("BadGatewayError", "upstream closed the connection"),
    503: ("ServiceUnavailableError", "database connection pool exhausted (size 20)"),
    504: ("TimeoutError", "upstream did not answer within 10000 ms"),
}
_fromts = datetime.fromtimestamp
_FAIL = 0.008  # share of 5xx in normal operation
_CLIENT = 0.03  # share of 4xx
_DEGRADED_FAIL = 0.6  # share of 5xx while the service is in an incident


def error_event(
    w: World, t: int, system: System, error_type: str, message: str, trace: str | None
) -> ErrorEvent:
    """An ERROR event with a traceback, on ``trace`` when there is one."""
    return ErrorEvent(
        timestamp=w.ts(t),
        event_id=w.eid(t),
        service=system,
        host=w.host(system),
        trace_id=trace,
        span_id=w.span() if trace else None,
        message=f"{error_type}: {message}",
        error_type=error_type,
        error_message=message,
        stack_trace=stack_trace(system, error_type, message),
    )


def api_call(
    w: World,
    t: int,
    system: System,
    method: str,
    route: str,
    *,
    trace: str,
    user: str | None = None,
    ip: str | None = None,
    ok: int = 200,
    work_ms: float = 0.0,
) -> list[tuple[int, Event]]:
    """``api.request`` events of one call; a 5xx or timeout is retried (up to 2 retries).

    Usually one event; a 5xx is logged with its ERROR half the time, then retried.
    ``work_ms`` is server work the first attempt includes (a calculation). The caller
    yields the list and takes its clock from the last item.
    """
    rnd = w.rnd
    bits = w.bits
    hosts = HOSTS[system]
    attempt = 0
    until = w.degraded_until.get(system)
    fail = _DEGRADED_FAIL if until is not None and t < until else _FAIL
    eid = w.eid
    out: list[tuple[int, Event]] = []
    while True:
        latency = API_MS[bits(TABLE_BITS)]
        if work_ms:
            latency = round(latency + work_ms, 1)
            work_ms = 0.0
        r = rnd()
        if r < fail:
            status = _5XX[int(rnd() * 5)]
            if status == 504:
                latency = 10_000.0
        elif r < fail + _CLIENT:
            codes = _4XX.get(method, (400,))
            status = codes[int(rnd() * len(codes))]
        else:
            status = ok
        t += int(latency) + 1
        out.append(
            (
                t,
                ApiRequest(
                    timestamp=_fromts(t / 1000, UTC),
                    event_id=eid(t),
                    service=system,
                    host=hosts[bits(2)],
                    trace_id=trace,
                    span_id="%016x" % bits(64),  # noqa: UP031 - hot path
                    user_name=user,
                    client_ip=ip,
                    method=method,
                    route=route,
                    status_code=status,
                    duration_ms=latency,
                    retry_attempt=attempt,
                ),
            )
        )
        if status < 500 or attempt == 2:
            return out
        if rnd() < 0.5:
            error_type, message = _5XX_ERRORS[status]
            out.append((t, error_event(w, t, system, error_type, message, trace)))
        attempt += 1
        t += 100 * 2**attempt + int(rnd() * 100)
