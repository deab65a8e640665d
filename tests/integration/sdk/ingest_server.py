"""A real HTTP ingest server on loopback that records what it receives and can be told to fail."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    events: list[dict[str, Any]]
    peer: tuple[str, int]


@dataclass
class IngestServer:
    """``POST /api/v1/events``: records requests; ``status`` forces an answer code.

    ``reject`` decides per event whether to refuse it (returns a reason code or None);
    ``max_events`` answers 413 to larger batches.
    """

    host: str = "127.0.0.1"
    port: int = 0
    status: int = 200
    reject: Callable[[dict[str, Any]], str | None] = lambda event: None
    max_events: int | None = None
    requests: list[Received] = field(default_factory=list)
    _connections: set[socket.socket] = field(default_factory=set)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def accepted(self) -> list[dict[str, Any]]:
        """Every event answered as accepted, in arrival order."""
        out = []
        for req in self.requests:
            if req.headers.get("x-answer") == "200":
                out.extend(e for e in req.events if self.reject(e) is None)
        return out

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def setup(self) -> None:
                super().setup()
                owner._connections.add(self.connection)

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                events = [json.loads(line) for line in body.splitlines() if line.strip()]
                status = owner.status
                if status == 200 and owner.max_events and len(events) > owner.max_events:
                    status = 413
                headers = {k.lower(): v for k, v in self.headers.items()}
                headers["x-answer"] = str(status)
                owner.requests.append(Received(self.path, headers, events, self.client_address))
                if status == 200:
                    items = []
                    for i, event in enumerate(events):
                        code = owner.reject(event)
                        items.append(
                            {"index": i, "status": "accepted"}
                            if code is None
                            else {"index": i, "status": "rejected", "code": code, "reason": code}
                        )
                    rejected = sum(1 for it in items if it["status"] == "rejected")
                    answer = {
                        "accepted": len(events) - rejected,
                        "rejected": rejected,
                        "items": items,
                    }
                else:
                    answer = {"title": f"status {status}"}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        ThreadingHTTPServer.allow_reuse_address = True
        server = ThreadingHTTPServer((self.host, self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Shut down: connections are refused until ``start`` again (same port)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            for conn in list(self._connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            self._connections.clear()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None
