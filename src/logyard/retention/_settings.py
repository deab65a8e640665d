"""The ``LOGYARD_RETENTION_*`` environment variables of the retention inside ``logyard up``.

- ``LOGYARD_RETENTION_ENABLED`` (``true``): ``false`` turns the scheduled run off.
- ``LOGYARD_RETENTION_DAYS`` (``180``): days every system keeps.
- ``LOGYARD_RETENTION_SYSTEMS`` (none): per-system days, ``mes=90,crm=365``.
- ``LOGYARD_RETENTION_TO`` (``<data dir>/archive``): ``s3://bucket/prefix`` or a directory.
- ``LOGYARD_RETENTION_ENDPOINT_URL`` (none): an S3 endpoint (MinIO, ...); boto3 also reads
  ``AWS_ENDPOINT_URL``.
- ``LOGYARD_RETENTION_EVERY_SECS`` (``86400``): seconds between runs (daily).
- ``LOGYARD_RETENTION_START_DELAY_SECS`` (``600``): seconds after the start before the first.

S3 credentials come from the usual ``AWS_*`` variables (or a profile or instance role).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from logyard.retention._policy import (
    DEFAULT_DAYS,
    RetentionPolicy,
    all_problems,
    override_problems,
)
from logyard.retention._target import target_problem

__all__ = ["PREFIX", "RetentionSettings"]

PREFIX = "LOGYARD_RETENTION_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    """The scheduled retention's settings (see the module doc for the variables)."""

    enabled: bool = True
    days: int = DEFAULT_DAYS
    systems: dict[str, int] = field(default_factory=dict)
    to: str | None = None
    endpoint_url: str | None = None
    every_secs: float = 86_400.0
    start_delay_secs: float = 600.0

    def policy(self) -> RetentionPolicy:
        """The retention policy these settings give."""
        return RetentionPolicy(self.days, self.systems)

    def destination(self, data_dir: Path) -> str:
        """Where archives go: ``to``, else ``<data dir>/archive``."""
        return self.to or str(data_dir / "archive")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> RetentionSettings:
        """Read the variables; every problem is reported at once in one ConfigError."""
        problems: list[str] = []

        def get(name: str) -> str | None:
            value = environ.get(PREFIX + name)
            return value.strip() if value is not None and value.strip() else None

        def number(name: str, default: float, least: float) -> float:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = float(raw)
            except ValueError:
                problems.append(f"{PREFIX}{name}: {raw!r} is not a number; write e.g. {default:g}")
                return default
            if value < least:
                problems.append(f"{PREFIX}{name}: {raw} is below {least:g}; use {least:g} or more")
                return default
            return value

        enabled = True
        raw_enabled = get("ENABLED")
        if raw_enabled is not None:
            if raw_enabled.lower() in _TRUE:
                enabled = True
            elif raw_enabled.lower() in _FALSE:
                enabled = False
            else:
                problems.append(
                    f"{PREFIX}ENABLED: {raw_enabled!r} is not a boolean; write true or false"
                )
        days = number("DAYS", DEFAULT_DAYS, 1)
        if days != int(days):
            problems.append(f"{PREFIX}DAYS: {days:g} is not a whole number of days")
        systems: dict[str, int] = {}
        raw_systems = get("SYSTEMS")
        if raw_systems is not None:
            systems, bad = override_problems(
                [s for s in raw_systems.split(",") if s.strip()], f"{PREFIX}SYSTEMS"
            )
            problems += bad
        to = get("TO")
        to_problem = None if to is None else target_problem(to, f"{PREFIX}TO")
        if to_problem is not None:
            problems.append(to_problem)
        every = number("EVERY_SECS", 86_400.0, 1)
        delay = number("START_DELAY_SECS", 600.0, 0)
        if problems:
            raise all_problems(problems)
        return cls(
            enabled=enabled,
            days=int(days),
            systems=systems,
            to=to,
            endpoint_url=get("ENDPOINT_URL"),
            every_secs=every,
            start_delay_secs=delay,
        )
