"""WSGI middleware for Flask: ``from logyard.sdk.wsgi import LogyardMiddleware``.

See :mod:`logyard.sdk._wsgi` and ``docs/tracing.md``. Importing this module imports no
web framework.
"""

from logyard.sdk._wsgi import LogyardMiddleware

__all__ = ["LogyardMiddleware"]
