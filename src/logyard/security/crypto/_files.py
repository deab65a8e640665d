"""Durable, owner-only files: atomic replace, create-if-absent, a cross-process lock.

Every write goes to a temporary file in the same directory (``.<name>.<random>.tmp``,
mode 0600), is fsync'd, then moved into place and the directory fsync'd, so a crash leaves
either the old file or the new one, plus at worst a stale temporary that
:func:`remove_stale_temporaries` clears.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "TEMP_SUFFIX",
    "create_if_absent",
    "exclusive_lock",
    "fsync_directory",
    "make_private_directory",
    "remove_stale_temporaries",
    "replace_and_scrub",
    "replace_atomically",
]

TEMP_SUFFIX = ".tmp"


def make_private_directory(path: Path) -> None:
    """Create ``path`` (and parents) if missing and make it owner-only (0700)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)


def fsync_directory(path: Path) -> None:
    """fsync ``path``, a directory, so renames and unlinks inside it are durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_temporary(target: Path, data: bytes) -> Path:
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask may only remove bits; make the mode exact
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        temp.unlink(missing_ok=True)
        raise
    os.close(fd)
    return temp


def replace_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` (0600) so that readers and crashes see old or new, whole."""
    temp = _write_temporary(target, data)
    try:
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_directory(target.parent)


def create_if_absent(target: Path, data: bytes) -> bool:
    """Durably create ``target`` with ``data`` unless it exists; ``True`` when this call did.

    ``link(2)`` fails when the name exists, so two processes racing to create the same file
    cannot overwrite each other: one wins, the other reads the winner's file.
    """
    temp = _write_temporary(target, data)
    try:
        os.link(temp, target)
    except FileExistsError:
        return False
    finally:
        temp.unlink(missing_ok=True)
        fsync_directory(target.parent)
    return True


def replace_and_scrub(target: Path, data: bytes) -> None:
    """Replace ``target`` atomically with ``data``, then zero the old file's bytes.

    The old file stays open across the rename, so its inode can still be overwritten and
    fsync'd after the new content is durable; a crash in between leaves the new file. This
    is best effort: journaling or copy-on-write file systems and SSDs may keep old blocks,
    which is why the documentation pairs forgetting with master-key rotation.
    """
    try:
        old = os.open(target, os.O_WRONLY)
    except FileNotFoundError:
        replace_atomically(target, data)
        return
    try:
        replace_atomically(target, data)
        size = os.fstat(old).st_size
        os.pwrite(old, b"\0" * size, 0)
        os.fsync(old)
    finally:
        os.close(old)


def remove_stale_temporaries(directory: Path) -> int:
    """Delete temporaries a crash left under ``directory``; returns how many."""
    removed = 0
    for temp in directory.rglob(f".*{TEMP_SUFFIX}"):
        temp.unlink(missing_ok=True)
        removed += 1
    return removed


@contextlib.contextmanager
def exclusive_lock(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``lock_file`` (created 0600) across processes."""
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
