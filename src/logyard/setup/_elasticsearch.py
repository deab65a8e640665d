"""The plan of ``logyard setup elasticsearch``: every request body, from the options.

In order: the S3 snapshot repository, the SLM policy that fills it, the ILM policy (roll
over at ``max_primary_shard_size``; delete after the retention only once the SLM policy has
taken a snapshot: ``wait_for_snapshot``), the component templates (mappings generated from
the catalogue by ``logyard.store.opensearch.index_mappings``, settings naming the ILM
policy), one index template and one data stream per system, then roles and role mappings.
"""

from __future__ import annotations

from typing import Any

from logyard.setup._layout import (
    MAPPINGS_TEMPLATE,
    SETTINGS_TEMPLATE,
    TEMPLATE_PRIORITY,
    index_settings_body,
    plan_warnings,
    repository,
)
from logyard.setup._options import ClusterOptions
from logyard.setup._roles import (
    LOG_PATTERNS,
    MANAGED,
    elasticsearch_role_mappings,
    elasticsearch_roles,
)
from logyard.setup._steps import Plan, Step, by_name, first_item
from logyard.store.opensearch import index_mappings

__all__ = [
    "DEFAULT_ES_SCHEDULE",
    "elasticsearch_plan",
    "ilm_policy",
    "slm_policy",
]

#: SLM schedules are Elasticsearch cron (seconds first): nightly at 01:30 UTC.
DEFAULT_ES_SCHEDULE = "0 30 1 * * ?"


def ilm_policy(options: ClusterOptions) -> dict[str, Any]:
    """Body of ``PUT _ilm/policy/<policy>``."""
    return {
        "policy": {
            "_meta": {**MANAGED, "description": "logyard: roll over, snapshot, then delete"},
            "phases": {
                "hot": {
                    "min_age": "0ms",
                    "actions": {
                        "rollover": {"max_primary_shard_size": options.rollover_size},
                    },
                },
                "delete": {
                    "min_age": f"{options.retention_days}d",
                    "actions": {
                        "wait_for_snapshot": {"policy": options.snapshot_policy},
                        "delete": {},
                    },
                },
            },
        }
    }


def slm_policy(options: ClusterOptions) -> dict[str, Any]:
    """Body of ``PUT _slm/policy/<snapshot_policy>``."""
    return {
        "schedule": options.snapshot_schedule or DEFAULT_ES_SCHEDULE,
        "name": f"<{options.snapshot_policy}-{{now/d}}>",
        "repository": options.repository,
        "config": {
            "indices": list(LOG_PATTERNS),
            "ignore_unavailable": True,
            "include_global_state": False,
        },
        "retention": {
            "expire_after": f"{options.snapshot_expire_days}d",
            "min_count": options.snapshot_min_count,
            "max_count": options.snapshot_max_count,
        },
    }


def elasticsearch_plan(options: ClusterOptions) -> Plan:
    """Every step of ``logyard setup elasticsearch``."""
    steps: list[Step] = [
        Step(
            "snapshot repository",
            options.repository,
            f"/_snapshot/{options.repository}",
            repository(options),
            api="snapshot (_snapshot)",
            unwrap=by_name(options.repository),
        ),
        Step(
            "slm policy",
            options.snapshot_policy,
            f"/_slm/policy/{options.snapshot_policy}",
            slm_policy(options),
            api="snapshot lifecycle management (_slm)",
            unwrap=_slm_unwrap(options.snapshot_policy),
            # Elasticsearch refuses an SLM policy naming a missing repository ...
            requires=(f"snapshot repository {options.repository}",),
        ),
        Step(
            "ilm policy",
            options.policy,
            f"/_ilm/policy/{options.policy}",
            ilm_policy(options),
            api="index lifecycle management (_ilm)",
            unwrap=_ilm_unwrap(options.policy),
            # ... and an ILM policy whose wait_for_snapshot names a missing SLM policy.
            requires=(f"slm policy {options.snapshot_policy}",),
        ),
        Step(
            "component template",
            MAPPINGS_TEMPLATE,
            f"/_component_template/{MAPPINGS_TEMPLATE}",
            {"template": {"mappings": index_mappings("elasticsearch")}, "_meta": MANAGED},
            api="component templates (_component_template)",
            unwrap=first_item("component_templates", "component_template"),
        ),
        Step(
            "component template",
            SETTINGS_TEMPLATE,
            f"/_component_template/{SETTINGS_TEMPLATE}",
            {
                "template": {
                    "settings": index_settings_body(
                        options, {"index.lifecycle.name": options.policy}
                    )
                },
                "_meta": MANAGED,
            },
            api="component templates (_component_template)",
            unwrap=first_item("component_templates", "component_template"),
        ),
    ]
    for system in options.systems:
        name = f"logs-{system}"
        steps.append(
            Step(
                "index template",
                name,
                f"/_index_template/{name}",
                {
                    "index_patterns": [name],
                    "data_stream": {},
                    "composed_of": [MAPPINGS_TEMPLATE, SETTINGS_TEMPLATE],
                    "priority": TEMPLATE_PRIORITY,
                    "_meta": {**MANAGED, "system": system},
                },
                api="index templates (_index_template)",
                unwrap=first_item("index_templates", "index_template"),
            )
        )
    for system in options.systems:
        name = f"logs-{system}"
        steps.append(
            Step(
                "data stream",
                name,
                f"/_data_stream/{name}",
                None,
                api="data streams (_data_stream)",
                mode="exists",
                unwrap=lambda answer: (
                    (answer.get("data_streams") or None) if isinstance(answer, dict) else None
                ),
                requires=(f"index template {name}",),
            )
        )
    for role, body in elasticsearch_roles().items():
        steps.append(
            Step(
                "role",
                role,
                f"/_security/role/{role}",
                body,
                api="security (_security)",
                unwrap=by_name(role),
            )
        )
    for mapping, body in elasticsearch_role_mappings().items():
        steps.append(
            Step(
                "role mapping",
                mapping,
                f"/_security/role_mapping/{mapping}",
                body,
                api="security (_security)",
                unwrap=by_name(mapping),
            )
        )
    return Plan("elasticsearch", tuple(steps), plan_warnings(options))


def _ilm_unwrap(name: str) -> Any:
    def unwrap(answer: Any) -> Any:
        found = answer.get(name) if isinstance(answer, dict) else None
        return {"policy": found.get("policy")} if isinstance(found, dict) else None

    return unwrap


def _slm_unwrap(name: str) -> Any:
    def unwrap(answer: Any) -> Any:
        found = answer.get(name) if isinstance(answer, dict) else None
        return found.get("policy") if isinstance(found, dict) else None

    return unwrap
