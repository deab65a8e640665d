"""WSGI middleware (Flask, any WSGI app): one event per HTTP request, and the request's
trace made current and returned in ``traceparent``.

::

    from flask import Flask
    from logyard.sdk import configure
    from logyard.sdk.wsgi import LogyardMiddleware

    log = configure("internet-shop")
    app = Flask(__name__)
    app.wsgi_app = LogyardMiddleware(app.wsgi_app, logger=log)

Pure WSGI: no framework is imported. The route is the template of the URL rule Flask (or
any werkzeug app) matched (``/orders/<order_id>``, read when the app starts its response
from the request werkzeug keeps in ``environ["werkzeug.request"]``), else ``PATH_INFO``.
The duration runs until the server has taken the last chunk of the body (or closed it), so
streaming counts until it ends. The request runs in a copy of the caller's context: the
trace never leaks into the server's thread.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from wsgiref.util import request_uri

from logyard.sdk._logger import EventLogger
from logyard.sdk._request_event import EventChoice, RequestEvents, client_ip
from logyard.sdk._trace import (
    _CURRENT,
    TraceContext,
    _child,
    current_trace,
    format_traceparent,
    parse_traceparent,
)

__all__ = ["LogyardMiddleware"]

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]


class LogyardMiddleware:
    """Wraps a WSGI app; the options are those of the ASGI ``LogyardMiddleware``.

    ``event``: ``"auto"`` (``api.request`` for the APIs, ``page.viewed`` for
    internet-shop), one of the two by name, or ``None`` to only propagate the trace.
    ``client_ip_header``: a header set by your reverse proxy (``"X-Forwarded-For"``: its
    first address is the client), else ``REMOTE_ADDR``. ``exclude_paths``: traced, not
    logged. Raises :class:`~logyard.errors.ConfigError` for an event the logger's service
    may not emit.
    """

    def __init__(
        self,
        app: WSGIApp,
        logger: EventLogger,
        *,
        event: EventChoice = "auto",
        client_ip_header: str | None = None,
        exclude_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.events = RequestEvents("LogyardMiddleware", logger, event, exclude_paths)
        self.client_ip_key = (
            "HTTP_" + client_ip_header.upper().replace("-", "_") if client_ip_header else None
        )

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter_ns()
        context = contextvars.copy_context()
        request = _Request(self, environ, started, context)
        try:
            body = context.run(request.start, start_response)
        except Exception:
            request.finish(500)
            raise
        return _Body(body, request)

    def _emit(self, environ: Environ, route: str, code: int, elapsed_ns: int) -> None:
        self.events.emit(
            method=str(environ.get("REQUEST_METHOD", "GET")),
            route=route,
            status=code,
            elapsed_ns=elapsed_ns,
            client_ip=self._client_ip(environ),
            url=lambda: request_uri(environ),
            referrer=environ.get("HTTP_REFERER"),
        )

    def _client_ip(self, environ: Environ) -> str | None:
        key = self.client_ip_key
        forwarded = str(environ.get(key) or "") if key is not None else None
        return client_ip(forwarded, environ.get("REMOTE_ADDR"))


class _Request:
    """One request's trace, status and clock; emits its event once."""

    def __init__(
        self,
        middleware: LogyardMiddleware,
        environ: Environ,
        started: int,
        context: contextvars.Context,
    ) -> None:
        self.middleware = middleware
        self.environ = environ
        self.started = started
        self.context = context
        self.path = str(environ.get("PATH_INFO") or "/")  # as it arrived: apps may shift it
        self.status: int | None = None
        self.route: str | None = None
        self.done = False
        self.trace: TraceContext | None = None

    def start(self, start_response: StartResponse) -> Iterable[bytes]:
        """Run the app (inside ``self.context``) under the request's span."""
        incoming = self.environ.get("HTTP_TRACEPARENT")
        parent = parse_traceparent(incoming) if incoming else None
        self.trace = _child(parent or current_trace())
        _CURRENT.set(self.trace)
        header = format_traceparent(self.trace) or ""

        def start_traced(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            self.status = _status_code(status)
            if self.route is None:  # Flask forgets the request once the response is out
                self.route = _rule(self.environ)
            kept = [(k, v) for k, v in headers if k.lower() != "traceparent"]
            kept.append(("traceparent", header))
            return start_response(status, kept, *exc_info)

        return self.middleware.app(self.environ, start_traced)

    def finish(self, code: int | None = None) -> None:
        """Emit the event (once), inside the request's context."""
        if self.done:
            return
        self.done = True
        if code is None:
            code = self.status if self.status is not None else 500
        elapsed = time.perf_counter_ns() - self.started
        if not self.middleware.events.logs(self.path):
            return
        route = self.route or _rule(self.environ) or self.path
        self.context.run(self.middleware._emit, self.environ, route, code, elapsed)


class _Body:
    """The app's body, iterated inside the request's context; the end emits the event."""

    def __init__(self, body: Iterable[bytes], request: _Request) -> None:
        self._body = body
        self._request = request
        self._iterator: Iterator[bytes] | None = None

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        run = self._request.context.run
        try:
            if self._iterator is None:
                self._iterator = run(iter, self._body)
            return run(next, self._iterator)
        except StopIteration:
            self._request.finish()
            raise
        except Exception:
            self._request.finish(500)
            raise

    def close(self) -> None:
        """Close the app's body (WSGI servers call this), then emit if not done yet."""
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                self._request.context.run(close)
        except Exception:
            self._request.finish(500)
            raise
        finally:
            self._request.finish()


def _status_code(status: str) -> int | None:
    try:
        return int(status.split(" ", 1)[0])
    except ValueError:
        return None


def _rule(environ: Environ) -> str | None:
    """The URL rule the app matched, while werkzeug (Flask) keeps its request in ``environ``."""
    request = environ.get("werkzeug.request")
    rule = getattr(getattr(request, "url_rule", None), "rule", None)
    return rule if isinstance(rule, str) else None
