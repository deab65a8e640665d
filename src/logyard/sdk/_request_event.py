"""The event the HTTP middleware emits per request: ``api.request`` or ``page.viewed``.

Shared by the ASGI and WSGI middleware. Which event is chosen follows the catalogue: the
APIs (``shop-api``, ``crm-api``, ``mes-api``) emit ``api.request``; the web shop
(``internet-shop``) emits ``page.viewed``, whose body has no route, status or duration, so
those go to ``labels``. A 5xx answer is logged at ERROR, everything else at INFO.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Literal

from logyard.catalog import CATALOG
from logyard.errors import ConfigError
from logyard.sdk._logger import EventLogger

__all__ = ["EventChoice", "RequestEvents", "client_ip"]

_log = logging.getLogger("logyard.sdk")

EventChoice = Literal["auto", "api.request", "page.viewed"] | None


def _resolve(where: str, logger: EventLogger, event: EventChoice) -> str | None:
    if event is None:
        return None
    allowed = [a for a in ("api.request", "page.viewed") if logger.service in CATALOG[a].systems]
    if event == "auto":
        if allowed:
            return allowed[0]
        raise ConfigError(
            f"{where}: service {logger.service!r} may emit neither api.request nor "
            "page.viewed in the catalogue; pass event=None to propagate traceparent only, "
            "or use the logger of an API (shop-api, crm-api, mes-api) or internet-shop"
        )
    if event not in ("api.request", "page.viewed"):
        raise ConfigError(
            f"{where}: event={event!r} is not one of 'auto', 'api.request', 'page.viewed', None"
        )
    if event not in allowed:
        systems = ", ".join(CATALOG[event].systems)
        raise ConfigError(
            f"{where}: service {logger.service!r} may not emit {event} (only {systems} may); "
            "pass event='auto' or the logger of one of those systems"
        )
    return event


def client_ip(forwarded: str | None, peer: object) -> str | None:
    """The client: the first address of the proxy's header (``forwarded``, when the
    middleware was told to trust one and it is set), else the socket's ``peer``."""
    first = (forwarded or "").split(",")[0].strip()
    if first:
        return first
    return str(peer) if peer else None


class RequestEvents:
    """Builds and emits the per-request event; never raises into the host (unless strict).
    Requests to ``exclude_paths`` are not logged."""

    def __init__(
        self, where: str, logger: EventLogger, event: EventChoice, exclude_paths: Iterable[str]
    ) -> None:
        if not isinstance(logger, EventLogger):
            raise ConfigError(
                f"{where}: logger must be an EventLogger (from logyard.sdk.configure), "
                f"got {type(logger).__name__}"
            )
        self.where = where
        self.logger = logger
        self.action = _resolve(where, logger, event)
        self.exclude_paths = frozenset(exclude_paths)

    def logs(self, path: str) -> bool:
        """Whether a request to ``path`` (as it arrived) is logged."""
        return path not in self.exclude_paths

    def emit(
        self,
        *,
        method: str,
        route: str,
        status: int,
        elapsed_ns: int,
        client_ip: str | None,
        url: Callable[[], str],
        referrer: str | None,
    ) -> None:
        """Log one served request (inside the request's trace context) that took
        ``elapsed_ns``; ``url`` builds the full URL, which only ``page.viewed`` needs."""
        if self.action is None:
            return
        duration_ms = elapsed_ns / 1e6
        level: Literal["INFO", "ERROR"] = "ERROR" if status >= 500 else "INFO"
        message = f"{method} {route} {status} {duration_ms:.1f} ms"
        try:
            if self.action == "api.request":
                self.logger.api_request(
                    method=method,
                    route=route,
                    status_code=status,
                    duration_ms=duration_ms,
                    client_ip=client_ip,
                    message=message,
                    level=level,
                )
            else:
                self.logger.page_viewed(
                    client_ip=client_ip or "unknown",
                    url=url(),
                    referrer=referrer,
                    message=message,
                    level=level,
                    labels={
                        "method": method,
                        "route": route,
                        "status_code": status,
                        "duration_ms": duration_ms,
                    },
                )
        except Exception:
            if self.logger.strict:
                raise
            _log.exception("%s: could not log %s %s", self.where, method, route)
