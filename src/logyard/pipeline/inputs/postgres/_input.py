"""The ``postgres`` input: a keyset cursor on (tracking column, key columns).

Each poll runs, on the database's own clock::

    SELECT * FROM (<table or query>) AS src
    WHERE (tc, k1, ...) > (<cursor>)                -- strictly after the last stored row
      AND tc < now() - <safety window>              -- rows old enough to be committed
    ORDER BY tc, k1, ... LIMIT n

Rows sharing a tracking value are told apart by the key, so none is skipped or read twice.
Cursor values are sent as text cast to the column's own type (timestamps with an explicit
offset), and ``timestamp without time zone`` is compared with ``now() AT TIME ZONE <zone>``:
the session ``TimeZone`` cannot change which rows are read.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from logyard.errors import ConfigError, EventError
from logyard.pipeline.inputs._base import InputBatch, InputError, Message, derived_id, from_env
from logyard.pipeline.inputs.postgres._config import PostgresInputConfig
from logyard.pipeline.inputs.postgres._cursor import Cursor, CursorFile
from logyard.pipeline.inputs.postgres._mapping import RowMapper, rfc3339

__all__ = ["REJECT_CODE", "REJECT_PATH", "REJECT_REASON", "PostgresInput"]

_log = logging.getLogger("logyard.pipeline.inputs.postgres")

#: Headers of a message whose row could not become its event (``payload`` is the row):
#: the reason sentence (``error``, as the other inputs write it), its reason code and path.
REJECT_REASON = "error"
REJECT_CODE = "error.code"
REJECT_PATH = "error.path"

_TIMESTAMPTZ = "timestamp with time zone"
_TIMESTAMP = "timestamp without time zone"
_NUMBERS = ("smallint", "integer", "bigint", "numeric", "real", "double precision")


class PostgresInput:
    """Reads new rows of a table or query and maps each to a catalogue event."""

    config_class: ClassVar[type[PostgresInputConfig]] = PostgresInputConfig

    def __init__(self, name: str, config: PostgresInputConfig) -> None:
        self.name = name
        self.config = config
        self._where = f"inputs.{name}"
        self._conn: psycopg.Connection[Any] | None = None
        self._dsn = ""
        self._address = "?"
        self._password: str | None = None
        self._zone = ZoneInfo(config.timestamp_time_zone)
        self._cursor_file = CursorFile(
            config.state_dir, name, [config.tracking_column, *config.key_columns], self._where
        )
        self._position: Cursor | None = None
        self._next_query = 0.0
        self._tracking_type = ""
        self._key_types: list[str] = []
        self._prefix = ""
        self._mapper: RowMapper | None = None
        self._columns: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"PostgresInput({self.name!r}, {self._address})"

    # -- the Input protocol ---------------------------------------------------------------------
    def open(self) -> None:
        """Connect, check the source's columns against the config, load the cursor."""
        self._dsn = self._resolve_dsn()
        self._connect()
        try:
            self._describe()
            self._position = self._cursor_file.load()
        except BaseException:
            self.close()
            raise
        self._next_query = 0.0

    def poll(self, max_messages: int, timeout_secs: float) -> InputBatch:
        """Up to ``min(max_messages, batch_rows)`` rows after the read position.

        Queries at most once per ``poll_interval_secs`` while the source has nothing new,
        at once while it returns full batches (catching up).
        """
        if self._mapper is None:
            raise InputError(f"{self._where}: poll() before open(); open the input first")
        limit = max(1, min(max_messages, self.config.batch_rows))
        deadline = time.monotonic() + max(0.0, timeout_secs)
        while True:
            now = time.monotonic()
            if now >= self._next_query:
                rows = self._fetch(limit)
                if len(rows) < limit:
                    self._next_query = now + self.config.poll_interval_secs
                if rows:
                    return self._batch(rows)
            wait = min(deadline, self._next_query) - time.monotonic()
            if time.monotonic() >= deadline:
                return InputBatch(messages=[])
            time.sleep(max(0.0, wait))

    def ack(self, batch: InputBatch) -> None:
        """Persist the cursor past ``batch`` (acks must come in poll order)."""
        if isinstance(batch.token, Cursor):
            self._cursor_file.save(batch.token)

    def close(self) -> None:
        """Close the connection; unacknowledged rows are read again by the next ``open``."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- connecting -----------------------------------------------------------------------------
    def _resolve_dsn(self) -> str:
        cfg = self.config
        if cfg.dsn_env is not None:
            dsn = from_env(
                self._where,
                "dsn_env",
                cfg.dsn_env,
                "the DSN, e.g. postgresql://user:password@host:5432/db",
            )
        else:
            dsn = cfg.dsn or ""
        try:
            params = conninfo_to_dict(dsn)
        except psycopg.Error:
            raise ConfigError(
                f"{self._where}.dsn_env: {cfg.dsn_env} does not hold a valid PostgreSQL DSN; "
                "write postgresql://user:password@host:5432/db"
            ) from None
        host = str(params.get("host") or params.get("hostaddr") or "localhost")
        port = str(params.get("port") or os.environ.get("PGPORT") or 5432)
        self._address = f"{host}:{port}"
        password = params.get("password")
        self._password = str(password) if password else None
        return dsn

    def _connect(self) -> psycopg.Connection[Any]:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        try:
            self._conn = psycopg.connect(
                self._dsn,
                autocommit=True,
                connect_timeout=self.config.connect_timeout_secs,
                application_name=f"logyard:{self.name}"[:63],
            )
        except psycopg.Error as exc:
            raise InputError(
                f"{self._where}: cannot connect to PostgreSQL at {self._address} "
                f"({self._scrub(exc)}); check that the server runs and the DSN is right"
            ) from None
        return self._conn

    def _scrub(self, exc: BaseException) -> str:
        text = " ".join(str(exc).split())
        if self._password:
            text = text.replace(self._password, "[secure]")
        return text

    def _source(self) -> sql.Composable:
        cfg = self.config
        if cfg.table is not None:
            return sql.SQL("SELECT * FROM {}").format(sql.Identifier(*cfg.table.split(".")))
        assert cfg.query is not None
        return sql.SQL(cfg.query.replace("%", "%%"))  # the user's % are not placeholders

    def _describe(self) -> None:
        """Read the source's columns and types; every configured column must be there."""
        cfg = self.config
        conn = self._connect()
        probe = sql.SQL("SELECT * FROM ({}) AS src LIMIT 0").format(self._source())
        try:
            with conn.cursor() as cur:
                cur.execute(probe)
                described = [(d.name, d.type_code) for d in cur.description or []]
                cur.execute(
                    "SELECT t::regtype::text FROM unnest(%s::oid[]) AS t",
                    [[oid for _, oid in described]],
                )
                types = [str(r[0]) for r in cur.fetchall()]
        except psycopg.OperationalError as exc:
            self.close()
            raise InputError(
                f"{self._where}: lost PostgreSQL at {self._address} ({self._scrub(exc)}); "
                "check that the server runs"
            ) from None
        except psycopg.Error as exc:
            what = "table" if cfg.table is not None else "query"
            raise ConfigError(
                f"{self._where}.{what}: PostgreSQL at {self._address} refused it "
                f"({self._scrub(exc)}); fix the {what} or the role's privileges"
            ) from None
        names = [n for n, _ in described]
        type_of = dict(zip(names, types, strict=True))
        needed = [cfg.tracking_column, *cfg.key_columns]
        if cfg.version_column:
            needed.append(cfg.version_column)
        mapper = RowMapper(cfg.mapping, names, self._zone)
        missing = sorted({c for c in needed if c not in type_of} | set(mapper.missing_columns()))
        if missing:
            raise ConfigError(
                f"{self._where}: the source has no column {', '.join(missing)}; "
                f"it returns {', '.join(names)} (a query must select the tracking, key "
                "and mapped columns)"
            )
        doubled = sorted({c for c in needed if names.count(c) > 1})
        if doubled:
            raise ConfigError(
                f"{self._where}.query: column {', '.join(doubled)} appears twice; "
                "alias the columns so each name is unique"
            )
        tracking = type_of[cfg.tracking_column]
        if tracking not in (_TIMESTAMPTZ, _TIMESTAMP, *_NUMBERS):
            raise ConfigError(
                f"{self._where}.tracking_column: {cfg.tracking_column} is {tracking}; use a "
                "timestamptz, a timestamp or a growing number (add one, with an index on "
                "(tracking column, key columns))"
            )
        self._tracking_type = tracking
        self._key_types = [type_of[k] for k in cfg.key_columns]
        self._columns = {n: i for i, n in enumerate(names)}
        self._mapper = mapper
        label = cfg.table if cfg.table is not None else self.name
        self._prefix = f"postgres:{conn.info.dbname}.{label}"

    # -- reading --------------------------------------------------------------------------------
    def _query(self, limit: int) -> tuple[sql.Composed, list[Any]]:
        cfg = self.config
        cursor_cols = [cfg.tracking_column, *cfg.key_columns]
        idents = sql.SQL(", ").join(sql.Identifier(c) for c in cursor_cols)
        tracking = sql.Identifier(cfg.tracking_column)
        conditions: list[sql.Composable] = []
        params: list[Any] = []
        if self._position is not None:
            casts = sql.SQL(", ").join(
                sql.SQL("CAST(%s AS {})").format(sql.SQL(t))
                for t in [self._tracking_type, *self._key_types]
            )
            conditions.append(sql.SQL("({}) > ({})").format(idents, casts))
            params.extend(self._position.values)
        if self._tracking_type == _TIMESTAMPTZ:
            conditions.append(sql.SQL("{} < now() - make_interval(secs => %s)").format(tracking))
            params.append(cfg.safety_window_secs)
        elif self._tracking_type == _TIMESTAMP:
            conditions.append(
                sql.SQL("{} < (now() AT TIME ZONE %s) - make_interval(secs => %s)").format(tracking)
            )
            params.extend([cfg.timestamp_time_zone, cfg.safety_window_secs])
        where = (
            sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("")
        )
        query = sql.SQL("SELECT * FROM ({}) AS src{} ORDER BY {} LIMIT %s").format(
            self._source(), where, idents
        )
        params.append(limit)
        return query, params

    def _fetch(self, limit: int) -> list[tuple[Any, ...]]:
        query, params = self._query(limit)
        try:
            conn = self._connect()
            with conn.cursor() as cur:
                cur.execute(query, params)
                return list(cur.fetchall())
        except psycopg.OperationalError as exc:
            self.close()
            raise InputError(
                f"{self._where}: lost PostgreSQL at {self._address} ({self._scrub(exc)}); "
                "the next poll reconnects"
            ) from None
        except psycopg.Error as exc:
            raise InputError(
                f"{self._where}: reading from PostgreSQL at {self._address} failed "
                f"({self._scrub(exc)}); check the table or query and the role's privileges"
            ) from None

    def _batch(self, rows: list[tuple[Any, ...]]) -> InputBatch:
        cfg = self.config
        mapper = self._mapper
        assert mapper is not None
        col = self._columns
        tracking_i = col[cfg.tracking_column]
        key_is = [col[k] for k in cfg.key_columns]
        version_i = col[cfg.version_column] if cfg.version_column else None
        messages: list[Message] = []
        for row in rows:
            key = ",".join(self._text(row[i], coordinate=True) for i in key_is)
            version_value = row[version_i] if version_i is not None else row[tracking_i]
            version = self._text(version_value, coordinate=True)
            coordinates = f"{self._prefix}/{key}/{version}"
            try:
                event = mapper.event(row, derived_id(coordinates))
            except EventError as exc:
                _log.debug("%s: row %s rejected: %s", self._where, coordinates, exc)
                headers = {REJECT_CODE: exc.code, REJECT_REASON: f"{self._where}: {exc}"}
                if exc.path:
                    headers[REJECT_PATH] = exc.path
                messages.append(Message(coordinates, payload=mapper.row_json(row), headers=headers))
                continue
            messages.append(Message(coordinates, event=event))
        last = rows[-1]
        position = Cursor(
            tuple(self._text(last[i]) for i in [tracking_i, *key_is]),
        )
        self._position = position
        return InputBatch(messages=messages, token=position)

    def _text(self, value: object, *, coordinate: bool = False) -> str:
        """``value`` as PostgreSQL input text (cursor) or as a stable coordinate part."""
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                value = value.astimezone(UTC)
                return rfc3339(value, self._zone) if coordinate else value.isoformat()
            return value.isoformat()
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float | Decimal | uuid.UUID | date):
            return value.isoformat() if isinstance(value, date) else str(value)
        if value is None and coordinate:
            return "null"
        raise InputError(
            f"{self._where}: a key or tracking value of type {type(value).__name__} cannot "
            "be used in a cursor; use text, numeric, uuid or timestamp columns"
        )
