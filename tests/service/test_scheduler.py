"""APScheduler jobs: the service evaluates on start, again right after an ingest through the
API, and again after an ingest from another process (the CLI) — the store is watched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from supplywatch.api.app import create_app
from supplywatch.clock import FixedClock
from supplywatch.services import Services
from supplywatch.workspace import Workspace
from tests.conftest import NOW
from tests.service.conftest import service_settings, wait_for

pytestmark = pytest.mark.slow


def test_reevaluates_after_each_ingest(store_path: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    shutil.copy(store_path, store)
    st = service_settings(
        store,
        f"sqlite:///{tmp_path / 'svc.sqlite'}",
        scheduler_enabled=True,
        watch_interval_s=1.0,
    )
    clock = FixedClock(NOW)
    ws = Workspace(st, clock=clock)
    ws.create_user(None, "jt_admin", "JOINT", "admin", "pw-0123456789")
    token = ws.create_token(ws.login("jt_admin", "pw-0123456789", "t")[2], "t")["token"]
    h = {"Authorization": f"Bearer {token}"}

    def last() -> dict[str, object] | None:
        return ws.last_evaluation(None)  # type: ignore[arg-type]

    try:
        with TestClient(create_app(st, ws)) as c:
            wait_for(lambda: (last() or {}).get("finished_at") is not None, 120)
            first = last()
            assert first is not None and first["trigger"] == "ingest" and first["items"] > 100
            clock.advance(minutes=1)  # time passes between the loads
            r = c.post("/api/v1/admin/ingest?source=wgi&force=true", headers=h)
            assert r.status_code == 200 and r.json()[0]["status"] == "loaded"
            wait_for(lambda: (last() or {}).get("id") == 2 and last()["finished_at"], 120)  # type: ignore[index]
            # an ingest by another writer (as the CLI does) is seen by the watch job
            Services(st, FixedClock(clock.advance(minutes=1))).ingest(["wgi"], force=True)
            wait_for(lambda: (last() or {}).get("id") == 3 and last()["finished_at"], 120)  # type: ignore[index]
            assert c.get("/api/v1/admin/evaluations/last", headers=h).json()["id"] == 3
        # nothing changed since: the watch job does not evaluate again
        assert ws.evaluate_if_changed() is None
    finally:
        ws.close()
