"""``logyard retention run`` and ``logyard restore``: archive old partitions, bring them back.

Both open the data dir's store themselves, so ``logyard up`` must not be running on it
(``up`` runs retention on its own schedule; see ``docs/retention.md``).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from logyard.errors import ConfigError, StoreError

if TYPE_CHECKING:
    from logyard.store.duckdb import DuckDBStore

__all__ = ["register"]


def _data_dir_default() -> Path:
    return Path(os.environ.get("LOGYARD_DATA_DIR", "logyard-data"))


def register(sub: Any, setup: Any) -> None:
    """Add ``retention`` (with ``run``) and ``restore`` to the top-level commands."""
    del setup
    retention = sub.add_parser("retention", help="archive and delete old daily partitions")
    actions = retention.add_subparsers(dest="retention_command", required=True, metavar="ACTION")
    run = actions.add_parser(
        "run",
        help="archive partitions older than the policy to Parquet, verify, then delete them",
    )
    run.add_argument("--data-dir", type=Path, default=_data_dir_default())
    run.add_argument(
        "--older-than-days", type=int, default=180, metavar="DAYS", help="days kept (180)"
    )
    run.add_argument(
        "--system",
        dest="systems",
        action="append",
        default=[],
        metavar="SYSTEM=DAYS",
        help="days kept for one system (repeatable), e.g. mes=90",
    )
    run.add_argument(
        "--to",
        dest="target",
        default=os.environ.get("LOGYARD_RETENTION_TO"),
        metavar="s3://BUCKET/PREFIX|DIR",
        help="where archives go (default: $LOGYARD_RETENTION_TO, else DATA_DIR/archive)",
    )
    run.add_argument("--dry-run", action="store_true", help="list what is due, change nothing")
    _s3_args(run)
    run.set_defaults(run=_run)

    restore = sub.add_parser("restore", help="load archived partitions back into the store")
    restore.add_argument("--system", required=True, help="the system, e.g. mes")
    restore.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD")
    restore.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD")
    restore.add_argument(
        "--from-archive",
        dest="target",
        default=os.environ.get("LOGYARD_RETENTION_TO"),
        metavar="s3://BUCKET/PREFIX|DIR",
        help="where the archives are (default: $LOGYARD_RETENTION_TO, else DATA_DIR/archive)",
    )
    restore.add_argument(
        "--hold-days",
        type=int,
        default=30,
        metavar="DAYS",
        help="keep retention off the restored days this long (30)",
    )
    restore.add_argument("--data-dir", type=Path, default=_data_dir_default())
    _s3_args(restore)
    restore.set_defaults(run=_restore)


def _s3_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--endpoint-url",
        default=os.environ.get("LOGYARD_RETENTION_ENDPOINT_URL"),
        help="S3 endpoint (MinIO, ...); credentials come from the usual AWS_* variables",
    )
    p.add_argument("--timeout-secs", type=float, default=60.0, help="S3 connect/read timeout (60)")


def _day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{flag}: {value!r} is not a day; write YYYY-MM-DD") from None


def _open_store(data_dir: Path) -> DuckDBStore:
    from logyard.store.duckdb import DuckDBStore

    path = data_dir / "logs.duckdb"
    if not path.is_file():
        raise ConfigError(f"--data-dir: {data_dir} holds no store ({path}); pass the data dir")
    try:
        return DuckDBStore(path)
    except StoreError as exc:
        raise StoreError(
            f"{path}: cannot open ({exc}); stop `logyard up` on this data dir first "
            "(it runs retention itself every day)"
        ) from exc


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _run(args: argparse.Namespace) -> int:
    from logyard.retention import RetentionPolicy, open_target, parse_overrides, run_retention

    policy = RetentionPolicy(args.older_than_days, parse_overrides(args.systems))
    target = open_target(
        args.target or str(args.data_dir / "archive"),
        endpoint_url=args.endpoint_url,
        timeout_secs=args.timeout_secs,
    )
    store = _open_store(args.data_dir)
    try:
        report = run_retention(store, target, policy, dry_run=args.dry_run, progress=_err)
    finally:
        store.close()
    failed = [o for o in report.outcomes if o.status == "failed"]
    archived = [o for o in report.outcomes if o.status == "archived"]
    if args.dry_run:
        rows = sum(o.rows for o in report.outcomes)
        sys.stdout.write(
            f"dry run: {len(report.outcomes)} partition(s), {rows} event(s) would be archived "
            f"to {target.url()}\n"
        )
        return 0
    sys.stdout.write(
        f"retention: archived {len(archived)} partition(s), deleted {report.deleted} "
        f"event(s); archive: {target.url()}\n"
    )
    if failed:
        left = len(report.outcomes) - len(archived)
        _err(
            f"Error: {failed[0].system} {failed[0].day}: {failed[0].error}; "
            f"{left} partition(s) left in the store, run `logyard retention run` again"
        )
        return 1
    return 0


def _restore(args: argparse.Namespace) -> int:
    from logyard.catalog import SYSTEMS
    from logyard.retention import open_target, restore_archives

    if args.system not in SYSTEMS:
        raise ConfigError(
            f"--system: {args.system!r} is not a system; use one of {', '.join(SYSTEMS)}"
        )
    first, last = _day(args.first, "--from"), _day(args.last, "--to")
    if last < first:
        raise ConfigError(f"--to: {last} is before --from {first}; swap them")
    if args.hold_days < 0:
        raise ConfigError(f"--hold-days: {args.hold_days} is negative; pass 0 or more")
    target = open_target(
        args.target or str(args.data_dir / "archive"),
        endpoint_url=args.endpoint_url,
        timeout_secs=args.timeout_secs,
        where="--from-archive",
    )
    store = _open_store(args.data_dir)
    try:
        report = restore_archives(
            store, target, args.system, first, last, hold_days=args.hold_days, progress=_err
        )
    finally:
        store.close()
    sys.stdout.write(
        f"restore: {report.parts} part(s) of {args.system} ({len(report.days)} day(s)), "
        f"{report.inserted} of {report.archived_rows} event(s) inserted; held from retention "
        f"for {args.hold_days} day(s)\n"
    )
    return 0
