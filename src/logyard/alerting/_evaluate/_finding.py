"""What evaluating a rule over one window finds: the groups that fire."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Finding", "group_label"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One firing group (``""`` without grouping; an event id or a fingerprint for the
    one-shot types), its measured ``value`` against ``threshold``, and a sentence."""

    group: str
    value: float | None
    threshold: float | None
    summary: str


def group_label(group: str) -> str:
    """`` for <group>`` in a finding's summary (nothing without grouping)."""
    return f" for {group}" if group else ""
