"""Retention inside ``logyard up``: archive and delete old partitions once a day.

Settings are the ``LOGYARD_RETENTION_*`` variables (:mod:`logyard.retention._settings`,
``docs/retention.md``); ``LOGYARD_RETENTION_ENABLED=false`` turns it off. The run shares
the store with the processor: the export reads a snapshot, and each partition's delete is one
short transaction under the store's write lock, so ingest waits at most for that delete.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING

from logyard.retention import RetentionSettings

if TYPE_CHECKING:
    from logyard.api._runtime import Runtime
    from logyard.retention import RetentionReport

__all__ = ["RetentionService", "start"]

_log = logging.getLogger("logyard.retention")


class RetentionService:
    """A thread that runs retention after ``start_delay_secs``, then every ``every_secs``."""

    def __init__(self, runtime: Runtime, settings: RetentionSettings) -> None:
        from logyard.retention import open_target

        self.runtime = runtime
        self.settings = settings
        self.target = open_target(
            settings.destination(runtime.data_dir),
            endpoint_url=settings.endpoint_url,
            where="LOGYARD_RETENTION_TO",
        )
        self.runs = 0
        self.last: RetentionReport | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="logyard-retention", daemon=True)

    def start(self) -> RetentionService:
        self._thread.start()
        return self

    def run_once(self) -> RetentionReport:
        """One retention run now (logged; a failure is logged, never raised)."""
        from logyard.retention import run_retention

        report = run_retention(
            self.runtime.store,
            self.target,
            self.settings.policy(),
            progress=_log.info,
            stopping=self._stop.is_set,
        )
        self.runs += 1
        self.last = report
        if not report.ok:
            failed = next(o for o in report.outcomes if o.status == "failed")
            _log.error(
                "retention: %s %s failed: %s; the next run retries",
                failed.system,
                failed.day,
                failed.error,
            )
        return report

    def _loop(self) -> None:
        wait = self.settings.start_delay_secs
        while not self._stop.wait(wait):
            try:
                self.run_once()
            except Exception:
                _log.exception("retention: the run failed; the next run retries")
            wait = self.settings.every_secs

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def start(runtime: Runtime) -> RetentionService | None:
    """Start the daily retention unless ``LOGYARD_RETENTION_ENABLED=false``."""
    settings = RetentionSettings.from_env(os.environ)
    if not settings.enabled:
        _log.info("retention: disabled (LOGYARD_RETENTION_ENABLED=false)")
        return None
    service = RetentionService(runtime, settings).start()
    _log.info(
        "retention: every %gs (first in %gs), keeping %d days, archiving to %s",
        settings.every_secs,
        settings.start_delay_secs,
        settings.days,
        service.target.url(),
    )
    return service
