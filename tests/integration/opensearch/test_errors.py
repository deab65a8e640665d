"""Clusters that cannot serve: unreachable, wrong credentials, no write permission, the other
flavour, too old a version. Each error names the URL and says what to do."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from logyard.catalog import ServiceStarted
from logyard.errors import StoreError
from logyard.store import WriteBatch
from logyard.store.opensearch import OpenSearchStore

from ._peer import Peer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def started() -> ServiceStarted:
    return ServiceStarted(
        timestamp=datetime(2026, 11, 26, tzinfo=UTC), event_id="s1", service="mes"
    )


def test_unreachable_cluster_names_the_url() -> None:
    """Nothing listens on the port: StoreError naming the URL and saying it is unreachable."""
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreError, match=r"opensearch store http://127\.0\.0\.1:\d+: unreachable"):
        OpenSearchStore(url, timeout_secs=5)


def test_wrong_credentials_are_reported_as_such(peer: Peer) -> None:
    """A cluster with security on refuses the password: the error says HTTP 401, names the
    URL and never shows the password."""
    peer.credentials = ("logyard", "right")
    with pytest.raises(StoreError) as info:
        OpenSearchStore(peer.url, username="logyard", password="wrong-secret")
    message = str(info.value)
    expected = (True, True, False)
    assert expected == (peer.url in message, "(HTTP 401)" in message, "wrong-secret" in message)


def test_right_credentials_pass(peer: Peer) -> None:
    """The same cluster accepts the right user and password (HTTP basic auth)."""
    peer.credentials = ("logyard", "right")
    store = OpenSearchStore(peer.url, username="logyard", password="right")
    store.health_check()
    assert "right" not in repr(store)
    store.close()


def test_no_write_permission_fails_the_write(peer: Peer) -> None:
    """A user who may read but not write: the bulk request's 403 is a StoreError that names
    the role to grant."""
    peer.forbid_bulk = True
    store = OpenSearchStore(peer.url)
    with pytest.raises(StoreError, match=r"HTTP 403 .*logyard_writer"):
        store.write(WriteBatch(events=[started()]))
    store.close()


@pytest.mark.parametrize(
    ("distribution", "version", "message"),
    [
        ("opensearch", "2.11.1", r"OpenSearch 2\.11\.1 is too old; logyard needs 2\.15 or newer"),
        ("opensearch", "1.3.19", r"OpenSearch 1\.3\.19 is too old"),
        (
            None,
            "8.15.0",
            r'is Elasticsearch 8\.15\.0, not OpenSearch; set flavour = "elasticsearch"',
        ),
    ],
)
def test_old_or_other_clusters_are_refused(
    peer: Peer, distribution: str | None, version: str, message: str
) -> None:
    """An OpenSearch older than 2.15 or an Elasticsearch where OpenSearch was configured."""
    peer.distribution = distribution
    peer.version = version
    with pytest.raises(StoreError, match=message):
        OpenSearchStore(peer.url)


def test_elasticsearch_flavour_against_opensearch_says_so(opensearch_url: str) -> None:
    """flavour="elasticsearch" against osmem-server (OpenSearch 3): the error names both."""
    with pytest.raises(
        StoreError, match=r'is OpenSearch [\d.]+, not Elasticsearch; set flavour = "opensearch"'
    ):
        OpenSearchStore(opensearch_url, flavour="elasticsearch")


def test_old_elasticsearch_is_refused(peer: Peer) -> None:
    """Elasticsearch 7 with flavour="elasticsearch": too old (the client speaks 8)."""
    peer.distribution = None
    peer.version = "7.17.9"
    with pytest.raises(StoreError, match=r"Elasticsearch 7\.17\.9 is too old; logyard needs 8\.0"):
        OpenSearchStore(peer.url, flavour="elasticsearch")


def test_closed_store_refuses_calls(opensearch_url: str) -> None:
    """After close(), every call raises StoreError saying so."""
    store = OpenSearchStore(opensearch_url, replicas=0)
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.count()
