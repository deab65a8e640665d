"""Master keys: the ``KeyManagementService`` plug point and ``LocalKMS``, its embedded form.

A KMS wraps (encrypts) and unwraps data keys with a master key it never hands out. A
production KMS (AWS KMS ``Encrypt``/``Decrypt`` with an encryption context, Google Cloud KMS
with AAD, Vault's transit engine) implements the three methods of the protocol; ``LocalKMS``
keeps its master keys in a 0600 JSON file or in ``LOGYARD_MASTER_KEY``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from logyard.errors import ConfigError
from logyard.security.crypto._errors import KeyringError
from logyard.security.crypto._files import make_private_directory, replace_atomically

__all__ = ["MASTER_KEY_ENV", "KeyManagementService", "LocalKMS", "WrappedKey", "master_key_id"]

MASTER_KEY_ENV = "LOGYARD_MASTER_KEY"
_KEY_BYTES = 32
_NONCE_BYTES = 12
_GENERATE_HINT = (
    'generate one with `python -c "import os, base64; print(base64.b64encode(os.urandom(32))'
    '.decode())"`'
)


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A data key encrypted under the master key ``master_kid``; ``blob`` is opaque to callers."""

    master_kid: str
    blob: bytes

    def __repr__(self) -> str:
        return f"WrappedKey(master_kid={self.master_kid!r}, blob=[{len(self.blob)} bytes])"


@runtime_checkable
class KeyManagementService(Protocol):
    """Where master keys live. ``aad`` binds a wrapped key to its use (data key id, subject)."""

    def wrap(self, key: bytes, *, aad: bytes) -> WrappedKey:
        """Encrypt ``key`` under the current master key."""
        ...

    def unwrap(self, wrapped: WrappedKey, *, aad: bytes) -> bytes:
        """Decrypt ``wrapped`` with the master key it names; ``KeyringError`` when it cannot."""
        ...

    def current_master_kid(self) -> str:
        """The id of the master key new wraps use."""
        ...


def master_key_id(key: bytes) -> str:
    """A stable, non-secret id for a master key (a domain-separated SHA-256 fingerprint)."""
    return "mk_" + hashlib.sha256(b"logyard/master-kid/v1\0" + key).hexdigest()[:16]


def _decode_master_key(text: str, where: str) -> bytes:
    text = text.strip()
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != _KEY_BYTES:
        raise ConfigError(f"{where}: not the base64 of {_KEY_BYTES} bytes; {_GENERATE_HINT}")
    return key


class LocalKMS:
    """Master keys held by this process: from a 0600 JSON file, or from ``LOGYARD_MASTER_KEY``.

    The file (``{"v": 1, "current": kid, "keys": {kid: base64}}``) supports :meth:`rotate` and
    :meth:`retire`. The variable holds one or more comma-separated base64 keys, the first
    being current: to rotate, prepend a new key, run ``Keyring.rewrap()``, then drop the old.
    """

    __slots__ = ("_aeads", "_current", "_keys_for_file", "_path")

    def __init__(self, keys: Mapping[str, bytes], current: str | None, path: Path | None = None):
        if current is not None and current not in keys:
            raise ValueError("current: not one of the given master key ids")
        self._aeads = {kid: AESGCM(key) for kid, key in keys.items()}
        self._keys_for_file = dict(keys) if path is not None else None
        self._current = current
        self._path = path

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_env_value(cls, value: str) -> LocalKMS:
        """Master keys from the text of ``LOGYARD_MASTER_KEY`` (first key is current)."""
        items = [item for item in value.split(",") if item.strip()]
        if not items:
            raise ConfigError(f"{MASTER_KEY_ENV}: empty; {_GENERATE_HINT}")
        keys: dict[str, bytes] = {}
        for n, item in enumerate(items, start=1):
            key = _decode_master_key(item, f"{MASTER_KEY_ENV} item {n}")
            keys.setdefault(master_key_id(key), key)
        return cls(keys, master_key_id(_decode_master_key(items[0], MASTER_KEY_ENV)))

    @classmethod
    def from_file(cls, path: Path) -> LocalKMS:
        """Master keys from ``path``; ``ConfigError`` when it is missing or malformed."""
        try:
            doc = json.loads(path.read_bytes())
            current, encoded = doc["current"], doc["keys"]
            if doc.get("v") != 1 or not isinstance(encoded, dict):
                raise ValueError
        except FileNotFoundError:
            raise ConfigError(
                f"{path}: no master key file; create one with LocalKMS.create(path) or set "
                f"{MASTER_KEY_ENV}"
            ) from None
        except (ValueError, KeyError, TypeError):
            raise ConfigError(
                f"{path}: not a logyard master key file; restore it from your key backup"
            ) from None
        keys = {}
        for kid, text in encoded.items():
            key = _decode_master_key(str(text), f"{path}: keys.{kid}")
            if master_key_id(key) != kid:
                raise ConfigError(f"{path}: keys.{kid} does not match its id; restore the file")
            keys[kid] = key
        if current not in keys:
            raise ConfigError(f"{path}: current names no key in the file; restore the file")
        return cls(keys, current, path)

    @classmethod
    def create(cls, path: Path) -> LocalKMS:
        """A new master key file at ``path`` (0600, parent 0700) with one fresh key."""
        make_private_directory(path.parent)
        key = secrets.token_bytes(_KEY_BYTES)
        kms = cls({master_key_id(key): key}, master_key_id(key), path)
        kms._save()
        return kms

    @classmethod
    def load(
        cls, key_file: Path, *, environ: Mapping[str, str] | None = None, create: bool = True
    ) -> LocalKMS:
        """``LOGYARD_MASTER_KEY`` when set, else ``key_file`` (created when missing and
        ``create``), else a KMS without keys that can only forget."""
        env = os.environ if environ is None else environ
        if env.get(MASTER_KEY_ENV):
            return cls.from_env_value(env[MASTER_KEY_ENV])
        if key_file.exists():
            return cls.from_file(key_file)
        return cls.create(key_file) if create else cls({}, None)

    # -- the protocol ---------------------------------------------------------------------
    def current_master_kid(self) -> str:
        """The id of the master key new wraps use."""
        if self._current is None:
            raise KeyringError(
                f"master key: none loaded; set {MASTER_KEY_ENV} or point logyard at its "
                "master key file"
            )
        return self._current

    def wrap(self, key: bytes, *, aad: bytes) -> WrappedKey:
        """Encrypt ``key`` under the current master key (AES-256-GCM, random nonce)."""
        kid = self.current_master_kid()
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return WrappedKey(kid, nonce + self._aeads[kid].encrypt(nonce, key, aad))

    def unwrap(self, wrapped: WrappedKey, *, aad: bytes) -> bytes:
        """Decrypt ``wrapped``; ``KeyringError`` when its master key is not loaded or it fails."""
        aead = self._aeads.get(wrapped.master_kid)
        if aead is None:
            raise KeyringError(
                f"master key {wrapped.master_kid}: not loaded (loaded: {sorted(self._aeads)}); "
                f"add it to {MASTER_KEY_ENV} or the master key file, or restore it from backup"
            )
        try:
            return aead.decrypt(wrapped.blob[:_NONCE_BYTES], wrapped.blob[_NONCE_BYTES:], aad)
        except InvalidTag:
            raise KeyringError(
                f"wrapped data key under {wrapped.master_kid}: does not authenticate; the "
                "keyring file was altered or belongs to another data key — restore it"
            ) from None

    # -- rotation -------------------------------------------------------------------------
    @property
    def master_kids(self) -> list[str]:
        """The ids of every loaded master key, sorted."""
        return sorted(self._aeads)

    def rotate(self) -> str:
        """Add a fresh master key, make it current, persist the file; returns its id.

        Data keys keep their old wrapping until ``Keyring.rewrap()`` runs, so nothing is
        re-encrypted and old envelopes keep opening.
        """
        keys = self._file_keys("rotate")
        key = secrets.token_bytes(_KEY_BYTES)
        kid = master_key_id(key)
        keys[kid] = key
        self._aeads[kid] = AESGCM(key)
        self._current = kid
        self._save()
        return kid

    def retire(self, kid: str) -> None:
        """Drop master key ``kid`` from the file (run ``Keyring.rewrap()`` first)."""
        keys = self._file_keys("retire")
        if kid == self._current:
            raise ConfigError(f"master key {kid}: is current; rotate before retiring it")
        if keys.pop(kid, None) is None:
            raise ConfigError(f"master key {kid}: not in {self._path}; nothing to retire")
        del self._aeads[kid]
        self._save()

    def _file_keys(self, action: str) -> dict[str, bytes]:
        if self._keys_for_file is None:
            raise ConfigError(
                f"master keys: come from {MASTER_KEY_ENV}, so logyard cannot {action} them; "
                "edit the variable (first key is current) and run Keyring.rewrap()"
            )
        return self._keys_for_file

    def _save(self) -> None:
        assert self._path is not None
        assert self._keys_for_file is not None
        doc = {
            "v": 1,
            "current": self._current,
            "keys": {
                kid: base64.b64encode(key).decode("ascii")
                for kid, key in sorted(self._keys_for_file.items())
            },
        }
        replace_atomically(self._path, json.dumps(doc, indent=1).encode("ascii") + b"\n")

    def __repr__(self) -> str:
        source = f"file {str(self._path)!r}" if self._path else f"${MASTER_KEY_ENV} or memory"
        return f"LocalKMS(current={self._current!r}, keys={len(self._aeads)}, source={source})"
