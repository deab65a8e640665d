"""``logyard setup kibana``: the ndjson of saved objects, the space, the role, the import.

Kibana: a space (``POST /api/spaces/space``), the ``Support_Logs`` role with the cluster
role's index privileges plus read-only Discover and Dashboard in that space
(``PUT /api/security/role/Support_Logs``), then ``POST /s/<space>/api/saved_objects/_import
?overwrite=true`` with the ndjson file. OpenSearch Dashboards has no spaces: its tenant and
the role's tenant permission come from ``logyard setup opensearch``; the import goes to
``/api/saved_objects/_import`` with the ``securitytenant`` header.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable
from typing import Any

from logyard.catalog import SYSTEMS
from logyard.setup._apply import apply_plan, read_version, require_version
from logyard.setup._compare import same
from logyard.setup._http import HttpClient
from logyard.setup._roles import MANAGED, elasticsearch_roles
from logyard.setup._steps import Plan, Request, Step
from logyard.setup.kibana._dashboards import dashboard, scope_visualizations
from logyard.setup.kibana._objects import (
    ALL,
    Flavour,
    data_view,
    errors_search,
    journey_search,
)

__all__ = [
    "MINIMUM_DASHBOARDS",
    "bulk_get_request",
    "changed_objects",
    "check_dashboards",
    "import_request",
    "kibana_command",
    "kibana_plan",
    "kibana_role",
    "saved_objects",
    "to_ndjson",
    "xsrf_headers",
]

MINIMUM_DASHBOARDS: dict[Flavour, tuple[int, ...]] = {
    "kibana": (8, 0),
    "opensearch-dashboards": (2, 15),
}
_PRODUCT: dict[Flavour, str] = {
    "kibana": "Kibana",
    "opensearch-dashboards": "OpenSearch Dashboards",
}


def saved_objects(flavour: Flavour, systems: tuple[str, ...] = SYSTEMS) -> list[dict[str, Any]]:
    """Every saved object, referenced objects before the objects that reference them."""
    objects: list[dict[str, Any]] = []
    for scope in (ALL, *systems):
        objects.append(data_view(scope, flavour, systems))
    objects.append(journey_search())
    for scope in (*systems, ALL):
        errors = errors_search(scope)
        visualizations = scope_visualizations(scope)
        objects += [errors, *visualizations]
        objects.append(dashboard(scope, visualizations, errors["id"], flavour))
    return objects


def to_ndjson(objects: list[dict[str, Any]]) -> bytes:
    """One JSON object per line (keys sorted: the same objects give the same bytes)."""
    return b"".join(json.dumps(o, sort_keys=True).encode() + b"\n" for o in objects)


def xsrf_headers(flavour: Flavour, tenant: str) -> dict[str, str]:
    """Headers every write needs: Kibana's ``kbn-xsrf``; Dashboards' ``osd-xsrf`` and tenant."""
    if flavour == "kibana":
        return {"kbn-xsrf": "true"}
    return {"osd-xsrf": "true", "securitytenant": tenant}


def import_request(flavour: Flavour, space: str, ndjson: bytes) -> tuple[Request, bytes, str]:
    """The import call: the request (path), the multipart body and its content type."""
    prefix = f"/s/{space}" if flavour == "kibana" else ""
    boundary = "logyard-" + hashlib.sha256(ndjson).hexdigest()[:24]
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="logyard.ndjson"\r\n'
            "Content-Type: application/ndjson\r\n\r\n"
        ).encode()
        + ndjson
        + f"\r\n--{boundary}--\r\n".encode()
    )
    path = f"{prefix}/api/saved_objects/_import?overwrite=true"
    return Request("POST", path), body, f"multipart/form-data; boundary={boundary}"


def kibana_role(space: str) -> dict[str, Any]:
    """Body of Kibana's ``PUT /api/security/role/Support_Logs``: the same index privileges
    as the cluster role (Kibana writes that role), plus read-only Discover and Dashboard."""
    cluster_role = elasticsearch_roles()["Support_Logs"]
    return {
        "metadata": MANAGED,
        "elasticsearch": {
            "cluster": cluster_role["cluster"],
            "indices": cluster_role["indices"],
            "run_as": [],
        },
        "kibana": [
            {
                "base": [],
                "feature": {"discover": ["read"], "dashboard": ["read"]},
                "spaces": [space],
            }
        ],
    }


def kibana_plan(space: str) -> Plan:
    """The space and the role (Kibana only)."""
    space_path = f"/api/spaces/space/{space}"
    space_body = {
        "id": space,
        "name": space,
        "description": "logyard: logs of the six systems",
        "disabledFeatures": [],
    }
    return Plan(
        "kibana",
        (
            Step(
                "space",
                space,
                space_path,
                space_body,
                api="spaces (/api/spaces)",
                create_method="POST",
                create_path="/api/spaces/space",
                update=lambda _answer: Request("PUT", space_path, space_body),
            ),
            Step(
                "kibana role",
                "Support_Logs",
                "/api/security/role/Support_Logs",
                kibana_role(space),
                api="security (/api/security)",
            ),
        ),
    )


def check_dashboards(client: HttpClient, flavour: Flavour) -> str:
    """``GET /api/status``: reachable, credentials accepted, recent enough; the version."""
    product = _PRODUCT[flavour]
    number, _ = read_version(
        client,
        "/api/status",
        if_failed=f"check --url points at {product}",
        if_missing=(
            f"does not answer like {product} (no version in /api/status); check --url and --flavour"
        ),
    )
    require_version(client, product, number, MINIMUM_DASHBOARDS[flavour], "; upgrade it")
    return number


def bulk_get_request(flavour: Flavour, space: str, objects: list[dict[str, Any]]) -> Request:
    """``POST [/s/<space>]/api/saved_objects/_bulk_get`` for every object's type and id."""
    prefix = f"/s/{space}" if flavour == "kibana" else ""
    return Request(
        "POST",
        f"{prefix}/api/saved_objects/_bulk_get",
        [{"type": o["type"], "id": o["id"]} for o in objects],
    )


def _decoded(value: Any) -> Any:
    """Attributes with their JSON-in-a-string values (``visState``, ``panelsJSON``, …) parsed,
    so a server that re-serializes them is not a difference."""
    if isinstance(value, dict):
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return _decoded(json.loads(value))
        except ValueError:
            return value
    return value


def changed_objects(objects: list[dict[str, Any]], answer: Any) -> list[dict[str, Any]]:
    """The objects that ``_bulk_get``'s answer does not hold as we would write them."""
    found = {}
    for got in answer.get("saved_objects", []) if isinstance(answer, dict) else []:
        if isinstance(got, dict) and "error" not in got:
            found[(got.get("type"), got.get("id"))] = got
    changed = []
    for o in objects:
        got = found.get((o["type"], o["id"]))
        if got is None:
            changed.append(o)
            continue
        refs = sorted((r["name"], r["type"], r["id"]) for r in got.get("references", []))
        ours = sorted((r["name"], r["type"], r["id"]) for r in o["references"])
        if refs != ours or not same(_decoded(o["attributes"]), _decoded(got.get("attributes"))):
            changed.append(o)
    return changed


def kibana_command(
    args: argparse.Namespace, make_client: Callable[[argparse.Namespace, dict[str, str]], Any]
) -> int:
    """``logyard setup kibana``: write ``--export``, and with ``--url`` provision and import."""
    flavour: Flavour = args.flavour
    objects = saved_objects(flavour)
    ndjson = to_ndjson(objects)
    if args.export is not None:
        args.export.write_bytes(ndjson)
        print(f"wrote {len(objects)} saved objects to {args.export}")
        if not args.url:
            return 0
    client: HttpClient = make_client(args, xsrf_headers(flavour, args.space))
    version = check_dashboards(client, flavour)
    print(f"{_PRODUCT[flavour]} {version} at {client.url}")
    code = 0
    if flavour == "kibana":
        code = apply_plan(kibana_plan(args.space), client, dry_run=args.dry_run, force=args.force)
    else:
        print(
            f"tenant {args.space} and the Support_Logs role's read-only tenant permission: "
            "made by logyard setup opensearch (Dashboards has no spaces)"
        )
    read = bulk_get_request(flavour, args.space, objects)
    existing = client.request(read.method, read.path, read.body)
    todo = changed_objects(objects, existing.body) if existing.ok else objects
    if not todo:
        print(f"saved objects: all {len(objects)} unchanged in {args.space}; nothing imported")
        return code
    request, body, content_type = import_request(flavour, args.space, to_ndjson(todo))
    if args.dry_run:
        print(
            f"saved objects: would import {len(todo)} of {len(objects)} (new or different; "
            f"{request.method} {request.path})"
        )
        return code
    answer = client.request(request.method, request.path, raw=body, content_type=content_type)
    result = answer.body if isinstance(answer.body, dict) else {}
    if not answer.ok or not result.get("success", False):
        errors = result.get("errors") or [answer.reason()]
        sys.stdout.write(
            f"saved objects: import failed ({answer.status}); first problem: "
            f"{json.dumps(errors[0])[:300]}\n"
        )
        return 1
    print(
        f"saved objects: {result.get('successCount', len(todo))} of {len(objects)} imported "
        f"into {args.space} (new or different; the others unchanged)"
    )
    return code
