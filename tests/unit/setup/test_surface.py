"""The public surface of ``logyard.setup`` is what we meant, sorted as ruff sorts it."""

from __future__ import annotations

import subprocess
import sys

import logyard.setup as setup
import logyard.setup.kibana as kibana


def test_all_is_sorted_and_complete() -> None:
    """``__all__`` is sorted (constants, classes, functions) and every name resolves."""
    for module in (setup, kibana):
        names = module.__all__
        order = sorted(names, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n))
        assert (order, []) == (names, [n for n in names if not hasattr(module, n)])


def test_setup_needs_no_client_library() -> None:
    """Setup talks HTTP with the standard library: no elasticsearch/opensearch client, no
    DuckDB, no FastAPI is imported."""
    code = (
        "import sys, logyard.setup, logyard.setup.kibana; "
        "print(sorted(m for m in ('elasticsearch', 'opensearchpy', 'duckdb', 'fastapi') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_setup_commands_are_registered() -> None:
    """``logyard setup`` offers elasticsearch, opensearch and kibana (and kafka)."""
    from logyard.cli._main import build_parser

    parser = build_parser()
    for target in ("elasticsearch", "opensearch"):
        args = parser.parse_args(["setup", target, "--url", "https://es:9200", "--dry-run"])
        assert (target, True) == (args.flavour, args.dry_run)
    args = parser.parse_args(["setup", "kibana", "--flavour", "opensearch-dashboards"])
    assert args.flavour == "opensearch-dashboards"
