"""Retention into S3 (moto_server): archive, read back, delete, restore; an outage mid-run
deletes nothing unverified and a re-run completes."""

from __future__ import annotations

import os
import signal
from datetime import date
from pathlib import Path

import pytest
from tests.integration.retention.conftest import new_bucket, s3_client
from tests.integration.s3._moto import MotoServer
from tests.unit.retention._data import NOW, day_events, ids, search_ids, verify_store

from logyard.cli._main import main
from logyard.retention import (
    Outcome,
    RetentionPolicy,
    S3Target,
    decode_manifest,
    restore_archives,
    run_retention,
)
from logyard.store.duckdb import DuckDBStore

OLD1, OLD2 = date(2026, 4, 1), date(2026, 4, 2)
POLICY = RetentionPolicy(180)


def keys(url: str, bucket: str) -> list[str]:
    answer = s3_client(url).list_objects_v2(Bucket=bucket)
    return sorted(o["Key"] for o in answer.get("Contents", ()))


def test_partitions_go_to_s3_and_come_back(moto_url: str, old_store: DuckDBStore) -> None:
    """Each old partition is a Parquet object and a manifest under the prefix; the store
    keeps only the recent day; restore from S3 makes the old days searchable, verify intact."""
    bucket = new_bucket(moto_url)
    target = S3Target(bucket, "logs/archive", endpoint_url=moto_url)
    report = run_retention(old_store, target, POLICY, now=NOW)
    stored = keys(moto_url, bucket)
    after_run = old_store.count()
    restored = restore_archives(old_store, target, "mes", OLD1, OLD2, now=NOW)
    expected = (
        True,
        6,
        ["logs/archive/system=crm/day=2026-04-01/", "logs/archive/system=mes/day=2026-04-01/",
         "logs/archive/system=mes/day=2026-04-02/"],
        6,
        12,
        ids(day_events("mes", OLD1, 6) + day_events("mes", OLD2, 6)),
        True,
    )  # fmt: skip
    assert expected == (
        report.ok,
        len(stored),
        sorted({k.rsplit("/", 1)[0] + "/" for k in stored}),
        after_run,
        restored.inserted,
        search_ids(old_store, "service.name:mes and @timestamp < 2026-05-01"),
        verify_store(old_store).intact,
    )


def test_the_manifest_in_s3_matches_the_object(moto_url: str, old_store: DuckDBStore) -> None:
    """The manifest read from S3 names the object beside it, its size and row count."""
    bucket = new_bucket(moto_url)
    run_retention(old_store, S3Target(bucket, "a", endpoint_url=moto_url), POLICY, now=NOW)
    client = s3_client(moto_url)
    [m_key] = [k for k in keys(moto_url, bucket) if k.startswith("a/system=crm/")
               and k.endswith(".manifest.json")]  # fmt: skip
    manifest = decode_manifest(client.get_object(Bucket=bucket, Key=m_key)["Body"].read(), m_key)
    head = client.head_object(Bucket=bucket, Key=m_key.rsplit("/", 1)[0] + "/" + manifest.file)
    assert (4, manifest.bytes) == (manifest.rows, head["ContentLength"])


def test_an_s3_outage_mid_run_deletes_nothing_unverified(
    own_moto: MotoServer, old_store: DuckDBStore
) -> None:
    """S3 stops answering after the first partition: that one is archived and deleted, the
    next fails with a message naming the object and what to check, nothing else is deleted;
    once S3 is back a re-run archives the rest, and everything restores."""
    bucket = new_bucket(own_moto.url)
    target = S3Target(bucket, "x", endpoint_url=own_moto.url, timeout_secs=1, attempts=1)
    assert own_moto.proc is not None
    pid = own_moto.proc.pid

    def freeze(outcome: Outcome) -> None:
        if outcome.status == "archived":
            os.kill(pid, signal.SIGSTOP)  # S3 hangs: connections open, no answers

    try:
        broken = run_retention(old_store, target, POLICY, now=NOW, after_partition=freeze)
    finally:
        os.kill(pid, signal.SIGCONT)
    counts = (old_store.count("crm"), old_store.count("mes"))
    again = run_retention(old_store, S3Target(bucket, "x", endpoint_url=own_moto.url), POLICY,
                          now=NOW)  # fmt: skip
    restored = restore_archives(old_store, target, "mes", OLD1, OLD2, now=NOW)
    failed = broken.outcomes[1]
    expected = (
        ["archived", "failed", "not run"],
        (0, 18),
        True,
        [("mes", OLD1), ("mes", OLD2)],
        12,
        12,
        True,
    )
    assert expected == (
        [o.status for o in broken.outcomes],
        counts,
        failed.error.startswith(f"s3://{bucket}/x/system=mes/day=2026-04-01/part-")
        and "check that S3 is reachable" in failed.error,
        [(o.system, o.day) for o in again.outcomes],
        again.deleted,
        restored.inserted,
        verify_store(old_store).intact,
    )


def test_a_vanished_bucket_stops_the_run_and_says_so(moto_url: str, old_store: DuckDBStore) -> None:
    """The bucket disappears after the first partition: the next fails with NoSuchBucket and
    the fix, its events stay; with the bucket back, a re-run completes."""
    bucket = new_bucket(moto_url)
    client = s3_client(moto_url)

    def vanish(outcome: Outcome) -> None:
        if outcome.status == "archived":
            for key in keys(moto_url, bucket):
                client.delete_object(Bucket=bucket, Key=key)
            client.delete_bucket(Bucket=bucket)

    target = S3Target(bucket, "", endpoint_url=moto_url, attempts=1)
    broken = run_retention(old_store, target, POLICY, now=NOW, after_partition=vanish)
    mes_left = old_store.count("mes")
    client.create_bucket(Bucket=bucket)
    again = run_retention(old_store, target, POLICY, now=NOW)
    expected = (["archived", "failed", "not run"], 18, True, True, 2, 6)
    assert expected == (
        [o.status for o in broken.outcomes],
        mes_left,
        "NoSuchBucket" in broken.outcomes[1].error,
        broken.outcomes[1].error.endswith(
            "check the bucket name and the AWS credentials (AWS_* variables or profile)"
        ),
        len(again.outcomes),
        old_store.count(),
    )


def test_cli_run_and_restore_with_s3(
    moto_url: str, tmp_path: Path, old_store: DuckDBStore, capsys: pytest.CaptureFixture[str]
) -> None:
    """`logyard retention run --to s3://… --endpoint-url …` archives (progress on stderr, a
    summary on stdout); `logyard restore --from-archive s3://…` brings a day back."""
    bucket = new_bucket(moto_url)
    data = Path(str(old_store.path)).parent
    old_store.close()
    common = ["--data-dir", str(data), "--endpoint-url", moto_url]
    run_code = main(["retention", "run", "--to", f"s3://{bucket}/cli", *common])
    run_out = capsys.readouterr()
    day = ["--from", "2026-04-01", "--to", "2026-04-01"]
    source = ["--from-archive", f"s3://{bucket}/cli"]
    restore_code = main(["restore", "--system", "crm", *day, *source, *common])
    restore_out = capsys.readouterr()
    expected = (
        0,
        f"retention: archived 3 partition(s), deleted 16 event(s); archive: s3://{bucket}/cli\n",
        True,
        0,
        "restore: 1 part(s) of crm (1 day(s)), 4 of 4 event(s) inserted; held from retention "
        "for 30 day(s)\n",
    )
    assert expected == (
        run_code,
        run_out.out,
        "retention: [3/3] mes 2026-04-02: 6 event(s) -> " in run_out.err,
        restore_code,
        restore_out.out,
    )
