"""The HTTP API and the console (FastAPI)."""

from logyard.api._app import create_app
from logyard.api._runtime import Runtime

__all__ = ["Runtime", "create_app"]
