"""Fixtures of the S3 integration tests: one ``moto_server`` per session, a bucket per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

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
        yield server.url
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
