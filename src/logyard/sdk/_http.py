"""Deliver batches to a logyard server over HTTP (``POST /api/v1/events``, NDJSON).

Standard library only (``http.client``), one keep-alive connection per transport. The
server answers 200 only after the accepted events are fsync'd; its ``items`` name the
refused ones.
"""

from __future__ import annotations

import http.client
from typing import Literal
from urllib.parse import urlsplit

import msgspec

from logyard.errors import ConfigError, TransportError
from logyard.sdk._transport import RejectedError, TooLargeError

__all__ = ["HttpTransport"]

EVENTS_PATH = "/api/v1/events"


class _Item(msgspec.Struct):
    index: int
    status: str
    code: str | None = None
    reason: str | None = None


class _Answer(msgspec.Struct):
    accepted: int = 0
    rejected: int = 0
    items: list[_Item] = msgspec.field(default_factory=list)


_ANSWER = msgspec.json.Decoder(_Answer)


class HttpTransport:
    """Posts batches as NDJSON to ``<url>/api/v1/events`` with ``Authorization: Bearer``.

    ``url`` is the server's base URL (``http://logyard:8080``). 408, 429, 5xx and
    connection errors are retryable; 413 asks the logger to split the batch; any other
    4xx refuses the batch for good.
    """

    def __init__(self, url: str, token: str | None = None, *, timeout_secs: float = 10.0):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"LOGYARD_URL: {url!r} is not an http(s) URL; "
                "set it to the server's base URL, e.g. http://logyard:8080"
            )
        self.url = url
        self._scheme: Literal["http", "https"] = "https" if parts.scheme == "https" else "http"
        self._host = parts.hostname
        self._port = parts.port
        self._path = parts.path.rstrip("/") + EVENTS_PATH
        self._token = token
        self._timeout_secs = timeout_secs
        self._conn: http.client.HTTPConnection | None = None

    def __repr__(self) -> str:
        token = "[secure]" if self._token else None
        return f"HttpTransport(url={self.url!r}, token={token})"

    def _connect(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
        return cls(self._host, self._port, timeout=self._timeout_secs)

    def _post(self, body: bytes) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/x-ndjson", "Content-Length": str(len(body))}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        reused = self._conn is not None
        for attempt in (1, 2):
            conn = self._conn or self._connect()
            try:
                conn.request("POST", self._path, body, headers)
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self._conn = None
                if reused and attempt == 1:
                    continue  # a kept-alive connection the server closed: one fresh try
                raise TransportError(
                    f"{self.url}: cannot deliver ({exc.__class__.__name__}: {exc}); "
                    "the batch is spooled and retried when the server answers"
                ) from exc
            if resp.will_close:
                conn.close()
                self._conn = None
            else:
                self._conn = conn
            return resp.status, data
        raise AssertionError("unreachable")  # pragma: no cover

    def send(self, batch: list[bytes]) -> None:
        """POST the batch; raise on anything but a 200 that accepts every event."""
        status, data = self._post(b"\n".join(batch) + b"\n")
        if status == 200:
            try:
                answer = _ANSWER.decode(data)
            except msgspec.DecodeError:
                return  # 200 means durable; an unreadable body cannot change that
            refused = {
                i.index: i.code or "rejected" for i in answer.items if i.status != "accepted"
            }
            if refused:
                raise RejectedError(
                    f"{self.url}: the server refused {len(refused)} of {len(batch)} events",
                    reason="rejected",
                    items=refused,
                )
            return
        if status in (408, 429) or status >= 500:
            raise TransportError(
                f"{self.url}: server answered {status}; the batch is spooled and retried"
            )
        if status in (401, 403, 404):
            # A wrong token or URL is fixed by configuration, not by the events: keep them
            # in the (bounded) spool so that nothing is lost while someone fixes it.
            hint = "check LOGYARD_TOKEN" if status != 404 else "check LOGYARD_URL"
            raise TransportError(
                f"{self.url}: server answered {status}; {hint}; the batch is spooled and retried"
            )
        if status == 413:
            raise TooLargeError(
                f"{self.url}: batch of {len(batch)} events is too large (413); "
                "lower batch_max_bytes",
                reason="too_large",
            )
        hint = "check LOGYARD_TOKEN" if status in (401, 403) else "check LOGYARD_URL"
        raise RejectedError(
            f"{self.url}: server refused the batch with {status}; {hint}",
            reason=f"http_{status}",
        )

    def close(self) -> None:
        """Close the kept-alive connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
