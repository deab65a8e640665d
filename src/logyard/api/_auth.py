"""Tokens and sessions: secure by default.

At the first start of a data dir an admin token and an ingest token are created
(``LOGYARD_ADMIN_TOKEN`` / ``LOGYARD_INGEST_TOKEN`` when set, random otherwise) and kept in
``<data dir>/tokens.json`` (mode 0600). Callers send ``Authorization: Bearer <token>``;
the console signs in once and then holds an HttpOnly session cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["SESSION_COOKIE", "Principal", "TokenBook"]

SESSION_COOKIE = "logyard_session"
Role = Literal["admin", "ingest"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a name and a role."""

    name: str
    role: Role

    def __repr__(self) -> str:
        return f"Principal(name={self.name!r}, role={self.role!r})"


class TokenBook:
    """The data dir's tokens and the live console sessions."""

    def __init__(self, data_dir: Path, *, admin_token: str | None = None) -> None:
        self.path = data_dir / "tokens.json"
        self._sessions: dict[str, Principal] = {}
        self._lock = threading.Lock()
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
        self._by_digest = {
            _digest(self.admin_token): Principal("admin", "admin"),
            _digest(self.ingest_token): Principal("ingest", "ingest"),
        }

    def __repr__(self) -> str:
        return f"TokenBook(path={str(self.path)!r}, admin_token=[secure])"

    def check_token(self, token: str) -> Principal | None:
        """The principal a bearer token stands for, or None."""
        digest = _digest(token)
        for known, principal in self._by_digest.items():
            if hmac.compare_digest(known, digest):
                return principal
        return None

    def open_session(self, principal: Principal) -> str:
        """A new session id for the console cookie."""
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[sid] = principal
        return sid

    def session(self, sid: str) -> Principal | None:
        """The principal of a session id, or None."""
        with self._lock:
            return self._sessions.get(sid)

    def close_session(self, sid: str) -> None:
        """Forget a session."""
        with self._lock:
            self._sessions.pop(sid, None)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
