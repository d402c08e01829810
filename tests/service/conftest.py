"""Fixtures of the shared-service suites: a real PostgreSQL 15 server (initdb / pg_ctl as the
postgres user), one fresh database per test on either backend, workspaces over the bundle."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from supplywatch.settings import Settings
from supplywatch.workspace import Workspace
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
_counter = itertools.count()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    """Run a server command as the postgres user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL 15 server on a free loopback port; yields its base URL (no database)."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail("PostgreSQL 15 server binaries missing: .ci/run installs postgresql-15")
    base = Path(tempfile.mkdtemp(prefix="sw-pg-"))
    base.chmod(0o755)
    data = base / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(data, "postgres")
    port = _free_port()
    subprocess.run(
        _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]),
        check=True,
        capture_output=True,
    )
    opts = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={base}"
    subprocess.run(
        _as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                opts,
                "-l",
                str(base / "log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def fresh_database(kind: str, tmp: Path, request: pytest.FixtureRequest) -> str:
    """A new, empty database URL on ``kind`` (sqlite file, or a new PostgreSQL database)."""
    if kind == "sqlite":
        return f"sqlite:///{tmp / f'service-{next(_counter)}.sqlite'}"
    base = request.getfixturevalue("pg_server")
    import psycopg

    name = f"sw_test_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(base.replace("+psycopg", "") + "/postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.slow]),
]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_database(request.param, tmp_path, request)


def service_settings(store_path: Path, url: str, **kw: object) -> Settings:
    values: dict[str, object] = {
        "db_path": store_path,
        "database_url": url,
        "scheduler_enabled": False,
        "backtest_results": ROOT / "docs" / "backtest-dev-events.json",
        "clock_frozen_at": NOW,
        # the test receivers listen on the loopback address, which webhooks otherwise refuse
        "webhook_allow_hosts": ["127.0.0.1"],
        "secret_key_file": store_path.parent / "secret.key",
    }
    return Settings(**{**values, **kw})  # type: ignore[arg-type]


@pytest.fixture
def ws(store_path: Path, db_url: str) -> Iterator[Workspace]:
    w = Workspace(service_settings(store_path, db_url))
    yield w
    w.close()


def wait_for(predicate: object, timeout: float = 60.0) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


ORG_ROLES = [(o, r) for o in ("KR", "JP", "JOINT") for r in ("viewer", "analyst", "admin")]


class Seeded:
    """A workspace over the bundle, one user and API token per (organisation, role), one
    evaluation done (alerts exist), and a FastAPI TestClient."""

    def __init__(self, ws: Workspace) -> None:
        from fastapi.testclient import TestClient

        from supplywatch.api.app import create_app

        self.ws = ws
        self.tokens: dict[tuple[str, str], str] = {}
        self.users: dict[tuple[str, str], str] = {}
        for org, role in ORG_ROLES:
            name = f"{org.lower()}_{role}"
            ws.create_user(None, name, org, role, f"pw-{name}-0123")
            _ck, _csrf, p = ws.login(name, f"pw-{name}-0123", "setup")
            self.tokens[(org, role)] = ws.create_token(p, "tests")["token"]
            self.users[(org, role)] = name
        self.evaluation = ws.evaluate(trigger="manual")
        self.app = create_app(ws.settings, ws)
        self.client = TestClient(self.app)

    def headers(self, org: str, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[(org, role)]}"}

    def principal(self, org: str, role: str) -> object:
        return self.ws.principal_from_token(self.tokens[(org, role)])


def _seeded(
    kind: str, request: pytest.FixtureRequest, store_path: Path, tmp: Path
) -> Iterator[Seeded]:
    w = Workspace(service_settings(store_path, fresh_database(kind, tmp, request)))
    s = Seeded(w)
    yield s
    s.client.close()
    w.close()


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, store_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """Seeded on each backend (SQLite, PostgreSQL)."""
    yield from _seeded(request.param, request, store_path, tmp_path_factory.mktemp("svc"))


@pytest.fixture(scope="module")
def seeded_sqlite(
    request: pytest.FixtureRequest, store_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """Seeded on SQLite only (for tests about the API, not the database)."""
    yield from _seeded("sqlite", request, store_path, tmp_path_factory.mktemp("svc"))
