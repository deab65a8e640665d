"""ASGI middleware (FastAPI, Starlette, any ASGI app): one event per HTTP request, and
the request's trace made current and returned in ``traceparent``.

::

    from fastapi import FastAPI
    from logyard.sdk import configure
    from logyard.sdk.asgi import LogyardMiddleware

    log = configure("mes-api")
    app = FastAPI()
    app.add_middleware(LogyardMiddleware, logger=log)

Pure ASGI: no framework is imported. The route is the template of the route the app
matched (``/orders/{order_id}``, read from the ``route`` Starlette and FastAPI put in the
scope, mount prefixes included); inside a mount whose app records no route,
``<mount>/{path}``; else the path. The duration runs from the request's
arrival to the last body chunk sent, so a streaming response counts until it ends.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from logyard.sdk._logger import EventLogger
from logyard.sdk._request_event import EventChoice, RequestEvents, client_ip
from logyard.sdk._trace import _child_of, current_trace, format_traceparent, parse_traceparent

__all__ = ["LogyardMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_TRACEPARENT = b"traceparent"


class LogyardMiddleware:
    """Wraps an ASGI app; see the module docstring.

    ``logger`` emits the events; ``event`` chooses them: ``"auto"`` (``api.request`` for
    the APIs, ``page.viewed`` for internet-shop), one of the two by name, or ``None`` to
    only propagate the trace. ``client_ip_header`` names a header set by your reverse
    proxy (``"x-forwarded-for"``: its first address is the client); without it the
    client is the socket's peer. Requests to ``exclude_paths`` (health checks) are traced
    but not logged. Raises :class:`~logyard.errors.ConfigError` for an event the logger's
    service may not emit.
    """

    def __init__(
        self,
        app: ASGIApp,
        logger: EventLogger,
        *,
        event: EventChoice = "auto",
        client_ip_header: str | None = None,
        exclude_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.events = RequestEvents("LogyardMiddleware", logger, event, exclude_paths)
        self.client_ip_header = client_ip_header.lower().encode() if client_ip_header else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter_ns()
        entry_root = str(scope.get("root_path", ""))
        path = str(scope.get("path", "/"))  # as it arrived: routers may rewrite the scope
        logged = self.events.logs(path)
        incoming = _header(scope, _TRACEPARENT)
        parent = parse_traceparent(incoming) if incoming else None
        with _child_of(parent or current_trace()) as context:
            response_header = (format_traceparent(context) or "").encode("ascii")
            status: list[int] = []
            emitted = False

            def finish(code: int) -> None:
                nonlocal emitted
                if emitted:
                    return
                emitted = True
                if logged:
                    elapsed = time.perf_counter_ns() - started
                    self._emit(scope, entry_root, path, code, elapsed)

            async def send_traced(message: Message) -> None:
                kind = message["type"]
                if kind == "http.response.start":
                    status.append(int(message["status"]))
                    headers = [
                        (k, v)
                        for k, v in message.get("headers", ())
                        if bytes(k).lower() != _TRACEPARENT
                    ]
                    headers.append((_TRACEPARENT, response_header))
                    message = {**message, "headers": headers}
                await send(message)
                if kind == "http.response.body" and not message.get("more_body", False):
                    finish(status[0] if status else 500)

            try:
                await self.app(scope, receive, send_traced)
            except Exception:
                finish(500)
                raise
            finally:
                finish(status[0] if status else 500)

    def _emit(self, scope: Scope, entry_root: str, path: str, code: int, elapsed_ns: int) -> None:
        method = str(scope.get("method", "GET"))
        self.events.emit(
            method=method,
            route=_route(scope, entry_root, path),
            status=code,
            elapsed_ns=elapsed_ns,
            client_ip=self._client_ip(scope),
            url=lambda: _url(scope, entry_root, path),
            referrer=_header(scope, b"referer"),
        )

    def _client_ip(self, scope: Scope) -> str | None:
        header = self.client_ip_header
        client = scope.get("client")
        forwarded = _header(scope, header) if header is not None else None
        return client_ip(forwarded, client[0] if client else None)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if bytes(key).lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _route(scope: Scope, entry_root: str, path: str) -> str:
    """The matched route's template with the mount prefixes, else the request's path."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    root = str(scope.get("root_path", ""))
    prefix = root[len(entry_root) :] if root.startswith(entry_root) else ""
    if not isinstance(template, str):
        # no route recorded: inside a mount (its prefix is in root_path) the mount's own
        # template, as Starlette writes it; elsewhere (a 404, a bare app) the path
        return f"{prefix}/{{path}}" if prefix else path
    if hasattr(route, "routes"):  # a Mount reached without an inner route: its own path is in root
        prefix = prefix.removesuffix(str(getattr(route, "path", "")))
    return prefix + template


def _url(scope: Scope, entry_root: str, path: str) -> str:
    scheme = scope.get("scheme", "http")
    host = _header(scope, b"host")
    if not host:
        server = scope.get("server")
        host = f"{server[0]}:{server[1]}" if server else "localhost"
    if entry_root and not path.startswith(entry_root):
        path = entry_root + path
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    return f"{scheme}://{host}{path}" + (f"?{query}" if query else "")
