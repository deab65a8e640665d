"""A generic webhook: POST the notification as JSON."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from logyard.alerting._notify._base import Notification
from logyard.alerting._notify._post import post_json

__all__ = ["Config", "WebhookNotifier", "build"]


class Config(BaseModel):
    """``[notifiers.ops] type = "webhook"; url = "https://..."``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["webhook"] = "webhook"
    url: str = Field(pattern=r"^https?://", json_schema_extra={"secret": True})
    headers: dict[str, str] = Field(default_factory=dict, json_schema_extra={"secret": True})
    timeout_secs: float = Field(default=10.0, gt=0, le=120)


class WebhookNotifier:
    """POSTs :meth:`Notification.to_json`."""

    def __init__(self, name: str, config: Config) -> None:
        self.name = name
        self.config = config

    def __repr__(self) -> str:
        return f"WebhookNotifier({self.name!r}, url=[secure])"

    def send(self, notification: Notification) -> None:
        post_json(
            f"notifiers.{self.name}",
            self.config.url,
            notification.to_json(),
            timeout_secs=self.config.timeout_secs,
            headers=self.config.headers,
        )


def build(name: str, config: Config) -> WebhookNotifier:
    return WebhookNotifier(name, config)
