"""Ctrl-C stops `logyard up --demo` cleanly: no traceback from any of its processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.e2e._server import free_port


def test_ctrl_c_stops_the_demo_without_a_traceback(tmp_path: Path) -> None:
    """SIGINT to the whole process group (what a terminal's Ctrl-C does) reaches the server
    and its simulator process; the server drains and exits, and neither prints a
    traceback (the simulator leaves the stopping to its parent); the exit code is 130, the
    shell's code for a Ctrl-C."""
    port = free_port()
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from logyard.cli import main; raise SystemExit(main())",
             "up", "--demo", "--data-dir",
             str(tmp_path / "data"), "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2):
                    break
            except OSError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "logyard up did not answer"
                time.sleep(0.1)
        time.sleep(1.5)  # the simulator is running and sending
        os.killpg(proc.pid, signal.SIGINT)
        code = proc.wait(30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    output = log.read_text(errors="replace")
    assert "Traceback" not in output, output
    assert code == 130, output
