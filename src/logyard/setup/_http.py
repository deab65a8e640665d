"""A small JSON-over-HTTP client for clusters and Kibana (standard library only).

Every failure to talk to the server at all becomes one :class:`~logyard.errors.StoreError`
that names the URL and what is wrong: unreachable, TLS verification failed, credentials
refused. An HTTP error answer is returned (status and body), not raised: the caller decides
whether a 404 means "missing" or a 400 means "this cluster has no such API".
"""

from __future__ import annotations

import base64
import http.client
import json
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from logyard.errors import ConfigError, StoreError

__all__ = ["Answer", "Credentials", "HttpClient"]

_CREDENTIALS_HINT = (
    "set LOGYARD_SETUP_USERNAME and LOGYARD_SETUP_PASSWORD (or LOGYARD_SETUP_API_KEY) "
    "to a user allowed to manage templates, policies and roles"
)


@dataclass(frozen=True)
class Credentials:
    """Basic auth or an API key; secrets never appear in ``repr``."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)

    def header(self) -> str | None:
        """The ``Authorization`` header value, or ``None`` for anonymous access."""
        if self.api_key:
            return f"ApiKey {self.api_key}"
        if self.username:
            pair = f"{self.username}:{self.password or ''}".encode()
            return "Basic " + base64.b64encode(pair).decode()
        return None


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status and the decoded JSON body (text when it is not JSON)."""

    status: int
    body: Any

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return 200 <= self.status < 300

    def reason(self) -> str:
        """The server's own words for an error answer, short."""
        body = self.body
        if isinstance(body, dict):
            error = body.get("error", body.get("message", body))
            if isinstance(error, dict):
                return f"{error.get('type', 'error')}: {error.get('reason', error)}"
            return str(error)[:300]
        return str(body)[:300]

    def lacks_api(self) -> bool:
        """Whether the answer says the server has no handler for the request (no such API)."""
        text = json.dumps(self.body) if not isinstance(self.body, str) else self.body
        return self.status in (400, 404, 405) and "no handler found" in text.lower()


class HttpClient:
    """Requests to one base URL with optional credentials and CA file."""

    def __init__(
        self,
        url: str,
        credentials: Credentials | None = None,
        *,
        ca_cert: Path | None = None,
        headers: dict[str, str] | None = None,
        timeout_secs: float = 30.0,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"--url: {url!r} is not an http(s) URL; e.g. https://es:9200")
        self.url = url.rstrip("/")
        self.credentials = credentials or Credentials()
        self.headers = dict(headers or {})
        self.timeout_secs = timeout_secs
        self._context: ssl.SSLContext | None = None
        if ca_cert is not None:
            if not ca_cert.is_file():
                raise ConfigError(f"--ca-cert: {ca_cert} is not a readable file; check the path")
            self._context = ssl.create_default_context(cafile=str(ca_cert))

    def __repr__(self) -> str:
        return f"HttpClient(url={self.url!r}, credentials=[secure])"

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        content_type: str = "application/json",
    ) -> Answer:
        """Send one request; an HTTP error status is returned, a transport failure raised.

        A 401 answer raises: the credentials are wrong for every later request too.
        """
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", content_type)
        auth = self.credentials.header()
        if auth:
            request.add_header("Authorization", auth)
        for name, value in self.headers.items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(
                request, timeout=self.timeout_secs, context=self._context
            ) as response:
                answer = Answer(response.status, _decode(response.read()))
        except urllib.error.HTTPError as exc:
            answer = Answer(exc.code, _decode(exc.read()))
        except urllib.error.URLError as exc:
            raise StoreError(self._unreachable(exc.reason)) from None
        except (TimeoutError, ConnectionError, ssl.SSLError) as exc:
            raise StoreError(self._unreachable(exc)) from None
        except http.client.HTTPException as exc:
            raise StoreError(
                f"{self.url}: did not answer in HTTP ({type(exc).__name__}: {exc}); "
                "check http vs https in --url"
            ) from None
        if answer.status == 401:
            who = "anonymous access was" if auth is None else "the credentials were"
            raise StoreError(
                f"{self.url}: security is enabled and {who} refused (401 Unauthorized); "
                f"{_CREDENTIALS_HINT}"
            )
        return answer

    def _unreachable(self, reason: object) -> str:
        if isinstance(reason, ssl.SSLCertVerificationError):
            return (
                f"{self.url}: TLS certificate verification failed ({reason.verify_message}); "
                "pass --ca-cert with the CA that signed the server's certificate"
            )
        if isinstance(reason, ssl.SSLError):
            return f"{self.url}: TLS handshake failed ({reason}); check http vs https in --url"
        if isinstance(reason, TimeoutError):
            return (
                f"{self.url}: no answer within {self.timeout_secs:.0f}s; "
                "check --url and that the server is up"
            )
        return (
            f"{self.url}: unreachable ({reason}); check --url (http or https, host, port) "
            "and that the server is running"
        )


def _decode(data: bytes) -> Any:
    text = data.decode("utf-8", errors="replace")
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return text
