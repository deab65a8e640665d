"""The plan of ``logyard setup elasticsearch``: every request body, from the options.

In order: the S3 snapshot repository, the SLM policy that fills it, the ILM policy (roll
over at ``max_primary_shard_size``; delete after the retention only once the SLM policy has
taken a snapshot: ``wait_for_snapshot``), the component templates (mappings generated from
the catalogue by ``logyard.store.opensearch.index_mappings``, settings naming the ILM
policy), one index template and one data stream per system, then roles and role mappings.
"""

from __future__ import annotations

from typing import Any

from logyard.setup._analytics import analytics_template_steps
from logyard.setup._layout import (
    component_template_steps,
    index_template_step,
    plan_warnings,
    repository_step,
)
from logyard.setup._options import ClusterOptions
from logyard.setup._roles import (
    LOG_PATTERNS,
    MANAGED,
    elasticsearch_role_mappings,
    elasticsearch_roles,
)
from logyard.setup._steps import Plan, Step, named_steps

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
        repository_step(options),
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
        *component_template_steps(
            options, "elasticsearch", {"index.lifecycle.name": options.policy}
        ),
    ]
    for system in options.systems:
        steps.append(index_template_step(system, [f"logs-{system}"], data_stream=True))
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
    steps += analytics_template_steps(options)
    steps += named_steps("role", elasticsearch_roles(), "/_security/role/", "security (_security)")
    steps += named_steps(
        "role mapping",
        elasticsearch_role_mappings(),
        "/_security/role_mapping/",
        "security (_security)",
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
