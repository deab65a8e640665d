"""One small HTTP interface over the two official clients.

``flavour = "opensearch"`` talks through ``opensearch-py``, ``"elasticsearch"`` through the
official ``elasticsearch`` 8 client. Both are used at their lowest level (``perform_request``
with bytes in, parsed JSON out), so the rest of the backend builds request bodies once and
never depends on either client's API surface. The ES 8 client turns ``application/json`` into
its compatibility media type (``application/vnd.elasticsearch+json; compatible-with=8``),
which Elasticsearch 8 wants and OpenSearch refuses (HTTP 406): the flavour must match the
cluster, and :meth:`OpenSearchStore.health_check` says so when it does not.

HTTP errors are not exceptions here: :meth:`ClusterClient.request` returns the status and the
parsed body so callers can tell a 409 duplicate from a 429 from a mapping error. A cluster
that cannot be reached (refused, DNS, TLS, timeout) raises :class:`ClusterUnreachable`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import msgspec

from logyard.errors import NotInstalledError, StoreError

__all__ = [
    "ClientSettings",
    "ClusterClient",
    "ClusterUnreachable",
    "Flavour",
    "Response",
]

Flavour = Literal["opensearch", "elasticsearch"]

_JSON = {"content-type": "application/json", "accept": "application/json"}
_NDJSON = {"content-type": "application/x-ndjson", "accept": "application/json"}
_DECODE = msgspec.json.Decoder()
_Impl = TypeVar("_Impl")


class ClusterUnreachable(StoreError):
    """The cluster did not answer (connection refused, DNS, TLS handshake, timeout)."""


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """How to reach the cluster. Secrets are kept out of ``repr``."""

    urls: tuple[str, ...]
    flavour: Flavour = "opensearch"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    ca_file: str | None = None
    verify_tls: bool = True
    timeout_secs: float = 30.0

    @property
    def where(self) -> str:
        """How messages name the cluster: its first URL (never with credentials)."""
        return self.urls[0] if self.urls else "<no url>"


@dataclass(frozen=True, slots=True)
class Response:
    """An HTTP answer: its status and its parsed JSON body (``None`` when empty)."""

    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def reason(self) -> str:
        """``type: reason`` of an error body, or the body itself."""
        return error_reason(self.body) or f"HTTP {self.status}"


def error_reason(body: Any) -> str:
    """``type: reason`` from an Elasticsearch/OpenSearch error object (or a bulk item's)."""
    err = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(err, dict):
        kind, why = err.get("type"), err.get("reason")
        caused = err.get("caused_by")
        text = f"{kind}: {why}" if kind else str(why)
        if isinstance(caused, dict) and caused.get("reason"):
            text += f" (caused by {caused.get('type')}: {caused.get('reason')})"
        return text
    return "" if err is None else str(err)


class ClusterClient:
    """Requests against one cluster through the flavour's official client (thread-safe)."""

    def __init__(self, settings: ClientSettings) -> None:
        if not settings.urls:
            raise StoreError('opensearch store: no url; set url = "https://host:9200"')
        self.settings = settings
        self._impl = (
            _opensearch(settings) if settings.flavour == "opensearch" else _elastic(settings)
        )

    def __repr__(self) -> str:
        return f"ClusterClient(url={self.settings.where!r}, flavour={self.settings.flavour!r})"

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        ndjson: bool = False,
    ) -> Response:
        """Send one request; every HTTP status is returned, only no answer at all raises."""
        data = msgspec.json.encode(body) if isinstance(body, dict) else body
        headers = dict(_NDJSON if ndjson else _JSON)
        return self._impl.request(method, path, data, params or {}, headers)

    def close(self) -> None:
        self._impl.close()


class _OpenSearchImpl:
    def __init__(self, settings: ClientSettings) -> None:
        from opensearchpy import OpenSearch

        kwargs = _connection_kwargs(settings)
        kwargs["timeout"] = settings.timeout_secs
        if settings.username is not None:
            kwargs["http_auth"] = (settings.username, settings.password or "")
        if settings.api_key:
            kwargs["headers"] = {"authorization": f"ApiKey {settings.api_key}"}
        self.where = settings.where
        self.client = OpenSearch(**kwargs)

    def request(
        self, method: str, path: str, data: bytes | None, params: dict[str, str],
        headers: dict[str, str],
    ) -> Response:  # fmt: skip
        from opensearchpy import exceptions as os_exc

        try:
            body = self.client.transport.perform_request(
                method, path, params=params, body=data, headers=headers
            )
        except os_exc.ConnectionError as exc:  # also ConnectionTimeout and SSLError
            raise ClusterUnreachable(_unreachable(self.where, exc)) from exc
        except os_exc.TransportError as exc:
            status = exc.status_code if isinstance(exc.status_code, int) else 0
            return Response(status, _parsed(exc.info))
        if method == "HEAD":  # opensearch-py answers HEAD with True/False
            return Response(200 if body else 404, None)
        return Response(200, body)

    def close(self) -> None:
        self.client.close()


class _ElasticImpl:
    def __init__(self, settings: ClientSettings) -> None:
        from elasticsearch import Elasticsearch

        kwargs = _connection_kwargs(settings)
        kwargs.update(request_timeout=settings.timeout_secs, retry_on_timeout=False)
        if settings.username is not None:
            kwargs["basic_auth"] = (settings.username, settings.password or "")
        if settings.api_key:
            kwargs["api_key"] = settings.api_key
        self.where = settings.where
        self.client = Elasticsearch(**kwargs)

    def request(
        self, method: str, path: str, data: bytes | None, params: dict[str, str],
        headers: dict[str, str],
    ) -> Response:  # fmt: skip
        import elastic_transport
        from elasticsearch import ApiError

        try:
            resp = self.client.perform_request(
                method, path, params=params or None, headers=headers, body=data
            )
        except ApiError as exc:
            return Response(exc.meta.status, _parsed(exc.body))
        except elastic_transport.TransportError as exc:  # connection, TLS, timeout
            raise ClusterUnreachable(_unreachable(self.where, exc)) from exc
        return Response(resp.meta.status, _parsed(resp.body))

    def close(self) -> None:
        self.client.close()


def _parsed(body: Any) -> Any:
    """A body the client left as text or bytes, parsed as JSON (text when it is not JSON)."""
    if not isinstance(body, str | bytes):
        return body
    if not body:
        return None
    try:
        return _DECODE.decode(body)
    except msgspec.DecodeError:
        return body if isinstance(body, str) else body.decode("utf-8", "replace")


def _unreachable(where: str, exc: Exception) -> str:
    detail = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
    return (
        f"opensearch store {where}: unreachable ({detail}); check the url, that the cluster "
        "is up, and the TLS settings (ca_file, verify_tls)"
    )


def _connection_kwargs(settings: ClientSettings) -> dict[str, Any]:
    """What both official clients take under the same names: hosts, no retries (the store
    retries itself), TLS verification and the CA file."""
    kwargs: dict[str, Any] = {
        "hosts": list(settings.urls),
        "max_retries": 0,
        "verify_certs": settings.verify_tls,
        "ssl_show_warn": settings.verify_tls,
    }
    if settings.ca_file:
        kwargs["ca_certs"] = settings.ca_file
    return kwargs


def _opensearch(settings: ClientSettings) -> _OpenSearchImpl:
    return _installed(_OpenSearchImpl, settings, "opensearch-py", "opensearch")


def _elastic(settings: ClientSettings) -> _ElasticImpl:
    return _installed(_ElasticImpl, settings, "elasticsearch", "elasticsearch")


def _installed(
    make: Callable[[ClientSettings], _Impl], settings: ClientSettings, package: str, extra: str
) -> _Impl:
    """``make(settings)``, or the extra to install when its client library is missing."""
    try:
        return make(settings)
    except ImportError as exc:
        raise NotInstalledError(
            f"opensearch store: {exc.name or package} is not installed; "
            f"pip install 'logyard[{extra}]'"
        ) from exc
