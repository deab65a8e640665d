"""Alerting: rules over the store's query model, durable state, notifiers.

::

    rules = load_rules(Path("alerts.toml"))            # every problem at once
    service = AlertService(rules, store, AlertState(Path("alerts.db")))
    service.run_cycle()                                 # or service.start() / stop()

See docs/alerting.md for the rule reference.
"""

from __future__ import annotations

from pathlib import Path

from logyard.alerting._durations import format_duration, parse_duration
from logyard.alerting._evaluate import Finding, Querier, evaluate
from logyard.alerting._http import HttpQuerier
from logyard.alerting._notify import NOTIFIER_TYPES, Notification, Notifier, NotifyError
from logyard.alerting._rulefile import load_rules, rules_from_dict
from logyard.alerting._rules import RULE_TYPES, Rule, RuleFileError, RuleSet, Settings
from logyard.alerting._service import AlertService, CycleReport, run_forever
from logyard.alerting._signature import fingerprint, normalize_message
from logyard.alerting._state import AlertState

__all__ = [
    "DEFAULT_RULES",
    "NOTIFIER_TYPES",
    "RULE_TYPES",
    "AlertService",
    "AlertState",
    "CycleReport",
    "Finding",
    "HttpQuerier",
    "Notification",
    "Notifier",
    "NotifyError",
    "Querier",
    "Rule",
    "RuleFileError",
    "RuleSet",
    "Settings",
    "evaluate",
    "fingerprint",
    "format_duration",
    "load_rules",
    "normalize_message",
    "parse_duration",
    "rules_from_dict",
    "run_forever",
]

#: The shipped default rules (``logyard up`` uses them unless ``LOGYARD_ALERT_RULES`` says).
DEFAULT_RULES = Path(__file__).parent / "default_rules.toml"
