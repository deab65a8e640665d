"""Fixtures of the retention tests against S3: ``moto_server`` on loopback (the S3 tests'
helper), a bucket per test, and a store with old partitions."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.integration.s3._moto import FAKE_CREDENTIALS, MotoServer, MotoUnavailable
from tests.unit.retention._data import day_events, open_store

from logyard.store.duckdb import DuckDBStore


def start_moto() -> MotoServer:
    """A started server; skips (fails when ``CI=true``) when moto cannot start."""
    server = MotoServer()
    try:
        server.start()
    except MotoUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the S3 test server is unavailable: {exc}")
        pytest.skip(f"S3 test server unavailable: {exc}")
    return server


@pytest.fixture(scope="session")
def aws_env() -> Iterator[None]:
    """boto3 in this process uses fake credentials (moto accepts anything)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in FAKE_CREDENTIALS.items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        yield


@pytest.fixture(scope="session")
def moto_url(aws_env: None) -> Iterator[str]:
    """The URL of the session's ``moto_server``."""
    server = start_moto()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def own_moto(aws_env: None) -> Iterator[MotoServer]:
    """A ``moto_server`` of this test's own (it may be frozen or stopped)."""
    server = start_moto()
    try:
        yield server
    finally:
        server.stop()


def new_bucket(url: str) -> str:
    """A fresh, empty bucket on the server at ``url``."""
    name = f"retention-{uuid.uuid4().hex[:16]}"
    s3_client(url).create_bucket(Bucket=name)
    return name


def s3_client(url: str) -> Any:
    """A boto3 S3 client of the server at ``url``."""
    return boto3.client("s3", endpoint_url=url, region_name="us-east-1")


@pytest.fixture
def old_store(tmp_path: Path) -> Iterator[DuckDBStore]:
    """crm: 4 events of 2026-04-01; mes: 6 of 2026-04-01, 6 of 2026-04-02, 6 of 2026-11-20
    (mixed in the chain)."""
    from datetime import date

    mes1 = day_events("mes", date(2026, 4, 1), 6)
    mes2 = day_events("mes", date(2026, 4, 2), 6)
    recent = day_events("mes", date(2026, 11, 20), 6)
    crm = day_events("crm", date(2026, 4, 1), 4)
    (tmp_path / "data").mkdir()
    store = open_store(
        tmp_path / "data" / "logs.duckdb",
        [mes1[:3] + recent[:3], mes2 + crm, recent[3:] + mes1[3:]],
    )
    yield store
    store.close()
