"""Benchmark: the first screen a user sees, now that the screen reads the out layer.

1. CLI, cold process, a date never asked before: `supplywatch screen --importer KOR --as-of D`
   against `supplywatch items` (a cold process that reads the catalog and the store) in the
   same run, interleaved; a new D each repeat, so no cache can help.
2. The dashboard's first screen in Chromium against a fresh uvicorn process (nothing cached in
   it): time from pressing "Sign in" to the 77 rows of the screen shown, against loading the
   sign-in page itself in the same browser.

The store is built once (the whole bundle, out layer included) at a fixed clock.
Usage: python benchmarks/bench_first_screen.py [--repeat N] [--store PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def _store(path: Path) -> None:
    from supplywatch.pipeline.bundle import ingest_bundle
    from supplywatch.store.duckdb_store import connect

    con = connect(path)
    try:
        ingest_bundle(con, ROOT / "data" / "bundle", now=NOW)
    finally:
        con.close()


def _env(store: Path, tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SUPPLYWATCH_DB_PATH": str(store),
        "SUPPLYWATCH_DATABASE_URL": f"sqlite:///{tmp / 'svc.sqlite'}",
        "SUPPLYWATCH_SCHEDULER_ENABLED": "false",
        "SUPPLYWATCH_CLOCK_FROZEN_AT": NOW.isoformat(),
        "COLUMNS": "200",
    }


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - t0


def cli(store: Path, tmp: Path, repeat: int) -> dict[str, object]:
    env = _env(store, tmp)
    sw = str(BIN / "supplywatch")
    items, screens = [], []
    for i in range(repeat):
        items.append(_timed([sw, "items", "--format", "json"], env))
        day = (date(2024, 3, 11) + timedelta(days=i)).isoformat()  # never asked before
        screens.append(
            _timed([sw, "screen", "--importer", "KOR", "--as-of", day, "--format", "json"], env)
        )
    a, b = statistics.median(items), statistics.median(screens)
    return {"items_s": a, "screen_s": b, "ratio": b / a, "screens": screens, "items": items}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dashboard(store: Path, tmp: Path, repeat: int) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    env = _env(store, tmp)
    subprocess.run(
        [
            str(BIN / "supplywatch"),
            "users",
            "add",
            "bench",
            "--org",
            "KR",
            "--role",
            "analyst",
            "--password-stdin",
        ],
        input="bench-password-123\n",
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    login_page, first_screen = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(repeat):
            port = _port()
            proc = subprocess.Popen(
                [
                    str(BIN / "uvicorn"),
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
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            base = f"http://127.0.0.1:{port}"
            try:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        import httpx

                        if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline:
                        raise RuntimeError("uvicorn did not start")
                    time.sleep(0.2)
                ctx = browser.new_context(viewport={"width": 1400, "height": 900})
                page = ctx.new_page()
                t0 = time.perf_counter()
                page.goto(base + "/")
                page.get_by_test_id("login-submit").wait_for()
                login_page.append(time.perf_counter() - t0)
                page.get_by_test_id("login-username").fill("bench")
                page.get_by_test_id("login-password").fill("bench-password-123")
                t0 = time.perf_counter()
                page.get_by_test_id("login-submit").click()
                page.locator('[data-testid="screen-row"]').nth(76).wait_for(timeout=120_000)
                first_screen.append(time.perf_counter() - t0)
                ctx.close()
            finally:
                proc.terminate()
                proc.wait(timeout=20)
        browser.close()
    a, b = statistics.median(login_page), statistics.median(first_screen)
    return {"login_page_s": a, "first_screen_s": b, "ratio": b / a, "runs": first_screen}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--store", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        store = args.store or tmp / "bench.duckdb"
        if args.store is None:
            t0 = time.perf_counter()
            _store(store)
            print(f"store built in {time.perf_counter() - t0:.1f} s (bundle + out layer)")
        c = cli(store, tmp, args.repeat)
        print(
            f"CLI cold process, median of {args.repeat}: items {c['items_s']:.2f} s, screen on "
            f"a new date {c['screen_s']:.2f} s, ratio {c['ratio']:.2f}x (goal <= 3x)"
        )
        w = dashboard(store, tmp, args.repeat)
        print(
            f"Dashboard in Chromium, fresh server, median of {args.repeat}: sign-in page "
            f"{w['login_page_s']:.2f} s, sign in -> first screen (77 rows) "
            f"{w['first_screen_s']:.2f} s (goal <= 2 s), ratio {w['ratio']:.1f}x"
        )
        print(json.dumps({"cli": c, "dashboard": w}, default=float))


if __name__ == "__main__":
    main()
