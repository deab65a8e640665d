"""``logyard setup elasticsearch`` sends exactly the documented Elasticsearch 8 requests.

The expected bodies are written out here from Elastic's reference pages (ILM policy with
``wait_for_snapshot`` in the delete phase, SLM ``_slm/policy``, S3 ``_snapshot`` repository,
composable ``_index_template`` with ``data_stream``, ``_data_stream``, ``_security/role``
with ``field_security``, ``_security/role_mapping``), not computed from the code under test.
"""

from __future__ import annotations

from typing import Any

from logyard.catalog import SYSTEMS
from logyard.setup import Request, cluster_options, elasticsearch_plan
from logyard.store.opensearch import index_mappings


def _requests(**options: Any) -> dict[str, Request]:
    plan = elasticsearch_plan(cluster_options(**options))
    return {r.path: r for r in plan.create_requests()}


def test_ilm_policy_rolls_over_at_100gb_and_deletes_after_180_days_once_snapshotted() -> None:
    """The ILM policy: hot rollover at max_primary_shard_size 100gb, delete phase at 180d that
    first waits for the SLM policy (``wait_for_snapshot``) and then deletes."""
    expected = Request(
        "PUT",
        "/_ilm/policy/logyard-logs",
        {
            "policy": {
                "_meta": {
                    "managed_by": "logyard",
                    "description": "logyard: roll over, snapshot, then delete",
                },
                "phases": {
                    "hot": {
                        "min_age": "0ms",
                        "actions": {"rollover": {"max_primary_shard_size": "100gb"}},
                    },
                    "delete": {
                        "min_age": "180d",
                        "actions": {
                            "wait_for_snapshot": {"policy": "logyard-nightly"},
                            "delete": {},
                        },
                    },
                },
            }
        },
    )
    assert expected == _requests()["/_ilm/policy/logyard-logs"]


def test_rollover_size_and_retention_are_configurable() -> None:
    """--rollover-size and --retention-days reach the ILM policy."""
    body = _requests(rollover_size="50GB", retention_days=90)["/_ilm/policy/logyard-logs"].body
    phases = body["policy"]["phases"]
    actual = (phases["hot"]["actions"]["rollover"], phases["delete"]["min_age"])
    assert actual == ({"max_primary_shard_size": "50gb"}, "90d")


def test_slm_policy_snapshots_logs_nightly_to_the_s3_repository() -> None:
    """SLM: schedule (ES cron), date-math name, repository, indices, retention."""
    expected = Request(
        "PUT",
        "/_slm/policy/logyard-nightly",
        {
            "schedule": "0 30 1 * * ?",
            "name": "<logyard-nightly-{now/d}>",
            "repository": "logyard-s3",
            "config": {
                "indices": ["logs-*", "analytics-*"],
                "ignore_unavailable": True,
                "include_global_state": False,
            },
            "retention": {"expire_after": "365d", "min_count": 7, "max_count": 500},
        },
    )
    assert expected == _requests()["/_slm/policy/logyard-nightly"]


def test_snapshot_schedule_and_retention_are_configurable() -> None:
    """--snapshot-schedule, --snapshot-expire-days and the counts reach the SLM policy."""
    body = _requests(
        snapshot_schedule="0 0 3 * * ?",
        snapshot_expire_days=400,
        snapshot_min_count=3,
        snapshot_max_count=90,
    )["/_slm/policy/logyard-nightly"].body
    actual = (body["schedule"], body["retention"])
    assert actual == ("0 0 3 * * ?", {"expire_after": "400d", "min_count": 3, "max_count": 90})


def test_s3_repository() -> None:
    """The snapshot repository is of type s3 with bucket, base path and client."""
    expected = Request(
        "PUT",
        "/_snapshot/backups",
        {
            "type": "s3",
            "settings": {"bucket": "acme-logs", "base_path": "prod", "client": "default"},
        },
    )
    actual = _requests(repository="backups", s3_bucket="acme-logs", s3_base_path="prod")
    assert expected == actual["/_snapshot/backups"]


def test_one_index_template_per_system_with_a_data_stream() -> None:
    """Each system's template matches exactly its data stream name, above the built-in
    ``logs-*-*`` template (priority 100), composed of the mappings and settings templates."""
    expected = Request(
        "PUT",
        "/_index_template/logs-crm",
        {
            "index_patterns": ["logs-crm"],
            "data_stream": {},
            "composed_of": ["logyard-logs-mappings", "logyard-logs-settings"],
            "priority": 500,
            "_meta": {"managed_by": "logyard", "system": "crm"},
        },
    )
    requests = _requests()
    templates = sorted(p for p in requests if p.startswith("/_index_template/logs-"))
    assert expected == requests["/_index_template/logs-crm"]
    assert sorted(f"/_index_template/logs-{s}" for s in SYSTEMS) == templates


def test_mappings_come_from_the_store_mapping_generator() -> None:
    """The mappings component template is the store's own ``index_mappings('elasticsearch')``."""
    expected = {
        "template": {"mappings": index_mappings("elasticsearch")},
        "_meta": {"managed_by": "logyard"},
    }
    assert expected == _requests()["/_component_template/logyard-logs-mappings"].body


def test_settings_template_names_the_ilm_policy() -> None:
    """The settings component template sets shards, replicas and ``index.lifecycle.name``."""
    expected = {
        "template": {
            "settings": {
                "index.number_of_shards": 3,
                "index.number_of_replicas": 2,
                "index.refresh_interval": "1s",
                "index.lifecycle.name": "logyard-logs",
            }
        },
        "_meta": {"managed_by": "logyard"},
    }
    actual = _requests(shards=3, replicas=2)["/_component_template/logyard-logs-settings"].body
    assert expected == actual


def test_data_streams_are_created_with_an_empty_put() -> None:
    """``PUT _data_stream/logs-<system>`` (no body) for each of the six systems."""
    expected = [Request("PUT", f"/_data_stream/logs-{s}", None) for s in SYSTEMS]
    actual = [r for r in _requests().values() if r.path.startswith("/_data_stream/")]
    assert expected == actual


def test_support_logs_role_reads_logs_without_signatures_and_nothing_else() -> None:
    """Support_Logs: read + view_index_metadata on logs-* and analytics-*, field security
    hiding ``labels.sig``; no cluster privilege, no run_as, no write, not the originals."""
    expected = Request(
        "PUT",
        "/_security/role/Support_Logs",
        {
            "cluster": [],
            "indices": [
                {
                    "names": ["logs-*", "analytics-*"],
                    "privileges": ["read", "view_index_metadata"],
                    "field_security": {"grant": ["*"], "except": ["labels.sig"]},
                    "allow_restricted_indices": False,
                }
            ],
            "run_as": [],
            "metadata": {"managed_by": "logyard"},
        },
    )
    assert expected == _requests()["/_security/role/Support_Logs"]


def test_auditor_reads_the_originals_index_and_the_writer_cannot_read_logs() -> None:
    """auditor may read ``logyard-originals``; logyard_writer writes logs but reads only its
    bookkeeping indices and the analytic schema it maintains."""
    requests = _requests()
    auditor = requests["/_security/role/auditor"].body["indices"]
    writer = requests["/_security/role/logyard_writer"].body["indices"]
    actual = (
        [(i["names"], i["privileges"]) for i in auditor],
        [(i["names"], i["privileges"]) for i in writer],
    )
    expected = (
        [
            (["logs-*", "analytics-*"], ["read", "view_index_metadata"]),
            (["logyard-originals", "logyard-dead-letters"], ["read", "view_index_metadata"]),
        ],
        [
            (["logs-*", "analytics-*"], ["create_doc", "index", "view_index_metadata"]),
            (
                ["logyard-dead-letters", "logyard-checkpoints", "logyard-originals"],
                ["read", "write", "create_index", "view_index_metadata"],
            ),
            (
                ["analytics-*", "logyard-analytics-cursors"],
                ["read", "write", "create_index", "view_index_metadata"],
            ),
        ],
    )
    assert expected == actual


def test_role_mappings_map_the_group_of_the_same_name() -> None:
    """``PUT _security/role_mapping/logyard-support-logs`` maps group Support_Logs."""
    expected = Request(
        "PUT",
        "/_security/role_mapping/logyard-support-logs",
        {
            "roles": ["Support_Logs"],
            "enabled": True,
            "rules": {"field": {"groups": "Support_Logs"}},
            "metadata": {"managed_by": "logyard"},
        },
    )
    requests = _requests()
    mappings = sorted(p for p in requests if p.startswith("/_security/role_mapping/"))
    assert expected == requests["/_security/role_mapping/logyard-support-logs"]
    assert mappings == [
        "/_security/role_mapping/logyard-auditor",
        "/_security/role_mapping/logyard-logyard-writer",
        "/_security/role_mapping/logyard-support-logs",
    ]


def test_dependencies_come_first() -> None:
    """Repository before SLM before ILM; templates before the data streams that use them."""
    paths = [r.path for r in elasticsearch_plan(cluster_options()).create_requests()]
    order = [
        paths.index("/_snapshot/logyard-s3"),
        paths.index("/_slm/policy/logyard-nightly"),
        paths.index("/_ilm/policy/logyard-logs"),
        paths.index("/_component_template/logyard-logs-settings"),
        paths.index("/_index_template/logs-mes"),
        paths.index("/_data_stream/logs-mes"),
    ]
    assert sorted(order) == order


def test_warns_that_elastic_defaults_to_50gb() -> None:
    """The plan warns that 100gb is the note's figure and Elastic's default is 50gb."""
    warnings = elasticsearch_plan(cluster_options()).warnings
    assert len(warnings) == 1
    assert "Elastic's own default is 50gb" in warnings[0]


def test_warns_when_snapshots_expire_before_the_indices_are_deleted() -> None:
    """A snapshot retention shorter than the index retention would lose deleted logs."""
    warnings = elasticsearch_plan(cluster_options(snapshot_expire_days=30)).warnings
    assert ["deleted logs would have no backup" in w for w in warnings] == [False, True]
