"""``S3Input``: NDJSON (optionally gzip) objects of a bucket/prefix, line by line, resumable.

One pass lists the prefix in key order (ListObjectsV2, paginated) and queues every object
ending in ``.ndjson``, ``.jsonl`` or ``.gz`` whose current ETag was not read to its end;
objects are then streamed one after the other (a plain object is resumed with a byte
``Range``, a gzip one is decompressed again and the lines already read are skipped). Each
non-blank line is one :class:`Message` with coordinates ``s3:<bucket>/<key>/<line>``.

The read position advances as lines are handed out; the *acknowledged* position, the only
one written to the state file, advances in :meth:`S3Input.ack`. A crash therefore replays
exactly the lines handed out since the last acknowledgement, with the same coordinates.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from urllib3.exceptions import HTTPError as Urllib3Error

from logyard.pipeline.inputs._base import InputBatch, InputConfig, InputError, Message, from_env
from logyard.pipeline.inputs.s3._config import S3InputConfig
from logyard.pipeline.inputs.s3._lines import CorruptGzip, Line, gunzip, split_lines
from logyard.pipeline.inputs.s3._state import Position, StateFile

__all__ = ["S3Input"]

_log = logging.getLogger("logyard.input.s3")

SUFFIXES = (".ndjson", ".jsonl", ".gz")  # .ndjson.gz and .jsonl.gz end in .gz
_CHUNK_BYTES = 64 * 1024
_TRANSIENT = (BotoCoreError, ClientError, OSError, Urllib3Error)
_GONE = {"PreconditionFailed", "NoSuchKey", "412", "404"}


@dataclass(frozen=True, slots=True)
class _Listed:
    key: str
    etag: str
    size: int


@dataclass(slots=True)
class _Reader:
    """The object being streamed and how far its lines were handed out."""

    key: str
    etag: str
    body: Any
    lines: Iterator[Line]
    line: int
    offset: int
    skip_to: int  # gzip resume: lines up to this one were handed out before


class S3Input:
    """Reads the NDJSON objects under ``bucket``/``prefix``; see the module docstring."""

    config_class: ClassVar[type[InputConfig]] = S3InputConfig

    def __init__(self, name: str, config: S3InputConfig) -> None:
        self.name = name
        self.config = config
        self._where = f"inputs.{name}"
        self._state = StateFile(
            config.state_dir / f"{name}.s3state.json", input_name=name, bucket=config.bucket
        )
        self._client: Any = None
        self._acked: dict[str, Position] = {}  # what the state file says
        self._read: dict[str, Position] = {}  # how far lines were handed out
        self._unacked: dict[str, Position] = {}  # moved since the last non-empty batch
        self._queue: deque[_Listed] = deque()
        self._next_scan = 0.0
        self._reader: _Reader | None = None

    def __repr__(self) -> str:
        return f"S3Input({self.name!r}, bucket={self.config.bucket!r})"

    # -- the Input contract ------------------------------------------------------------

    def open(self) -> None:
        """Load the state file, connect, and check that the bucket can be listed."""
        self.close()
        self._acked = self._state.load()
        self._read = dict(self._acked)
        self._unacked = {}
        self._queue.clear()
        self._next_scan = 0.0
        client = self._make_client()
        try:
            client.list_objects_v2(Bucket=self.config.bucket, Prefix=self.config.prefix, MaxKeys=1)
        except _TRANSIENT as exc:
            client.close()
            raise self._error(exc, "listing the bucket") from None
        self._client = client

    def poll(self, max_messages: int, timeout_secs: float) -> InputBatch:
        """The next lines, across objects in key order; lists the prefix when idle."""
        if self._client is None:
            raise InputError(f"{self._where}: poll() before open(); open the input first")
        deadline = time.monotonic() + timeout_secs
        messages: list[Message] = []
        retried = False
        while True:
            try:
                self._fill(messages, max_messages, deadline)
                break
            except _TRANSIENT as exc:
                self._drop_reader()
                error = self._error(exc, "reading")
                if messages:
                    _log.warning("%s; handing out the %d lines read before", error, len(messages))
                    break
                if retried:
                    raise error from None
                retried = True  # a stream left open between polls may have been closed by S3
                _log.info("%s; trying once more", error)
        token = dict(self._unacked)
        if messages:
            self._unacked.clear()
        return InputBatch(messages, token)

    def ack(self, batch: InputBatch) -> None:
        """Persist the positions reached by ``batch`` (atomic replace + fsync)."""
        token: dict[str, Position] = batch.token or {}
        for key, position in token.items():
            if position.supersedes(self._acked.get(key)):
                self._acked[key] = position
        self._state.save(self._acked)

    def close(self) -> None:
        """Stop streaming and release the connections (unacked lines will be read again)."""
        self._drop_reader()
        client, self._client = self._client, None
        if client is not None:
            client.close()

    # -- listing and reading -----------------------------------------------------------

    def _fill(self, messages: list[Message], max_messages: int, deadline: float) -> None:
        while len(messages) < max_messages:
            now = time.monotonic()
            if messages and now >= deadline:
                return
            if self._reader is not None:
                self._read_into(self._reader, messages, max_messages)
            elif self._queue:
                self._reader = self._open_object(self._queue[0])
                self._queue.popleft()  # only once opened: a failed GET is tried again
            elif now >= self._next_scan:
                self._scan()
            elif messages or now >= deadline:
                return
            else:
                time.sleep(min(deadline, self._next_scan) - now)

    def _scan(self) -> None:
        """Queue, in key order, every object whose current ETag was not read to its end."""
        listed: list[_Listed] = []
        present: set[str] = set()
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.config.bucket, Prefix=self.config.prefix):
            for obj in page.get("Contents", ()):
                key: str = obj["Key"]
                present.add(key)
                if not key.endswith(SUFFIXES):
                    continue
                etag = str(obj["ETag"]).strip('"')
                position = self._read.get(key)
                if position is None or position.etag != etag or not position.done:
                    listed.append(_Listed(key, etag, int(obj["Size"])))
        self._queue.extend(listed)
        self._next_scan = time.monotonic() + self.config.poll_interval_secs
        for gone in [key for key in self._read if key not in present]:
            del self._read[gone]  # deleted objects are forgotten: the state stays bounded
            self._acked.pop(gone, None)
            self._unacked.pop(gone, None)

    def _open_object(self, item: _Listed) -> _Reader | None:
        position = self._read.get(item.key)
        if position is None or position.etag != item.etag:
            position = Position(item.etag)  # new, or replaced: read it from line 1
        gzipped = item.key.endswith(".gz")
        if not gzipped and position.offset >= item.size:
            self._advance(item.key, replace(position, done=True))
            return None
        request: dict[str, Any] = {
            "Bucket": self.config.bucket,
            "Key": item.key,
            "IfMatch": f'"{item.etag}"',
        }
        if not gzipped and position.offset:
            request["Range"] = f"bytes={position.offset}-"
        try:
            body = self._client.get_object(**request)["Body"]
        except ClientError as exc:
            if _code(exc) not in _GONE:
                raise
            _log.info("%s: s3://%s/%s changed or vanished; listing again", *self._at(item.key))
            self._next_scan = 0.0
            return None
        chunks: Iterator[bytes] = body.iter_chunks(_CHUNK_BYTES)
        limit = self.config.max_line_bytes
        if gzipped:
            lines = split_lines(gunzip(chunks), first_number=1, offset=0, max_line_bytes=limit)
        else:
            lines = split_lines(
                chunks, first_number=position.line + 1, offset=position.offset, max_line_bytes=limit
            )
        skip_to = position.line if gzipped else 0
        return _Reader(item.key, item.etag, body, lines, position.line, position.offset, skip_to)

    def _read_into(self, reader: _Reader, messages: list[Message], max_messages: int) -> None:
        try:
            while len(messages) < max_messages:
                try:
                    line = next(reader.lines, None)
                except CorruptGzip as exc:
                    messages.append(self._corrupt(reader, exc))
                    self._finish(reader)
                    return
                if line is None:
                    self._finish(reader)
                    return
                if line.number <= reader.skip_to:
                    continue
                reader.line, reader.offset = line.number, line.end_offset
                if line.blank and line.error is None:
                    continue
                headers = {"etag": reader.etag}
                if line.error is not None:
                    headers["error"] = line.error
                messages.append(
                    Message(
                        self._coordinates(reader.key, line.number), line.payload, headers=headers
                    )
                )
        finally:
            if self._reader is reader:
                self._advance(reader.key, Position(reader.etag, reader.line, reader.offset))

    def _corrupt(self, reader: _Reader, exc: CorruptGzip) -> Message:
        bucket, key = self.config.bucket, reader.key
        _log.warning("%s: s3://%s/%s: %s; skipping the rest", self._where, bucket, key, exc)
        reason = (
            f"{exc}; lines 1-{reader.line} were read, the rest of the object is skipped "
            "(upload a repaired object to read it again)"
        )
        return Message(
            self._coordinates(key, reader.line + 1),
            f"s3://{bucket}/{key} (ETag {reader.etag}): {reason}".encode(),
            headers={"etag": reader.etag, "error": reason},
        )

    def _finish(self, reader: _Reader) -> None:
        self._advance(reader.key, Position(reader.etag, reader.line, reader.offset, done=True))
        self._drop_reader()

    def _advance(self, key: str, position: Position) -> None:
        self._read[key] = position
        self._unacked[key] = position

    def _drop_reader(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            with contextlib.suppress(*_TRANSIENT):  # closing a broken stream
                reader.body.close()

    # -- helpers -----------------------------------------------------------------------

    def _coordinates(self, key: str, line: int) -> str:
        return f"s3:{self.config.bucket}/{key}/{line}"

    def _at(self, key: str) -> tuple[str, str, str]:
        return self._where, self.config.bucket, key

    def _make_client(self) -> Any:
        cfg = self.config
        credentials: dict[str, str] = {}
        if cfg.access_key_id_env and cfg.secret_access_key_env:
            credentials["aws_access_key_id"] = self._env(cfg.access_key_id_env, "access_key_id")
            credentials["aws_secret_access_key"] = self._env(
                cfg.secret_access_key_env, "secret_access_key"
            )
            if cfg.session_token_env:
                credentials["aws_session_token"] = self._env(cfg.session_token_env, "session_token")
        options: dict[str, Any] = {
            "connect_timeout": cfg.connect_timeout_secs,
            "read_timeout": cfg.read_timeout_secs,
            "retries": {"max_attempts": 3, "mode": "standard"},
        }
        if cfg.endpoint_url:
            options["s3"] = {"addressing_style": "path"}  # MinIO, Ceph, moto
        session = boto3.session.Session(region_name=cfg.region, **credentials)
        return session.client("s3", endpoint_url=cfg.endpoint_url, config=Config(**options))

    def _env(self, variable: str, option: str) -> str:
        return from_env(
            self._where,
            f"{option}_env",
            variable,
            "the credential, or remove the option to use boto3's default credential chain",
        )

    def _error(self, exc: BaseException, doing: str) -> InputError:
        bucket, endpoint = self.config.bucket, self.config.endpoint
        if isinstance(exc, NoCredentialsError):
            text = (
                f"no AWS credentials for {endpoint}; set access_key_id_env and "
                "secret_access_key_env, or configure boto3's chain (AWS_* variables, "
                "~/.aws, an instance role)"
            )
        elif isinstance(exc, ClientError):
            code = _code(exc)
            if code == "NoSuchBucket":
                text = f"bucket {bucket!r} does not exist at {endpoint}; create it or fix bucket"
            elif code in {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403"}:
                text = (
                    f"access to bucket {bucket!r} at {endpoint} denied ({code}) while {doing}; "
                    "check the credentials and the bucket policy"
                )
            else:
                text = f"S3 at {endpoint} answered {code} while {doing} bucket {bucket!r}; retrying"
        else:
            text = (
                f"cannot reach the S3 endpoint {endpoint} while {doing} ({exc}); "
                "check endpoint_url, region and the network"
            )
        return InputError(f"{self._where}: {text}")


def _code(exc: ClientError) -> str:
    error: dict[str, Any] = exc.response.get("Error", {})
    return str(error.get("Code", "unknown"))
