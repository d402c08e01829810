"""Latency of a stockpile plan through the service (POST /api/v1/plans, in-process ASGI
client) against the planner called directly with the same cached frames and levels (the
baseline, measured in the same run): what the service adds (sign-in, the organisation's
entries, storing the result, JSON) and what a first plan on a new past date costs (the levels'
history is computed once per date, then cached).

Needs `make run` (var/supplywatch.duckdb). Budgets and exchange rates are illustrative.
Usage: python benchmarks/bench_plan_api.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from supplywatch.api.app import create_app
from supplywatch.services import plan_stockpile
from supplywatch.settings import Settings
from supplywatch.workspace import Workspace
from timing import median_time  # benchmarks/timing.py (the script's own folder)

ROOT = Path(__file__).resolve().parents[1]
DEMO = {"budget_krw": 50e9, "budget_jpy": 5e9, "krw_per_usd": 1400.0, "jpy_per_usd": 150.0}
CASES = [
    (
        "3 materials, 2,000 paths",
        {"materials": ["natural_graphite", "niobium", "nickel"], "paths": 2000},
    ),
    ("all materials, 20,000 paths", {"paths": 20_000}),
    ("all materials, 200,000 paths", {"paths": 200_000}),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--store", type=Path, default=ROOT / "var" / "supplywatch.duckdb")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-plan-"))
    settings = Settings(
        db_path=args.store,
        database_url=f"sqlite:///{tmp / 's.sqlite'}",
        scheduler_enabled=False,
        clock_frozen_at=datetime(2026, 11, 24, 12, tzinfo=UTC),
    )
    ws = Workspace(settings)
    ws.create_user(None, "kr_analyst", "KR", "analyst", "bench-password-1")
    p = ws.login("kr_analyst", "bench-password-1", "bench")[2]
    headers = {"Authorization": f"Bearer {ws.create_token(p, 'bench')['token']}"}
    client = TestClient(create_app(settings, ws))
    today = ws.services.today()
    t = time.perf_counter()
    ws.evaluate()  # as after start-up
    print(f"start-up evaluation (levels read from the out layer): {time.perf_counter() - t:.1f} s")
    rows = []
    for name, extra in CASES:
        body = {**DEMO, **extra}

        def api(body: dict[str, Any] = body) -> None:
            r = client.post("/api/v1/plans", json=body, headers=headers)
            assert r.status_code == 201, r.text

        def direct(extra: dict[str, Any] = extra) -> None:
            plan_stockpile(ws.services, **DEMO, as_of=today, **extra)

        direct()  # warm (compiled kernel)
        t_direct, _ = median_time(direct, args.repeat)
        t_api, _ = median_time(api, args.repeat)
        rows.append({"case": name, "direct_s": t_direct, "api_s": t_api})
        print(f"{name}: planner {t_direct:.2f} s, API {t_api:.2f} s = {t_api / t_direct:.2f}x")
    past = {**DEMO, **CASES[0][1], "as_of": "2015-06-30"}
    t = time.perf_counter()
    r = client.post("/api/v1/plans", json=past, headers=headers)
    t_first = time.perf_counter() - t
    assert r.status_code == 201, r.text
    t_again, _ = median_time(lambda: client.post("/api/v1/plans", json=past, headers=headers), 1)
    print(
        f"new past date (2015-06-30), 3 materials: first {t_first:.1f} s (levels history), "
        f"again {t_again:.2f} s = {t_first / t_again:.0f}x"
    )
    out = ROOT / "benchmarks" / "results" / "plan_api.json"
    out.write_text(
        json.dumps(
            {
                "repeat": args.repeat,
                "cases": rows,
                "past_date_first_s": t_first,
                "past_date_again_s": t_again,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    client.close()
    ws.close()


if __name__ == "__main__":
    main()
