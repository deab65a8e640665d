"""Run one of logyard's inputs through the processor into a DuckDB store, as a test step.

The trace tests of each broker check what reached the store: they publish with the broker's
own client, then call :func:`stored_through_the_processor` with logyard's input for it.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from logyard.pipeline import PipelineMetrics
from logyard.pipeline._runner import InputRunner
from logyard.pipeline.inputs import Input
from logyard.store import SearchRequest
from logyard.store.duckdb import DuckDBStore

__all__ = ["stored_through_the_processor"]


def stored_through_the_processor(
    source: Input, tmp_path: Path, expected: int, *, query: str = "", **runner: Any
) -> list[dict[str, Any]]:
    """Run ``source`` into a DuckDB store (``runner``: options of the InputRunner) until
    ``expected`` events are stored or dead-lettered (30 s at most); assert none was
    dead-lettered and return the stored events ``query`` (KQL) finds, by event id."""
    store = DuckDBStore(tmp_path / "store.duckdb")
    processor = InputRunner("test", source, store, PipelineMetrics(), **runner)
    stop = threading.Event()
    thread = threading.Thread(target=processor.run, args=(stop,))
    thread.start()
    deadline = time.monotonic() + 30
    while processor.stats.stored + processor.stats.dead_letters < expected:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    stop.set()
    thread.join(30)
    try:
        assert store.dead_letters() == []
        hits = store.search(SearchRequest(query=query)).hits
        return sorted(hits, key=lambda e: str(e["event.id"]))
    finally:
        store.close()
