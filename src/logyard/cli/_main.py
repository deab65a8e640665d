"""The ``logyard`` command: argument parsing and dispatch.

Exit codes follow click: 0 success, 1 runtime failure, 2 usage or configuration error.
Errors print one line, ``Error: <where>: <what>; <how to fix>``, on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from logyard import __version__
from logyard.errors import ConfigError, LogyardError

__all__ = ["build_parser", "main"]

DEFAULT_URL = "http://127.0.0.1:8000"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="logyard", description="Centralized logging and log analysis."
    )
    parser.add_argument("--version", action="version", version=f"logyard {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def server_args(p: argparse.ArgumentParser, data_default: Path | None) -> None:
        p.add_argument(
            "--data-dir",
            type=Path,
            default=data_default,
            required=data_default is None,
            help="where logs, queue and tokens live",
        )
        p.add_argument("--host", default="127.0.0.1", help="address to listen on")
        p.add_argument("--port", type=int, default=8000, help="port to listen on")
        p.add_argument(
            "--rate", type=float, default=200.0, help="simulator events per second (0 = max)"
        )
        p.add_argument("--seed", type=int, default=None, help="simulator seed (deterministic)")
        p.add_argument("--tls-cert", type=Path, default=None, help="serve HTTPS: certificate (PEM)")
        p.add_argument("--tls-key", type=Path, default=None, help="serve HTTPS: private key (PEM)")
        p.add_argument(
            "--duration",
            type=float,
            default=None,
            metavar="SECS",
            help="stop the simulator after SECS seconds (default: run until stopped)",
        )

    from logyard.cli._paths import default_demo_dir

    up = sub.add_parser("up", help="run ingest, processor, store, API and console")
    server_args(up, Path(os.environ.get("LOGYARD_DATA_DIR", "logyard-data")))
    up.add_argument("--demo", action="store_true", help="also run the company simulator")

    demo = sub.add_parser("demo", help="`up --demo` with a default data dir")
    server_args(demo, default_demo_dir())

    def client_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("query", nargs="?", default="", help="KQL, e.g. 'log.level:ERROR'")
        p.add_argument("--url", default=os.environ.get("LOGYARD_URL", DEFAULT_URL))
        p.add_argument("--token", default=None, help="API token (default: $LOGYARD_TOKEN)")
        p.add_argument("--json", action="store_true", help="print events as NDJSON")

    search = sub.add_parser("search", help="search a running logyard with KQL")
    client_args(search)
    search.add_argument("--from", dest="time_from", default=None, help="e.g. now-1h or RFC 3339")
    search.add_argument("--to", dest="time_to", default=None)
    search.add_argument("--size", type=int, default=20)

    tail = sub.add_parser("tail", help="follow new events matching KQL")
    client_args(tail)
    tail.add_argument("--interval", type=float, default=1.0, help="seconds between polls")

    dlq = sub.add_parser("dlq", help="list or replay rejected events (dead letters)")
    dlq_sub = dlq.add_subparsers(dest="dlq_command", required=True, metavar="ACTION")
    dlq_list = dlq_sub.add_parser("list", help="dead letters, newest first")
    dlq_list.add_argument("--reason", default=None, help="only this reason code")
    dlq_list.add_argument("--since", default=None, help="e.g. now-1h or RFC 3339")
    dlq_list.add_argument("--limit", type=int, default=50)
    dlq_replay = dlq_sub.add_parser("replay", help="validate again and ingest what passes now")
    which = dlq_replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", dest="ids", action="append", help="a dead letter id (repeatable)")
    which.add_argument("--reason", default=None, help="every dead letter with this reason code")
    for p in (dlq_list, dlq_replay):
        p.add_argument("--url", default=os.environ.get("LOGYARD_URL", DEFAULT_URL))
        p.add_argument("--token", default=None, help="API token (default: $LOGYARD_TOKEN)")
        p.add_argument("--json", action="store_true", help="print the API's JSON answer")

    process = sub.add_parser(
        "process", help="run the standalone processor (Kafka, PostgreSQL, RabbitMQ, S3 inputs)"
    )
    process.add_argument("--config", type=Path, required=True, help="pipeline.toml")
    process.add_argument(
        "--check", action="store_true", help="validate the config, print every problem, exit"
    )

    from logyard._kafka_flags import add_security_arguments

    sim = sub.add_parser("sim", help="send the company simulator's traffic to Kafka or a server")
    sim.add_argument("--kafka", default=None, metavar="HOST:PORT[,...]", help="Kafka brokers")
    sim.add_argument("--url", default=None, help="a running logyard (HTTP ingest) instead")
    sim.add_argument("--token", default=None, help="ingest token for --url")
    sim.add_argument("--rabbitmq", default=None, metavar="AMQP_URL", help="publish orders here")
    sim.add_argument("--queue", default="orders.incoming", help="RabbitMQ queue of orders")
    sim.add_argument("--rate", type=float, default=200.0, help="events per second")
    sim.add_argument("--duration", type=float, default=None, metavar="SECS")
    sim.add_argument("--seed", type=int, default=1)
    add_security_arguments(sim)

    forget = sub.add_parser(
        "forget", help="crypto-shred a data subject: delete the key of its encrypted originals"
    )
    forget.add_argument("subject", help="subject id (e.g. email:…), or the value with --kind")
    forget.add_argument("--kind", default=None, help="email, phone, …: SUBJECT is the value")
    forget.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("LOGYARD_DATA_DIR", "logyard-data"))
    )

    data_dir_default = Path(os.environ.get("LOGYARD_DATA_DIR", "logyard-data"))
    users = sub.add_parser("users", help="users of the console and API (roles)")
    users_sub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    users_add = users_sub.add_parser("add", help="create or update a user")
    users_add.add_argument("name")
    users_add.add_argument("--role", required=True, help="admin, auditor or Support_Logs")
    users_add.add_argument("--password-stdin", action="store_true", help="read the password")
    users_list = users_sub.add_parser("list", help="users and their roles")
    for p in (users_add, users_list):
        p.add_argument("--data-dir", type=Path, default=data_dir_default)
    tokens = sub.add_parser("tokens", help="API tokens (shown once, stored hashed)")
    tokens_sub = tokens.add_subparsers(dest="tokens_command", required=True, metavar="ACTION")
    tokens_create = tokens_sub.add_parser("create", help="a new token")
    owner = tokens_create.add_mutually_exclusive_group()
    owner.add_argument("--user", default=None, help="a token acting as this user")
    owner.add_argument("--service", default=None, help="an ingest token for one system")
    tokens_create.add_argument("--name", default=None, help="what the token is for")
    tokens_create.add_argument("--data-dir", type=Path, default=data_dir_default)

    verify = sub.add_parser("verify", help="check the stored logs' hash chains (tamper evidence)")
    verify.add_argument("--system", default=None, help="one system (default: all)")
    verify.add_argument("--from", dest="time_from", default=None, help="stored from (RFC 3339)")
    verify.add_argument("--to", dest="time_to", default=None)
    verify.add_argument(
        "--max-silence", type=float, default=None, metavar="SECS",
        help="report a truncation when the newest checkpoint is older than SECS",
    )  # fmt: skip
    verify.add_argument("--data-dir", type=Path, default=data_dir_default)

    setup = sub.add_parser("setup", help="create what the distributed setup needs elsewhere")
    setup_sub = setup.add_subparsers(dest="setup_command", required=True, metavar="TARGET")
    setup_kafka = setup_sub.add_parser("kafka", help="topics, per-service SCRAM users and ACLs")
    setup_kafka.add_argument("--bootstrap", required=True, metavar="HOST:PORT[,...]")
    setup_kafka.add_argument("--dry-run", action="store_true", help="print the plan only")
    setup_kafka.add_argument("--partitions", type=int, default=6)
    setup_kafka.add_argument("--replication", type=int, default=3)
    setup_kafka.add_argument(
        "--rotate-passwords", action="store_true", help="replace existing users' passwords"
    )
    add_security_arguments(setup_kafka)
    setup_kafka.set_defaults(run=_setup_kafka)

    keys = sub.add_parser("keys", help="manage the master key of field encryption")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    rotate = keys_sub.add_parser("rotate", help="new master key; re-wraps data keys only")
    rotate.add_argument("--retire", action="store_true", help="drop the old master key")
    rotate.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("LOGYARD_DATA_DIR", "logyard-data"))
    )

    from logyard.cli.commands import register_all

    register_all(sub, setup_sub)

    catalog = sub.add_parser("catalog", help="print the event catalogue")
    catalog.add_argument(
        "--json-schema", type=Path, default=None, metavar="DIR", help="write JSON Schemas to DIR"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``logyard`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except ConfigError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 2
    except LogyardError as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`logyard tail ... | head -1`): stop quietly. stdout points at
        # /dev/null so the interpreter's final flush does not fail again (Python's
        # documented recipe for SIGPIPE).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    run = getattr(args, "run", None)
    if run is not None:
        code: int = run(args)
        return code
    if args.command == "catalog":
        from logyard.cli._catalog import run_catalog

        return run_catalog(args.json_schema)
    if args.command in ("users", "tokens"):
        from logyard.cli._access import run_access

        return run_access(args)
    if args.command == "verify":
        return _verify(args)
    if args.command == "forget":
        from logyard.security.crypto import forget_command

        return forget_command(args.data_dir, args.subject, kind=args.kind)
    if args.command == "keys":
        from logyard.security.crypto import rotate_command

        return rotate_command(args.data_dir, retire=args.retire)
    if args.command == "sim":
        from logyard.cli._sim import run_sim

        return run_sim(
            kafka=args.kafka,
            url=args.url,
            token=args.token or os.environ.get("LOGYARD_TOKEN"),
            rabbitmq=args.rabbitmq,
            queue=args.queue,
            rate=args.rate,
            duration_secs=args.duration,
            seed=args.seed,
            kafka_config=_kafka_security(args) if args.kafka else None,
        )
    if args.command == "process":
        return _process(args.config, check=args.check)
    if args.command in ("up", "demo"):
        from logyard.cli._server import run_up

        demo = args.command == "demo" or args.demo
        return run_up(
            data_dir=args.data_dir,
            host=args.host,
            port=args.port,
            demo_rate=args.rate if demo else None,
            demo_seed=args.seed,
            demo_secs=args.duration,
            tls=_tls(args.tls_cert, args.tls_key),
        )
    from logyard.cli._client import Client, resolve_token, run_search, run_tail

    client = Client(args.url, resolve_token(args.token, url=args.url))
    if args.command == "dlq":
        from logyard.cli._dlq import run_dlq

        return run_dlq(client, args)
    if args.command == "search":
        if args.size < 0:
            raise ConfigError(f"--size: {args.size} is negative; pass 0 or more")
        return run_search(
            client,
            args.query,
            time_from=args.time_from,
            time_to=args.time_to,
            size=args.size,
            as_json=args.json,
        )
    return run_tail(client, args.query, interval_secs=args.interval, as_json=args.json)


def _setup_kafka(args: argparse.Namespace) -> int:
    from logyard.pipeline.kafka_security import check_reachable, security_config
    from logyard.pipeline.kafka_setup import setup_kafka_command

    config = security_config(args)
    if not args.dry_run:
        check_reachable(args.bootstrap, config)
    return setup_kafka_command(
        args.bootstrap,
        dry_run=args.dry_run,
        partitions=args.partitions,
        replication=args.replication,
        admin_config=config,
        rotate_passwords=args.rotate_passwords,
    )


def _kafka_security(args: argparse.Namespace) -> dict[str, str]:
    from logyard._kafka_flags import security_config

    return security_config(args)


def _tls(cert: Path | None, key: Path | None) -> tuple[Path, Path] | None:
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise ConfigError("--tls-cert/--tls-key: give both, the certificate and its key")
    for flag, path in (("--tls-cert", cert), ("--tls-key", key)):
        if not path.is_file():
            raise ConfigError(f"{flag}: {path} is not a readable file; check the path")
    return cert, key


def _verify(args: argparse.Namespace) -> int:
    from logyard.api._time import parse_time
    from logyard.security.chain import (
        TrustedKeys,
        load_signer,
        trusted_keys_from_env,
        verify_command,
    )

    keys = trusted_keys_from_env()
    key_file = args.data_dir / "chain.key"
    if not len(keys) and key_file.exists():
        signer = load_signer({"LOGYARD_CHAIN_KEY_FILE": str(key_file)})
        keys = TrustedKeys([signer.public]) if signer else keys
    return verify_command(
        args.data_dir / "logs.duckdb",
        args.system,
        parse_time(args.time_from, "--from"),
        parse_time(args.time_to, "--to"),
        max_silence_secs=args.max_silence,
        keys=keys if len(keys) else None,
    )


def _process(path: Path, *, check: bool) -> int:
    import logging

    from logyard.pipeline._config import load_config, missing_environment

    config = load_config(path)
    missing = missing_environment(config)
    if missing:
        listed = "\n  ".join(missing)
        raise ConfigError(f"{path}: {len(missing)} problem(s):\n  {listed}")
    if check:
        names = ", ".join(f"{n} ({c.type})" for n, c in config.inputs.items())
        sys.stdout.write(f"{path}: valid; inputs: {names}; store: {config.store.path}\n")
        return 0
    from logyard.pipeline._standalone import StandaloneProcessor

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    processor = StandaloneProcessor(config)
    sys.stderr.write(f"logyard process: {len(config.inputs)} input(s) into {config.store.path}\n")
    processor.run_forever()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
