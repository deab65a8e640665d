"""Durations in rule files: ``"30s"``, ``"5m"``, ``"1h"``, ``"1d"``, ``"1w"`` (and ``"0s"``)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

__all__ = ["Duration", "format_duration", "parse_duration"]

_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_UNIT_SECS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_duration(value: object) -> float:
    """Seconds of a duration text; pydantic reports a bad one at its path."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _checked(float(value), value)
    if isinstance(value, str):
        match = _PATTERN.match(value)
        if match:
            return float(match.group(1)) * _UNIT_SECS[match.group(2)]
    raise PydanticCustomError(
        "duration",
        '"{value}" is not a positive duration; write e.g. "5m" (units: s, m, h, d, w)',
        {"value": value},
    )


def _checked(secs: float, raw: object) -> float:
    if secs < 0:
        raise PydanticCustomError(
            "duration",
            '"{value}" is not a positive duration; write e.g. "5m" (units: s, m, h, d, w)',
            {"value": raw},
        )
    return secs


def format_duration(secs: float) -> str:
    """``300`` → ``"5m"``; the largest unit that divides the duration."""
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNIT_SECS[unit]
        if secs >= size and secs % size == 0:
            return f"{int(secs // size)}{unit}"
    return f"{secs:g}s"


#: Seconds, written in a rule file as ``"5m"`` (a bare number is seconds).
Duration = Annotated[float, BeforeValidator(parse_duration)]
