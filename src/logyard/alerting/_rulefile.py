"""Reading a rule file: TOML or YAML into a :class:`RuleSet`, with every problem at once.

Each problem names its path and says how to fix it:
``rules[3].window: "-5m" is not a positive duration; write e.g. "5m"``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, SecretStr, ValidationError

from logyard.alerting._durations import format_duration
from logyard.alerting._notify import NOTIFIER_TYPES, config_model
from logyard.alerting._rules import (
    MAX_WINDOW_SECS,
    RULE_TYPES,
    AbsenceRule,
    LatencyRule,
    RuleFileError,
    RuleSet,
    Settings,
    SloBurnRule,
    SpikeRule,
    ThresholdRule,
)
from logyard.errors import ConfigError, KQLSyntaxError
from logyard.store import kql
from logyard.store._fields import field_ref

__all__ = ["load_rules", "rules_from_dict"]


def load_rules(path: Path) -> RuleSet:
    """Read and validate a ``.toml`` or ``.yaml``/``.yml`` rule file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read the rule file ({exc.strerror}); check the path"
        ) from None
    if path.suffix in (".yaml", ".yml"):
        import yaml  # type: ignore[import-untyped]

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise RuleFileError(str(path), [f"YAML: {exc}; fix the syntax"]) from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RuleFileError(str(path), [f"TOML: {exc}; fix the syntax"]) from None
    return rules_from_dict(data if data is not None else {}, source=str(path))


def rules_from_dict(data: object, *, source: str = "rules") -> RuleSet:
    """Validate a parsed rule file; raises :class:`RuleFileError` listing every problem."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise RuleFileError(source, ["top level: expected a table of settings/notifiers/rules"])
    for key in data:
        if key not in ("settings", "notifiers", "rules"):
            problems.append(f"{key}: unknown section; use settings, notifiers or rules")
    settings = _validate(Settings, data.get("settings", {}), "settings", problems) or Settings()
    notifiers = _notifiers(data.get("notifiers", {}), problems)
    rules = _rules(data.get("rules", []), problems)
    names = set(notifiers)
    for i, name in enumerate(settings.notify):
        if name not in names:
            problems.append(_unknown_notifier(f"settings.notify[{i}]", name, names))
    for i, rule in rules:
        for j, name in enumerate(rule.notify or []):
            if name not in names:
                problems.append(_unknown_notifier(f"rules[{i}].notify[{j}]", name, names))
        problems.extend(_check_rule(rule, f"rules[{i}]"))
    if problems:
        raise RuleFileError(source, problems)
    return RuleSet(
        settings=settings, notifiers=notifiers, rules=[r for _, r in rules], source=source
    )


def _unknown_notifier(where: str, name: str, names: set[str]) -> str:
    known = ", ".join(sorted(names)) or "none defined"
    return f"{where}: no notifier named {name!r} (known: {known}); add [notifiers.{name}]"


def _notifiers(raw: object, problems: list[str]) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        problems.append("notifiers: expected a table of named notifiers; write [notifiers.ops]")
        return {}
    out: dict[str, Any] = {}
    for name, spec in raw.items():
        where = f"notifiers.{name}"
        if not isinstance(spec, Mapping):
            problems.append(f'{where}: expected a table with a type; write type = "webhook"')
            continue
        kind = spec.get("type")
        if kind not in NOTIFIER_TYPES:
            problems.append(
                f"{where}.type: {kind!r} is not a notifier type; use one of "
                f"{', '.join(sorted(NOTIFIER_TYPES))}"
            )
            continue
        model = _validate(config_model(kind), spec, where, problems)
        if model is not None:
            out[str(name)] = model
    return out


def _rules(raw: object, problems: list[str]) -> list[tuple[int, Any]]:
    if not isinstance(raw, list):
        problems.append("rules: expected a list of rules; write [[rules]] tables")
        return []
    out: list[tuple[int, Any]] = []
    names: dict[str, int] = {}
    for i, spec in enumerate(raw):
        where = f"rules[{i}]"
        if not isinstance(spec, Mapping):
            problems.append(f"{where}: expected a table with name and type")
            continue
        name = spec.get("name")
        if isinstance(name, str) and name in names:
            problems.append(
                f"{where}.name: {name!r} is also rules[{names[name]}]; give each rule its own name"
            )
        elif isinstance(name, str):
            names[name] = i
        kind = spec.get("type")
        model = RULE_TYPES.get(kind) if isinstance(kind, str) else None
        if model is None:
            problems.append(
                f"{where}.type: {kind!r} is not a rule type; use one of {', '.join(RULE_TYPES)}"
            )
            continue
        rule = _validate(model, spec, where, problems)
        for option in ("query", "numerator", "bad"):
            text = spec.get(option)
            if isinstance(text, str):
                problems.extend(_check_kql(text, f"{where}.{option}"))
        if rule is not None:
            out.append((i, rule))
    return out


def _validate(model: type[BaseModel], raw: object, where: str, problems: list[str]) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(_problem(model, where, err))
        return None


def _problem(model: type[BaseModel], where: str, err: Any) -> str:
    path = where
    for part in err["loc"]:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    kind = err["type"]
    if kind == "extra_forbidden":
        fields = ", ".join(sorted(model.model_fields))
        return f"{path}: unknown field; the fields here are {fields}"
    if kind == "missing":
        return f"{path}: required; add it"
    if kind == "duration":
        return f"{path}: {err['msg']}"
    value = err.get("input")
    shown = repr(value) if not isinstance(value, Mapping | list) else type(value).__name__
    if _is_secret(model, err["loc"]):
        shown = "[secure]"
    if kind == "string_pattern_mismatch" and path.endswith("url"):
        return f"{path}: {shown} is not an http(s) URL; write https://host/path"
    return f"{path}: {err['msg'].lower()} (got {shown}); fix the value"


def _is_secret(model: type[BaseModel], loc: tuple[int | str, ...]) -> bool:
    """Whether the value at ``loc`` must not be echoed, decided by the model: a ``SecretStr``
    field or one marked ``json_schema_extra={"secret": True}`` (webhook URLs, headers).
    Values inside a secret field (``headers.Authorization``) are secret too."""
    field = model.model_fields.get(str(loc[0])) if loc else None
    if field is None:
        return False
    extra = field.json_schema_extra
    if isinstance(extra, dict) and extra.get("secret") is True:
        return True
    annotation = field.annotation
    return annotation is SecretStr or SecretStr in get_args(annotation)


def _check_kql(text: str, where: str) -> list[str]:
    try:
        kql.parse(text)
    except KQLSyntaxError as exc:
        return [f"{where}: {exc}; fix the KQL (column {exc.position + 1})"]
    return []


def _check_rule(rule: Any, where: str) -> list[str]:
    """Checks across fields: KQL that parses, windows that can work."""
    problems: list[str] = []

    def positive(option: str, secs: float) -> None:
        if secs <= 0:
            problems.append(f'{where}.{option}: "0s" is not a positive duration; write e.g. "5m"')
        elif secs > MAX_WINDOW_SECS:
            problems.append(
                f"{where}.{option}: {format_duration(secs)} is longer than 31 days; "
                "alert on a shorter window"
            )

    positive("every", rule.every)
    if not isinstance(rule, SloBurnRule):
        positive("window", rule.window)
        if 0 < rule.window < rule.every:
            problems.append(
                f"{where}.every: {format_duration(rule.every)} is longer than the window "
                f"{format_duration(rule.window)}, so events between windows are never "
                "evaluated; make every <= window"
            )
    if rule.every > 0 and rule.every != int(rule.every):
        problems.append(f'{where}.every: windows step in whole seconds; write e.g. "30s"')
    if isinstance(rule, SpikeRule | LatencyRule) and (
        isinstance(rule, SpikeRule) or rule.over_baseline is not None
    ):
        positive("baseline", rule.baseline)
        if rule.baseline < rule.window:
            problems.append(
                f"{where}.baseline: {format_duration(rule.baseline)} is shorter than the window "
                f"{format_duration(rule.window)}; a baseline needs at least one window"
            )
    if isinstance(rule, LatencyRule) and field_ref(rule.field).kind not in ("number", "unknown"):
        problems.append(
            f"{where}.field: {rule.field} is not numeric; name a number field like http.duration_ms"
        )
    if rule.group_by and field_ref(rule.group_by).kind in ("object", "list", "text"):
        problems.append(
            f"{where}.group_by: {rule.group_by} is not a single keyword value; group by a "
            "field like service.name"
        )
    if isinstance(rule, LatencyRule) and rule.above is None and rule.over_baseline is None:
        problems.append(f"{where}: a latency rule needs above and/or over_baseline; add one")
    if isinstance(rule, ThresholdRule):
        if (rule.above is None) == (rule.below is None):
            problems.append(f"{where}: a threshold rule needs exactly one of above or below")
        if rule.below is not None and rule.group_by:
            problems.append(
                f"{where}.below: groups with no events have no count; use an absence rule "
                "for silent groups, or drop group_by"
            )
    if isinstance(rule, AbsenceRule) and rule.groups and not rule.group_by:
        problems.append(f"{where}.groups: needs group_by (the field the groups are values of)")
    if isinstance(rule, SloBurnRule):
        for j, pair in enumerate(rule.windows):
            positive(f"windows[{j}].long", pair.long)
            positive(f"windows[{j}].short", pair.short)
            if pair.short >= pair.long:
                problems.append(
                    f"{where}.windows[{j}].short: {format_duration(pair.short)} is not shorter "
                    f"than long {format_duration(pair.long)}; the short window confirms the "
                    "long one, e.g. long 1h, short 5m"
                )
    if rule.ONE_SHOT and rule.group_by:
        problems.append(
            f"{where}.group_by: {rule.KIND} alerts are one per event or signature; remove it"
        )
    return problems
