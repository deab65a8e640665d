"""``logyard dlq list`` and ``logyard dlq replay`` against a running logyard."""

from __future__ import annotations

import argparse
import json
import sys

from logyard.cli._client import Client, json_line
from logyard.errors import ConfigError

__all__ = ["run_dlq"]


def run_dlq(client: Client, args: argparse.Namespace) -> int:
    """Dispatch a ``dlq`` action; returns the exit code."""
    if args.dlq_command == "list":
        if args.limit < 1:
            raise ConfigError(f"--limit: {args.limit} is below 1; pass 1 or more")
        answer = client.get(
            "/api/v1/dlq", {"reason": args.reason, "since": args.since, "limit": args.limit}
        )
        letters = answer["dead_letters"]
        if args.json:
            for letter in letters:
                sys.stdout.write(json_line(letter) + "\n")
            return 0
        for d in letters:
            raw = d["raw"].replace("\n", " ")
            raw = raw if len(raw) <= 80 else raw[:77] + "..."
            sys.stdout.write(
                f"{str(d['received_at'])[:23]}  {d['id']}  {d['reason_code']:<16} "
                f"{d['reason']}\n{'':25}raw: {raw}\n"
            )
        sys.stdout.flush()
        sys.stderr.write(f"{len(letters)} dead letter(s)\n")
        return 0
    body = {"ids": args.ids} if args.ids else {"reason": args.reason}
    answer = client.post("/api/v1/dlq/replay", body)
    if args.json:
        sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
    else:
        for item in answer["still_failing"]:
            sys.stdout.write(f"still failing  {item['id']}  {item['code']}: {item['reason']}\n")
        sys.stdout.flush()
        sys.stderr.write(
            f"replayed {answer['replayed']}, still failing {len(answer['still_failing'])}\n"
        )
    return 0 if not answer["still_failing"] else 1
