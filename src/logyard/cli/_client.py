"""``logyard search`` and ``logyard tail``: talk to a running ``logyard up`` over HTTP."""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from logyard._api_client import ApiClient
from logyard.catalog import CATALOG
from logyard.cli._paths import default_demo_dir
from logyard.errors import ConfigError, LogyardError

__all__ = ["Client", "format_hit", "json_line", "resolve_token", "terminal_safe"]

# The envelope (what service.started carries) minus client.ip, which summaries show.
_ENVELOPE = {f.name for f in CATALOG["service.started"].fields} - {"client.ip"} | {"event.action"}


def resolve_token(
    explicit: str | None, data_dir: Path | None = None, *, url: str = "http://127.0.0.1"
) -> str | None:
    """``--token``, then ``LOGYARD_TOKEN``, then — only when ``url`` is on this machine's
    loopback — the local data dir's admin token (never sent to another host)."""
    if explicit:
        return explicit
    if os.environ.get("LOGYARD_TOKEN"):
        return os.environ["LOGYARD_TOKEN"]
    host = urllib.parse.urlsplit(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        return None
    for directory in (data_dir, default_demo_dir()):
        if directory is None:
            continue
        path = directory / "tokens.json"
        try:
            token: str = json.loads(path.read_text())["admin"]
        except (OSError, ValueError, KeyError):
            continue
        return token
    return None


class Client(ApiClient):
    """A small HTTP client for the logyard API; errors say which flag or command fixes them."""

    def refused(self, status: int, detail: str) -> LogyardError:
        if status == 401:
            # The API's own "how to fix" speaks HTTP; a CLI user fixes it with a flag.
            what = detail.split(";")[0]
            return ConfigError(f"{self.url}: {what}; pass --token or set LOGYARD_TOKEN")
        return super().refused(status, detail)

    def unreachable(self, reason: object) -> LogyardError:
        return LogyardError(
            f"{self.url}: cannot reach logyard ({reason}); start it with `logyard up` "
            "or pass --url / set LOGYARD_URL"
        )


def format_hit(hit: dict[str, Any]) -> str:
    """One line for a terminal: time, system, level, action, who, summary."""
    ts = _short_time(str(hit.get("@timestamp", "")))
    level = hit.get("log.level", "INFO")
    body = {k: v for k, v in hit.items() if k not in _ENVELOPE}
    summary = hit.get("message") or " ".join(
        f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in body.items()
    )
    who = hit.get("user.name") or "-"
    return terminal_safe(
        f"{ts:<23}  {hit.get('service.name', '?'):<13} {level:<5}  "
        f"{hit.get('event.action', '?'):<18} {who:<16} {summary}"
    )


# C0 and C1 controls (ESC starts ANSI/OSC sequences), DEL, and the line/paragraph
# separators: shown escaped, never passed to the terminal (CWE-117, CWE-150).
_UNSAFE = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}
_UNSAFE.update({0x2028: "\\u2028", 0x2029: "\\u2029"})


# Inside JSON strings only: json.dumps escapes C0 controls itself, these it leaves raw.
_JSON_UNSAFE = {c: f"\\u{c:04x}" for c in [0x7F, *range(0x80, 0xA0), 0x2028, 0x2029]}


def json_line(value: object) -> str:
    """One NDJSON line (UTF-8 kept readable) with DEL, C1 controls and U+2028/U+2029 as
    ``\\u`` escapes: still the same JSON, but safe for terminals and line splitters."""
    return json.dumps(value, ensure_ascii=False).translate(_JSON_UNSAFE)


def terminal_safe(text: str) -> str:
    """``text`` with every control character escaped (``\\x1b``), so a log line cannot
    move the cursor, recolour the terminal, set its title or forge another line."""
    return text.translate(_UNSAFE)


def _short_time(text: str) -> str:
    """``2026-11-26 05:29:26.000`` (UTC, milliseconds) whatever precision the store kept."""
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text[:23].replace("T", " ")
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC)
    return ts.strftime("%Y-%m-%d %H:%M:%S.%f")[:23]


def run_search(
    client: Client,
    query: str,
    *,
    time_from: str | None,
    time_to: str | None,
    size: int,
    as_json: bool,
) -> int:
    """Print one page of hits (oldest last) and the total; returns the exit code."""
    result = client.get(
        "/api/v1/search", {"q": query, "from": time_from, "to": time_to, "size": size}
    )
    hits = result["hits"]
    if as_json:
        for hit in hits:
            sys.stdout.write(json_line(hit) + "\n")
        return 0
    for hit in hits:
        sys.stdout.write(format_hit(hit) + "\n")
    sys.stdout.flush()  # the count on stderr comes after the hits, also when both are a tty
    sys.stderr.write(f"{len(hits)} of {result['total']} matching events\n")
    return 0


def run_tail(client: Client, query: str, *, interval_secs: float, as_json: bool) -> int:
    """Follow new matching events until interrupted."""
    seen: set[str] = set()
    since = "now-10s"
    try:
        while True:
            result = client.get(
                "/api/v1/search", {"q": query, "from": since, "size": 1000, "sort": "asc"}
            )
            for hit in result["hits"]:
                event_id = hit.get("event.id", "")
                if event_id in seen:
                    continue
                seen.add(event_id)
                line = json_line(hit) if as_json else format_hit(hit)
                sys.stdout.write(line + "\n")
                since = str(hit.get("@timestamp", since))
            sys.stdout.flush()
            if len(seen) > 100_000:
                seen.clear()
            time.sleep(interval_secs)
    except KeyboardInterrupt:
        return 0
