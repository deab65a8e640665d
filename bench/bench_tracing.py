"""What tracing costs a service: the HTTP middleware per request, and the OpenTelemetry check
per event.

Run: ``.venv/bin/python bench/bench_tracing.py [--requests 20000] [--events 200000]``

*Middleware*: a framework-less ASGI (and WSGI) app answering 200 with one body chunk is
called directly (no server, no sockets), bare and wrapped in ``LogyardMiddleware``; the
difference is what the middleware adds per request: reading ``traceparent``, opening the
span, setting the response header, timing, building and queueing the ``api.request``
event (delivery runs on the SDK's thread into a transport that discards it). Median of
``--rounds`` rounds, CPU time of the calling thread per request (what the request pays
inline; the delivery thread's encoding is ``bench_sdk.py``'s *background*).

*Emit*: the caller cost of one ``order.assigned`` (as ``bench_sdk.py``), before
OpenTelemetry is imported, once it is imported with no active span, and inside an active
span (its ids are read per event).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from logyard.sdk import CallableTransport, EventLogger
from logyard.sdk.asgi import LogyardMiddleware as AsgiMiddleware
from logyard.sdk.wsgi import LogyardMiddleware as WsgiMiddleware

TRACEPARENT = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _logger(service: Any, n: int) -> EventLogger:
    return EventLogger(
        service, transport=CallableTransport(lambda batch: None), buffer_max_events=n + 1
    )


async def _asgi_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _asgi_loop(app: Any, n: int) -> float:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/api/v1/orders/ORD-1",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"mes-api"), (b"traceparent", TRACEPARENT)],
        "client": ("10.0.0.9", 5000),
    }

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        pass

    async def run() -> float:
        t0 = time.thread_time_ns()
        for _ in range(n):
            await app(dict(scope), receive, send)
        return (time.thread_time_ns() - t0) / n

    return asyncio.run(run())


def _wsgi_app(environ: Any, start_response: Any) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return iter([b"ok"])


def _wsgi_loop(app: Any, n: int) -> float:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/api/orders/1",
        "SERVER_NAME": "shop-api",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "10.0.0.9",
        "HTTP_TRACEPARENT": TRACEPARENT.decode(),
        "wsgi.url_scheme": "http",
    }

    def start_response(status: str, headers: Any, *exc: Any) -> None:
        pass

    t0 = time.thread_time_ns()
    for _ in range(n):
        body = app(dict(environ), start_response)
        for _chunk in body:
            pass
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return (time.thread_time_ns() - t0) / n


def _median(fn: Callable[[], float], rounds: int) -> float:
    fn()  # warm up
    return statistics.median(fn() for _ in range(rounds))


def bench_middleware(n: int, rounds: int) -> list[tuple[str, float, float]]:
    log = _logger("mes-api", n * (rounds + 1))
    rows = []
    bare = _median(lambda: _asgi_loop(_asgi_app, n), rounds)
    wrapped = _median(lambda: _asgi_loop(AsgiMiddleware(_asgi_app, logger=log), n), rounds)
    rows.append(("ASGI", bare, wrapped))
    bare = _median(lambda: _wsgi_loop(_wsgi_app, n), rounds)
    wrapped = _median(lambda: _wsgi_loop(WsgiMiddleware(_wsgi_app, logger=log), n), rounds)
    rows.append(("WSGI", bare, wrapped))
    log.flush(60)
    log.close()
    return rows


def _emit_cost(log: EventLogger, n: int, rounds: int) -> float:
    method = log.order_assigned

    def loop() -> float:
        t0 = time.thread_time_ns()
        for _ in range(n):
            method(order_id="ORD-1042", operator="petrov", actor="ivanova")
        cost = (time.thread_time_ns() - t0) / n
        log.flush(120)
        return cost

    return _median(loop, rounds)


def bench_emit(n: int, rounds: int) -> list[tuple[str, float]]:
    log = _logger("mes", n)
    rows = [("OpenTelemetry not imported", _emit_cost(log, n, rounds))]
    from opentelemetry.sdk.trace import TracerProvider

    rows.append(("imported, no active span", _emit_cost(log, n, rounds)))
    provider = TracerProvider()
    with provider.get_tracer("bench").start_as_current_span("request"):
        rows.append(("inside an active span", _emit_cost(log, n, rounds)))
    provider.shutdown()
    log.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"middleware: {args.requests} requests x {args.rounds} rounds, median round")
    print(f"{'':6} {'bare ns/req':>12} {'with ns/req':>12} {'added µs/req':>13}  (caller CPU)")
    for name, bare, wrapped in bench_middleware(args.requests, args.rounds):
        print(f"{name:6} {bare:12.0f} {wrapped:12.0f} {(wrapped - bare) / 1000:13.1f}")
    print(f"\nemit (caller CPU): {args.events} events x {args.rounds} rounds, median round")
    for name, cost in bench_emit(args.events, args.rounds):
        print(f"{name:30} {cost:6.0f} ns/event")


if __name__ == "__main__":
    main()
