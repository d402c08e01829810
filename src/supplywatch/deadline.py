"""A per-request time limit that stops the work, not only the wait for it.

The API sets ``DEADLINE`` (a ``time.monotonic()`` value) for each request; it travels with the
request's context into the worker thread. Every store connection opened under a deadline is
interrupted when it passes (``interrupt_at_deadline``), so a query that would run for minutes
ends with ``duckdb.InterruptException`` and frees its thread; the API answers 503.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)


@contextmanager
def interrupt_at_deadline(con: Any, every_s: float = 0.05) -> Iterator[None]:
    """Interrupt ``con`` (a DuckDB connection) once the current deadline has passed, and keep
    interrupting it every ``every_s`` seconds until the block ends: an interrupt only stops a
    query that is running, and the next one may start a moment later."""
    deadline = DEADLINE.get()
    if deadline is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        if done.wait(max(0.0, deadline - time.monotonic())):
            return
        while not done.is_set():
            con.interrupt()
            done.wait(every_s)

    t = threading.Thread(target=watch, name="deadline", daemon=True)
    t.start()
    try:
        yield
    finally:
        done.set()
