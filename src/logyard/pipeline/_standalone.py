"""``logyard process``: the configured inputs, one runner thread each, into one store."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from logyard.errors import ConfigError
from logyard.pipeline._config import PipelineConfig
from logyard.pipeline._metrics import PipelineMetrics
from logyard.pipeline._runner import DeadLetterSink, InputRunner
from logyard.pipeline.inputs import input_class
from logyard.pipeline.steps import StepChain
from logyard.security.chain import SignaturePolicy
from logyard.store._base import Store

__all__ = ["StandaloneProcessor"]

_log = logging.getLogger("logyard.processor")


class StandaloneProcessor:
    """Builds the inputs and the store of a :class:`PipelineConfig` and runs them."""

    def __init__(self, config: PipelineConfig, *, store: Store | None = None) -> None:
        self.config = config
        self.metrics = PipelineMetrics()
        if store is None:
            store = _open_store(config)
        if config.analytics.enabled:  # facts into analytics-* (docs/metrics.md)
            from logyard.analytics._branch import AnalyticsBranch

            store = AnalyticsBranch.on_store(store, store_events=config.analytics.store_events)
        self.store = store
        self.stop_event = threading.Event()
        settings = config.processor
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        self.dead_letter_sink = _dead_letter_sink(config)
        steps, scrub = _mask_steps(config, self.metrics)
        self.runners: list[InputRunner] = []
        for name, input_config in config.inputs.items():
            cls: Any = input_class(input_config.type, f"inputs.{name}")
            source = cls(name, input_config)
            self.runners.append(
                InputRunner(
                    name,
                    source,
                    self.store,
                    self.metrics,
                    batch_max_events=settings.batch_max_events,
                    poll_timeout_secs=settings.poll_timeout_secs,
                    retry_max_secs=settings.retry_max_secs,
                    dead_letter_sink=self.dead_letter_sink,
                    steps=steps,
                    scrub=scrub,
                    signatures=_signatures(),
                )
            )
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start one thread per input."""
        for runner in self.runners:
            thread = threading.Thread(
                target=runner.run, args=(self.stop_event,), name=f"input-{runner.name}"
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout_secs: float = 30.0) -> None:
        """Stop polling, let batches in flight finish, close the store."""
        self.stop_event.set()
        for thread in self._threads:
            thread.join(timeout_secs)
        if all(not t.is_alive() for t in self._threads):
            self.store.close()
            if self.dead_letter_sink is not None:
                self.dead_letter_sink.close()
        else:
            _log.error("processor: an input is still writing; the store is left open")

    def run_forever(self) -> None:
        """Run until SIGINT/SIGTERM."""

        def _stop(signum: int, frame: FrameType | None) -> None:
            self.stop_event.set()

        previous = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
        self.start()
        try:
            while not self.stop_event.wait(1.0):
                pass
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _open_store(config: PipelineConfig) -> Store:
    settings = config.store
    if settings.type == "logyard":
        from logyard.pipeline.outputs import LogyardOutput

        token = os.environ.get(settings.token_env) if settings.token_env else None
        if settings.token_env and token is None:
            raise ConfigError(
                f"store.token_env: ${settings.token_env} is not set; export the server's "
                "ingest token in it"
            )
        assert settings.url is not None  # checked by the config model
        return LogyardOutput(settings.url, token)
    if settings.type == "opensearch":
        from logyard.store.opensearch import open_from_settings

        return open_from_settings(settings)
    from logyard.store.duckdb import DuckDBStore

    settings.path.parent.mkdir(parents=True, exist_ok=True)
    return DuckDBStore(settings.path)


def _dead_letter_sink(config: PipelineConfig) -> DeadLetterSink | None:
    settings = config.dead_letters
    if settings.type != "kafka":
        return None
    from logyard.pipeline.outputs.kafka_dlq import KafkaDeadLetters

    return KafkaDeadLetters(settings.brokers, settings.topic, options=settings.options)


def _mask_steps(
    config: PipelineConfig, metrics: PipelineMetrics
) -> tuple[StepChain, Callable[[bytes], bytes] | None]:
    settings = config.mask
    if not settings.enabled:
        return StepChain([], metrics.dropped), None
    from logyard.pipeline.steps.mask import build_mask
    from logyard.security.mask import MaskConfig

    key = os.environ.get(settings.pan_hmac_key_env) if settings.pan_hmac_key_env else None
    step, scrub = build_mask(
        MaskConfig(
            pan_hmac_key=key.encode() if key else None,
            ipv4_prefix=settings.ipv4_prefix,
            ipv6_prefix=settings.ipv6_prefix,
            secret_keys=tuple(settings.secret_keys),
        )
    )
    return StepChain([("mask", step)], metrics.dropped), scrub


def _signatures() -> SignaturePolicy | None:
    from logyard.security.chain import SignaturePolicy, keyring_from_env

    keys = keyring_from_env()
    return SignaturePolicy(keys) if keys else None
