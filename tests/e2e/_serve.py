"""Serve a logyard app with uvicorn in a thread on a free loopback port (e2e tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from tests.e2e._server import free_port

__all__ = ["serve"]


@contextmanager
def serve(app: Any, token: str, *, timeout_secs: float = 30.0) -> Iterator[httpx.Client]:
    """A client (base URL = the server, bearer ``token``) once /api/v1/health answers; the
    server (and its runtime, through the app's lifespan) stops when the block ends."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"logyard-api-{port}", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"})
    deadline = time.monotonic() + timeout_secs
    while True:
        try:
            if client.get("/api/v1/health").status_code == 200:
                break
        except httpx.TransportError:
            pass
        if not thread.is_alive() or time.monotonic() > deadline:
            client.close()
            server.should_exit = True
            pytest.fail(f"logyard API did not answer /api/v1/health on {url} in {timeout_secs} s")
        time.sleep(0.05)
    try:
        yield client
    finally:
        client.close()
        server.should_exit = True
        thread.join(timeout=10)
