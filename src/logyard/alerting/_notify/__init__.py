"""Notifiers behind a registry: a rule file's ``type`` names the module, imported lazily.

::

    webhook    generic JSON webhook
    slack      Slack-compatible incoming webhook
    telegram   Telegram Bot API sendMessage
    email      SMTP (STARTTLS, login)
"""

from __future__ import annotations

import importlib
from typing import Any, cast

from pydantic import BaseModel

from logyard.alerting._notify._base import Notification, Notifier, NotifyError

__all__ = ["NOTIFIER_TYPES", "Notification", "Notifier", "NotifyError", "build", "config_model"]

NOTIFIER_TYPES: dict[str, str] = {
    "email": "logyard.alerting._notify.email",
    "slack": "logyard.alerting._notify.slack",
    "telegram": "logyard.alerting._notify.telegram",
    "webhook": "logyard.alerting._notify.webhook",
}


def config_model(kind: str) -> type[BaseModel]:
    """The pydantic model of a notifier type's options."""
    model: type[BaseModel] = importlib.import_module(NOTIFIER_TYPES[kind]).Config
    return model


def build(name: str, config: BaseModel) -> Notifier:
    """A notifier from its validated options (secrets from the environment are read here)."""
    module: Any = importlib.import_module(NOTIFIER_TYPES[cast(Any, config).type])
    notifier: Notifier = module.build(name, config)
    return notifier
