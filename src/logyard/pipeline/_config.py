"""``pipeline.toml``: the standalone processor's configuration, validated all at once.

::

    [store]
    type = "duckdb"
    path = "data/logs.duckdb"

    [inputs.shop]
    type = "kafka"
    brokers = ["127.0.0.1:9092"]
    topics = ["logs.internet-shop", "logs.shop-api"]

    [inputs.crm_audit]
    type = "postgres"
    dsn_env = "CRM_DSN"          # secrets come from the environment, never the file
    ...

Every error is reported with its path (``inputs.shop.brokers: ...``), all of them in one go.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from logyard.errors import ConfigError, LogyardError
from logyard.pipeline.inputs import InputConfig, input_class

__all__ = [
    "AnalyticsSettings",
    "DeadLetterSettings",
    "MaskSettings",
    "PipelineConfig",
    "ProcessorSettings",
    "StoreSettings",
    "load_config",
    "missing_environment",
    "parse_config",
]


class StoreSettings(BaseModel):
    """Where events go: a DuckDB file this process owns (``duckdb``), a running
    ``logyard up`` over HTTP (``logyard``), which several processors can share, or an
    Elasticsearch/OpenSearch cluster (``opensearch``, see docs/stores/opensearch.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["duckdb", "logyard", "opensearch"] = "duckdb"
    path: Path = Path("logyard-data/logs.duckdb")
    url: str | None = None
    token_env: str | None = Field(
        default=None, description="environment variable holding the server's ingest token"
    )
    # type = "opensearch": the cluster, its flavour and credentials (secrets from *_env)
    flavour: Literal["opensearch", "elasticsearch"] = "opensearch"
    username: str | None = None
    password_env: str | None = None
    api_key_env: str | None = None
    ca_file: Path | None = None
    verify_tls: bool = True
    refresh: Literal["false", "true", "wait_for"] = "false"

    @model_validator(mode="after")
    def _url_for_logyard(self) -> StoreSettings:
        if self.type == "logyard" and not self.url:
            raise ValueError('url is required with type = "logyard" (e.g. http://logyard:8000)')
        if self.type == "opensearch" and not self.url:
            raise ValueError('url is required with type = "opensearch" (e.g. https://es:9200)')
        return self


class ProcessorSettings(BaseModel):
    """How the processor batches and retries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    batch_max_events: int = Field(default=5000, ge=1, le=100_000)
    poll_timeout_secs: float = Field(default=0.5, gt=0, le=60)
    retry_max_secs: float = Field(default=30.0, gt=0)
    state_dir: Path = Path("logyard-data/state")


class MaskSettings(BaseModel):
    """The ``mask`` step (on by default): card numbers and personal data, before storing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    pan_hmac_key_env: str | None = None
    ipv4_prefix: int = Field(default=24, ge=0, le=32)
    ipv6_prefix: int = Field(default=48, ge=0, le=128)
    secret_keys: list[str] = Field(default_factory=list)


class DeadLetterSettings(BaseModel):
    """Where rejected items go: the store's dead-letter table (default) or a Kafka topic."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["store", "kafka"] = "store"
    brokers: list[str] = Field(default_factory=list)
    topic: str = "logs.dlq"
    options: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _brokers_for_kafka(self) -> DeadLetterSettings:
        if self.type == "kafka" and not self.brokers:
            raise ValueError('brokers is required with type = "kafka" (e.g. ["kafka:9092"])')
        return self


class AnalyticsSettings(BaseModel):
    """The analytics branch (``enabled``): the events this processor stores are also
    normalized into ``analytics-*`` facts in the same cluster; ``store_events = false``
    writes the facts only (a separate consumer group; see docs/metrics.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    store_events: bool = True


class PipelineConfig(BaseModel):
    """The whole file; ``inputs`` holds each input's validated settings by name."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    store: StoreSettings = StoreSettings()
    processor: ProcessorSettings = ProcessorSettings()
    dead_letters: DeadLetterSettings = DeadLetterSettings()
    mask: MaskSettings = MaskSettings()
    analytics: AnalyticsSettings = AnalyticsSettings()
    inputs: dict[str, InputConfig]


def load_config(path: Path) -> PipelineConfig:
    """Read and validate ``path``; raises :class:`ConfigError` listing every problem."""
    try:
        raw = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror}); check the path") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax") from None
    return parse_config(raw, source=str(path))


def parse_config(raw: dict[str, Any], *, source: str = "config") -> PipelineConfig:
    """Validate an already-parsed config (see :func:`load_config`)."""
    errors: list[str] = []
    inputs_raw = raw.get("inputs")
    inputs: dict[str, InputConfig] = {}
    if not isinstance(inputs_raw, dict) or not inputs_raw:
        errors.append("inputs: no input declared; add at least one [inputs.<name>] table")
        inputs_raw = {}
    for name, section in inputs_raw.items():
        where = f"inputs.{name}"
        if not isinstance(section, dict):
            errors.append(f"{where}: expected a table with a type, got {section!r}")
            continue
        type_name = section.get("type")
        if not isinstance(type_name, str):
            errors.append(f'{where}.type: required; name the input type (e.g. "kafka")')
            continue
        try:
            cls = input_class(type_name, where)
            inputs[name] = cls.config_class.model_validate(section)
        except ValidationError as exc:
            errors.extend(_paths(where, exc))
        except LogyardError as exc:
            errors.append(str(exc))
    rest = {k: v for k, v in raw.items() if k != "inputs"}
    try:
        config = PipelineConfig.model_validate({**rest, "inputs": inputs})
    except ValidationError as exc:
        errors.extend(_paths("", exc))
        config = None
    if config is not None and config.analytics.enabled and config.store.type != "opensearch":
        errors.append(
            'analytics.enabled: needs [store] type = "opensearch" (the embedded store builds '
            "its facts inside `logyard up`); remove it or change the store"
        )
    if errors or config is None:
        listed = "\n  ".join(errors)
        raise ConfigError(f"{source}: {len(errors)} problem(s):\n  {listed}")
    return config


_SECRET_WORDS = ("password", "secret", "token", "key", "dsn", "url")


def missing_environment(config: PipelineConfig) -> list[str]:
    """Options ending in ``_env`` whose environment variable is not set (one line each)."""
    problems = []
    sections: list[tuple[str, BaseModel]] = [("store", config.store)]
    sections += [(f"inputs.{name}", section) for name, section in config.inputs.items()]
    for where, section in sections:
        for option, value in section:
            if option.endswith("_env") and isinstance(value, str) and value not in os.environ:
                problems.append(f"{where}.{option}: ${value} is not set; export it before starting")
    return problems


def _paths(where: str, exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        path = f"{where}.{loc}" if where and loc else (where or loc)
        got = err.get("input")
        secret = any(word in loc.lower() for word in _SECRET_WORDS)
        shown = "" if isinstance(got, dict) or secret else f", got {got!r}"
        out.append(f"{path}: {err['msg']}{shown}")
    return out
