"""logyard: centralized logging and log analysis.

The service-facing SDK lives in :mod:`logyard.sdk`; the event catalogue in
:mod:`logyard.catalog`. Importing this package imports nothing heavy.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
