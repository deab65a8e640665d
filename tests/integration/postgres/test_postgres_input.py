"""The ``postgres`` input against the machine's PostgreSQL: cursor, window, restarts,
time zones, rejected rows and unreachable servers."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg import sql

from logyard.catalog import EventCodec
from logyard.errors import ConfigError
from logyard.pipeline.inputs import InputBatch, InputError, Message, derived_id
from logyard.pipeline.inputs.postgres import (
    REJECT_CODE,
    REJECT_PATH,
    REJECT_REASON,
    PostgresInput,
)

from .conftest import create_audit_table

MakeInput = Callable[..., PostgresInput]
Conn = psycopg.Connection[Any]
MOSCOW = ZoneInfo("Europe/Moscow")


def drain(source: PostgresInput, max_messages: int = 1000) -> list[InputBatch]:
    """Every batch the source has now (until an empty poll), each acknowledged."""
    batches = []
    while (batch := source.poll(max_messages, 0)).messages:
        source.ack(batch)
        batches.append(batch)
    return batches


def audit_ids(messages: list[Message]) -> list[int]:
    """The ``audit_id`` of each message, read from its coordinates."""
    return [int(m.coordinates.split("/")[1]) for m in messages]


def fill(db: Conn, table: str, rows: int, *, distinct_times: int = 10) -> None:
    """``rows`` audit rows an hour old sharing ``distinct_times`` timestamps, ids interleaved."""
    db.execute(
        sql.SQL(
            """INSERT INTO {} SELECT g, 'ORD-' || (g %% 50), g %% 7 + 1,
                 now() - interval '1 hour' + make_interval(secs => (g * 7) %% %s),
                 'ivanova', jsonb_build_object('status', 'new'),
                 jsonb_build_object('status', 'paid', 'n', g)
               FROM generate_series(1, %s) AS g"""
        ).format(sql.Identifier(*table.split("."))),
        [distinct_times, rows],
    )


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_shared_timestamps_read_once_in_order(db: Conn, schema: str, make_input: MakeInput) -> None:
    """1000 rows on 10 timestamps, read 37 at a time: every row exactly once, in
    (tracking, key) order, no batch larger than asked."""
    table = create_audit_table(db, schema)
    fill(db, table, 1000)
    expected = [
        r[0] for r in db.execute(f"SELECT audit_id FROM {table} ORDER BY changed_at, audit_id")
    ]

    batches = drain(make_input(table=table, batch_rows=37))

    assert [len(b.messages) <= 37 for b in batches] == [True] * len(batches)
    assert audit_ids([m for b in batches for m in b.messages]) == expected
    assert len(set(expected)) == 1000


def test_row_becomes_its_catalogue_event(db: Conn, schema: str, make_input: MakeInput) -> None:
    """A row maps to ``order.changed``: jsonb as objects, the timestamp as RFC 3339 UTC,
    constants copied; the event passes the catalogue with the id of its coordinates."""
    table = create_audit_table(db, schema)
    db.execute(
        f"""INSERT INTO {table} VALUES (42, 'ORD-7', 3, '2026-03-01 12:00:00.25+03', 'petrov',
            '{{"status": "new"}}', '{{"status": "paid", "items": [1, 2]}}')"""
    )

    [message] = make_input(table=table).poll(10, 0).messages

    assert message.coordinates == f"postgres:test.{table}/42/3"
    assert message.event == {
        "event.action": "order.changed",
        "service.name": "crm",
        "@timestamp": "2026-03-01T09:00:00.250000Z",
        "user.name": "petrov",
        "order.id": "ORD-7",
        "order.old": {"status": "new"},
        "order.new": {"status": "paid", "items": [1, 2]},
    }
    stored = EventCodec(assign_ids=False).from_object(message.event, message.default_id)
    assert stored.event_id == derived_id(f"postgres:test.{table}/42/3")


def test_rows_inside_safety_window_wait(db: Conn, schema: str, make_input: MakeInput) -> None:
    """Rows younger than the window (by the database clock) are read only once it passed."""
    table = create_audit_table(db, schema)
    db.execute(
        f"""INSERT INTO {table} SELECT g, 'ORD-1', g, now(), 'ivanova',
            '{{}}', '{{}}' FROM generate_series(1, 3) AS g"""
    )
    source = make_input(table=table, safety_window_secs=1.0)

    early = source.poll(100, 0).messages
    time.sleep(1.0)
    late = source.poll(100, 1.0).messages

    assert (early, audit_ids(late)) == ([], [1, 2, 3])


def test_restart_after_ack_continues(db: Conn, schema: str, make_input: MakeInput) -> None:
    """A new input on the same state_dir continues after the acknowledged batches: the
    rows read before and after the restart are every row once."""
    table = create_audit_table(db, schema)
    fill(db, table, 100)
    first = make_input(table=table, batch_rows=30)
    before = [first.poll(100, 0), first.poll(100, 0)]
    for batch in before:
        first.ack(batch)
    first.close()

    after = drain(make_input(table=table, batch_rows=30))

    read = audit_ids([m for b in before + after for m in b.messages])
    assert (len(read), sorted(read)) == (100, list(range(1, 101)))


def test_restart_without_ack_rereads_same_coordinates(
    db: Conn, schema: str, make_input: MakeInput
) -> None:
    """An unacknowledged batch is read again after a restart, with identical coordinates
    and events (so the derived ids deduplicate it downstream): at-least-once."""
    table = create_audit_table(db, schema)
    fill(db, table, 50)
    first = make_input(table=table, batch_rows=20)
    first.ack(first.poll(100, 0))
    lost = first.poll(100, 0)  # stored maybe, never acknowledged
    first.close()

    again = make_input(table=table, batch_rows=20).poll(100, 0)

    assert again.messages == lost.messages
    assert [m.default_id for m in again.messages] == [m.default_id for m in lost.messages]


@pytest.mark.parametrize("tracking_type", ["timestamptz", "timestamp"])
def test_session_time_zone_changes_nothing(
    db: Conn, schema: str, make_input: MakeInput, postgres: str, tracking_type: str
) -> None:
    """Sessions in Asia/Tokyo and UTC read the same rows with the same events, and a cursor
    written by one continues correctly in the other; a naive column is read in its zone."""
    table = create_audit_table(db, schema, tracking_type)
    now = db.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
    instants = [now - timedelta(minutes=10, seconds=i % 4) for i in range(20)]
    instants += [now + timedelta(hours=5)] * 3  # written "in the future": not yet due
    for i, at in enumerate(instants, 1):
        value: Any = (
            at if tracking_type == "timestamptz" else at.astimezone(MOSCOW).replace(tzinfo=None)
        )
        db.execute(
            f"INSERT INTO {table} VALUES (%s, 'ORD-1', 1, %s, 'ivanova', '{{}}', '{{}}')",
            [i, value],
        )
    settings = {"table": table, "timestamp_time_zone": "Europe/Moscow", "safety_window_secs": 5}
    tokyo = f"{postgres} options='-c TimeZone=Asia/Tokyo'"
    utc = f"{postgres} options='-c TimeZone=UTC'"

    in_tokyo = drain(make_input("tokyo", dsn=tokyo, **settings))
    in_utc = drain(make_input("utc", dsn=utc, **settings))
    half = make_input("mixed", dsn=tokyo, batch_rows=7, **settings)
    half.ack(half.poll(100, 0))
    half.close()
    mixed = drain(make_input("mixed", dsn=utc, batch_rows=7, **settings))

    tokyo_messages = [m for b in in_tokyo for m in b.messages]
    assert tokyo_messages == [m for b in in_utc for m in b.messages]
    assert audit_ids(tokyo_messages) == sorted(range(1, 21), key=lambda i: (instants[i - 1], i))
    assert audit_ids([m for b in mixed for m in b.messages]) == audit_ids(tokyo_messages)[7:]
    first = tokyo_messages[0]
    assert first.event is not None
    assert first.event["@timestamp"] == instants[audit_ids([first])[0] - 1].astimezone(
        UTC
    ).isoformat(timespec="microseconds").replace("+00:00", "Z")


def test_bad_rows_are_surfaced_between_good_ones(
    db: Conn, schema: str, make_input: MakeInput
) -> None:
    """A row whose value has the wrong type and one missing a required column become
    messages with the row as payload and the reason in headers; neighbours map normally."""
    table = create_audit_table(db, schema)
    fill(db, table, 5, distinct_times=1)
    db.execute(f"""UPDATE {table} SET old_value = '"oops"' WHERE audit_id = 2""")
    db.execute(f"UPDATE {table} SET changed_by = NULL WHERE audit_id = 4")

    messages = make_input(table=table).poll(100, 0).messages

    assert [m.event is not None for m in messages] == [True, False, True, False, True]
    wrong_type, missing = messages[1], messages[3]
    assert (wrong_type.headers[REJECT_CODE], wrong_type.headers[REJECT_PATH]) == (
        "invalid_field",
        "$.order.old",
    )
    assert "column old_value" in wrong_type.headers[REJECT_REASON]
    assert wrong_type.payload is not None
    assert b'"audit_id":2' in wrong_type.payload
    assert b'"old_value":"oops"' in wrong_type.payload
    assert "user.name" in missing.headers[REJECT_REASON]
    assert "column changed_by" in missing.headers[REJECT_REASON]


def test_query_source_with_percent_and_filter(db: Conn, schema: str, make_input: MakeInput) -> None:
    """A query is wrapped, filtered by the cursor and may contain ``%``; coordinates name
    the input since a query has no table name."""
    table = create_audit_table(db, schema)
    fill(db, table, 20, distinct_times=1)
    query = f"SELECT * FROM {table} WHERE order_id LIKE 'ORD-1%' AND audit_id > 10;"

    messages = make_input("crm_audit", query=query).poll(100, 0).messages

    assert audit_ids(messages) == [11, 12, 13, 14, 15, 16, 17, 18, 19]
    assert messages[0].coordinates.startswith("postgres:test.crm_audit/11/")


def test_query_without_tracking_column_is_a_config_error(
    db: Conn, schema: str, make_input: MakeInput
) -> None:
    """A query that does not select the tracking column fails at open, naming it."""
    table = create_audit_table(db, schema)

    with pytest.raises(ConfigError, match=r"inputs\.orders: the source has no column changed_at"):
        make_input(query=f"SELECT audit_id, order_id FROM {table}", mapping=_MINIMAL)


def test_unreachable_server_names_address_not_password(
    postgres: str, monkeypatch: pytest.MonkeyPatch, make_input: MakeInput
) -> None:
    """Nothing listening: ``InputError`` names 127.0.0.1:<port>; the password never shows."""
    port = free_port()
    monkeypatch.setenv("CRM_DSN", f"postgresql://logyard:s3cret-pw@127.0.0.1:{port}/crm")

    with pytest.raises(InputError) as caught:
        make_input(dsn=None, dsn_env="CRM_DSN", table="crm.orders_audit")

    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "s3cret-pw" not in str(caught.value)


_MINIMAL = {
    "event.action": "order.changed",
    "service.name": "crm",
    "@timestamp": "$changed_at",
    "user.name": "x",
    "order.id": "$order_id",
    "order.old": {},
    "order.new": {},
}
