"""Rows → catalogue events by the declared mapping; rows that do not fit are rejected.

A mapping value is a constant or a ``"$column"`` reference. Values become JSON:
``jsonb``/``json`` arrive as objects, timestamps become RFC 3339 UTC strings
(``timestamp without time zone`` read in the configured zone), ``numeric`` a number,
``uuid`` a string; a NULL column leaves the field out (the catalogue says whether it may).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from pydantic import JsonValue

from logyard.catalog import EventCodec
from logyard.errors import EventError
from logyard.pipeline.inputs.postgres._config import column_ref

__all__ = ["MappingError", "RowMapper", "rfc3339", "to_json_value"]


class MappingError(EventError):
    """A row cannot become its event (missing column, value of the wrong type)."""


def rfc3339(value: datetime, naive_zone: ZoneInfo) -> str:
    """``value`` as RFC 3339 UTC (``2026-11-26T05:29:26.123456Z``); naive → ``naive_zone``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=naive_zone)
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def to_json_value(value: object, naive_zone: ZoneInfo) -> Any:
    """A database value as JSON; raises :class:`TypeError` for values JSON cannot hold."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime):
        return rfc3339(value, naive_zone)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"numeric {value} has no JSON form")
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v, naive_zone) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_value(v, naive_zone) for v in value]
    raise TypeError(f"a {type(value).__name__} value has no JSON form")


def _lenient(value: object) -> Any:
    return str(value) if not isinstance(value, bytes | memoryview) else bytes(value).hex()


_ROW_ENCODER = msgspec.json.Encoder(enc_hook=_lenient)
_MISSING = re.compile(r"missing required field `([^`]+)`")


class RowMapper:
    """Maps one input's rows; ``columns`` are the names the source query returns."""

    __slots__ = ("_codec", "_index", "columns", "mapping", "naive_zone")

    def __init__(
        self, mapping: dict[str, JsonValue], columns: Sequence[str], naive_zone: ZoneInfo
    ) -> None:
        self.mapping = mapping
        self.columns = list(columns)
        self.naive_zone = naive_zone
        self._index = {name: i for i, name in enumerate(self.columns)}
        self._codec = EventCodec(assign_ids=False)

    def missing_columns(self) -> list[str]:
        """Referenced columns the source does not return (a configuration mistake)."""
        index = self._index
        return sorted({c for v in self.mapping.values() if (c := column_ref(v)) and c not in index})

    def event(self, row: Sequence[object], default_id: str) -> dict[str, Any]:
        """The event of ``row``, checked against the catalogue; raises :class:`EventError`
        whose message names the field and the column it came from."""
        index = self._index
        out: dict[str, Any] = {}
        for target, source in self.mapping.items():
            column = column_ref(source)
            if column is None:
                out[target] = (
                    source[1:] if isinstance(source, str) and source[:2] == "$$" else source
                )
                continue
            if column not in index:
                raise MappingError(
                    f"{target}: column {column!r} is not in the row; "
                    f"the source returns {', '.join(self.columns)}",
                    code="mapping_failed",
                    path=f"$.{target}",
                )
            raw = row[index[column]]
            try:
                value = to_json_value(raw, self.naive_zone)
            except TypeError as exc:
                raise MappingError(
                    f"{target} ← ${column}: {exc}; cast the column in a `query` "
                    "(for example ::text)",
                    code="mapping_failed",
                    path=f"$.{target}",
                ) from None
            if value is not None:
                out[target] = value
        try:
            self._codec.from_object(dict(out), default_id)
        except EventError as exc:
            raise self._explained(exc) from None
        return out

    def row_json(self, row: Sequence[object]) -> bytes:
        """The whole row as a JSON object (what a dead letter keeps of a rejected row)."""
        obj: dict[str, Any] = {}
        for name, value in zip(self.columns, row, strict=True):
            try:
                obj[name] = to_json_value(value, self.naive_zone)
            except TypeError:
                obj[name] = _lenient(value)
        return _ROW_ENCODER.encode(obj)

    def _explained(self, exc: EventError) -> EventError:
        """``exc`` with the column behind the offending field named (``order.old ← $old``)."""
        field = exc.path[2:] if exc.path and exc.path.startswith("$.") else None
        if field is None and (found := _MISSING.search(str(exc))):
            field = found.group(1)
        column = column_ref(self.mapping.get(field)) if field else None
        if column is None:
            return exc
        return type(exc)(
            f"{exc} (field {field} ← column {column})",
            code=exc.code,
            path=exc.path or f"$.{field}",
            service=exc.service,
        )
