"""A scripted HTTP server on loopback: a real socket peer that answers as a test says.

Used where no real server of the kind can run here: a cluster that refuses credentials
(401), one of an old version, Kibana's status endpoint. It records what it was sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

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
def serve() -> Iterator[Peer]:
    """Run a :class:`Peer` on 127.0.0.1 (a free port) until the block ends."""
    peer = Peer()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            peer.seen.append((self.command, self.path, headers))
            status, body = peer.answers.get((self.command, self.path), (404, {"error": "nope"}))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_POST = _reply

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    peer.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
