"""Background services that ``logyard up`` runs beside the processor, found here by name.

Each module in this package defines ``start(runtime) -> Service | None``: it starts its
work (a thread, usually) against the :class:`~logyard.api._runtime.Runtime` and returns
something to ``stop()`` at shutdown, or None when it has nothing to do (disabled by
configuration). Services stop in reverse order, before the processor drains.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from logyard.api._runtime import Runtime

__all__ = ["Service", "start_all"]

_log = logging.getLogger("logyard.services")


class Service(Protocol):
    """A running background service."""

    def stop(self) -> None:
        """Stop and release what the service holds; must return within a few seconds."""
        ...


def start_all(runtime: Runtime) -> list[Service]:
    """Start every service module's work; a service that fails to start is logged and
    skipped, so one broken service never keeps the logs from flowing."""
    started: list[Service] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"{__name__}.{info.name}")
            service = module.start(runtime)
        except Exception:
            _log.exception("services: %s did not start; the rest of logyard runs on", info.name)
            continue
        if service is not None:
            started.append(service)
    return started
