"""The disk spool: ordered, durable across reopen, bounded, torn records cut off, one owner."""

from __future__ import annotations

from pathlib import Path

import pytest

from logyard.errors import ConfigError
from logyard.sdk._spool import DATA_FILE, FileSpool, MemorySpool


def test_batches_come_back_in_order_after_reopening(tmp_path: Path) -> None:
    """Appended batches survive close/reopen and pop oldest first; the delivered offset persists."""
    spool = FileSpool(tmp_path, 1 << 20)
    for i in range(3):
        assert spool.append([f'{{"n":{i}}}'.encode(), b'{"x":1}'])
    assert spool.peek() == [b'{"n":0}', b'{"x":1}']
    spool.pop()
    spool.close()
    reopened = FileSpool(tmp_path, 1 << 20)
    assert reopened.pending_events() == 4
    assert reopened.peek() == [b'{"n":1}', b'{"x":1}']
    reopened.pop()
    reopened.pop()
    assert reopened.peek() is None
    assert (tmp_path / DATA_FILE).stat().st_size == 0
    reopened.close()


def test_a_torn_tail_is_cut_off_and_counted(tmp_path: Path) -> None:
    """A record whose payload was cut short is removed on open; earlier records stay."""
    spool = FileSpool(tmp_path, 1 << 20)
    spool.append([b'{"n":0}'])
    spool.append([b'{"n":1}'])
    spool.close()
    data = tmp_path / DATA_FILE
    data.write_bytes(data.read_bytes()[:-3])
    reopened = FileSpool(tmp_path, 1 << 20)
    assert (reopened.torn_records, reopened.peek(), reopened.pending_events()) == (
        1,
        [b'{"n":0}'],
        1,
    )
    reopened.close()


def test_a_full_spool_refuses_the_batch(tmp_path: Path) -> None:
    """append returns False once max_bytes would be exceeded (file and memory spools)."""
    spool = FileSpool(tmp_path, 40)
    assert spool.append([b"x" * 20])
    assert not spool.append([b"x" * 20])
    spool.close()
    memory = MemorySpool(40)
    assert memory.append([b"x" * 20])
    assert not memory.append([b"x" * 20])


def test_a_second_process_cannot_share_the_directory(tmp_path: Path) -> None:
    """The spool directory is locked; a second opener gets a ConfigError saying what to do."""
    spool = FileSpool(tmp_path, 1 << 20)
    with pytest.raises(ConfigError, match=r"LOGYARD_SPOOL_DIR: .* in use"):
        FileSpool(tmp_path, 1 << 20)
    spool.close()
