"""Index mappings and settings, generated from the event catalogue.

``index_mappings(flavour)`` is the mapping of every ``logs-<system>`` index (the store
creates the indices with it; ``logyard setup elasticsearch|opensearch`` puts it in the index
templates). How each catalogue kind is mapped:

==========  ==================================================================================
kind        mapping
==========  ==================================================================================
date        ``date`` (millisecond precision; ``strict_date_optional_time||epoch_millis``)
number      ``long`` for catalogue integers, ``double`` for the other numbers
keyword     ``keyword`` (``ignore_above`` for the long free-form strings like ``url.full``)
level       ``keyword`` (always upper case, as the catalogue writes it)
list        ``keyword`` (an array of keywords)
text        ``text`` with a ``wildcard`` sub-field (``message.wildcard``) for the
            case-insensitive substring matches KQL does on prose fields
object      ``object`` with ``dynamic: true`` (default) — or ``flattened`` (Elasticsearch) /
            ``flat_object`` (OpenSearch) with ``free_form="flat"``
==========  ==================================================================================

Every string value (catalogue strings and the strings inside free-form objects, through a
dynamic template) is also copied to :data:`FREE_TEXT_FIELD`, a ``wildcard`` field that free
text queries (``disk``, ``"full on line"``, ``press*``) search case-insensitively, as the
embedded store does. ``copy_to`` changes no ``_source``: hits are the documents as sent.

Free-form objects (``order.params``, ``order.old``/``order.new``, ``order_list.filter``,
``labels``) are dynamic ``object`` by default: their keys are searchable with their own types
(``order.params.qty >= 2``) and a document whose key changes type (``qty: "two"`` after
``qty: 2``) is a mapping conflict, which the store sends to the dead-letter queue. On a real
cluster with many distinct keys, ``free_form="flat"`` bounds the mapping (one field per
object, values searched as keywords) at the cost of numeric ranges inside the objects.
"""

from __future__ import annotations

from typing import Any, Literal

from logyard.catalog import CATALOG
from logyard.store._fields import FIELD_KINDS

__all__ = [
    "CHECKPOINTS_INDEX",
    "DEAD_LETTERS_INDEX",
    "FREE_TEXT_FIELD",
    "ORIGINALS_INDEX",
    "Flavour",
    "FreeForm",
    "checkpoint_mappings",
    "dead_letter_mappings",
    "field_types",
    "index_mappings",
    "index_settings",
    "originals_mappings",
]

Flavour = Literal["opensearch", "elasticsearch"]
FreeForm = Literal["object", "flat"]

#: The ``wildcard`` field every string value is copied to, for free-text queries.
FREE_TEXT_FIELD = "logyard_text"

#: Indices of the store's own records (not events).
DEAD_LETTERS_INDEX = "logyard-dead-letters"
CHECKPOINTS_INDEX = "logyard-checkpoints"
ORIGINALS_INDEX = "logyard-originals"

#: Strings that may be long (``Text`` in the catalogue): not indexed as keywords past this.
_LONG_KEYWORD_CHARS = 8191
_SHORT_KEYWORD_CHARS = 1024
_LONG_STRINGS = frozenset({"url.full", "http.route", "http.request.referrer"})


def _catalogue_types() -> dict[str, str]:
    types: dict[str, str] = {}
    for spec in CATALOG.values():
        for f in spec.fields:
            types.setdefault(f.name, f.type.rstrip("?"))
    return types


_TYPES = _catalogue_types()


def _leaf(name: str, flavour: Flavour, free_form: FreeForm) -> dict[str, Any]:
    kind = FIELD_KINDS[name]
    match kind:
        case "date":
            return {"type": "date", "format": "strict_date_optional_time||epoch_millis"}
        case "number":
            return {"type": "long" if _TYPES.get(name) == "integer" else "double"}
        case "text":
            return {
                "type": "text",
                "copy_to": [FREE_TEXT_FIELD],
                "fields": {"wildcard": {"type": "wildcard"}},
            }
        case "object":
            if free_form == "flat":
                return {"type": "flattened" if flavour == "elasticsearch" else "flat_object"}
            return {"type": "object", "dynamic": True}
        case _:  # keyword, level, list
            limit = _LONG_KEYWORD_CHARS if name in _LONG_STRINGS else _SHORT_KEYWORD_CHARS
            return {"type": "keyword", "ignore_above": limit, "copy_to": [FREE_TEXT_FIELD]}


def field_types(flavour: Flavour = "opensearch", free_form: FreeForm = "object") -> dict[str, str]:
    """The mapped type of every catalogue field by its dotted name (for docs and tests)."""
    return {name: _leaf(name, flavour, free_form)["type"] for name in sorted(FIELD_KINDS)}


def _properties(flavour: Flavour, free_form: FreeForm) -> dict[str, Any]:
    """The catalogue's dotted names as nested ``properties``."""
    root: dict[str, Any] = {}
    for name in sorted(FIELD_KINDS):
        parts = name.split(".") if name != "@timestamp" else [name]
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part, {"properties": {}})
            if "properties" not in child:  # pragma: no cover - the catalogue guards this
                raise ValueError(f"{name}: {part} is both a field and an object")
            node = child["properties"]
        node[parts[-1]] = _leaf(name, flavour, free_form)
    root[FREE_TEXT_FIELD] = {"type": "wildcard"}
    return root


def index_mappings(
    flavour: Flavour = "opensearch", *, free_form: FreeForm = "object"
) -> dict[str, Any]:
    """The ``mappings`` of a ``logs-<system>`` index (the same for every system)."""
    dynamic_strings = {
        "type": "keyword",
        "ignore_above": _SHORT_KEYWORD_CHARS,
        "copy_to": [FREE_TEXT_FIELD],
    }
    return {
        "dynamic": True,
        "date_detection": False,
        "dynamic_templates": [
            {"strings": {"match_mapping_type": "string", "mapping": dynamic_strings}}
        ],
        "properties": _properties(flavour, free_form),
    }


def index_settings(
    *, shards: int = 1, replicas: int = 1, refresh_interval: str = "1s"
) -> dict[str, Any]:
    """The ``settings`` of a ``logs-<system>`` index."""
    return {
        "number_of_shards": shards,
        "number_of_replicas": replicas,
        "refresh_interval": refresh_interval,
    }


def dead_letter_mappings() -> dict[str, Any]:
    """Mappings of :data:`DEAD_LETTERS_INDEX` (``raw`` is base64, stored, not indexed)."""
    keyword = {"type": "keyword"}
    return {
        "dynamic": "strict",
        "properties": {
            "id": keyword,
            "received_at": {"type": "date", "format": "strict_date_optional_time||epoch_millis"},
            "source": keyword,
            "reason_code": keyword,
            "reason": {"type": "text"},
            "raw": {"type": "binary"},
            "path": keyword,
            "step": keyword,
            "component": keyword,
            "service": keyword,
            "action": keyword,
        },
    }


def checkpoint_mappings() -> dict[str, Any]:
    """Mappings of :data:`CHECKPOINTS_INDEX`: one document per input, ``_id`` = its name."""
    return {
        "dynamic": "strict",
        "properties": {"name": {"type": "keyword"}, "position": {"type": "keyword"}},
    }


def originals_mappings() -> dict[str, Any]:
    """Mappings of :data:`ORIGINALS_INDEX` (``envelope`` is sealed JSON, stored only)."""
    keyword = {"type": "keyword"}
    return {
        "dynamic": "strict",
        "properties": {
            "event_id": keyword,
            "system": keyword,
            "field": keyword,
            "subject": keyword,
            "envelope": {"type": "object", "enabled": False},
        },
    }
