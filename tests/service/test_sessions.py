"""Dashboard sessions: cookie sign-in, CSRF on writes, sign-out, expiry, login rate limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from supplywatch.api.app import create_app
from supplywatch.clock import FixedClock
from supplywatch.workspace import Workspace
from tests.service.conftest import service_settings


def _client(store_path: Path, db_url: str, clock: FixedClock) -> tuple[Workspace, TestClient]:
    ws = Workspace(service_settings(store_path, db_url, login_max_failures=3), clock=clock)
    ws.create_user(None, "kr_analyst", "KR", "analyst", "correct-horse-1")
    return ws, TestClient(create_app(ws.settings, ws))


def test_cookie_session_csrf_logout_and_expiry(store_path: Path, db_url: str) -> None:
    clock = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    ws, c = _client(store_path, db_url, clock)
    try:
        r = c.post(
            "/api/v1/auth/login", json={"username": "kr_analyst", "password": "correct-horse-1"}
        )
        assert r.status_code == 200
        body = r.json()
        assert (body["username"], body["org"], body["role"]) == ("kr_analyst", "KR", "analyst")
        cookie = r.cookies["sw_session"]
        set_cookie = r.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=lax" in set_cookie
        # the stored session id is a hash, never the cookie
        with ws.engine.connect() as con:
            from sqlalchemy import text

            ids = [x[0] for x in con.execute(text("SELECT id_sha256 FROM login_sessions"))]
        assert cookie not in ids and len(ids) == 1
        assert c.get("/api/v1/auth/me").json()["csrf_token"] == body["csrf_token"]
        stock = {
            "entries": [
                {
                    "item_id": "gallium",
                    "holder": "national",
                    "quantity_t": 1,
                    "as_of_date": "2026-01-01",
                }
            ]
        }
        assert c.post("/api/v1/stocks", json=stock).status_code == 403
        wrong = c.post("/api/v1/stocks", json=stock, headers={"X-CSRF-Token": "nope"})
        assert wrong.status_code == 403
        ok = c.post("/api/v1/stocks", json=stock, headers={"X-CSRF-Token": body["csrf_token"]})
        assert ok.status_code == 201
        clock.at += timedelta(hours=13)  # sessions live 12 h
        assert c.get("/api/v1/auth/me").status_code == 401
        clock.at -= timedelta(hours=13)
        # sign-out needs the CSRF header too (a cross-site form must not sign anyone out)
        assert c.post("/api/v1/auth/logout").status_code == 403
        out = c.post("/api/v1/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]})
        assert out.status_code == 204
        c.cookies.set("sw_session", cookie)
        assert c.get("/api/v1/auth/me").status_code == 401
    finally:
        c.close()
        ws.close()


def test_login_rate_limited(store_path: Path, db_url: str) -> None:
    clock = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    ws, c = _client(store_path, db_url, clock)
    try:
        bad = {"username": "kr_analyst", "password": "wrong-password"}
        codes = [c.post("/api/v1/auth/login", json=bad).status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        good = {"username": "kr_analyst", "password": "correct-horse-1"}
        r = c.post("/api/v1/auth/login", json=good)
        assert r.status_code == 429 and r.headers["retry-after"] == "300"
        clock.at += timedelta(seconds=301)  # the window has passed
        assert c.post("/api/v1/auth/login", json=good).status_code == 200
        # malformed requests: 422 with the field named
        r = c.post("/api/v1/auth/login", json={"username": "x"})
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["body", "password"]
    finally:
        c.close()
        ws.close()
