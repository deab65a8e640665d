"""What both flavours share: template names, the S3 repository, the component templates,
index settings, warnings."""

from __future__ import annotations

from typing import Any

from logyard.setup._options import ELASTIC_DEFAULT_SHARD_SIZE, ClusterOptions
from logyard.setup._roles import MANAGED
from logyard.setup._steps import Step, by_name, first_item
from logyard.store.opensearch import Flavour, index_mappings, index_settings

__all__ = [
    "MAPPINGS_TEMPLATE",
    "SETTINGS_TEMPLATE",
    "TEMPLATE_PRIORITY",
    "component_template_steps",
    "index_settings_body",
    "index_template_step",
    "plan_warnings",
    "repository",
    "repository_step",
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


def repository_step(options: ClusterOptions) -> Step:
    """The step of the S3 snapshot repository (both flavours)."""
    return Step(
        "snapshot repository",
        options.repository,
        f"/_snapshot/{options.repository}",
        repository(options),
        api="snapshot (_snapshot)",
        unwrap=by_name(options.repository),
    )


def component_template_steps(
    options: ClusterOptions, flavour: Flavour, lifecycle: dict[str, Any]
) -> list[Step]:
    """The two component templates every system's index template is composed of: the
    catalogue mappings of ``flavour``, and the index settings plus ``lifecycle`` (the
    settings that attach a lifecycle policy, when the flavour attaches it there)."""
    unwrap = first_item("component_templates", "component_template")
    api = "component templates (_component_template)"
    return [
        Step(
            "component template",
            MAPPINGS_TEMPLATE,
            f"/_component_template/{MAPPINGS_TEMPLATE}",
            {"template": {"mappings": index_mappings(flavour)}, "_meta": MANAGED},
            api=api,
            unwrap=unwrap,
        ),
        Step(
            "component template",
            SETTINGS_TEMPLATE,
            f"/_component_template/{SETTINGS_TEMPLATE}",
            {
                "template": {"settings": index_settings_body(options, lifecycle)},
                "_meta": MANAGED,
            },
            api=api,
            unwrap=unwrap,
        ),
    ]


def index_template_step(
    system: str,
    patterns: list[str],
    *,
    data_stream: bool = False,
    settings: dict[str, Any] | None = None,
) -> Step:
    """The index template of ``logs-<system>`` matching ``patterns``: composed of both
    component templates, above the built-in ``logs-*-*``; a data stream (Elasticsearch) or
    indices with their own ``settings`` (OpenSearch's rollover alias)."""
    name = f"logs-{system}"
    body: dict[str, Any] = {"index_patterns": patterns}
    if data_stream:
        body["data_stream"] = {}
    body["composed_of"] = [MAPPINGS_TEMPLATE, SETTINGS_TEMPLATE]
    body["priority"] = TEMPLATE_PRIORITY
    if settings is not None:
        body["template"] = {"settings": settings}
    body["_meta"] = {**MANAGED, "system": system}
    return Step(
        "index template",
        name,
        f"/_index_template/{name}",
        body,
        api="index templates (_index_template)",
        unwrap=first_item("index_templates", "index_template"),
    )


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
