"""The `logyard` command builds its parser without loading the server side."""

from __future__ import annotations

import subprocess
import sys


def test_building_the_parser_loads_no_server_module() -> None:
    """Every command starts by building the whole parser (all subcommands, their flags);
    that must not import the pipeline, the store backends, the API or prometheus — an SDK-only
    install (`pip install logyard`) runs `logyard catalog`, and `--help` stays fast."""
    heavy = ["logyard.pipeline", "logyard.store.duckdb", "logyard.api", "prometheus_client",
             "duckdb", "fastapi", "confluent_kafka", "opensearchpy", "elasticsearch"]  # fmt: skip
    code = (
        "import sys; from logyard.cli._main import build_parser; build_parser(); "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
