"""What both flavours share: template names, the S3 repository, index settings, warnings."""

from __future__ import annotations

from typing import Any

from logyard.setup._options import ELASTIC_DEFAULT_SHARD_SIZE, ClusterOptions
from logyard.store.opensearch import index_settings

__all__ = [
    "MAPPINGS_TEMPLATE",
    "SETTINGS_TEMPLATE",
    "TEMPLATE_PRIORITY",
    "index_settings_body",
    "plan_warnings",
    "repository",
]

MAPPINGS_TEMPLATE = "logyard-logs-mappings"
SETTINGS_TEMPLATE = "logyard-logs-settings"
#: Above the built-in ``logs-*-*`` template (priority 100) that ``logs-<system>`` also matches.
TEMPLATE_PRIORITY = 500


def repository(options: ClusterOptions) -> dict[str, Any]:
    """Body of ``PUT _snapshot/<repository>`` (an S3 repository; both flavours)."""
    return {
        "type": "s3",
        "settings": {
            "bucket": options.s3_bucket,
            "base_path": options.s3_base_path,
            "client": options.s3_client,
        },
    }


def index_settings_body(options: ClusterOptions, extra: dict[str, Any]) -> dict[str, Any]:
    """The store's index settings as ``index.*`` keys (how the servers return them), plus
    ``extra``."""
    base = index_settings(shards=options.shards, replicas=options.replicas)
    return {**{f"index.{k}": v for k, v in base.items()}, **extra}


def plan_warnings(options: ClusterOptions) -> tuple[str, ...]:
    """What the user should know before these settings take effect (both flavours)."""
    found = [
        f"rollover at {options.rollover_size} per primary shard (the design note's figure); "
        f"Elastic's own default is {ELASTIC_DEFAULT_SHARD_SIZE}: larger shards recover and "
        "relocate more slowly (change with --rollover-size)"
    ]
    if not options.snapshot_retention_covers_deletion():
        found.append(
            f"snapshots expire after {options.snapshot_expire_days} days, before indices are "
            f"deleted at {options.retention_days} days: deleted logs would have no backup "
            "(raise --snapshot-expire-days)"
        )
    return tuple(found)
