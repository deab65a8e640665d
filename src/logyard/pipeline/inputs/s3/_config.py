"""Settings of the ``s3`` input (pydantic: every error keeps its path)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from logyard.pipeline.inputs._base import InputConfig

__all__ = ["S3InputConfig"]

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class S3InputConfig(InputConfig):
    """Where the NDJSON objects are, how often to look, where the read position is kept.

    ::

        [inputs.legacy_erp]
        type = "s3"
        bucket = "legacy-erp-exports"
        prefix = "logs/"
        access_key_id_env = "LEGACY_S3_KEY_ID"          # names of variables, never values
        secret_access_key_env = "LEGACY_S3_SECRET"
    """

    type: Literal["s3"]
    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region: str = Field(default="us-east-1", min_length=1)
    access_key_id_env: str | None = None
    secret_access_key_env: str | None = None
    session_token_env: str | None = None
    poll_interval_secs: float = Field(default=30.0, gt=0, le=86_400)
    state_dir: Path = Path("logyard-data/state")
    max_line_bytes: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    connect_timeout_secs: float = Field(default=5.0, gt=0, le=300)
    read_timeout_secs: float = Field(default=60.0, gt=0, le=3600)

    @field_validator("bucket")
    @classmethod
    def _bucket_name(cls, value: str) -> str:
        if not _BUCKET.match(value) or ".." in value:
            raise ValueError(
                "expected an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, "
                "starting and ending with a letter or digit)"
            )
        return value

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(
                'expected an http:// or https:// URL such as "http://127.0.0.1:9000"; '
                "leave it out for AWS"
            )
        return value.rstrip("/") if value else value

    @field_validator("access_key_id_env", "secret_access_key_env", "session_token_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError(
                "expected the name of an environment variable (letters, digits, _), "
                "not the secret itself"
            )
        return value

    @model_validator(mode="after")
    def _key_pair(self) -> Self:
        if (self.access_key_id_env is None) != (self.secret_access_key_env is None):
            raise ValueError(
                "access_key_id_env and secret_access_key_env go together; set both, or "
                "neither to use boto3's default credential chain"
            )
        if self.session_token_env is not None and self.access_key_id_env is None:
            raise ValueError("session_token_env needs access_key_id_env and secret_access_key_env")
        return self

    @property
    def endpoint(self) -> str:
        """The endpoint as people know it (for error messages)."""
        return self.endpoint_url or f"https://s3.{self.region}.amazonaws.com"
