"""The analytics branch end to end: read new events → ``normalize`` → write facts.

:class:`Analyzer` is incremental: each :meth:`~Analyzer.run_once` reads what the store
stored after the sink's cursors and writes the facts and the new cursors in one
transaction. ``logyard up`` runs it in a thread (``logyard.api.services.analytics``);
``logyard analytics rebuild`` calls :meth:`~Analyzer.rebuild`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from logyard.analytics._normalize import FactBatch
from logyard.analytics._reader import read_after
from logyard.analytics._sink import AnalyticsSink, DuckDBAnalyticsSink
from logyard.catalog import SYSTEMS
from logyard.store.duckdb import DuckDBStore

__all__ = ["Analyzer", "RunStats"]

_log = logging.getLogger("logyard.analytics")


@dataclass
class RunStats:
    """What runs folded in: events read, facts written, events skipped by reason."""

    events: int = 0
    facts: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    advanced: bool = False  # whether a cursor moved

    def add(self, batch: FactBatch) -> None:
        self.events += batch.events
        self.facts += sum(len(rows) for rows in batch.rows.values())
        for reason, n in batch.skipped.items():
            self.skipped[reason] = self.skipped.get(reason, 0) + n


class Analyzer:
    """Folds the store's new events into the analytic schema (idempotent, resumable)."""

    def __init__(
        self,
        store: DuckDBStore,
        sink: AnalyticsSink | None = None,
        *,
        batch_size: int = 50_000,
    ) -> None:
        """``sink``: where facts go (default: the ``analytics`` schema of the store's file);
        ``batch_size``: events read per system and run."""
        self.store = store
        self.sink = sink if sink is not None else DuckDBAnalyticsSink(store.connection)
        self.batch_size = batch_size

    def __repr__(self) -> str:
        return f"Analyzer({self.store!r}, {self.sink!r})"

    def run_once(self) -> RunStats:
        """Read at most ``batch_size`` new events per system and apply their facts."""
        cursors = self.sink.cursors()
        batch = FactBatch()
        moved: dict[str, int] = {}
        with self.store.connection() as cur:
            cur.begin()  # one snapshot for every system
            try:
                for system in SYSTEMS:
                    after = cursors.get(system, 0)
                    events, last = read_after(cur, system, after, self.batch_size)
                    for event in events:
                        batch.add(event)
                    if last != after:
                        moved[system] = last
            finally:
                cur.rollback()
        stats = RunStats()
        if not moved:
            return stats
        self.sink.apply(batch, moved)
        stats.add(batch)
        stats.advanced = True
        for reason, n in batch.skipped.items():
            _log.warning("analytics: %d event(s) skipped: %s", n, reason)
        return stats

    def catch_up(self) -> RunStats:
        """Run until every stored event is folded in."""
        total = RunStats()
        while True:
            stats = self.run_once()
            if not stats.advanced:
                return total
            total.advanced = True
            total.events += stats.events
            total.facts += stats.facts
            for reason, n in stats.skipped.items():
                total.skipped[reason] = total.skipped.get(reason, 0) + n

    def rebuild(self) -> RunStats:
        """Drop every fact and recompute them from all stored events."""
        self.sink.reset()
        return self.catch_up()
