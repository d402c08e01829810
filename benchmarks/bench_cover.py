"""Days of cover against the size of an organisation's stock history (issue #13, finding 9:
with 120k entries, days of cover took about 3 s for every organisation).

The history is SYNTHETIC (generated here, labelled so in every output): N stock entries of
one organisation over the catalog's items, the three holders and dates 2015..2026; the
store's public figures (consumption, levels) are the real bundle's. Measured in the same run:

- baseline: the reader before this change (every entry of the organisation loaded as an ORM
  object, filtered in Python);
- now: the rows known on the date chosen by the database and read as tuples
  (``StocksMixin._stock_levels``); both give the same levels (checked here).

Needs `make run` (var/supplywatch.duckdb). Usage: python benchmarks/bench_cover.py
[--sizes 10000,50000,120000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert, select

from supplywatch.planning import cover as cov
from supplywatch.planning.cover import HOLDERS
from supplywatch.settings import Settings
from supplywatch.state.models import StockEntry
from supplywatch.workspace import Workspace
from supplywatch.workspace.base import _aware
from timing import median_time  # benchmarks/timing.py (the script's own folder)

ROOT = Path(__file__).resolve().parents[1]
WHEN = date(2026, 11, 24)
PAST = date(2019, 6, 30)  # a past date: fewer entries known


def _old_levels(ws: Workspace, org: str, when: date) -> dict[tuple[str, str, str], float]:
    """The reader before: every entry as an object, the point-in-time rule in Python."""
    with ws.sessions() as s:
        recs = [
            cov.StockRecord(
                e.org_code, e.item_id, e.holder, e.quantity_t, e.as_of_date, _aware(e.entered_at)
            )
            for e in s.scalars(select(StockEntry).where(StockEntry.org_code.in_((org,))))
        ]
    return cov.latest_stocks(recs, when)


def _new_levels(ws: Workspace, org: str, when: date) -> dict[tuple[str, str, str], float]:
    with ws.sessions() as s:
        return ws._stock_levels(s, (org,), when)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,50000,120000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--store", type=Path, default=ROOT / "var" / "supplywatch.duckdb")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-cover-"))
    settings = Settings(
        db_path=args.store,
        database_url=f"sqlite:///{tmp / 's.sqlite'}",
        scheduler_enabled=False,
        clock_frozen_at=datetime(2026, 11, 24, 12, tzinfo=UTC),
        secret_key_file=tmp / "secret.key",
    )
    ws = Workspace(settings)
    ws.create_user(None, "kr_analyst", "KR", "analyst", "bench-password-1")
    p = ws.login("kr_analyst", "bench-password-1", "bench")[2]
    items = sorted(i.material_id for i in ws.services.items(None))
    rng = random.Random(1)
    rows = []
    for n in (int(x) for x in args.sizes.split(",")):
        with ws.sessions() as s:
            s.execute(delete(StockEntry))
            t0 = datetime(2015, 1, 1, tzinfo=UTC)
            batch = []
            for k in range(n):
                d = date(2015, 1, 1) + timedelta(days=rng.randrange(0, 4400))
                batch.append(
                    {
                        "org_code": "KR",
                        "item_id": rng.choice(items),
                        "holder": rng.choice(HOLDERS),
                        "quantity_t": round(rng.uniform(0, 5000), 1),
                        "as_of_date": d,
                        "source": "api",
                        "note": "SYNTHETIC benchmark entry",
                        "entered_by": "kr_analyst",
                        "entered_at": t0 + timedelta(days=(d - date(2015, 1, 1)).days, seconds=k),
                    }
                )
            s.execute(insert(StockEntry), batch)
            s.commit()
        same = _old_levels(ws, "KR", WHEN) == _new_levels(ws, "KR", WHEN)
        same_past = _old_levels(ws, "KR", PAST) == _new_levels(ws, "KR", PAST)
        t_old, _ = median_time(lambda: _old_levels(ws, "KR", WHEN), args.repeat)
        t_new, _ = median_time(lambda: _new_levels(ws, "KR", WHEN), args.repeat)
        t_old_past, _ = median_time(lambda: _old_levels(ws, "KR", PAST), args.repeat)
        t_new_past, _ = median_time(lambda: _new_levels(ws, "KR", PAST), args.repeat)
        t_cover, _ = median_time(lambda: ws.cover(p, "KOR", WHEN), args.repeat)
        row = {
            "entries": n,
            "synthetic": True,
            "same_levels": same and same_past,
            "levels_before_s": t_old,
            "levels_now_s": t_new,
            "levels_before_2019_s": t_old_past,
            "levels_now_2019_s": t_new_past,
            "cover_request_now_s": t_cover,
        }
        rows.append(row)
        print(
            f"SYNTHETIC history of {n:,} entries: levels as of {WHEN} before {t_old:.3f} s, "
            f"now {t_new:.3f} s = {t_old / t_new:.1f}x; as of {PAST} before "
            f"{t_old_past:.3f} s, now {t_new_past:.3f} s = {t_old_past / t_new_past:.1f}x; "
            f"days of cover (KOR) now {t_cover:.3f} s; same levels: {row['same_levels']}"
        )
    out = ROOT / "benchmarks" / "results" / "cover.json"
    out.write_text(json.dumps({"synthetic": True, "rows": rows}, indent=2) + "\n", "utf-8")
    ws.close()


if __name__ == "__main__":
    main()
