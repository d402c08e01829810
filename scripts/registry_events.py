"""Write the supply-measures registry's controls as an events CSV (the format of
shared/events/dev-events.csv), for the time-split back-test of the risk model.

Every control measure (not a relaxation, suspension or repeal) that became known between
--start and --end, one row each: announced = when it became known (publication, or first
report of a de-facto measure), effective = the earliest clause's effective date, imposer,
targets, commodity = the English names of its catalog materials (the back-test matches events
to items by name), the HS2022 codes of its clauses where printed, and the measure's first type
mapped to the events' vocabulary. The registry is also where the model's training labels come
from, so only events after the split's fit period are out of sample for the split fit.

Usage: python scripts/registry_events.py [--start 2019-01-01] [--end 2026-11-28]
       [--out docs/backtest-registry-events.csv]
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date
from pathlib import Path

from supplywatch.alerts.backtest import COLUMNS
from supplywatch.items import loader
from supplywatch.services import Services
from supplywatch.settings import Settings

TYPES = {
    "export_licence": "licence",
    "export_ban": "ban",
    "quota": "quota",
    "export_tax": "tax",
    "inspection": "inspection",
    "certification": "inspection",
    "de_facto_halt": "de-facto-halt",
    "technology_ban": "ban",
    "extraterritorial": "licence",
    "production_halt": "ban",
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--start", type=date.fromisoformat, default=date(2019, 1, 1))
    ap.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 28))
    ap.add_argument("--out", type=Path, default=Path("docs/backtest-registry-events.csv"))
    a = ap.parse_args()
    svc = Services(Settings())
    names = {m.material_id: m.names.en for m in loader.load_materials()}
    rows = []
    for m in svc.measures(as_of=a.end):
        known = date.fromisoformat(m["known_since"])
        if not m["is_control"] or not a.start <= known <= a.end:
            continue
        ctypes = [t for t in m["types"] if t in TYPES]
        if not ctypes:
            continue
        codes = sorted(
            {
                f"{c['hs6'][:4]}.{c['hs6'][4:]}"
                for cl in m["clauses"]
                for c in cl["codes"]
                if c.get("hs6") and c.get("hs_revision", "H6") == "H6"
            }
        )
        effs = sorted(
            str(cl["effective_date"])
            for cl in m["clauses"]
            if cl["effective_date"] and str(cl["effective_date"]) not in {"NaT", "None"}
        )
        targets = m["targets"]
        rows.append(
            {
                "event_id": m["measure_id"],
                "announced": known.isoformat(),
                "effective": effs[0] if effs else "n/a",
                "imposer": m["imposer_id_iso3"],
                "target": "ALL" if "ALL" in targets else ";".join(targets),
                "commodity": "; ".join(names[x] for x in m["materials"]),
                "hs6_codes": ";".join(codes) or "n/a",
                "measure": f"{TYPES[ctypes[0]]}: {m['legal_reference']}",
                "impact_note": "from the supplywatch measures registry (data/measures/)",
                "source": m["source_url"],
            }
        )
    rows.sort(key=lambda r: (r["announced"], r["event_id"]))
    with a.out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    sys.stdout.write(f"{len(rows)} events -> {a.out}\n")


if __name__ == "__main__":
    main()
