"""Real receivers on loopback for the notifier tests: an HTTP server in a thread, and an
SMTP server (aiosmtpd), optionally with STARTTLS and login."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from tests._loopback import QuietHandler, free_port, self_signed, serve_http

__all__ = ["HttpReceiver", "SmtpReceiver", "free_port", "http_receiver", "smtp_receiver"]


@dataclass
class HttpReceiver:
    """What the HTTP receiver got; ``status``/``answer`` set what it answers."""

    url: str
    requests: list[tuple[str, Any]] = field(default_factory=list)
    status: int = 200
    answer: bytes = b'{"ok": true}'
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self) -> list[Any]:
        with self.lock:
            return [body for _, body in self.requests]

    def paths(self) -> list[str]:
        with self.lock:
            return [path for path, _ in self.requests]


@contextmanager
def http_receiver() -> Iterator[HttpReceiver]:
    """An HTTP server on a free loopback port that records every POST (path, JSON body)."""
    receiver = HttpReceiver(url="")

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            body = json.loads(self.read_body())
            with receiver.lock:
                receiver.requests.append((self.path, body))
            self.send_response(receiver.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(receiver.answer)))
            self.end_headers()
            self.wfile.write(receiver.answer)

    with serve_http(Handler) as url:
        receiver.url = url
        yield receiver


@dataclass
class SmtpReceiver:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    tls_sessions: list[bool] = field(default_factory=list)


def _tls_context(directory: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*self_signed(directory))
    return context


@contextmanager
def smtp_receiver(
    tmp_path: Path, *, starttls: bool = False, password: str | None = None
) -> Iterator[SmtpReceiver]:
    """aiosmtpd on a free loopback port; with ``starttls`` it requires STARTTLS, with
    ``password`` it requires a login (user ``alerts``)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    receiver = SmtpReceiver("127.0.0.1", free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            receiver.messages.append(
                message_from_bytes(envelope.content, policy=policy.default)  # type: ignore[arg-type]
            )
            receiver.tls_sessions.append(session.ssl is not None)
            return "250 OK"

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword) and data.password.decode() == password:
            receiver.logins.append((data.login.decode(), data.password.decode()))
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    kwargs: dict[str, Any] = {}
    if starttls:
        kwargs.update(tls_context=_tls_context(tmp_path), require_starttls=True)
    if password is not None:
        kwargs.update(authenticator=authenticator, auth_required=True)
    controller = Controller(Handler(), hostname=receiver.host, port=receiver.port, **kwargs)
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()
