"""ASGI middleware for FastAPI and Starlette: ``from logyard.sdk.asgi import LogyardMiddleware``.

See :mod:`logyard.sdk._asgi` and ``docs/tracing.md``. Importing this module imports no
web framework.
"""

from logyard.sdk._asgi import LogyardMiddleware

__all__ = ["LogyardMiddleware"]
