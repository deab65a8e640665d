"""Rule files: TOML and YAML read the same; every problem is reported at once, with its path."""

from __future__ import annotations

from pathlib import Path

import pytest

from logyard.alerting import DEFAULT_RULES, RuleFileError, load_rules, rules_from_dict
from logyard.alerting._rules import LatencyRule, SloBurnRule

TOML = """
[settings]
notify = ["ops"]

[notifiers.ops]
type = "webhook"
url = "http://127.0.0.1:9000/hook"

[[rules]]
name = "mes-api-errors"
type = "ratio"
query = "service.name:mes-api and event.action:api.request"
numerator = "http.response.status_code >= 500"
above = 0.05
window = "5m"
"""

YAML = """
settings:
  notify: [ops]
notifiers:
  ops: {type: webhook, url: "http://127.0.0.1:9000/hook"}
rules:
  - name: mes-api-errors
    type: ratio
    query: "service.name:mes-api and event.action:api.request"
    numerator: "http.response.status_code >= 500"
    above: 0.05
    window: 5m
"""


def problems(data: object) -> list[str]:
    with pytest.raises(RuleFileError) as info:
        rules_from_dict(data, source="r.toml")
    return info.value.problems


def test_toml_and_yaml_give_the_same_rules(tmp_path: Path) -> None:
    """The same rules written in TOML and in YAML validate to equal models."""
    (tmp_path / "r.toml").write_text(TOML)
    (tmp_path / "r.yaml").write_text(YAML)
    toml_rules = load_rules(tmp_path / "r.toml")
    yaml_rules = load_rules(tmp_path / "r.yaml")
    assert toml_rules.rules == yaml_rules.rules
    assert toml_rules.rules[0].window == 300.0


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    """Unknown field, bad KQL, negative window, impossible windows, unknown notifier, bad
    type and a duplicate name: all in one error, each at its path."""
    data = {
        "settings": {"notify": ["pager"]},
        "rules": [
            {"name": "a", "type": "threshold", "above": 3, "windw": "5m"},
            {"name": "b", "type": "threshold", "above": 3, "query": "service.name:(mes"},
            {"name": "c", "type": "threshold", "above": 3, "window": "-5m"},
            {"name": "d", "type": "spike", "factor": 3, "window": "1h", "baseline": "30m"},
            {"name": "e", "type": "threshold", "above": 3, "window": "1m", "every": "5m"},
            {"name": "f", "type": "frequency"},
            {"name": "a", "type": "fatal"},
            {"name": "g", "type": "slo_burn", "objective": 0.999, "bad": "log.level:ERROR",
             "windows": [{"long": "5m", "short": "1h", "burn_rate": 14.4}]},
        ],
    }  # fmt: skip
    found = problems(data)
    assert found == [
        "rules[0].windw: unknown field; the fields here are above, below, cooldown, "
        "description, enabled, every, group_by, late_secs, max_groups, name, notify, query, "
        "recheck_secs, severity, systems, type, window",
        "rules[1].query: KQL: missing ')' to close the '(' of column 13 at column 17; close "
        "the parenthesis; fix the KQL (column 18)",
        'rules[2].window: "-5m" is not a positive duration; write e.g. "5m" (units: s, m, h, d, w)',
        "rules[5].type: 'frequency' is not a rule type; use one of threshold, ratio, latency, "
        "absence, new_signature, spike, slo_burn, fatal",
        "rules[6].name: 'a' is also rules[0]; give each rule its own name",
        "settings.notify[0]: no notifier named 'pager' (known: none defined); "
        "add [notifiers.pager]",
        "rules[3].baseline: 30m is shorter than the window 1h; a baseline needs at least "
        "one window",
        "rules[4].every: 5m is longer than the window 1m, so events between windows are never "
        "evaluated; make every <= window",
        "rules[7].windows[0].short: 1h is not shorter than long 5m; the short window confirms "
        "the long one, e.g. long 1h, short 5m",
    ]


def test_bad_kql_names_its_option_and_column() -> None:
    """A KQL syntax error points at the option and the column."""
    found = problems(
        {"rules": [{"name": "r", "type": "ratio", "numerator": "status >= ", "above": 0.1}]}
    )
    assert len(found) == 1
    assert found[0].startswith("rules[0].numerator: ")
    assert "fix the KQL (column " in found[0]
    assert found == [
        "rules[0].numerator: KQL: expected a value after '>=' but the query ended at column "
        "10; add a value or remove the dangling operator; fix the KQL (column 11)"
    ]


def test_notifier_problems_are_reported_by_name() -> None:
    """A notifier with an unknown type, a non-http URL or an unknown option is named."""
    found = problems(
        {
            "notifiers": {
                "a": {"type": "pager"},
                "b": {"type": "webhook", "url": "ftp://x"},
                "c": {"type": "email", "host": "mx", "sender": "a@b", "recipients": ["c@d"],
                      "tls": True},
            }
        }
    )  # fmt: skip
    assert found == [
        "notifiers.a.type: 'pager' is not a notifier type; use one of email, slack, "
        "telegram, webhook",
        "notifiers.b.url: [secure] is not an http(s) URL; write https://host/path",
        "notifiers.c.tls: unknown field; the fields here are host, password, password_env, "
        "port, recipients, sender, starttls, timeout_secs, type, username, verify_tls",
    ]


def test_secrets_never_appear_in_problems() -> None:
    """A wrong-typed token is reported without its value."""
    found = problems({"notifiers": {"t": {"type": "telegram", "chat_id": "1", "token": 123456789}}})
    assert found == [
        "notifiers.t.token: input should be a valid string (got [secure]); fix the value"
    ]


def test_notifier_urls_and_headers_are_secret_but_env_var_names_are_shown() -> None:
    """A Slack URL without https:// and a webhook header are reported without their
    values (the model marks them secret); ``password_env``, a variable name, is shown."""
    found = problems(
        {
            "notifiers": {
                "s": {"type": "slack", "url": "hooks.slack.com/services/T0/B0/XXSECRETXX"},
                "w": {"type": "webhook", "url": "https://h/x",
                      "headers": {"Authorization": 12345678}},
                "m": {"type": "email", "host": "mx", "sender": "a@b", "recipients": ["c@d"],
                      "password_env": ["SMTP_PASSWORD_VAR"]},
            }
        }
    )  # fmt: skip
    assert found == [
        "notifiers.s.url: [secure] is not an http(s) URL; write https://host/path",
        "notifiers.w.headers.Authorization: input should be a valid string (got [secure]); "
        "fix the value",
        "notifiers.m.password_env: input should be a valid string (got list); fix the value",
    ]
    assert not any("XXSECRETXX" in p or "12345678" in p for p in found)
    found = problems(
        {
            "notifiers": {
                "m": {"type": "email", "host": "mx", "sender": "a@b", "recipients": ["c@d"],
                      "password_env": 12345},
            }
        }
    )  # fmt: skip
    assert found == [
        "notifiers.m.password_env: input should be a valid string (got 12345); fix the value"
    ]


def test_a_file_that_does_not_parse_says_so(tmp_path: Path) -> None:
    """TOML syntax errors are one problem naming the file."""
    path = tmp_path / "r.toml"
    path.write_text("[[rules]\nname=")
    with pytest.raises(RuleFileError, match=r"r\.toml: 1 problem\(s\):\n  TOML: "):
        load_rules(path)


def test_shipped_default_rules_are_valid_and_cover_the_pain_points() -> None:
    """The default rules parse and include the note's pain points and a FATAL rule."""
    rules = load_rules(DEFAULT_RULES)
    kinds = {r.name: r.KIND for r in rules.rules}
    assert kinds == {
        "mes-order-calculation-regression": "latency",
        "mes-order-list-slow": "latency",
        "crm-api-queue-silent": "absence",
        "api-error-rate": "ratio",
        "error-spike": "spike",
        "shop-api-availability-burn": "slo_burn",
        "new-error-signature": "new_signature",
        "brute-force-by-ip": "threshold",
        "brute-force-by-user": "threshold",
        "fatal": "fatal",
    }
    calc = rules.rule("mes-order-calculation-regression")
    assert isinstance(calc, LatencyRule)
    assert (calc.field, calc.over_baseline, calc.baseline) == (
        "order.calculation_duration_ms",
        1.5,
        21600.0,
    )


def test_slo_burn_defaults_to_the_sre_workbook_pairs() -> None:
    """Without windows, an SLO rule alerts on 1h & 5m at 14.4x and 6h & 30m at 6x."""
    rules = rules_from_dict(
        {"rules": [{"name": "s", "type": "slo_burn", "objective": 0.999, "bad": "log.level:ERROR"}]}
    )
    rule = rules.rules[0]
    assert isinstance(rule, SloBurnRule)
    assert [(w.long, w.short, w.burn_rate) for w in rule.windows] == [
        (3600.0, 300.0, 14.4),
        (21600.0, 1800.0, 6.0),
    ]


def test_fields_of_the_wrong_kind_are_refused() -> None:
    """A percentile over a text field and grouping by an object are named problems."""
    found = problems(
        {
            "rules": [
                {"name": "a", "type": "latency", "field": "service.name", "above": 1},
                {"name": "b", "type": "threshold", "above": 1, "group_by": "order.params"},
            ]
        }
    )
    assert found == [
        "rules[0].field: service.name is not numeric; name a number field like http.duration_ms",
        "rules[1].group_by: order.params is not a single keyword value; group by a field "
        "like service.name",
    ]
