"""A load killed with SIGKILL mid-way, then re-run, equals a clean run (row counts and sums)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.conftest import NOW, ROOT

from supplywatch.store.duckdb_store import connect, table_checksums

_SCRIPT = """
import logging, sys
from pathlib import Path
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
from datetime import datetime
from supplywatch.pipeline.bundle import ingest_bundle
from supplywatch.store.duckdb_store import connect
con = connect(Path(sys.argv[1]))
now = datetime.fromisoformat(sys.argv[4])
ingest_bundle(con, Path(sys.argv[2]), sys.argv[3].split(","), now=now)
con.close()
"""
_SOURCES = "hs,baci,wmd,wgi,pinksheet"


def _run(db: Path, bundle: Path) -> None:
    subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(db), str(bundle), _SOURCES, NOW.isoformat()],
        check=True,
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )


def _checksums(db: Path) -> dict[str, tuple[int, int]]:
    con = connect(db, read_only=True)
    try:
        sums = table_checksums(con)
    finally:
        con.close()
    sums.pop("core_supplywatch__snapshots")  # holds load timestamps
    return sums


@pytest.mark.slow
@pytest.mark.parametrize(
    "kill_at", ["source=wmd writing", "out: building inside the load transaction"]
)
def test_sigkill_mid_load_then_rerun(tmp_path: Path, kill_at: str) -> None:
    bundle = ROOT / "data" / "bundle"
    clean = tmp_path / "clean.duckdb"
    _run(clean, bundle)

    killed = tmp_path / "killed.duckdb"
    proc = subprocess.Popen(
        [sys.executable, "-c", _SCRIPT, str(killed), str(bundle), _SOURCES, NOW.isoformat()],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 240
    for line in proc.stderr:
        if kill_at in line:
            os.kill(proc.pid, signal.SIGKILL)  # inside the write transaction
            break
        assert time.monotonic() < deadline
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL

    # the store is consistent after the kill: the load is one transaction (every source and
    # the out layer built from them), so nothing of it was written
    con = connect(killed, read_only=True)
    try:
        loaded = con.execute("SELECT count(*) FROM core_supplywatch__snapshots").fetchall()
        assert loaded[0][0] == 0
        for table in ("core_baci__yearly_trade", "core_wmd__yearly_production"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] == 0
        assert (
            con.execute("SELECT count(*) FROM out_supplywatch__monthly_factors").fetchall()[0][0]
            == 0
        )
    finally:
        con.close()

    _run(killed, bundle)
    assert _checksums(killed) == _checksums(clean)
