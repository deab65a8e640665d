"""Route plain stdlib ``logging`` records into logyard as catalogue events.

A record becomes ``log.record`` (``log.logger`` = the logger's name); a record with
an exception becomes ``error`` with the exception's type, message and stack trace.
``extra={...}`` keys go into ``labels``. Records of the SDK's own ``logyard.sdk``
logger are skipped, so a failing transport cannot feed itself.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

import msgspec

from logyard.catalog import Level
from logyard.errors import InvalidEventError
from logyard.sdk._logger import EventLogger

__all__ = ["LogyardHandler", "level_of"]

_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


def level_of(levelno: int) -> Level:
    """The catalogue level of a stdlib level number (WARNING → WARN, CRITICAL → FATAL)."""
    if levelno >= logging.CRITICAL:
        return "FATAL"
    if levelno >= logging.ERROR:
        return "ERROR"
    if levelno >= logging.WARNING:
        return "WARN"
    if levelno >= logging.INFO:
        return "INFO"
    if levelno >= logging.DEBUG:
        return "DEBUG"
    return "TRACE"


_MAX_TEXT = 65536


def _fit(text: str) -> str:
    """``text`` cut to the catalogue's text limit, keeping the end (where tracebacks end)."""
    return text if len(text) <= _MAX_TEXT else "…" + text[-(_MAX_TEXT - 1) :]


def _label_value(value: object) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    try:
        return msgspec.to_builtins(value, str_keys=True)
    except (TypeError, ValueError):
        return repr(value)


class LogyardHandler(logging.Handler):
    """A ``logging.Handler`` that emits each record through an :class:`EventLogger`."""

    def __init__(self, logger: EventLogger, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.logger = logger

    def emit(self, record: logging.LogRecord) -> None:
        """Turn ``record`` into ``log.record`` or ``error`` and hand it to the logger."""
        if record.name == "logyard.sdk" or record.name.startswith("logyard.sdk."):
            return
        try:
            labels = {
                key: _label_value(value)
                for key, value in record.__dict__.items()
                if key not in _STANDARD_ATTRS and not key.startswith("_")
            }
            level = level_of(record.levelno)
            message = _fit(record.getMessage())
            exc_info = record.exc_info
            exc = exc_info[1] if exc_info else None
            if exc_info is None or exc is None:
                self.logger.log_record(
                    logger=record.name, message=message, level=level, labels=labels
                )
                return
            cls = type(exc)
            module = "" if cls.__module__ == "builtins" else f"{cls.__module__}."
            labels.setdefault("logger", record.name)
            self.logger.error(
                error_type=f"{module}{cls.__qualname__}",
                error_message=_fit(str(exc)),
                stack_trace=_fit(record.exc_text or "".join(traceback.format_exception(exc))),
                message=message,
                level=level,
                labels=labels,
            )
        except InvalidEventError:
            if self.logger.strict:
                raise
            self.handleError(record)
        except Exception:
            self.handleError(record)
