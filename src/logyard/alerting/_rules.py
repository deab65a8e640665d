"""The rule file's models: settings, notifier references and one model per rule type
(reading and cross-checks: ``_rulefile``).

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
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from logyard.alerting._durations import Duration
from logyard.catalog import System
from logyard.errors import ConfigError

__all__ = [
    "MAX_WINDOW_SECS",
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
