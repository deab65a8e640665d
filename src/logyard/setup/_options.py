"""What ``logyard setup elasticsearch|opensearch`` creates, as one validated settings object.

The defaults are the design note's: one index (data stream or rollover alias) per system,
rolled over at 100 GB per primary shard, deleted after 180 days once a snapshot holds it,
snapshots to S3 every night.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from logyard.catalog import SYSTEMS
from logyard.errors import ConfigError

__all__ = ["ELASTIC_DEFAULT_SHARD_SIZE", "ClusterOptions", "cluster_options"]

#: Elastic's own default for ``max_primary_shard_size`` in its built-in policies.
ELASTIC_DEFAULT_SHARD_SIZE = "50gb"

_SIZE = re.compile(r"^[1-9][0-9]*(b|kb|mb|gb|tb|pb)$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")

Positive = Annotated[int, Field(ge=1)]


class ClusterOptions(BaseModel):
    """Everything the cluster plans depend on; every option has the note's default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    systems: tuple[str, ...] = SYSTEMS
    rollover_size: str = "100gb"
    retention_days: Positive = 180
    shards: Positive = 1
    replicas: Annotated[int, Field(ge=0)] = 1
    repository: str = "logyard-s3"
    s3_bucket: str = "logyard-snapshots"
    s3_base_path: str = "logyard"
    s3_client: str = "default"
    #: A cron expression in the cluster's own syntax; ``None`` = nightly at 01:30 UTC.
    snapshot_schedule: str | None = None
    snapshot_expire_days: Positive = 365
    snapshot_min_count: Positive = 7
    snapshot_max_count: Positive = 500
    policy: str = "logyard-logs"
    snapshot_policy: str = "logyard-nightly"
    tenant: str = "logyard"

    @field_validator("rollover_size")
    @classmethod
    def _size(cls, value: str) -> str:
        value = value.strip().lower()
        if not _SIZE.match(value):
            raise ValueError(f"{value!r} is not a size; write it like 100gb or 512mb")
        return value

    @field_validator("repository", "policy", "snapshot_policy", "tenant")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"{value!r}: use lower-case letters, digits, '-', '_' and '.'")
        return value

    @field_validator("s3_bucket")
    @classmethod
    def _bucket(cls, value: str) -> str:
        if not _BUCKET.match(value):
            raise ValueError(f"{value!r} is not an S3 bucket name (3-63 of a-z, 0-9, '.', '-')")
        return value

    @field_validator("systems")
    @classmethod
    def _systems(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [s for s in value if s not in SYSTEMS]
        if unknown or not value:
            raise ValueError(f"{unknown or 'none'}: name systems of {', '.join(SYSTEMS)}")
        return value

    def snapshot_retention_covers_deletion(self) -> bool:
        """Whether snapshots outlive the indices they back up (else data is lost for good)."""
        return self.snapshot_expire_days > self.retention_days


def cluster_options(**values: object) -> ClusterOptions:
    """:class:`ClusterOptions` from keyword values; every invalid one in one ConfigError."""
    given = {k: v for k, v in values.items() if v is not None}
    try:
        return ClusterOptions.model_validate(given)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = "--" + "-".join(str(p) for p in error["loc"]).replace("_", "-")
            problems.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
        raise ConfigError("setup: " + "; ".join(problems)) from None
