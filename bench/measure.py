"""Small helpers for timing: median/p95 over repeated runs, query counts."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Timing:
    samples_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def max_queries(self) -> int:
        return max(self.queries) if self.queries else 0


def repeat(fn: Callable[[], object], *, runs: int, warmup: int = 2, count_queries: bool = True) -> Timing:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        fn()
    timing = Timing()
    for _ in range(runs):
        if count_queries:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                fn()
                timing.samples_ms.append((time.perf_counter() - started) * 1000)
            timing.queries.append(len(captured.captured_queries))
        else:
            started = time.perf_counter()
            fn()
            timing.samples_ms.append((time.perf_counter() - started) * 1000)
    return timing
