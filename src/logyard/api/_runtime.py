"""Everything ``logyard up`` runs in one process: queue, processor, store, simulator."""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import IO, TYPE_CHECKING

from logyard.api._auth import TokenBook
from logyard.errors import ConfigError
from logyard.pipeline import Ingest, PipelineMetrics, Processor, WriteAheadQueue
from logyard.pipeline.steps import StepChain
from logyard.sdk import CallableTransport, RejectedError
from logyard.store.duckdb import DuckDBStore

if TYPE_CHECKING:
    from logyard.api.services import Service
    from logyard.pipeline.steps.mask import MaskStep
    from logyard.security.chain import SignaturePolicy
    from logyard.security.crypto import Encryptor
    from logyard.sim._process import SimulatorProcess

__all__ = ["Runtime"]

_log = logging.getLogger("logyard.runtime")


class Runtime:
    """The embedded deployment's moving parts, bound to one data directory.

    ``demo_rate`` > 0 runs the company simulator at that many events per second
    (``0`` means as fast as possible) for ``demo_secs`` (``None``: until stopped);
    ``demo_rate=None`` runs no simulator.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        admin_token: str | None = None,
        demo_rate: float | None = None,
        demo_seed: int | None = None,
        demo_secs: float | None = None,
        mask: bool = True,
        encrypt: bool = True,
    ) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_fh = _lock(data_dir)
        self.metrics = PipelineMetrics()
        self.queue = WriteAheadQueue(data_dir / "queue")
        self.store = DuckDBStore(data_dir / "logs.duckdb")
        steps, mask_step = _steps(self.metrics, mask)
        scrub = mask_step.scrub if mask_step else None
        self.encryptor: Encryptor | None = None
        sealer = None
        if mask_step is not None and encrypt:
            from logyard.pipeline.steps.seal import make_sealer
            from logyard.security.crypto import Encryptor, open_local_keyring

            self.encryptor = Encryptor(open_local_keyring(data_dir))
            sealer = make_sealer(self.encryptor)
        self.processor = Processor(self.queue, self.store, self.metrics, steps=steps, scrub=scrub)
        self.ingest = Ingest(
            self.queue,
            self.metrics,
            backlog=lambda: self.queue.depth(self.processor.position),
            steps=steps,
            scrub=scrub,
            signatures=_signatures(),
            sealer=sealer,
            take_originals=mask_step.take_originals if mask_step else None,
        )
        self.tokens = TokenBook(data_dir, admin_token=admin_token)
        self.demo_rate = demo_rate
        self.demo_seed = demo_seed
        self.demo_secs = demo_secs
        self._sim: SimulatorProcess | None = None
        self._services: list[Service] = []
        self.started = False

    def start(self) -> None:
        """Start the processor and, in demo mode, the simulator (in its own process)."""
        self.processor.start()
        if self.demo_rate is not None:
            from logyard.sim._process import SimulatorProcess

            seed = self.demo_seed if self.demo_seed is not None else int.from_bytes(os.urandom(4))
            self._sim = SimulatorProcess(
                self._deliver, seed=seed, rate=self.demo_rate, duration_secs=self.demo_secs
            )
            self._sim.start()
        from logyard.api.services import start_all

        self._services = start_all(self)
        self.started = True

    def _deliver(self, lines: list[bytes]) -> None:
        """Ingest what the simulator sent, waiting while the processor is behind."""
        self.ingest.wait_for_room()
        self.ingest.submit_encoded(lines, source="simulator")

    def transport(self) -> CallableTransport:
        """An SDK transport into this runtime's ingest, for services in the same process:
        ``EventLogger("mes", transport=runtime.transport())``."""

        def deliver(batch: list[bytes]) -> None:
            results = self.ingest.submit_raw(batch, source="in-process")
            refused = {r.index: r.code or "rejected" for r in results if r.status == "rejected"}
            if refused:
                raise RejectedError(
                    f"ingest: {len(refused)} of {len(batch)} events refused; see the "
                    "dead-letter queue for the reasons",
                    reason="rejected",
                    items=refused,
                )

        return CallableTransport(deliver)

    def stop(self) -> None:
        """Stop the simulator, drain the queue into the store, close files."""
        if self._sim is not None:
            self._sim.stop()
        for service in reversed(self._services):
            try:
                service.stop()
            except Exception:
                _log.exception("runtime: a service failed to stop: %r", service)
        self._services = []
        stopped = self.processor.stop()
        self.queue.close()
        if stopped:
            self.store.close()
        else:
            _log.error("runtime: the processor is still writing; the store is left open")
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


def _steps(metrics: PipelineMetrics, mask: bool) -> tuple[StepChain, MaskStep | None]:
    """The processing steps of the embedded pipeline: masking (on unless turned off),
    keeping the originals for field encryption."""
    if not mask:
        return StepChain([], metrics.dropped), None
    from logyard.pipeline.steps.mask import build_mask, mask_config_from_env

    step, _ = build_mask(mask_config_from_env(collect_originals=True))
    return StepChain([("mask", step)], metrics.dropped), step


def _signatures() -> SignaturePolicy | None:
    """Producer signatures are checked for the services that have keys in
    ``LOGYARD_SIGNING_KEYS_<SERVICE>``; without any, nothing is checked."""
    from logyard.security.chain import SignaturePolicy, keyring_from_env

    keys = keyring_from_env()
    return SignaturePolicy(keys) if keys else None
