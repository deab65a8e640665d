"""Signatures and tamper evidence.

- Producer signatures (light: no DuckDB, no ``cryptography``; the SDK may import them):
  :func:`sign_event`, :func:`verify_event`, :class:`SignaturePolicy`.
- The hash chain of each system in the store, its Ed25519-signed checkpoints and heartbeats
  (:class:`ChainWriter`), the signed records of positions retention archived
  (:class:`ArchiveRecord`), and the verifier (:func:`verify`, :func:`verify_command`); these
  load ``cryptography`` and are imported lazily.

See ``docs/security/tamper-evidence.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from logyard.errors import NotInstalledError
from logyard.security.chain._canonical import canonical_json
from logyard.security.chain._links import (
    CHECKPOINTS_TABLE,
    LINKS_TABLE,
    ChainState,
    Link,
    SystemState,
    chain_ddl,
    genesis,
    link_hash,
)
from logyard.security.chain._signing import (
    SIGNATURE_FIELD,
    ServiceKey,
    SignaturePolicy,
    Verdict,
    attach_signature,
    keyring_from_env,
    sign_event,
    signing_payload,
    verify_event,
)

if TYPE_CHECKING:
    from logyard.security.chain._archive import ArchiveRecord
    from logyard.security.chain._checkpoints import Checkpoint
    from logyard.security.chain._command import verify_command
    from logyard.security.chain._keys import (
        CheckpointSigner,
        TrustedKeys,
        generate_key_file,
        load_signer,
        trusted_keys_from_env,
    )
    from logyard.security.chain._verify import Finding, SystemReport, VerifyReport, verify
    from logyard.security.chain._writer import ChainWriter

__all__ = [
    "CHECKPOINTS_TABLE",
    "LINKS_TABLE",
    "SIGNATURE_FIELD",
    "ArchiveRecord",
    "ChainState",
    "ChainWriter",
    "Checkpoint",
    "CheckpointSigner",
    "Finding",
    "Link",
    "ServiceKey",
    "SignaturePolicy",
    "SystemReport",
    "SystemState",
    "TrustedKeys",
    "Verdict",
    "VerifyReport",
    "attach_signature",
    "canonical_json",
    "chain_ddl",
    "generate_key_file",
    "genesis",
    "keyring_from_env",
    "link_hash",
    "load_signer",
    "sign_event",
    "signing_payload",
    "trusted_keys_from_env",
    "verify",
    "verify_command",
    "verify_event",
]

_LAZY = {
    "ArchiveRecord": "_archive",
    "ChainWriter": "_writer",
    "Checkpoint": "_checkpoints",
    "CheckpointSigner": "_keys",
    "Finding": "_verify",
    "SystemReport": "_verify",
    "TrustedKeys": "_keys",
    "VerifyReport": "_verify",
    "generate_key_file": "_keys",
    "load_signer": "_keys",
    "trusted_keys_from_env": "_keys",
    "verify": "_verify",
    "verify_command": "_command",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'logyard.security.chain' has no attribute {name!r}")
    try:
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)
    except ImportError as exc:
        raise NotInstalledError(
            f"logyard.security.chain.{name}: {exc.name or 'cryptography'} is not installed; "
            "pip install 'logyard[server]'"
        ) from exc
