"""Where archives go: a local directory or an S3 bucket (boto3), behind one small interface."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Protocol

from logyard.errors import ConfigError, NotInstalledError, StoreError

__all__ = ["ArchiveTarget", "DirTarget", "S3Target", "open_target", "target_problem"]


class ArchiveTarget(Protocol):
    """Objects by key (``system=mes/day=.../part-....parquet``)."""

    def url(self, key: str = "") -> str:
        """Where ``key`` is, for people (``s3://bucket/prefix/key`` or a path)."""
        ...

    def put(self, key: str, source: Path) -> None:
        """Store the file ``source`` under ``key`` (replacing it)."""
        ...

    def get(self, key: str, dest: Path) -> None:
        """Fetch ``key`` into the file ``dest``; :class:`StoreError` when it is missing."""
        ...

    def exists(self, key: str) -> bool:
        """Whether ``key`` is stored."""
        ...

    def list(self, prefix: str) -> list[str]:
        """Every key under ``prefix``, sorted."""
        ...


class DirTarget:
    """Archives in a directory (a mounted backup volume, say); writes are atomic renames."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __repr__(self) -> str:
        return f"DirTarget({str(self.root)!r})"

    def url(self, key: str = "") -> str:
        return str(self.root / key) if key else str(self.root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise StoreError(f"{self.root}: key {key!r} leaves the archive directory")
        return path

    def put(self, key: str, source: Path) -> None:
        dest = self._path(key)
        tmp = dest.with_name(dest.name + ".tmp")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            with source.open("rb") as src, tmp.open("wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, dest)
            fd = os.open(dest.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise StoreError(
                f"{dest}: cannot write the archive ({exc.strerror or exc}); check that the "
                "directory exists, is writable and has space"
            ) from exc

    def get(self, key: str, dest: Path) -> None:
        src = self._path(key)
        try:
            shutil.copyfile(src, dest)
        except FileNotFoundError as exc:
            raise StoreError(f"{src}: not in the archive; check --from-archive") from exc
        except OSError as exc:
            raise StoreError(f"{src}: cannot read the archive ({exc.strerror or exc})") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str) -> list[str]:
        base = self._path(prefix) if prefix else self.root
        if not base.is_dir():
            return []
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in base.rglob("*")
            if p.is_file() and not p.name.endswith(".tmp")
        )


class S3Target:
    """Archives in ``s3://bucket/prefix``. Credentials come from the usual AWS chain
    (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, a profile, an instance role);
    ``endpoint_url`` (or ``AWS_ENDPOINT_URL``) points at MinIO, moto or another S3 API."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        timeout_secs: float = 60.0,
        attempts: int = 5,
    ) -> None:
        try:
            import boto3
            from botocore.config import Config
        except ImportError as exc:
            raise NotInstalledError(
                "retention --to s3://: boto3 is not installed; pip install 'logyard[s3]'"
            ) from exc
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        config = Config(
            connect_timeout=timeout_secs,
            read_timeout=timeout_secs,
            retries={"max_attempts": attempts, "mode": "standard"},
        )
        self._client: Any = boto3.client("s3", endpoint_url=endpoint_url, config=config)

    def __repr__(self) -> str:
        return f"S3Target({self.url()!r}, endpoint_url={self.endpoint_url!r})"

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def url(self, key: str = "") -> str:
        base = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        return f"{base}/{key}" if key else base

    def _failed(self, exc: Exception, key: str, doing: str) -> StoreError:
        code = ""
        response = getattr(exc, "response", None)
        if isinstance(response, dict):
            code = str(response.get("Error", {}).get("Code", ""))
        where = self.url(key)
        denied = ("NoSuchBucket", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch")
        if not code:  # boto3's transfers wrap the ClientError in a message (S3UploadFailedError)
            code = next((c for c in denied if f"({c})" in str(exc)), "")
        if code in denied:
            fix = "check the bucket name and the AWS credentials (AWS_* variables or profile)"
        else:
            fix = "check that S3 is reachable (the endpoint URL, the network); a re-run resumes"
        return StoreError(f"{where}: cannot {doing} ({code or type(exc).__name__}: {exc}); {fix}")

    def put(self, key: str, source: Path) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.upload_file(str(source), self.bucket, self._key(key))
        except (BotoCoreError, ClientError) as exc:
            raise self._failed(exc, key, "upload") from exc
        except Exception as exc:  # boto3's transfer wraps them (S3UploadFailedError)
            raise self._failed(exc, key, "upload") from exc

    def get(self, key: str, dest: Path) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.download_file(self.bucket, self._key(key), str(dest))
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchKey"):
                raise StoreError(
                    f"{self.url(key)}: not in the archive; check --from-archive"
                ) from exc
            raise self._failed(exc, key, "download") from exc
        except BotoCoreError as exc:
            raise self._failed(exc, key, "download") from exc

    def exists(self, key: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchKey", "NotFound"):
                return False
            raise self._failed(exc, key, "look up") from exc
        except BotoCoreError as exc:
            raise self._failed(exc, key, "look up") from exc
        return True

    def list(self, prefix: str) -> list[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        strip = len(self._key(""))
        keys: list[str] = []
        try:
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self._key(prefix)
            )
            for page in pages:
                keys += [obj["Key"][strip:] for obj in page.get("Contents", ())]
        except (BotoCoreError, ClientError) as exc:
            raise self._failed(exc, prefix, "list") from exc
        return sorted(keys)


def target_problem(spec: str, where: str) -> str | None:
    """What is wrong with the archive location ``spec`` given as ``where`` (``--to``,
    ``LOGYARD_RETENTION_TO``), as an error message; ``None`` when it names an S3 bucket
    (``s3://bucket/prefix``) or a directory."""
    if spec.startswith("s3://"):
        if not spec[len("s3://") :].partition("/")[0]:
            return f"{where}: {spec!r} names no bucket; write s3://bucket/prefix"
        return None
    if "://" in spec:
        return (
            f"{where}: {spec!r}: only s3:// URLs and directories are supported; "
            "write s3://bucket/prefix or a directory path"
        )
    if not spec:
        return f"{where}: empty; write s3://bucket/prefix or a directory path"
    return None


def open_target(
    spec: str,
    *,
    endpoint_url: str | None = None,
    timeout_secs: float = 60.0,
    attempts: int = 5,
    where: str = "--to",
) -> ArchiveTarget:
    """``s3://bucket/prefix`` → :class:`S3Target`; a path → :class:`DirTarget`."""
    problem = target_problem(spec, where)
    if problem is not None:
        raise ConfigError(problem)
    if spec.startswith("s3://"):
        bucket, _, prefix = spec[len("s3://") :].partition("/")
        return S3Target(
            bucket,
            prefix,
            endpoint_url=endpoint_url,
            timeout_secs=timeout_secs,
            attempts=attempts,
        )
    return DirTarget(Path(spec))
