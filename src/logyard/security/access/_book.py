"""Users, API tokens and console sessions of one data dir.

``users.json`` (mode 0600) holds users (name, role, scrypt password hash) and tokens
(SHA-256 of the token, never the token: it is shown once when created). The server reads
the file again when it changes, so ``logyard users``/``logyard tokens`` act on a running
server. The bootstrap admin and ingest tokens of ``tokens.json`` keep working.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from logyard.errors import ConfigError
from logyard.pipeline.inputs._statefile import write_atomically
from logyard.security.access._roles import ROLES, Role

__all__ = ["AccessBook", "Principal", "hash_password", "verify_password"]

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024}  # ~16 MiB per hash


def hash_password(password: str) -> str:
    """A memory-hard (scrypt) hash: ``scrypt$n$r$p$salt$hash``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a :func:`hash_password` string (constant time)."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
            dklen=32, maxmem=_SCRYPT["maxmem"],
        )  # fmt: skip
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a name, a role and, for a service's ingest token, its service."""

    name: str
    role: Role
    service: str | None = None

    def __repr__(self) -> str:
        return f"Principal(name={self.name!r}, role={self.role!r}, service={self.service!r})"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccessBook:
    """The data dir's users, tokens and the live console sessions."""

    SESSION_SECS = 12 * 3600

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "users.json"
        self._lock = threading.Lock()
        self._sessions: dict[str, tuple[Principal, float]] = {}
        self._mtime = -1.0
        self._doc: dict[str, Any] = {"users": {}, "tokens": []}
        self._by_digest: dict[str, Principal] = {}
        self._extra: dict[str, Principal] = {}

    def __repr__(self) -> str:
        return f"AccessBook(path={str(self.path)!r})"

    # -- bootstrap tokens (tokens.json) -------------------------------------------------------
    def add_bootstrap(self, token: str, principal: Principal) -> None:
        """A token that is not in users.json (the first admin and ingest tokens)."""
        self._extra[_digest(token)] = principal

    # -- reading ------------------------------------------------------------------------------
    def _load(self) -> None:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return
        if mtime == self._mtime:
            return
        doc = json.loads(self.path.read_text())
        by_digest = {}
        for token in doc.get("tokens", []):
            by_digest[token["hash"]] = Principal(
                token.get("user") or token["name"], token["role"], token.get("service")
            )
        self._doc, self._by_digest, self._mtime = doc, by_digest, mtime

    def check_token(self, token: str) -> Principal | None:
        """The principal of a bearer token, or None."""
        digest = _digest(token)
        with self._lock:
            self._load()
            for table in (self._extra, self._by_digest):
                for known, principal in table.items():
                    if hmac.compare_digest(known, digest):
                        return principal
        return None

    def check_password(self, name: str, password: str) -> Principal | None:
        """The principal of a user's name and password, or None (same time either way)."""
        with self._lock:
            self._load()
            user = self._doc["users"].get(name)
        stored = user["password"] if user else hash_password("not-a-user")
        if verify_password(password, stored) and user is not None:
            return Principal(name, user["role"])
        return None

    # -- sessions -----------------------------------------------------------------------------
    def open_session(self, principal: Principal) -> str:
        """A session id for the console cookie (expires after SESSION_SECS)."""
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[sid] = (principal, time.monotonic() + self.SESSION_SECS)
        return sid

    def session(self, sid: str) -> Principal | None:
        """The principal of a live session, or None."""
        with self._lock:
            found = self._sessions.get(sid)
            if found is None:
                return None
            if found[1] < time.monotonic():
                del self._sessions[sid]
                return None
            return found[0]

    def close_session(self, sid: str) -> None:
        """Forget a session."""
        with self._lock:
            self._sessions.pop(sid, None)

    # -- administration (the CLI, or an admin through the API) ---------------------------------
    def add_user(self, name: str, role: str, password: str) -> None:
        """Create or update a user."""
        if role not in ROLES or role == "ingest":
            raise ConfigError(
                f"--role: {role!r} is not a user role; use admin, auditor or Support_Logs"
            )
        if not name or len(name) > 128:
            raise ConfigError("name: give a user name of 1 to 128 characters")
        if len(password) < 12:
            raise ConfigError("password: at least 12 characters; use a passphrase")
        with self._lock:
            self._load()
            self._doc["users"][name] = {"role": role, "password": hash_password(password)}
            self._save()

    def create_token(
        self, *, name: str, role: str, user: str | None = None, service: str | None = None
    ) -> str:
        """A new API token (returned once, stored hashed)."""
        if role not in ROLES:
            raise ConfigError(f"role: {role!r} is unknown; use one of {', '.join(ROLES)}")
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._load()
            if user is not None and user not in self._doc["users"]:
                raise ConfigError(f"--user: no user {user!r}; add it with `logyard users add`")
            self._doc["tokens"].append(
                {"name": name, "hash": _digest(token), "role": role, "user": user,
                 "service": service, "created": time.time()}
            )  # fmt: skip
            self._save()
        return token

    def users(self) -> list[tuple[str, str]]:
        """(name, role) of every user."""
        with self._lock:
            self._load()
            return sorted((n, cast(str, u["role"])) for n, u in self._doc["users"].items())

    def _save(self) -> None:
        write_atomically(self.path, json.dumps(self._doc, indent=1).encode())
        os.chmod(self.path, 0o600)
        self._mtime = -1.0
