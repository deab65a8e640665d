"""Start `logyard up` as a real subprocess on a free loopback port (for e2e tests)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

__all__ = ["TOKEN", "LogyardProcess", "free_port"]

TOKEN = "e2e-admin-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LogyardProcess:
    """`logyard up` in a child process; `kill()` is SIGKILL, `stop()` is SIGTERM."""

    def __init__(self, data_dir: Path, *, port: int | None = None, demo: bool = False) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.demo = demo
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir.parent / f"{data_dir.name}-server.log"

    def start(self, timeout_secs: float = 30.0) -> None:
        args = [sys.executable, "-m", "logyard.cli._main", "up", "--data-dir", str(self.data_dir)]
        args += ["--port", str(self.port)] + (["--demo", "--rate", "0"] if self.demo else [])
        env = dict(os.environ, LOGYARD_ADMIN_TOKEN=TOKEN)
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=log, env=env)
        deadline = time.monotonic() + timeout_secs
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"logyard up exited early: {self.log.read_text()[-2000:]}")
            try:
                self.request("GET", "/api/v1/health")
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"logyard up did not answer in {timeout_secs}s")

    def request(self, method: str, path: str, body: Any = None, timeout: float = 30.0) -> Any:
        data = (
            None
            if body is None
            else (body if isinstance(body, bytes) else json.dumps(body).encode())
        )
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {TOKEN}")
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read())

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode

    def wait_drained(self, timeout_secs: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_secs
        while time.monotonic() < deadline:
            if self.request("GET", "/api/v1/health")["queue_depth_bytes"] == 0:
                return
            time.sleep(0.05)
        raise TimeoutError("processor did not drain the queue")
