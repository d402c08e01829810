"""The benchmarks' one timing rule: the median wall time of ``repeat`` calls, and the last
call's result (so a benchmark can check what it timed)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_time(f: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """(median seconds over ``repeat`` calls of ``f``, the last call's result)."""
    runs, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), out
