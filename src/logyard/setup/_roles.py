"""The role model of the note on the cluster: ``Support_Logs``, ``auditor``, ``logyard_writer``.

What each role may touch, in one place for both flavours:

* ``Support_Logs`` reads ``logs-*`` and ``analytics-*`` without the producer signatures
  (:data:`HIDDEN_FIELDS`, field-level security), never the encrypted originals
  (``logyard-originals``) or the dead letters (raw payloads, masked only as free text): no write,
  no cluster privilege, no ``run_as``. As in logyard's own role model
  (``logyard.security.access``: ``dlq.read`` and ``decrypt`` are not Support_Logs').
* ``auditor`` reads every field of the logs, the originals' sealed envelopes (decrypting
  needs logyard's keys, which the cluster never holds) and the dead letters.
* ``logyard_writer`` is the processor's user: writes events, dead letters, checkpoints and
  originals; reads only its own bookkeeping and the analytic schema, whose derived rows it
  recomputes from the facts it wrote (``analytics-*`` and ``logyard-analytics-cursors``).

Users get a role by a role mapping from a group (LDAP/SAML/OIDC) of the same name.
"""

from __future__ import annotations

from typing import Any

from logyard.analytics._documents import CURSORS_INDEX
from logyard.security.chain import SIGNATURE_FIELD
from logyard.store.opensearch import (
    CHECKPOINTS_INDEX,
    DEAD_LETTERS_INDEX,
    ORIGINALS_INDEX,
)

__all__ = [
    "HIDDEN_FIELDS",
    "LOG_PATTERNS",
    "MANAGED",
    "ROLE_NAMES",
    "elasticsearch_role_mappings",
    "elasticsearch_roles",
    "opensearch_role_mappings",
    "opensearch_roles",
]

#: Fields ``Support_Logs`` never sees: the HMAC producer signature (``labels.sig``).
HIDDEN_FIELDS: tuple[str, ...] = (SIGNATURE_FIELD,)
#: The indices (data streams, aliases) of events and of the analytic schema.
LOG_PATTERNS: tuple[str, ...] = ("logs-*", "analytics-*")
ROLE_NAMES: tuple[str, ...] = ("Support_Logs", "auditor", "logyard_writer")
#: ``metadata``/``_meta`` that marks what logyard manages.
MANAGED: dict[str, Any] = {"managed_by": "logyard"}
_BOOKKEEPING = [DEAD_LETTERS_INDEX, CHECKPOINTS_INDEX, ORIGINALS_INDEX]
#: What the analytics branch reads back (facts, to recompute orders and sessions) and keeps.
_ANALYTICS = ["analytics-*", CURSORS_INDEX]


def elasticsearch_roles() -> dict[str, dict[str, Any]]:
    """Bodies of ``PUT _security/role/<name>``."""
    patterns = list(LOG_PATTERNS)
    read = ["read", "view_index_metadata"]
    return {
        "Support_Logs": {
            "cluster": [],
            "indices": [
                {
                    "names": patterns,
                    "privileges": read,
                    "field_security": {"grant": ["*"], "except": list(HIDDEN_FIELDS)},
                    "allow_restricted_indices": False,
                }
            ],
            "run_as": [],
            "metadata": MANAGED,
        },
        "auditor": {
            "cluster": [],
            "indices": [
                {"names": patterns, "privileges": read, "allow_restricted_indices": False},
                {
                    "names": [ORIGINALS_INDEX, DEAD_LETTERS_INDEX],
                    "privileges": read,
                    "allow_restricted_indices": False,
                },
            ],
            "run_as": [],
            "metadata": MANAGED,
        },
        "logyard_writer": {
            "cluster": ["monitor"],
            "indices": [
                {
                    "names": patterns,
                    "privileges": ["create_doc", "index", "view_index_metadata"],
                    "allow_restricted_indices": False,
                },
                {
                    "names": _BOOKKEEPING,
                    "privileges": ["read", "write", "create_index", "view_index_metadata"],
                    "allow_restricted_indices": False,
                },
                {
                    "names": _ANALYTICS,
                    "privileges": ["read", "write", "create_index", "view_index_metadata"],
                    "allow_restricted_indices": False,
                },
            ],
            "run_as": [],
            "metadata": MANAGED,
        },
    }


def elasticsearch_role_mappings() -> dict[str, dict[str, Any]]:
    """Bodies of ``PUT _security/role_mapping/<name>``: group ``<role>`` gets ``<role>``."""
    return {
        f"logyard-{role.lower().replace('_', '-')}": {
            "roles": [role],
            "enabled": True,
            "rules": {"field": {"groups": role}},
            "metadata": MANAGED,
        }
        for role in ROLE_NAMES
    }


def opensearch_roles(tenant: str) -> dict[str, dict[str, Any]]:
    """Bodies of ``PUT _plugins/_security/api/roles/<name>`` (security plugin)."""
    patterns = list(LOG_PATTERNS)
    dashboards_read = [{"tenant_patterns": [tenant], "allowed_actions": ["kibana_all_read"]}]
    return {
        "Support_Logs": {
            "description": "logyard: read masked logs, no signatures, no originals",
            "cluster_permissions": ["cluster_composite_ops_ro"],
            "index_permissions": [
                {
                    "index_patterns": patterns,
                    "fls": [f"~{f}" for f in HIDDEN_FIELDS],
                    "masked_fields": [],
                    "allowed_actions": ["read"],
                }
            ],
            "tenant_permissions": dashboards_read,
        },
        "auditor": {
            "description": "logyard: read logs, sealed originals and dead letters",
            "cluster_permissions": ["cluster_composite_ops_ro"],
            "index_permissions": [
                {
                    "index_patterns": [*patterns, ORIGINALS_INDEX, DEAD_LETTERS_INDEX],
                    "fls": [],
                    "masked_fields": [],
                    "allowed_actions": ["read"],
                }
            ],
            "tenant_permissions": dashboards_read,
        },
        "logyard_writer": {
            "description": "logyard: the processor writes events and its bookkeeping",
            "cluster_permissions": ["cluster_monitor", "indices:data/write/bulk"],
            "index_permissions": [
                {
                    "index_patterns": patterns,
                    "fls": [],
                    "masked_fields": [],
                    "allowed_actions": ["write", "indices_monitor"],
                },
                {
                    "index_patterns": _BOOKKEEPING,
                    "fls": [],
                    "masked_fields": [],
                    "allowed_actions": ["read", "write", "create_index", "indices_monitor"],
                },
                {
                    "index_patterns": _ANALYTICS,
                    "fls": [],
                    "masked_fields": [],
                    "allowed_actions": ["read", "write", "create_index", "indices_monitor"],
                },
            ],
            "tenant_permissions": [],
        },
    }


def opensearch_role_mappings() -> dict[str, dict[str, Any]]:
    """Bodies of ``PUT _plugins/_security/api/rolesmapping/<role>``: backend role = name."""
    return {role: {"backend_roles": [role], "hosts": [], "users": []} for role in ROLE_NAMES}
