"""``logyard setup opensearch`` sends exactly the documented OpenSearch requests.

Bodies are written out from the OpenSearch documentation: ISM ``_plugins/_ism/policies``
(states, ``rollover.min_primary_shard_size``, ``snapshot`` action, ``min_rollover_age``,
``ism_template``; updates with ``if_seq_no``/``if_primary_term``), Snapshot Management
``_plugins/_sm/policies`` (created with POST, updated with PUT and the sequence number),
the security plugin's ``roles`` (``fls`` with ``~`` exclusions), ``rolesmapping`` and
``tenants``, and an index created with its write alias.
"""

from __future__ import annotations

from typing import Any

from logyard.catalog import SYSTEMS
from logyard.setup import Request, cluster_options, opensearch_plan
from logyard.store.opensearch import index_mappings


def _plan(**options: Any) -> Any:
    return opensearch_plan(cluster_options(**options))


def _requests(**options: Any) -> dict[str, Request]:
    return {r.path: r for r in _plan(**options).create_requests()}


def _step(label: str) -> Any:
    return next(s for s in _plan().steps if s.label == label)


def test_ism_policy_snapshots_before_it_deletes() -> None:
    """hot (rollover at 100gb per primary shard) → after 180 days since rollover, snapshot
    (the action must succeed before the transition) → delete; attached by ism_template."""
    expected = Request(
        "PUT",
        "/_plugins/_ism/policies/logyard-logs",
        {
            "policy": {
                "description": "logyard: roll over, snapshot, then delete",
                "default_state": "hot",
                "states": [
                    {
                        "name": "hot",
                        "actions": [{"rollover": {"min_primary_shard_size": "100gb"}}],
                        "transitions": [
                            {"state_name": "snapshot", "conditions": {"min_rollover_age": "180d"}}
                        ],
                    },
                    {
                        "name": "snapshot",
                        "actions": [
                            {
                                "snapshot": {
                                    "repository": "logyard-s3",
                                    "snapshot": "logyard-logs-{{ctx.index}}",
                                }
                            }
                        ],
                        "transitions": [{"state_name": "delete"}],
                    },
                    {"name": "delete", "actions": [{"delete": {}}], "transitions": []},
                ],
                "ism_template": [
                    {
                        "index_patterns": [
                            "logs-internet-shop-0*",
                            "logs-shop-api-0*",
                            "logs-crm-0*",
                            "logs-crm-api-0*",
                            "logs-mes-0*",
                            "logs-mes-api-0*",
                        ],
                        "priority": 100,
                    }
                ],
            }
        },
    )
    assert expected == _requests()["/_plugins/_ism/policies/logyard-logs"]


def test_ism_update_carries_the_sequence_number_read() -> None:
    """Replacing an ISM policy is a PUT with if_seq_no/if_primary_term of the GET answer."""
    step = _step("ism policy logyard-logs")
    actual = step.update_request({"_id": "logyard-logs", "_seq_no": 7, "_primary_term": 2})
    expected = Request(
        "PUT", "/_plugins/_ism/policies/logyard-logs?if_seq_no=7&if_primary_term=2", step.body
    )
    assert expected == actual


def test_sm_policy_is_created_with_post() -> None:
    """Snapshot Management: POST to create; cron schedule in UTC; retention as condition."""
    expected = Request(
        "POST",
        "/_plugins/_sm/policies/logyard-nightly",
        {
            "description": "logyard: nightly snapshots of the logs to S3",
            "creation": {
                "schedule": {"cron": {"expression": "30 1 * * *", "timezone": "UTC"}},
                "time_limit": "1h",
            },
            "deletion": {
                "schedule": {"cron": {"expression": "30 1 * * *", "timezone": "UTC"}},
                "condition": {"max_age": "365d", "max_count": 500, "min_count": 7},
                "time_limit": "1h",
            },
            "snapshot_config": {
                "date_format": "yyyy-MM-dd",
                "timezone": "UTC",
                "indices": "logs-*,analytics-*",
                "repository": "logyard-s3",
                "ignore_unavailable": "true",
                "include_global_state": "false",
                "partial": "false",
            },
        },
    )
    assert expected == _requests()["/_plugins/_sm/policies/logyard-nightly"]


def test_sm_update_is_a_put_with_the_sequence_number() -> None:
    """Updating an SM policy: PUT ...?if_seq_no=&if_primary_term= (POST only creates)."""
    step = _step("sm policy logyard-nightly")
    actual = step.update_request({"_seq_no": 54983, "_primary_term": 21, "sm_policy": {}})
    assert (
        Request(
            "PUT",
            "/_plugins/_sm/policies/logyard-nightly?if_seq_no=54983&if_primary_term=21",
            step.body,
        )
        == actual
    )


def test_index_template_sets_the_rollover_alias() -> None:
    """Each system's backing indices get its template, with the ISM rollover alias."""
    expected = Request(
        "PUT",
        "/_index_template/logs-crm",
        {
            "index_patterns": ["logs-crm-0*"],
            "composed_of": ["logyard-logs-mappings", "logyard-logs-settings"],
            "priority": 500,
            "template": {
                "settings": {"index.plugins.index_state_management.rollover_alias": "logs-crm"}
            },
            "_meta": {"managed_by": "logyard", "system": "crm"},
        },
    )
    assert expected == _requests()["/_index_template/logs-crm"]


def test_mappings_are_the_opensearch_flavour_of_the_store_mappings() -> None:
    """The mappings component template is ``index_mappings('opensearch')``."""
    body = _requests()["/_component_template/logyard-logs-mappings"].body
    assert index_mappings("opensearch") == body["template"]["mappings"]


def test_each_system_gets_a_first_index_behind_its_write_alias() -> None:
    """``PUT logs-<system>-000001`` with ``aliases: {logs-<system>: {is_write_index: true}}``."""
    expected = [
        Request("PUT", f"/logs-{s}-000001", {"aliases": {f"logs-{s}": {"is_write_index": True}}})
        for s in SYSTEMS
    ]
    actual = [r for r in _requests().values() if r.path.endswith("-000001")]
    assert expected == actual


def test_support_logs_role_excludes_the_signature_with_fls() -> None:
    """Security plugin role: read on logs-*/analytics-*, fls ``~labels.sig``, read-only
    Dashboards tenant; no write action, no cluster write, nothing on the originals."""
    expected = Request(
        "PUT",
        "/_plugins/_security/api/roles/Support_Logs",
        {
            "description": "logyard: read masked logs, no signatures, no originals",
            "cluster_permissions": ["cluster_composite_ops_ro"],
            "index_permissions": [
                {
                    "index_patterns": ["logs-*", "analytics-*"],
                    "fls": ["~labels.sig"],
                    "masked_fields": [],
                    "allowed_actions": ["read"],
                }
            ],
            "tenant_permissions": [
                {"tenant_patterns": ["logyard"], "allowed_actions": ["kibana_all_read"]}
            ],
        },
    )
    assert expected == _requests()["/_plugins/_security/api/roles/Support_Logs"]


def test_roles_mapping_and_tenant() -> None:
    """``rolesmapping/<role>`` maps the backend role of the same name; the tenant exists."""
    requests = _requests()
    actual = (
        requests["/_plugins/_security/api/rolesmapping/Support_Logs"],
        requests["/_plugins/_security/api/tenants/logyard"],
    )
    expected = (
        Request(
            "PUT",
            "/_plugins/_security/api/rolesmapping/Support_Logs",
            {"backend_roles": ["Support_Logs"], "hosts": [], "users": []},
        ),
        Request(
            "PUT",
            "/_plugins/_security/api/tenants/logyard",
            {"description": "logyard: dashboards of the six systems"},
        ),
    )
    assert expected == actual


def test_backing_index_patterns_do_not_overlap() -> None:
    """The plan's own patterns (each index template's ``index_patterns`` and the ISM policy's
    ``ism_template``): ``logs-crm-0*`` must not match ``logs-crm-api-000001`` (another
    system's index), and each system's first backing index is matched by its own pattern."""
    from fnmatch import fnmatchcase

    plan = _plan()
    templates = {
        s.body["_meta"]["system"]: s.body["index_patterns"]
        for s in plan.steps
        if s.kind == "index template" and s.name.startswith("logs-")
    }
    ism_step = next(s for s in plan.steps if s.kind == "ism policy")
    ism = ism_step.body["policy"]["ism_template"][0]["index_patterns"]
    assert set(SYSTEMS) == set(templates)
    assert all(len(patterns) == 1 for patterns in templates.values())
    assert sorted(p for patterns in templates.values() for p in patterns) == sorted(ism)

    def matches(patterns: dict[str, list[str]]) -> list[tuple[str, str]]:
        return sorted(
            (s, t)
            for s in patterns
            for t in SYSTEMS
            if any(fnmatchcase(f"logs-{t}-000001", p) for p in patterns[s])
        )

    by_system = {s: [p for p in ism if fnmatchcase(f"logs-{s}-000001", p)] for s in SYSTEMS}
    assert [(s, s) for s in sorted(SYSTEMS)] == matches(templates)
    assert [(s, s) for s in sorted(SYSTEMS)] == matches(by_system)
    assert all(len(patterns) == 1 for patterns in by_system.values())
