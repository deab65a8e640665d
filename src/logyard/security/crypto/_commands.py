"""The embedded setup's key files in a data dir, and the ``logyard forget`` / key rotation
commands as plain functions the CLI wires (exit codes as click: 0 ok, 1 failure, 2 usage)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from logyard.errors import ConfigError, LogyardError
from logyard.security.crypto._keyring import Keyring
from logyard.security.crypto._kms import LocalKMS

__all__ = ["forget_command", "keyring_paths", "open_local_keyring", "rotate_command"]


def keyring_paths(data_dir: Path) -> tuple[Path, Path]:
    """``(keyring directory, master key file)`` of a data dir."""
    return data_dir / "keyring", data_dir / "master.key"


def open_local_keyring(
    data_dir: Path, *, environ: Mapping[str, str] | None = None, create: bool = True
) -> Keyring:
    """The data dir's keyring, its master keys from ``LOGYARD_MASTER_KEY`` or ``master.key``."""
    directory, key_file = keyring_paths(data_dir)
    return Keyring(directory, LocalKMS.load(key_file, environ=environ, create=create))


def forget_command(
    data_dir: Path,
    subject: str,
    *,
    kind: str | None = None,
    environ: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """``logyard forget SUBJECT``: crypto-shred one subject; 0 done, 1 unknown subject.

    With ``kind`` (``email``, ``phone``…), ``subject`` is the personal value and its subject
    id is derived with the keyring's keyed hash; the value itself is never printed.
    """
    out, err = stdout or sys.stdout, stderr or sys.stderr
    directory, _ = keyring_paths(data_dir)
    if not directory.is_dir():
        err.write(f"Error: {directory}: no keyring here; pass the data dir logyard runs with\n")
        return 1
    try:
        keyring = open_local_keyring(data_dir, environ=environ, create=False)
        if kind is not None:
            if not (directory / "meta.json").exists():
                err.write(f"Error: {directory}: has no subjects yet; nothing to forget\n")
                return 1
            subject = keyring.subject_for(subject, kind)
        status = keyring.status(subject)
        if status == "unknown":
            err.write(
                f"Error: subject {subject}: unknown to the keyring in {directory}; nothing was "
                "forgotten (check the id, or pass the value with its kind)\n"
            )
            return 1
        if status == "forgotten" or not keyring.forget(subject):
            out.write(f"subject {subject}: already forgotten; nothing to do\n")
            return 0
    except ValueError as exc:
        err.write(f"Error: {exc}\n")
        return 2
    except ConfigError as exc:
        err.write(f"Error: {exc}\n")
        return 2
    except LogyardError as exc:
        err.write(f"Error: {exc}\n")
        return 1
    out.write(
        f"subject {subject}: data key deleted from {directory} (crypto-shredded); its sealed "
        "originals are unrecoverable, the masked logs and their signatures are unchanged\n"
    )
    return 0


def rotate_command(
    data_dir: Path,
    *,
    retire: bool = False,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Rotate the data dir's file-held master key and re-wrap every data key under it.

    With ``retire``, master keys that no longer wrap anything are deleted from the file:
    keyring backups taken before the rotation then become unreadable too (which is what
    finishes a ``forget`` in old backups).
    """
    out, err = stdout or sys.stdout, stderr or sys.stderr
    directory, key_file = keyring_paths(data_dir)
    try:
        kms = LocalKMS.from_file(key_file)
        keyring = Keyring(directory, kms)
        new = kms.rotate()
        rewrapped = keyring.rewrap()
        out.write(f"master key {new}: current; {rewrapped} wrapped key(s) re-wrapped\n")
        if retire:
            in_use = keyring.master_kids()
            for kid in kms.master_kids:
                if kid != new and kid not in in_use:
                    kms.retire(kid)
                    out.write(f"master key {kid}: retired\n")
    except ConfigError as exc:
        err.write(f"Error: {exc}\n")
        return 2
    except LogyardError as exc:
        err.write(f"Error: {exc}\n")
        return 1
    return 0
