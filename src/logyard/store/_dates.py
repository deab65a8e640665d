"""Times and intervals as requests write them: ISO 8601 or epoch ms, ``30s`` / ``5m`` / ``auto``."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

from logyard.errors import QueryError

__all__ = [
    "AUTO_MAX_BUCKETS",
    "auto_interval",
    "format_epoch_ms",
    "interval_ms",
    "parse_datetime",
    "to_epoch_ms",
]

AUTO_MAX_BUCKETS = 100

_UNITS_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_INTERVAL = re.compile(r"^([1-9][0-9]*)(ms|s|m|h|d)$")
_NICE_MS = [
    n * _UNITS_MS[u]
    for n, u in (
        (1, "s"), (5, "s"), (10, "s"), (30, "s"),
        (1, "m"), (5, "m"), (10, "m"), (30, "m"),
        (1, "h"), (3, "h"), (6, "h"), (12, "h"),
        (1, "d"), (7, "d"), (30, "d"), (365, "d"),
    )
]  # fmt: skip


def parse_datetime(value: object, where: str) -> datetime:
    """A UTC datetime from ISO 8601 text (``Z``/offset/naive=UTC/date only) or epoch ms."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            pass
    elif isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return parse_datetime(int(text), where)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise QueryError(
        f"{where}: {value!r} is not a date; "
        "write ISO 8601 like 2026-11-26T05:00:00Z or epoch milliseconds"
    )


def interval_ms(text: str, where: str) -> int:
    """Milliseconds of a fixed interval like ``30s``, ``1m``, ``1h``, ``1d``."""
    match = _INTERVAL.match(text.strip())
    if not match:
        raise QueryError(
            f"{where}: {text!r} is not a fixed interval; "
            "write a number and a unit (ms, s, m, h, d) like 30s, 5m, 1h, or 'auto'"
        )
    return int(match.group(1)) * _UNITS_MS[match.group(2)]


def auto_interval(start: datetime, end: datetime, max_buckets: int = AUTO_MAX_BUCKETS) -> str:
    """The smallest round interval that cuts ``[start, end)`` into at most ``max_buckets``."""
    span = max((end - start) / timedelta(milliseconds=1), 1.0)
    for ms in _NICE_MS:
        if math.ceil(span / ms) + 1 <= max_buckets:
            return _format_interval(ms)
    return _format_interval(math.ceil(span / (max_buckets - 1) / _UNITS_MS["d"]) * _UNITS_MS["d"])


def _format_interval(ms: int) -> str:
    for unit in ("d", "h", "m", "s"):
        if ms % _UNITS_MS[unit] == 0:
            return f"{ms // _UNITS_MS[unit]}{unit}"
    return f"{ms}ms"


def to_epoch_ms(ts: datetime) -> int:
    """Epoch milliseconds of a datetime (naive means UTC)."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return (ts - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def format_epoch_ms(ms: int) -> str:
    """``2026-11-26T05:00:00.000Z``: how Elasticsearch writes a bucket's ``key_as_string``."""
    ts = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"
