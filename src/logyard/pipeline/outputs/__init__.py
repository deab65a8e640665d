"""Outputs of the standalone processor (what a ``[store]`` section can name)."""

from logyard.pipeline.outputs.logyard import LogyardOutput

__all__ = ["LogyardOutput"]
