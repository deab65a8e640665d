"""The Telegram Bot API: ``POST {base_url}/bot{token}/sendMessage``."""

from __future__ import annotations

import json
import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from logyard.alerting._notify._base import Notification, NotifyError
from logyard.alerting._notify._post import post_json
from logyard.errors import ConfigError

__all__ = ["Config", "TelegramNotifier", "build"]


class Config(BaseModel):
    """``type = "telegram"``, ``chat_id``, and the bot token in ``token_env`` (or ``token``).

    ``base_url`` points elsewhere than ``https://api.telegram.org`` (a proxy, or a test).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["telegram"] = "telegram"
    chat_id: str = Field(min_length=1)
    token: SecretStr | None = None
    token_env: str | None = None
    base_url: str = Field(default="https://api.telegram.org", pattern=r"^https?://")
    timeout_secs: float = Field(default=10.0, gt=0, le=120)


class TelegramNotifier:
    """Sends :meth:`Notification.text` to one chat."""

    def __init__(self, name: str, config: Config, token: str) -> None:
        self.name = name
        self.config = config
        self._token = token

    def __repr__(self) -> str:
        return f"TelegramNotifier({self.name!r}, chat_id={self.config.chat_id!r}, token=[secure])"

    def send(self, notification: Notification) -> None:
        where = f"notifiers.{self.name}"
        answer = post_json(
            where,
            f"{self.config.base_url.rstrip('/')}/bot{self._token}/sendMessage",
            {"chat_id": self.config.chat_id, "text": notification.text()},
            timeout_secs=self.config.timeout_secs,
        )
        try:
            ok = json.loads(answer).get("ok", False)
        except (ValueError, AttributeError):
            ok = False
        if ok is not True:
            raise NotifyError(f'{where}: the Bot API did not answer "ok": true; check chat_id')


def build(name: str, config: Config) -> TelegramNotifier:
    if config.token is not None:
        token = config.token.get_secret_value()
    elif config.token_env:
        token = os.environ.get(config.token_env, "")
        if not token:
            raise ConfigError(
                f"notifiers.{name}.token_env: ${config.token_env} is not set; export the "
                "bot token in it"
            )
    else:
        raise ConfigError(f"notifiers.{name}: no bot token; set token_env (or token)")
    return TelegramNotifier(name, config, token)
