"""Everything ``logyard up`` runs in one process: queue, processor, store, simulator."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from pathlib import Path
from typing import IO

from logyard.api._auth import TokenBook
from logyard.catalog import Event
from logyard.errors import ConfigError
from logyard.pipeline import Ingest, PipelineMetrics, Processor, WriteAheadQueue
from logyard.store.duckdb import DuckDBStore

__all__ = ["Runtime"]

_log = logging.getLogger("logyard.runtime")


class Runtime:
    """The embedded deployment's moving parts, bound to one data directory.

    ``demo_rate`` > 0 runs the company simulator at that many events per second
    (``0`` means as fast as possible); ``None`` runs no simulator.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        admin_token: str | None = None,
        demo_rate: float | None = None,
        demo_seed: int | None = None,
    ) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_fh = _lock(data_dir)
        self.metrics = PipelineMetrics()
        self.queue = WriteAheadQueue(data_dir / "queue")
        self.store = DuckDBStore(data_dir / "logs.duckdb")
        self.processor = Processor(self.queue, self.store, self.metrics)
        self.ingest = Ingest(
            self.queue, self.metrics, backlog=lambda: self.queue.depth(self.processor.position)
        )
        self.tokens = TokenBook(data_dir, admin_token=admin_token)
        self.demo_rate = demo_rate
        self.demo_seed = demo_seed
        self._sim_stop = threading.Event()
        self._sim_thread: threading.Thread | None = None
        self.started = False

    def start(self) -> None:
        """Start the processor and, in demo mode, the simulator."""
        self.processor.start()
        if self.demo_rate is not None:
            self._sim_thread = threading.Thread(
                target=self._simulate, name="logyard-simulator", daemon=True
            )
            self._sim_thread.start()
        self.started = True

    def _simulate(self) -> None:
        from logyard.sim import Simulator

        seed = self.demo_seed if self.demo_seed is not None else int.from_bytes(os.urandom(4))
        sim = Simulator(seed=seed)

        def sink(batch: list[Event]) -> None:
            self.ingest.submit_events(batch)

        try:
            sim.run(sink, rate=self.demo_rate or 0.0, stop=self._sim_stop)
        except Exception:
            _log.exception("simulator: stopped by an unexpected error")

    def stop(self) -> None:
        """Stop the simulator, drain the queue into the store, close files."""
        self._sim_stop.set()
        if self._sim_thread is not None:
            self._sim_thread.join(5)
        self.processor.stop()
        self.queue.close()
        self.store.close()
        fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
        self._lock_fh.close()
        self.started = False


def _lock(data_dir: Path) -> IO[str]:
    fh = open(data_dir / "logyard.lock", "a+")  # noqa: SIM115 - held for the process lifetime
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise ConfigError(
            f"data dir {data_dir}: another logyard is running on it; stop it or pass "
            "--data-dir with another directory"
        ) from None
    return fh
