"""Timing shared by the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_rate(fn: Callable[[], Any], n: int, rounds: int = 3) -> float:
    """Items per second of the fastest of ``rounds`` runs of ``fn`` over ``n`` items."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return n / best
