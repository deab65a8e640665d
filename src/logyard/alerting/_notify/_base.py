"""What every notifier receives and the error it raises when delivery fails."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

from logyard.errors import LogyardError

__all__ = ["Notification", "Notifier", "NotifyError"]


class NotifyError(LogyardError):
    """A notification could not be delivered (it stays in the outbox and is retried)."""


@dataclass(frozen=True, slots=True)
class Notification:
    """One alert's state change, as every notifier sends it.

    ``window_start``/``window_end`` are RFC 3339 (UTC): the event-time window that fired.
    """

    alert_id: int
    status: Literal["firing", "resolved"]
    rule: str
    rule_type: str
    severity: str
    group: str
    summary: str
    value: float | None
    threshold: float | None
    window_start: str
    window_end: str
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        """The generic webhook's JSON body."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Notification:
        """Read back what :meth:`to_json` wrote (the outbox stores it)."""
        return cls(**data)

    def title(self) -> str:
        """``[FIRING] mes-calc-regression (mes-api): p95 ...`` — one line for chat and mail."""
        group = f" ({self.group})" if self.group else ""
        return f"[{self.status.upper()}] {self.rule}{group}: {self.summary}"

    def text(self) -> str:
        """A few lines for chat messages and mail bodies."""
        lines = [self.title(), f"severity: {self.severity}; rule type: {self.rule_type}"]
        lines.append(f"window: {self.window_start} .. {self.window_end}")
        if self.description:
            lines.append(self.description)
        return "\n".join(lines)


class Notifier(Protocol):
    """Sends notifications somewhere; raises :class:`NotifyError` when it cannot."""

    name: str

    def send(self, notification: Notification) -> None:
        """Deliver one notification, within the notifier's timeout."""
        ...
