"""The rule file: settings, notifiers and rules, validated with every problem at once.

::

    [settings]
    interval_secs = 30
    notify = ["ops"]

    [notifiers.ops]
    type = "webhook"
    url = "https://hooks.example.com/logyard"

    [[rules]]
    name = "mes-api-errors"
    type = "ratio"
    query = "service.name:mes-api and event.action:api.request"
    numerator = "http.response.status_code >= 500"
    above = 0.05
    window = "5m"

Problems read ``rules[3].window: "-5m" is not a positive duration; write e.g. "5m"``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from logyard.alerting._durations import Duration, format_duration
from logyard.alerting._notify import NOTIFIER_TYPES, config_model
from logyard.catalog import System
from logyard.errors import ConfigError, KQLSyntaxError
from logyard.store import kql
from logyard.store._fields import field_ref

__all__ = [
    "RULE_TYPES",
    "AbsenceRule",
    "BurnWindow",
    "FatalRule",
    "LatencyRule",
    "NewSignatureRule",
    "RatioRule",
    "Rule",
    "RuleFileError",
    "RuleSet",
    "Settings",
    "SloBurnRule",
    "SpikeRule",
    "ThresholdRule",
    "load_rules",
    "rules_from_dict",
]

MAX_WINDOW_SECS = 31 * 86400
_NAME = r"^[a-z0-9][a-z0-9_.-]{0,99}$"


class RuleFileError(ConfigError):
    """A rule file with problems; ``problems`` lists each one with its path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        listed = "\n  ".join(problems)
        super().__init__(f"{source}: {len(problems)} problem(s):\n  {listed}")
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Settings(_Strict):
    """``[settings]``: how often the service wakes, default notifiers, delivery retries."""

    interval_secs: float = Field(default=30.0, gt=0, le=3600)
    notify: list[str] = Field(default_factory=list)
    retry_backoff_secs: float = Field(default=5.0, gt=0, le=3600)
    retry_max_backoff_secs: float = Field(default=300.0, gt=0, le=86400)
    retry_max_attempts: int = Field(default=12, ge=1, le=1000)
    max_catchup_windows: int = Field(default=1440, ge=1, le=100_000)
    history_days: float = Field(default=180.0, gt=0, le=3650)


class _Rule(_Strict):
    """What every rule has. Windows end on multiples of ``every`` (event time); a window is
    evaluated once it ended ``late_secs`` ago, and re-evaluated while it ended less than
    ``recheck_secs`` before that, so late events still count."""

    KIND: ClassVar[str] = ""
    ONE_SHOT: ClassVar[bool] = False  # each finding is its own alert, never resolved

    name: str = Field(pattern=_NAME)
    type: str
    description: str = ""
    severity: Literal["info", "warning", "critical"] = "warning"
    enabled: bool = True
    query: str = ""
    systems: list[System] | None = None
    window: Duration = 300.0
    every: Duration = 60.0
    late_secs: float = Field(default=60.0, ge=0, le=86400)
    recheck_secs: float = Field(default=300.0, ge=0, le=86400)
    group_by: str | None = None
    max_groups: int = Field(default=100, ge=1, le=10_000)
    cooldown: Duration = 600.0
    notify: list[str] | None = None


class ThresholdRule(_Rule):
    """The count of ``query`` in the window is above ``above`` (or below ``below``)."""

    KIND: ClassVar[str] = "threshold"
    type: Literal["threshold"]
    above: int | None = Field(default=None, ge=0)
    below: int | None = Field(default=None, ge=1)


class RatioRule(_Rule):
    """``count(query and numerator) / count(query)`` is above ``above`` (0..1), e.g. the
    share of 5xx among an API's requests; only with at least ``min_count`` events."""

    KIND: ClassVar[str] = "ratio"
    type: Literal["ratio"]
    numerator: str = Field(min_length=1)
    above: float = Field(gt=0, lt=1)
    min_count: int = Field(default=20, ge=1)


class LatencyRule(_Rule):
    """The ``percentile`` of a numeric ``field`` is above ``above`` and/or more than
    ``over_baseline`` times its value over the ``baseline`` before the window."""

    KIND: ClassVar[str] = "latency"
    type: Literal["latency"]
    field: str = Field(min_length=1)
    percentile: float = Field(default=95.0, gt=0, le=100)
    above: float | None = Field(default=None, ge=0)
    over_baseline: float | None = Field(default=None, gt=1)
    baseline: Duration = 3600.0
    min_count: int = Field(default=5, ge=1)


class AbsenceRule(_Rule):
    """No event of ``query`` in the window: a system or a flow went silent. With
    ``group_by``, each of ``groups`` (or each group seen in the ``lookback`` before the
    window) must have events."""

    KIND: ClassVar[str] = "absence"
    type: Literal["absence"]
    groups: list[str] = Field(default_factory=list)
    lookback: Duration = 3600.0


class NewSignatureRule(_Rule):
    """An error whose fingerprint (``type_field`` + normalized ``message_field``) was never
    seen before; the first run learns the ``learn`` period before it without alerting."""

    KIND: ClassVar[str] = "new_signature"
    ONE_SHOT: ClassVar[bool] = True
    type: Literal["new_signature"]
    query: str = "log.level:(ERROR or FATAL)"
    cooldown: Duration = 0.0
    type_field: str = "error.type"
    message_field: str = "error.message"
    learn: Duration = 3600.0
    max_events: int = Field(default=5000, ge=1, le=100_000)


class SpikeRule(_Rule):
    """The count in the window is more than ``factor`` times the average count of a window
    over the ``baseline`` before it (and at least ``min_count``)."""

    KIND: ClassVar[str] = "spike"
    type: Literal["spike"]
    factor: float = Field(gt=1)
    baseline: Duration = 3600.0
    min_count: int = Field(default=10, ge=1)


class BurnWindow(_Strict):
    """One alerting pair of the SRE workbook: both windows burn at ``burn_rate`` or more."""

    long: Duration
    short: Duration
    burn_rate: float = Field(gt=0)


def _sre_pairs() -> list[BurnWindow]:
    return [
        BurnWindow(long=3600.0, short=300.0, burn_rate=14.4),
        BurnWindow(long=21600.0, short=1800.0, burn_rate=6.0),
    ]


class SloBurnRule(_Rule):
    """Multi-window burn rate of an SLO: ``objective`` (e.g. 0.999) of ``query`` events are
    good, ``bad`` selects the others; fires when any pair of ``windows`` burns fast enough
    (default: 1h & 5m at 14.4x, 6h & 30m at 6x)."""

    KIND: ClassVar[str] = "slo_burn"
    type: Literal["slo_burn"]
    objective: float = Field(gt=0, lt=1)
    bad: str = Field(min_length=1)
    windows: list[BurnWindow] = Field(default_factory=_sre_pairs, min_length=1)


class FatalRule(_Rule):
    """Every FATAL event (``query``) is an alert of its own, at once; ``cooldown`` (per rule,
    default 0) mutes the notifications of a flood after the first one."""

    KIND: ClassVar[str] = "fatal"
    ONE_SHOT: ClassVar[bool] = True
    type: Literal["fatal"]
    query: str = "log.level:FATAL"
    cooldown: Duration = 0.0
    max_events: int = Field(default=1000, ge=1, le=100_000)


Rule = (
    ThresholdRule
    | RatioRule
    | LatencyRule
    | AbsenceRule
    | NewSignatureRule
    | SpikeRule
    | SloBurnRule
    | FatalRule
)
RULE_TYPES: dict[str, type[_Rule]] = {
    m.KIND: m
    for m in (
        ThresholdRule,
        RatioRule,
        LatencyRule,
        AbsenceRule,
        NewSignatureRule,
        SpikeRule,
        SloBurnRule,
        FatalRule,
    )
}


class RuleSet(_Strict):
    """A validated rule file."""

    settings: Settings = Field(default_factory=Settings)
    notifiers: dict[str, Any] = Field(default_factory=dict)
    rules: list[Any] = Field(default_factory=list)
    source: str = ""

    def enabled(self) -> list[Rule]:
        """The rules to evaluate."""
        return [r for r in self.rules if r.enabled]

    def rule(self, name: str) -> Rule | None:
        return next((r for r in self.rules if r.name == name), None)

    def targets(self, rule: Rule) -> list[str]:
        """The notifier names a rule's alerts go to."""
        return list(rule.notify if rule.notify is not None else self.settings.notify)


# -- loading ----------------------------------------------------------------------------------
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
    if kind == "string_pattern_mismatch" and path.endswith("url"):
        return f"{path}: {value!r} is not an http(s) URL; write https://host/path"
    shown = repr(value) if not isinstance(value, Mapping | list) else type(value).__name__
    if "secret" in path or "token" in path or "password" in path:
        shown = "[secure]"
    return f"{path}: {err['msg'].lower()} (got {shown}); fix the value"


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
