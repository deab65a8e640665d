"""The analytic schema ``analytics`` in the store's DuckDB file: fact tables and the cursor.

Tables fed by :mod:`logyard.analytics._normalize` (one row per event, keyed by its id, so
writing the same event twice changes nothing):

``order_events``   every event about an order (created, changed, received, assigned,
                   calculated): the order journal; ``order_changes`` is the view of its
                   ``order.changed`` rows (who, when, old value, new value)
``requests``       one ``api.request``: service, route, method, status, duration, retry
``session_events`` logins and logouts
``ops_events``     service started/stopped/failure, deploy finished
``feedback``       CSAT answers

Tables derived from those for the keys a batch touched (recomputed, so late events land in
the right place and replays are no-ops):

``orders``         one row per order
``sessions``       one row per login: its logout (if any) and duration
``activity_daily`` one row per (system, user, UTC day) a user was active: DAU/MAU, retention

``cursor``         per system, the last hash-chain position (``chain_links.seq``) folded in;
                   written in the same transaction as the facts.
"""

from __future__ import annotations

__all__ = ["SCHEMA", "SESSION_TIMEOUT_MINUTES", "create_statements", "drop_statement"]

SCHEMA = "analytics"

#: A session without a logout counts as open for at most this long (or until the same
#: user's next login in the same system, whichever is first): web analytics' usual timeout.
SESSION_TIMEOUT_MINUTES = 30

_TABLES = (
    """CREATE TABLE IF NOT EXISTS analytics.cursor (
        system VARCHAR PRIMARY KEY, seq BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS analytics.order_events (
        event_id VARCHAR PRIMARY KEY, order_id VARCHAR NOT NULL, system VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL, action VARCHAR NOT NULL, user_name VARCHAR, operator VARCHAR,
        calculation_ms DOUBLE, status VARCHAR, params JSON, old JSON, new JSON)""",
    """CREATE TABLE IF NOT EXISTS analytics.requests (
        event_id VARCHAR PRIMARY KEY, system VARCHAR NOT NULL, ts TIMESTAMP NOT NULL,
        trace_id VARCHAR, method VARCHAR, route VARCHAR, status INTEGER NOT NULL,
        duration_ms DOUBLE NOT NULL, retry_attempt INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS analytics.session_events (
        event_id VARCHAR PRIMARY KEY, system VARCHAR NOT NULL, user_name VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL, kind VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS analytics.ops_events (
        event_id VARCHAR PRIMARY KEY, system VARCHAR NOT NULL, ts TIMESTAMP NOT NULL,
        action VARCHAR NOT NULL, host VARCHAR, version VARCHAR, failure_kind VARCHAR,
        component VARCHAR, commit_time TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS analytics.feedback (
        event_id VARCHAR PRIMARY KEY, system VARCHAR NOT NULL, ts TIMESTAMP NOT NULL,
        user_name VARCHAR, score INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS analytics.orders (
        order_id VARCHAR PRIMARY KEY, channel VARCHAR, created_at TIMESTAMP,
        created_by VARCHAR, changes INTEGER NOT NULL, status VARCHAR,
        received_at TIMESTAMP, operator VARCHAR, assigned_at TIMESTAMP,
        calculation_ms DOUBLE, calculated_at TIMESTAMP,
        creation_to_calculation_ms DOUBLE, printed_at TIMESTAMP, updated_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS analytics.sessions (
        login_event_id VARCHAR NOT NULL, system VARCHAR NOT NULL, user_name VARCHAR NOT NULL,
        login_at TIMESTAMP NOT NULL, logout_at TIMESTAMP, duration_ms DOUBLE,
        next_login_at TIMESTAMP, open_until TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS analytics.activity_daily (
        system VARCHAR NOT NULL, user_name VARCHAR NOT NULL, day DATE NOT NULL,
        first_at TIMESTAMP NOT NULL, last_at TIMESTAMP NOT NULL,
        PRIMARY KEY (system, user_name, day))""",
    """CREATE OR REPLACE VIEW analytics.order_changes AS
        SELECT order_id, event_id, system, ts, user_name, old, new FROM analytics.order_events
        WHERE action = 'order.changed'""",
)


def create_statements() -> list[str]:
    """Statements that create the schema and every table (idempotent)."""
    return [f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}", *_TABLES]


def drop_statement() -> str:
    """The statement that removes the whole schema (``logyard analytics rebuild``)."""
    return f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"
