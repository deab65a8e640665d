"""TLS (a CA file, verification on and off) and the elasticsearch flavour's write path,
against the scripted peer over HTTPS on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests._loopback import self_signed

from logyard.catalog import ApiRequest
from logyard.errors import StoreError
from logyard.store import WriteBatch
from logyard.store.opensearch import OpenSearchStore

from ._peer import Peer, item_statuses, serve_peer


@pytest.fixture
def tls_peer(tmp_path: Path) -> Iterator[tuple[Peer, Path]]:
    """The scripted cluster over HTTPS with a self-signed certificate, and that certificate."""
    cert, key = self_signed(tmp_path)
    with serve_peer(tls=(cert, key)) as peer:
        yield peer, cert


def requests(n: int) -> list[ApiRequest]:
    t0 = datetime(2026, 11, 26, tzinfo=UTC)
    return [
        ApiRequest(timestamp=t0 + timedelta(seconds=i), event_id=f"r{i}", service="crm-api",
                   method="GET", route="/", status_code=200, duration_ms=1.0)
        for i in range(n)
    ]  # fmt: skip


@pytest.mark.parametrize("flavour", ["opensearch", "elasticsearch"])
def test_ca_file_trusts_the_cluster(tls_peer: tuple[Peer, Path], flavour: str) -> None:
    """With the cluster's CA in ca_file, both clients connect over HTTPS and write."""
    peer, cert = tls_peer
    peer.distribution = "opensearch" if flavour == "opensearch" else None
    peer.version = "2.19.0" if flavour == "opensearch" else "8.15.0"
    store = OpenSearchStore(peer.url, flavour=flavour, ca_file=str(cert), backoff_secs=0.001)  # type: ignore[arg-type]
    assert store.write(WriteBatch(events=requests(2))).stored == 2
    store.close()


@pytest.mark.parametrize("flavour", ["opensearch", "elasticsearch"])
def test_unknown_certificate_is_refused(tls_peer: tuple[Peer, Path], flavour: str) -> None:
    """Without the CA, verification fails: unreachable, naming the URL and the TLS settings."""
    peer, _ = tls_peer
    peer.distribution = "opensearch" if flavour == "opensearch" else None
    peer.version = "2.19.0" if flavour == "opensearch" else "8.15.0"
    with pytest.raises(StoreError, match=r"https://127\.0\.0\.1:\d+: unreachable .*ca_file"):
        OpenSearchStore(peer.url, flavour=flavour, timeout_secs=5)  # type: ignore[arg-type]


def test_elasticsearch_flavour_retries_per_item_429(tls_peer: tuple[Peer, Path]) -> None:
    """The elasticsearch flavour goes through the official ES 8 client (its compatibility
    media type on the wire) and retries a per-item 429 of a 200 answer like the other."""
    peer, cert = tls_peer
    peer.distribution = None
    peer.version = "8.15.0"
    peer.bulk_script = [item_statuses({0: 429})]
    store = OpenSearchStore(
        peer.url, flavour="elasticsearch", ca_file=str(cert), backoff_secs=0.001
    )
    result = store.write(WriteBatch(events=requests(2)))
    found = (result.stored, peer.bulk_requests, peer.bulk_content_types[0])
    expected = (
        2,
        [["r0", "r1"], ["r0"]],
        "application/vnd.elasticsearch+x-ndjson; compatible-with=8",
    )
    assert expected == found
    store.close()


@pytest.mark.parametrize("flavour", ["opensearch", "elasticsearch"])
def test_verify_tls_false_accepts_any_certificate(
    tls_peer: tuple[Peer, Path], flavour: str
) -> None:
    """verify_tls = false (a test cluster): the unknown certificate is accepted."""
    peer, _ = tls_peer
    peer.distribution = "opensearch" if flavour == "opensearch" else None
    peer.version = "2.19.0" if flavour == "opensearch" else "8.15.0"
    store = OpenSearchStore(peer.url, flavour=flavour, verify_tls=False)  # type: ignore[arg-type]
    assert store.write(WriteBatch(events=requests(1))).stored == 1
    store.close()
