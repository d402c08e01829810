"""Benchmark: full ingest of the bundled snapshot, against a plain DuckDB copy of the same files.

Each run is a fresh process and a fresh store; the child reports its wall time and peak
resident memory. The baseline loads the same files with DuckDB's own readers and no checks
(no header/type/constraint/code/key validation, no core tables, no provenance), measured in the
same run, so the ratio shows what validation and the raw->core build cost.

Usage: python benchmarks/bench_ingest.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_OURS = """
import json, resource, sys, time
from datetime import datetime, UTC
from pathlib import Path
t0 = time.perf_counter()
from supplywatch.pipeline.bundle import ingest_bundle
from supplywatch.store.duckdb_store import connect
con = connect(Path(sys.argv[1]))
results = ingest_bundle(con, Path(sys.argv[2]), now=datetime(2026, 11, 24, 12, tzinfo=UTC))
con.close()
rows = sum(sum(r.rows.values()) for r in results)
out = [r for r in results if r.source == "out"]
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": rows,
                  "out_seconds": out[0].seconds if out else 0.0,
                  "out_rows": sum(out[0].rows.values()) if out else 0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_BASELINE = """
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
import duckdb
con = duckdb.connect(sys.argv[1])
rows = 0
for i, f in enumerate(sorted(Path(sys.argv[2]).rglob("*"))):
    if f.suffix == ".parquet":
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_parquet('{f}')")
    elif f.suffix == ".csv" and "description" not in f.name:
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv('{f}', all_varchar=true)")
    else:
        continue
    rows += con.execute(f"SELECT count(*) FROM t{i}").fetchall()[0][0]
con.close()
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": rows,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(script: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as d:
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                script,
                str(Path(d) / "b.duckdb"),
                str(ROOT / "data" / "bundle"),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"baseline": [], "ours": []}
    for _ in range(args.repeat):  # interleaved, so drift hits both alike
        runs["baseline"].append(_run(_BASELINE))
        runs["ours"].append(_run(_OURS))
    med = {
        k: {
            m: statistics.median(r.get(m, 0.0) for r in v)
            for m in ("seconds", "peak_mb", "rows", "out_seconds", "out_rows")
        }
        for k, v in runs.items()
    }
    print(f"{'':38} {'median s':>9} {'peak MB':>9} {'rows':>10}")
    print(
        f"{'plain DuckDB copy of the files':38} {med['baseline']['seconds']:9.2f} "
        f"{med['baseline']['peak_mb']:9.0f} {med['baseline']['rows']:10.0f}"
    )
    print(
        f"{'supplywatch ingest (raw+core+out)':38} {med['ours']['seconds']:9.2f} "
        f"{med['ours']['peak_mb']:9.0f} {med['ours']['rows']:10.0f}"
    )
    time_ratio = med["ours"]["seconds"] / med["baseline"]["seconds"]
    mem_ratio = med["ours"]["peak_mb"] / med["baseline"]["peak_mb"]
    print(
        f"of which the out layer (indicators, scoring every date, checks, write): "
        f"{med['ours']['out_seconds']:.2f} s for {med['ours']['out_rows']:.0f} rows "
        f"({100 * med['ours']['out_seconds'] / med['ours']['seconds']:.0f}% of the ingest)"
    )
    print(
        f"ratio ingest / plain copy: time {time_ratio:.2f}x, peak memory {mem_ratio:.2f}x"
        f" (runs: {args.repeat}; all times: "
        f"{[round(r['seconds'], 2) for r in runs['ours']]})"
    )


if __name__ == "__main__":
    main()
