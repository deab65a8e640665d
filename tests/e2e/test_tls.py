"""The HTTP API over TLS: `logyard up --tls-cert --tls-key` serves HTTPS only."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from tests._loopback import self_signed
from tests.e2e._server import free_port


def test_api_over_tls(tmp_path: Path) -> None:
    """With a certificate the API answers HTTPS (verified against that certificate), a
    plain-HTTP request gets no answer, and the CLI searches over TLS."""
    cert, key = self_signed(tmp_path)
    port = free_port()
    env = dict(os.environ, LOGYARD_ADMIN_TOKEN="tls-token")
    log = (tmp_path / "up.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "logyard.cli._main", "up", "--data-dir", str(tmp_path / "d"),
         "--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key)],
        stdout=log, stderr=log, env=env,
    )  # fmt: skip
    context = ssl.create_default_context(cafile=str(cert))
    url = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v1/health", context=context) as r:
                    assert json.loads(r.read())["status"] == "ok"
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    pytest.fail((tmp_path / "up.log").read_text()[-2000:])
                time.sleep(0.1)
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=3).read()
        search = subprocess.run(
            [sys.executable, "-m", "logyard.cli._main", "search", "--url", url, "--token",
             "tls-token", "--json"],
            capture_output=True, text=True, timeout=60,
            env=dict(os.environ, SSL_CERT_FILE=str(cert)),
        )  # fmt: skip
        assert search.returncode == 0, search.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        log.close()
