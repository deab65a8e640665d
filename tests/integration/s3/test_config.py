"""The s3 input's settings: the documented example parses, mistakes are reported with paths."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from logyard.errors import ConfigError
from logyard.pipeline._config import parse_config
from logyard.pipeline.inputs.s3 import S3InputConfig

DOC = Path(__file__).parents[3] / "docs" / "inputs" / "s3.md"


def _problems(section: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config({"inputs": {"legacy": section}})
    return str(caught.value).splitlines()[1:]


def test_documented_example_parses() -> None:
    """The example of docs/inputs/s3.md is a valid config with the values it shows."""
    block = re.search(r"```toml\n(.*?)```", DOC.read_text(), re.S)
    assert block is not None

    config = parse_config(tomllib.loads(block.group(1)))

    assert config.inputs["legacy_erp"] == S3InputConfig(
        type="s3",
        bucket="legacy-erp-exports",
        prefix="erp/",
        region="eu-central-1",
        access_key_id_env="LEGACY_S3_KEY_ID",
        secret_access_key_env="LEGACY_S3_SECRET",
        poll_interval_secs=60,
        state_dir=Path("logyard-data/state"),
    )


def test_every_mistake_is_reported_with_its_path() -> None:
    """Bad bucket, endpoint and interval are all reported at once, each with its path."""
    problems = _problems(
        {
            "type": "s3",
            "bucket": "Legacy_Exports",
            "endpoint_url": "minio:9000",
            "poll_interval_secs": 0,
        }
    )

    assert problems == [
        "  inputs.legacy.bucket: Value error, expected an S3 bucket name (3-63 lowercase "
        "letters, digits, dots and hyphens, starting and ending with a letter or digit), "
        "got 'Legacy_Exports'",
        "  inputs.legacy.endpoint_url: Value error, expected an http:// or https:// URL such as "
        '"http://127.0.0.1:9000"; leave it out for AWS',
        "  inputs.legacy.poll_interval_secs: Input should be greater than 0, got 0",
    ]


def test_missing_bucket_is_reported() -> None:
    """A section without a bucket says the bucket is required."""
    assert _problems({"type": "s3"}) == ["  inputs.legacy.bucket: Field required"]


def test_a_secret_written_in_the_file_is_refused_and_not_echoed() -> None:
    """An unknown option holding a key is refused without printing its value."""
    problems = _problems({"type": "s3", "bucket": "logs", "secret_access_key": "hunter2-key"})

    assert problems == ["  inputs.legacy.secret_access_key: Extra inputs are not permitted"]


def test_credential_options_name_variables_and_go_in_pairs() -> None:
    """A key id variable without the secret variable is refused with what to do."""
    problems = _problems({"type": "s3", "bucket": "logs", "access_key_id_env": "LEGACY_KEY"})

    assert problems == [
        "  inputs.legacy: Value error, access_key_id_env and secret_access_key_env go "
        "together; set both, or neither to use boto3's default credential chain"
    ]


def test_a_key_where_a_variable_name_belongs_is_refused_unechoed() -> None:
    """A value that is not a variable name (a pasted key) is refused and not printed."""
    problems = _problems(
        {
            "type": "s3",
            "bucket": "logs",
            "access_key_id_env": "AKIA/EXAMPLE+KEY",
            "secret_access_key_env": "LEGACY_SECRET",
        }
    )

    assert problems == [
        "  inputs.legacy.access_key_id_env: Value error, expected the name of an environment "
        "variable (letters, digits, _), not the secret itself"
    ]
