"""The ``logyard`` command."""

from logyard.cli._main import main

__all__ = ["main"]
