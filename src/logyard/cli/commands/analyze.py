"""``logyard analyze``: the alerting service on its own, against a running logyard's API.

::

    logyard analyze --rules alerts.toml --url http://logyard:8000 --token $TOKEN
    logyard analyze --rules alerts.toml --check          # validate, print every problem
    logyard analyze --rules alerts.toml --once           # one cycle, then exit
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]

DEFAULT_URL = "http://127.0.0.1:8000"


def register(sub: Any, setup: Any) -> None:
    p = sub.add_parser("analyze", help="evaluate alert rules against a running logyard")
    p.add_argument("--rules", type=Path, default=None, help="rule file (default: shipped rules)")
    p.add_argument("--url", default=os.environ.get("LOGYARD_URL", DEFAULT_URL))
    p.add_argument("--token", default=None, help="API token (default: $LOGYARD_TOKEN)")
    p.add_argument(
        "--state",
        type=Path,
        default=Path(os.environ.get("LOGYARD_ALERT_STATE", "logyard-alerts.db")),
        help="alert state file (SQLite; default: $LOGYARD_ALERT_STATE or logyard-alerts.db)",
    )
    p.add_argument("--check", action="store_true", help="validate the rules, print problems")
    p.add_argument("--once", action="store_true", help="run one cycle and exit")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import logging

    from logyard.alerting import (
        DEFAULT_RULES,
        AlertService,
        AlertState,
        HttpQuerier,
        load_rules,
        run_forever,
    )
    from logyard.cli._client import resolve_token

    path = args.rules or DEFAULT_RULES
    rules = load_rules(path)
    if args.check:
        sys.stdout.write(
            f"{path}: valid; {len(rules.rules)} rule(s), {len(rules.notifiers)} notifier(s)\n"
        )
        return 0
    querier = HttpQuerier(args.url, resolve_token(args.token, url=args.url))
    service = AlertService(rules, querier, AlertState(args.state))
    if args.once:
        report = service.run_cycle()
        for error in report.errors:
            sys.stderr.write(f"Error: {error}\n")
        sys.stdout.write(
            f"{report.windows} window(s) evaluated, {report.opened} alert(s) opened, "
            f"{report.resolved} resolved, {report.delivered} notification(s) sent, "
            f"{report.failed} failed\n"
        )
        return 1 if report.errors else 0
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    sys.stderr.write(
        f"logyard analyze: {len(rules.enabled())} rule(s) from {path} against {args.url}, "
        f"state in {args.state}\n"
    )
    try:
        run_forever(service)
    except KeyboardInterrupt:
        service.stop()
    return 0
