"""``logyard setup elasticsearch|opensearch|kibana``: the search cluster and its dashboards.

Credentials come from the environment, never the command line (where ``ps`` shows them):
``LOGYARD_SETUP_USERNAME``/``LOGYARD_SETUP_PASSWORD`` or ``LOGYARD_SETUP_API_KEY``
(``--username``, ``--password-env`` and ``--api-key-env`` pick others).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(sub: Any, setup: Any) -> None:
    """Add ``elasticsearch``, ``opensearch`` and ``kibana`` to ``logyard setup``."""
    for flavour, product in (
        ("elasticsearch", "Elasticsearch 8"),
        ("opensearch", "OpenSearch 2/3"),
    ):
        p = setup.add_parser(
            flavour,
            help=f"{product}: templates, lifecycle, snapshots, roles (idempotent)",
        )
        _connection(p, None)
        p.add_argument("--dry-run", action="store_true", help="read and compare, write nothing")
        p.add_argument("--force", action="store_true", help="replace what differs (diff shown)")
        p.add_argument("--systems", default=None, help="comma-separated (default: all six)")
        p.add_argument("--rollover-size", default=None, help="per primary shard (100gb)")
        p.add_argument("--retention-days", type=int, default=None, help="delete after (180)")
        p.add_argument("--shards", type=int, default=None, help="primary shards per index (1)")
        p.add_argument("--replicas", type=int, default=None, help="replicas per shard (1)")
        p.add_argument("--snapshot-repository", dest="repository", default=None)
        p.add_argument("--s3-bucket", default=None, help="snapshot bucket (logyard-snapshots)")
        p.add_argument("--s3-base-path", default=None, help="path in the bucket (logyard)")
        p.add_argument("--s3-client", default=None, help="the cluster's S3 client name")
        p.add_argument(
            "--snapshot-schedule", default=None, help="cron in the cluster's syntax (nightly)"
        )
        p.add_argument("--snapshot-expire-days", type=int, default=None, help="(365)")
        p.add_argument("--snapshot-min-count", type=int, default=None, help="(7)")
        p.add_argument("--snapshot-max-count", type=int, default=None, help="(500)")
        p.set_defaults(run=_run_cluster, flavour=flavour)

    kibana = setup.add_parser(
        "kibana", help="Kibana / OpenSearch Dashboards: data views, searches, dashboards, role"
    )
    _connection(kibana, None)
    kibana.add_argument("--flavour", choices=("kibana", "opensearch-dashboards"), default="kibana")
    kibana.add_argument("--export", type=Path, default=None, metavar="FILE", help="write ndjson")
    kibana.add_argument("--space", default="logyard", help="Kibana space / Dashboards tenant")
    kibana.add_argument("--dry-run", action="store_true", help="read and compare, write nothing")
    kibana.add_argument("--force", action="store_true", help="replace a differing role")
    kibana.set_defaults(run=_run_kibana)


def _connection(p: argparse.ArgumentParser, default_url: str | None) -> None:
    p.add_argument(
        "--url",
        default=os.environ.get("LOGYARD_SETUP_URL", default_url),
        help="the server (default: $LOGYARD_SETUP_URL)",
    )
    p.add_argument("--username", default=None, help="default: $LOGYARD_SETUP_USERNAME")
    p.add_argument("--password-env", default="LOGYARD_SETUP_PASSWORD", metavar="VAR")
    p.add_argument("--api-key-env", default="LOGYARD_SETUP_API_KEY", metavar="VAR")
    p.add_argument("--ca-cert", type=Path, default=None, help="CA of the server's certificate")


def _client(args: argparse.Namespace, headers: dict[str, str] | None = None) -> Any:
    from logyard.errors import ConfigError
    from logyard.setup import Credentials, HttpClient

    if not args.url:
        raise ConfigError("--url: missing; pass the server's URL or set LOGYARD_SETUP_URL")
    username = args.username or os.environ.get("LOGYARD_SETUP_USERNAME")
    password = os.environ.get(args.password_env)
    if username and password is None:
        raise ConfigError(
            f"{args.password_env}: not set; export the password of {username!r} in it"
        )
    credentials = Credentials(username, password, os.environ.get(args.api_key_env))
    return HttpClient(args.url, credentials, ca_cert=args.ca_cert, headers=headers)


def _run_cluster(args: argparse.Namespace) -> int:
    from logyard.setup import (
        apply_plan,
        check_server,
        cluster_options,
        elasticsearch_plan,
        opensearch_plan,
    )

    options = cluster_options(
        systems=tuple(s.strip() for s in args.systems.split(",")) if args.systems else None,
        rollover_size=args.rollover_size,
        retention_days=args.retention_days,
        shards=args.shards,
        replicas=args.replicas,
        repository=args.repository,
        s3_bucket=args.s3_bucket,
        s3_base_path=args.s3_base_path,
        s3_client=args.s3_client,
        snapshot_schedule=args.snapshot_schedule,
        snapshot_expire_days=args.snapshot_expire_days,
        snapshot_min_count=args.snapshot_min_count,
        snapshot_max_count=args.snapshot_max_count,
    )
    plan = (elasticsearch_plan if args.flavour == "elasticsearch" else opensearch_plan)(options)
    client = _client(args)
    version = check_server(client, args.flavour)
    print(f"{args.flavour} {version} at {client.url}")
    return apply_plan(plan, client, dry_run=args.dry_run, force=args.force)


def _run_kibana(args: argparse.Namespace) -> int:
    from logyard.setup.kibana import kibana_command

    return kibana_command(args, _client)
