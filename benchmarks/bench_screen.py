"""Benchmark: the full screen (every HS code x every importer x every year) on a table, against
one column scan of the same table, measured in the same run.

Default input: the real bundle store (var/supplywatch.duckdb). With --synthetic FILE, the
SYNTHETIC BACI-sized Parquet made by benchmarks/synthetic_baci.py (labelled synthetic in the
output). The screen is the product's own Ibis definitions (trade.code_flows, importer_flows,
dependence, item_exports, screens) with HS codes as items. Each engine run is a fresh process
that reports its wall time and peak RSS. --spark also runs the screen on Spark local and checks
that both engines give equal results.

Usage: python benchmarks/bench_screen.py [--synthetic FILE] [--spark]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, resource, sys, time, os
t0 = time.perf_counter()
import duckdb, ibis
from supplywatch.indicators import trade
mode, engine, src, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
codes = "data/bundle/baci/baci_country_codes_V202401b.csv"
core_sql = f'''
    SELECT 'H0' AS hs_revision_code, year::SMALLINT AS ref_year,
           e.country_iso3 AS exporter_id_iso3, i.country_iso3 AS importer_id_iso3,
           hs6 AS product_id_hs6, value_kusd, qty_t,
           make_date(year + 2, 1, 31) AS available_date
    FROM read_parquet('{src}') t
    JOIN read_csv('{codes}', all_varchar=true) e ON e.country_code::INT = t.exporter
    JOIN read_csv('{codes}', all_varchar=true) i ON i.country_code::INT = t.importer'''
if mode == "real":
    core_sql = "SELECT * FROM core_baci__yearly_trade"
if engine == "duckdb":
    con = duckdb.connect(src if mode == "real" else ":memory:", read_only=mode == "real",
                         config={"threads": 2, "memory_limit": "16GB",
                                 "preserve_insertion_order": False,
                                 "temp_directory": out + ".spill"})
    b = ibis.duckdb.from_connection(con)
    if mode != "real":
        con.execute(f"CREATE VIEW core_trade AS {core_sql}")
        tr = b.table("core_trade")
    else:
        tr = b.table("core_baci__yearly_trade")
else:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from supplywatch.store.spark_store import spark_session
    session = spark_session(master="local[2]")
    session.conf.set("spark.sql.shuffle.partitions", "64")
    if mode == "real":
        con = duckdb.connect(src, read_only=True)
        path = out + ".core.parquet"
        con.execute(f"COPY ({core_sql}) TO '{path}' (FORMAT parquet)")
    else:
        con = duckdb.connect()
        path = out + ".core.parquet"
        con.execute(f"COPY ({core_sql}) TO '{path}' (FORMAT parquet)")
    session.read.parquet(path).createOrReplaceTempView("core_trade")
    b = ibis.pyspark.connect(session)
    tr = b.table("core_trade")
importers = [r[0] for r in duckdb.sql(
    f"SELECT DISTINCT country_iso3 FROM read_csv('{codes}', all_varchar=true) "
    "WHERE country_iso3 IS NOT NULL").fetchall()] + ["BLOC"]
flows = trade.code_flows(tr)
scr = trade.screens(trade.dependence(trade.importer_flows(flows, importers)),
                    trade.item_exports(flows, importers))
t1 = time.perf_counter()
import pyarrow.parquet as pq
b.to_parquet(scr, out)  # written by the engine itself, never collected into Python
rows_out = pq.ParquetDataset(out).read(columns=["ref_year"]).num_rows
t2 = time.perf_counter()
scan = None
if engine == "duckdb":
    s0 = time.perf_counter()
    if mode == "real":
        con.execute("SELECT sum(value_kusd) FROM core_baci__yearly_trade").fetchall()
    else:
        con.execute(f"SELECT sum(value_kusd) FROM read_parquet('{src}')").fetchall()
    scan = time.perf_counter() - s0
print(json.dumps({"screen_s": t2 - t1, "total_s": t2 - t0, "rows_out": rows_out,
                  "scan_s": scan,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _child(mode: str, engine: str, src: str, out: str) -> dict[str, float]:
    r = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, engine, src, out],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if r.returncode != 0:
        raise SystemExit(r.stderr[-3000:])
    return dict(json.loads(r.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--synthetic", type=Path)
    ap.add_argument("--store", type=Path, default=ROOT / "var" / "supplywatch.duckdb")
    ap.add_argument("--spark", action="store_true")
    ap.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    mode, src = ("synthetic", str(args.synthetic)) if args.synthetic else ("real", str(args.store))
    label = "SYNTHETIC " if args.synthetic else "real bundle "
    duck = _child(mode, "duckdb", src, str(args.workdir / "screen_duckdb.parquet"))
    print(
        f"{label}screen on DuckDB: {duck['screen_s']:.2f} s (process total "
        f"{duck['total_s']:.2f} s), {duck['rows_out']} screen rows, peak RSS "
        f"{duck['peak_mb']:.0f} MB"
    )
    print(
        f"{label}one column scan (sum of value_kusd): {duck['scan_s']:.2f} s; "
        f"ratio screen/scan = {duck['screen_s'] / duck['scan_s']:.2f}x"
    )
    if args.spark:
        spark = _child(mode, "spark", src, str(args.workdir / "screen_spark.parquet"))
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        key = ["item_id", "importer_id", "ref_year"]
        a = pq.read_table(args.workdir / "screen_duckdb.parquet").sort_by(
            [(k, "ascending") for k in key]
        )
        b = pq.read_table(args.workdir / "screen_spark.parquet").sort_by(
            [(k, "ascending") for k in key]
        )
        b = b.select(a.column_names)
        same = a.num_rows == b.num_rows and all(
            (
                pc.all(
                    pc.less_equal(
                        pc.abs(pc.subtract(a[c], b[c])), 1e-6 * pc.max(pc.abs(a[c])).as_py() + 1e-9
                    )
                ).as_py()
                is not False
            )
            if a.schema.field(c).type in ("double",)
            else a[c].equals(b[c])
            for c in a.column_names
        )
        print(
            f"{label}screen on Spark local[2]: {spark['screen_s']:.2f} s (process total "
            f"{spark['total_s']:.2f} s), peak RSS of the driver {spark['peak_mb']:.0f} MB; "
            f"equal to DuckDB: {same}; Spark/DuckDB = "
            f"{spark['screen_s'] / duck['screen_s']:.1f}x"
        )


if __name__ == "__main__":
    main()
