"""A second run finds what the first wrote, in the shape each API documents for its GET, and
sees no difference; a changed value is a difference.

The answers below are the documented GET responses (Elasticsearch ``GET _ilm/policy``,
``GET _slm/policy``, ``GET _component_template``, ``GET _security/role``; OpenSearch
``GET _plugins/_ism/policies``, ``GET _plugins/_sm/policies``) holding what setup sent, plus
the fields those servers add and in their normal form (settings nested, as strings).
"""

from __future__ import annotations

import copy
from typing import Any

from logyard.setup import cluster_options, elasticsearch_plan, opensearch_plan
from logyard.setup._compare import same


def _step(plan: Any, label: str) -> Any:
    return next(s for s in plan.steps if s.label == label)


ES = elasticsearch_plan(cluster_options())
OS = opensearch_plan(cluster_options())


def test_ilm_policy_as_elasticsearch_returns_it() -> None:
    """GET _ilm/policy/<name>: {name: {version, modified_date, policy, in_use_by}}, with the
    delete action's default filled in."""
    step = _step(ES, "ilm policy logyard-logs")
    policy = copy.deepcopy(step.body["policy"])
    policy["phases"]["delete"]["actions"]["delete"] = {"delete_searchable_snapshot": True}
    answer = {
        "logyard-logs": {
            "version": 3,
            "modified_date": "2026-11-26T08:00:00.000Z",
            "policy": policy,
            "in_use_by": {"indices": [], "data_streams": ["logs-mes"], "composable_templates": []},
        }
    }
    assert same(step.body, step.unwrap(answer))
    policy["phases"]["hot"]["actions"]["rollover"]["max_primary_shard_size"] = "50gb"
    assert not same(step.body, step.unwrap(answer))


def test_slm_policy_as_elasticsearch_returns_it() -> None:
    """GET _slm/policy/<id>: {id: {version, modified_date_millis, policy, next_execution}}."""
    step = _step(ES, "slm policy logyard-nightly")
    answer = {
        "logyard-nightly": {
            "version": 1,
            "modified_date_millis": 1795680000000,
            "policy": copy.deepcopy(step.body),
            "next_execution_millis": 1795690000000,
            "stats": {"policy": "logyard-nightly", "snapshots_taken": 0},
        }
    }
    assert same(step.body, step.unwrap(answer))


def test_settings_template_in_elasticsearch_normal_form() -> None:
    """GET _component_template: settings come back nested under ``index`` and as strings."""
    step = _step(ES, "component template logyard-logs-settings")
    answer = {
        "component_templates": [
            {
                "name": "logyard-logs-settings",
                "component_template": {
                    "template": {
                        "settings": {
                            "index": {
                                "lifecycle": {"name": "logyard-logs"},
                                "number_of_shards": "1",
                                "number_of_replicas": "1",
                                "refresh_interval": "1s",
                            }
                        }
                    },
                    "_meta": {"managed_by": "logyard"},
                    "version": None,
                },
            }
        ]
    }
    assert same(step.body, step.unwrap(answer))


def test_role_with_kibana_privileges_added_is_unchanged() -> None:
    """GET _security/role: Kibana's application privileges and transient metadata added by
    the server or by ``setup kibana`` are not a difference to the cluster role."""
    step = _step(ES, "role Support_Logs")
    role = copy.deepcopy(step.body)
    role["applications"] = [
        {"application": "kibana-.kibana", "privileges": ["feature_discover.read"], "resources": []}
    ]
    role["transient_metadata"] = {"enabled": True}
    assert same(step.body, step.unwrap({"Support_Logs": role}))
    role["indices"][0]["field_security"]["except"] = []
    assert not same(step.body, step.unwrap({"Support_Logs": role}))


def test_ism_policy_as_opensearch_returns_it() -> None:
    """GET _plugins/_ism/policies/<id>: _seq_no/_primary_term and a policy with policy_id,
    schema_version, per-action retry defaults and timestamps added."""
    step = _step(OS, "ism policy logyard-logs")
    policy = copy.deepcopy(step.body["policy"])
    policy.update(
        {"policy_id": "logyard-logs", "schema_version": 21, "last_updated_time": 1795680000000}
    )
    for state in policy["states"]:
        for action in state["actions"]:
            action["retry"] = {"count": 3, "backoff": "exponential", "delay": "1m"}
    policy["ism_template"][0]["last_updated_time"] = 1795680000000
    answer = {"_id": "logyard-logs", "_version": 2, "_seq_no": 5, "_primary_term": 1}
    answer["policy"] = policy
    assert same(step.body, step.unwrap(answer))
    policy["states"][1]["actions"] = [{"delete": {}}]
    assert not same(step.body, step.unwrap(answer))


def test_sm_policy_as_opensearch_returns_it() -> None:
    """GET _plugins/_sm/policies/<name>: {_id, _seq_no, _primary_term, sm_policy: {...}}."""
    step = _step(OS, "sm policy logyard-nightly")
    policy = copy.deepcopy(step.body)
    policy.update({"name": "logyard-nightly", "schema_version": 15, "enabled": True})
    answer = {"_id": "logyard-nightly-sm-policy", "_seq_no": 9, "_primary_term": 2}
    answer["sm_policy"] = policy
    assert same(step.body, step.unwrap(answer))
