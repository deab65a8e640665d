"""A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): ``{"text": ...}``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from logyard.alerting._notify._base import Notification
from logyard.alerting._notify._post import post_json

__all__ = ["Config", "SlackNotifier", "build"]

_COLOURS = {"firing": "#d0021b", "resolved": "#2e7d32"}


class Config(BaseModel):
    """``[notifiers.chat] type = "slack"; url = "https://hooks.slack.com/services/..."``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["slack"] = "slack"
    url: str = Field(pattern=r"^https?://", json_schema_extra={"secret": True})
    channel: str | None = None
    username: str | None = None
    timeout_secs: float = Field(default=10.0, gt=0, le=120)


class SlackNotifier:
    """Posts the title as ``text`` and the details as one coloured attachment."""

    def __init__(self, name: str, config: Config) -> None:
        self.name = name
        self.config = config

    def __repr__(self) -> str:
        return f"SlackNotifier({self.name!r}, url=[secure])"

    def body(self, notification: Notification) -> dict[str, Any]:
        """The JSON Slack's incoming webhooks accept."""
        body: dict[str, Any] = {
            "text": notification.title(),
            "attachments": [{"color": _COLOURS[notification.status], "text": notification.text()}],
        }
        if self.config.channel:
            body["channel"] = self.config.channel
        if self.config.username:
            body["username"] = self.config.username
        return body

    def send(self, notification: Notification) -> None:
        post_json(
            f"notifiers.{self.name}",
            self.config.url,
            self.body(notification),
            timeout_secs=self.config.timeout_secs,
        )


def build(name: str, config: Config) -> SlackNotifier:
    return SlackNotifier(name, config)
