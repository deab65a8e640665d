"""Tokens and sessions: secure by default.

At the first start of a data dir an admin token and an ingest token are created
(``LOGYARD_ADMIN_TOKEN`` / ``LOGYARD_INGEST_TOKEN`` when set, random otherwise) and kept in
``<data dir>/tokens.json`` (mode 0600). Callers send ``Authorization: Bearer <token>``;
the console signs in once and then holds an HttpOnly session cookie.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from logyard.security.access import AccessBook, Principal

__all__ = ["SESSION_COOKIE", "Principal", "TokenBook"]

SESSION_COOKIE = "logyard_session"


class TokenBook:
    """The data dir's tokens and the live console sessions."""

    def __init__(self, data_dir: Path, *, admin_token: str | None = None) -> None:
        self.path = data_dir / "tokens.json"
        if self.path.exists():
            stored = json.loads(self.path.read_text())
            self.admin_token: str = stored["admin"]
            self.ingest_token: str = stored["ingest"]
        else:
            self.admin_token = (
                admin_token or os.environ.get("LOGYARD_ADMIN_TOKEN") or secrets.token_urlsafe(24)
            )
            self.ingest_token = os.environ.get("LOGYARD_INGEST_TOKEN") or secrets.token_urlsafe(24)
            data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump({"admin": self.admin_token, "ingest": self.ingest_token}, fh)
        self.access = AccessBook(data_dir)
        self.access.add_bootstrap(self.admin_token, Principal("admin", "admin"))
        self.access.add_bootstrap(self.ingest_token, Principal("ingest", "ingest"))

    def __repr__(self) -> str:
        return f"TokenBook(path={str(self.path)!r}, admin_token=[secure])"

    def check_token(self, token: str) -> Principal | None:
        """The principal a bearer token stands for, or None."""
        return self.access.check_token(token)

    def check_password(self, name: str, password: str) -> Principal | None:
        """The principal of a user's name and password, or None."""
        return self.access.check_password(name, password)

    def open_session(self, principal: Principal) -> str:
        """A new session id for the console cookie."""
        return self.access.open_session(principal)

    def session(self, sid: str) -> Principal | None:
        """The principal of a session id, or None."""
        return self.access.session(sid)

    def close_session(self, sid: str) -> None:
        """Forget a session."""
        self.access.close_session(sid)
