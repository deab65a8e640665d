"""Run the simulator in its own process, as the company's services are.

The worker encodes each batch as NDJSON and sends it over a pipe; the parent ingests it
like any producer's payload (validated event by event). A separate process keeps the
simulator's CPU off the pipeline's interpreter, as real services would be. The worker
exits when the parent closes the pipe or dies.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection

from logyard.catalog import Event, encode_event

__all__ = ["SimulatorProcess"]


def _worker(conn: Connection, seed: int, rate: float, duration_secs: float | None) -> None:
    import signal

    from logyard.sim._simulator import Simulator

    # Ctrl-C in the terminal reaches the whole process group: the parent stops the worker
    # (it closes the pipe), so the worker ignores the signal instead of printing a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def sink(batch: list[Event]) -> None:
        conn.send_bytes(b"\n".join(encode_event(e) for e in batch))

    try:
        Simulator(seed=seed).run(sink, rate=rate, duration_secs=duration_secs)
    except (BrokenPipeError, EOFError, OSError):
        return  # the parent is gone or stopped us


class SimulatorProcess:
    """A simulator in a child process feeding ``deliver`` (called with NDJSON lines)."""

    def __init__(
        self,
        deliver: Callable[[list[bytes]], object],
        *,
        seed: int,
        rate: float,
        duration_secs: float | None = None,
    ) -> None:
        self.deliver = deliver
        self.seed = seed
        self.rate = rate
        self.received = 0
        ctx = multiprocessing.get_context("spawn")
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(
            target=_worker,
            args=(send, seed, rate, duration_secs),
            name="logyard-simulator",
            daemon=True,
        )
        self._send = send
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, name="logyard-sim-pump", daemon=True)

    def start(self) -> None:
        """Start the child and the thread that ingests what it sends."""
        self._proc.start()
        self._send.close()  # the child holds the sending end now
        self._thread.start()

    def _pump(self) -> None:
        while not self._stop.is_set():
            try:
                if not self._recv.poll(0.2):
                    continue
                payload = self._recv.recv_bytes()
            except (EOFError, OSError):
                return
            lines = payload.split(b"\n")
            self.received += len(lines)
            self.deliver(lines)

    def stop(self, timeout_secs: float = 5.0) -> None:
        """Stop the child and the pump."""
        self._stop.set()
        self._thread.join(timeout_secs)
        self._recv.close()
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join(timeout_secs)
