"""``logyard setup opensearch`` against an OpenSearch-compatible server (osmem-server).

The data plane is real here: component and index templates, the first index of each system
behind its write alias, the catalogue mappings applied to that index. ISM, SM, snapshots and
the security plugin are absent on this server; setup says so step by step and goes on.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from logyard.catalog import SYSTEMS
from logyard.cli import main


def _http(url: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _setup(capsys: pytest.CaptureFixture[str], url: str, *extra: str) -> tuple[int, list[str], str]:
    code = main(["setup", "opensearch", "--url", url, *extra])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_first_run_creates_templates_and_write_aliases(
    cluster_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two component templates, six index templates, six write aliases and the nine
    templates of the analytic schema (eight ``analytics-*`` tables and the cursors index)
    are created; the ten control-plane steps are skipped (the server lacks those APIs), so
    the exit is 1."""
    code, lines, _ = _setup(capsys, cluster_url)
    assert (code, lines[-1]) == (1, "done: 23 change(s) made (23 created, 10 skipped)")
    created = [line for line in lines if "analytics" in line and "created" in line]
    assert len(created) == 9, created
    status, aliases = _http(cluster_url, "GET", "/_alias/logs-mes")
    expected = {"logs-mes-000001": {"aliases": {"logs-mes": {"is_write_index": True}}}}
    assert (status, aliases) == (200, expected)
    for system in SYSTEMS:
        status, found = _http(cluster_url, "GET", f"/_index_template/logs-{system}")
        template = found["index_templates"][0]["index_template"]
        assert (status, template["index_patterns"]) == (200, [f"logs-{system}-0*"])


def test_events_written_to_the_alias_get_the_catalogue_mappings(
    cluster_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A document indexed through ``logs-mes`` lands in ``logs-mes-000001``, whose mapping
    (from the templates) types the catalogue fields: the template really applied."""
    _setup(capsys, cluster_url)
    event = {
        "@timestamp": "2026-11-26T08:00:00.000Z",
        "event.id": "e1",
        "event.action": "order.calculated",
        "service.name": "mes",
        "order": {"id": "ORD-1", "calculation_duration_ms": 12.5},
    }
    status, answer = _http(cluster_url, "POST", "/logs-mes/_doc/e1?refresh=true", event)
    assert (status, answer["_index"]) == (201, "logs-mes-000001")
    _, mapping = _http(cluster_url, "GET", "/logs-mes-000001/_mapping")
    props = mapping["logs-mes-000001"]["mappings"]["properties"]
    order = props["order"]["properties"]
    actual = (props["@timestamp"]["type"], order["id"]["type"], order["calculation_duration_ms"])
    assert actual == ("date", "keyword", {"type": "double"})


def test_second_run_changes_nothing_and_says_so(
    cluster_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run twice: the second run creates and replaces nothing and ends "nothing changed"."""
    _setup(capsys, cluster_url)
    code, lines, _ = _setup(capsys, cluster_url)
    changed = [line for line in lines if line.endswith((": created", ": replaced"))]
    assert (code, changed, lines[-1]) == (
        1,
        [],
        "done: nothing changed (23 unchanged, 10 skipped)",
    )


def test_dry_run_writes_nothing(cluster_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``--dry-run`` reads and prints what it would create, and the server stays empty."""
    code, lines, _ = _setup(capsys, cluster_url, "--dry-run")
    status, _ = _http(cluster_url, "GET", "/_index_template/logs-mes")
    assert (code, status) == (1, 404)  # 1: the skipped steps would stay undone
    assert "write alias logs-mes: would be created: PUT /logs-mes-000001" in lines
    assert lines[-1] == "dry run: 23 change(s) would be made (10 skipped)"


def test_a_different_template_is_shown_and_kept_without_force(
    cluster_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Someone else's ``logs-mes`` template: setup prints a diff, leaves it and does not create
    the alias on it; ``--force`` replaces it and then creates the alias."""
    theirs = {"index_patterns": ["logs-mes-0*"], "priority": 100}
    assert _http(cluster_url, "PUT", "/_index_template/logs-mes", theirs)[0] == 200
    _, lines, _ = _setup(capsys, cluster_url)
    assert "index template logs-mes: differs from what logyard would write:" in lines
    assert '-  "priority": "100"' in lines
    assert '+  "priority": "500",' in lines
    assert "index template logs-mes: left as it is; run again with --force to replace it" in lines
    assert (
        "write alias logs-mes: not attempted; index template logs-mes is not in place (see above)"
        in lines
    )
    kept = _http(cluster_url, "GET", "/_index_template/logs-mes")[1]
    assert kept["index_templates"][0]["index_template"]["priority"] == 100
    _, lines, _ = _setup(capsys, cluster_url, "--force")
    replaced = _http(cluster_url, "GET", "/_index_template/logs-mes")[1]
    assert "index template logs-mes: replaced" in lines
    assert "write alias logs-mes: created" in lines
    assert replaced["index_templates"][0]["index_template"]["priority"] == 500


def test_missing_apis_are_named_not_crashed_on(
    cluster_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each control-plane step says which API the server lacks."""
    _, lines, _ = _setup(capsys, cluster_url)
    skipped = sorted(
        {line.split("; ", 1)[1].split(" (GET")[0] for line in lines if ": skipped;" in line}
    )
    expected = sorted(
        f"{cluster_url} has no {api} API"
        for api in (
            "snapshot (_snapshot)",
            "snapshot management (_plugins/_sm)",
            "index state management (_plugins/_ism)",
            "security plugin (_plugins/_security)",
        )
    )
    assert skipped == expected


def test_an_index_in_the_aliases_place_is_explained(
    cluster_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A plain index ``logs-mes`` (auto-created before setup) blocks the alias: that step
    fails with what to do, and the other systems are still set up."""
    assert _http(cluster_url, "PUT", "/logs-mes", {})[0] == 200
    code, lines, _ = _setup(capsys, cluster_url)
    failed = [line for line in lines if line.startswith("write alias logs-mes: failed")]
    assert code == 1
    assert len(failed) == 1
    assert "a plain index logs-mes exists" in failed[0]
    assert "reindex it into logs-mes-000001" in failed[0]
    assert "write alias logs-crm: created" in lines


def test_elasticsearch_setup_refuses_an_opensearch_cluster(
    cluster_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``setup elasticsearch`` pointed at OpenSearch: one error naming the URL and the fix."""
    code = main(["setup", "elasticsearch", "--url", cluster_url])
    err = capsys.readouterr().err
    assert (code, err) == (
        1,
        f"Error: {cluster_url}: is OpenSearch 3.8.0, not Elasticsearch; "
        "run logyard setup opensearch instead\n",
    )
