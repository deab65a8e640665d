"""Fixtures of the S3 integration tests: one ``moto_server`` per session, a bucket per test."""

from __future__ import annotations

import gzip
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from logyard.pipeline.inputs.s3 import S3Input, S3InputConfig

from ._moto import FAKE_CREDENTIALS, MotoServer, MotoUnavailable


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """The URL of a running ``moto_server`` on loopback; boto3 here uses fake credentials.

    A server that cannot start skips the S3 tests, and fails them when ``CI=true``.
    """
    server = MotoServer()
    try:
        server.start()
    except MotoUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the S3 test server is unavailable: {exc}")
        pytest.skip(f"S3 test server unavailable: {exc}")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in FAKE_CREDENTIALS.items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        try:
            yield server.url
        finally:
            server.stop()


@pytest.fixture(scope="session")
def s3_client(moto_url: str) -> Any:
    """A boto3 S3 client talking to the test server."""
    return boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")


@pytest.fixture
def bucket(s3_client: Any) -> str:
    """A fresh, empty bucket for this test."""
    name = f"test-{uuid.uuid4().hex[:20]}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    """Where the inputs of this test keep their state files."""
    return tmp_path / "state"


@pytest.fixture
def make_input(moto_url: str, bucket: str, state_dir: Path) -> Iterator[Callable[..., S3Input]]:
    """Build (not open) an :class:`S3Input` on this test's bucket; closed at teardown."""
    made: list[S3Input] = []

    def make(name: str = "legacy", **options: Any) -> S3Input:
        settings: dict[str, Any] = {
            "type": "s3",
            "bucket": bucket,
            "endpoint_url": moto_url,
            "state_dir": state_dir,
            "poll_interval_secs": 0.01,
            **options,
        }
        source = S3Input(name, S3InputConfig.model_validate(settings))
        made.append(source)
        return source

    yield make
    for source in made:
        source.close()


@pytest.fixture
def put(s3_client: Any, bucket: str) -> Callable[..., str]:
    """Upload ``lines`` (joined with newlines, gzip when the key ends in .gz); returns the ETag."""

    def upload(key: str, lines: list[str] | bytes) -> str:
        body = lines if isinstance(lines, bytes) else "".join(f"{x}\n" for x in lines).encode()
        if key.endswith(".gz") and not isinstance(lines, bytes):
            body = gzip.compress(body, mtime=0)
        answer = s3_client.put_object(Bucket=bucket, Key=key, Body=body)
        return str(answer["ETag"]).strip('"')

    return upload
