"""``logyard alerts list|history|silences|silence|unsilence``.

Through a running logyard's API (``--url``/``--token``), or straight from a state file
(``--state``, e.g. the one ``logyard analyze`` keeps).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["register"]

DEFAULT_URL = "http://127.0.0.1:8000"


def register(sub: Any, setup: Any) -> None:
    alerts = sub.add_parser("alerts", help="firing alerts, their history, silences")
    actions = alerts.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    ls = actions.add_parser("list", help="firing alerts (or --all)")
    ls.add_argument("--all", action="store_true", help="resolved and one-shot alerts too")
    ls.add_argument("--rule", default=None)
    ls.add_argument("--limit", type=int, default=100)
    hist = actions.add_parser("history", help="what happened to alerts, newest first")
    hist.add_argument("--rule", default=None)
    hist.add_argument("--since", default=None, help="e.g. now-1h or RFC 3339")
    hist.add_argument("--limit", type=int, default=100)
    sil = actions.add_parser("silences", help="silences not removed yet")
    add = actions.add_parser("silence", help="mute alerts of matching rules until a time")
    add.add_argument("rule", help='rule name or glob, e.g. "api-*"')
    add.add_argument("--group", default="*", help="group value or glob (default: every group)")
    add.add_argument("--for", dest="duration", default=None, help="e.g. 2h (or --until)")
    add.add_argument("--until", default=None, help="RFC 3339 end of the silence")
    add.add_argument("--comment", default="", help="why (kept in the history)")
    rm = actions.add_parser("unsilence", help="end a silence now")
    rm.add_argument("id", type=int, help="the silence's id (see `logyard alerts silences`)")
    for p in (ls, hist, sil, add, rm):
        p.add_argument("--url", default=os.environ.get("LOGYARD_URL", DEFAULT_URL))
        p.add_argument("--token", default=None, help="API token (default: $LOGYARD_TOKEN)")
        p.add_argument("--state", type=Path, default=None, help="read/write this state file")
        p.add_argument("--json", action="store_true", help="print JSON lines")
        p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from logyard.errors import ConfigError

    if getattr(args, "limit", 1) < 1:
        raise ConfigError(f"--limit: {args.limit} is below 1; pass 1 or more")
    backend = _Local(args.state) if args.state else _Remote(args.url, args.token)
    command = args.alerts_command
    if command == "list":
        rows = backend.alerts("all" if args.all else "firing", args.rule, args.limit)
        return _print(args, rows, _alert_line, "alert(s)")
    if command == "history":
        rows = backend.history(args.rule, args.since, args.limit)
        return _print(args, rows, _history_line, "entries")
    if command == "silences":
        return _print(args, backend.silences(), _silence_line, "silence(s)")
    if command == "silence":
        if (args.duration is None) == (args.until is None):
            raise ConfigError("silence: give either --for (e.g. 2h) or --until (RFC 3339)")
        until = f"now+{args.duration}" if args.duration else args.until
        row = backend.silence(args.rule, args.group, until, args.comment)
        return _print(args, [row], _silence_line, "silence added")
    backend.unsilence(args.id)
    sys.stderr.write(f"silence {args.id} removed\n")
    return 0


def _print(args: argparse.Namespace, rows: list[dict[str, Any]], line: Any, what: str) -> int:
    from logyard.cli._client import json_line, terminal_safe

    for row in rows:
        sys.stdout.write((json_line(row) if args.json else terminal_safe(line(row))) + "\n")
    sys.stdout.flush()
    if not args.json:
        sys.stderr.write(f"{len(rows)} {what}\n")
    return 0


def _alert_line(a: dict[str, Any]) -> str:
    group = f" [{a['group']}]" if a["group"] else ""
    flags = " (silenced)" if a["silenced"] else ""
    return (
        f"#{a['id']:<5} {a['status']:<8} {a['severity']:<8} {a['window_end']}  "
        f"{a['rule']}{group}: {a['summary']}{flags}"
    )


def _history_line(h: dict[str, Any]) -> str:
    group = f" [{h['group']}]" if h["group"] else ""
    alert = f"#{h['alert_id']}" if h["alert_id"] is not None else "-"
    return f"{h['at']}  {h['kind']:<15} {alert:<6} {h['rule']}{group}: {h['detail']}"


def _silence_line(s: dict[str, Any]) -> str:
    return (
        f"#{s['id']:<4} {s['rule']} [{s['group']}] until {s['until']} by {s['created_by']}: "
        f"{s['comment']}"
    )


class _Remote:
    def __init__(self, url: str, token: str | None) -> None:
        from logyard.cli._client import Client, resolve_token

        self.client = Client(url, resolve_token(token, url=url))

    def alerts(self, status: str, rule: str | None, limit: int) -> list[dict[str, Any]]:
        answer = self.client.get("/api/v1/alerts", {"status": status, "rule": rule, "limit": limit})
        rows: list[dict[str, Any]] = answer["alerts"]
        return rows

    def history(self, rule: str | None, since: str | None, limit: int) -> list[dict[str, Any]]:
        answer = self.client.get(
            "/api/v1/alerts/history", {"rule": rule, "since": since, "limit": limit}
        )
        rows: list[dict[str, Any]] = answer["history"]
        return rows

    def silences(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.client.get("/api/v1/alerts/silences", {})["silences"]
        return rows

    def silence(self, rule: str, group: str, until: str, comment: str) -> dict[str, Any]:
        row: dict[str, Any] = self.client.post(
            "/api/v1/alerts/silences",
            {"rule": rule, "group": group, "until": until, "comment": comment},
        )
        return row

    def unsilence(self, silence_id: int) -> None:
        import urllib.request

        req = urllib.request.Request(
            f"{self.client.url}/api/v1/alerts/silences/{int(silence_id)}",
            method="DELETE",
        )
        with contextlib.suppress(ValueError):  # 204: no JSON body to read
            self.client._call(req)


class _Local:
    """The same actions on a state file (``logyard analyze``'s)."""

    def __init__(self, path: Path) -> None:
        from logyard.alerting import AlertState
        from logyard.errors import ConfigError

        if not path.exists():
            raise ConfigError(f"--state: {path} does not exist; pass the file analyze writes")
        self.state = AlertState(path)

    def alerts(self, status: str, rule: str | None, limit: int) -> list[dict[str, Any]]:
        from logyard.api.routers.alerts import alert_json

        rows = self.state.alerts(status=None if status == "all" else status, rule=rule, limit=limit)
        return [alert_json(r) for r in rows]

    def history(self, rule: str | None, since: str | None, limit: int) -> list[dict[str, Any]]:
        from logyard.api._time import parse_time
        from logyard.api.routers.alerts import history_json

        start = parse_time(since, "--since")
        rows = self.state.history(
            rule=rule, since_ms=int(start.timestamp() * 1000) if start else None, limit=limit
        )
        return [history_json(r) for r in rows]

    def silences(self) -> list[dict[str, Any]]:
        from logyard.api.routers.alerts import silence_json

        return [silence_json(r) for r in self.state.silences()]

    def silence(self, rule: str, group: str, until: str, comment: str) -> dict[str, Any]:
        from logyard.api._routes import ApiError
        from logyard.api.routers.alerts import parse_until, silence_json
        from logyard.errors import ConfigError

        now = datetime.now(UTC)
        try:
            when = parse_until(until, now)
        except ApiError as exc:
            raise ConfigError(exc.detail.replace("until:", "--for/--until:", 1)) from None
        row = self.state.add_silence(
            rule, group, int(when.timestamp() * 1000), comment=comment,
            created_by=os.environ.get("USER", "cli"), now_ms=int(now.timestamp() * 1000),
        )  # fmt: skip
        return silence_json(row)

    def unsilence(self, silence_id: int) -> None:
        from logyard.errors import ConfigError

        removed = self.state.remove_silence(
            silence_id,
            now_ms=int(datetime.now(UTC).timestamp() * 1000),
            removed_by=os.environ.get("USER", "cli"),
        )
        if not removed:
            raise ConfigError(f"unsilence: no active silence {silence_id}; see `alerts silences`")
