"""The ASGI middleware in a real FastAPI app served by uvicorn on loopback, called by httpx."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.responses import StreamingResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from logyard.sdk import EventLogger, MemoryTransport, current_trace
from logyard.sdk.asgi import LogyardMiddleware
from logyard.sdk.testing import capture_events

from ._served import CALLER_SPAN, CALLER_TRACE, INCOMING, REQUEST_FIELDS, wait_for


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[httpx.Client]:
    """``app`` under uvicorn in a thread; a client for it once it accepts connections."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"asgi-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail(f"uvicorn did not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(10)


def requests_of(events: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """The first ``count`` api.request events, waiting for them."""
    return wait_for(events, count, lambda e: e["event.action"] == "api.request")


class Raised:
    """An outermost ASGI wrapper recording what escapes the app (it re-raises it)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.errors: list[BaseException] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception as exc:
            self.errors.append(exc)
            raise


def make_app(log: EventLogger) -> FastAPI:
    """mes-api's shape: routes under /api/v1 with path parameters, sync and async, a
    streaming export and a handler that fails."""
    app = FastAPI()
    api = APIRouter(prefix="/api/v1")

    @api.get("/orders/{order_id}")
    async def get_order(order_id: str) -> dict[str, Any]:
        log.order_calculated(order_id=order_id, actor="calc", calculation_duration_ms=12.5)
        trace = current_trace()
        return {"order_id": order_id, "trace_id": trace.trace_id if trace else None}

    @api.post("/orders/{order_id}/recalculate")
    def recalculate(order_id: str) -> dict[str, Any]:  # sync: runs in the thread pool
        log.order_calculated(order_id=order_id, actor="calc", calculation_duration_ms=3.0)
        return {"ok": True}

    @api.get("/export")
    async def export() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for n in range(3):
                await asyncio.sleep(0.05)
                yield f"row {n}\n".encode()

        return StreamingResponse(chunks(), media_type="text/plain")

    @api.get("/fail")
    async def fail() -> None:
        raise RuntimeError("calculation engine unreachable")

    app.include_router(api)

    async def user(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(request.path_params["user_id"]))

    async def files(scope: Any, receive: Any, send: Any) -> None:  # a bare ASGI app
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"file"})

    app.mount("/admin", Starlette(routes=[Route("/users/{user_id:int}", user)]))
    app.mount("/files", files)
    return app


@pytest.fixture
def log() -> Iterator[EventLogger]:
    """mes-api's logger, strict, delivering nowhere (events are captured)."""
    logger = EventLogger("mes-api", transport=MemoryTransport(), strict=True)
    yield logger
    logger.close()


@pytest.fixture
def client(log: EventLogger) -> Iterator[httpx.Client]:
    """The app with the middleware added the FastAPI way (``add_middleware``)."""
    app = make_app(log)
    app.add_middleware(LogyardMiddleware, logger=log)
    with serve(app) as c:
        yield c


def test_a_request_is_logged_with_route_template_status_duration_and_client(
    log: EventLogger, client: httpx.Client
) -> None:
    """GET /api/v1/orders/ORD-7 → api.request with the route template (router prefix
    included), method, status 200, a positive duration and the client's IP."""
    with capture_events(log) as events:
        assert client.get("/api/v1/orders/ORD-7").status_code == 200
        (event,) = requests_of(events, 1)
    got = {k: event[k] for k in REQUEST_FIELDS}
    assert got == {
        "http.request.method": "GET",
        "http.route": "/api/v1/orders/{order_id}",
        "http.response.status_code": 200,
        "client.ip": "127.0.0.1",
    }
    assert event["http.duration_ms"] > 0


def test_an_incoming_traceparent_is_continued_into_the_handlers_events(
    log: EventLogger, client: httpx.Client
) -> None:
    """The caller's trace id is on the request event and on the event logged inside the
    handler (same span), the handler sees it as current, and the response's traceparent
    names that span under the caller's trace."""
    with capture_events(log) as events:
        response = client.get("/api/v1/orders/ORD-7", headers={"traceparent": INCOMING})
        (request,) = requests_of(events, 1)
    (inner,) = [e for e in events if e["event.action"] == "order.calculated"]
    assert response.json()["trace_id"] == CALLER_TRACE
    assert (inner["trace.id"], inner["span.id"]) == (request["trace.id"], request["span.id"])
    assert request["trace.id"] == CALLER_TRACE
    assert request["span.id"] != CALLER_SPAN
    assert response.headers["traceparent"] == f"00-{CALLER_TRACE}-{request['span.id']}-01"


def test_without_a_traceparent_a_new_trace_starts_and_is_returned(
    log: EventLogger, client: httpx.Client
) -> None:
    """No header (or a malformed one): a fresh trace, the same on the events and the response."""
    with capture_events(log) as events:
        fresh = client.get("/api/v1/orders/A")
        garbled = client.get("/api/v1/orders/B", headers={"traceparent": "00-zz-zz-01"})
        first, second = requests_of(events, 2)
    assert fresh.headers["traceparent"] == f"00-{first['trace.id']}-{first['span.id']}-01"
    assert garbled.headers["traceparent"] == f"00-{second['trace.id']}-{second['span.id']}-01"
    assert len({first["trace.id"], second["trace.id"], CALLER_TRACE}) == 3


def test_sync_handlers_in_the_thread_pool_see_the_trace(
    log: EventLogger, client: httpx.Client
) -> None:
    """A def endpoint (run in Starlette's thread pool) logs under the request's trace."""
    with capture_events(log) as events:
        client.post("/api/v1/orders/ORD-9/recalculate", headers={"traceparent": INCOMING})
        (request,) = requests_of(events, 1)
    (inner,) = [e for e in events if e["event.action"] == "order.calculated"]
    assert (inner["trace.id"], inner["span.id"]) == (CALLER_TRACE, request["span.id"])
    assert request["http.route"] == "/api/v1/orders/{order_id}/recalculate"


def test_a_streaming_response_is_timed_until_its_last_chunk(
    log: EventLogger, client: httpx.Client
) -> None:
    """Three chunks 50 ms apart: the duration covers them all (at least 150 ms)."""
    with capture_events(log) as events:
        assert client.get("/api/v1/export").text == "row 0\nrow 1\nrow 2\n"
        (event,) = requests_of(events, 1)
    assert (event["http.route"], event["http.response.status_code"]) == ("/api/v1/export", 200)
    assert event["http.duration_ms"] >= 150


def test_an_exception_is_logged_as_500_and_re_raised(log: EventLogger) -> None:
    """With the middleware outermost, a failing handler gives one ERROR api.request with
    status 500, the client a 500 that still carries traceparent, and the exception goes on
    to the server."""
    app = Raised(LogyardMiddleware(make_app(log), logger=log))
    with serve(app) as c, capture_events(log) as events:
        response = c.get("/api/v1/fail", headers={"traceparent": INCOMING})
        (event,) = requests_of(events, 1)
    assert response.status_code == 500
    assert (event["http.route"], event["http.response.status_code"], event["log.level"]) == (
        "/api/v1/fail",
        500,
        "ERROR",
    )
    assert response.headers["traceparent"] == f"00-{CALLER_TRACE}-{event['span.id']}-01"
    assert [type(e) for e in app.errors] == [RuntimeError]


def test_an_exception_under_add_middleware_is_logged_as_500(
    log: EventLogger, client: httpx.Client
) -> None:
    """Added with add_middleware (inside FastAPI's error handler), the failure is still one
    ERROR api.request with status 500 and the caller's trace."""
    with capture_events(log) as events:
        assert client.get("/api/v1/fail", headers={"traceparent": INCOMING}).status_code == 500
        (event,) = requests_of(events, 1)
    assert (event["http.response.status_code"], event["log.level"], event["trace.id"]) == (
        500,
        "ERROR",
        CALLER_TRACE,
    )


def test_an_unknown_path_is_logged_with_its_path_and_404(
    log: EventLogger, client: httpx.Client
) -> None:
    """No route matched: the path stands in for the template."""
    with capture_events(log) as events:
        assert client.get("/nowhere").status_code == 404
        (event,) = requests_of(events, 1)
    assert (event["http.route"], event["http.response.status_code"]) == ("/nowhere", 404)


def test_routes_inside_mounts_keep_the_mount_prefix(log: EventLogger, client: httpx.Client) -> None:
    """A Starlette app mounted at /admin reports /admin/users/{user_id}; a bare ASGI app
    mounted at /files reports the mount's own template /files/{path}."""
    with capture_events(log) as events:
        assert client.get("/admin/users/7").text == "7"
        assert client.get("/files/report.csv").text == "file"
        first, second = requests_of(events, 2)
    assert (first["http.route"], second["http.route"]) == (
        "/admin/users/{user_id}",
        "/files/{path}",
    )
