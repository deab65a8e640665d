"""``ApiClient``: GET and POST JSON against a running logyard's HTTP API (standard library
only). The CLI's ``Client`` and the alerting ``HttpQuerier`` share it; each says in its own
words how a refusal or an unreachable server is fixed (:meth:`ApiClient.refused`,
:meth:`ApiClient.unreachable`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from logyard.errors import LogyardError

__all__ = ["ApiClient"]


class ApiClient:
    """Sends ``Authorization: Bearer <token>`` when there is a token; answers parsed JSON."""

    def __init__(self, url: str, token: str | None, *, timeout_secs: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout_secs = timeout_secs

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.url!r}, token=[secure])"

    def get(self, path: str, params: dict[str, Any]) -> Any:
        """``GET path?params`` (``None`` and empty values left out)."""
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v not in (None, "")})
        return self._call(urllib.request.Request(f"{self.url}{path}?{query}"))

    def post(self, path: str, body: Any) -> Any:
        """``POST path`` with ``body`` as JSON."""
        req = urllib.request.Request(
            f"{self.url}{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        return self._call(req)

    def refused(self, status: int, detail: str) -> LogyardError:
        """The error for an HTTP error answer (``detail`` is the problem's ``detail``)."""
        return LogyardError(f"{self.url}: HTTP {status}: {detail}")

    def unreachable(self, reason: object) -> LogyardError:
        """The error when no answer came (refused, DNS, TLS, timeout)."""
        return LogyardError(f"{self.url}: cannot reach logyard ({reason})")

    def _call(self, req: urllib.request.Request) -> Any:
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_secs) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            try:
                detail = json.loads(exc.read()).get("detail", exc.reason)
            except ValueError:
                detail = exc.reason
            raise self.refused(exc.code, str(detail)) from None
        except (urllib.error.URLError, OSError) as exc:
            raise self.unreachable(getattr(exc, "reason", exc)) from None
