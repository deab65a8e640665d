"""The embedded store: DuckDB, one file (or memory), one writer and many readers.

Threads share one database handle; every call takes its own ``cursor()`` (a connection of
its own to the same database, a few microseconds to make), so readers never wait for each
other and see committed data only. Writes are serialized by a lock: the duplicate check
(an anti-join against the batch's time range) must not race another writer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import msgspec

from logyard.catalog import SYSTEMS
from logyard.errors import LogyardError, StoreError
from logyard.security.chain import (
    ChainWriter,
    CheckpointSigner,
    generate_key_file,
    load_signer,
)
from logyard.store import kql
from logyard.store._dates import to_epoch_ms
from logyard.store._model import (
    AggregateRequest,
    AggregateResult,
    DeadLetter,
    SearchRequest,
    SearchResult,
    WriteBatch,
    WriteResult,
)
from logyard.store._requests import (
    MAX_PAGE_SIZE,
    check_page_size,
    check_search_after,
    check_sortable,
)
from logyard.store._scope import systems_to_read
from logyard.store.duckdb._aggregate import Scope, aggregate
from logyard.store.duckdb._schema import Params, column, create_schema, table_name
from logyard.store.duckdb._sql import compile_where, sql_datetime
from logyard.store.duckdb._write import (
    SELECT_STAGED,
    Staged,
    dead_letter_table,
    encoded_table,
    event_tables,
    originals_table,
)

__all__ = ["MAX_PAGE_SIZE", "DuckDBStore"]

_DECODE = msgspec.json.Decoder()


class DuckDBStore:
    """A :class:`~logyard.store.Store` in a DuckDB file (``path``) or in memory (``None``)."""

    def __init__(self, path: Path | None = None, *, checkpoint_bytes: int = 128 << 20) -> None:
        """``checkpoint_bytes``: DuckDB's WAL size that triggers a checkpoint. DuckDB's 16 MB
        default checkpoints so often under steady ingest that writes run ~2x slower
        (bench/bench_demo.py); 128 MB keeps checkpoints rare and restarts quick."""
        self.path = path
        where = str(path) if path is not None else ":memory:"
        try:
            self._db = duckdb.connect(
                where,
                config={
                    "checkpoint_threshold": f"{checkpoint_bytes}b",
                },
            )
        except duckdb.Error as exc:
            raise StoreError(
                f"duckdb store {where}: cannot open ({exc}); check that the directory exists, "
                "is writable and that no other process has the file open"
            ) from exc
        self._write_lock = threading.Lock()
        self._closed = False
        with self._cursor() as cur:
            for statement in create_schema():
                cur.execute(statement)
            self._chain = ChainWriter.open(cur, _chain_signer(path), systems=SYSTEMS)
        self._last_heartbeat = time.monotonic()

    def heartbeat(self, every_secs: float = 5.0) -> None:
        """Write the hash chains' due checkpoints (heartbeats when idle), at most every
        ``every_secs``; the processor calls it while it waits for events."""
        if time.monotonic() - self._last_heartbeat < every_secs:
            return
        self._last_heartbeat = time.monotonic()
        with self._write_lock, self._cursor() as cur:
            cur.begin()
            try:
                self._chain.heartbeat(cur)
                cur.commit()
            except BaseException:
                cur.rollback()
                self._chain.reload(cur)
                raise

    def __repr__(self) -> str:
        return f"DuckDBStore(path={self.path!r})"

    def connection(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A connection of its own to this database (closed when the ``with`` ends), for
        readers and writers of other schemas in the same file (``logyard.analytics``)."""
        return self._cursor()

    @contextmanager
    def _transaction(self, cur: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """A write transaction on ``cur`` that keeps the hash chain's state: committed when
        the block ends, rolled back on any error, which also reloads the chain's in-memory
        heads (they may have advanced inside the transaction)."""
        cur.begin()
        try:
            yield
            cur.commit()
        except BaseException:
            cur.rollback()
            self._chain.reload(cur)
            raise

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._closed:
            raise StoreError("duckdb store: closed; open a new DuckDBStore")
        cur = self._db.cursor()
        try:
            yield cur
        except LogyardError:
            raise
        except duckdb.Error as exc:
            raise StoreError(
                f"duckdb store: {exc}; check the request and the store's health"
            ) from exc
        finally:
            cur.close()

    # -- writing ------------------------------------------------------------------------------
    def write(self, batch: WriteBatch) -> WriteResult:
        """Append new events, dead letters and the checkpoint in one transaction."""
        tables, _ = event_tables(batch.events)
        staged = list(tables.items())
        submitted = len(batch.events)
        for enc in batch.encoded:
            if enc.system not in SYSTEMS:
                raise StoreError(
                    f"service.name: {enc.system!r} is not a system; "
                    f"events must come from one of {', '.join(SYSTEMS)}"
                )
            if enc.docs:
                by_id = _unique_docs(enc.ids, enc.docs)
                staged.append(
                    (
                        enc.system,
                        Staged(
                            encoded_table(list(by_id.values())),
                            _naive(enc.lo),
                            _naive(enc.hi),
                            by_id,
                        ),
                    )
                )
                submitted += len(enc.docs)
        letters = dead_letter_table(batch.dead_letters) if batch.dead_letters else None
        stored = 0
        dead = 0
        by_system: dict[str, int] = {}
        with self._write_lock, self._cursor() as cur, self._transaction(cur):
            for system, rows in staged:
                table = table_name(system)
                cur.register("staged_docs", rows.docs)
                try:
                    inserted = cur.execute(
                        f"INSERT INTO {table} SELECT b.* FROM (SELECT {SELECT_STAGED}) b "
                        f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.ts BETWEEN "
                        "$lo AND $hi AND t.event_id = b.event_id) RETURNING event_id",
                        {"lo": rows.lo, "hi": rows.hi},
                    ).fetchall()
                finally:
                    cur.unregister("staged_docs")
                added = len(inserted)
                # tamper evidence in the same commit; the bytes are what was stored
                chained = [(i, rows.by_id[i]) for (i,) in inserted]
                self._chain.record(cur, system, chained)
                stored += added
                by_system[system] = by_system.get(system, 0) + added
            if letters is not None:
                cur.register("batch_letters", letters)
                try:
                    row = cur.execute(
                        "INSERT INTO dead_letters SELECT b.* FROM batch_letters b "
                        "WHERE b.id NOT IN (SELECT id FROM dead_letters)"
                    ).fetchone()
                finally:
                    cur.unregister("batch_letters")
                dead = int(row[0]) if row else 0
            if batch.originals:
                cur.register("batch_originals", originals_table(batch.originals))
                try:
                    cur.execute(
                        "INSERT OR IGNORE INTO originals SELECT event_id, system, field, "
                        "subject, envelope FROM batch_originals"
                    )
                finally:
                    cur.unregister("batch_originals")
            if batch.checkpoint is not None:
                name, position = batch.checkpoint
                cur.execute(
                    "INSERT INTO checkpoints VALUES ($name, $position) "
                    "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                    {"name": name, "position": position},
                )
        return WriteResult(
            stored=stored, duplicates=submitted - stored, dead_letters=dead, by_system=by_system
        )

    def read_checkpoint(self, name: str) -> int | None:
        """The last position stored for input ``name``."""
        with self._cursor() as cur:
            row = cur.execute(
                "SELECT position FROM checkpoints WHERE name = $name", {"name": name}
            ).fetchone()
        return int(row[0]) if row else None

    # -- reading ------------------------------------------------------------------------------
    def _source(self, systems: tuple[str, ...] | None, node: kql.Node | None = None) -> str:
        """The tables to scan: the requested systems, narrowed by a ``service.name`` filter
        in the query; each row carries its table name as ``_t``."""
        names = sorted(table_name(s) for s in systems_to_read(systems, node))
        if not names:
            return "(SELECT 'logs' AS _t, * FROM logs WHERE FALSE) AS e"
        return "(" + " UNION ALL ".join(f"SELECT '{n}' AS _t, * FROM {n}" for n in names) + ") AS e"

    @staticmethod
    def _filter(
        node: kql.Node, time_from: datetime | None, time_to: datetime | None
    ) -> Callable[[Params], str]:
        def where(params: Params) -> str:
            parts = [compile_where(node, params)]
            if time_from is not None:
                parts.append(f"ts >= {params.add(sql_datetime(time_from, 'from'))}")
            if time_to is not None:
                parts.append(f"ts < {params.add(sql_datetime(time_to, 'to'))}")
            return " AND ".join(parts)

        return where

    def search(self, request: SearchRequest) -> SearchResult:
        """One page of matching events, sorted, and the exact total."""
        check_page_size(request.size)
        node = kql.parse(request.query)
        source = self._source(request.systems, node)
        where = self._filter(node, request.time_from, request.time_to)
        sorts = request.sort or (SearchRequest().sort)
        params = Params()
        keys: list[tuple[str, str, bool]] = []
        for i, s in enumerate(sorts):
            col = column(s.field, params)
            check_sortable(i, s.field, col.kind)
            keys.append((col.sql, s.order, col.kind == "date"))
        tie_order = sorts[0].order
        keys.append(("event_id", tie_order, False))
        conditions = [where(params)]
        if request.search_after is not None:
            conditions.append(self._after(keys, request.search_after, params))
        order = ", ".join(f"s{i} {o.upper()} NULLS LAST" for i, (_, o, _) in enumerate(keys))
        select = ", ".join(f"{sql} AS s{i}" for i, (sql, _, _) in enumerate(keys))
        # Two steps: the page's keys first (no documents), then only those documents; a
        # top-N over several tables does not defer reading ``doc`` by itself (10x slower).
        sql = (
            f"SELECT _t, ts, {select} FROM {source} WHERE {' AND '.join(conditions)} "
            f"ORDER BY {order} LIMIT {params.add(request.size + 1)}"
        )
        with self._cursor() as cur:
            cur.begin()  # one snapshot: the page, the total and the documents agree
            try:
                rows = cur.execute(sql, params.values).fetchall()
                count_params = Params()
                total_row = cur.execute(
                    f"SELECT count(*) FROM {source} WHERE {where(count_params)}",
                    count_params.values,
                ).fetchone()
                page = rows[: request.size]
                docs = self._documents(cur, page)
            finally:
                cur.rollback()
        total = int(total_row[0]) if total_row else 0
        hits = [_DECODE.decode(docs[(r[0], r[-1])]) for r in page]
        nxt = None
        if len(rows) > request.size and page:
            nxt = tuple(
                to_epoch_ms(v) if is_date and v is not None else v
                for v, (_, _, is_date) in zip(page[-1][2:], keys, strict=True)
            )
        return SearchResult(total=total, hits=hits, next=nxt)

    @staticmethod
    def _documents(
        cur: duckdb.DuckDBPyConnection, page: list[tuple[Any, ...]]
    ) -> dict[tuple[str, str], str]:
        """``doc`` of each (table, event id) of ``page`` (rows of ``_t, ts, ..., event_id``)."""
        by_table: dict[str, list[tuple[Any, ...]]] = {}
        for row in page:
            by_table.setdefault(row[0], []).append(row)
        docs: dict[tuple[str, str], str] = {}
        for table, rows in by_table.items():
            found = cur.execute(
                f"SELECT event_id, doc FROM {table} WHERE ts BETWEEN $lo AND $hi "
                "AND list_contains($ids, event_id)",
                {
                    "lo": min(r[1] for r in rows),
                    "hi": max(r[1] for r in rows),
                    "ids": [r[-1] for r in rows],
                },
            ).fetchall()
            docs.update({(table, event_id): doc for event_id, doc in found})
        return docs

    @staticmethod
    def _after(keys: list[tuple[str, str, bool]], values: tuple[Any, ...], params: Params) -> str:
        """Rows strictly after ``values`` in the order of ``keys`` (nulls last)."""
        check_search_after(values, len(keys))
        bound = [
            sql_datetime(v, f"search_after.{i}") if is_date and v is not None else v
            for i, (v, (_, _, is_date)) in enumerate(zip(values, keys, strict=True))
        ]

        def after(i: int) -> str:
            sql, order, _ = keys[i]
            value = bound[i]
            if value is None:
                beyond, same = "FALSE", f"{sql} IS NULL"
            else:
                p = params.add(value)
                op = "<" if order == "desc" else ">"
                beyond, same = f"({sql} {op} {p} OR {sql} IS NULL)", f"{sql} = {p}"
            if i == len(keys) - 1:
                return beyond
            return f"({beyond} OR ({same} AND {after(i + 1)}))"

        return after(0)

    def aggregate(self, request: AggregateRequest) -> AggregateResult:
        """Aggregations over the matching events."""
        node = kql.parse(request.query)
        scope = Scope(
            source=self._source(request.systems, node),
            where=self._filter(node, request.time_from, request.time_to),
            time_from=request.time_from,
            time_to=request.time_to,
        )
        with self._cursor() as cur:
            cur.begin()  # one snapshot for the total and every aggregation
            try:
                total, results = aggregate(cur, scope, request.aggs)
            finally:
                cur.rollback()
        return AggregateResult(total=total, aggregations=results)

    def dead_letters(
        self, *, limit: int = 100, reason_code: str | None = None, since: datetime | None = None
    ) -> list[DeadLetter]:
        """Dead letters, newest first."""
        params = Params()
        conditions = ["TRUE"]
        if reason_code is not None:
            conditions.append(f"reason_code = {params.add(reason_code)}")
        if since is not None:
            conditions.append(f"received_at >= {params.add(sql_datetime(since, 'since'))}")
        sql = (
            "SELECT id, received_at, source, reason_code, reason, raw, path, step, component, "
            f"service, action FROM dead_letters WHERE {' AND '.join(conditions)} "
            f"ORDER BY received_at DESC, id DESC LIMIT {params.add(max(limit, 0))}"
        )
        with self._cursor() as cur:
            rows = cur.execute(sql, params.values).fetchall()
        return [
            DeadLetter(r[0], r[1].replace(tzinfo=UTC), r[2], r[3], r[4], bytes(r[5]), *r[6:])
            for r in rows
        ]

    def dead_letters_by_id(self, ids: Sequence[str]) -> list[DeadLetter]:
        """The dead letters with these ids (unknown ids are skipped)."""
        with self._cursor() as cur:
            rows = cur.execute(
                "SELECT id, received_at, source, reason_code, reason, raw, path, step, "
                "component, service, action FROM dead_letters WHERE list_contains($ids, id) "
                "ORDER BY received_at, id",
                {"ids": list(ids)},
            ).fetchall()
        return [
            DeadLetter(r[0], r[1].replace(tzinfo=UTC), r[2], r[3], r[4], bytes(r[5]), *r[6:])
            for r in rows
        ]

    def delete_dead_letters(self, ids: Sequence[str]) -> int:
        """Remove dead letters (after a successful replay); returns how many were removed."""
        with self._write_lock, self._cursor() as cur:
            row = cur.execute(
                "DELETE FROM dead_letters WHERE list_contains($ids, id)", {"ids": list(ids)}
            ).fetchone()
        return int(row[0]) if row else 0

    def originals(self, event_id: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(field, subject, envelope) of an event's encrypted originals."""
        with self._cursor() as cur:
            rows = cur.execute(
                "SELECT field, subject, envelope FROM originals WHERE event_id = $id "
                "ORDER BY field",
                {"id": event_id},
            ).fetchall()
        return [(f, s, _DECODE.decode(e)) for f, s, e in rows]

    def audit(self, who: str, role: str, action: str, event_id: str | None, detail: str) -> None:
        """Append to the audit log (every decryption is recorded here)."""
        with self._write_lock, self._cursor() as cur:
            cur.execute(
                "INSERT INTO audit_log VALUES (now()::TIMESTAMP, $who, $role, $action, $id, $d)",
                {"who": who, "role": role, "action": action, "id": event_id, "d": detail},
            )

    def audit_log(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest audit entries."""
        with self._cursor() as cur:
            rows = cur.execute(
                "SELECT at_time, who, role, action, event_id, detail FROM audit_log "
                "ORDER BY at_time DESC LIMIT $n",
                {"n": limit},
            ).fetchall()
        keys = ("at", "who", "role", "action", "event_id", "detail")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def count(self, system: str | None = None) -> int:
        """Stored events of ``system``, or of all systems."""
        source = self._source(None if system is None else (system,))
        with self._cursor() as cur:
            row = cur.execute(f"SELECT count(*) FROM {source}").fetchone()
        return int(row[0]) if row else 0

    def health_check(self) -> None:
        """Raise :class:`StoreError` unless the database answers."""
        with self._cursor() as cur:
            cur.execute("SELECT 1").fetchone()

    def close(self) -> None:
        """Close the database; later calls raise :class:`StoreError`."""
        if not self._closed:
            self._closed = True
            self._db.close()


def _naive(ts: datetime) -> datetime:
    """UTC without tzinfo, as the TIMESTAMP columns hold it."""
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo is not None else ts


def _unique_docs(ids: Sequence[str], docs: Sequence[bytes]) -> dict[str, bytes]:
    """Each event id's document, the first one when an id repeats in the batch."""
    out: dict[str, bytes] = {}
    for event_id, doc in zip(ids, docs, strict=True):
        out.setdefault(event_id, doc)
    return out


def _chain_signer(path: Path | None) -> CheckpointSigner:
    """The Ed25519 key of the hash chains' checkpoints: ``LOGYARD_CHAIN_KEY(_FILE)``, else
    ``chain.key`` beside the database (created 0600 at the first start), else (in memory)
    a fresh key."""
    signer = load_signer()
    if signer is not None:
        return signer
    if path is None:
        return CheckpointSigner.generate()
    key_file = path.parent / "chain.key"
    if key_file.exists():
        found = load_signer({"LOGYARD_CHAIN_KEY_FILE": str(key_file)})
        assert found is not None
        return found
    return generate_key_file(key_file)
