"""The processor's own metrics, exposed at ``/metrics`` in Prometheus' text format."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from logyard.catalog import SYSTEMS

_SYSTEMS = frozenset(SYSTEMS)

__all__ = ["PipelineMetrics", "system_label"]


class PipelineMetrics:
    """Counters and gauges of one running pipeline, in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.received = Counter(
            "logyard_events_received",
            "Events received by ingest, by system ('unknown' when it could not be read).",
            ["system"],
            registry=self.registry,
        )
        self.stored = Counter(
            "logyard_events_stored",
            "Events stored, by system.",
            ["system"],
            registry=self.registry,
        )
        self.duplicates = Counter(
            "logyard_events_duplicate",
            "Events not stored again because their event.id was already stored.",
            registry=self.registry,
        )
        self.rejected = Counter(
            "logyard_events_rejected",
            "Events sent to the dead-letter queue, by system ('unknown' when unreadable) "
            "and reason code.",
            ["system", "reason"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "logyard_queue_depth_bytes",
            "Bytes in the embedded queue not yet stored.",
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "logyard_batch_write_seconds",
            "Time to write one batch to the store.",
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=self.registry,
        )
        self.dropped = Counter(
            "logyard_events_dropped",
            "Events a processing step dropped on purpose, by step.",
            ["step"],
            registry=self.registry,
        )
        self.store_errors = Counter(
            "logyard_store_errors",
            "Batches the store failed to write (retried).",
            registry=self.registry,
        )


def system_label(service: str | None) -> str:
    """The ``system`` label for a possibly unreadable or invented ``service.name``."""
    return service if service in _SYSTEMS else "unknown"
