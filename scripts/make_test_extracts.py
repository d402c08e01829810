"""Build tests/data/<source>/: tiny REAL extracts of the bundled files (rows kept unchanged).

Usage: python scripts/make_test_extracts.py
The selection is declared below; README.md in tests/data records it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "data" / "bundle"
OUT = ROOT / "tests" / "data"

HS6 = ("280530", "284610", "284690", "811230", "250410", "310210", "811292", "811291")
BACI_HS6 = ("280530", "284610", "284690", "811230")
COUNTRIES = ("CHN", "KOR", "JPN", "USA", "AUS", "MMR", "GUY", "GUF", "VNM", "DEU")
WMD = ("Rare Earths (REO)", "Germanium", "Graphite", "Gold")
PRICES = ("Urea", "Phosphate rock", "Nickel")


def _filter_csv(src: Path, dst: Path, keep: Callable[[dict[str, str]], bool]) -> int:
    dst.parent.mkdir(parents=True, exist_ok=True)
    with (
        src.open(newline="", encoding="utf-8-sig") as fi,
        dst.open("w", newline="", encoding="utf-8") as fo,
    ):
        reader = csv.DictReader(fi)
        assert reader.fieldnames is not None
        writer = csv.DictWriter(fo, fieldnames=reader.fieldnames, lineterminator="\n")
        writer.writeheader()
        n = 0
        for row in reader:
            if keep(row):
                writer.writerow(row)
                n += 1
    return n


def _catalog_codes(hs: Path) -> set[str]:
    """The HS6 codes the item catalog needs: its HS2022 (and pinned) codes and the codes reached
    by walking the concordance back one revision at a time, as the loader does."""
    import yaml

    materials = yaml.safe_load(
        (ROOT / "src/supplywatch/items/data/materials.yaml").read_text(encoding="utf-8")
    )
    current = set(HS6)
    pinned: set[str] = set()
    for m in materials:
        for h in m.get("hs2022", []):
            current.add(h["code"])
            for codes in h.get("pinned", {}).values():
                pinned.update(codes)
    with (hs / "HS_consolidated_comtrade_concordances.csv").open(encoding="utf-8") as fh:
        steps: dict[str, list[tuple[str, str]]] = {}
        for r in csv.DictReader(fh):
            steps.setdefault(r["adjustment"], []).append(
                (r["code.after"].zfill(6), r["code.before"].zfill(6))
            )
    needed = set(current) | pinned
    for step in (
        "2022 to 2017",
        "2017 to 2012",
        "2012 to 2007",
        "2007 to 2002",
        "2002 to 1996",
        "1996 to 1992",
    ):
        current = {b for a, b in steps[step] if a in current} | pinned
        needed |= current
    return needed


def main() -> None:
    hs = BUNDLE / "hs"
    needed = _catalog_codes(hs)
    _filter_csv(
        hs / "comtrade_hs_products_H0_H6.csv",
        OUT / "hs/comtrade_hs_products_H0_H6.csv",
        lambda r: r["id"] in needed,
    )
    _filter_csv(
        hs / "HS_consolidated_comtrade_concordances.csv",
        OUT / "hs/HS_consolidated_comtrade_concordances.csv",
        lambda r: (
            r["code.after"].zfill(6) in needed
            and r["code.before"].zfill(6) in needed
            and int(r["adjustment"].split(" to ")[1]) >= 1992
        ),
    )
    _filter_csv(
        hs / "harmonized-system.csv",
        OUT / "hs/harmonized-system.csv",
        lambda r: r["hscode"] in needed,
    )
    _filter_csv(hs / "sections.csv", OUT / "hs/sections.csv", lambda _row: True)
    baci = BUNDLE / "baci"
    _filter_csv(
        baci / "baci_country_codes_V202401b.csv",
        OUT / "baci/baci_country_codes_V202401b.csv",
        lambda _row: True,
    )
    _filter_csv(
        baci / "baci_product_codes_HS92_V202401b.csv",
        OUT / "baci/baci_product_codes_HS92_V202401b.csv",
        lambda r: r["code"] in HS6,
    )
    codes = ", ".join(f"'{c}'" for c in BACI_HS6)
    duckdb.sql(f"""
        COPY (SELECT * FROM read_parquet('{baci / "baci_hs92_minerals_1995_2024.parquet"}')
              WHERE importer IN (392, 410) AND exporter IN (156, 840, 36, 104, 704)
                AND hs6 IN ({codes}) AND year BETWEEN 2019 AND 2024
              ORDER BY year, exporter, importer, hs6)
        TO '{OUT / "baci/baci_hs92_minerals_1995_2024.parquet"}' (FORMAT parquet)""")
    wmd = BUNDLE / "wmd"
    _filter_csv(wmd / "wmd_country_iso.csv", OUT / "wmd/wmd_country_iso.csv", lambda _row: True)
    _filter_csv(
        wmd / "wmd_production_2018_2024.csv",
        OUT / "wmd/wmd_production_2018_2024.csv",
        lambda r: r["commodity"] in WMD and (r["iso3"] in COUNTRIES or r["iso3"] == "DELETE"),
    )
    _filter_csv(
        wmd / "wmd_hs_code_map_eolrir2023.csv",
        OUT / "wmd/wmd_hs_code_map_eolrir2023.csv",
        lambda r: r["Sheet_name"] in WMD,
    )
    wgi = BUNDLE / "wgi"
    _filter_csv(
        wgi / "wgi_1996_2023_long.csv",
        OUT / "wgi/wgi_1996_2023_long.csv",
        lambda r: r["iso3"] in COUNTRIES and int(r["year"]) >= 2015,
    )
    _filter_csv(
        wgi / "wgi_political_stability_1996_2024.csv",
        OUT / "wgi/wgi_political_stability_1996_2024.csv",
        lambda r: r["iso3"] in COUNTRIES,
    )
    _filter_csv(
        BUNDLE / "pinksheet/pinksheet_monthly_prices_long.csv",
        OUT / "pinksheet/pinksheet_monthly_prices_long.csv",
        lambda r: r["commodity"] in PRICES and r["date"] >= "2019-01-01",
    )


if __name__ == "__main__":
    main()
