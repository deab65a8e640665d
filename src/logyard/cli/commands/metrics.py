"""``logyard metrics [NAME] [--system S] [--from T] [--to T] [--json] [--data-dir D | --url U]``.

With ``--data-dir`` the metrics are computed from the data dir's database (while no
``logyard up`` holds it); with ``--cluster URL`` from the ``analytics-*`` indices of an
Elasticsearch/OpenSearch cluster (the metrics it can compute; credentials from
``LOGYARD_CLUSTER_USERNAME``/``LOGYARD_CLUSTER_PASSWORD`` or ``LOGYARD_CLUSTER_API_KEY``);
otherwise a running logyard answers (``GET /api/v1/metrics``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(sub: Any, setup: Any) -> None:
    """Add ``logyard metrics``."""
    del setup
    p = sub.add_parser("metrics", help="the note's technical and business metrics")
    p.add_argument("name", nargs="?", default=None, help="one metric (default: all)")
    p.add_argument("--system", action="append", default=None, help="only this system (repeatable)")
    p.add_argument(
        "--from", dest="time_from", default=None, metavar="TIME", help="e.g. now-24h or RFC 3339"
    )
    p.add_argument("--to", dest="time_to", default=None, metavar="TIME", help="default: now")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--data-dir", type=Path, default=None, help="compute from this data dir")
    where.add_argument("--url", default=None, help="ask a running logyard (default)")
    where.add_argument(
        "--cluster", default=None, metavar="URL",
        help="compute from an Elasticsearch/OpenSearch cluster's analytics-* indices",
    )  # fmt: skip
    p.add_argument("--flavour", choices=("opensearch", "elasticsearch"), default="opensearch",
                   help="with --cluster: which engine")  # fmt: skip
    p.add_argument("--ca-file", default=None, help="with --cluster: CA certificate (PEM)")
    p.add_argument("--token", default=None, help="API token (default: $LOGYARD_TOKEN)")
    p.set_defaults(run=run)


def _systems(values: list[str] | None) -> tuple[str, ...] | None:
    if not values:
        return None
    return tuple(s.strip() for v in values for s in v.split(",") if s.strip())


def run(args: argparse.Namespace) -> int:
    from logyard.analytics.metrics import METRICS
    from logyard.api._time import parse_time
    from logyard.errors import ConfigError, QueryError

    if args.name is not None and args.name not in METRICS:
        raise ConfigError(f"NAME: unknown metric {args.name!r}; use one of {', '.join(METRICS)}")
    try:
        time_from = parse_time(args.time_from, "--from")
        time_to = parse_time(args.time_to, "--to")
    except QueryError as exc:
        raise ConfigError(str(exc)) from None
    systems = _systems(args.system)
    if args.data_dir is not None:
        try:
            results = _local(args.data_dir, args.name, time_from, time_to, systems)
        except QueryError as exc:
            raise ConfigError(str(exc)) from None
    elif args.cluster is not None:
        try:
            results = _cluster(args, time_from, time_to, systems)
        except QueryError as exc:
            raise ConfigError(str(exc)) from None
    else:
        results = _remote(args, systems)
    if args.json:
        body: Any = results[0] if args.name is not None else {"metrics": results}
        sys.stdout.write(json.dumps(body, ensure_ascii=True) + "\n")
    else:
        for result in results:
            sys.stdout.write(_text(result))
        behind = max((int(r.get("facts_behind", 0)) for r in results), default=0)
        if behind:
            sys.stdout.write(
                f"note: the analytic schema is {behind} stored events behind the logs; "
                "logyard up folds them in within seconds\n"
            )
    return 0


def _local(
    data_dir: Path,
    name: str | None,
    time_from: Any,
    time_to: Any,
    systems: tuple[str, ...] | None,
) -> list[dict[str, Any]]:
    import duckdb

    from logyard.analytics.metrics import compute, compute_all
    from logyard.errors import ConfigError, StoreError

    path = data_dir / "logs.duckdb"
    if not path.is_file():
        raise ConfigError(f"--data-dir: {path} does not exist; pass the data dir of logyard up")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise StoreError(
            f"{path}: cannot open ({exc}); while `logyard up` runs on it, ask it with --url"
        ) from None
    try:
        if name is not None:
            one = compute(con, name, time_from=time_from, time_to=time_to, systems=systems)
            return [one.to_json()]
        # one snapshot for every figure, the counts several metrics share computed once
        found = compute_all(con, time_from=time_from, time_to=time_to, systems=systems)
        return [r.to_json() for r in found]
    finally:
        con.close()


def _cluster(
    args: argparse.Namespace, time_from: Any, time_to: Any, systems: tuple[str, ...] | None
) -> list[dict[str, Any]]:
    from logyard.analytics.metrics import compute_all_on_cluster, compute_on_cluster
    from logyard.store.opensearch._client import ClientSettings, ClusterClient

    # a metric the cluster cannot compute: compute_on_cluster's QueryError names it
    env = os.environ
    client = ClusterClient(
        ClientSettings(
            urls=(args.cluster,),
            flavour=args.flavour,
            username=env.get("LOGYARD_CLUSTER_USERNAME") or None,
            password=env.get("LOGYARD_CLUSTER_PASSWORD") or None,
            api_key=env.get("LOGYARD_CLUSTER_API_KEY") or None,
            ca_file=args.ca_file,
        )
    )
    try:
        if args.name is not None:
            found = [
                compute_on_cluster(
                    client, args.name, time_from=time_from, time_to=time_to, systems=systems
                )
            ]
        else:
            found = compute_all_on_cluster(
                client, time_from=time_from, time_to=time_to, systems=systems
            )
    finally:
        client.close()
    return [r.to_json() for r in found]


def _remote(args: argparse.Namespace, systems: tuple[str, ...] | None) -> list[dict[str, Any]]:
    from logyard.cli._client import Client, resolve_token
    from logyard.cli._main import DEFAULT_URL

    url = args.url or os.environ.get("LOGYARD_URL", DEFAULT_URL)
    client = Client(url, resolve_token(args.token, url=url))
    params = {
        "from": args.time_from,
        "to": args.time_to,
        "system": ",".join(systems) if systems else None,
    }
    if args.name is not None:
        return [client.get(f"/api/v1/metrics/{args.name}", params)]
    answer = client.get("/api/v1/metrics", params)
    results: list[dict[str, Any]] = answer["metrics"]
    return results


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    return f"{value:.3g}" if abs(value) < 0.01 else f"{value:.2f}"


def _text(result: dict[str, Any]) -> str:
    from logyard.cli._client import terminal_safe

    unit = result["unit"]
    head = f"{result['name']:<22} {_number(result['value']):>12} {unit:<16}"
    if result["empty"]:
        head += f" empty: {result.get('reason', '')}"
    else:
        head += f" n={result['count']}"
        detail = result.get("detail", {})
        if "p50" in detail:
            head += "  " + "  ".join(f"{k} {_number(detail[k])}" for k in ("p50", "p95", "p99"))
    lines = [head, f"  {result['from']} .. {result['to']}"]
    for system, fig in result["by_system"].items():
        shown = _number(fig["value"]) if not fig["empty"] else "empty"
        lines.append(f"  {system:<14} {shown:>12}")
    return "".join(terminal_safe(line) + "\n" for line in lines)
