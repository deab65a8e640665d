"""Access control: roles (admin, auditor, Support_Logs, ingest), users, tokens, sessions."""

from logyard.security.access._book import AccessBook, Principal, hash_password, verify_password
from logyard.security.access._roles import PERMISSIONS, ROLES, Permission, Role, allowed

__all__ = [
    "PERMISSIONS",
    "ROLES",
    "AccessBook",
    "Permission",
    "Principal",
    "Role",
    "allowed",
    "hash_password",
    "verify_password",
]
