"""The query model shared by every store backend and the API.

Requests are plain dataclasses; :func:`search_request_from_json` and
:func:`aggregate_request_from_json` read the API's JSON (Elasticsearch-like) into them.
Field names are the event's JSON names (``@timestamp``, ``service.name``, ``order.id``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from logyard.catalog import Event

__all__ = [
    "AggregateRequest",
    "AggregateResult",
    "Aggregation",
    "Cardinality",
    "DateHistogram",
    "DeadLetter",
    "EncodedEvents",
    "Percentiles",
    "SearchRequest",
    "SearchResult",
    "Sort",
    "Stats",
    "Terms",
    "WriteBatch",
    "WriteResult",
]


@dataclass(frozen=True, slots=True)
class Sort:
    """Sort key: a field and a direction. Ties are always broken by ``event.id``."""

    field: str = "@timestamp"
    order: Literal["asc", "desc"] = "desc"


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A search: KQL text, half-open time range ``[time_from, time_to)``, systems, paging.

    ``search_after`` is the ``sort`` values of the last hit of the previous page
    (as returned in :attr:`SearchResult.next`).
    """

    query: str = ""
    time_from: datetime | None = None
    time_to: datetime | None = None
    systems: tuple[str, ...] | None = None
    size: int = 100
    sort: tuple[Sort, ...] = (Sort(),)
    search_after: tuple[Any, ...] | None = None


@dataclass(frozen=True, slots=True)
class SearchResult:
    """``total`` matching events, ``hits`` (stored documents), ``next`` page cursor or None."""

    total: int
    hits: list[dict[str, Any]]
    next: tuple[Any, ...] | None = None


@dataclass(frozen=True, slots=True)
class DateHistogram:
    """Buckets over a date field; ``interval`` like ``30s``, ``1m``, ``1h``, ``1d``."""

    field: str = "@timestamp"
    interval: str = "1m"
    aggs: dict[str, Aggregation] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Terms:
    """Top ``size`` values of a field by count (ties by key)."""

    field: str
    size: int = 10
    aggs: dict[str, Aggregation] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Percentiles:
    """Percentiles of a numeric field; ``percents`` in 0..100."""

    field: str
    percents: tuple[float, ...] = (50.0, 95.0, 99.0)


@dataclass(frozen=True, slots=True)
class Cardinality:
    """Number of distinct values of a field."""

    field: str


@dataclass(frozen=True, slots=True)
class Stats:
    """count, min, max, avg, sum of a numeric field."""

    field: str


Aggregation = DateHistogram | Terms | Percentiles | Cardinality | Stats


@dataclass(frozen=True, slots=True)
class AggregateRequest:
    """Aggregations over the events matching a query and time range."""

    aggs: dict[str, Aggregation]
    query: str = ""
    time_from: datetime | None = None
    time_to: datetime | None = None
    systems: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class AggregateResult:
    """``total`` matching events and the results by aggregation name, shaped as in
    Elasticsearch: ``{"buckets": [{"key", "key_as_string"?, "doc_count", <sub-aggs>}]}``,
    ``{"values": {"50.0": x}}``, ``{"value": n}``, ``{"count","min","max","avg","sum"}``.
    """

    total: int
    aggregations: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A rejected event: what came in, why, where, when."""

    id: str
    received_at: datetime
    source: str
    reason_code: str
    reason: str
    raw: bytes
    path: str | None = None
    step: str | None = None
    component: str | None = None
    service: str | None = None
    action: str | None = None


@dataclass(frozen=True, slots=True)
class EncodedEvents:
    """Validated events of one system, already encoded as their JSON documents.

    The processor's fast path: documents that passed the catalogue go to the store as
    bytes, without being decoded again. ``ids[i]`` is the ``event.id`` of ``docs[i]``;
    ``lo``/``hi`` bound their ``@timestamp`` (UTC).
    """

    system: str
    ids: Sequence[str]
    docs: Sequence[bytes]
    lo: datetime
    hi: datetime


@dataclass(frozen=True, slots=True)
class WriteBatch:
    """What a processor hands a store in one transaction.

    ``checkpoint`` (input name, position) is stored atomically with the events, so a
    processor that restarts resumes exactly after the last stored batch.
    """

    events: Sequence[Event] = ()
    encoded: Sequence[EncodedEvents] = ()
    # (event id, system, field, subject, envelope JSON): encrypted originals of masked values
    originals: Sequence[tuple[str, str, str, str, bytes]] = ()
    dead_letters: Sequence[DeadLetter] = ()
    checkpoint: tuple[str, int] | None = None


@dataclass(frozen=True, slots=True)
class WriteResult:
    """How many events were new (``stored``, and per system in ``by_system``) and how many
    were already there (``duplicates``)."""

    stored: int
    duplicates: int
    dead_letters: int
    by_system: dict[str, int] = dataclasses.field(default_factory=dict, compare=False)
