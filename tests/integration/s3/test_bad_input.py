"""Bad objects and bad places: corrupt gzip, bad lines, unreachable endpoints, credentials."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest

from logyard.errors import ConfigError
from logyard.pipeline.inputs import InputError
from logyard.pipeline.inputs.s3 import S3Input, S3InputConfig

from ._drain import drain
from ._moto import MotoServer, MotoUnavailable, free_port

Put = Callable[..., str]
Make = Callable[..., S3Input]

# A gzip header followed by a deflate block of the reserved type 11: zlib refuses it at once.
CORRUPT_MEMBER = bytes.fromhex("1f8b0800000000000003") + b"\xff\xff\xff\xff"


def test_corrupt_gzip_member_ends_the_object_with_one_error(
    make_input: Make, put: Put, bucket: str
) -> None:
    """Lines before a corrupt member are delivered, then one error message, then the next
    object; the member after the corrupt one is not guessed at."""
    good = gzip.compress(b'{"n": 1}\n{"n": 2}\n')
    put("a.ndjson.gz", good + CORRUPT_MEMBER + gzip.compress(b'{"n": 3}\n'))
    put("b.ndjson", ['{"n": 4}'])
    source = make_input()
    source.open()

    messages = drain(source)

    assert [
        (m.coordinates, m.payload if "error" not in m.headers else "error") for m in messages
    ] == [
        (f"s3:{bucket}/a.ndjson.gz/1", b'{"n": 1}'),
        (f"s3:{bucket}/a.ndjson.gz/2", b'{"n": 2}'),
        (f"s3:{bucket}/a.ndjson.gz/3", "error"),
        (f"s3:{bucket}/b.ndjson/1", b'{"n": 4}'),
    ]


def test_corrupt_gzip_error_says_what_and_where(make_input: Make, put: Put) -> None:
    """The error message names the corruption, its byte offset and what was skipped."""
    good = gzip.compress(b'{"n": 1}\n')
    put("a.ndjson.gz", good + CORRUPT_MEMBER)
    source = make_input()
    source.open()

    error = drain(source)[-1]

    assert error.headers["error"] == (
        f"corrupt gzip member starting at compressed byte {len(good)}: Error -3 while "
        "decompressing data: invalid block type; lines 1-1 were read, the rest of the "
        "object is skipped (upload a repaired object to read it again)"
    )


def test_corrupt_object_is_not_read_again_after_ack(make_input: Make, put: Put) -> None:
    """Once its error is acknowledged, a corrupt object is done: no loop, no stall."""
    put("a.ndjson.gz", gzip.compress(b'{"n": 1}\n') + CORRUPT_MEMBER)
    first = make_input()
    first.open()
    drain(first)
    assert drain(first) == []
    first.close()

    second = make_input()
    second.open()

    assert drain(second) == []


def test_truncated_gzip_is_an_error(make_input: Make, put: Put, bucket: str) -> None:
    """An object cut inside its gzip member delivers nothing invented, and one error."""
    put("a.ndjson.gz", gzip.compress(b'{"n": 1}\n' * 1000)[:-20])
    source = make_input()
    source.open()

    messages = drain(source)

    assert "truncated gzip member" in messages[-1].headers["error"]
    assert all("error" not in m.headers for m in messages[:-1])


def test_bad_json_line_is_delivered_raw_between_good_ones(
    make_input: Make, put: Put, bucket: str
) -> None:
    """A line that is not JSON is handed out as it is (validation rejects it later)."""
    put("a.ndjson", ['{"n": 1}', "this is {not json", '{"n": 3}'])
    source = make_input()
    source.open()

    messages = drain(source)

    assert [(m.coordinates, m.payload, m.headers.get("error")) for m in messages] == [
        (f"s3:{bucket}/a.ndjson/1", b'{"n": 1}', None),
        (f"s3:{bucket}/a.ndjson/2", b"this is {not json", None),
        (f"s3:{bucket}/a.ndjson/3", b'{"n": 3}', None),
    ]


def test_overlong_line_becomes_an_error_with_its_head(make_input: Make, put: Put) -> None:
    """A line beyond max_line_bytes is cut to its head and flagged; its neighbours are fine."""
    put("a.ndjson", ['{"n": 1}', "x" * 5000, '{"n": 3}'])
    source = make_input(max_line_bytes=1024)
    source.open()

    messages = drain(source)

    assert [(len(m.payload or b""), m.headers.get("error")) for m in messages] == [
        (8, None),
        (1024, "line of 5000 bytes exceeds max_line_bytes (1024); its first 1024 bytes are kept"),
        (8, None),
    ]


def test_unreachable_endpoint_names_it() -> None:
    """Opening against a port nobody listens on raises InputError naming the endpoint."""
    endpoint = f"http://127.0.0.1:{free_port()}"
    config = S3InputConfig(type="s3", bucket="logs", endpoint_url=endpoint, connect_timeout_secs=1)
    source = S3Input("legacy", config)

    with pytest.raises(InputError, match=f"cannot reach the S3 endpoint {endpoint}"):
        source.open()


def test_missing_bucket_names_it(make_input: Make) -> None:
    """A bucket that does not exist is an InputError naming the bucket."""
    source = make_input(bucket="no-such-bucket")

    with pytest.raises(InputError, match="bucket 'no-such-bucket' does not exist"):
        source.open()


def test_credentials_come_from_the_named_variables(
    make_input: Make, put: Put, monkeypatch: pytest.MonkeyPatch
) -> None:
    """access_key_id_env / secret_access_key_env name variables that hold the keys."""
    monkeypatch.setenv("LEGACY_KEY_ID", "AKIDLEGACY")
    monkeypatch.setenv("LEGACY_SECRET", "s3cr3t-value")
    put("a.ndjson", ['{"n": 1}'])
    source = make_input(access_key_id_env="LEGACY_KEY_ID", secret_access_key_env="LEGACY_SECRET")
    source.open()

    assert len(drain(source)) == 1


def test_unset_credential_variable_is_named_never_a_value(
    make_input: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A credential variable that is not set is named in the error, with what to do."""
    monkeypatch.setenv("LEGACY_KEY_ID", "AKIDLEGACY")
    monkeypatch.delenv("LEGACY_SECRET", raising=False)
    source = make_input(access_key_id_env="LEGACY_KEY_ID", secret_access_key_env="LEGACY_SECRET")

    with pytest.raises(ConfigError) as caught:
        source.open()

    assert str(caught.value) == (
        "inputs.legacy.secret_access_key_env: environment variable LEGACY_SECRET is not set; "
        "export it with the credential, or remove the option to use boto3's default "
        "credential chain"
    )


def test_endpoint_lost_after_open_is_an_input_error_naming_it(put: Put, state_dir: Path) -> None:
    """When S3 goes away after start-up, poll raises InputError naming the endpoint."""
    server = MotoServer()
    try:
        server.start()
    except MotoUnavailable as exc:  # the session fixture already failed or skipped for this
        pytest.skip(str(exc))
    try:
        boto3.client("s3", endpoint_url=server.url).create_bucket(Bucket="gone")
        source = S3Input(
            "legacy",
            S3InputConfig(type="s3", bucket="gone", endpoint_url=server.url, state_dir=state_dir),
        )
        source.open()
    finally:
        server.stop()

    with pytest.raises(InputError, match=f"cannot reach the S3 endpoint {server.url}"):
        source.poll(10, 0.05)
    source.close()
