"""What the store checks about a cluster: that it answers, accepts the credentials, is the
configured flavour and is recent enough. Every error names the URL and what to do."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from logyard.errors import StoreError
from logyard.store.opensearch._client import ClientSettings, ClusterClient, Flavour, Response

__all__ = [
    "MIN_VERSIONS",
    "PRODUCT_NAMES",
    "auth_error",
    "check_cluster",
    "check_info",
    "flavour_of",
    "open_cluster",
    "parse_version",
]

#: The oldest versions the mappings work on (``wildcard`` fields: OpenSearch 2.15; the
#: Elasticsearch client speaks 8). ``logyard setup`` shares the OpenSearch minimum.
MIN_VERSIONS: dict[Flavour, tuple[int, int]] = {"opensearch": (2, 15), "elasticsearch": (8, 0)}
#: Each flavour's product name, for messages.
PRODUCT_NAMES: dict[Flavour, str] = {"opensearch": "OpenSearch", "elasticsearch": "Elasticsearch"}


def parse_version(text: str) -> tuple[int, ...]:
    """``8.13.0-SNAPSHOT`` → ``(8, 13, 0)`` (up to the first part that is not a number)."""
    parts: list[int] = []
    for piece in text.split("-", 1)[0].split("."):
        if not piece.isdigit():
            break
        parts.append(int(piece))
    return tuple(parts)


def flavour_of(version: Mapping[str, Any]) -> Flavour:
    """The flavour whose ``GET /`` answer holds this ``version`` object (OpenSearch says
    ``"distribution": "opensearch"``; Elasticsearch names none)."""
    return "opensearch" if version.get("distribution") == "opensearch" else "elasticsearch"


def auth_error(where: str, resp: Response) -> StoreError:
    if resp.status == 401:
        return StoreError(
            f"opensearch store {where}: the cluster refused the credentials (HTTP 401); "
            "check username and password_env (or api_key_env)"
        )
    return StoreError(
        f"opensearch store {where}: the user is not allowed to do this (HTTP 403 "
        f"{resp.reason()}); give it the logyard_writer role (logyard setup)"
    )


def check_info(resp: Response, wanted: Flavour, where: str) -> None:
    """Check the answer of ``GET /``: a cluster of the ``wanted`` flavour, recent enough."""
    if not resp.ok or not isinstance(resp.body, dict):
        raise StoreError(
            f"opensearch store {where}: the cluster answered HTTP {resp.status} "
            f"({resp.reason()}); check the url points at Elasticsearch or OpenSearch"
        )
    version = resp.body.get("version") or {}
    number = str(version.get("number", "0"))
    actual = flavour_of(version)
    if actual != wanted:
        raise StoreError(
            f"opensearch store {where}: the cluster is {PRODUCT_NAMES[actual]} {number}, not "
            f'{PRODUCT_NAMES[wanted]}; set flavour = "{actual}"'
        )
    low = MIN_VERSIONS[wanted]
    if parse_version(number) < low:
        raise StoreError(
            f"opensearch store {where}: {PRODUCT_NAMES[wanted]} {number} is too old; logyard "
            f"needs {low[0]}.{low[1]} or newer (wildcard fields); upgrade the cluster"
        )


def open_cluster(settings: ClientSettings) -> ClusterClient:
    """A client for the cluster of ``settings``, checked as :func:`check_cluster` does
    (closed again when a check fails). The store and the analytics sink connect this way."""
    client = ClusterClient(settings)
    try:
        check_cluster(client)
    except BaseException:
        client.close()
        raise
    return client


def check_cluster(client: ClusterClient) -> None:
    """Raise :class:`StoreError` naming the URL when the cluster is unreachable, refuses
    the credentials, is the other flavour or is too old."""
    settings = client.settings
    resp = client.request("GET", "/")
    if resp.status in (401, 403):
        raise auth_error(settings.where, resp)
    check_info(resp, settings.flavour, settings.where)
