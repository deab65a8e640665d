"""A write batch as Arrow tables, one per system, ready for one ``INSERT ... SELECT``."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
import pyarrow as pa

from logyard.catalog import SYSTEMS, Event, encode_event
from logyard.errors import StoreError
from logyard.store._model import DeadLetter
from logyard.store.duckdb._schema import ENVELOPE_COLUMNS, PROMOTED

__all__ = ["EVENT_SCHEMA", "dead_letter_table", "event_tables", "search_text"]

_ARROW_TYPES = {
    "TIMESTAMP": pa.timestamp("us"),
    "VARCHAR": pa.string(),
    "VARCHAR[]": pa.list_(pa.string()),
    "DOUBLE": pa.float64(),
    "INTEGER": pa.int32(),
}

EVENT_SCHEMA = pa.schema(
    [(c, _ARROW_TYPES[t]) for c, t, _ in ENVELOPE_COLUMNS]
    + [(c, _ARROW_TYPES[t]) for c, t in PROMOTED.values()]
    + [("doc", pa.string()), ("search_text", pa.string())]
)

_DEAD_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("received_at", pa.timestamp("us")),
        ("source", pa.string()),
        ("reason_code", pa.string()),
        ("reason", pa.string()),
        ("path", pa.string()),
        ("step", pa.string()),
        ("component", pa.string()),
        ("service", pa.string()),
        ("action", pa.string()),
        ("raw", pa.binary()),
    ]
)

_DECODE = msgspec.json.Decoder()


@functools.cache
def _attrs(cls: type[Event]) -> dict[str, str]:
    """JSON name → attribute of an event class."""
    return {f.encode_name: f.name for f in msgspec.structs.fields(cls)}


def _naive_utc(ts: datetime) -> datetime:
    ts = ts.astimezone(UTC) if ts.tzinfo is not None else ts
    ts = ts.replace(tzinfo=None)
    return ts.replace(microsecond=ts.microsecond - ts.microsecond % 1000)


def _strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)


def search_text(doc: dict[str, Any]) -> str:
    """Every string value of the event (not the timestamp), lower case, one per line."""
    out: list[str] = []
    for key, value in doc.items():
        if key != "@timestamp":
            _strings(value, out)
    return "\n".join(out).lower()


def event_tables(events: Iterable[Event]) -> tuple[dict[str, pa.Table], int]:
    """Arrow tables by system, and how many events repeated an id already in the batch."""
    columns: dict[str, dict[str, list[Any]]] = {}
    seen: set[str] = set()
    repeats = 0
    envelope = [(c, f) for c, _, f in ENVELOPE_COLUMNS[1:]]
    promoted = [(c, f) for f, (c, _) in PROMOTED.items()]
    for event in events:
        if event.event_id in seen:
            repeats += 1
            continue
        seen.add(event.event_id)
        if event.service not in SYSTEMS:
            raise StoreError(
                f"service.name: {event.service!r} is not a system; "
                f"events must come from one of {', '.join(SYSTEMS)}"
            )
        attrs = _attrs(type(event))
        cols = columns.setdefault(event.service, {name: [] for name in EVENT_SCHEMA.names})
        raw = encode_event(event)
        cols["ts"].append(_naive_utc(event.timestamp))
        for col, field in envelope:
            if field == "event.action":
                cols[col].append(type(event).__struct_config__.tag)
            else:
                cols[col].append(getattr(event, attrs[field]))
        for col, field in promoted:
            attr = attrs.get(field)
            cols[col].append(getattr(event, attr) if attr else None)
        doc = raw.decode()
        cols["doc"].append(doc)
        cols["search_text"].append(search_text(_DECODE.decode(raw)))
    tables = {system: pa.table(cols, schema=EVENT_SCHEMA) for system, cols in columns.items()}
    return tables, repeats


def dead_letter_table(letters: Sequence[DeadLetter]) -> pa.Table:
    """The dead letters of a batch as one Arrow table."""
    cols: dict[str, list[Any]] = {name: [] for name in _DEAD_SCHEMA.names}
    for dl in letters:
        for name in _DEAD_SCHEMA.names:
            value = getattr(dl, name)
            cols[name].append(_naive_utc(value) if isinstance(value, datetime) else value)
    return pa.table(cols, schema=_DEAD_SCHEMA)
