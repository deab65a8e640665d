"""The processor: inputs, steps, outputs, the dead-letter queue, checkpoints."""

from logyard.pipeline._ingest import Ingest, ItemResult
from logyard.pipeline._metrics import PipelineMetrics
from logyard.pipeline._processor import Processor
from logyard.pipeline._queue import QueueBatch, WriteAheadQueue

__all__ = [
    "Ingest",
    "ItemResult",
    "PipelineMetrics",
    "Processor",
    "QueueBatch",
    "WriteAheadQueue",
]
