"""Start ``moto_server`` (a real S3 HTTP endpoint) on a free loopback port, stop it by pid.

Shared by the S3 integration tests and the processor's kill -9 test::

    server = MotoServer()
    server.start()          # raises MotoUnavailable with the reason if it cannot start
    ... boto3.client("s3", endpoint_url=server.url, ...) ...
    server.stop()
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

__all__ = ["FAKE_CREDENTIALS", "MotoServer", "MotoUnavailable", "free_port"]

#: What boto3 in the test process authenticates with (moto accepts anything).
FAKE_CREDENTIALS: dict[str, str] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


class MotoUnavailable(RuntimeError):
    """``moto_server`` is not installed or did not answer; the message says why."""


def free_port() -> int:
    """A TCP port nobody listens on right now (loopback)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _binary() -> str:
    beside = Path(sys.executable).parent / "moto_server"
    if beside.exists():
        return str(beside)
    found = shutil.which("moto_server")
    if found is None:
        raise MotoUnavailable("moto_server not found; pip install 'moto[server]'")
    return found


class MotoServer:
    """``moto_server -H 127.0.0.1 -p <port>`` in a child process."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self._output = ""

    def start(self, timeout_secs: float = 20.0) -> None:
        """Start the server and wait until it answers HTTP."""
        args = [_binary(), "-H", "127.0.0.1", "-p", str(self.port)]
        try:
            self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT)
        except OSError as exc:
            raise MotoUnavailable(f"cannot run {args[0]}: {exc}") from exc
        deadline = time.monotonic() + timeout_secs
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise MotoUnavailable(
                    f"moto_server exited with {self.proc.returncode}: {self.output()[-2000:]}"
                )
            try:
                with urllib.request.urlopen(self.url + "/moto-api/", timeout=1.0):
                    return
            except urllib.error.HTTPError:
                return  # it answers; the status does not matter
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise MotoUnavailable(f"moto_server did not answer on {self.url} in {timeout_secs}s")

    def output(self) -> str:
        """What the server printed so far."""
        if self._log.closed:
            return self._output
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def stop(self) -> None:
        """SIGTERM by pid, SIGKILL if it does not exit within 5 s."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(5)
        if not self._log.closed:
            self._output = self.output()
            self._log.close()
