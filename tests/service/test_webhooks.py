"""Webhooks: HMAC-signed level-change notifications to a real HTTP server, retried with
backoff, given up after the configured attempts."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from supplywatch.clock import FixedClock
from supplywatch.workspace import Workspace
from tests.service.conftest import service_settings

SECRET = "0123456789abcdef-secret"


class Receiver:
    """A loopback HTTP server answering the scripted status codes in order."""

    def __init__(self, codes: list[int]) -> None:
        self.codes = list(codes)
        self.received: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), body))
                code = outer.codes.pop(0) if outer.codes else 200
                self.send_response(code)
                self.end_headers()

            def log_message(self, *_a: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def _setup(
    store_path: Path, db_url: str, codes: list[int], attempts: int = 5
) -> tuple[Workspace, Receiver, FixedClock]:
    clock = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    ws = Workspace(
        service_settings(store_path, db_url, webhook_max_attempts=attempts, webhook_backoff_s=30),
        clock=clock,
    )
    ws.create_user(None, "kr_admin", "KR", "admin", "pw-0123456789")
    ws.create_user(None, "jp_admin", "JP", "admin", "pw-0123456789")
    rx = Receiver(codes)
    kr = ws.login("kr_admin", "pw-0123456789", "t")[2]
    ws.add_webhook(kr, rx.url, SECRET)
    return ws, rx, clock


def test_signed_and_retried_with_backoff(store_path: Path, db_url: str) -> None:
    ws, rx, clock = _setup(store_path, db_url, [500, 503])
    try:
        ws.evaluate(as_of=date(2026, 11, 24))
        kr = ws.login("kr_admin", "pw-0123456789", "t")[2]
        visible = ws.alerts(kr, limit=500).total  # KOR + BLOC alerts: what KR may see
        first = ws.deliver_webhooks()
        assert first["retrying"] == 2 and first["delivered"] == visible - 2
        assert ws.deliver_webhooks() == {"delivered": 0, "failed": 0, "retrying": 0}  # not due
        clock.at += timedelta(seconds=31)  # first retry after 30 s
        assert ws.deliver_webhooks() == {"delivered": 2, "failed": 0, "retrying": 0}
        assert len(rx.received) == visible + 2
        for headers, body in rx.received:
            ts = headers["X-Supplywatch-Timestamp"]
            mac = hmac.new(SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256)
            assert headers["X-Supplywatch-Signature"] == "sha256=" + mac.hexdigest()
            payload = json.loads(body)
            assert payload["event"] == "alert.raised"
            assert payload["alert"]["importer_id"] in {"KOR", "BLOC"}  # never JPN for KR
        states = {d["status"] for d in ws.deliveries(kr)}
        assert states == {"delivered"}
    finally:
        rx.close()
        ws.close()


def test_gives_up_after_max_attempts(store_path: Path, db_url: str) -> None:
    ws, rx, clock = _setup(store_path, db_url, [500] * 10_000, attempts=3)
    try:
        ws.evaluate(as_of=date(2026, 11, 24))
        for step in (0, 31, 61):  # delays 30 s, then 60 s
            clock.at += timedelta(seconds=step)
            ws.deliver_webhooks()
        kr = ws.login("kr_admin", "pw-0123456789", "t")[2]
        ds = ws.deliveries(kr)
        assert {d["status"] for d in ds} == {"failed"}
        assert {d["attempts"] for d in ds} == {3}
        assert {d["last_status_code"] for d in ds} == {500}
    finally:
        rx.close()
        ws.close()
