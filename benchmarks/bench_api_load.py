"""Loopback load benchmark of the API: p50 / p99 latency at a fixed request rate (open loop:
latency counts from the scheduled send time, so a slow server cannot hide queueing), on the
screen and alert-board endpoints, against /healthz (no work) measured in the same run.

A real uvicorn process serves the bundled store (var/supplywatch.duckdb, `make run` first)
with a fresh SQLite state; the evaluation and the screen are computed once before the load
(they are cached per store state, as in production after each ingest).

Usage: python benchmarks/bench_api_load.py [--rates 50 200] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _setup(env: dict[str, str]) -> str:
    code = (
        "from supplywatch.settings import Settings\n"
        "from supplywatch.workspace import Workspace\n"
        "from datetime import datetime, UTC\n"
        "ws = Workspace(Settings(clock_frozen_at=datetime(2026, 11, 24, 12, tzinfo=UTC)))\n"
        "ws.create_user(None, 'kr_analyst', 'KR', 'analyst', 'bench-password-1')\n"
        "p = ws.login('kr_analyst', 'bench-password-1', 'bench')[2]\n"
        "print(ws.create_token(p, 'bench')['token'])\n"
        "print(ws.evaluate())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.splitlines()[0].strip()


async def _run(url: str, headers: dict[str, str], rate: float, seconds: float) -> list[float]:
    """Send ``rate`` requests a second for ``seconds`` from a pool of keep-alive connections;
    latency counts from each request's scheduled time (a late send is the server's delay)."""
    n = int(rate * seconds)
    lat: list[float] = []
    errors = 0
    workers = 64
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=60) as client:
        t0 = time.perf_counter() + 0.5
        nxt = iter(range(n))

        async def worker() -> None:
            nonlocal errors
            for i in nxt:
                due = t0 + i / rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                r = await client.get(url)
                if r.status_code != 200:
                    errors += 1
                lat.append(time.perf_counter() - due)

        await asyncio.gather(*(worker() for _ in range(workers)))
    if errors:
        raise SystemExit(f"{errors} non-200 responses from {url}")
    return lat


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rates", type=float, nargs="+", default=[50.0, 200.0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--store", type=Path, default=ROOT / "var" / "supplywatch.duckdb")
    args = ap.parse_args()
    if not args.store.exists():
        raise SystemExit(f"no store at {args.store}: run `make run` first")
    tmp = Path(tempfile.mkdtemp(prefix="sw-load-"))
    env = {
        **os.environ,
        "SUPPLYWATCH_DB_PATH": str(args.store),
        "SUPPLYWATCH_DATABASE_URL": f"sqlite:///{tmp / 'service.sqlite'}",
        "SUPPLYWATCH_SCHEDULER_ENABLED": "false",
    }
    token = _setup(env)
    port = _port()
    server = subprocess.Popen(
        [sys.executable, "-m", "supplywatch.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    h = {"Authorization": f"Bearer {token}"}
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        targets = {
            "healthz (baseline)": "/healthz",
            "screen KOR (top 50)": "/api/v1/screen?importer=KOR&limit=50",
            "alert board": "/api/v1/alerts?limit=50",
        }
        t = time.perf_counter()
        for path in targets.values():  # warm: the first screen runs the risk engine
            assert httpx.get(base + path, headers=h, timeout=120).status_code == 200
        print(
            f"warm-up (risk engine once, cached per store state): {time.perf_counter() - t:.1f} s"
        )
        results = []
        for rate in args.rates:
            base_p50 = None
            for name, path in targets.items():
                lat = asyncio.run(_run(base + path, h, rate, args.seconds))
                p50, p99 = _pct(lat, 0.50), _pct(lat, 0.99)
                base_p50 = base_p50 or p50
                results.append(
                    {
                        "rate": rate,
                        "endpoint": name,
                        "n": len(lat),
                        "p50_ms": p50,
                        "p99_ms": p99,
                        "p50_vs_baseline": p50 / base_p50,
                    }
                )
                print(
                    f"{rate:>5.0f} req/s  {name:<22} n={len(lat):>5}  p50 {p50:7.2f} ms  "
                    f"p99 {p99:8.2f} ms  p50 = {p50 / base_p50:5.2f}x baseline"
                )
        out = ROOT / "benchmarks" / "results" / "api_load.json"
        out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
