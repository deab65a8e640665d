"""Processing steps after validation: small callables ``(event) -> event | None``.

A step that changes an event returns a **new** struct (``msgspec.structs.replace``), so the
pipeline knows the producer's bytes are no longer the event's document; ``None`` drops the
event, counted with the step's name. Steps run before anything is written durably (the
embedded queue, the store), so what they remove — a card number — is never on disk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from prometheus_client import Counter

from logyard.catalog import Event

__all__ = ["Step", "StepChain"]

Step = Callable[[Event], "Event | None"]


class StepChain:
    """Runs named steps in order; counts drops by step."""

    def __init__(self, steps: Sequence[tuple[str, Step]], dropped: Counter | None = None) -> None:
        self.steps = list(steps)
        self.dropped = dropped

    def __bool__(self) -> bool:
        return bool(self.steps)

    def __call__(self, event: Event) -> Event | None:
        """The event after every step, or None if a step dropped it."""
        for name, step in self.steps:
            out = step(event)
            if out is None:
                if self.dropped is not None:
                    self.dropped.labels(name).inc()
                return None
            event = out
        return event
