"""Build the process's logger from ``LOGYARD_*`` environment variables.

The variables are documented in one place: the docstring of :mod:`logyard.sdk`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from logyard.catalog import System
from logyard.errors import ConfigError
from logyard.sdk._http import HttpTransport
from logyard.sdk._logger import DEFAULT_SPOOL_MAX_BYTES, EventLogger
from logyard.sdk._transport import Transport

__all__ = ["configure"]

_default: EventLogger | None = None


def _max_bytes(env: Mapping[str, str]) -> int:
    text = env.get("LOGYARD_SPOOL_MAX_BYTES", "").strip()
    if not text:
        return DEFAULT_SPOOL_MAX_BYTES
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value <= 0:
        raise ConfigError(
            f"LOGYARD_SPOOL_MAX_BYTES: expected a positive number of bytes, got {text!r}; "
            "set e.g. 268435456 for 256 MiB"
        )
    return value


def configure(
    service: System,
    *,
    version: str | None = None,
    transport: Transport | None = None,
    env: Mapping[str, str] | None = None,
    **options: Any,
) -> EventLogger:
    """The process's logger for ``service``, with settings from the environment.

    ``LOGYARD_URL`` and ``LOGYARD_TOKEN`` build an :class:`HttpTransport` (unless
    ``transport`` is given); ``LOGYARD_SPOOL_DIR`` and ``LOGYARD_SPOOL_MAX_BYTES`` set the
    spool; ``LOGYARD_SDK_MASK=1`` masks events before they leave the host. ``options`` go
    to :class:`EventLogger` and win over the environment. A logger configured before is
    closed. Raises :class:`ConfigError` for a missing or
    malformed setting; after that, the logger never raises into the host.
    """
    global _default
    env = os.environ if env is None else env
    if transport is None:
        url = env.get("LOGYARD_URL", "").strip()
        if not url:
            raise ConfigError(
                "LOGYARD_URL: not set; set it to the logyard server's base URL, "
                "e.g. http://logyard:8080, or pass transport="
            )
        transport = HttpTransport(url, env.get("LOGYARD_TOKEN") or None)
    settings: dict[str, Any] = {"spool_max_bytes": _max_bytes(env)}
    mask = env.get("LOGYARD_SDK_MASK", "").strip().lower()
    if mask not in ("", "0", "false", "no", "1", "true", "yes"):
        raise ConfigError(f"LOGYARD_SDK_MASK: {mask!r} is not a switch; set it to 1 or 0")
    settings["mask"] = mask in ("1", "true", "yes")
    spool_dir = env.get("LOGYARD_SPOOL_DIR", "").strip()
    if spool_dir:
        settings["spool_dir"] = spool_dir
    settings.update(options)
    logger = EventLogger(service, version=version, transport=transport, **settings)
    if _default is not None:
        _default.close()
    _default = logger
    return logger
