"""Settings of the ``postgres`` input, checked as a whole before anything connects."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from psycopg.conninfo import conninfo_to_dict
from pydantic import ConfigDict, Field, JsonValue, field_validator, model_validator

from logyard.catalog import CATALOG
from logyard.pipeline.inputs._base import InputConfig

__all__ = ["EXAMPLE_TOML", "PostgresInputConfig", "column_ref"]

#: A minimal, complete example (parsed by a test; shown in docs/inputs/postgres.md).
EXAMPLE_TOML = """\
[inputs.crm_orders_audit]
type = "postgres"
dsn_env = "CRM_DATABASE_URL"          # postgresql://logyard:...@crm-db:5432/crm
table = "crm.orders_audit"
tracking_column = "changed_at"        # timestamptz, NOT NULL, indexed with the key
key_columns = ["audit_id"]
version_column = "version"
safety_window_secs = 5
batch_rows = 1000
poll_interval_secs = 1
state_dir = "/var/lib/logyard/cursors"

[inputs.crm_orders_audit.mapping]
"event.action" = "order.changed"
"service.name" = "crm"
"@timestamp" = "$changed_at"
"user.name" = "$changed_by"
"order.id" = "$order_id"
"order.old" = "$old_value"
"order.new" = "$new_value"
"""

# Fields an event needs that the codec fills itself (id from the coordinates, default level).
_DEFAULTED = {"event.id", "log.level"}
_LEADING_WORD = re.compile(r"^\s*(\w+)")


def column_ref(value: JsonValue) -> str | None:
    """The column a mapping value names (``"$changed_at"`` → ``changed_at``), else ``None``.

    ``"$$text"`` is the constant ``"$text"``.
    """
    if isinstance(value, str) and value.startswith("$") and not value.startswith("$$"):
        return value[1:]
    return None


class PostgresInputConfig(InputConfig):
    """Read a table or a query incrementally by a keyset cursor on (tracking, key columns)."""

    # The DSN may hold a password: never echo input values in validation errors.
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    type: Literal["postgres"]
    dsn_env: str | None = Field(
        default=None, description="environment variable holding the DSN (may hold a password)"
    )
    dsn: str | None = Field(default=None, description="DSN without a password (trust setups)")
    table: str | None = Field(default=None, description="`table` or `schema.table`")
    query: str | None = Field(
        default=None, description="a SELECT whose columns include the tracking and key columns"
    )
    tracking_column: str = Field(min_length=1)
    key_columns: list[str] = Field(min_length=1)
    version_column: str | None = None
    safety_window_secs: float = Field(default=5.0, ge=0)
    timestamp_time_zone: str = Field(
        default="UTC",
        description="zone of `timestamp without time zone` values (tracking and mapped)",
    )
    batch_rows: int = Field(default=1000, ge=1, le=100_000)
    poll_interval_secs: float = Field(default=1.0, gt=0)
    connect_timeout_secs: int = Field(default=10, ge=1)
    state_dir: Path
    mapping: dict[str, JsonValue]

    @field_validator("dsn")
    @classmethod
    def _dsn_without_password(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            params = conninfo_to_dict(value)
        except Exception:
            raise ValueError(
                "not a valid PostgreSQL connection string; write "
                "'postgresql://user@host:5432/db' or 'host=... dbname=...'"
            ) from None
        if params.get("password"):
            raise ValueError(
                "holds a password; put the DSN in an environment variable and name it in dsn_env"
            )
        return value

    @field_validator("query")
    @classmethod
    def _select_only(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = value.strip().rstrip(";").strip()
        match = _LEADING_WORD.match(text)
        if match is None or match.group(1).lower() not in ("select", "with"):
            raise ValueError(
                "must be one SELECT (or WITH ... SELECT) statement; the input wraps it "
                "and adds the cursor condition, order and limit itself"
            )
        return text

    @field_validator("timestamp_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name like 'UTC' or 'Europe/Moscow'"
            ) from None
        return value

    @field_validator("mapping")
    @classmethod
    def _mapping_names_an_event(cls, value: dict[str, JsonValue]) -> dict[str, JsonValue]:
        if "event.action" not in value:
            raise ValueError(
                'needs "event.action": a catalogue event such as "order.changed" '
                'or a "$column" holding one (`logyard catalog` lists them)'
            )
        for target, source in value.items():
            if source == "$":
                raise ValueError(f'{target}: "$" names no column; write "$column_name"')
        action = value["event.action"]
        if column_ref(action) is not None:
            return value  # the event varies per row: the catalogue checks each row
        spec = CATALOG.get(action) if isinstance(action, str) else None
        if spec is None:
            known = ", ".join(sorted(CATALOG))
            raise ValueError(f"event.action: unknown event {action!r}; use one of {known}")
        fields = {f.name: f for f in spec.fields}
        unknown = sorted(set(value) - set(fields) - {"event.action"})
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)}: not a field of {action!r}; "
                f"its fields are {', '.join(sorted(fields))}"
            )
        service = value.get("service.name")
        if isinstance(service, str) and column_ref(service) is None and service not in spec.systems:
            raise ValueError(
                f"service.name: {service!r} does not emit {action!r}; "
                f"that event belongs to {', '.join(spec.systems)}"
            )
        missing = sorted(
            name
            for name, f in fields.items()
            if f.required and name not in value and name not in _DEFAULTED
        )
        if missing:
            raise ValueError(
                f"{action!r} requires {', '.join(missing)}; map each to a column "
                '("$column") or a constant'
            )
        return value

    @model_validator(mode="after")
    def _one_source_and_one_dsn(self) -> PostgresInputConfig:
        if (self.table is None) == (self.query is None):
            raise ValueError("set exactly one of `table` (read a table) or `query` (read a SELECT)")
        if (self.dsn is None) == (self.dsn_env is None):
            raise ValueError(
                "set exactly one of `dsn_env` (the variable holding the DSN) or `dsn` "
                "(a DSN without a password)"
            )
        return self
