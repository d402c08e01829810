"""End-to-end fixtures: a real uvicorn process over the bundle, users made with the CLI, one
evaluation (alerts exist), a KR stock entry, and real Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import CLOCK_ENV

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
#: username -> (organisation, role)
USERS = {
    "kr_analyst": ("KR", "analyst"),
    "jp_viewer": ("JP", "viewer"),
    "jp_analyst": ("JP", "analyst"),
}
#: The KR stock entry that must never show up for a JP user.
KR_STOCK = {
    "item_id": "natural_graphite",
    "holder": "national",
    "quantity_t": 5000.0,
    "as_of_date": "2026-01-15",
}
#: Japan's entry for the same item (so the bloc days of cover are an aggregate of two).
JP_STOCK = {
    "item_id": "natural_graphite",
    "holder": "private",
    "quantity_t": 1234.0,
    "as_of_date": "2026-01-20",
}
EXPLAIN_TIMEOUT_MS = 90_000


def password(username: str) -> str:
    return f"e2e-{username}-password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    out = subprocess.run(
        [str(BIN / "supplywatch"), *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if out.returncode != 0:
        pytest.fail(f"supplywatch {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


@dataclass
class Server:
    """The running service and API clients acting as each user (session cookie + CSRF)."""

    base_url: str
    env: dict[str, str]
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def client(self, username: str) -> httpx.Client:
        if username not in self.clients:
            c = httpx.Client(base_url=self.base_url + "/api/v1", timeout=120)
            r = c.post("/auth/login", json={"username": username, "password": password(username)})
            r.raise_for_status()
            c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
            self.clients[username] = c
        return self.clients[username]

    def get(self, username: str, path: str, **params: Any) -> Any:
        r = self.client(username).get(path, params=params)
        r.raise_for_status()
        return r.json()

    def close(self) -> None:
        for c in self.clients.values():
            c.close()


@pytest.fixture(scope="session")
def server(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e")
    env = {
        **os.environ,
        "SUPPLYWATCH_DB_PATH": str(store_path),
        "SUPPLYWATCH_DATABASE_URL": f"sqlite:///{tmp / 'service.sqlite'}",
        "SUPPLYWATCH_SCHEDULER_ENABLED": "false",
        "SUPPLYWATCH_BACKTEST_RESULTS": str(ROOT / "docs" / "backtest-dev-events.json"),
        **CLOCK_ENV,
    }
    for username, (org, role) in USERS.items():
        _cli(
            env,
            "users",
            "add",
            username,
            "--org",
            org,
            "--role",
            role,
            "--password-stdin",
            stdin=password(username) + "\n",
        )
    _cli(env, "evaluate")

    port = _free_port()
    log = (tmp / "uvicorn.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "supplywatch.api.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    srv = Server(base, env)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"uvicorn exited ({proc.returncode}):\n{(tmp / 'uvicorn.log').read_text()}"
                )
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("uvicorn did not answer /healthz in 90 s")
            time.sleep(0.3)
        r = srv.client("kr_analyst").post("/stocks", json={"entries": [KR_STOCK]})
        assert r.status_code == 201, r.text
        # Japan holds some too: with two national contributors the bloc aggregate is shown
        r = srv.client("jp_analyst").post("/stocks", json={"entries": [JP_STOCK]})
        assert r.status_code == 201, r.text
        yield srv
    finally:
        srv.close()
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    d = Path(os.environ.get("SUPPLYWATCH_SCREENSHOTS") or ROOT / "var" / "screenshots")
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class PageLog:
    """What the page asked for and which script errors it raised."""

    requested: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(browser: Any, server: Server, page_log: PageLog) -> Iterator[Any]:
    """A fresh browser context (no cookies, no localStorage) in English; records every
    request so tests can check that nothing leaves the service (no CDN)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    ctx.set_default_timeout(30_000)
    pg = ctx.new_page()
    pg.on("request", lambda r: page_log.requested.append(r.url))
    pg.on("pageerror", lambda e: page_log.errors.append(str(e)))
    yield pg
    ctx.close()
