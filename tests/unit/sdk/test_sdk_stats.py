"""Counters: emitted, sent, drops by reason when the buffer is full or the logger is closed."""

from __future__ import annotations

import threading

from logyard.errors import TransportError
from logyard.sdk import CallableTransport, EventLogger, MemoryTransport


def test_a_full_buffer_drops_new_events_and_counts_them() -> None:
    """With delivery stuck, calls beyond buffer_max_events return at once and count buffer_full."""
    release = threading.Event()
    entered = threading.Event()

    def stuck(batch: list[bytes]) -> None:
        entered.set()
        release.wait(10)

    log = EventLogger(
        "mes", transport=CallableTransport(stuck), buffer_max_events=5, batch_max_events=1
    )
    log.service_started()
    assert log.flush(0.0) is False
    assert entered.wait(5)
    for _ in range(8):
        log.service_started()
    stats = log.stats()
    release.set()
    assert log.flush(5)
    log.close()
    assert (stats.emitted, stats.pending, stats.dropped) == (9, 5, {"buffer_full": 3})
    assert log.stats().sent == 6


def test_block_ms_waits_for_room_instead_of_dropping() -> None:
    """With block_ms, a call on a full buffer waits for the thread to make room."""
    log = EventLogger(
        "mes", transport=MemoryTransport(), buffer_max_events=2, batch_max_events=1, block_ms=2000
    )
    for _ in range(50):
        log.service_started()
    assert log.flush(5)
    log.close()
    assert (log.stats().sent, log.stats().dropped) == (50, {})


def test_stats_count_spooled_and_replayed_events() -> None:
    """Events sent while the transport fails are spooled, then replayed and counted as sent."""
    transport = MemoryTransport()
    transport.fail_with = TransportError("down")
    log = EventLogger("mes", transport=transport, retry_initial_ms=10, retry_max_ms=20)
    for _ in range(4):
        log.service_started()
    assert not log.flush(0.2)
    transport.fail_with = None
    assert log.flush(5)
    log.close()
    stats = log.stats()
    assert (stats.emitted, stats.sent, stats.spooled, stats.replayed) == (4, 4, 4, 4)
    assert len(transport.events) == 4


def test_events_after_close_are_dropped_and_counted() -> None:
    """A call after close never raises; it counts after_close."""
    transport = MemoryTransport()
    log = EventLogger("mes", transport=transport)
    log.close()
    log.service_started()
    assert transport.closed
    assert log.stats().dropped == {"after_close": 1}


def test_closing_without_a_spool_dir_counts_undelivered_events() -> None:
    """With the memory spool, events still undelivered at close are counted as closed."""
    transport = MemoryTransport()
    transport.fail_with = TransportError("down")
    log = EventLogger("mes", transport=transport)
    log.service_started()
    log.service_stopped()
    log.close(timeout_secs=0.2)
    assert log.stats().dropped == {"closed": 2}


def test_a_full_spool_drops_and_counts_the_batch() -> None:
    """While the transport is down and the spool is at spool_max_bytes, batches count spool_full."""
    transport = MemoryTransport()
    transport.fail_with = TransportError("down")
    log = EventLogger("mes", transport=transport, spool_max_bytes=1000, batch_max_events=2)
    for _ in range(10):
        log.service_started()
    assert not log.flush(0.5)
    stats = log.stats()
    log.close(timeout_secs=0.1)
    assert stats.spool_pending + stats.dropped["spool_full"] == 10
    assert stats.spool_pending > 0
