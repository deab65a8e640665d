"""Index templates of the analytic schema: one per ``analytics-<table>`` index, and one for
the branch's cursors (``logyard-analytics-cursors``), with the mappings of
:mod:`logyard.analytics._documents` (generated from the same columns as the DuckDB tables).

They are plain indices in both flavours, not data streams or rollover aliases: the derived
rows (``orders``, ``sessions``, ``activity_daily``) and the cursors are overwritten by
``_id``, which a data stream does not allow, and a fact index grows with the business
(orders, logins, requests), not with the raw logs. Retention of the logs does not apply
to them; ``logyard analytics rebuild`` recomputes them from the stored events.
"""

from __future__ import annotations

from typing import Any

from logyard.analytics._documents import (
    CURSORS_INDEX,
    TABLES,
    cursor_mappings,
    index_of,
    table_mappings,
)
from logyard.setup._layout import TEMPLATE_PRIORITY
from logyard.setup._options import ClusterOptions
from logyard.setup._roles import MANAGED
from logyard.setup._steps import Step, first_item

__all__ = ["analytics_template", "analytics_template_steps"]


def analytics_template(
    options: ClusterOptions, index: str, mappings: dict[str, Any]
) -> dict[str, Any]:
    """Body of ``PUT _index_template/<index>``: exactly that index, its mappings, the
    store's shard and replica counts."""
    return {
        "index_patterns": [index],
        "priority": TEMPLATE_PRIORITY,
        "template": {
            "settings": {
                "index.number_of_shards": options.shards,
                "index.number_of_replicas": options.replicas,
            },
            "mappings": mappings,
        },
        "_meta": {**MANAGED, "schema": "analytics"},
    }


def analytics_template_steps(options: ClusterOptions) -> list[Step]:
    """One index template step per analytic table, then the cursors' (both flavours)."""
    wanted = {index_of(t): table_mappings(t) for t in TABLES}
    wanted[CURSORS_INDEX] = cursor_mappings()
    return [
        Step(
            "index template",
            name,
            f"/_index_template/{name}",
            analytics_template(options, name, mappings),
            api="index templates (_index_template)",
            unwrap=first_item("index_templates", "index_template"),
        )
        for name, mappings in wanted.items()
    ]
