"""The public surface of ``logyard.alerting`` is what we meant, sorted, and importable."""

from __future__ import annotations

import logyard.alerting


def test_public_names() -> None:
    """``__all__`` lists exactly the intended names (ruff keeps it sorted), each defined."""
    expected = [
        "DEFAULT_RULES", "NOTIFIER_TYPES", "RULE_TYPES", "AlertService", "AlertState",
        "CycleReport", "Finding", "HttpQuerier", "Notification", "Notifier", "NotifyError",
        "Querier", "Rule", "RuleFileError", "RuleSet", "Settings", "evaluate", "fingerprint",
        "format_duration", "load_rules", "normalize_message", "parse_duration",
        "rules_from_dict", "run_forever",
    ]  # fmt: skip
    assert logyard.alerting.__all__ == expected
    assert all(hasattr(logyard.alerting, name) for name in expected)


def test_notifier_and_rule_registries() -> None:
    """Four notifier types and eight rule types are registered."""
    assert sorted(logyard.alerting.NOTIFIER_TYPES) == ["email", "slack", "telegram", "webhook"]
    assert list(logyard.alerting.RULE_TYPES) == [
        "threshold", "ratio", "latency", "absence", "new_signature", "spike", "slo_burn", "fatal",
    ]  # fmt: skip
