"""The SDK against a real HTTP ingest server on loopback: delivery, outages, spool, replay."""

from __future__ import annotations

import time
from pathlib import Path

from logyard.sdk import EventLogger, HttpTransport

from .ingest_server import IngestServer


def _logger(server: IngestServer, spool_dir: Path | None = None, **options: object) -> EventLogger:
    return EventLogger(
        "mes",
        version="1.4.2",
        transport=HttpTransport(server.url, "ingest-secret", timeout_secs=2),
        spool_dir=spool_dir,
        retry_initial_ms=20,
        retry_max_ms=200,
        linger_ms=20,
        **options,  # type: ignore[arg-type]
    )


def _assign(log: EventLogger, start: int, stop: int) -> None:
    for i in range(start, stop):
        log.order_assigned(order_id=f"ORD-{i}", operator="petrov", actor="ivanova")


def _order_ids(events: list[dict[str, object]]) -> list[object]:
    return [e["order.id"] for e in events]


def test_events_arrive_as_ndjson_with_the_bearer_token_over_one_connection(
    ingest: IngestServer,
) -> None:
    """Batches are POSTed as NDJSON to /api/v1/events with the token, on a kept-alive socket."""
    log = _logger(ingest, batch_max_events=10)
    _assign(log, 0, 35)
    assert log.flush(10)
    log.close()
    assert _order_ids(ingest.accepted) == [f"ORD-{i}" for i in range(35)]
    assert {r.path for r in ingest.requests} == {"/api/v1/events"}
    assert {r.headers["authorization"] for r in ingest.requests} == {"Bearer ingest-secret"}
    assert {r.headers["content-type"] for r in ingest.requests} == {"application/x-ndjson"}
    assert len({r.peer for r in ingest.requests}) == 1
    assert log.stats().sent == 35


def test_outage_spools_and_replays_in_order_without_loss(
    ingest: IngestServer, tmp_path: Path
) -> None:
    """Server answering 503 → batches spool on disk → server back → all replayed, in order."""
    log = _logger(ingest, tmp_path / "spool", batch_max_events=7)
    _assign(log, 0, 20)
    assert log.flush(10)
    ingest.status = 503
    _assign(log, 20, 60)
    assert not log.flush(0.3)
    assert log.stats().spool_pending > 0
    _assign(log, 60, 80)
    ingest.status = 200
    assert log.flush(10)
    stats = log.stats()
    log.close()
    assert _order_ids(ingest.accepted) == [f"ORD-{i}" for i in range(80)]
    assert (stats.sent, stats.dropped, stats.invalid) == (80, {}, {})
    assert stats.replayed == stats.spooled > 0


def test_connection_refused_spools_until_the_server_is_back(
    ingest: IngestServer, tmp_path: Path
) -> None:
    """With the server stopped (connection refused), events wait on disk and arrive later."""
    log = _logger(ingest, tmp_path / "spool")
    _assign(log, 0, 5)
    assert log.flush(10)
    ingest.stop()
    _assign(log, 5, 25)
    assert not log.flush(0.3)
    ingest.start()
    assert log.flush(10)
    log.close()
    assert _order_ids(ingest.accepted) == [f"ORD-{i}" for i in range(25)]


def test_a_new_logger_replays_the_spool_a_previous_process_left(
    ingest: IngestServer, tmp_path: Path
) -> None:
    """Spooled events survive close/restart and are replayed before the new logger's events."""
    spool = tmp_path / "spool"
    ingest.stop()
    first = _logger(ingest, spool)
    _assign(first, 0, 30)
    first.close(timeout_secs=0.3)
    assert first.stats().spool_pending == 30
    ingest.start()
    second = _logger(ingest, spool)
    _assign(second, 30, 40)
    assert second.flush(10)
    second.close()
    assert _order_ids(ingest.accepted) == [f"ORD-{i}" for i in range(40)]
    assert second.stats().replayed == 30


def test_a_torn_last_spool_record_is_skipped_and_counted(
    ingest: IngestServer, tmp_path: Path
) -> None:
    """A record cut short by a crash is dropped (counted); the intact records are replayed."""
    spool = tmp_path / "spool"
    ingest.stop()
    first = _logger(ingest, spool, batch_max_events=10)
    _assign(first, 0, 20)
    first.close(timeout_secs=0.3)
    with (spool / "spool.dat").open("ab") as f:
        f.write(b'LYS1\xff\x00\x00\x00\x00\x00\x00\x00{"event.action":')  # crash mid-write
    ingest.start()
    second = _logger(ingest, spool)
    assert second.flush(10)
    second.close()
    assert _order_ids(ingest.accepted) == [f"ORD-{i}" for i in range(20)]
    assert second.stats().dropped == {"spool_torn": 1}


def test_events_the_server_refuses_are_counted_as_invalid_and_not_retried(
    ingest: IngestServer,
) -> None:
    """A 200 whose items reject some events counts them by code; the batch is sent once."""
    ingest.reject = lambda e: "duplicate_id" if e["order.id"] == "ORD-3" else None
    log = _logger(ingest)
    _assign(log, 0, 6)
    assert log.flush(10)
    log.close()
    stats = log.stats()
    assert len(ingest.requests) == 1
    assert (stats.sent, stats.invalid) == (5, {"duplicate_id": 1})


def test_a_bad_token_keeps_the_events_until_it_is_fixed(ingest: IngestServer) -> None:
    """401 is a configuration error: the events stay spooled and are retried, and they are
    delivered once the server accepts the token; nothing is dropped."""
    ingest.status = 401
    log = _logger(ingest)
    _assign(log, 0, 4)
    assert not log.flush(1)
    assert log.stats().dropped == {}
    ingest.status = 200
    deadline = time.monotonic() + 10
    while not log.flush(1) and time.monotonic() < deadline:
        time.sleep(0.05)
    log.close()
    assert _order_ids(ingest.accepted) == [f"ORD-{i}" for i in range(4)]
    assert log.stats().dropped == {}


def test_a_batch_too_large_for_the_server_is_split(ingest: IngestServer) -> None:
    """413 makes the logger halve the batch until the server takes it; nothing is lost."""
    ingest.max_events = 8
    log = _logger(ingest, batch_max_events=50)
    _assign(log, 0, 50)
    assert log.flush(10)
    log.close()
    assert _order_ids(ingest.accepted) == [f"ORD-{i}" for i in range(50)]
    assert log.stats().dropped == {}


def test_too_many_requests_is_retried_not_dropped(ingest: IngestServer) -> None:
    """429 is retryable: the batch is spooled and delivered once the server accepts again."""
    ingest.status = 429
    log = _logger(ingest)
    _assign(log, 0, 3)
    assert not log.flush(5)
    ingest.status = 200
    assert log.flush(5)
    log.close()
    assert _order_ids(ingest.accepted) == ["ORD-0", "ORD-1", "ORD-2"]
    assert log.stats().dropped == {}


def test_flush_returns_promptly_while_the_server_is_down(ingest: IngestServer) -> None:
    """With the server unreachable, flush makes one attempt and returns False, not the timeout."""
    ingest.stop()
    log = _logger(ingest)
    _assign(log, 0, 3)
    started = time.monotonic()
    assert log.flush(10) is False
    assert time.monotonic() - started < 5
    assert log.stats().spool_pending == 3
    log.close(timeout_secs=0.1)


def test_a_restarted_server_is_reached_on_a_fresh_connection(ingest: IngestServer) -> None:
    """When the kept-alive connection went stale, the transport reconnects without spooling."""
    log = _logger(ingest)
    _assign(log, 0, 2)
    assert log.flush(5)
    ingest.stop()
    ingest.start()
    _assign(log, 2, 4)
    assert log.flush(5)
    log.close()
    assert _order_ids(ingest.accepted) == ["ORD-0", "ORD-1", "ORD-2", "ORD-3"]
    assert log.stats().spooled == 0
    assert len({r.peer for r in ingest.requests}) == 2
