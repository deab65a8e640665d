"""A scripted cluster on loopback: a real HTTP server that answers like OpenSearch.

It speaks the protocol (``GET /``, ``HEAD``/``PUT`` of indices, ``POST /_bulk``) so the store
can be driven through answers osmem-server never gives: per-item 429s inside a ``200``,
whole-request 429/503, 401/403, an old version. Each ``_bulk`` request is recorded (the
``_id`` of every document sent) and answered by the next scripted reply; when the script
runs out every item is created.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests._loopback import QuietHandler, serve_http

__all__ = ["BulkReply", "Peer", "item_statuses", "serve_peer", "whole"]

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
    class Handler(QuietHandler):
        def _authorized(self) -> bool:
            if peer.credentials is None:
                return True
            expected = base64.b64encode(":".join(peer.credentials).encode()).decode()
            if self.headers.get("authorization") == f"Basic {expected}":
                return True
            self.send_json(401, {"error": {"type": "security_exception", "reason": "unauthorized"}})
            return False

        def do_GET(self) -> None:
            if not self._authorized():
                return
            version: dict[str, Any] = {"number": peer.version}
            if peer.distribution:
                version["distribution"] = peer.distribution
            self.send_json(200, {"name": "peer", "cluster_name": "peer", "version": version})

        def do_HEAD(self) -> None:
            if self._authorized():
                self.send_json(200, None)

        def do_PUT(self) -> None:
            self.read_body()
            if self._authorized():
                self.send_json(200, {"acknowledged": True})

        def do_POST(self) -> None:
            body = self.read_body()
            if not self._authorized():
                return
            if not self.path.startswith("/_bulk"):
                self.send_json(404, {"error": {"type": "not_found", "reason": self.path}})
                return
            if peer.forbid_bulk:
                self.send_json(403, {"error": {"type": "security_exception", "reason": "no write"}})
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
            self.send_json(*reply(ids))

    return Handler


@contextmanager
def serve_peer(peer: Peer | None = None, tls: tuple[Path, Path] | None = None) -> Iterator[Peer]:
    """Serve ``peer`` on a free loopback port (HTTPS with ``tls`` = cert, key); stopped on exit."""
    peer = peer or Peer()
    with serve_http(_handler(peer), tls) as url:
        peer.url = url
        yield peer
