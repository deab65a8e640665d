"""The WSGI middleware in a real Flask app served by werkzeug on loopback, called by httpx."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from flask import Flask, Response, stream_with_context
from werkzeug.serving import make_server

from logyard.sdk import EventLogger, MemoryTransport, current_trace
from logyard.sdk.testing import capture_events
from logyard.sdk.wsgi import LogyardMiddleware

from ._served import CALLER_TRACE, INCOMING, REQUEST_FIELDS, wait_for


@contextmanager
def serve(app: Any) -> Iterator[httpx.Client]:
    """``app`` under werkzeug's threaded server on a free loopback port, and a client."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="wsgi", daemon=True
    )
    thread.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.server_port}", timeout=30) as c:
            yield c
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def logged(events: list[dict[str, Any]], action: str, count: int) -> list[dict[str, Any]]:
    """The first ``count`` events of ``action``, waiting for them."""
    return wait_for(events, count, lambda e: e["event.action"] == action)


class Raised:
    """An outermost WSGI wrapper recording what escapes the app (it re-raises it)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.errors: list[BaseException] = []

    def __call__(self, environ: Any, start_response: Any) -> Any:
        try:
            return self.app(environ, start_response)
        except Exception as exc:
            self.errors.append(exc)
            raise


def make_app(log: EventLogger, *, propagate: bool = False) -> Flask:
    """shop-api's shape: a rule with a converter, a streaming export and a failing view."""
    app = Flask("shop_api")
    app.config["PROPAGATE_EXCEPTIONS"] = propagate

    @app.get("/api/orders/<int:order_id>")
    def order(order_id: int) -> dict[str, Any]:
        log.api_request(method="GET", route="inner/stock", status_code=200, duration_ms=1.0)
        trace = current_trace()
        return {"order_id": order_id, "trace_id": trace.trace_id if trace else None}

    @app.get("/api/export")
    def export() -> Response:
        def rows() -> Iterator[str]:
            for n in range(3):
                time.sleep(0.05)
                yield f"row {n}\n"

        return Response(stream_with_context(rows()), mimetype="text/plain")

    @app.get("/api/fail")
    def fail() -> None:
        raise RuntimeError("stock service unreachable")

    app.wsgi_app = LogyardMiddleware(app.wsgi_app, logger=log)  # type: ignore[method-assign]
    return app


@pytest.fixture
def log() -> Iterator[EventLogger]:
    """shop-api's logger, strict, delivering nowhere (events are captured)."""
    logger = EventLogger("shop-api", transport=MemoryTransport(), strict=True)
    yield logger
    logger.close()


def _request_events(events: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """The middleware's api.request events (not the one the order view logs itself)."""
    return wait_for(
        events,
        count,
        lambda e: e["event.action"] == "api.request" and e["http.route"] != "inner/stock",
    )


def test_a_request_is_logged_with_the_flask_rule_status_duration_and_client(
    log: EventLogger,
) -> None:
    """GET /api/orders/42 → api.request with Flask's rule (converter included), GET, 200,
    a positive duration and the client's IP."""
    with serve(make_app(log)) as client, capture_events(log) as events:
        assert client.get("/api/orders/42").status_code == 200
        (event,) = _request_events(events, 1)
    got = {k: event[k] for k in REQUEST_FIELDS}
    assert got == {
        "http.request.method": "GET",
        "http.route": "/api/orders/<int:order_id>",
        "http.response.status_code": 200,
        "client.ip": "127.0.0.1",
    }
    assert event["http.duration_ms"] > 0


def test_an_incoming_traceparent_is_continued_into_the_views_events(log: EventLogger) -> None:
    """The caller's trace id is on the request event and on the event logged in the view
    (same span); the response's traceparent names that span under the caller's trace."""
    with serve(make_app(log)) as client, capture_events(log) as events:
        response = client.get("/api/orders/42", headers={"traceparent": INCOMING})
        inner, request = logged(events, "api.request", 2)
    assert response.json()["trace_id"] == CALLER_TRACE
    assert (inner["trace.id"], inner["span.id"]) == (CALLER_TRACE, request["span.id"])
    assert request["trace.id"] == CALLER_TRACE
    assert response.headers["traceparent"] == f"00-{CALLER_TRACE}-{request['span.id']}-01"


def test_without_a_traceparent_a_new_trace_starts_and_is_returned(log: EventLogger) -> None:
    """No header: a fresh trace, the same on the request event and in the response."""
    with serve(make_app(log)) as client, capture_events(log) as events:
        response = client.get("/api/orders/1")
        (event,) = _request_events(events, 1)
    assert event["trace.id"] != CALLER_TRACE
    assert response.headers["traceparent"] == f"00-{event['trace.id']}-{event['span.id']}-01"


def test_a_streaming_response_is_timed_until_its_last_chunk(log: EventLogger) -> None:
    """Three chunks 50 ms apart: the duration covers them all (at least 150 ms)."""
    with serve(make_app(log)) as client, capture_events(log) as events:
        assert client.get("/api/export").text == "row 0\nrow 1\nrow 2\n"
        (event,) = _request_events(events, 1)
    assert (event["http.route"], event["http.response.status_code"]) == ("/api/export", 200)
    assert event["http.duration_ms"] >= 150


def test_a_view_failing_is_logged_as_500(log: EventLogger) -> None:
    """Flask turns the exception into a 500 page: one ERROR api.request with status 500,
    under the caller's trace, and the 500 carries traceparent."""
    with serve(make_app(log)) as client, capture_events(log) as events:
        response = client.get("/api/fail", headers={"traceparent": INCOMING})
        (event,) = _request_events(events, 1)
    assert response.status_code == 500
    assert (event["http.route"], event["http.response.status_code"], event["log.level"]) == (
        "/api/fail",
        500,
        "ERROR",
    )
    assert response.headers["traceparent"] == f"00-{CALLER_TRACE}-{event['span.id']}-01"


def test_an_exception_escaping_the_app_is_logged_as_500_and_re_raised(log: EventLogger) -> None:
    """With PROPAGATE_EXCEPTIONS the error leaves Flask: the middleware logs 500 and
    re-raises it to the server (which answers 500)."""
    app = make_app(log, propagate=True)
    outer = Raised(app)
    with serve(outer) as client, capture_events(log) as events:
        assert client.get("/api/fail").status_code == 500
        (event,) = _request_events(events, 1)
    assert (event["http.response.status_code"], event["log.level"]) == (500, "ERROR")
    assert [type(e) for e in outer.errors] == [RuntimeError]


def test_the_web_shop_logs_page_viewed(log: EventLogger) -> None:
    """internet-shop's Flask app logs page.viewed: full URL, referrer, client IP; the
    route and status in labels."""
    shop_log = EventLogger("internet-shop", transport=MemoryTransport(), strict=True)
    shop = Flask("shop")

    @shop.get("/catalog/<slug>")
    def catalog(slug: str) -> str:
        return f"<h1>{slug}</h1>"

    shop.wsgi_app = LogyardMiddleware(shop.wsgi_app, logger=shop_log)  # type: ignore[method-assign]
    with serve(shop) as client, capture_events(shop_log) as events:
        client.get("/catalog/vases?page=2", headers={"referer": "https://search.example/"})
        (event,) = logged(events, "page.viewed", 1)
    shop_log.close()
    base = str(client.base_url).rstrip("/")
    assert (event["url.full"], event["http.request.referrer"], event["client.ip"]) == (
        f"{base}/catalog/vases?page=2",
        "https://search.example/",
        "127.0.0.1",
    )
    assert (event["labels"]["route"], event["labels"]["status_code"]) == ("/catalog/<slug>", 200)
