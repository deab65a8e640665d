"""The alerting service's durable state: one SQLite file (WAL, ``synchronous=FULL``).

::

    progress   rule → end of the newest evaluated window (restarts catch up from here)
    window_counts  events a window's evaluation saw (a re-check runs only if it changed)
    groups     (rule, group) → last window that fired, last window that was notified
    alerts     every alert: firing, resolved, or fired (one-shot); the history's rows
    seen       (rule, key): signatures and FATAL events already alerted
    silences   rule/group patterns muted until a time
    outbox     one row per notification and notifier; delivered_at marks it sent
    history    what happened, when: opened, silenced, cooldown, resolved, notified, failed

Event times (window ends) and wall-clock times are epoch milliseconds. One evaluation of a
rule commits in one transaction: its alerts, their notifications and its progress, or
none of them; so a crash neither loses an alert nor queues its notification twice.
"""

from __future__ import annotations

import fnmatch
import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from logyard.errors import ConfigError, StoreError

__all__ = ["AlertState"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS progress (rule TEXT PRIMARY KEY, last_end INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS groups (
  rule TEXT NOT NULL, grp TEXT NOT NULL, last_fired_end INTEGER, last_notified_end INTEGER,
  PRIMARY KEY (rule, grp));
CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT, rule TEXT NOT NULL, rule_type TEXT NOT NULL,
  grp TEXT NOT NULL, severity TEXT NOT NULL, status TEXT NOT NULL,
  window_start INTEGER NOT NULL, window_end INTEGER NOT NULL, last_end INTEGER NOT NULL,
  resolved_end INTEGER, value REAL, threshold REAL, summary TEXT NOT NULL,
  notified INTEGER NOT NULL, silenced INTEGER NOT NULL, opened_at INTEGER NOT NULL,
  resolved_at INTEGER);
CREATE INDEX IF NOT EXISTS alerts_by_status ON alerts (status, rule, grp);
CREATE TABLE IF NOT EXISTS seen (
  rule TEXT NOT NULL, key TEXT NOT NULL, first_end INTEGER NOT NULL, PRIMARY KEY (rule, key));
CREATE TABLE IF NOT EXISTS silences (
  id INTEGER PRIMARY KEY AUTOINCREMENT, rule TEXT NOT NULL, grp TEXT NOT NULL,
  until INTEGER NOT NULL, comment TEXT NOT NULL, created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL, removed_at INTEGER);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT, alert_id INTEGER NOT NULL, notifier TEXT NOT NULL,
  kind TEXT NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL, delivered_at INTEGER, gave_up INTEGER NOT NULL DEFAULT 0,
  last_error TEXT);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (delivered_at, gave_up, next_attempt);
CREATE TABLE IF NOT EXISTS window_counts (
  rule TEXT NOT NULL, window_end INTEGER NOT NULL, events INTEGER NOT NULL,
  PRIMARY KEY (rule, window_end));
CREATE TABLE IF NOT EXISTS history (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, alert_id INTEGER,
  rule TEXT NOT NULL, grp TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS history_by_time ON history (at);
"""

# A (rule, group) row no window can need any more: no firing alert, nothing recent.
_STALE_GROUPS = (
    "DELETE FROM groups WHERE coalesce(last_fired_end, 0) < ? "
    "AND coalesce(last_notified_end, 0) < ? AND NOT EXISTS (SELECT 1 FROM alerts "
    "WHERE alerts.status = 'firing' AND alerts.rule = groups.rule AND alerts.grp = groups.grp)"
)


class AlertState:
    """Thread-safe (one connection behind a lock); several processes may open one file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                path, timeout=10.0, isolation_level=None, check_same_thread=False
            )
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # fsync at every commit
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"{path}: cannot open the alert state ({exc}); check the path and permissions"
            ) from None
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[AlertState]:
        """One atomic, durable change (``BEGIN IMMEDIATE`` … ``COMMIT``)."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: cannot write the alert state ({exc})") from None
            try:
                yield self
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._db.execute(sql, params).fetchone()
            return row

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._db.execute(sql, params).fetchall()]

    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        with self._lock:
            cur = self._db.execute(sql, params)
            return (
                int(cur.lastrowid or 0)
                if sql.lstrip().upper().startswith("INSERT")
                else int(cur.rowcount)
            )

    # -- progress -------------------------------------------------------------------------
    def last_end(self, rule: str) -> int | None:
        row = self._one("SELECT last_end FROM progress WHERE rule = ?", (rule,))
        return int(row[0]) if row else None

    def set_last_end(self, rule: str, end_ms: int) -> None:
        self._exec(
            "INSERT INTO progress VALUES (?, ?) ON CONFLICT (rule) DO UPDATE SET "
            "last_end = max(last_end, excluded.last_end)",
            (rule, end_ms),
        )

    def window_count(self, rule: str, end_ms: int) -> int | None:
        row = self._one(
            "SELECT events FROM window_counts WHERE rule = ? AND window_end = ?", (rule, end_ms)
        )
        return int(row[0]) if row else None

    def set_window_count(self, rule: str, end_ms: int, events: int) -> None:
        self._exec(
            "INSERT INTO window_counts VALUES (?, ?, ?) ON CONFLICT (rule, window_end) "
            "DO UPDATE SET events = excluded.events",
            (rule, end_ms, events),
        )

    def forget_window_counts(self, rule: str, before_ms: int) -> None:
        self._exec("DELETE FROM window_counts WHERE rule = ? AND window_end < ?", (rule, before_ms))

    # -- groups and alerts --------------------------------------------------------------------
    def group(self, rule: str, grp: str) -> tuple[int | None, int | None]:
        """(last window end that fired, last window end that was notified)."""
        row = self._one(
            "SELECT last_fired_end, last_notified_end FROM groups WHERE rule = ? AND grp = ?",
            (rule, grp),
        )
        return (row[0], row[1]) if row else (None, None)

    def set_group(self, rule: str, grp: str, *, fired: int, notified: int | None) -> None:
        self._exec(
            "INSERT INTO groups VALUES (?, ?, ?, ?) ON CONFLICT (rule, grp) DO UPDATE SET "
            "last_fired_end = excluded.last_fired_end, "
            "last_notified_end = coalesce(excluded.last_notified_end, last_notified_end)",
            (rule, grp, fired, notified),
        )

    def open_alert(self, rule: str, grp: str) -> dict[str, Any] | None:
        rows = self._all(
            "SELECT * FROM alerts WHERE status = 'firing' AND rule = ? AND grp = ?", (rule, grp)
        )
        return rows[0] if rows else None

    def open_alerts(self, rule: str | None = None) -> list[dict[str, Any]]:
        if rule is None:
            return self._all("SELECT * FROM alerts WHERE status = 'firing' ORDER BY id")
        return self._all(
            "SELECT * FROM alerts WHERE status = 'firing' AND rule = ? ORDER BY id", (rule,)
        )

    def add_alert(self, **fields: Any) -> int:
        names = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        return self._exec(f"INSERT INTO alerts ({names}) VALUES ({marks})", tuple(fields.values()))

    def touch_alert(self, alert_id: int, end_ms: int, value: float | None) -> None:
        self._exec(
            "UPDATE alerts SET last_end = max(last_end, ?), value = ? WHERE id = ?",
            (end_ms, value, alert_id),
        )

    def resolve_alert(self, alert_id: int, end_ms: int, now_ms: int) -> None:
        self._exec(
            "UPDATE alerts SET status = 'resolved', resolved_end = ?, resolved_at = ? WHERE id = ?",
            (end_ms, now_ms, alert_id),
        )

    def alerts(
        self, *, status: str | None = None, rule: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Alerts, newest first (``status``: firing, resolved or fired)."""
        where, params = _filters(status=status, rule=rule)
        return self._all(f"SELECT * FROM alerts{where} ORDER BY id DESC LIMIT ?", (*params, limit))

    # -- seen keys (signatures, FATAL event ids) ------------------------------------------
    def seen(self, rule: str, key: str) -> bool:
        return self._one("SELECT 1 FROM seen WHERE rule = ? AND key = ?", (rule, key)) is not None

    def mark_seen(self, rule: str, key: str, end_ms: int) -> None:
        self._exec("INSERT OR IGNORE INTO seen VALUES (?, ?, ?)", (rule, key, end_ms))

    def forget_seen(self, rule: str, before_ms: int) -> None:
        self._exec("DELETE FROM seen WHERE rule = ? AND first_end < ?", (rule, before_ms))

    # -- silences -------------------------------------------------------------------------
    def add_silence(
        self, rule: str, grp: str, until_ms: int, *, comment: str, created_by: str, now_ms: int
    ) -> dict[str, Any]:
        with self.transaction():
            sid = self._exec(
                "INSERT INTO silences (rule, grp, until, comment, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (rule, grp, until_ms, comment, created_by, now_ms),
            )
            self.log(now_ms, None, rule, grp, "silence_added", f"#{sid} by {created_by}: {comment}")
        return self._all("SELECT * FROM silences WHERE id = ?", (sid,))[0]

    def remove_silence(self, silence_id: int, *, now_ms: int, removed_by: str) -> bool:
        with self.transaction():
            rows = self._all(
                "SELECT * FROM silences WHERE id = ? AND removed_at IS NULL", (silence_id,)
            )
            if not rows:
                return False
            self._exec("UPDATE silences SET removed_at = ? WHERE id = ?", (now_ms, silence_id))
            self.log(
                now_ms, None, rows[0]["rule"], rows[0]["grp"], "silence_removed",
                f"#{silence_id} by {removed_by}",
            )  # fmt: skip
        return True

    def silences(self, *, active_at: int | None = None) -> list[dict[str, Any]]:
        """Silences not removed (and, with ``active_at``, not expired then)."""
        if active_at is None:
            return self._all("SELECT * FROM silences WHERE removed_at IS NULL ORDER BY id")
        return self._all(
            "SELECT * FROM silences WHERE removed_at IS NULL AND until > ? ORDER BY id",
            (active_at,),
        )

    def silence_for(self, rule: str, grp: str, now_ms: int) -> dict[str, Any] | None:
        """The first active silence whose patterns match (``*``, ``?`` globs)."""
        for s in self.silences(active_at=now_ms):
            if fnmatch.fnmatchcase(rule, s["rule"]) and fnmatch.fnmatchcase(grp, s["grp"]):
                return s
        return None

    # -- outbox ---------------------------------------------------------------------------
    def enqueue(
        self, alert_id: int, notifier: str, kind: str, payload: dict[str, Any], now_ms: int
    ) -> None:
        self._exec(
            "INSERT INTO outbox (alert_id, notifier, kind, payload, next_attempt) "
            "VALUES (?, ?, ?, ?, ?)",
            (alert_id, notifier, kind, json.dumps(payload, ensure_ascii=False), now_ms),
        )

    def due(self, now_ms: int, limit: int = 500) -> list[dict[str, Any]]:
        """Undelivered notifications whose next attempt is due, oldest first."""
        rows = self._all(
            "SELECT * FROM outbox WHERE delivered_at IS NULL AND gave_up = 0 "
            "AND next_attempt <= ? ORDER BY id LIMIT ?",
            (now_ms, limit),
        )
        for row in rows:
            row["payload"] = json.loads(row["payload"])
        return rows

    def delivered(self, row: dict[str, Any], now_ms: int) -> None:
        with self.transaction():
            self._exec(
                "UPDATE outbox SET delivered_at = ?, attempts = attempts + 1 WHERE id = ?",
                (now_ms, row["id"]),
            )
            p = row["payload"]
            self.log(
                now_ms, row["alert_id"], p["rule"], p["group"], "notified",
                f"{row['kind']} via {row['notifier']}",
            )  # fmt: skip

    def failed(self, row: dict[str, Any], now_ms: int, error: str, *, retry_at: int | None) -> None:
        with self.transaction():
            self._exec(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt = ?, "
                "gave_up = ? WHERE id = ?",
                (error, retry_at or now_ms, int(retry_at is None), row["id"]),
            )
            p = row["payload"]
            kind = "delivery_failed" if retry_at is not None else "gave_up"
            self.log(
                now_ms, row["alert_id"], p["rule"], p["group"], kind,
                f"{row['kind']} via {row['notifier']}, attempt {row['attempts'] + 1}: {error}",
            )  # fmt: skip

    def outbox(self, *, pending_only: bool = False) -> list[dict[str, Any]]:
        where = " WHERE delivered_at IS NULL AND gave_up = 0" if pending_only else ""
        return self._all(f"SELECT * FROM outbox{where} ORDER BY id")

    def prune(self, before_ms: int, group_horizons: Mapping[str, int] | None = None) -> int:
        """Forget history, closed alerts and finished notifications older than
        ``before_ms`` (wall clock); returns how many rows went.

        A ``groups`` row without a firing alert goes once its last fired and notified
        windows are older than its rule's horizon in ``group_horizons`` (event time: no
        window still to be evaluated or re-checked can be skipped or cooled down by it);
        rows of rules not named there go when older than ``before_ms``."""
        horizons = dict(group_horizons or {})
        with self.transaction():
            gone = 0
            for rule, horizon in horizons.items():
                gone += self._exec(_STALE_GROUPS + " AND rule = ?", (horizon, horizon, rule))
            names = ", ".join("?" for _ in horizons)
            gone += self._exec(
                _STALE_GROUPS + f" AND rule NOT IN ({names})",
                (before_ms, before_ms, *horizons),
            )
            gone += self._exec("DELETE FROM history WHERE at < ?", (before_ms,))
            gone += self._exec(
                "DELETE FROM outbox WHERE (delivered_at IS NOT NULL OR gave_up = 1) "
                "AND next_attempt < ?",
                (before_ms,),
            )
            gone += self._exec(
                "DELETE FROM alerts WHERE status != 'firing' AND opened_at < ? AND id NOT IN "
                "(SELECT alert_id FROM outbox)",
                (before_ms,),
            )
            gone += self._exec(
                "DELETE FROM silences WHERE (removed_at IS NOT NULL OR until < ?) "
                "AND created_at < ?",
                (before_ms, before_ms),
            )
        return gone

    # -- history --------------------------------------------------------------------------
    def log(
        self, at_ms: int, alert_id: int | None, rule: str, grp: str, kind: str, detail: str
    ) -> None:
        self._exec(
            "INSERT INTO history (at, alert_id, rule, grp, kind, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (at_ms, alert_id, rule, grp, kind, detail),
        )

    def history(
        self, *, rule: str | None = None, since_ms: int | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """What happened, newest first."""
        where, params = _filters(rule=rule, since=since_ms)
        return self._all(
            f"SELECT * FROM history{where.replace('since', 'at')} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )


def _filters(**values: Any) -> tuple[str, tuple[Any, ...]]:
    parts: list[str] = []
    params: list[Any] = []
    for name, value in values.items():
        if value is None:
            continue
        parts.append("since >= ?" if name == "since" else f"{name} = ?")
        params.append(value)
    return (" WHERE " + " AND ".join(parts) if parts else ""), tuple(params)
