"""After os.fork, the child gets its own delivery thread and does not resend the parent's events."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    from logyard.sdk import CallableTransport, EventLogger

    out = sys.argv[1]

    def write(batch):
        with open(f"{out}/{os.getpid()}.ndjson", "ab") as f:
            f.write(b"".join(raw + b"\\n" for raw in batch))

    log = EventLogger("mes", transport=CallableTransport(write), linger_ms=60_000)
    log.service_started(message="before fork")
    pid = os.fork()
    if pid == 0:
        log.service_started(message="child")
        os._exit(0 if log.flush(5) else 1)
    log.service_started(message="parent")
    assert log.flush(5)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"child": pid, "parent": os.getpid(), "status": status}))
    """
)


def test_a_forked_child_delivers_only_its_own_events(tmp_path: Path) -> None:
    """Buffered events stay with the parent; the child's events are delivered by the child."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    pids = json.loads(result.stdout)
    assert pids["status"] == 0

    def messages(pid: int) -> list[str]:
        lines = (tmp_path / f"{pid}.ndjson").read_text().splitlines()
        return [json.loads(line)["message"] for line in lines]

    assert messages(pids["parent"]) == ["before fork", "parent"]
    assert messages(pids["child"]) == ["child"]
