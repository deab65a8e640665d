"""The plan of ``logyard setup opensearch``: every request body, from the options.

OpenSearch has no ``wait_for_snapshot``. Its documented equivalent is the order of ISM
actions: a state's actions run one after another, and a failed action stops the policy
there (the index is then reported as failed and left alone). So after the retention an
index moves to the ``snapshot`` state, whose ``snapshot`` action backs it up to the S3
repository, and only from there to ``delete``. Snapshot Management (``_plugins/_sm``) takes
the nightly snapshots of everything besides.

Indices are ``logs-<system>-000001``… behind the write alias ``logs-<system>`` (ISM rolls
aliases over, not data streams, on every supported version), with the rollover alias set in
each system's index template and the policy attached by its ``ism_template``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from logyard.setup._analytics import analytics_template_steps
from logyard.setup._layout import (
    component_template_steps,
    index_template_step,
    plan_warnings,
    repository_step,
)
from logyard.setup._options import ClusterOptions
from logyard.setup._roles import LOG_PATTERNS, opensearch_role_mappings, opensearch_roles
from logyard.setup._steps import Plan, Request, Step, named_steps

__all__ = [
    "DEFAULT_OS_SCHEDULE",
    "ism_policy",
    "opensearch_plan",
    "sm_policy",
    "versioned_update",
]

#: Snapshot Management takes Unix cron (minutes first): nightly at 01:30 UTC.
DEFAULT_OS_SCHEDULE = "30 1 * * *"


def _index_pattern(system: str) -> str:
    """Backing indices of ``logs-<system>`` (``logs-crm-0*`` does not match ``logs-crm-api-…``)."""
    return f"logs-{system}-0*"


def ism_policy(options: ClusterOptions) -> dict[str, Any]:
    """Body of ``PUT _plugins/_ism/policies/<policy>``."""
    return {
        "policy": {
            "description": "logyard: roll over, snapshot, then delete",
            "default_state": "hot",
            "states": [
                {
                    "name": "hot",
                    "actions": [{"rollover": {"min_primary_shard_size": options.rollover_size}}],
                    "transitions": [
                        {
                            "state_name": "snapshot",
                            "conditions": {"min_rollover_age": f"{options.retention_days}d"},
                        }
                    ],
                },
                {
                    "name": "snapshot",
                    "actions": [
                        {
                            "snapshot": {
                                "repository": options.repository,
                                "snapshot": f"{options.policy}-{{{{ctx.index}}}}",
                            }
                        }
                    ],
                    "transitions": [{"state_name": "delete"}],
                },
                {"name": "delete", "actions": [{"delete": {}}], "transitions": []},
            ],
            "ism_template": [
                {
                    "index_patterns": [_index_pattern(s) for s in options.systems],
                    "priority": 100,
                }
            ],
        }
    }


def sm_policy(options: ClusterOptions) -> dict[str, Any]:
    """Body of ``POST _plugins/_sm/policies/<snapshot_policy>`` (Snapshot Management)."""
    cron = {
        "cron": {"expression": options.snapshot_schedule or DEFAULT_OS_SCHEDULE, "timezone": "UTC"}
    }
    return {
        "description": "logyard: nightly snapshots of the logs to S3",
        "creation": {"schedule": cron, "time_limit": "1h"},
        "deletion": {
            "schedule": cron,
            "condition": {
                "max_age": f"{options.snapshot_expire_days}d",
                "max_count": options.snapshot_max_count,
                "min_count": options.snapshot_min_count,
            },
            "time_limit": "1h",
        },
        "snapshot_config": {
            "date_format": "yyyy-MM-dd",
            "timezone": "UTC",
            "indices": ",".join(LOG_PATTERNS),
            "repository": options.repository,
            "ignore_unavailable": "true",
            "include_global_state": "false",
            "partial": "false",
        },
    }


def versioned_update(path: str, body: Any) -> Callable[[Any], Request]:
    """ISM and SM replace a policy only with the sequence number of the version read:
    ``PUT <path>?if_seq_no=<_seq_no>&if_primary_term=<_primary_term>``."""

    def update(answer: Any) -> Request:
        seq = answer.get("_seq_no") if isinstance(answer, dict) else None
        term = answer.get("_primary_term") if isinstance(answer, dict) else None
        return Request("PUT", f"{path}?if_seq_no={seq}&if_primary_term={term}", body)

    return update


def opensearch_plan(options: ClusterOptions) -> Plan:
    """Every step of ``logyard setup opensearch``."""
    ism_path = f"/_plugins/_ism/policies/{options.policy}"
    sm_path = f"/_plugins/_sm/policies/{options.snapshot_policy}"
    ism_body, sm_body = ism_policy(options), sm_policy(options)
    steps: list[Step] = [
        repository_step(options),
        Step(
            "sm policy",
            options.snapshot_policy,
            sm_path,
            sm_body,
            api="snapshot management (_plugins/_sm)",
            create_method="POST",
            unwrap=lambda a: a.get("sm_policy") if isinstance(a, dict) else None,
            update=versioned_update(sm_path, sm_body),
        ),
        Step(
            "ism policy",
            options.policy,
            ism_path,
            ism_body,
            api="index state management (_plugins/_ism)",
            unwrap=lambda a: {"policy": a.get("policy")} if isinstance(a, dict) else None,
            update=versioned_update(ism_path, ism_body),
        ),
        *component_template_steps(options, "opensearch", {}),
    ]
    for system in options.systems:
        rollover = {"index.plugins.index_state_management.rollover_alias": f"logs-{system}"}
        steps.append(index_template_step(system, [_index_pattern(system)], settings=rollover))
    for system in options.systems:
        alias = f"logs-{system}"
        steps.append(
            Step(
                "write alias",
                alias,
                f"/_alias/{alias}",
                {"aliases": {alias: {"is_write_index": True}}},
                api="aliases (_alias)",
                mode="exists",
                create_path=f"/{alias}-000001",
                requires=(f"index template {alias}",),
            )
        )
    steps += analytics_template_steps(options)
    security = "security plugin (_plugins/_security)"
    steps += named_steps(
        "tenant",
        {options.tenant: {"description": "logyard: dashboards of the six systems"}},
        "/_plugins/_security/api/tenants/",
        security,
    )
    steps += named_steps(
        "role", opensearch_roles(options.tenant), "/_plugins/_security/api/roles/", security
    )
    steps += named_steps(
        "role mapping",
        opensearch_role_mappings(),
        "/_plugins/_security/api/rolesmapping/",
        security,
    )
    return Plan("opensearch", tuple(steps), plan_warnings(options))
