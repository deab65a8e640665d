"""The DuckDB backend: one table per system, typed envelope columns, the JSON document."""

from logyard.store.duckdb._store import DuckDBStore

__all__ = ["DuckDBStore"]
