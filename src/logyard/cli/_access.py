"""``logyard users`` and ``logyard tokens``: the role model of a data dir."""

from __future__ import annotations

import argparse
import getpass
import sys

from logyard.catalog import SYSTEMS
from logyard.errors import ConfigError
from logyard.security.access import AccessBook

__all__ = ["run_access"]


def run_access(args: argparse.Namespace) -> int:
    """Dispatch ``users add|list`` and ``tokens create``."""
    book = AccessBook(args.data_dir)
    if args.command == "users" and args.users_command == "list":
        for name, role in book.users():
            sys.stdout.write(f"{name}\t{role}\n")
        return 0
    if args.command == "users":
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass(f"password for {args.name}: ")
        book.add_user(args.name, args.role, password)
        sys.stderr.write(f"user {args.name} ({args.role}) saved in {book.path}\n")
        return 0
    if args.service is not None:
        if args.service not in SYSTEMS:
            raise ConfigError(
                f"--service: {args.service!r} is not a system; use one of {', '.join(SYSTEMS)}"
            )
        token = book.create_token(
            name=args.name or args.service, role="ingest", service=args.service
        )
        what = f"ingest token for {args.service} (writes only its own events)"
    elif args.user is not None:
        user_role = dict(book.users()).get(args.user)
        if user_role is None:
            raise ConfigError(f"--user: no user {args.user!r}; add it with `logyard users add`")
        token = book.create_token(name=args.name or args.user, role=user_role, user=args.user)
        what = f"API token for {args.user} ({user_role})"
    else:
        token = book.create_token(name=args.name or "processor", role="ingest")
        what = "ingest token for every system (processors)"
    sys.stdout.write(token + "\n")
    sys.stderr.write(f"{what}; shown once, stored hashed in {book.path}\n")
    return 0
