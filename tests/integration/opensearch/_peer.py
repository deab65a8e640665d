"""A scripted cluster on loopback: a real HTTP server that answers like OpenSearch.

It speaks the protocol (``GET /``, ``HEAD``/``PUT`` of indices, ``POST /_bulk``) so the store
can be driven through answers osmem-server never gives: per-item 429s inside a ``200``,
whole-request 429/503, 401/403, an old version. Each ``_bulk`` request is recorded (the
``_id`` of every document sent) and answered by the next scripted reply; when the script
runs out every item is created.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["BulkReply", "Peer", "item_statuses", "self_signed", "serve_peer", "whole"]

#: Given the ``_id`` of each document of a bulk request: (HTTP status, response body).
BulkReply = Callable[[list[str]], tuple[int, Any]]

_REASONS = {
    429: ("es_rejected_execution_exception", "rejected execution of coordinating operation"),
    503: ("unavailable_shards_exception", "primary shard is not active"),
    400: ("illegal_argument_exception", "document contains a field that is too large"),
}


def item_statuses(statuses: dict[int, int]) -> BulkReply:
    """A ``200`` bulk answer where item ``i`` has ``statuses[i]`` (the others: 201)."""

    def reply(ids: list[str]) -> tuple[int, Any]:
        items = []
        for i, doc_id in enumerate(ids):
            status = statuses.get(i, 201)
            item: dict[str, Any] = {"_index": "logs-mes", "_id": doc_id, "status": status}
            if status >= 300:
                kind, why = _REASONS.get(status, ("version_conflict_engine_exception", "exists"))
                item["error"] = {"type": kind, "reason": why}
            else:
                item["result"] = "created"
            items.append({"create": item})
        errors = any(s >= 300 for s in statuses.values())
        return 200, {"took": 1, "errors": errors, "items": items}

    return reply


def whole(status: int) -> BulkReply:
    """The whole request refused with ``status``."""

    def reply(ids: list[str]) -> tuple[int, Any]:
        kind, why = _REASONS.get(status, ("exception", "refused"))
        return status, {"error": {"type": kind, "reason": why}, "status": status}

    return reply


@dataclass
class Peer:
    """The scripted cluster's state: what it answers and what it was sent."""

    url: str = ""
    version: str = "2.19.0"
    distribution: str | None = "opensearch"
    credentials: tuple[str, str] | None = None  # required basic auth, when set
    bulk_script: list[BulkReply] = field(default_factory=list)
    bulk_requests: list[list[str]] = field(default_factory=list)
    bulk_params: list[str] = field(default_factory=list)
    forbid_bulk: bool = False
    bulk_content_types: list[str] = field(default_factory=list)
    bulk_hold_secs: float = 0.0  # how long each bulk answer takes
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(peer: Peer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _authorized(self) -> bool:
            if peer.credentials is None:
                return True
            expected = base64.b64encode(":".join(peer.credentials).encode()).decode()
            if self.headers.get("authorization") == f"Basic {expected}":
                return True
            self._send(401, {"error": {"type": "security_exception", "reason": "unauthorized"}})
            return False

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("content-length") or 0))

        def do_GET(self) -> None:
            if not self._authorized():
                return
            version: dict[str, Any] = {"number": peer.version}
            if peer.distribution:
                version["distribution"] = peer.distribution
            self._send(200, {"name": "peer", "cluster_name": "peer", "version": version})

        def do_HEAD(self) -> None:
            if self._authorized():
                self._send(200, None)

        def do_PUT(self) -> None:
            self._body()
            if self._authorized():
                self._send(200, {"acknowledged": True})

        def do_POST(self) -> None:
            body = self._body()
            if not self._authorized():
                return
            if not self.path.startswith("/_bulk"):
                self._send(404, {"error": {"type": "not_found", "reason": self.path}})
                return
            if peer.forbid_bulk:
                self._send(403, {"error": {"type": "security_exception", "reason": "no write"}})
                return
            lines = [json.loads(line) for line in body.splitlines() if line.strip()]
            ids = [next(iter(a.values()))["_id"] for a in lines[0::2]]
            peer.bulk_requests.append(ids)
            peer.bulk_params.append(self.path.partition("?")[2])
            peer.bulk_content_types.append(self.headers.get("content-type", ""))
            with peer.lock:
                peer.in_flight += 1
                peer.most_in_flight = max(peer.most_in_flight, peer.in_flight)
                reply = peer.bulk_script.pop(0) if peer.bulk_script else item_statuses({})
            time.sleep(peer.bulk_hold_secs)
            with peer.lock:
                peer.in_flight -= 1
            self._send(*reply(ids))

    return Handler


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made here (nothing is downloaded)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@contextmanager
def serve_peer(peer: Peer | None = None, tls: tuple[Path, Path] | None = None) -> Iterator[Peer]:
    """Serve ``peer`` on a free loopback port (HTTPS with ``tls`` = cert, key); stopped on exit."""
    peer = peer or Peer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(peer))
    scheme = "http"
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    peer.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    try:
        yield peer
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
