"""The one error tree of logyard.

::

    LogyardError                      every error logyard raises on purpose
    ├── ConfigError                   a setting is missing or wrong (CLI exit 2)
    ├── EventError                    an event does not match the catalogue
    │   ├── UnknownEventError         ``event.action`` is not in the catalogue
    │   └── InvalidEventError         a field is missing, mistyped or out of range
    ├── DecodeError                   a payload is not valid JSON / UTF-8 / shape
    ├── QueryError                    a search or aggregation request is wrong
    │   └── KQLSyntaxError            the KQL text does not parse (has ``position``)
    ├── StoreError                    the store could not read or write
    ├── TransportError                the SDK could not deliver (spooled, never raised to hosts)
    └── NotInstalledError             an optional integration's library is missing

Messages follow ``<where>: <what>; <how to fix>``.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DecodeError",
    "EventError",
    "InvalidEventError",
    "KQLSyntaxError",
    "LogyardError",
    "NotInstalledError",
    "QueryError",
    "StoreError",
    "TransportError",
    "UnknownEventError",
]


class LogyardError(Exception):
    """Base of every error logyard raises on purpose."""


class ConfigError(LogyardError):
    """A setting is missing or wrong."""


class EventError(LogyardError):
    """An event does not match the catalogue.

    ``code`` is a stable reason code (``unknown_event``, ``invalid_field``, ...),
    ``path`` the JSON path of the offending field when known.
    """

    def __init__(
        self, message: str, *, code: str, path: str | None = None, service: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.path = path
        self.service = service  # the event's service.name when it could be read


class UnknownEventError(EventError):
    """``event.action`` names no event of the catalogue."""


class InvalidEventError(EventError):
    """A field is missing, mistyped or out of range."""


class DecodeError(EventError):
    """A payload is not valid JSON, not UTF-8, or not an object."""


class QueryError(LogyardError):
    """A search or aggregation request is wrong."""


class KQLSyntaxError(QueryError):
    """KQL text does not parse; ``position`` is the 0-based offset of the problem."""

    def __init__(self, message: str, *, position: int, query: str) -> None:
        super().__init__(message)
        self.position = position
        self.query = query


class StoreError(LogyardError):
    """The store could not read or write."""


class TransportError(LogyardError):
    """The SDK could not deliver a batch (it is spooled; never raised into a host)."""


class NotInstalledError(LogyardError):
    """An optional integration's client library is missing."""
