"""A scripted HTTP server on loopback: a real socket peer that answers as a test says.

Used where no real server of the kind can run here: a cluster that refuses credentials
(401), one of an old version, Kibana's status endpoint. It records what it was sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests._loopback import QuietHandler, serve_http

__all__ = ["Peer", "serve"]


@dataclass
class Peer:
    """Answers by (method, path); everything else is a 404. ``seen`` records requests."""

    url: str = ""
    answers: dict[tuple[str, str], tuple[int, Any]] = field(default_factory=dict)
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def answer(self, method: str, path: str, status: int, body: Any) -> None:
        """Answer ``method path`` with ``status`` and the JSON ``body``."""
        self.answers[(method, path)] = (status, body)


@contextmanager
def serve(tls: tuple[Path, Path] | None = None) -> Iterator[Peer]:
    """Run a :class:`Peer` on 127.0.0.1 (a free port) until the block ends; HTTPS with the
    ``(certificate, key)`` of ``tls``."""
    peer = Peer()

    class Handler(QuietHandler):
        def _reply(self) -> None:
            self.read_body()
            headers = {k.lower(): v for k, v in self.headers.items()}
            peer.seen.append((self.command, self.path, headers))
            self.send_json(*peer.answers.get((self.command, self.path), (404, {"error": "nope"})))

        do_GET = do_PUT = do_POST = _reply

    with serve_http(Handler, tls) as url:
        peer.url = url
        yield peer
