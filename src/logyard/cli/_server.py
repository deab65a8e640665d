"""``logyard up`` and ``logyard demo``: the embedded deployment in one process."""

from __future__ import annotations

import logging
import signal
import socket
import sys
from pathlib import Path
from types import FrameType

from logyard.errors import ConfigError

__all__ = ["run_up"]


def run_up(
    *,
    data_dir: Path,
    host: str,
    port: int,
    demo_rate: float | None,
    demo_seed: int | None = None,
    demo_secs: float | None = None,
    tls: tuple[Path, Path] | None = None,
) -> int:
    """Serve the API and console until SIGINT/SIGTERM; returns the exit code."""
    try:
        import uvicorn

        from logyard.api import Runtime, create_app
    except ImportError as exc:
        raise ConfigError(
            f"logyard up: {exc.name} is not installed; install the server: "
            "pip install 'logyard[server]'"
        ) from None
    _check_port(host, port)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    runtime = Runtime(data_dir, demo_rate=demo_rate, demo_seed=demo_seed, demo_secs=demo_secs)
    app = create_app(data_dir, runtime=runtime)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"{'https' if tls else 'http'}://{shown}:{port}"
    sys.stderr.write(
        f"\nlogyard is starting (data dir {data_dir})\n"
        f"  console:      {url}/\n"
        f"  API docs:     {url}/docs\n"
        + (
            f"  sign in with: {runtime.tokens.admin_token}   (admin token, kept in "
            f"{runtime.tokens.path})\n"
            f"  ingest token: {runtime.tokens.ingest_token}\n"
            if demo_rate is not None
            else f"  tokens:       admin and ingest tokens are in {runtime.tokens.path}\n"
        )
        + f"  try:          logyard search 'log.level:(ERROR or FATAL)' --url {url}\n"
        + (f"  simulator:    six systems at {demo_rate:g} events/s\n" if demo_rate else "")
        + "Stop with Ctrl-C.\n\n"
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        ssl_certfile=str(tls[0]) if tls else None,
        ssl_keyfile=str(tls[1]) if tls else None,
    )
    # uvicorn shuts down gracefully on SIGTERM (the lifespan drains the queue), then re-raises
    # the signal with the handler it found; with SIG_DFL the process would die by the signal
    # (exit -15) after a clean stop. This handler turns that re-raise into exit 0 (and a
    # SIGTERM that comes before uvicorn listens still stops the process).
    previous = signal.signal(signal.SIGTERM, _after_graceful_stop)
    try:
        uvicorn.Server(config).run()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _after_graceful_stop(signum: int, frame: FrameType | None) -> None:
    """SIGTERM outside uvicorn's own handler: exit 0 (after its shutdown, nothing is left)."""
    raise SystemExit(0)


def _check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"--port {port}: cannot listen on {host}:{port} ({exc.strerror}); "
                "stop what uses it or pass another --port"
            ) from None
