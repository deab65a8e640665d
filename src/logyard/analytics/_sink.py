"""Where facts go: the :class:`AnalyticsSink` interface and its DuckDB implementation.

A sink writes a batch's facts **and** the cursors after it in one transaction, so a
restart resumes exactly after the last applied batch; every write is keyed by event id
(or recomputed from such rows), so applying the same facts again changes nothing. An
``analytics-*`` OpenSearch/Elasticsearch sink implements the same three methods.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol, get_args

import duckdb
import pyarrow as pa

from logyard.analytics._documents import COLUMNS, Kind
from logyard.analytics._normalize import FactBatch, Table
from logyard.analytics._schema import SESSION_TIMEOUT_MINUTES, create_statements, drop_statement
from logyard.errors import StoreError

__all__ = ["AnalyticsSink", "DuckDBAnalyticsSink"]

Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]

#: The Arrow type of each kind of :data:`~logyard.analytics._documents.COLUMNS` (the facts
#: as the normalizer builds them: times naive UTC, JSON values as their text).
_ARROW: dict[Kind, pa.DataType] = {
    "keyword": pa.string(),
    "date": pa.timestamp("us"),
    "integer": pa.int32(),
    "double": pa.float64(),
    "json": pa.string(),
}
_FACT_TABLES: tuple[Table, ...] = get_args(Table)
_S = pa.string()


def _schema(table: str, **types: pa.DataType) -> pa.Schema:
    """The Arrow schema of ``table``'s columns (``types`` overrides a column's type)."""
    return pa.schema([(n, types.get(n, _ARROW[kind])) for n, kind in COLUMNS[table]])


_SCHEMAS: dict[Table, pa.Schema] = {t: _schema(t) for t in _FACT_TABLES}
_ACTIVITY = _schema("activity_daily", day=pa.date32())

_ORDERS_SQL = """
INSERT OR REPLACE INTO analytics.orders
SELECT order_id, channel, created_at, created_by, changes, status, received_at, operator,
  assigned_at, calculation_ms, calculated_at,
  CAST(epoch_ms(calculated_at) - epoch_ms(created_at) AS DOUBLE), printed_at, updated_at
FROM (
  SELECT order_id,
    first(system ORDER BY ts, event_id) FILTER (WHERE action = 'order.created') AS channel,
    min(ts) FILTER (WHERE action = 'order.created') AS created_at,
    first(user_name ORDER BY ts, event_id) FILTER (WHERE action = 'order.created')
      AS created_by,
    count(*) FILTER (WHERE action = 'order.changed') AS changes,
    coalesce(
      first(status ORDER BY ts DESC, event_id DESC) FILTER (WHERE status IS NOT NULL),
      CASE WHEN count(*) FILTER (WHERE action = 'order.created') > 0 THEN 'new' END
    ) AS status,
    min(ts) FILTER (WHERE action = 'order.received') AS received_at,
    first(operator ORDER BY ts DESC, event_id DESC) FILTER (WHERE action = 'order.assigned')
      AS operator,
    max(ts) FILTER (WHERE action = 'order.assigned') AS assigned_at,
    first(calculation_ms ORDER BY ts DESC, event_id DESC)
      FILTER (WHERE action = 'order.calculated') AS calculation_ms,
    min(ts) FILTER (WHERE action = 'order.calculated') AS calculated_at,
    min(ts) FILTER (WHERE status = 'printed') AS printed_at,
    max(ts) AS updated_at
  FROM analytics.order_events
  WHERE order_id IN (SELECT order_id FROM touched_orders)
  GROUP BY order_id
)
"""

_SESSIONS_SQL = f"""
INSERT INTO analytics.sessions
WITH ev AS (
  SELECT e.* FROM analytics.session_events e
  WHERE EXISTS (SELECT 1 FROM touched_users t
                WHERE t.system = e.system AND t.user_name = e.user_name)
),
logins AS (
  SELECT event_id, system, user_name, ts AS login_at,
    lead(ts) OVER (PARTITION BY system, user_name ORDER BY ts, event_id) AS next_login_at
  FROM ev WHERE kind = 'in'
),
paired AS (
  SELECT l.*, (SELECT min(o.ts) FROM ev o
               WHERE o.kind = 'out' AND o.system = l.system AND o.user_name = l.user_name
                 AND o.ts >= l.login_at
                 AND (l.next_login_at IS NULL OR o.ts < l.next_login_at)) AS logout_at
  FROM logins l
)
SELECT event_id, system, user_name, login_at, logout_at,
  CAST(epoch_ms(logout_at) - epoch_ms(login_at) AS DOUBLE),
  next_login_at,
  coalesce(logout_at, least(login_at + INTERVAL {SESSION_TIMEOUT_MINUTES} MINUTE,
                            coalesce(next_login_at, login_at
                                     + INTERVAL {SESSION_TIMEOUT_MINUTES} MINUTE)))
FROM paired
"""


class AnalyticsSink(Protocol):
    """Where the analytics branch writes facts."""

    def cursors(self) -> dict[str, int]:
        """Per system, the last chain position whose event is folded into the facts."""
        ...

    def apply(self, batch: FactBatch, cursors: Mapping[str, int]) -> None:
        """Write ``batch`` and advance ``cursors``, atomically; idempotent."""
        ...

    def reset(self) -> None:
        """Forget every fact and cursor (a rebuild starts from scratch)."""
        ...


class DuckDBAnalyticsSink:
    """Facts in the schema ``analytics`` of a DuckDB database (the store's own file)."""

    def __init__(self, connect: Connect) -> None:
        """``connect()`` gives a connection of its own, closed when its ``with`` ends
        (``DuckDBStore.connection`` or a wrapper of ``duckdb.connect``)."""
        self._connect = connect
        with self._connect() as cur:
            for statement in create_statements():
                cur.execute(statement)

    def __repr__(self) -> str:
        return "DuckDBAnalyticsSink()"

    def cursors(self) -> dict[str, int]:
        with self._connect() as cur:
            rows = cur.execute("SELECT system, seq FROM analytics.cursor").fetchall()
        return {str(s): int(q) for s, q in rows}

    def reset(self) -> None:
        with self._connect() as cur:
            cur.execute(drop_statement())
            for statement in create_statements():
                cur.execute(statement)

    def apply(self, batch: FactBatch, cursors: Mapping[str, int]) -> None:
        with self._connect() as cur:
            cur.begin()
            try:
                self._write(cur, batch)
                for system, seq in cursors.items():
                    cur.execute(
                        "INSERT INTO analytics.cursor VALUES ($s, $q) ON CONFLICT (system) "
                        "DO UPDATE SET seq = greatest(seq, excluded.seq)",
                        {"s": system, "q": seq},
                    )
                cur.commit()
            except duckdb.Error as exc:
                cur.rollback()
                raise StoreError(
                    f"analytics: writing facts failed ({exc}); the cursor did not move, the "
                    "batch is read again at the next run"
                ) from exc
            except BaseException:
                cur.rollback()
                raise

    @staticmethod
    def _insert(cur: duckdb.DuckDBPyConnection, name: str, table: pa.Table, sql: str) -> None:
        cur.register(name, table)
        try:
            cur.execute(sql)
        finally:
            cur.unregister(name)

    def _write(self, cur: duckdb.DuckDBPyConnection, batch: FactBatch) -> None:
        for table, rows in batch.rows.items():
            if rows:
                arrow = _arrow(rows, _SCHEMAS[table])
                self._insert(
                    cur, "fact_rows", arrow, f"INSERT OR IGNORE INTO analytics.{table} "
                    "SELECT * FROM fact_rows",
                )  # fmt: skip
        if batch.activity:
            rows = [(s, u, d, span[0], span[1]) for (s, u, d), span in batch.activity.items()]
            self._insert(
                cur,
                "fact_rows",
                _arrow(rows, _ACTIVITY),
                "INSERT INTO analytics.activity_daily SELECT * FROM fact_rows "
                "ON CONFLICT (system, user_name, day) DO UPDATE SET "
                "first_at = least(first_at, excluded.first_at), "
                "last_at = greatest(last_at, excluded.last_at)",
            )
        orders = sorted({row[1] for row in batch.rows["order_events"]})
        if orders:
            self._insert(
                cur, "touched_orders", pa.table({"order_id": pa.array(orders, _S)}), _ORDERS_SQL
            )
        users = sorted({(row[1], row[2]) for row in batch.rows["session_events"]})
        if users:
            touched = pa.table(
                {
                    "system": pa.array([s for s, _ in users], _S),
                    "user_name": pa.array([u for _, u in users], _S),
                }
            )
            cur.register("touched_users", touched)
            try:
                cur.execute(
                    "DELETE FROM analytics.sessions s USING touched_users t "
                    "WHERE s.system = t.system AND s.user_name = t.user_name"
                )
                cur.execute(_SESSIONS_SQL)
            finally:
                cur.unregister("touched_users")


def _arrow(rows: list[tuple[Any, ...]], schema: pa.Schema) -> pa.Table:
    columns = list(zip(*rows, strict=True))
    return pa.table(
        [pa.array(col, f.type) for col, f in zip(columns, schema, strict=True)], schema=schema
    )
