"""``logyard setup kibana``: the ndjson is well formed, self-contained and stable, and the
space, role and import requests are the documented Kibana / Dashboards ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from logyard.catalog import SYSTEMS
from logyard.cli import main
from logyard.setup import Request
from logyard.setup.kibana import (
    bulk_get_request,
    changed_objects,
    import_request,
    kibana_plan,
    kibana_role,
    saved_objects,
    to_ndjson,
    xsrf_headers,
)


def _lines(ndjson: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in ndjson.decode().splitlines()]


@pytest.fixture(params=["kibana", "opensearch-dashboards"])
def objects(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    """The saved objects of one flavour, as read back from the ndjson."""
    return _lines(to_ndjson(saved_objects(request.param)))


def test_every_object_has_type_id_and_attributes(objects: list[dict[str, Any]]) -> None:
    """Each ndjson line is one object with a type, a unique id and attributes."""
    assert all({"type", "id", "attributes", "references"} <= set(o) for o in objects)
    ids = [(o["type"], o["id"]) for o in objects]
    assert len(set(ids)) == len(ids)


def test_every_reference_resolves_inside_the_file(objects: list[dict[str, Any]]) -> None:
    """No reference points outside the file (an import would report it missing)."""
    present = {(o["type"], o["id"]) for o in objects}
    dangling = [
        (o["id"], r)
        for o in objects
        for r in o["references"]
        if (r["type"], r["id"]) not in present
    ]
    assert dangling == []


def test_ids_are_stable_between_runs() -> None:
    """Two exports are byte for byte the same (a re-import overwrites, never duplicates)."""
    assert to_ndjson(saved_objects("kibana")) == to_ndjson(saved_objects("kibana"))


def test_one_data_view_per_system_and_one_for_all(objects: list[dict[str, Any]]) -> None:
    """Data views: logs-<system> for each system, and all six together, on @timestamp."""
    views = {o["id"]: o["attributes"] for o in objects if o["type"] == "index-pattern"}
    expected = {f"logyard-data-view-{s}": f"logs-{s}" for s in SYSTEMS}
    expected["logyard-data-view-all"] = ",".join(f"logs-{s}" for s in SYSTEMS)
    assert expected == {k: v["title"] for k, v in views.items()}
    assert {"@timestamp"} == {v["timeFieldName"] for v in views.values()}


def test_saved_searches_errors_and_order_journey(objects: list[dict[str, Any]]) -> None:
    """Per system (and all): ERROR/FATAL of the last 24 h, newest first; the order journey
    across systems oldest first."""
    searches = {o["id"]: o["attributes"] for o in objects if o["type"] == "search"}
    source = json.loads(
        searches["logyard-search-errors-mes"]["kibanaSavedObjectMeta"]["searchSourceJSON"]
    )
    journey = searches["logyard-search-order-journey"]
    expected_ids = {f"logyard-search-errors-{s}" for s in (*SYSTEMS, "all")}
    assert expected_ids | {"logyard-search-order-journey"} == set(searches)
    assert source["query"]["query"] == "log.level:(ERROR or FATAL) and @timestamp >= now-24h"
    assert searches["logyard-search-errors-mes"]["sort"] == [["@timestamp", "desc"]]
    assert journey["sort"] == [["@timestamp", "asc"]]


def test_each_dashboard_has_levels_top_events_latency_and_errors(
    objects: list[dict[str, Any]],
) -> None:
    """A dashboard per system plus the overview, each with the four kinds of panel."""
    dashboards = {o["id"]: o for o in objects if o["type"] == "dashboard"}
    assert {f"logyard-dashboard-{s}" for s in (*SYSTEMS, "all")} == set(dashboards)
    for scope in (*SYSTEMS, "all"):
        ids = [r["id"] for r in dashboards[f"logyard-dashboard-{scope}"]["references"]]
        kinds = {i.rsplit(f"-{scope}", 1)[0] for i in ids if i.endswith(scope)}
        assert {"logyard-vis-levels", "logyard-vis-top-events", "logyard-search-errors"} <= kinds
        assert any(i.startswith(f"logyard-vis-latency-{scope}-") for i in ids)


def test_dashboard_panels_name_their_references(objects: list[dict[str, Any]]) -> None:
    """Every panel's panelRefName is a reference of the dashboard with the panel's type."""
    for o in objects:
        if o["type"] != "dashboard":
            continue
        refs = {r["name"]: r["type"] for r in o["references"]}
        panels = json.loads(o["attributes"]["panelsJSON"])
        assert {p["panelRefName"]: p["type"] for p in panels} == refs


def test_latency_visualization_is_percentiles_over_time() -> None:
    """The mes-api latency panel: p50/p95/p99 of order.calculation_duration_ms per interval."""
    vis = next(
        o
        for o in saved_objects("kibana")
        if o["id"] == "logyard-vis-latency-mes-api-order-calculation_duration_ms"
    )
    state = json.loads(vis["attributes"]["visState"])
    expected = [
        ("percentiles", {"field": "order.calculation_duration_ms", "percents": [50, 95, 99]}),
        ("date_histogram", {"field": "@timestamp", "interval": "auto", "min_doc_count": 1}),
    ]
    assert expected == [(a["type"], a["params"]) for a in state["aggs"]]


def test_dashboards_flavour_has_no_kibana_only_attributes() -> None:
    """OpenSearch Dashboards' index-pattern has no ``name`` (its mapping is strict)."""
    views = [o for o in saved_objects("opensearch-dashboards") if o["type"] == "index-pattern"]
    assert [v["id"] for v in views if "name" in v["attributes"]] == []


def test_kibana_import_request() -> None:
    """POST /s/<space>/api/saved_objects/_import?overwrite=true, multipart with the file."""
    ndjson = to_ndjson(saved_objects("kibana"))
    request, body, content_type = import_request("kibana", "logyard", ndjson)
    boundary = content_type.split("boundary=", 1)[1]
    expected_body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="logyard.ndjson"\r\n'
            "Content-Type: application/ndjson\r\n\r\n"
        ).encode()
        + ndjson
        + f"\r\n--{boundary}--\r\n".encode()
    )
    assert Request("POST", "/s/logyard/api/saved_objects/_import?overwrite=true") == request
    assert content_type.startswith("multipart/form-data; boundary=")
    assert expected_body == body


def test_dashboards_import_goes_to_the_tenant_by_header() -> None:
    """OpenSearch Dashboards: no /s/ prefix; osd-xsrf and securitytenant headers."""
    request, _, _ = import_request("opensearch-dashboards", "logyard", b"{}\n")
    headers = xsrf_headers("opensearch-dashboards", "logyard")
    assert request.path == "/api/saved_objects/_import?overwrite=true"
    assert headers == {"osd-xsrf": "true", "securitytenant": "logyard"}
    assert xsrf_headers("kibana", "logyard") == {"kbn-xsrf": "true"}


def test_kibana_space_and_role_requests() -> None:
    """POST /api/spaces/space creates the space; PUT /api/security/role/Support_Logs gives
    read-only Discover and Dashboard in it, with the cluster role's field security."""
    requests = kibana_plan("logyard").create_requests()
    expected_space = Request(
        "POST",
        "/api/spaces/space",
        {
            "id": "logyard",
            "name": "logyard",
            "description": "logyard: logs of the six systems",
            "disabledFeatures": [],
        },
    )
    role = kibana_role("logyard")
    assert [expected_space, Request("PUT", "/api/security/role/Support_Logs", role)] == requests
    assert role["kibana"] == [
        {
            "base": [],
            "feature": {"discover": ["read"], "dashboard": ["read"]},
            "spaces": ["logyard"],
        }
    ]
    assert role["elasticsearch"]["indices"][0]["field_security"] == {
        "grant": ["*"],
        "except": ["labels.sig"],
    }


def test_space_update_is_a_put_to_the_space() -> None:
    """An existing space that differs is replaced with PUT /api/spaces/space/<id>."""
    step = kibana_plan("logyard").steps[0]
    assert Request("PUT", "/api/spaces/space/logyard", step.body) == step.update_request({})


def test_cli_export_writes_the_ndjson(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``logyard setup kibana --export FILE`` without --url writes the file and exits 0."""
    target = tmp_path / "objects.ndjson"
    code = main(["setup", "kibana", "--export", str(target), "--url", ""])
    expected = to_ndjson(saved_objects("kibana"))
    assert code == 0
    assert expected == target.read_bytes()
    count = len(expected.splitlines())
    assert f"wrote {count} saved objects to {target}\n" == capsys.readouterr().out


def test_bulk_get_request_names_every_object() -> None:
    """POST /s/<space>/api/saved_objects/_bulk_get with [{type, id}] of every object."""
    objects = saved_objects("kibana")
    request = bulk_get_request("kibana", "logyard", objects)
    assert request.method == "POST"
    assert request.path == "/s/logyard/api/saved_objects/_bulk_get"
    assert request.body == [{"type": o["type"], "id": o["id"]} for o in objects]


def test_changed_objects_reads_the_documented_bulk_get_answer() -> None:
    """A visualization found with its JSON strings re-serialized is unchanged; a missing
    object (``error`` 404) and an edited one are changed."""
    by_id = {o["id"]: o for o in saved_objects("kibana")}
    objects = [
        by_id["logyard-vis-levels-mes"],
        by_id["logyard-data-view-mes"],
        by_id["logyard-search-order-journey"],
    ]
    reserialized = json.loads(json.dumps(objects[0]))
    attributes = reserialized["attributes"]
    attributes["visState"] = json.dumps(json.loads(attributes["visState"]), indent=2)
    edited = json.loads(json.dumps(objects[2]))
    edited["attributes"]["title"] = "edited in Kibana"
    answer = {
        "saved_objects": [
            {**reserialized, "version": "WzEsMV0=", "updated_at": "2026-11-26T08:00:00Z"},
            {
                "id": objects[1]["id"],
                "type": objects[1]["type"],
                "error": {"statusCode": 404, "error": "Not Found", "message": "Not found"},
            },
            edited,
        ]
    }
    changed = [o["id"] for o in changed_objects(objects, answer)]
    assert changed == ["logyard-data-view-mes", "logyard-search-order-journey"]
