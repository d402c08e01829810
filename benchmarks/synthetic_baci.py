"""Generate a SYNTHETIC BACI-sized trade table, fitted to the real bundled subset.

Every value it writes is synthetic (for scale benchmarks only): the output file name and the
Parquet key-value metadata say so, and nothing in the product reads it. Fitted from the real
bundle (data/bundle/baci): the yearly row counts (scaled up), the marginal distributions of
exporters and importers, and log-normal fits of value (kUSD) and unit value (kUSD/t), with the
real share of rows without a quantity. Products are the 5,022 real HS1992 codes, drawn
uniformly. Keys are drawn independently, so about 1-2% of (year, exporter, importer, hs6) keys
repeat; the screen aggregates them like any other rows.

Usage:
    python benchmarks/synthetic_baci.py --rows 270000000 \
        --out var/synthetic/baci_SYNTHETIC.parquet
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "data" / "bundle" / "baci" / "baci_hs92_minerals_1995_2024.parquet"
CODES = ROOT / "data" / "bundle" / "baci" / "baci_product_codes_HS92_V202401b.csv"
SLOTS = 10_000  # resolution of the empirical country distributions


def fit(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Distributions of the real subset."""

    def slots(col: str) -> list[int]:
        rows = con.execute(
            f"SELECT {col}, count(*) FROM read_parquet('{REAL}') GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
        total = sum(n for _, n in rows)
        out: list[int] = []
        for code, n in rows:
            out += [int(code)] * max(1, round(SLOTS * n / total))
        return out[:SLOTS]

    years = con.execute(
        f"SELECT year, count(*) FROM read_parquet('{REAL}') GROUP BY 1 ORDER BY 1"
    ).fetchall()
    stats = con.execute(f"""
        SELECT avg(ln(value_kusd)), stddev(ln(value_kusd)),
               avg(ln(value_kusd / qty_t)) FILTER (WHERE qty_t > 0),
               stddev(ln(value_kusd / qty_t)) FILTER (WHERE qty_t > 0),
               avg((qty_t IS NULL)::INT)
        FROM read_parquet('{REAL}') WHERE value_kusd > 0""").fetchall()[0]
    codes = [
        r[0]
        for r in con.execute(
            f"SELECT code FROM read_csv('{CODES}', all_varchar=true) "
            "WHERE regexp_full_match(code, '[0-9]{6}')"
        ).fetchall()
    ]
    return {
        "exporters": slots("exporter"),
        "importers": slots("importer"),
        "years": years,
        "log_value": stats[:2],
        "log_unit_value": stats[2:4],
        "null_qty_share": stats[4],
        "codes": codes,
    }


def generate(rows: int, out: Path, threads: int = 2) -> dict[str, object]:
    """Write ``rows`` synthetic rows to ``out`` (Parquet, zstd)."""
    con = duckdb.connect(config={"threads": threads, "memory_limit": "16GB"})
    p = fit(con)
    yrs = p["years"]
    assert isinstance(yrs, list)
    total_real = sum(n for _, n in yrs)
    year_slots: list[int] = []
    for y, n in yrs:
        year_slots += [int(y)] * max(1, round(1000 * n / total_real))
    mu, sd = p["log_value"]  # type: ignore[misc]
    umu, usd = p["log_unit_value"]  # type: ignore[misc]
    codes = p["codes"]
    assert isinstance(codes, list)
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con.execute(f"""
        COPY (
          WITH r AS (
            SELECT i, random() AS u1, random() AS u2, random() AS u3, random() AS u4,
                   random() AS u5, random() AS u6, random() AS u7, random() AS u8
            FROM range({rows}) t(i))
          SELECT
            ({year_slots})[1 + floor(u1 * {len(year_slots)})::INT]::SMALLINT AS year,
            ({p["exporters"]})[1 + floor(u2 * {SLOTS})::INT]::SMALLINT AS exporter,
            ({p["importers"]})[1 + floor(u3 * {SLOTS})::INT]::SMALLINT AS importer,
            ({codes})[1 + floor(u4 * {len(codes)})::INT] AS hs6,
            exp({mu} + {sd} * sqrt(-2 * ln(1 - u5)) * cos(2 * pi() * u6)) AS value_kusd,
            CASE WHEN u8 < {p["null_qty_share"]} THEN NULL ELSE
              exp({mu} + {sd} * sqrt(-2 * ln(1 - u5)) * cos(2 * pi() * u6))
              / exp({umu} + {usd} * sqrt(-2 * ln(1 - u7)) * sin(2 * pi() * u6)) END AS qty_t
          FROM r)
        TO '{out}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000,
                    KV_METADATA {{synthetic: 'true', note: 'SYNTHETIC data fitted to the real
 BACI subset; for scale benchmarks only'}})""")
    meta = {
        "rows": rows,
        "seconds": round(time.perf_counter() - started, 1),
        "bytes": out.stat().st_size,
        "synthetic": True,
        "fitted_to": str(REAL.relative_to(ROOT)),
    }
    out.with_suffix(".json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return meta


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=270_000_000)
    ap.add_argument(
        "--out", type=Path, default=ROOT / "var" / "synthetic" / "baci_SYNTHETIC.parquet"
    )
    args = ap.parse_args()
    print(json.dumps(generate(args.rows, args.out)))


if __name__ == "__main__":
    main()
