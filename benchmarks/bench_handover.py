"""What analysts hand on (issue #14), timed against baselines measured in the same run:

- the weekly briefing (KOR, as of 2026-11-24): computing its contents against the risk screen
  alone (its main read), and the PDF against the HTML it is rendered from;
- exports: the screen list as xlsx against the same list as CSV, and through the API
  (GET /screen?format=xlsx) against the JSON answer;
- the stockpile plan for the agencies' lists at the issue's budgets and at 20x, its expected
  unserved value against the agencies' own rule and uniform days of cover at equal budget
  (Monte Carlo, same seed), and the plausibility guards that bind.

Needs `make run` (var/supplywatch.duckdb). Budgets and exchange rates are illustrative.
Usage: python benchmarks/bench_handover.py [--repeat 3] [--paths 20000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from supplywatch.api.app import create_app
from supplywatch.reports import exports as rx
from supplywatch.reports.briefing import pdf_bytes, render_html
from supplywatch.services import plan_stockpile
from supplywatch.services.briefing import briefing_data
from supplywatch.settings import Settings
from supplywatch.workspace import Workspace
from timing import median_time  # benchmarks/timing.py (the script's own folder)

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2026, 11, 24)
DEMO = {"budget_krw": 50e9, "budget_jpy": 5e9, "krw_per_usd": 1400.0, "jpy_per_usd": 150.0}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--paths", type=int, default=20_000)
    ap.add_argument("--store", type=Path, default=ROOT / "var" / "supplywatch.duckdb")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-handover-"))
    settings = Settings(
        db_path=args.store,
        database_url=f"sqlite:///{tmp / 's.sqlite'}",
        scheduler_enabled=False,
        clock_frozen_at=datetime(2026, 11, 24, 12, tzinfo=UTC),
    )
    ws = Workspace(settings)
    svc = ws.services
    out: dict[str, Any] = {"repeat": args.repeat, "paths": args.paths}

    # --- briefing ---------------------------------------------------------------------------
    svc.screen("KOR", DAY)  # warm
    t_screen, _ = median_time(lambda: svc.screen("KOR", DAY), args.repeat)
    t_data, data = median_time(lambda: briefing_data(svc, "KOR", DAY), args.repeat)
    t_html, html = median_time(lambda: render_html(data, "ko"), args.repeat)
    t_pdf, pdf = median_time(lambda: pdf_bytes(html), args.repeat)
    out["briefing"] = {
        "screen_s": t_screen,
        "data_s": t_data,
        "html_s": t_html,
        "pdf_s": t_pdf,
        "cards": len(data["cards"]),
        "html_bytes": len(html.encode()),
        "pdf_bytes": len(pdf),
    }
    print(
        f"briefing KOR {DAY}: contents {t_data:.2f} s vs screen {t_screen:.2f} s = "
        f"{t_data / t_screen:.1f}x; HTML {t_html * 1000:.0f} ms, PDF {t_pdf:.2f} s = "
        f"{t_pdf / t_html:.0f}x the HTML ({len(data['cards'])} cards, {len(pdf) / 1e6:.2f} MB)"
    )

    # --- exports ----------------------------------------------------------------------------
    rows = svc.screen("KOR", DAY)
    t_csv, csv = median_time(lambda: rx.to_csv(rows), args.repeat)
    t_xlsx, xlsx = median_time(
        lambda: rx.to_xlsx(rows, {"table": "screen"}, [s.as_dict() for s in svc.status()]),
        args.repeat,
    )
    ws.create_user(None, "kr_analyst", "KR", "analyst", "bench-password-1")
    p = ws.login("kr_analyst", "bench-password-1", "bench")[2]
    headers = {"Authorization": f"Bearer {ws.create_token(p, 'bench')['token']}"}
    client = TestClient(create_app(settings, ws))
    url = "/api/v1/screen?importer=KOR&limit=500&as_of=2026-11-24"
    client.get(url, headers=headers)  # warm the cache
    t_json, _ = median_time(lambda: client.get(url, headers=headers), args.repeat)
    t_api_xlsx, r = median_time(
        lambda: client.get(url + "&format=xlsx", headers=headers), args.repeat
    )
    assert r.status_code == 200, r.text
    out["exports"] = {
        "rows": len(rows),
        "columns": len(rx.flatten(rows)[0]),
        "csv_s": t_csv,
        "xlsx_s": t_xlsx,
        "api_json_s": t_json,
        "api_xlsx_s": t_api_xlsx,
        "csv_bytes": len(csv),
        "xlsx_bytes": len(xlsx),
    }
    print(
        f"export of the screen ({len(rows)} rows): xlsx {t_xlsx * 1000:.0f} ms vs CSV "
        f"{t_csv * 1000:.1f} ms = {t_xlsx / t_csv:.0f}x; API xlsx {t_api_xlsx * 1000:.0f} ms vs "
        f"JSON {t_json * 1000:.0f} ms = {t_api_xlsx / t_json:.1f}x"
    )

    # --- the plan for the agencies' lists ---------------------------------------------------
    plans = []
    for scale in (1, 20):
        budget = {
            **DEMO,
            "budget_krw": DEMO["budget_krw"] * scale,
            "budget_jpy": DEMO["budget_jpy"] * scale,
        }
        t_plan, res = median_time(
            lambda budget=budget: plan_stockpile(svc, **budget, as_of=DAY, paths=args.paths), 1
        )
        mc = res["monte_carlo"]["expected_unserved_usd"]
        row = {
            "budget_scale": scale,
            "seconds": t_plan,
            "units": len(res["materials"]),
            "skipped": len(res["skipped"]),
            "mc_unserved_usd": mc,
            "lp_objective_usd": {
                "plan": res["plan"]["objective_usd"],
                "agency_rule": res["baselines"]["agency_rule"]["objective_usd"],
                "uniform_days": res["baselines"]["uniform_days"]["objective_usd"],
            },
            "uniform_days": res["baselines"]["uniform_days"]["days"],
            "guard_flags": [g["unit_id"] for g in res["guard_flags"]],
            "largest_share_of_spend": max(
                (
                    sum(m["target_t"][h] - m["existing_t"][h] for h in ("KR", "JP", "POOL"))
                    * m["unit_value_usd_per_t"]
                    / max(1.0, sum(res["plan"]["spend_usd"].values())),
                    m["material_id"],
                )
                for m in res["materials"]
            ),
        }
        plans.append(row)
        print(
            f"plan x{scale} ({row['units']} units, {row['skipped']} skipped, {t_plan:.1f} s): "
            f"MC unserved plan {mc['plan']:,.0f} vs agencies' rule {mc['agency_rule']:,.0f} "
            f"({mc['agency_rule'] / max(mc['plan'], 1):.2f}x) vs uniform days "
            f"{mc['uniform_days']:,.0f} ({mc['uniform_days'] / max(mc['plan'], 1):.2f}x); "
            f"at a guard: {row['guard_flags'] or 'none'}; largest share of spend "
            f"{row['largest_share_of_spend'][0]:.0%} ({row['largest_share_of_spend'][1]})"
        )
    out["plans"] = plans
    dest = ROOT / "benchmarks" / "results" / "handover.json"
    dest.write_text(json.dumps(out, indent=2, default=str) + "\n", encoding="utf-8")
    client.close()
    ws.close()


if __name__ == "__main__":
    main()
