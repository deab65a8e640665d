"""Ed25519 keys that sign checkpoints: a PEM key file (mode 0600) or an environment variable.

The key id is derived from the public key (the first 16 hex digits of its SHA-256), so a
verifier needs only the public keys it trusts, and a checkpoint names which one signed it.

- ``LOGYARD_CHAIN_KEY_FILE``: path of the PKCS#8 PEM private key (``openssl genpkey
  -algorithm ed25519``, or :func:`generate_key_file`); must not be readable by group or others.
- ``LOGYARD_CHAIN_KEY``: the 32-byte private key seed, base64 (for containers with secrets
  in the environment).
- ``LOGYARD_CHAIN_PUBLIC_KEYS``: comma-separated base64 raw public keys a verifier trusts in
  addition to the signing key's own (old keys after a rotation, or a verifier without the
  private key).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from logyard.errors import ConfigError

__all__ = [
    "CheckpointSigner",
    "TrustedKeys",
    "generate_key_file",
    "key_id",
    "load_signer",
    "trusted_keys_from_env",
]


def _raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: Ed25519PublicKey) -> str:
    """The key id of a public key: 16 hex digits of the SHA-256 of its raw bytes."""
    return hashlib.sha256(_raw_public(public)).hexdigest()[:16]


class CheckpointSigner:
    """Signs checkpoints with one Ed25519 private key (never shown in a repr)."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.public = private.public_key()
        self.key_id = key_id(self.public)

    def __repr__(self) -> str:
        return f"CheckpointSigner(key_id={self.key_id!r}, private=[secure])"

    @classmethod
    def generate(cls) -> CheckpointSigner:
        """A signer with a fresh key (tests, first start)."""
        return cls(Ed25519PrivateKey.generate())

    def sign(self, message: bytes) -> bytes:
        """The 64-byte signature of ``message``."""
        return self._private.sign(message)


class TrustedKeys:
    """Public keys a verifier accepts, by key id."""

    def __init__(self, keys: Iterable[Ed25519PublicKey]) -> None:
        self._keys = {key_id(k): k for k in keys}

    def __repr__(self) -> str:
        return f"TrustedKeys({sorted(self._keys)})"

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, kid: object) -> bool:
        return kid in self._keys

    def verify(self, kid: str, signature: bytes, message: bytes) -> bool:
        """Whether ``signature`` over ``message`` is by the trusted key ``kid``."""
        key = self._keys.get(kid)
        if key is None:
            return False
        try:
            key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


def generate_key_file(path: Path) -> CheckpointSigner:
    """Write a new key to ``path`` (mode 0600, refusing to overwrite) and return its signer."""
    signer = CheckpointSigner.generate()
    pem = signer._private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise ConfigError(
            f"{path}: a chain key already exists; keep it (checkpoints name it) or move it away"
        ) from exc
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
        f.flush()
        os.fsync(f.fileno())
    return signer


def _from_file(path: Path) -> CheckpointSigner:
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read the chain key ({exc.strerror}); set LOGYARD_CHAIN_KEY_FILE "
            "to a readable key file"
        ) from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{path}: the chain key is readable by group or others (mode {mode & 0o777:o}); "
            f"run chmod 600 {path}"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"{path}: not an unencrypted PEM private key; create one with "
            "openssl genpkey -algorithm ed25519"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(
            f"{path}: not an Ed25519 key; create one with openssl genpkey -algorithm ed25519"
        )
    return CheckpointSigner(key)


def _b64(name: str, value: str) -> bytes:
    try:
        raw = base64.b64decode(value.strip() + "=" * (-len(value.strip()) % 4), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ConfigError(f"{name}: not the base64 of 32 bytes; give the raw Ed25519 key base64")
    return raw


def load_signer(environ: Mapping[str, str] | None = None) -> CheckpointSigner | None:
    """The signer named by ``LOGYARD_CHAIN_KEY_FILE`` or ``LOGYARD_CHAIN_KEY``, or ``None``."""
    env = os.environ if environ is None else environ
    if env.get("LOGYARD_CHAIN_KEY_FILE"):
        return _from_file(Path(env["LOGYARD_CHAIN_KEY_FILE"]))
    if env.get("LOGYARD_CHAIN_KEY"):
        seed = _b64("LOGYARD_CHAIN_KEY", env["LOGYARD_CHAIN_KEY"])
        return CheckpointSigner(Ed25519PrivateKey.from_private_bytes(seed))
    return None


def trusted_keys_from_env(environ: Mapping[str, str] | None = None) -> TrustedKeys:
    """The signing key's public half plus ``LOGYARD_CHAIN_PUBLIC_KEYS``."""
    env = os.environ if environ is None else environ
    keys = []
    signer = load_signer(env)
    if signer is not None:
        keys.append(signer.public)
    for item in env.get("LOGYARD_CHAIN_PUBLIC_KEYS", "").split(","):
        if item.strip():
            raw = _b64("LOGYARD_CHAIN_PUBLIC_KEYS", item)
            keys.append(Ed25519PublicKey.from_public_bytes(raw))
    return TrustedKeys(keys)
