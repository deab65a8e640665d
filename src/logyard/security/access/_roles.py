"""Roles and what they may do (the note's role model, with ``Support_Logs``)."""

from __future__ import annotations

from typing import Literal

__all__ = ["PERMISSIONS", "ROLES", "Permission", "Role", "allowed"]

Role = Literal["admin", "auditor", "Support_Logs", "ingest"]
Permission = Literal[
    "search",
    "aggregate",
    "catalog",
    "dlq.read",
    "dlq.replay",
    "ingest",
    "decrypt",
    "users",
    "alerts.read",
    "alerts.manage",
]

ROLES: tuple[Role, ...] = ("admin", "auditor", "Support_Logs", "ingest")

#: Support_Logs: search and view masked logs of all systems; no decrypt, no write, no admin.
#: auditor: the same plus decrypting originals (each decryption is audited) and dead letters.
#: admin: users, tokens, dead-letter replay; never decrypts.
#: ingest: writes events only (a service token: only events of its own service.name).
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    "Support_Logs": frozenset({"search", "aggregate", "catalog", "alerts.read"}),
    "auditor": frozenset({"search", "aggregate", "catalog", "dlq.read", "decrypt", "alerts.read"}),
    "admin": frozenset(
        {
            "search",
            "aggregate",
            "catalog",
            "dlq.read",
            "dlq.replay",
            "ingest",
            "users",
            "alerts.read",
            "alerts.manage",
        }
    ),
    "ingest": frozenset({"ingest"}),
}


def allowed(role: Role, permission: Permission) -> bool:
    """Whether ``role`` has ``permission``."""
    return permission in PERMISSIONS[role]
