"""Is what the server holds what we would write? And if not, a readable diff.

Servers answer with more than they were sent (versions, timestamps, defaults) and in their
own normal form (settings nested and as strings: ``{"index": {"number_of_shards": "1"}}``
for ``{"index.number_of_shards": 1}``). So the comparison projects the server's answer onto
the keys we set — dotted keys are looked up nested too — and compares scalars by their text
(``1`` == ``"1"``, ``true`` == ``"true"``). Keys the server added are not differences; a
list of another length, a changed value or a missing key is.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

__all__ = ["diff", "project", "same"]

_MISSING = object()


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _lookup(existing: dict[str, Any], key: str) -> Any:
    """``existing[key]``, or the nested value of a dotted ``key`` (``index.lifecycle.name``)."""
    if key in existing:
        return existing[key]
    head, dot, rest = key.partition(".")
    while dot:
        child = existing.get(head)
        if isinstance(child, dict):
            found = _lookup(child, rest)
            if found is not _MISSING:
                return found
        more, dot, rest = rest.partition(".")
        head = f"{head}.{more}"
    return _MISSING


def project(desired: Any, existing: Any) -> Any:
    """``existing`` cut down to the shape of ``desired`` (missing keys stay missing)."""
    if isinstance(desired, dict):
        if not isinstance(existing, dict):
            return existing
        out: dict[str, Any] = {}
        for key, value in desired.items():
            found = _lookup(existing, key)
            if found is not _MISSING:
                out[key] = project(value, found)
        return out
    if isinstance(desired, list) and isinstance(existing, list) and len(desired) == len(existing):
        return [project(d, e) for d, e in zip(desired, existing, strict=True)]
    return existing


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if value is None:
        return None
    return _scalar(value)


def same(desired: Any, existing: Any) -> bool:
    """Whether ``existing`` holds everything ``desired`` sets, with the same values."""
    return bool(_canonical(desired) == _canonical(project(desired, existing)))


def diff(desired: Any, existing: Any, *, name: str) -> str:
    """A unified diff from what the server holds (projected) to what we would write."""

    def lines(value: Any) -> list[str]:
        return json.dumps(_canonical(value), indent=2, sort_keys=True).splitlines()

    return "\n".join(
        difflib.unified_diff(
            lines(project(desired, existing)),
            lines(desired),
            fromfile=f"{name} (on the server)",
            tofile=f"{name} (logyard)",
            lineterm="",
        )
    )
