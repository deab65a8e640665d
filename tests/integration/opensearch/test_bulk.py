"""Bulk writes against osmem-server and a scripted peer: duplicates, mapping conflicts,
per-item 429s inside a 200, whole-request 429/503, batching and the refresh policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from logyard.catalog import ApiRequest, OrderCreated, encode_event
from logyard.errors import StoreError
from logyard.store import SearchRequest, WriteBatch, WriteResult
from logyard.store.opensearch import OpenSearchStore

from ._peer import Peer, item_statuses, whole

T0 = datetime(2026, 11, 26, tzinfo=UTC)


def order(n: int, params: dict[str, object]) -> OrderCreated:
    return OrderCreated(
        timestamp=T0 + timedelta(seconds=n), event_id=f"o{n}", service="crm",
        user_name="kuznetsova", order_id=f"ORD-{n}", params=params,
    )  # fmt: skip


def requests(n: int) -> list[ApiRequest]:
    return [
        ApiRequest(timestamp=T0 + timedelta(seconds=i), event_id=f"r{i}", service="mes-api",
                   method="GET", route="/orders", status_code=200, duration_ms=float(i))
        for i in range(n)
    ]  # fmt: skip


def fast(url: str, **kwargs: object) -> OpenSearchStore:
    """A store whose retries wait milliseconds, not seconds."""
    return OpenSearchStore(url, replicas=0, backoff_secs=0.001, **kwargs)  # type: ignore[arg-type]


def test_mapping_conflict_sends_one_document_to_the_dead_letters(opensearch_url: str) -> None:
    """An event whose order.params.qty is text after the index mapped it as a number is a
    dead letter with the cluster's reason; the other events of its batch are stored."""
    store = fast(opensearch_url)
    store.write(WriteBatch(events=[order(1, {"qty": 2})]))
    bad = order(3, {"qty": "two"})
    result = store.write(WriteBatch(events=[order(2, {"qty": 5}), bad, order(4, {"qty": 1})]))
    letters = store.dead_letters()
    found = [h["event.id"] for h in store.search(SearchRequest(query="service.name:crm")).hits]
    assert (result, found) == (WriteResult(2, 0, 1), ["o4", "o2", "o1"])
    letter = letters[0]
    shown = (letter.id, letter.reason_code, letter.service, letter.action, letter.raw)
    assert shown == ("store:crm:o3", "mapping_conflict", "crm", "order.created", encode_event(bad))
    assert "order.params.qty" in letter.reason
    store.close()


def test_replaying_a_batch_with_a_conflict_stores_nothing_twice(opensearch_url: str) -> None:
    """The same batch again: its events are duplicates and its dead letter is not repeated."""
    store = fast(opensearch_url)
    batch = WriteBatch(events=[order(1, {"qty": 2}), order(2, {"qty": "two"})])
    first = store.write(batch)
    again = store.write(batch)
    assert (first, again, len(store.dead_letters())) == (
        WriteResult(1, 0, 1),
        WriteResult(0, 1, 0),
        1,
    )
    store.close()


def test_a_second_store_on_the_same_cluster_sees_duplicates(opensearch_url: str) -> None:
    """Idempotence lives in the cluster (``_id`` = event id), not in the process: a restarted
    processor replaying its last batch stores nothing new."""
    first = fast(opensearch_url)
    first.write(WriteBatch(events=requests(5), checkpoint=("kafka", 5)))
    first.close()
    second = fast(opensearch_url)
    result = second.write(WriteBatch(events=requests(5), checkpoint=("kafka", 5)))
    assert (result, second.count("mes-api"), second.read_checkpoint("kafka")) == (
        WriteResult(0, 5, 0),
        5,
        5,
    )
    second.close()


def test_batches_are_split_by_document_count(opensearch_url: str) -> None:
    """Ten events with batch_max_docs=3 go in four bulk requests, all of them stored."""
    store = fast(opensearch_url, batch_max_docs=3, max_in_flight=2)
    result = store.write(WriteBatch(events=requests(10)))
    assert (result.stored, store.bulk.requests, store.count()) == (10, 4, 10)
    store.close()


def test_bulk_requests_in_flight_are_bounded(peer: Peer) -> None:
    """Ten events in chunks of two with max_in_flight=2, each answer held 0.3 s: five bulk
    requests, never more than two at the cluster at once (and two do overlap)."""
    peer.bulk_hold_secs = 0.3
    store = fast(peer.url, batch_max_docs=2, max_in_flight=2)
    result = store.write(WriteBatch(events=requests(10)))
    assert (result.stored, len(peer.bulk_requests), peer.most_in_flight) == (10, 5, 2)
    store.close()


def test_refresh_false_still_stores_durably(peer: Peer, opensearch_url: str) -> None:
    """With refresh="false" the bulk request carries no ``refresh`` parameter (the scripted
    peer records none), so a write returns before a refresh; after an explicit one the
    events are all there."""
    scripted = fast(peer.url, refresh="false")
    scripted.write(WriteBatch(events=requests(3)))
    assert peer.bulk_params == [""]
    scripted.close()
    store = fast(opensearch_url, refresh="false")
    store.write(WriteBatch(events=requests(3)))
    store._client.request("POST", "/_refresh")
    assert store.count() == 3
    store.close()


def test_per_item_429_inside_a_200_is_retried_alone(peer: Peer) -> None:
    """A 200 bulk answer whose second item is 429: only that item is sent again, and the
    write reports all three stored."""
    peer.bulk_script = [item_statuses({1: 429})]
    store = fast(peer.url)
    result = store.write(WriteBatch(events=requests(3)))
    assert (result.stored, peer.bulk_requests) == (3, [["r0", "r1", "r2"], ["r1"]])
    assert store.bulk.retried_items == 1
    store.close()


def test_per_item_503_is_retried_and_409_is_a_duplicate(peer: Peer) -> None:
    """Item statuses 503 (retried) and 409 (already there) in one answer."""
    peer.bulk_script = [item_statuses({0: 503, 2: 409})]
    store = fast(peer.url)
    result = store.write(WriteBatch(events=requests(3)))
    assert (result, peer.bulk_requests) == (WriteResult(2, 1, 0), [["r0", "r1", "r2"], ["r0"]])
    store.close()


def test_whole_request_429_then_503_is_retried(peer: Peer) -> None:
    """A bulk request refused as a whole (429, then 503) is sent again until it passes."""
    peer.bulk_script = [whole(429), whole(503)]
    store = fast(peer.url)
    result = store.write(WriteBatch(events=requests(2)))
    assert (result.stored, len(peer.bulk_requests)) == (2, 3)
    store.close()


def test_retries_run_out_with_a_store_error(peer: Peer) -> None:
    """Items refused with 429 on every attempt: after max_retries the write raises and names
    the cluster and the last refusal, and no checkpoint is stored."""
    peer.bulk_script = [item_statuses({0: 429})] * 4
    store = fast(peer.url, max_retries=2)
    with pytest.raises(StoreError) as info:
        store.write(WriteBatch(events=requests(1), checkpoint=("kafka", 1)))
    message = str(info.value)
    assert (peer.url in message, "429" in message, len(peer.bulk_requests)) == (True, True, 3)
    store.close()


def test_other_4xx_items_become_dead_letters(peer: Peer) -> None:
    """An item refused with 400 (not a mapping error) is a ``store_rejected`` dead letter,
    written in a second bulk request together with nothing else."""
    peer.bulk_script = [item_statuses({1: 400})]
    store = fast(peer.url)
    result = store.write(WriteBatch(events=requests(2)))
    assert (result, peer.bulk_requests) == (
        WriteResult(1, 0, 1),
        [["r0", "r1"], ["store:mes-api:r1"]],
    )
    store.close()


def test_refresh_policy_is_sent_with_each_bulk(peer: Peer) -> None:
    """refresh="wait_for" (the default) is a parameter of the bulk request."""
    store = fast(peer.url)
    store.write(WriteBatch(events=requests(1)))
    assert peer.bulk_params == ["refresh=wait_for"]
    store.close()


def test_encoded_documents_keep_their_bytes(opensearch_url: str) -> None:
    """The processor's encoded documents are stored byte for byte as their _source."""
    store = fast(opensearch_url)
    docs = [encode_event(e) for e in requests(2)]
    from logyard.store import EncodedEvents

    enc = EncodedEvents("mes-api", ["r0", "r1"], docs, T0, T0 + timedelta(seconds=1))
    store.write(WriteBatch(encoded=[enc]))
    found = store._client.request("GET", "/logs-mes-api/_doc/r1").body["_source"]
    assert msgspec.json.decode(docs[1]) == found
    store.close()
