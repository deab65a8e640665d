"""The embedded write-ahead queue keeps every appended record, in order, across reopen."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from logyard.pipeline import WriteAheadQueue

Open = Callable[..., WriteAheadQueue]


@pytest.fixture
def open_queue() -> Iterator[Open]:
    opened: list[WriteAheadQueue] = []

    def make(path: Path, **kw: int) -> WriteAheadQueue:
        queue = WriteAheadQueue(path, **kw)
        opened.append(queue)
        return queue

    yield make
    for queue in opened:
        queue.close()


def drain(queue: WriteAheadQueue, position: int = 0, **kw: int) -> tuple[list[bytes], int]:
    out: list[bytes] = []
    while True:
        batch = queue.read(position, **kw)
        if not batch.records:
            return out, position
        out += batch.records
        position = batch.end


def test_records_come_back_in_append_order(tmp_path: Path, open_queue: Open) -> None:
    """What was appended is read back byte for byte, in order."""
    queue = open_queue(tmp_path)
    records = [f"record-{i}".encode() for i in range(100)]
    queue.append(records[:40])
    queue.append(records[40:])
    assert drain(queue, max_records=7)[0] == records


def test_concurrent_appenders_lose_nothing(tmp_path: Path, open_queue: Open) -> None:
    """Eight threads appending at once (group commit) lose and duplicate nothing."""
    queue = open_queue(tmp_path, segment_bytes=4096)

    def worker(n: int) -> None:
        for i in range(200):
            queue.append([f"{n}:{i}".encode()])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = drain(queue)[0]
    assert sorted(got) == sorted(f"{n}:{i}".encode() for n in range(8) for i in range(200))
    for n in range(8):  # each producer's own order is kept
        mine = [int(r.split(b":")[1]) for r in got if r.startswith(f"{n}:".encode())]
        assert mine == list(range(200))


def test_reopen_resumes_after_last_record(tmp_path: Path, open_queue: Open) -> None:
    """A reopened queue has the same end and appends after it."""
    queue = open_queue(tmp_path, segment_bytes=100)
    queue.append([b"a" * 30 for _ in range(10)])
    end = queue.end
    queue.close()
    again = open_queue(tmp_path, segment_bytes=100)
    assert again.end == end
    again.append([b"b"])
    assert drain(again)[0] == [b"a" * 30] * 10 + [b"b"]


def test_torn_tail_is_cut_on_open(tmp_path: Path, open_queue: Open) -> None:
    """Half a record at the end (crash mid-write) is dropped; complete ones stay."""
    queue = open_queue(tmp_path)
    queue.append([b"one", b"two"])
    end = queue.end
    queue.close()
    segment = sorted(tmp_path.glob("*.wal"))[-1]
    with segment.open("ab") as fh:
        fh.write(b"\x20\x00\x00\x00\x00\x00\x00\x00partial")
    again = open_queue(tmp_path)
    assert (again.end, again.torn_bytes_dropped) == (end, 15)
    assert drain(again)[0] == [b"one", b"two"]


def test_release_deletes_only_consumed_segments(tmp_path: Path, open_queue: Open) -> None:
    """Segments wholly before the checkpoint go; the rest stay readable."""
    queue = open_queue(tmp_path, segment_bytes=64)
    for i in range(10):
        queue.append([bytes([65 + i]) * 40])
    records, _ = drain(queue)
    middle = queue.read(0, max_records=5).end
    removed = queue.release(middle)
    assert removed > 0
    assert drain(queue, middle)[0] == records[5:]


def test_record_larger_than_read_chunk(tmp_path: Path, open_queue: Open) -> None:
    """A 3 MiB record is read whole even when max_bytes is smaller."""
    queue = open_queue(tmp_path)
    big = b"x" * (3 << 20)
    queue.append([b"small", big, b"after"])
    assert drain(queue, max_bytes=1 << 20)[0] == [b"small", big, b"after"]


def test_wait_wakes_on_append(tmp_path: Path, open_queue: Open) -> None:
    """A reader waiting at the end wakes when a record is appended."""
    queue = open_queue(tmp_path)
    timer = threading.Timer(0.05, queue.append, args=([b"x"],))
    timer.start()
    assert queue.wait(0, 5.0)
    timer.join()


_FULL_DISK = """
import resource, signal, sys
from pathlib import Path
from logyard.errors import StoreError
from logyard.pipeline import WriteAheadQueue

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (4000, 4000))
queue = WriteAheadQueue(Path(sys.argv[1]))
acked = 0
try:
    while True:
        queue.append([b"x" * 300])
        acked += 1
except StoreError as exc:
    print(acked, str(exc).split(";")[0])
"""


def test_failed_write_acknowledges_nothing_and_leaves_no_torn_record(tmp_path: Path) -> None:
    """When the disk refuses a write (a real EFBIG from RLIMIT_FSIZE), append raises, the
    records acknowledged before stay readable and no partial record is left behind."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split(" ", 1)
    acked = int(out[0])
    assert out[1].startswith(f"queue: writing to {tmp_path} failed")
    with WriteAheadQueue(tmp_path) as again:
        assert (again.torn_bytes_dropped, drain(again)[0]) == (0, [b"x" * 300] * acked)
