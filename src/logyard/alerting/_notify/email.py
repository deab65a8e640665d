"""Email over SMTP (the standard library's ``smtplib``), with optional STARTTLS and login."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import default
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from logyard.alerting._notify._base import Notification, NotifyError
from logyard.errors import ConfigError

__all__ = ["Config", "EmailNotifier", "build"]

# Headers up to RFC 5322's 998 characters are not folded (a folded subject shows up with a
# leading space in some clients).
_POLICY = default.clone(max_line_length=998)


class Config(BaseModel):
    """``type = "email"``: ``host``, ``port``, ``sender``, ``recipients``; ``starttls``;
    ``username`` with ``password_env`` (or ``password``) to log in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["email"] = "email"
    host: str = Field(min_length=1)
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    recipients: list[str] = Field(min_length=1)
    starttls: bool = False
    # Verify the server's certificate after STARTTLS (turn off only for a test server).
    verify_tls: bool = True
    username: str | None = None
    password: SecretStr | None = None
    password_env: str | None = None
    timeout_secs: float = Field(default=10.0, gt=0, le=120)


class EmailNotifier:
    """One message per notification: the title as subject, the text as body."""

    def __init__(self, name: str, config: Config, password: str | None) -> None:
        self.name = name
        self.config = config
        self._password = password

    def __repr__(self) -> str:
        return f"EmailNotifier({self.name!r}, host={self.config.host!r}, password=[secure])"

    def message(self, notification: Notification) -> EmailMessage:
        msg = EmailMessage(policy=_POLICY)
        msg["From"] = self.config.sender
        msg["To"] = ", ".join(self.config.recipients)
        msg["Subject"] = notification.title()[:200]
        msg.set_content(notification.text())
        return msg

    def send(self, notification: Notification) -> None:
        c = self.config
        where = f"notifiers.{self.name}"
        try:
            with smtplib.SMTP(c.host, c.port, timeout=c.timeout_secs) as smtp:
                if c.starttls:
                    context = ssl.create_default_context()
                    if not c.verify_tls:
                        context.check_hostname = False
                        context.verify_mode = ssl.CERT_NONE
                    smtp.starttls(context=context)
                if c.username and self._password is not None:
                    smtp.login(c.username, self._password)
                smtp.send_message(self.message(notification))
        except smtplib.SMTPException as exc:
            raise NotifyError(
                f"{where}: the SMTP server refused ({exc}); check the settings"
            ) from None
        except OSError as exc:
            raise NotifyError(
                f"{where}: cannot reach {c.host}:{c.port} ({exc}); it is retried with backoff"
            ) from None


def build(name: str, config: Config) -> EmailNotifier:
    password: str | None = None
    if config.password is not None:
        password = config.password.get_secret_value()
    elif config.password_env:
        password = os.environ.get(config.password_env)
        if password is None:
            raise ConfigError(
                f"notifiers.{name}.password_env: ${config.password_env} is not set; export "
                "the SMTP password in it"
            )
    return EmailNotifier(name, config, password)
