"""The analytics branch inside ``logyard up``: folds newly stored events into the analytic
schema every ``LOGYARD_ANALYTICS_INTERVAL_SECS`` (default 1 s); ``LOGYARD_ANALYTICS=off``
turns it off. A failing run is logged and retried at the next tick; the logs flow on."""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING

from logyard.errors import ConfigError

if TYPE_CHECKING:
    from logyard.analytics import Analyzer
    from logyard.api._runtime import Runtime

__all__ = ["AnalyticsService", "start"]

_log = logging.getLogger("logyard.analytics")


class AnalyticsService:
    """A thread that runs :meth:`Analyzer.run_once` until stopped."""

    def __init__(self, analyzer: Analyzer, interval_secs: float) -> None:
        self.analyzer = analyzer
        self.interval_secs = interval_secs
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="logyard-analytics", daemon=True)

    def __repr__(self) -> str:
        return f"AnalyticsService(interval_secs={self.interval_secs})"

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                stats = self.analyzer.run_once()
            except Exception:
                _log.exception("analytics: a run failed; retrying at the next tick")
                self._stop.wait(self.interval_secs)
                continue
            if stats.events < self.analyzer.batch_size:  # caught up: wait for more
                self._stop.wait(self.interval_secs)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _interval(env: dict[str, str]) -> float:
    raw = env.get("LOGYARD_ANALYTICS_INTERVAL_SECS", "1")
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ConfigError(
            f"LOGYARD_ANALYTICS_INTERVAL_SECS: {raw!r} is not a number of seconds > 0; "
            "set it to e.g. 1"
        )
    return value


def start(runtime: Runtime) -> AnalyticsService | None:
    """Start the analytics branch on the runtime's store (None when turned off)."""
    env = dict(os.environ)
    if env.get("LOGYARD_ANALYTICS", "on").lower() in ("off", "0", "false", "no"):
        return None
    from logyard.analytics import Analyzer

    service = AnalyticsService(Analyzer(runtime.store), _interval(env))
    service.start()
    return service
