"""The alerting service inside ``logyard up``: the rules of ``LOGYARD_ALERT_RULES`` (default:
the shipped ``default_rules.toml``; ``off`` disables it) evaluated in a thread against the
runtime's store, state in ``<data dir>/alerts.db``.

Environment:

* ``LOGYARD_ALERT_RULES`` — a rule file (``.toml``/``.yaml``), ``off``, or unset for the
  shipped default rules.
* ``LOGYARD_ALERT_INTERVAL_SECS`` — overrides the file's ``settings.interval_secs``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from logyard.errors import ConfigError

if TYPE_CHECKING:
    from logyard.alerting import AlertService
    from logyard.api._runtime import Runtime

__all__ = ["STATE_FILE", "rules_path", "start"]

STATE_FILE = "alerts.db"
_log = logging.getLogger("logyard.alerting")


def rules_path() -> Path | None:
    """The rule file ``up`` uses, or None when alerting is off."""
    from logyard.alerting import DEFAULT_RULES

    value = os.environ.get("LOGYARD_ALERT_RULES", "").strip()
    if value.lower() in ("off", "none", "false", "0"):
        return None
    return Path(value) if value else DEFAULT_RULES


def start(runtime: Runtime) -> AlertService | None:
    """Start evaluating in a daemon thread; evaluation only reads the store, never blocks
    ingest, and a failing rule is recorded in the alert history."""
    from logyard.alerting import AlertService, AlertState, load_rules

    path = rules_path()
    if path is None:
        return None
    rules = load_rules(path)
    interval = os.environ.get("LOGYARD_ALERT_INTERVAL_SECS")
    if interval:
        try:
            secs = float(interval)
        except ValueError:
            secs = -1.0
        if not 0 < secs <= 3600:
            raise ConfigError(
                f"LOGYARD_ALERT_INTERVAL_SECS: {interval!r} is not a number of seconds from "
                "0 to 3600; set e.g. 30"
            )
        settings = rules.settings.model_copy(update={"interval_secs": secs})
        rules = rules.model_copy(update={"settings": settings})
    service = AlertService(rules, runtime.store, AlertState(runtime.data_dir / STATE_FILE))
    service.start()
    _log.info("alerting: %d rule(s) from %s", len(rules.enabled()), path)
    return service
