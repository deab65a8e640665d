"""The public surface of logyard.security.chain is what we meant, and stays light."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import logyard.security.chain as chain
from logyard.errors import ConfigError
from logyard.security.chain import generate_key_file, load_signer, trusted_keys_from_env


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted as ruff sorts it and every name resolves."""
    names = chain.__all__
    order = sorted(names, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n))
    assert (order, []) == (names, [n for n in names if getattr(chain, n, None) is None])


def test_signing_does_not_load_duckdb_or_cryptography() -> None:
    """The SDK can use producer signatures without loading DuckDB or ``cryptography``."""
    code = (
        "import sys; from logyard.security.chain import sign_event; "
        "print('duckdb' in sys.modules, 'cryptography' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_key_file_is_private_and_reloads(tmp_path: Path) -> None:
    """A generated key file is mode 0600 and loads to the same key id."""
    path = tmp_path / "chain.key"
    signer = generate_key_file(path)
    loaded = load_signer({"LOGYARD_CHAIN_KEY_FILE": str(path)})
    assert (0o600, signer.key_id) == (path.stat().st_mode & 0o777, loaded and loaded.key_id)


def test_readable_key_file_is_refused(tmp_path: Path) -> None:
    """A key file readable by others is refused with the chmod to run."""
    path = tmp_path / "chain.key"
    generate_key_file(path)
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_signer({"LOGYARD_CHAIN_KEY_FILE": str(path)})


def test_trusted_keys_from_env_include_public_keys(tmp_path: Path) -> None:
    """``LOGYARD_CHAIN_PUBLIC_KEYS`` adds verifier-only keys to the signing key's own."""
    import base64

    from cryptography.hazmat.primitives import serialization

    signer = generate_key_file(tmp_path / "a.key")
    raw = signer.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    keys = trusted_keys_from_env({"LOGYARD_CHAIN_PUBLIC_KEYS": base64.b64encode(raw).decode()})
    assert (len(keys), signer.key_id in keys) == (1, True)


def test_signer_repr_hides_the_key() -> None:
    """The signer's repr shows its key id only."""
    signer = chain.CheckpointSigner.generate()
    assert f"CheckpointSigner(key_id={signer.key_id!r}, private=[secure])" == repr(signer)
