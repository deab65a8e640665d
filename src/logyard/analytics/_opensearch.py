"""``OpenSearchAnalyticsSink``: the analytic schema in ``analytics-<table>`` indices of an
Elasticsearch 8 or OpenSearch 2/3 cluster (the distributed half of the analytics branch).

A cluster has no transactions, so :meth:`~OpenSearchAnalyticsSink.apply` orders its writes
so that stopping after any of them and applying the same batch again ends in the same
state:

1. **facts** (``order_events``, ``requests``, ``session_events``, ``ops_events``,
   ``feedback``): ``create`` with ``_id`` = event id; a second write of the same fact is a
   409, counted as already there;
2. **derived rows** (``orders`` per order, ``sessions`` per login): the indices of the
   facts are refreshed, every fact of each touched order (user) is read back, and the row is
   recomputed by :mod:`logyard.analytics._derive` and written with ``version`` = the number
   of facts it was computed from (``version_type=external_gte``). Facts are only ever added,
   so a row computed from more facts has a higher version: a slower writer that read fewer
   facts (another processor, an older replay) gets a 409 and cannot overwrite a fuller row;
   equal versions mean the same facts, hence the same row;
3. **activity_daily** (first and last activity per system, user and day): read, merged
   (min/max) and written back with ``if_seq_no``/``if_primary_term``, re-read on conflict;
   a merge applied twice is the merge applied once;
4. **cursors** last, one document per key in :data:`CURSORS_INDEX` with ``version`` = the
   position (``version_type=external``): the cluster itself refuses to move one back.

A crash before step 4 leaves the cursor where it was: the batch is read and applied again,
and steps 1-3 change nothing that is already there. The cursor never gets ahead of facts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal

import msgspec

from logyard.analytics._derive import OrderFact, SessionFact, order_row, session_rows
from logyard.analytics._documents import (
    CURSORS_INDEX,
    TABLES,
    cursor_mappings,
    document_id,
    index_of,
    parse_time,
    table_mappings,
    to_document,
)
from logyard.analytics._normalize import FactBatch
from logyard.errors import StoreError
from logyard.store.opensearch._bulk import BulkDoc, BulkWriter
from logyard.store.opensearch._client import (
    ClientSettings,
    ClusterClient,
    ClusterUnreachable,
    Flavour,
    Response,
)
from logyard.store.opensearch._health import open_cluster

__all__ = ["OpenSearchAnalyticsSink"]

_log = logging.getLogger("logyard.analytics")
_ENCODE = msgspec.json.encode
_PAGE = 5000
_TERMS = 1000  # keys per terms query
_MERGE_ATTEMPTS = 8
_RETRIES = 6
#: One bulk item: action (``index``/``create``), its metadata, the document.
_Item = tuple[Literal["create", "index"], dict[str, Any], dict[str, Any]]


class OpenSearchAnalyticsSink:
    """Facts in ``analytics-<table>`` indices; cursors in :data:`CURSORS_INDEX`."""

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
        shards: int = 1,
        replicas: int = 1,
        create_indices: bool = True,
    ) -> None:
        """Connect and check the cluster (as the store does: reachable, the configured
        flavour, recent enough); create the indices that do not exist yet (``logyard setup``
        makes index templates for them on real clusters: the same mappings)."""
        urls = (url,) if isinstance(url, str) else tuple(url)
        self.settings = ClientSettings(
            urls=urls, flavour=flavour, username=username, password=password,
            api_key=api_key, ca_file=ca_file, verify_tls=verify_tls, timeout_secs=timeout_secs,
        )  # fmt: skip
        self.where = self.settings.where
        # reachable, the credentials accepted, right flavour and version (as the store checks)
        self._client = open_cluster(self.settings)
        self._bulk = BulkWriter(self._client, max_in_flight=2)
        self._shards, self._replicas = shards, replicas
        try:
            if create_indices:
                self._create_indices()
        except BaseException:
            self.close()
            raise

    @classmethod
    def for_settings(cls, settings: ClientSettings, **options: Any) -> OpenSearchAnalyticsSink:
        """A sink on the cluster of an ``OpenSearchStore`` (``store.settings``)."""
        return cls(
            settings.urls, flavour=settings.flavour, username=settings.username,
            password=settings.password, api_key=settings.api_key, ca_file=settings.ca_file,
            verify_tls=settings.verify_tls, timeout_secs=settings.timeout_secs, **options,
        )  # fmt: skip

    def __repr__(self) -> str:
        return f"OpenSearchAnalyticsSink(url={self.where!r}, flavour={self.settings.flavour!r})"

    @property
    def client(self) -> ClusterClient:
        """The cluster client (the cluster metrics query through it)."""
        return self._client

    def close(self) -> None:
        self._bulk.close()
        self._client.close()

    # -- plumbing -----------------------------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        body: bytes | dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> Response:
        """One request, retried while the cluster is unreachable or answers 429/5xx."""
        for attempt in range(_RETRIES + 1):
            try:
                resp = self._client.request(method, path, body=body, params=params)
            except ClusterUnreachable:
                if attempt == _RETRIES:
                    raise
            else:
                if resp.status in (401, 403):
                    raise StoreError(
                        f"analytics {self.where}: {method} {path} refused (HTTP {resp.status} "
                        f"{resp.reason()}); give the user read and write on analytics-* and "
                        f"{CURSORS_INDEX}"
                    )
                if resp.status != 429 and resp.status < 500:
                    return resp
                if attempt == _RETRIES:
                    return resp
            time.sleep(min(5.0, 0.1 * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _fail(self, what: str, resp: Response) -> StoreError:
        return StoreError(
            f"analytics {self.where}: {what} failed (HTTP {resp.status} {resp.reason()}); "
            "the cursor did not move, the batch is applied again at the next run"
        )

    def _create_indices(self) -> None:
        settings = {"number_of_shards": self._shards, "number_of_replicas": self._replicas}
        wanted = {index_of(t): table_mappings(t) for t in TABLES}
        wanted[CURSORS_INDEX] = cursor_mappings()
        for name, mappings in wanted.items():
            if self._request("HEAD", f"/{name}").ok:
                continue
            resp = self._request("PUT", f"/{name}", {"settings": settings, "mappings": mappings})
            if not resp.ok and "already_exists" not in resp.reason():
                raise StoreError(
                    f"analytics {self.where}: cannot create index {name} (HTTP {resp.status} "
                    f"{resp.reason()}); run `logyard setup` or grant create_index on it"
                )

    def refresh(self) -> None:
        """Make every write visible to searches (tests and the metrics right after a run)."""
        names = ",".join([*(index_of(t) for t in TABLES), CURSORS_INDEX])
        resp = self._request("POST", f"/{names}/_refresh")
        if not resp.ok:
            raise self._fail("refresh", resp)

    def _scan(self, table: str, query: dict[str, Any], sort: list[str]) -> Iterator[dict[str, Any]]:
        """Every matching document's ``_source``, by pages in ``sort`` order."""
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "query": query, "size": _PAGE, "sort": [{f: "asc"} for f in sort],
                "track_total_hits": False,
            }  # fmt: skip
            if after is not None:
                body["search_after"] = after
            resp = self._request("POST", f"/{index_of(table)}/_search", body)
            if not resp.ok:
                raise self._fail(f"reading {index_of(table)}", resp)
            hits = resp.body["hits"]["hits"]
            for hit in hits:
                yield hit["_source"]
            if len(hits) < _PAGE:
                return
            after = hits[-1]["sort"]

    def _send(self, items: list[_Item]) -> list[tuple[str, int, str]]:
        """Bulk ``(action, metadata, document)`` items through the store's bulk writer (items
        answered 429/5xx are sent again with backoff); the ``(_id, status, reason)`` of each
        item that was not written (409s included)."""
        docs = [
            BulkDoc(meta["_index"], meta["_id"], _ENCODE(doc), action, _extra(meta))
            for action, meta, doc in items
        ]
        outcome = self._bulk.write(docs)
        return [(d.id, 409, "version conflict") for d in outcome.duplicates] + [
            (d.id, status, why) for d, status, why in outcome.rejected
        ]

    def _versioned(self, items: list[tuple[dict[str, Any], dict[str, Any]]], what: str) -> None:
        """Bulk ``index`` with version metadata; a 409 means a newer row is there (fine)."""
        for chunk in _chunks(items, 1000):
            for doc_id, status, why in self._send([("index", meta, doc) for meta, doc in chunk]):
                if status != 409:
                    raise self._refused(what, doc_id, status, why)

    def _refused(self, what: str, doc_id: str, status: int, why: str) -> StoreError:
        return StoreError(
            f"analytics {self.where}: writing {what} {doc_id} failed (HTTP {status} {why}); "
            "the cursor did not move, the batch is applied again at the next run"
        )

    # -- the AnalyticsSink interface -----------------------------------------------------------
    def cursors(self) -> dict[str, int]:
        body = {"query": {"match_all": {}}, "size": 10_000}
        resp = self._request("POST", f"/{CURSORS_INDEX}/_search", body)
        if resp.status == 404:
            return {}
        if not resp.ok:
            raise self._fail("reading the cursors", resp)
        return {
            str(h["_source"]["key"]): int(h["_source"]["seq"]) for h in resp.body["hits"]["hits"]
        }

    def reset(self) -> None:
        names = ",".join([*(index_of(t) for t in TABLES), CURSORS_INDEX])
        resp = self._request("DELETE", f"/{names}", params={"ignore_unavailable": "true"})
        if not resp.ok and resp.status != 404:
            raise self._fail("deleting the analytic indices", resp)
        self._create_indices()

    def apply(self, batch: FactBatch, cursors: Mapping[str, int]) -> None:
        self._facts(batch)
        orders = sorted({row[1] for row in batch.rows["order_events"]})
        users = sorted({(row[1], row[2]) for row in batch.rows["session_events"]})
        if orders or users:
            touched = [index_of("order_events")] if orders else []
            touched += [index_of("session_events")] if users else []
            resp = self._request("POST", "/" + ",".join(touched) + "/_refresh")
            if not resp.ok:
                raise self._fail("refresh", resp)
        if orders:
            self._orders(orders)
        if users:
            self._sessions(users)
        if batch.activity:
            self._activity(batch.activity)
        if cursors:
            self._cursors(cursors)

    # -- the steps of apply -------------------------------------------------------------------
    def _facts(self, batch: FactBatch) -> None:
        docs = [
            BulkDoc(index_of(table), str(row[0]), _ENCODE(to_document(table, row)))
            for table, rows in batch.rows.items()
            for row in rows
        ]
        if not docs:
            return
        outcome = self._bulk.write(docs)
        if outcome.rejected:
            doc, status, why = outcome.rejected[0]
            raise StoreError(
                f"analytics {self.where}: {doc.index} refused fact {doc.id} (HTTP {status} "
                f"{why}); check the index's mapping (logyard setup); the cursor did not move"
            )

    def _orders(self, orders: list[str]) -> None:
        for chunk in _chunks(orders, _TERMS):
            facts: dict[str, list[OrderFact]] = {}
            query = {"terms": {"order_id": chunk}}
            for src in self._scan("order_events", query, ["order_id", "event_id"]):
                fact = OrderFact(
                    src["event_id"], src["system"], _time(src["ts"]), src["action"],
                    src.get("user_name"), src.get("operator"), src.get("calculation_ms"),
                    src.get("status"),
                )  # fmt: skip
                facts.setdefault(src["order_id"], []).append(fact)
            items = [
                (_meta("orders", oid, len(rows)), to_document("orders", order_row(oid, rows)))
                for oid, rows in facts.items()
            ]
            self._versioned(items, "order")

    def _sessions(self, users: list[tuple[str, str]]) -> None:
        for chunk in _chunks(users, _TERMS):
            wanted = set(chunk)
            facts: dict[tuple[str, str], list[SessionFact]] = {}
            query = {
                "bool": {
                    "filter": [
                        {"terms": {"user_name": sorted({u for _, u in chunk})}},
                        {"terms": {"system": sorted({s for s, _ in chunk})}},
                    ]
                }
            }
            for src in self._scan("session_events", query, ["event_id"]):
                key = (src["system"], src["user_name"])
                if key in wanted:
                    facts.setdefault(key, []).append(
                        SessionFact(src["event_id"], _time(src["ts"]), src["kind"])
                    )
            items = [
                (_meta("sessions", row[0], len(rows)), to_document("sessions", row))
                for (system, user), rows in facts.items()
                for row in session_rows(system, user, rows)
            ]
            self._versioned(items, "session")

    def _activity(self, activity: dict[tuple[str, str, date], list[datetime]]) -> None:
        rows = {
            document_id(s, d.isoformat(), u): (s, u, d, span[0], span[1])
            for (s, u, d), span in activity.items()
        }
        keys = sorted(rows)
        for chunk in _chunks(keys, _TERMS):
            self._merge_activity({k: rows[k] for k in chunk})

    def _merge_activity(self, pending: dict[str, tuple[Any, ...]]) -> None:
        """Merge rows into ``activity_daily``: read, min/max, write back only if the
        document did not change meanwhile (``if_seq_no``), else read again."""
        index = index_of("activity_daily")
        for _ in range(_MERGE_ATTEMPTS):
            resp = self._request("POST", f"/{index}/_mget", {"ids": sorted(pending)})
            if not resp.ok:
                raise self._fail("reading activity_daily", resp)
            items: list[_Item] = []
            for doc in resp.body["docs"]:
                system, user, day, first, last = pending[doc["_id"]]
                meta: dict[str, Any] = {"_index": index, "_id": doc["_id"]}
                # a new row: create, so a concurrent creator wins once
                action: Literal["create", "index"] = "create"
                if doc.get("found"):
                    src = doc["_source"]
                    old_first, old_last = _time(src["first_at"]), _time(src["last_at"])
                    if old_first <= first and old_last >= last:
                        continue  # nothing new
                    first, last = min(first, old_first), max(last, old_last)
                    meta.update(if_seq_no=doc["_seq_no"], if_primary_term=doc["_primary_term"])
                    action = "index"
                row = (system, user, day, first, last)
                items.append((action, meta, to_document("activity_daily", row)))
            if not items:
                return
            conflicts = self._merge(items)
            if not conflicts:
                return
            pending = {k: v for k, v in pending.items() if k in conflicts}
        raise StoreError(
            f"analytics {self.where}: activity_daily kept changing under {len(pending)} "
            "merge(s); another writer is very busy, the batch is applied again at the next run"
        )

    def _merge(self, items: list[_Item]) -> set[str]:
        """Write merged activity rows; the ids someone else changed meanwhile (409)."""
        conflicts = set()
        for doc_id, status, why in self._send(items):
            if status != 409:
                raise self._refused("activity_daily", doc_id, status, why)
            conflicts.add(doc_id)
        return conflicts

    def _cursors(self, cursors: Mapping[str, int]) -> None:
        items = [
            (_meta(None, key, int(seq)), {"key": key, "seq": int(seq)})
            for key, seq in sorted(cursors.items())
        ]
        self._versioned(items, "cursor")
        resp = self._request("POST", f"/{CURSORS_INDEX}/_refresh")
        if not resp.ok:
            raise self._fail("refresh", resp)


def _meta(table: str | None, doc_id: str, version: int) -> dict[str, Any]:
    """Bulk metadata of a versioned write (``table`` None: the cursors)."""
    index = CURSORS_INDEX if table is None else index_of(table)
    return {
        "_index": index,
        "_id": document_id(doc_id),
        "version": version,
        "version_type": "external_gte",
    }


def _extra(meta: dict[str, Any]) -> dict[str, Any]:
    """A bulk item's metadata besides ``_index`` and ``_id``."""
    return {k: v for k, v in meta.items() if k not in ("_index", "_id")}


def _time(text: str) -> datetime:
    parsed = parse_time(text)
    assert parsed is not None
    return parsed


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
