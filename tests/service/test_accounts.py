"""Accounts (issue #13): throttling that an attacker cannot turn against the owner, parallel
guesses, unknown users, forwarded addresses, deactivation, password change, token lists and
revocation, CSRF at rest and on sign-out, audited failures and denials, the state file's
mode; and webhooks that cannot reach the service's own network."""

from __future__ import annotations

import stat
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from supplywatch import access
from supplywatch.access import AccessDenied, NotAuthenticated
from supplywatch.api.app import create_app
from supplywatch.clock import FixedClock
from supplywatch.state.models import AuditEntry, Webhook
from supplywatch.workspace import InputError, NotFound, RateLimited, Workspace
from tests.service.conftest import service_settings

PW = "correct-horse-1"


def _ws(store_path: Path, db_url: str, **kw: object) -> Workspace:
    clock = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    ws = Workspace(service_settings(store_path, db_url, login_max_failures=3, **kw), clock=clock)
    ws.create_user(None, "kr_analyst", "KR", "analyst", PW)
    ws.create_user(None, "kr_admin", "KR", "admin", PW)
    ws.create_user(None, "jp_admin", "JP", "admin", PW)
    return ws


def _actions(ws: Workspace) -> list[str]:
    with ws.sessions() as s:
        return [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_attacker_cannot_lock_the_owner_out(store_path: Path, db_url: str) -> None:
    ws = _ws(store_path, db_url)
    try:
        for _ in range(3):
            with pytest.raises(NotAuthenticated):
                ws.login("kr_analyst", "wrong-password", "203.0.113.9")
        with pytest.raises(RateLimited):  # the attacker's address is held back ...
            ws.login("kr_analyst", PW, "203.0.113.9")
        # ... the owner, from elsewhere, is not, again and again
        for _ in range(3):
            assert ws.login("kr_analyst", PW, "198.51.100.7")[2].username == "kr_analyst"
        acts = _actions(ws)
        assert acts.count("session.login_failed") == 3
        assert acts.count("session.login_throttled") == 1
    finally:
        ws.close()


def test_parallel_guesses_get_no_more_checks(
    store_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = _ws(store_path, db_url)
    checks = []
    real = access.verify_password

    def counted(password: str, stored: str) -> bool:
        checks.append(password)
        return real(password, stored)

    monkeypatch.setattr(access, "verify_password", counted)
    try:
        outcomes: list[str] = []

        def guess(i: int) -> None:
            try:
                ws.login("kr_analyst", f"guess-{i}", "203.0.113.9")
            except RateLimited:
                outcomes.append("429")
            except NotAuthenticated:
                outcomes.append("401")

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(30)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(checks) == 3  # login_max_failures, not 9
        assert sorted(outcomes) == ["401"] * 3 + ["429"] * 27
    finally:
        ws.close()


def test_unknown_user_costs_a_password_check(
    store_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = _ws(store_path, db_url)
    seen: list[str] = []
    real = access.verify_password
    monkeypatch.setattr(access, "verify_password", lambda p, h: seen.append(h) or real(p, h))
    try:
        with pytest.raises(NotAuthenticated):
            ws.login("nobody", "whatever-pass", "x")
        with pytest.raises(NotAuthenticated):
            ws.login("kr_analyst", "whatever-pass", "x")
        assert len(seen) == 2 and all(h.startswith("scrypt$16384$8$1$") for h in seen)
    finally:
        ws.close()


def test_forwarded_for_is_not_believed_and_csrf_is_hashed(store_path: Path, db_url: str) -> None:
    ws = _ws(store_path, db_url)
    c = TestClient(create_app(ws.settings, ws))
    try:
        for i in range(4):  # a rotating header does not rotate the client
            r = c.post(
                "/api/v1/auth/login",
                json={"username": "kr_analyst", "password": "wrong-password"},
                headers={"X-Forwarded-For": f"10.0.0.{i}"},
            )
        assert r.status_code == 429
        with ws.sessions() as s:
            clients = {
                e.detail.get("client")
                for e in s.scalars(select(AuditEntry))
                if e.action.startswith("session.")
            }
        assert clients == {"testclient"}
        r = ws.login("kr_analyst", PW, "elsewhere")
        cookie, csrf = r[0], r[1]
        with ws.engine.connect() as con:
            stored = [x[0] for x in con.execute(text("SELECT csrf_token FROM login_sessions"))]
        assert csrf not in stored and access.sha256_hex(csrf) in stored
        # sign-out needs the CSRF header (a cross-site form cannot sign anyone out)
        c.cookies.set("sw_session", cookie)
        assert c.post("/api/v1/auth/logout").status_code == 403
        assert c.get("/api/v1/auth/me").status_code == 200
        ok = c.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 204
        assert "access.denied" in _actions(ws)
    finally:
        c.close()
        ws.close()


def test_deactivate_change_password_and_tokens(store_path: Path, db_url: str) -> None:
    ws = _ws(store_path, db_url)
    try:
        admin = ws.login("kr_admin", PW, "a")[2]
        jp = ws.login("jp_admin", PW, "a")[2]
        user = ws.login("kr_analyst", PW, "a")
        tok = ws.create_token(user[2], "nightly")
        listed = ws.tokens(admin)
        assert [(t["user"], t["label"], t["revoked_at"]) for t in listed] == [
            ("kr_analyst", "nightly", None)
        ]
        assert "token" not in listed[0]
        assert ws.tokens(jp) == []  # another organisation's tokens are not listed
        with pytest.raises(NotFound):
            ws.revoke_token(jp, tok["id"])
        ws.revoke_token(admin, tok["id"])
        with pytest.raises(NotAuthenticated):
            ws.principal_from_token(tok["token"])
        # password change: the old one stops working, sessions end
        with pytest.raises(AccessDenied):
            ws.change_password(user[2], "not-it-at-all", "new-password-22")
        with pytest.raises(InputError):
            ws.change_password(user[2], PW, "short")
        ws.change_password(user[2], PW, "new-password-22")
        with pytest.raises(NotAuthenticated):
            ws.principal_from_session(user[0])
        with pytest.raises(NotAuthenticated):
            ws.login("kr_analyst", PW, "b")
        again = ws.login("kr_analyst", "new-password-22", "b")
        # deactivation: sessions and tokens stop at once; only admins of the org may
        tok2 = ws.create_token(again[2], "second")
        with pytest.raises(NotFound):
            ws.set_user_active(jp, again[2].user_id, False)
        assert ws.set_user_active(admin, again[2].user_id, False)["is_active"] is False
        with pytest.raises(NotAuthenticated):
            ws.principal_from_session(again[0])
        with pytest.raises(NotAuthenticated):
            ws.principal_from_token(tok2["token"])
        assert [u["is_active"] for u in ws.users(admin) if u["username"] == "kr_analyst"] == [False]
        acts = _actions(ws)
        for a in ("token.revoked", "user.password_refused", "user.password_changed"):
            assert a in acts
        assert "user.deactivated" in acts
    finally:
        ws.close()


def test_state_file_is_private(store_path: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    ws = Workspace(service_settings(store_path, url))
    try:
        ws.create_user(None, "kr_x", "KR", "viewer", PW)
        mode = stat.S_IMODE((tmp_path / "state.sqlite").stat().st_mode)
        assert mode == 0o600
        key = ws.settings.secret_key_file
        ws.create_user(None, "kr_admin", "KR", "admin", PW)
        admin = ws.login("kr_admin", PW, "a")[2]
        ws.add_webhook(admin, "http://127.0.0.1:9/hook", "0123456789abcdef-secret")
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        with ws.sessions() as s:
            stored = s.scalars(select(Webhook.secret)).one()
        assert stored.startswith("fernet:") and "0123456789abcdef" not in stored
    finally:
        ws.close()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/x",
        "http://0.0.0.0/x",
        "http://[::1]/x",
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/x",
        "http://localhost:8000/x",
        "ftp://example.org/x",
        "http://user:pw@192.0.2.1/x",
    ],
)
def test_webhook_destinations_inside_are_refused(
    store_path: Path, tmp_path: Path, url: str
) -> None:
    ws = Workspace(
        service_settings(store_path, f"sqlite:///{tmp_path / 's.sqlite'}", webhook_allow_hosts=[])
    )
    try:
        ws.create_user(None, "kr_admin", "KR", "admin", PW)
        admin = ws.login("kr_admin", PW, "a")[2]
        with pytest.raises(InputError) as e:
            ws.add_webhook(admin, url, "0123456789abcdef-secret")
        assert e.value.errors[0]["loc"] == ["body", "url"]
        assert ws.webhooks(admin) == []
    finally:
        ws.close()


def test_webhook_delete_and_redirects(store_path: Path, tmp_path: Path) -> None:
    calls: list[dict[str, object]] = []

    class R:
        status_code = 302

    def post(url: str, **kw: object) -> R:
        calls.append({"url": url, **kw})
        return R()

    ws = Workspace(
        service_settings(store_path, f"sqlite:///{tmp_path / 's.sqlite'}", webhook_max_attempts=1),
        http_post=post,
    )
    try:
        ws.create_user(None, "kr_admin", "KR", "admin", PW)
        ws.create_user(None, "jp_admin", "JP", "admin", PW)
        admin = ws.login("kr_admin", PW, "a")[2]
        jp = ws.login("jp_admin", PW, "a")[2]
        w = ws.add_webhook(admin, "http://127.0.0.1:9/hook", "0123456789abcdef-secret")
        ws.evaluate()
        out = ws.deliver_webhooks()
        assert out["failed"] > 0 and calls and calls[0]["follow_redirects"] is False
        errs = {d["last_error"] for d in ws.deliveries(admin)}
        assert errs == {"HTTP 302: redirects are not followed"}
        with pytest.raises(NotFound):
            ws.delete_webhook(jp, w["id"])  # another organisation's
        ws.delete_webhook(admin, w["id"])
        assert ws.webhooks(admin) == []
        with ws.sessions() as s:
            assert s.get(Webhook, w["id"]).secret == ""  # type: ignore[union-attr]
        with pytest.raises(NotFound):
            ws.delete_webhook(admin, w["id"])
    finally:
        ws.close()
