"""Kibana and OpenSearch Dashboards: data views, saved searches, dashboards, space and role."""

from logyard.setup.kibana._objects import ALL, Flavour, data_view_id
from logyard.setup.kibana._provision import (
    MINIMUM_DASHBOARDS,
    bulk_get_request,
    changed_objects,
    check_dashboards,
    import_request,
    kibana_command,
    kibana_plan,
    kibana_role,
    saved_objects,
    to_ndjson,
    xsrf_headers,
)

__all__ = [
    "ALL",
    "MINIMUM_DASHBOARDS",
    "Flavour",
    "bulk_get_request",
    "changed_objects",
    "check_dashboards",
    "data_view_id",
    "import_request",
    "kibana_command",
    "kibana_plan",
    "kibana_role",
    "saved_objects",
    "to_ndjson",
    "xsrf_headers",
]
