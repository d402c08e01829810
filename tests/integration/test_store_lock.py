"""A store held by another process (a reader), or by another thread of this process in the
other mode, is waited for, not failed on."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from supplywatch.errors import StoreBusy
from supplywatch.store.duckdb_store import connect


def _hold(path: Path, seconds: float) -> subprocess.Popen[bytes]:
    code = (
        "import duckdb, sys, time\n"
        f"c = duckdb.connect({str(path)!r}, read_only=True)\n"
        "print('held', flush=True)\n"
        f"time.sleep({seconds})\n"
    )
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert p.stdout is not None and p.stdout.readline().strip() == b"held"
    return p


def test_writer_waits_for_a_reader_in_another_process(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    connect(path).close()
    holder = _hold(path, 1.5)
    t0 = time.monotonic()
    con = connect(path, lock_wait_s=30)
    waited = time.monotonic() - t0
    con.close()
    holder.wait(timeout=30)
    assert 0.5 < waited < 30  # it waited for the reader to let go, then opened


def test_gives_up_after_the_wait(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    connect(path).close()
    holder = _hold(path, 5)
    try:
        # a clear, retryable error (the API answers 503 with Retry-After), not DuckDB's own
        with pytest.raises(StoreBusy, match="held by an ingest; waited 0.3 s"):
            connect(path, lock_wait_s=0.3)
    finally:
        holder.kill()
        holder.wait()


def test_writer_waits_for_a_reader_in_another_thread(tmp_path: Path) -> None:
    # one process: DuckDB refuses a read-write open while a read-only one is open (an API
    # ingest while a request reads); the open waits until the reader closes
    path = tmp_path / "s.duckdb"
    connect(path).close()
    opened = threading.Event()

    def read() -> None:
        con = connect(path, read_only=True)
        opened.set()
        time.sleep(1.0)
        con.close()

    reader = threading.Thread(target=read)
    reader.start()
    assert opened.wait(10)
    t0 = time.monotonic()
    con = connect(path, lock_wait_s=30)
    waited = time.monotonic() - t0
    con.execute("CREATE TABLE t AS SELECT 1 AS x")
    con.close()
    reader.join(10)
    assert 0.3 < waited < 30
