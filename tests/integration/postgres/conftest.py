"""Fixtures of the PostgreSQL input's tests: the machine's server, one schema per test.

When the server does not answer, the tests skip, except under ``CI=true`` where a missing
server is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from logyard.pipeline.inputs.postgres import PostgresInput, PostgresInputConfig

DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"

MAPPING: dict[str, Any] = {
    "event.action": "order.changed",
    "service.name": "crm",
    "@timestamp": "$changed_at",
    "user.name": "$changed_by",
    "order.id": "$order_id",
    "order.old": "$old_value",
    "order.new": "$new_value",
}


def _server_answers() -> str | None:
    try:
        with psycopg.connect(DSN, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return " ".join(str(exc).split())


@pytest.fixture(scope="session")
def postgres() -> str:
    """The DSN of the machine's PostgreSQL (database ``test``); skips or fails if it is down."""
    problem = _server_answers()
    if problem is not None:
        message = f"PostgreSQL at 127.0.0.1:5432 is not answering ({problem})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; under CI=true a missing server is a failure")
        pytest.skip(f"{message}; start it with scripts/services.sh")
    return DSN


@pytest.fixture
def db(postgres: str) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection to the test database."""
    with psycopg.connect(postgres, autocommit=True) as conn:
        yield conn


@pytest.fixture
def schema(db: psycopg.Connection[Any]) -> Iterator[str]:
    """A fresh schema for one test, dropped (with its tables) afterwards."""
    name = f"ly_{uuid.uuid4().hex[:12]}"
    db.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    yield name
    db.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def create_audit_table(
    db: psycopg.Connection[Any], schema: str, tracking_type: str = "timestamptz"
) -> str:
    """The CRM's ``orders_audit`` table in ``schema``; returns ``schema.orders_audit``."""
    db.execute(
        sql.SQL(
            """CREATE TABLE {}.orders_audit (
                 audit_id bigint PRIMARY KEY,
                 order_id text NOT NULL,
                 version integer NOT NULL,
                 changed_at {} NOT NULL,
                 changed_by text,
                 old_value jsonb,
                 new_value jsonb)"""
        ).format(sql.Identifier(schema), sql.SQL(tracking_type))
    )
    db.execute(
        sql.SQL("CREATE INDEX ON {}.orders_audit (changed_at, audit_id)").format(
            sql.Identifier(schema)
        )
    )
    return f"{schema}.orders_audit"


@pytest.fixture
def make_input(postgres: str, tmp_path: Path) -> Iterator[Callable[..., PostgresInput]]:
    """Builds opened inputs (closed after the test); keyword arguments override settings."""
    opened: list[PostgresInput] = []

    def make(name: str = "orders", **settings: Any) -> PostgresInput:
        base: dict[str, Any] = {
            "type": "postgres",
            "dsn": postgres,
            "tracking_column": "changed_at",
            "key_columns": ["audit_id"],
            "version_column": "version",
            "safety_window_secs": 0,
            "poll_interval_secs": 0.05,
            "state_dir": tmp_path / "state",
            "mapping": MAPPING,
        }
        base.update(settings)
        source = PostgresInput(name, PostgresInputConfig.model_validate(base))
        source.open()
        opened.append(source)
        return source

    yield make
    for source in opened:
        source.close()
