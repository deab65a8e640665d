"""The ASGI and WSGI middleware called directly (no server): event choice, options, errors.

The served paths (a real FastAPI app under uvicorn, a real Flask app under werkzeug) are
in tests/integration/sdk/.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from logyard.errors import ConfigError
from logyard.sdk import EventLogger, MemoryTransport, current_trace
from logyard.sdk import asgi as sdk_asgi
from logyard.sdk import wsgi as sdk_wsgi
from logyard.sdk.testing import capture_events

VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture
def loggers() -> Iterator[dict[str, EventLogger]]:
    """Strict loggers of an API, the web shop and a system with neither request event."""
    services = ("mes-api", "internet-shop", "mes")
    made = {s: EventLogger(s, transport=MemoryTransport(), strict=True) for s in services}
    yield made
    for log in made.values():
        log.close()


# -- ASGI ------------------------------------------------------------------------------------
async def plain_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A framework-less ASGI app: 201, a stale traceparent header, two body chunks."""
    await send(
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [(b"content-type", b"text/plain"), (b"traceparent", b"00-stale")],
        }
    )
    await send({"type": "http.response.body", "body": b"a", "more_body": True})
    await send({"type": "http.response.body", "body": b"b"})


def call_asgi(app: Any, path: str = "/x", headers: Iterable[tuple[bytes, bytes]] = ()) -> list[Any]:
    """Run one GET through ``app``; the messages it sent."""
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "root_path": "",
        "query_string": b"q=1",
        "headers": [(b"host", b"shop.example"), *headers],
        "client": ("10.0.0.9", 5000),
        "server": ("shop.example", 80),
    }
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def test_an_api_logs_api_request_with_the_path_when_no_route_matched(
    loggers: dict[str, EventLogger],
) -> None:
    """A plain ASGI app (no router): route = path, status and client from the scope."""
    app = sdk_asgi.LogyardMiddleware(plain_asgi, logger=loggers["mes-api"])
    with capture_events(loggers["mes-api"]) as events:
        call_asgi(app)
    (event,) = events
    got = {k: event[k] for k in ("event.action", "http.route", "http.response.status_code")}
    assert got == {
        "event.action": "api.request",
        "http.route": "/x",
        "http.response.status_code": 201,
    }
    assert (event["http.request.method"], event["client.ip"]) == ("GET", "10.0.0.9")


def test_the_response_traceparent_replaces_the_apps_own(loggers: dict[str, EventLogger]) -> None:
    """The response carries exactly one traceparent: the request's span under the caller's."""
    app = sdk_asgi.LogyardMiddleware(plain_asgi, logger=loggers["mes-api"])
    with capture_events(loggers["mes-api"]) as events:
        sent = call_asgi(app, headers=[(b"traceparent", VALID.encode())])
    values = [v for k, v in sent[0]["headers"] if k == b"traceparent"]
    assert values == [f"00-{events[0]['trace.id']}-{events[0]['span.id']}-01".encode()]
    assert events[0]["trace.id"] == "4bf92f3577b34da6a3ce929d0e0e4736"


def test_the_web_shop_logs_page_viewed_with_the_request_in_labels(
    loggers: dict[str, EventLogger],
) -> None:
    """internet-shop may not emit api.request: it logs page.viewed (url, referrer, IP), with
    method, route, status and duration in labels."""
    app = sdk_asgi.LogyardMiddleware(plain_asgi, logger=loggers["internet-shop"])
    with capture_events(loggers["internet-shop"]) as events:
        call_asgi(app, "/catalog", [(b"referer", b"https://search.example/")])
    (event,) = events
    got = {k: event[k] for k in ("event.action", "url.full", "http.request.referrer", "client.ip")}
    assert got == {
        "event.action": "page.viewed",
        "url.full": "http://shop.example/catalog?q=1",
        "http.request.referrer": "https://search.example/",
        "client.ip": "10.0.0.9",
    }
    labels = dict(event["labels"])
    assert labels.pop("duration_ms") > 0
    assert labels == {"method": "GET", "route": "/catalog", "status_code": 201}


def test_client_ip_header_names_the_proxys_header(loggers: dict[str, EventLogger]) -> None:
    """With client_ip_header the first address of that header is the client."""
    app = sdk_asgi.LogyardMiddleware(
        plain_asgi, logger=loggers["mes-api"], client_ip_header="X-Forwarded-For"
    )
    with capture_events(loggers["mes-api"]) as events:
        call_asgi(app, headers=[(b"x-forwarded-for", b"203.0.113.7, 10.0.0.1")])
    assert events[0]["client.ip"] == "203.0.113.7"


def test_excluded_paths_are_traced_but_not_logged(loggers: dict[str, EventLogger]) -> None:
    """A health check in exclude_paths gets a traceparent and no event."""
    app = sdk_asgi.LogyardMiddleware(plain_asgi, logger=loggers["mes-api"], exclude_paths=["/x"])
    with capture_events(loggers["mes-api"]) as events:
        sent = call_asgi(app)
    assert events == []
    assert [k for k, _ in sent[0]["headers"]].count(b"traceparent") == 1


def test_event_none_only_propagates_the_trace(loggers: dict[str, EventLogger]) -> None:
    """A system with no request event (mes) can still carry traces with event=None."""
    app = sdk_asgi.LogyardMiddleware(plain_asgi, logger=loggers["mes"], event=None)
    with capture_events(loggers["mes"]) as events:
        sent = call_asgi(app)
    assert events == []
    assert [k for k, _ in sent[0]["headers"]].count(b"traceparent") == 1


@pytest.mark.parametrize(
    ("service", "event", "message"),
    [
        (
            "mes",
            "auto",
            "LogyardMiddleware: service 'mes' may emit neither api.request nor page.viewed",
        ),
        (
            "internet-shop",
            "api.request",
            "LogyardMiddleware: service 'internet-shop' may not emit api.request",
        ),
        ("mes-api", "order.created", "LogyardMiddleware: event='order.created' is not one of"),
    ],
)
def test_an_event_the_service_may_not_emit_is_a_config_error(
    loggers: dict[str, EventLogger], service: str, event: Any, message: str
) -> None:
    """The catalogue decides at construction, in both middlewares, with a fix in the message."""
    for module in (sdk_asgi, sdk_wsgi):
        with pytest.raises(ConfigError) as info:
            module.LogyardMiddleware(plain_asgi, logger=loggers[service], event=event)
        assert str(info.value).startswith(message)


def test_a_logger_that_is_not_an_event_logger_is_a_config_error() -> None:
    """Passing something else (a stdlib logger) is refused with what to pass instead."""
    import logging

    with pytest.raises(ConfigError, match="logger must be an EventLogger"):
        sdk_asgi.LogyardMiddleware(plain_asgi, logger=logging.getLogger("x"))  # type: ignore[arg-type]


def test_lifespan_and_websocket_scopes_pass_through(loggers: dict[str, EventLogger]) -> None:
    """Only http scopes are traced and logged; others reach the app untouched."""
    seen: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    wrapped = sdk_asgi.LogyardMiddleware(app, logger=loggers["mes-api"])
    with capture_events(loggers["mes-api"]) as events:
        asyncio.run(wrapped({"type": "lifespan"}, None, None))  # type: ignore[arg-type]
    assert (seen, events) == (["lifespan"], [])


# -- WSGI ------------------------------------------------------------------------------------
def plain_wsgi(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    """A framework-less WSGI app streaming two chunks; it records the trace it ran under."""
    start_response("202 Accepted", [("Content-Type", "text/plain"), ("traceparent", "00-stale")])
    trace = current_trace()
    environ["test.trace"] = trace
    yield b"a"
    yield b"b"


def call_wsgi(app: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run one request through ``app`` as a server would (iterate, then close)."""
    started: list[Any] = []
    body = app(environ, lambda status, headers, *exc: started.extend([status, headers]))
    try:
        data = b"".join(body)
    finally:
        body.close()
    return started[0], started[1], data


def wsgi_environ(**extra: str) -> dict[str, Any]:
    """A minimal GET environ for /x?q=1 from 10.0.0.9."""
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/x",
        "QUERY_STRING": "q=1",
        "SERVER_NAME": "shop.example",
        "SERVER_PORT": "80",
        "HTTP_HOST": "shop.example",
        "REMOTE_ADDR": "10.0.0.9",
        "wsgi.url_scheme": "http",
        **extra,
    }


def test_wsgi_logs_after_the_body_and_runs_the_app_in_the_trace(
    loggers: dict[str, EventLogger],
) -> None:
    """The event comes once the body is consumed, under the caller's trace; the app (and its
    generator) saw the same span; the caller's own context is left without a trace."""
    app = sdk_wsgi.LogyardMiddleware(plain_wsgi, logger=loggers["mes-api"])
    environ = wsgi_environ(HTTP_TRACEPARENT=VALID)
    with capture_events(loggers["mes-api"]) as events:
        status, headers, body = call_wsgi(app, environ)
    (event,) = events
    assert (status, body) == ("202 Accepted", b"ab")
    assert [v for k, v in headers if k == "traceparent"] == [
        f"00-4bf92f3577b34da6a3ce929d0e0e4736-{event['span.id']}-01"
    ]
    assert (environ["test.trace"].trace_id, environ["test.trace"].span_id) == (
        event["trace.id"],
        event["span.id"],
    )
    assert (event["http.route"], event["http.response.status_code"]) == ("/x", 202)
    assert current_trace() is None


def test_wsgi_web_shop_logs_page_viewed(loggers: dict[str, EventLogger]) -> None:
    """internet-shop behind WSGI logs page.viewed with the full URL and proxy client IP."""
    app = sdk_wsgi.LogyardMiddleware(
        plain_wsgi, logger=loggers["internet-shop"], client_ip_header="X-Forwarded-For"
    )
    with capture_events(loggers["internet-shop"]) as events:
        call_wsgi(app, wsgi_environ(HTTP_X_FORWARDED_FOR="203.0.113.7"))
    assert (events[0]["event.action"], events[0]["url.full"], events[0]["client.ip"]) == (
        "page.viewed",
        "http://shop.example/x?q=1",
        "203.0.113.7",
    )


def test_wsgi_an_exception_is_logged_as_500_and_re_raised(
    loggers: dict[str, EventLogger],
) -> None:
    """An app raising before answering: one ERROR event with status 500, the error goes on."""

    def broken(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RuntimeError("database is down")

    app = sdk_wsgi.LogyardMiddleware(broken, logger=loggers["mes-api"])
    with capture_events(loggers["mes-api"]) as events, pytest.raises(RuntimeError):
        app(wsgi_environ(), lambda *a: None)
    assert [(e["http.response.status_code"], e["log.level"]) for e in events] == [(500, "ERROR")]


def test_wsgi_an_exception_while_streaming_is_logged_as_500(
    loggers: dict[str, EventLogger],
) -> None:
    """A body generator failing after the headers went out: status 500 recorded, re-raised."""

    def failing(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [])
        yield b"a"
        raise RuntimeError("lost the stream")

    app = sdk_wsgi.LogyardMiddleware(failing, logger=loggers["mes-api"])
    with capture_events(loggers["mes-api"]) as events, pytest.raises(RuntimeError):
        call_wsgi(app, wsgi_environ())
    assert [e["http.response.status_code"] for e in events] == [500]


def test_wsgi_excluded_paths_are_traced_but_not_logged(loggers: dict[str, EventLogger]) -> None:
    """A health check in exclude_paths gets exactly one traceparent and logs no event."""
    app = sdk_wsgi.LogyardMiddleware(plain_wsgi, logger=loggers["mes-api"], exclude_paths=["/x"])
    with capture_events(loggers["mes-api"]) as events:
        _status, headers, _body = call_wsgi(app, wsgi_environ())
    assert events == []
    assert [k for k, _ in headers].count("traceparent") == 1
