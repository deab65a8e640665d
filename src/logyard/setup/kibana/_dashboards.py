"""Visualizations and dashboards: one dashboard per system and an overview of all.

Each dashboard shows events over time by level, the top event types, latency percentiles and
the error table (the saved search of the last 24 hours). Visualizations are the aggregation
based kind (``visualization`` objects with a ``visState``), which Kibana 8 and OpenSearch
Dashboards 2 both import unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from logyard.setup.kibana._objects import (
    ALL,
    SEARCH_REF,
    Flavour,
    data_view_id,
    saved_object,
    search_source,
)

__all__ = ["LATENCY_FIELDS", "dashboard", "scope_visualizations"]

#: Duration fields worth percentiles, per system (``http.duration_ms`` everywhere).
LATENCY_FIELDS: dict[str, tuple[str, ...]] = {
    "mes": ("http.duration_ms", "order_list.fetch_duration_ms"),
    "mes-api": ("http.duration_ms", "order.calculation_duration_ms"),
}
_PANEL_VERSION: dict[Flavour, str] = {"kibana": "8.0.0", "opensearch-dashboards": "7.10.2"}


def _count() -> dict[str, Any]:
    return {"id": "1", "enabled": True, "type": "count", "schema": "metric", "params": {}}


def _over_time(agg_id: str) -> dict[str, Any]:
    return {
        "id": agg_id,
        "enabled": True,
        "type": "date_histogram",
        "schema": "segment",
        "params": {"field": "@timestamp", "interval": "auto", "min_doc_count": 1},
    }


def _terms(agg_id: str, field: str, schema: str, size: int) -> dict[str, Any]:
    return {
        "id": agg_id,
        "enabled": True,
        "type": "terms",
        "schema": schema,
        "params": {"field": field, "size": size, "order": "desc", "orderBy": "1"},
    }


def _visualization(
    vis_id: str, scope: str, title: str, vis_type: str, aggs: list[dict[str, Any]]
) -> dict[str, Any]:
    state = {"title": title, "type": vis_type, "params": {"addLegend": True}, "aggs": aggs}
    return saved_object(
        "visualization",
        vis_id,
        {
            "title": title,
            "description": "",
            "version": 1,
            "uiStateJSON": "{}",
            "visState": json.dumps(state, sort_keys=True),
            "kibanaSavedObjectMeta": search_source(""),
        },
        [{"name": SEARCH_REF, "type": "index-pattern", "id": data_view_id(scope)}],
    )


def scope_visualizations(scope: str) -> list[dict[str, Any]]:
    """The visualizations of one scope's dashboard (system or ``all``)."""
    where = "all systems" if scope == ALL else scope
    found = [
        _visualization(
            f"logyard-vis-levels-{scope}",
            scope,
            f"logyard: {where}: events over time by level",
            "histogram",
            [_count(), _over_time("2"), _terms("3", "log.level", "group", 6)],
        ),
        _visualization(
            f"logyard-vis-top-events-{scope}",
            scope,
            f"logyard: {where}: top event types",
            "table",
            [_count(), _terms("2", "event.action", "bucket", 15)],
        ),
    ]
    for field in LATENCY_FIELDS.get(scope, ("http.duration_ms",)):
        percentiles = {
            "id": "1",
            "enabled": True,
            "type": "percentiles",
            "schema": "metric",
            "params": {"field": field, "percents": [50, 95, 99]},
        }
        found.append(
            _visualization(
                f"logyard-vis-latency-{scope}-{field.replace('.', '-')}",
                scope,
                f"logyard: {where}: {field} percentiles (p50, p95, p99)",
                "line",
                [percentiles, _over_time("2")],
            )
        )
    if scope == ALL:
        found.append(
            _visualization(
                "logyard-vis-systems-all",
                ALL,
                "logyard: all systems: events over time by system",
                "histogram",
                [_count(), _over_time("2"), _terms("3", "service.name", "group", 6)],
            )
        )
    return found


def dashboard(
    scope: str, visualizations: list[dict[str, Any]], errors_search_id: str, flavour: Flavour
) -> dict[str, Any]:
    """A dashboard of the scope's visualizations (two per row) and its error table."""
    panels: list[dict[str, Any]] = []
    references: list[dict[str, str]] = []
    members = [("visualization", v["id"]) for v in visualizations]
    members.append(("search", errors_search_id))
    for n, (kind, object_id) in enumerate(members):
        last = n == len(members) - 1
        panels.append(
            {
                "version": _PANEL_VERSION[flavour],
                "type": kind,
                "gridData": {
                    "x": 0 if last else (n % 2) * 24,
                    "y": (n // 2) * 15,
                    "w": 48 if last else 24,
                    "h": 15,
                    "i": str(n + 1),
                },
                "panelIndex": str(n + 1),
                "embeddableConfig": {},
                "panelRefName": f"panel_{n}",
            }
        )
        references.append({"name": f"panel_{n}", "type": kind, "id": object_id})
    where = "overview of all systems" if scope == ALL else scope
    return saved_object(
        "dashboard",
        f"logyard-dashboard-{scope}",
        {
            "title": f"logyard: {where}",
            "description": "Events by level, top event types, latency percentiles, errors.",
            "panelsJSON": json.dumps(panels, sort_keys=True),
            "optionsJSON": json.dumps({"hidePanelTitles": False, "useMargins": True}),
            "timeRestore": True,
            "timeFrom": "now-24h",
            "timeTo": "now",
            "refreshInterval": {"pause": False, "value": 60000},
            "kibanaSavedObjectMeta": search_source("", with_index=False),
        },
        references,
    )
