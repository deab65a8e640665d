"""``logyard verify``: verify the chains of a DuckDB store file and print a summary."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TextIO

from logyard.errors import ConfigError
from logyard.security.chain._keys import TrustedKeys, trusted_keys_from_env
from logyard.security.chain._verify import SystemReport, verify

__all__ = ["verify_command"]


def _printable(text: str) -> str:
    """``text`` with control characters (ANSI escapes, CR, LF...) shown as escapes."""
    return "".join(
        c if c.isprintable() else (f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}")
        for c in text
    )


def _line(s: SystemReport) -> str:
    if s.finding is not None:
        return f"{s.system}: PROBLEM {_printable(str(s.finding))}"
    sealed = (
        f"last checkpoint seq {s.last_checkpoint_seq} at {s.last_checkpoint_at:%Y-%m-%d %H:%M:%S}"
        " UTC"
        if s.last_checkpoint_at is not None
        else "no checkpoint yet"
    )
    unsealed = f", {s.unsealed} event(s) after it" if s.unsealed else ""
    archived = f" ({s.archived} archived by retention)" if s.archived else ""
    return (
        f"{s.system}: intact, {s.events - s.archived} event(s) checked{archived}, "
        f"{s.checkpoints} checkpoint(s) verified; {sealed}{unsealed}"
    )


def verify_command(
    db_path: Path,
    system: str | None = None,
    time_from: datetime | None = None,
    time_to: datetime | None = None,
    *,
    max_silence_secs: float | None = None,
    keys: TrustedKeys | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Verify ``db_path``; print one line per system on ``out`` and progress on ``err``.

    Returns 0 when every chain is intact, 1 when a problem was found. Raises
    :class:`~logyard.errors.ConfigError` (exit 2) when the file cannot be opened or no
    checkpoint key is configured.
    """
    import duckdb

    stdout = sys.stdout if out is None else out
    stderr = sys.stderr if err is None else err
    trusted = trusted_keys_from_env() if keys is None else keys
    if not len(trusted):
        raise ConfigError(
            "verify: no checkpoint key to trust; set LOGYARD_CHAIN_KEY_FILE (the writer's key) "
            "or LOGYARD_CHAIN_PUBLIC_KEYS (its base64 public key)"
        )
    if not db_path.is_file():
        raise ConfigError(f"{db_path}: no such store file; pass the data dir's DuckDB file")
    try:
        conn = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error as exc:
        raise ConfigError(
            f"{db_path}: cannot open ({exc}); stop the running logyard or verify a copy of the file"
        ) from exc
    started = time.monotonic()

    def progress(name: str, done: int, total: int) -> None:
        pct = 100 * done // total if total else 100
        stderr.write(f"\r{name}: {done}/{total} events ({pct}%)  ")
        stderr.flush()

    try:
        report = verify(
            conn,
            system,
            time_from,
            time_to,
            progress,
            keys=trusted,
            max_silence_secs=max_silence_secs,
        )
    finally:
        conn.close()
    stderr.write("\n")
    for s in report.systems:
        stdout.write(_line(s) + "\n")
    events = sum(s.events for s in report.systems)
    verdict = "INTACT" if report.intact else f"{len(report.findings)} PROBLEM(S)"
    stdout.write(
        f"{verdict}: {len(report.systems)} system(s), {events} event(s) in "
        f"{time.monotonic() - started:.1f} s\n"
    )
    return 0 if report.intact else 1
