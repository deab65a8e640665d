"""A write batch as Arrow tables, one per system, ready for one ``INSERT ... SELECT``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from logyard.catalog import SYSTEMS, Event, encode_event
from logyard.errors import StoreError
from logyard.store._model import DeadLetter
from logyard.store.duckdb._schema import ENVELOPE_COLUMNS, PROMOTED

_SYSTEMS = frozenset(SYSTEMS)

__all__ = [
    "SELECT_STAGED",
    "Staged",
    "dead_letter_table",
    "encoded_table",
    "event_tables",
    "originals_table",
]

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


def _naive_utc(ts: datetime) -> datetime:
    ts = ts.astimezone(UTC) if ts.tzinfo is not None else ts
    ts = ts.replace(tzinfo=None)
    return ts.replace(microsecond=ts.microsecond - ts.microsecond % 1000)


@dataclass(frozen=True, slots=True)
class Staged:
    """One system's share of a batch: the documents and their time range."""

    docs: pa.Table  # one column, ``doc``
    lo: datetime
    hi: datetime
    by_id: dict[str, bytes]  # the same documents by event id (for the hash chain)


def event_tables(events: Iterable[Event]) -> tuple[dict[str, Staged], int]:
    """Each system's documents as an Arrow table (columns are extracted in SQL, see
    :func:`insert_sql`), and how many events repeated an id already in the batch.

    Python does only what it must per event (encode, route); DuckDB's vectorised JSON
    functions extract the typed columns, which is ~3x faster than building them here.
    """
    docs: dict[str, list[bytes]] = {}
    ids: dict[str, list[str]] = {}
    ranges: dict[str, tuple[datetime, datetime]] = {}
    seen: set[str] = set()
    repeats = 0
    for event in events:
        if event.event_id in seen:
            repeats += 1
            continue
        seen.add(event.event_id)
        system = event.service
        if system not in _SYSTEMS:
            raise StoreError(
                f"service.name: {system!r} is not a system; "
                f"events must come from one of {', '.join(SYSTEMS)}"
            )
        ts = event.timestamp
        bounds = ranges.get(system)
        if bounds is None:
            ranges[system] = (ts, ts)
            docs[system] = [encode_event(event)]
            ids[system] = [event.event_id]
            continue
        if ts < bounds[0]:
            ranges[system] = (ts, bounds[1])
        elif ts > bounds[1]:
            ranges[system] = (bounds[0], ts)
        docs[system].append(encode_event(event))
        ids[system].append(event.event_id)
    staged = {
        system: Staged(
            docs=encoded_table(rows),
            lo=_naive_utc(ranges[system][0]),
            hi=_naive_utc(ranges[system][1]),
            by_id=dict(zip(ids[system], rows, strict=True)),
        )
        for system, rows in docs.items()
    }
    return staged, repeats


def encoded_table(docs: Sequence[bytes]) -> pa.Table:
    """Documents (UTF-8 JSON bytes) as a one-column Arrow string table, without a
    per-document Python string: one join and an offsets array."""
    lengths = pa.array([len(d) for d in docs], pa.int32())
    offsets = pa.concat_arrays([pa.array([0], pa.int32()), pc.cumulative_sum(lengths)])
    data = pa.py_buffer(b"".join(docs))
    array = pa.StringArray.from_buffers(len(docs), offsets.buffers()[1], data)
    return pa.table({"doc": array})


def _path(field: str) -> str:
    return '$."' + field + '"'


def _select_columns() -> str:
    """The SELECT list that turns a staged ``doc`` into the table's columns, in order."""
    scalar = [f for _, t, f in ENVELOPE_COLUMNS if t != "VARCHAR[]"]
    scalar += [f for f, (_, t) in PROMOTED.items() if t != "VARCHAR[]"]
    index = {f: i + 1 for i, f in enumerate(scalar)}
    out = []
    for col, sql_type, field in [*ENVELOPE_COLUMNS, *((c, t, f) for f, (c, t) in PROMOTED.items())]:
        if sql_type == "VARCHAR[]":
            out.append(f"CAST(json_extract(doc, '{_path(field)}') AS VARCHAR[]) AS {col}")
        elif sql_type == "VARCHAR":
            out.append(f"v[{index[field]}] AS {col}")
        elif sql_type == "TIMESTAMP":
            out.append(f"CAST(v[{index[field]}] AS TIMESTAMP) AS {col}")
        else:
            out.append(f"TRY_CAST(v[{index[field]}] AS {sql_type}) AS {col}")
    paths = ", ".join(f"'{_path(f)}'" for f in scalar)
    return (
        f"{', '.join(out)}, doc "
        f"FROM (SELECT doc, json_extract_string(doc, [{paths}]) AS v FROM staged_docs)"
    )


SELECT_STAGED = _select_columns()


def dead_letter_table(letters: Sequence[DeadLetter]) -> pa.Table:
    """The dead letters of a batch as one Arrow table."""
    cols: dict[str, list[Any]] = {name: [] for name in _DEAD_SCHEMA.names}
    for dl in letters:
        for name in _DEAD_SCHEMA.names:
            value = getattr(dl, name)
            cols[name].append(_naive_utc(value) if isinstance(value, datetime) else value)
    return pa.table(cols, schema=_DEAD_SCHEMA)


def originals_table(originals: Sequence[tuple[str, str, str, str, bytes]]) -> pa.Table:
    """A batch's encrypted originals (event id, system, field, subject, envelope JSON) as one
    Arrow table, one row per (event id, field): inserted with one statement, not row by
    row (``executemany`` costs DuckDB milliseconds a row)."""
    rows = {(e, f): (e, s, f, subj, env) for e, s, f, subj, env in originals}
    cols: list[list[str]] = [[], [], [], [], []]
    for e, s, f, subj, env in rows.values():
        for col, value in zip(cols, (e, s, f, subj, env.decode()), strict=True):
            col.append(value)
    names = ("event_id", "system", "field", "subject", "envelope")
    return pa.table(dict(zip(names, cols, strict=True)))
