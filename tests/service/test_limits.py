"""Time and concurrency limits (issue #13): a request past its time limit is stopped and
answered 503 with Retry-After (its store query interrupted, no worker left running); a read
waiting for an ingest's lock is 503, not 500; two ingests at once are 409; SIGTERM stops the
server promptly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import httpx
import pytest
from fastapi.testclient import TestClient

from supplywatch.api.app import create_app
from supplywatch.workspace import Conflict, Workspace
from tests.conftest import CLOCK_ENV, ROOT
from tests.service.conftest import service_settings

PW = "correct-horse-1"


def _client(ws: Workspace) -> tuple[TestClient, dict[str, str]]:
    ws.create_user(None, "kr_admin", "KR", "admin", PW)
    p = ws.login("kr_admin", PW, "t")[2]
    token = ws.create_token(p, "t")["token"]
    return TestClient(create_app(ws.settings, ws)), {"Authorization": f"Bearer {token}"}


def test_request_past_its_time_limit_is_503(store_path: Path, tmp_path: Path) -> None:
    ws = Workspace(
        service_settings(store_path, f"sqlite:///{tmp_path / 's.sqlite'}", request_timeout_s=1e-6)
    )
    c, h = _client(ws)
    try:
        t0 = time.monotonic()
        r = c.get("/api/v1/screen?importer=KOR", headers=h)
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "0"
        assert "took longer than" in r.json()["detail"]
        assert time.monotonic() - t0 < 30
        # the interrupted connection left nothing running: the next request (no limit) works
        relaxed = ws.settings.model_copy(update={"request_timeout_s": 60.0})
        c2 = TestClient(create_app(relaxed, ws))
        assert c2.get("/api/v1/screen?importer=KOR&limit=1", headers=h).status_code == 200
        c2.close()
    finally:
        c.close()
        ws.close()


def test_read_waiting_for_an_ingest_lock_is_503(store_path: Path, tmp_path: Path) -> None:
    """Another process writes the store (here: a read-write connection with another
    configuration in this process, which DuckDB refuses the same way)."""
    copy = tmp_path / "store.duckdb"
    copy.write_bytes(store_path.read_bytes())
    ws = Workspace(
        service_settings(copy, f"sqlite:///{tmp_path / 's.sqlite'}", store_lock_wait_s=0.3)
    )
    c, h = _client(ws)
    holder = duckdb.connect(str(copy), config={"memory_limit": "1GB"})
    try:
        r = c.get("/api/v1/screen?importer=KOR&limit=1", headers=h)
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "0"
        assert "held by an ingest" in r.json()["detail"]
    finally:
        holder.close()
        c.close()
        ws.close()


def test_a_second_ingest_is_409(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(service_settings(store_path, f"sqlite:///{tmp_path / 's.sqlite'}"))
    ws.create_user(None, "kr_admin", "KR", "admin", PW)
    p = ws.login("kr_admin", PW, "t")[2]
    release, entered = threading.Event(), threading.Event()

    def slow_ingest(*_a: object, **_k: object) -> list[object]:
        entered.set()
        release.wait(30)
        return []

    monkeypatch.setattr(ws.services, "ingest", slow_ingest)
    first = threading.Thread(target=ws.ingest, args=(p,))
    first.start()
    try:
        assert entered.wait(30)
        with pytest.raises(Conflict, match="already running"):
            ws.ingest(p)
    finally:
        release.set()
        first.join()
        ws.close()
    assert ws.ingest(p) == []  # free again once the first has finished


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sigterm_stops_the_server(store_path: Path, tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "SUPPLYWATCH_DB_PATH": str(store_path),
        "SUPPLYWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'service.sqlite'}",
        "SUPPLYWATCH_SECRET_KEY_FILE": str(tmp_path / "secret.key"),
        **CLOCK_ENV,
    }
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "supplywatch.cli.main", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError("server did not start")
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=20)
        # uvicorn shuts down gracefully, then re-raises the signal it caught (rc -15)
        assert rc in (0, -signal.SIGTERM) and time.monotonic() - t0 < 15
        text = (tmp_path / "serve.log").read_text(encoding="utf-8")
        assert "Shutting down" in text and "Finished server process" in text
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
