"""The keyring across processes: kill -9 in the middle of batches loses no key of an
acknowledged envelope and never gives a subject two keys; `logyard forget` in another
process is honoured by a running one, and the subject never gets a new key."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import IO

import pytest

from logyard.pipeline import WriteAheadQueue
from logyard.pipeline._records import ORIGINALS, VALID, decode_originals, decode_valid
from logyard.security.crypto import Encryptor, SubjectForgotten, open_local_keyring

pytestmark = pytest.mark.slow

# A producer process: the real ingest (mask step, sealer, fsync'd write-ahead queue) fed
# batches of 100 orders, each by a customer the run has not seen yet; after each
# acknowledged batch it prints the accepted event ids.
PRODUCER = r"""
import json, sys
from datetime import UTC, datetime
from pathlib import Path
from logyard.pipeline import Ingest, PipelineMetrics, WriteAheadQueue
from logyard.pipeline.steps import StepChain
from logyard.pipeline.steps.mask import build_mask, mask_config_from_env
from logyard.pipeline.steps.seal import make_sealer
from logyard.security.crypto import Encryptor, open_local_keyring

data, queue_dir, tag, first = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
step, scrub = build_mask(mask_config_from_env(collect_originals=True))
metrics = PipelineMetrics()
ingest = Ingest(
    WriteAheadQueue(queue_dir), metrics, steps=StepChain([("mask", step)], metrics.dropped),
    scrub=scrub, sealer=make_sealer(Encryptor(open_local_keyring(data, environ={}))),
    take_originals=step.take_originals,
)
n = 0
while True:
    raws = [
        json.dumps({
            "@timestamp": datetime.now(UTC).isoformat(), "event.id": f"{tag}-{n + i}",
            "event.action": "order.created", "service.name": "internet-shop",
            "user.name": f"cust-{first + n + i}", "order.id": f"ORD-{n + i}",
            "order.params": {"email": f"cust-{first + n + i}@mail.ru"},
        }).encode()
        for i in range(100)
    ]
    results = ingest.submit_raw(raws)
    print(json.dumps([r.id for r in results if r.status == "accepted"]), flush=True)
    n += 100
"""


def _start(data: Path, queue_dir: Path, tag: str, first: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", PRODUCER, str(data), str(queue_dir), tag, str(first)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _read_acks(stream: IO[str], acked: list[str], batches: list[int]) -> None:
    for line in stream:
        acked.extend(json.loads(line))
        batches[0] += 1


def test_kill_9_mid_batch_loses_no_key_and_makes_no_second_key(tmp_path: Path) -> None:
    """Three rounds of two producers racing on the same new customers, each SIGKILLed at
    a random moment after a few acknowledged batches: afterwards every envelope in the
    queues opens with a fresh keyring, every acknowledged event is in its queue, and each
    subject's envelopes all carry the one key id the keyring holds for it."""
    data = tmp_path / "data"
    open_local_keyring(data, environ={}).close()  # the master key exists before the race
    rng = random.Random(4)
    acked: dict[str, list[str]] = {}
    for round_ in range(3):
        procs, readers, counts = [], [], []
        for who in ("a", "b"):
            tag = f"{who}{round_}"
            proc = _start(data, tmp_path / f"queue-{tag}", tag, first=round_ * 150)
            ids: list[str] = []
            batches = [0]
            reader = threading.Thread(target=_read_acks, args=(proc.stdout, ids, batches))
            reader.start()
            procs.append(proc)
            readers.append(reader)
            counts.append(batches)
            acked[tag] = ids
        deadline = time.monotonic() + 60
        while min(b[0] for b in counts) < 2:
            failed = [p.stderr.read() for p in procs if p.poll() is not None and p.stderr]
            assert (failed, time.monotonic() < deadline) == ([], True)
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.05))
        for proc in procs:
            proc.send_signal(signal.SIGKILL)
        for proc, reader in zip(procs, readers, strict=True):
            proc.wait()
            reader.join()
            assert proc.stdout is not None
            assert proc.stderr is not None
            proc.stdout.close()
            proc.stderr.close()
    enc = Encryptor(open_local_keyring(data, environ={}))
    kids: dict[str, set[str]] = defaultdict(set)
    missing: list[str] = []
    opened = 0
    for tag, ids in acked.items():
        with WriteAheadQueue(tmp_path / f"queue-{tag}") as queue:
            records = queue.read(0, max_records=1_000_000).records
        queued = {decode_valid(r)[2] for r in records if r[:1] == VALID}
        missing += [i for i in ids if i not in queued]
        for sealed in (decode_originals(r) for r in records if r[:1] == ORIGINALS):
            for field, subject, envelope in sealed.items:
                enc.open(envelope, event_id=sealed.event_id, field=field)  # raises if lost
                kids[subject].add(envelope["kid"])
                opened += 1
    two_keys = {s: k for s, k in kids.items() if len(k) != 1}
    with contextlib.closing(sqlite3.connect(data / "keyring" / "keys.db")) as db:
        stored = dict(db.execute("SELECT subj, kid FROM subjects").fetchall())
    not_stored = {s: (sorted(k), stored.get(s)) for s, k in kids.items() if k != {stored.get(s)}}
    assert (missing, two_keys, not_stored) == ([], {}, {})
    assert opened >= sum(len(ids) for ids in acked.values()) >= 1200  # 6 runs x 2 batches


def test_forget_in_another_process_is_honoured_at_once(tmp_path: Path) -> None:
    """A running keyring (as in `logyard up`) with the subject's key cached: `logyard
    forget --kind user` run in another process makes open refuse at once, seal refuse
    after the re-check, a batch leave the subject out, and no later batch gives the
    subject a new key."""
    data = tmp_path / "data"
    keyring = open_local_keyring(data, environ={})
    running = Encryptor(keyring)
    subject = running.subject_for("customer-7", "user")
    envelope = running.seal("x@mail.ru", event_id="ev-1", field="f", subject=subject)
    assert running.open(envelope, event_id="ev-1", field="f") == "x@mail.ru"  # cached now
    env = {k: v for k, v in os.environ.items() if k != "LOGYARD_MASTER_KEY"}
    command = [str(Path(sys.executable).parent / "logyard"), "forget", "--kind", "user"]
    done = subprocess.run(  # the real command, in its own process
        [*command, "--data-dir", str(data), "customer-7"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert (done.returncode, "crypto-shredded" in done.stdout) == (0, True)
    with pytest.raises(SubjectForgotten) as refused:
        running.open(envelope, event_id="ev-1", field="f")
    keyring._looked_at = 0.0  # as if seal_recheck_secs had passed
    batch = running.seal_many(
        [("y", "ev-2", "f", subject), ("z", "ev-3", "f", running.subject_for("c-8", "user"))]
    )
    with pytest.raises(SubjectForgotten):
        running.seal("w", event_id="ev-4", field="f", subject=subject)
    assert (refused.value.reason, batch[0], batch[1] is not None) == ("forgotten", None, True)
    assert keyring.status(subject) == "forgotten"
