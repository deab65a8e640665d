"""Data views and saved searches: the saved objects the dashboards are built on.

Ids are stable (``logyard-<kind>-<scope>``), so a second import replaces the same objects
and nothing piles up. A *scope* is one system (``mes``) or ``all`` (every system's logs).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from logyard.catalog import SYSTEMS

__all__ = [
    "ALL",
    "SEARCH_REF",
    "Flavour",
    "data_view",
    "data_view_id",
    "errors_search",
    "journey_search",
    "saved_object",
    "search_source",
]

Flavour = Literal["kibana", "opensearch-dashboards"]
ALL = "all"
#: The reference name Kibana and Dashboards use for a search source's data view.
SEARCH_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"
#: Free-text columns of the error table and the journey.
ERROR_COLUMNS = ["service.name", "log.level", "event.action", "error.type", "message"]
JOURNEY_COLUMNS = ["service.name", "event.action", "user.name", "order.operator", "message"]


def saved_object(
    kind: str, object_id: str, attributes: dict[str, Any], references: list[dict[str, str]]
) -> dict[str, Any]:
    """One line of the ndjson file, in the import API's shape."""
    return {"type": kind, "id": object_id, "attributes": attributes, "references": references}


def data_view_id(scope: str) -> str:
    """``logyard-data-view-mes``, ``logyard-data-view-all``."""
    return f"logyard-data-view-{scope}"


def _pattern(scope: str, systems: tuple[str, ...]) -> str:
    if scope == ALL:
        return ",".join(f"logs-{s}" for s in systems)
    return f"logs-{scope}"


def data_view(scope: str, flavour: Flavour, systems: tuple[str, ...] = SYSTEMS) -> dict[str, Any]:
    """An ``index-pattern`` object (Kibana calls it a data view) over one scope's logs."""
    attributes: dict[str, Any] = {
        "title": _pattern(scope, systems),
        "timeFieldName": "@timestamp",
    }
    if flavour == "kibana":
        attributes["name"] = f"logyard: {'all systems' if scope == ALL else scope}"
    return saved_object("index-pattern", data_view_id(scope), attributes, [])


def search_source(query: str, *, with_index: bool = True) -> dict[str, str]:
    """``kibanaSavedObjectMeta``: the KQL query, no filters, the data view by reference."""
    source: dict[str, Any] = {"query": {"query": query, "language": "kuery"}, "filter": []}
    if with_index:
        source["indexRefName"] = SEARCH_REF
    return {"searchSourceJSON": json.dumps(source, sort_keys=True)}


def _index_ref(scope: str) -> list[dict[str, str]]:
    return [{"name": SEARCH_REF, "type": "index-pattern", "id": data_view_id(scope)}]


#: Errors (and failures) of the last 24 hours: a KQL range with date math (as Kibana documents
#: it: ``@timestamp < now-2w``), so the saved search means "last 24 h" whatever the time picker.
ERRORS_QUERY = "log.level:(ERROR or FATAL) and @timestamp >= now-24h"


def errors_search(scope: str) -> dict[str, Any]:
    """The saved search of a scope's errors of the last 24 hours, newest first."""
    where = "all systems" if scope == ALL else scope
    return saved_object(
        "search",
        f"logyard-search-errors-{scope}",
        {
            "title": f"logyard: {where}: errors of the last 24 hours",
            "description": "ERROR and FATAL events of the last 24 hours, newest first.",
            "columns": ERROR_COLUMNS,
            "sort": [["@timestamp", "desc"]],
            "kibanaSavedObjectMeta": search_source(ERRORS_QUERY),
        },
        _index_ref(scope),
    )


def journey_search() -> dict[str, Any]:
    """An order's journey through every system, oldest first (put the order id in the query)."""
    return saved_object(
        "search",
        "logyard-search-order-journey",
        {
            "title": "logyard: an order's journey (replace * by the order id)",
            "description": (
                "Every event of one order across the six systems in time order: edit the "
                'query to order.id:"ORD-…".'
            ),
            "columns": JOURNEY_COLUMNS,
            "sort": [["@timestamp", "asc"]],
            "kibanaSavedObjectMeta": search_source("order.id:*"),
        },
        _index_ref(ALL),
    )
