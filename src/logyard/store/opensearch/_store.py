"""``OpenSearchStore``: the :class:`~logyard.store.Store` on Elasticsearch 8 or OpenSearch 2/3.

Events go to one index (or alias, or data stream) per system, ``logs-<system>``; dead letters,
checkpoints and encrypted originals to their own indices (:mod:`._mapping`). A write is not a
transaction as in DuckDB; its order makes it safe to repeat instead: events (``create`` with
``_id`` = event id), the batch's dead letters and originals first, then the dead letters of
events the cluster refused (a mapping conflict), and the checkpoint last, so a crash at any
point means the batch is read again and rewritten without duplicates.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from logyard.catalog import SYSTEMS, encode_event
from logyard.errors import QueryError, StoreError
from logyard.store import kql
from logyard.store._base import index_name
from logyard.store._dates import parse_datetime, to_epoch_ms
from logyard.store._model import (
    AggregateRequest,
    AggregateResult,
    DeadLetter,
    SearchRequest,
    SearchResult,
    WriteBatch,
    WriteResult,
)
from logyard.store.opensearch._aggregate import compile_aggs, reshape
from logyard.store.opensearch._bulk import BulkDoc, BulkOutcome, BulkWriter, Refresh
from logyard.store.opensearch._client import ClientSettings, Flavour, Response
from logyard.store.opensearch._health import auth_error, check_cluster, open_cluster
from logyard.store.opensearch._mapping import (
    CHECKPOINTS_INDEX,
    DEAD_LETTERS_INDEX,
    ORIGINALS_INDEX,
    FreeForm,
    checkpoint_mappings,
    dead_letter_mappings,
    index_mappings,
    index_settings,
    originals_mappings,
)
from logyard.store.opensearch._query import (
    MAX_PAGE_SIZE,
    indices_for,
    request_filter,
    search_body,
)
from logyard.store.opensearch._records import letter_doc, letter_from_source, refused_letter

__all__ = ["OpenSearchStore"]

_INT64 = 2**63
_ENCODE = msgspec.json.encode
_SEARCH_PARAMS = {"ignore_unavailable": "true", "allow_no_indices": "true"}


class OpenSearchStore:
    """A :class:`~logyard.store.Store` in an Elasticsearch or OpenSearch cluster.

    ``refresh`` is the bulk refresh policy: ``wait_for`` (default) makes a write visible to
    searches before it returns, as the embedded store does; ``false`` is faster for ingest
    that nobody reads back at once. ``shards``/``replicas`` apply to the indices the store
    creates when they do not exist (``logyard setup`` makes templates for real clusters).
    """

    def __init__(
        self,
        url: str | Sequence[str],
        *,
        flavour: Flavour = "opensearch",
        username: str | None = None,
        password: str | None = None,
        api_key: str | None = None,
        ca_file: str | None = None,
        verify_tls: bool = True,
        timeout_secs: float = 30.0,
        refresh: Refresh = "wait_for",
        batch_max_docs: int = 1000,
        batch_max_bytes: int = 5 << 20,
        max_in_flight: int = 2,
        max_retries: int = 8,
        backoff_secs: float = 0.1,
        shards: int = 1,
        replicas: int = 1,
        free_form: FreeForm = "object",
        create_indices: bool = True,
    ) -> None:
        urls = (url,) if isinstance(url, str) else tuple(url)
        self.settings = ClientSettings(
            urls=urls,
            flavour=flavour,
            username=username,
            password=password,
            api_key=api_key,
            ca_file=ca_file,
            verify_tls=verify_tls,
            timeout_secs=timeout_secs,
        )
        self.where = self.settings.where
        self._client = open_cluster(self.settings)
        self._bulk = BulkWriter(
            self._client,
            max_docs=batch_max_docs,
            max_bytes=batch_max_bytes,
            max_in_flight=max_in_flight,
            max_retries=max_retries,
            backoff_secs=backoff_secs,
            refresh=refresh,
        )
        self.refresh: Refresh = refresh
        self.free_form: FreeForm = free_form
        self._closed = False
        self._close_lock = threading.Lock()
        try:
            if create_indices:
                self._create_indices(shards, replicas, free_form)
        except BaseException:
            self._bulk.close()
            self._client.close()
            raise

    def __repr__(self) -> str:
        return f"OpenSearchStore(url={self.where!r}, flavour={self.settings.flavour!r})"

    @property
    def bulk(self) -> BulkWriter:
        """The bulk writer (its counters show retries)."""
        return self._bulk

    # -- plumbing -----------------------------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> Response:
        if self._closed:
            raise StoreError(f"opensearch store {self.where}: closed; open a new OpenSearchStore")
        resp = self._client.request(method, path, body=body, params=params)
        if resp.status in (401, 403):
            raise auth_error(self.where, resp)
        return resp

    def _fail(self, what: str, resp: Response) -> StoreError:
        return StoreError(
            f"opensearch store {self.where}: {what} failed (HTTP {resp.status} "
            f"{resp.reason()}); check the cluster's health"
        )

    def _create_indices(self, shards: int, replicas: int, free_form: FreeForm) -> None:
        settings = index_settings(shards=shards, replicas=replicas)
        events = {
            "settings": settings,
            "mappings": index_mappings(self.settings.flavour, free_form=free_form),
        }
        own = {"number_of_shards": 1, "number_of_replicas": replicas}
        wanted: dict[str, dict[str, Any]] = {index_name(s): events for s in SYSTEMS}
        wanted[DEAD_LETTERS_INDEX] = {"settings": own, "mappings": dead_letter_mappings()}
        wanted[CHECKPOINTS_INDEX] = {"settings": own, "mappings": checkpoint_mappings()}
        wanted[ORIGINALS_INDEX] = {"settings": own, "mappings": originals_mappings()}
        for name, body in wanted.items():
            if self._request("HEAD", f"/{name}").ok:
                continue  # an index, an alias or a data stream made by `logyard setup`
            resp = self._request("PUT", f"/{name}", body=body)
            reason = resp.reason()
            if resp.ok or "already_exists" in reason or "already exists" in reason:
                continue
            if "data stream" in reason or "data_stream" in reason:
                continue  # a data-stream template: the first write creates the stream
            raise StoreError(
                f"opensearch store {self.where}: cannot create index {name} (HTTP {resp.status} "
                f"{reason}); create it with `logyard setup` or grant create_index"
            )

    # -- writing ------------------------------------------------------------------------------
    def write(self, batch: WriteBatch) -> WriteResult:
        """Store events (idempotent on ``event.id``), dead letters, originals, then the
        checkpoint. Events the cluster refuses (a mapping conflict) become dead letters."""
        if self._closed:
            raise StoreError(f"opensearch store {self.where}: closed; open a new OpenSearchStore")
        if batch.checkpoint is not None and not 0 <= batch.checkpoint[1] < _INT64:
            raise StoreError(
                f"checkpoint {batch.checkpoint[0]!r}: position {batch.checkpoint[1]} does not "
                "fit in 64 bits; the input reported an impossible position"
            )
        docs: list[BulkDoc] = []
        seen: set[tuple[str, str]] = set()
        submitted = 0
        for event in batch.events:
            submitted += 1
            key = (event.service, event.event_id)
            if key not in seen:
                seen.add(key)
                docs.append(BulkDoc(index_name(event.service), event.event_id, encode_event(event)))
        for enc in batch.encoded:
            if enc.system not in SYSTEMS:
                raise StoreError(
                    f"service.name: {enc.system!r} is not a system; "
                    f"events must come from one of {', '.join(SYSTEMS)}"
                )
            submitted += len(enc.docs)
            for event_id, doc in zip(enc.ids, enc.docs, strict=True):
                key = (enc.system, event_id)
                if key not in seen:
                    seen.add(key)
                    docs.append(BulkDoc(index_name(enc.system), event_id, bytes(doc)))
        n_events = len(docs)
        docs += [letter_doc(d) for d in batch.dead_letters]
        docs += [
            BulkDoc(
                ORIGINALS_INDEX,
                f"{event_id}/{field}",
                _ENCODE(
                    {
                        "event_id": event_id,
                        "system": system,
                        "field": field,
                        "subject": subject,
                        "envelope": msgspec.Raw(envelope),
                    }
                ),
            )
            for event_id, system, field, subject, envelope in batch.originals
        ]
        outcome = self._bulk.write(docs) if docs else BulkOutcome()
        events = {id(d) for d in docs[:n_events]}
        stored = [d for d in outcome.created if id(d) in events]
        refused = [(d, s, why) for d, s, why in outcome.rejected if id(d) in events]
        others = [(d, s, why) for d, s, why in outcome.rejected if id(d) not in events]
        if others:
            bad, status, why = others[0]
            raise StoreError(
                f"opensearch store {self.where}: {bad.index} refused document {bad.id} "
                f"(HTTP {status} {why}); check the index's mapping (logyard setup)"
            )
        dead = sum(1 for d in outcome.created if d.index == DEAD_LETTERS_INDEX)
        second = [letter_doc(refused_letter(d, s, why)) for d, s, why in refused]
        if batch.checkpoint is not None:
            name, position = batch.checkpoint
            second.append(
                BulkDoc(
                    CHECKPOINTS_INDEX,
                    name,
                    _ENCODE({"name": name, "position": str(position)}),
                    op="index",
                )
            )
        if second:
            policy: Refresh = self.refresh if refused else "false"  # GET _doc is realtime
            later = self._bulk.write(second, refresh=policy)
            if later.rejected:
                bad, status, why = later.rejected[0]
                raise StoreError(
                    f"opensearch store {self.where}: {bad.index} refused document {bad.id} "
                    f"(HTTP {status} {why}); check the index's mapping (logyard setup)"
                )
            dead += sum(1 for d in later.created if d.index == DEAD_LETTERS_INDEX)
        by_system: dict[str, int] = {}
        prefix = len(index_name(""))
        for d in stored:
            system = d.index[prefix:]
            by_system[system] = by_system.get(system, 0) + 1
        return WriteResult(
            stored=len(stored),
            duplicates=submitted - len(stored) - len(refused),
            dead_letters=dead,
            by_system=by_system,
        )

    def read_checkpoint(self, name: str) -> int | None:
        """The last position stored for input ``name``."""
        resp = self._request("GET", f"/{CHECKPOINTS_INDEX}/_doc/{_quote(name)}")
        if resp.status == 404:
            return None
        if not resp.ok:
            raise self._fail(f"reading checkpoint {name!r}", resp)
        return int(resp.body["_source"]["position"])

    def heartbeat(self) -> None:
        """Nothing to do: the cluster keeps its own state."""

    # -- reading ------------------------------------------------------------------------------
    def _search(self, indices: list[str], body: dict[str, Any], what: str) -> dict[str, Any]:
        path = "/" + ",".join(indices) + "/_search"
        resp = self._request("POST", path, body=body, params=_SEARCH_PARAMS)
        if resp.status == 400:
            raise QueryError(f"{what}: the cluster refused the query ({resp.reason()}); fix it")
        if not resp.ok or not isinstance(resp.body, dict):
            raise self._fail(what, resp)
        return resp.body

    def search(self, request: SearchRequest) -> SearchResult:
        """One page of matching events, sorted, and the exact total."""
        node = kql.parse(request.query)
        body = search_body(request, node)
        indices = indices_for(request.systems, node)
        if not indices:
            return SearchResult(total=0, hits=[])
        found = self._search(indices, body, "search")
        hits = found["hits"]["hits"]
        total = int(found["hits"]["total"]["value"])
        page = hits[: request.size]
        more = len(hits) > request.size or (
            request.size == MAX_PAGE_SIZE and len(hits) == MAX_PAGE_SIZE and total > len(hits)
        )
        nxt = tuple(page[-1]["sort"]) if more and page else None
        return SearchResult(total=total, hits=[h["_source"] for h in page], next=nxt)

    def aggregate(self, request: AggregateRequest) -> AggregateResult:
        """Aggregations over the matching events."""
        node = kql.parse(request.query)
        indices = indices_for(request.systems, node)
        query = request_filter(node, request.time_from, request.time_to)
        if not indices:  # nothing can match, but histograms still fill the time range
            indices = [index_name(s) for s in SYSTEMS]
            query = {"match_none": {}}

        def probe(field: str) -> tuple[int | None, int | None]:
            body = {
                "size": 0,
                "query": query,
                "aggs": {"lo": {"min": {"field": field}}, "hi": {"max": {"field": field}}},
            }
            found = self._search(indices, body, "aggregate")["aggregations"]
            lo, hi = found["lo"].get("value"), found["hi"].get("value")
            return (int(lo) if lo is not None else None, int(hi) if hi is not None else None)

        aggs = compile_aggs(request.aggs, (request.time_from, request.time_to), probe)
        body = {"size": 0, "track_total_hits": True, "query": query, "aggs": aggs}
        found = self._search(indices, body, "aggregate")
        total = int(found["hits"]["total"]["value"])
        return AggregateResult(
            total=total, aggregations=reshape(request.aggs, found.get("aggregations") or {})
        )

    def count(self, system: str | None = None) -> int:
        """Stored events of ``system``, or of all systems."""
        indices = indices_for(None if system is None else (system,))
        path = "/" + ",".join(indices) + "/_count"
        resp = self._request("POST", path, body={"query": {"match_all": {}}}, params=_SEARCH_PARAMS)
        if not resp.ok:
            raise self._fail("count", resp)
        return int(resp.body["count"])

    # -- dead letters and originals -----------------------------------------------------------
    def _letters(self, query: dict[str, Any], size: int, order: str) -> list[DeadLetter]:
        body = {
            "query": query,
            "size": size,
            "sort": [{"received_at": {"order": order}}, {"id": {"order": order}}],
        }
        found = self._search([DEAD_LETTERS_INDEX], body, "dead letters")
        return [letter_from_source(h["_source"]) for h in found["hits"]["hits"]]

    def dead_letters(
        self, *, limit: int = 100, reason_code: str | None = None, since: datetime | None = None
    ) -> list[DeadLetter]:
        """Dead letters, newest first."""
        filters: list[dict[str, Any]] = []
        if reason_code is not None:
            filters.append({"term": {"reason_code": reason_code}})
        if since is not None:
            ms = to_epoch_ms(parse_datetime(since, "since"))
            filters.append({"range": {"received_at": {"gte": ms, "format": "epoch_millis"}}})
        size = min(max(limit, 0), MAX_PAGE_SIZE)
        return self._letters({"bool": {"filter": filters}}, size, "desc")

    def dead_letters_by_id(self, ids: Sequence[str]) -> list[DeadLetter]:
        """The dead letters with these ids (unknown ids are skipped)."""
        if not ids:
            return []
        query = {"ids": {"values": list(ids)}}
        return self._letters(query, min(len(ids), MAX_PAGE_SIZE), "asc")

    def delete_dead_letters(self, ids: Sequence[str]) -> int:
        """Remove dead letters (after a successful replay); returns how many were removed."""
        if not ids:
            return 0
        resp = self._request(
            "POST",
            f"/{DEAD_LETTERS_INDEX}/_delete_by_query",
            body={"query": {"ids": {"values": list(ids)}}},
            params={"refresh": "true", "conflicts": "proceed"},
        )
        if not resp.ok:
            raise self._fail("deleting dead letters", resp)
        return int(resp.body.get("deleted", 0))

    def originals(self, event_id: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(field, subject, envelope) of an event's encrypted originals."""
        body = {"query": {"term": {"event_id": event_id}}, "size": 1000, "sort": [{"field": "asc"}]}
        found = self._search([ORIGINALS_INDEX], body, "originals")
        return [
            (s["field"], s["subject"], s["envelope"])
            for s in (h["_source"] for h in found["hits"]["hits"])
        ]

    # -- health -------------------------------------------------------------------------------
    def health_check(self) -> None:
        """Raise :class:`StoreError` naming the URL when the cluster is unreachable, refuses
        the credentials, is the other flavour or is too old."""
        if self._closed:
            raise StoreError(f"opensearch store {self.where}: closed; open a new OpenSearchStore")
        check_cluster(self._client)

    def close(self) -> None:
        """Close the connections; later calls raise :class:`StoreError`."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        self._bulk.close()
        self._client.close()


def _quote(text: str) -> str:
    return urllib.parse.quote(text, safe="")
