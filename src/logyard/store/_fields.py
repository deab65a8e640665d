"""What kind of value each field holds, read from the catalogue.

Backends use the kind to pick the comparison: ``keyword`` fields match exactly, ``level``
matches without regard to case, ``text`` fields match a case-insensitive phrase, ``number``
and ``date`` fields compare and aggregate. A field the catalogue does not know (``labels.env``)
is ``unknown`` and is compared as a string; ``order.params.color`` is a key inside the
``object`` field ``order.params``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from logyard.catalog import CATALOG

__all__ = ["FIELD_KINDS", "TEXT_FIELDS", "FieldKind", "FieldRef", "field_ref"]

FieldKind = Literal["date", "keyword", "level", "text", "number", "list", "object", "unknown"]

#: String fields that hold prose: matched as case-insensitive phrases, not exact terms.
TEXT_FIELDS = frozenset({"message", "error.message", "error.stack_trace", "feedback.comment"})


def _kind(name: str, type_text: str) -> FieldKind:
    base = type_text.rstrip("?")
    if name == "log.level":
        return "level"
    if base in ("integer", "number"):
        return "number"
    if base == "datetime":
        return "date"
    if base == "object":
        return "object"
    if base.startswith("list["):
        return "list"
    return "text" if name in TEXT_FIELDS else "keyword"


def _catalogue_kinds() -> dict[str, FieldKind]:
    kinds: dict[str, FieldKind] = {"event.action": "keyword"}
    for spec in CATALOG.values():
        for f in spec.fields:
            kinds.setdefault(f.name, _kind(f.name, f.type))
    return kinds


#: Every catalogue field and its kind.
FIELD_KINDS: dict[str, FieldKind] = _catalogue_kinds()


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A field as a query names it: the top-level JSON key, the path inside it, its kind."""

    name: str
    key: str
    path: tuple[str, ...]
    kind: FieldKind


def field_ref(name: str) -> FieldRef:
    """Resolve ``name``: a catalogue field, a key inside an object field, or an unknown key."""
    kind = FIELD_KINDS.get(name)
    if kind is not None:
        return FieldRef(name, name, (), kind)
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        key = ".".join(parts[:cut])
        if FIELD_KINDS.get(key) == "object":
            return FieldRef(name, key, tuple(parts[cut:]), "unknown")
    return FieldRef(name, name, (), "unknown")
