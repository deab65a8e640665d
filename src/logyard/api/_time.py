"""Time parameters: RFC 3339 (``2026-11-26T05:00:00Z``), epoch ms, or ``now``/``now-15m``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from logyard.errors import QueryError

__all__ = ["parse_time"]

_RELATIVE = re.compile(r"^now(?:-(\d+)([smhdw]))?$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_time(value: str | None, name: str, *, now: datetime | None = None) -> datetime | None:
    """Parse a time parameter; ``name`` is used in the error message."""
    if value is None or value == "":
        return None
    text = value.strip()
    match = _RELATIVE.match(text)
    try:
        if match:
            base = now or datetime.now(UTC)
            if match.group(1) is None:
                return base
            return base - timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        raise QueryError(
            f"{name}: {value!r} is out of range; use a time between year 1 and 9999"
        ) from None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(
            f"{name}: cannot read {value!r} as a time; use RFC 3339 like "
            "2026-11-26T05:00:00Z, epoch milliseconds, or now-15m"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
