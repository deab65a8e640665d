"""Inputs of the standalone processor: one module per system they read, behind a registry.

A config names an input by ``type``; :func:`input_class` imports its module lazily, so a
missing client library is an error that names the extra to install.
"""

from logyard.pipeline.inputs._base import (
    Input,
    InputBatch,
    InputConfig,
    InputError,
    Message,
    derived_id,
    from_env,
)
from logyard.pipeline.inputs._registry import INPUTS, input_class

__all__ = [
    "INPUTS",
    "Input",
    "InputBatch",
    "InputConfig",
    "InputError",
    "Message",
    "derived_id",
    "from_env",
    "input_class",
]
