"""``logyard analytics rebuild [--data-dir D]``: recompute the analytic schema from every
stored event (while no ``logyard up`` runs on the data dir)."""

from __future__ import annotations

import argparse
import fcntl
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(sub: Any, setup: Any) -> None:
    """Add ``logyard analytics``."""
    del setup
    p = sub.add_parser("analytics", help="the analytic schema (facts for the metrics)")
    actions = p.add_subparsers(dest="analytics_command", required=True, metavar="ACTION")
    rebuild = actions.add_parser("rebuild", help="drop the facts and recompute them from the logs")
    rebuild.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("LOGYARD_DATA_DIR", "logyard-data"))
    )
    rebuild.set_defaults(run=run_rebuild)


def run_rebuild(args: argparse.Namespace) -> int:
    from logyard.analytics import Analyzer
    from logyard.errors import ConfigError
    from logyard.store.duckdb import DuckDBStore

    data_dir: Path = args.data_dir
    path = data_dir / "logs.duckdb"
    if not path.is_file():
        raise ConfigError(f"--data-dir: {path} does not exist; pass the data dir of logyard up")
    with open(data_dir / "logyard.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                f"data dir {data_dir}: logyard up is running on it; stop it first (it keeps "
                "the facts up to date by itself)"
            ) from None
        store = DuckDBStore(path)
        try:
            stats = Analyzer(store).rebuild()
        finally:
            store.close()
    skipped = sum(stats.skipped.values())
    sys.stdout.write(
        f"analytics: rebuilt from {stats.events} events: {stats.facts} facts"
        + (f", {skipped} events skipped ({'; '.join(stats.skipped)})" if skipped else "")
        + "\n"
    )
    return 0
