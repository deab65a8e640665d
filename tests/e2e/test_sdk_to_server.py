"""The SDK against the real server: in-process and over HTTP, with an outage in between."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from tests.e2e._server import LogyardProcess

from logyard.api import Runtime
from logyard.sdk import EventLogger, HttpTransport, LogyardHandler
from logyard.store import SearchRequest, Sort


def wait_total(search: object, query: str, n: int, timeout: float = 20.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        hits = search(query)  # type: ignore[operator]
        if len(hits) >= n or time.monotonic() > deadline:
            return hits  # type: ignore[no-any-return]
        time.sleep(0.05)


def test_in_process_transport_stores_typed_and_logging_events(tmp_path: Path) -> None:
    """A service in the same process as logyard logs through runtime.transport(): a typed
    event and a plain `logging` record are both stored; an invalid one is counted, not
    raised."""
    runtime = Runtime(tmp_path / "data")
    runtime.start()
    try:
        log = EventLogger("mes", version="1.0", transport=runtime.transport())
        logger = logging.getLogger("tests.mes")
        logger.propagate = False
        handler = LogyardHandler(log)
        logger.addHandler(handler)
        try:
            log.order_assigned(order_id="ORD-IN", operator="petrov", actor="ivanova")
            logger.warning("queue depth high: %d", 950)
            log.order_assigned(order_id="", operator="petrov", actor="ivanova")  # invalid id
            assert log.flush(10)
        finally:
            logger.removeHandler(handler)
            log.close()

        def search(query: str) -> list[dict]:
            request = SearchRequest(query=query, sort=(Sort("@timestamp", "asc"),))
            return runtime.store.search(request).hits

        hits = wait_total(search, "service.name:mes", 2)
        by_action = {h["event.action"]: h for h in hits}  # same millisecond: no order
        assert sorted((a, h.get("log.level")) for a, h in by_action.items()) == [
            ("log.record", "WARN"),
            ("order.assigned", "INFO"),
        ]
        assert by_action["log.record"]["message"] == "queue depth high: 950"
        assert sum(log.stats().invalid.values()) == 1
    finally:
        runtime.stop()


def test_http_transport_spools_through_a_kill_9_and_replays_in_order(tmp_path: Path) -> None:
    """Events logged while `logyard up` is dead (SIGKILL) wait in the SDK's disk spool and
    all arrive, each once, when the server is back. (Their order on the wire is proven
    against a recording server in tests/integration/sdk; here events of the same
    millisecond have no order in the store.)"""
    server = LogyardProcess(tmp_path / "data")
    server.start()
    ingest_token = json.loads((tmp_path / "data" / "tokens.json").read_text())["ingest"]
    log = EventLogger(
        "mes-api",
        transport=HttpTransport(server.url, ingest_token, timeout_secs=2),
        spool_dir=tmp_path / "spool",
        retry_initial_ms=50,
        retry_max_ms=200,
    )
    try:
        for n in range(20):
            log.order_calculated(order_id=f"ORD-{n:03d}", calculation_duration_ms=n, actor="api")
        assert log.flush(10)
        server.kill()
        for n in range(20, 60):
            log.order_calculated(order_id=f"ORD-{n:03d}", calculation_duration_ms=n, actor="api")
        log.flush(1)  # fails fast: the server is down, the events stay spooled
        server.start()
        deadline = time.monotonic() + 30
        while not log.flush(2) and time.monotonic() < deadline:
            time.sleep(0.1)

        def search(query: str) -> list[dict]:
            return server.request("GET", f"/api/v1/search?q={query}&size=100&sort=asc")["hits"]

        hits = wait_total(search, "event.action:order.calculated", 60)
        assert sorted(h["order.id"] for h in hits) == [f"ORD-{n:03d}" for n in range(60)]
        assert log.stats().spooled > 0
    finally:
        log.close()
        server.stop()
