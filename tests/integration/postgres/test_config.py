"""Settings of the ``postgres`` input: every mistake is a pydantic error with its path
(no server needed)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from logyard.pipeline.inputs import input_class
from logyard.pipeline.inputs.postgres import EXAMPLE_TOML, PostgresInput, PostgresInputConfig

from .conftest import MAPPING


def settings(**overrides: Any) -> dict[str, Any]:
    """Valid settings with ``overrides`` applied (``None`` removes a key)."""
    base: dict[str, Any] = {
        "type": "postgres",
        "dsn_env": "CRM_DSN",
        "table": "crm.orders_audit",
        "tracking_column": "changed_at",
        "key_columns": ["audit_id"],
        "state_dir": "/tmp/cursors",
        "mapping": MAPPING,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def errors(**overrides: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """The (path, message) of every error the settings produce."""
    with pytest.raises(ValidationError) as caught:
        PostgresInputConfig.model_validate(settings(**overrides))
    return [(e["loc"], e["msg"]) for e in caught.value.errors()]


def test_example_config_parses() -> None:
    """The documented example is a valid configuration of the registered class."""
    data = tomllib.loads(EXAMPLE_TOML)["inputs"]["crm_orders_audit"]

    config = PostgresInputConfig.model_validate(data)

    assert input_class("postgres") is PostgresInput
    assert (config.table, config.key_columns, config.state_dir) == (
        "crm.orders_audit",
        ["audit_id"],
        Path("/var/lib/logyard/cursors"),
    )


def test_neither_table_nor_query() -> None:
    """A source is required: neither ``table`` nor ``query`` is one error saying so."""
    assert errors(table=None) == [
        (
            (),
            "Value error, set exactly one of `table` (read a table) or `query` (read a SELECT)",
        )
    ]


def test_mapping_without_event_action() -> None:
    """A mapping must name its event; the error's path is ``mapping``."""
    mapping = {k: v for k, v in MAPPING.items() if k != "event.action"}

    [(path, message)] = errors(mapping=mapping)

    assert path == ("mapping",)
    assert 'needs "event.action"' in message


def test_mapping_missing_required_field_and_unknown_field() -> None:
    """A constant event is checked against the catalogue: required fields must be mapped."""
    mapping = {k: v for k, v in MAPPING.items() if k != "order.id"}

    [(path, message)] = errors(mapping=mapping)

    assert (path, "'order.changed' requires order.id" in message) == (("mapping",), True)


def test_every_error_at_once() -> None:
    """Several wrong fields are reported together, each with its own path."""
    found = errors(key_columns=[], batch_rows=0, query="DELETE FROM x", table=None)

    assert [path for path, _ in found] == [("query",), ("key_columns",), ("batch_rows",)]


def test_dsn_with_password_is_refused_without_echo() -> None:
    """A password in ``dsn`` is refused (use ``dsn_env``) and never shown in the error."""
    with pytest.raises(ValidationError) as caught:
        PostgresInputConfig.model_validate(
            settings(dsn_env=None, dsn="postgresql://logyard:s3cret-pw@db:5432/crm")
        )

    assert [e["loc"] for e in caught.value.errors()] == [("dsn",)]
    assert "dsn_env" in str(caught.value)
    assert "s3cret-pw" not in str(caught.value)


def test_mapping_service_must_emit_the_event() -> None:
    """A constant ``service.name`` must be a system that emits the mapped event."""
    [(path, message)] = errors(mapping={**MAPPING, "service.name": "mes"})

    assert (path, "'mes' does not emit 'order.changed'" in message) == (("mapping",), True)
