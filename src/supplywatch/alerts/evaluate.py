"""Composite score, level ladder with hysteresis, and the evidence behind each level.

The indicators are computed once by the engine (Ibis on DuckDB or Spark); this module picks,
for any date D, the rows known on D (available_date <= D; the WGI release published by D)
and scores them. Factors are 0..1 (1 = riskiest); a missing factor takes the ladder's neutral
value, is flagged, and lowers the confidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis
import numpy as np
import pandas as pd

from supplywatch.alerts.model import FACTORS, Ladder
from supplywatch.catalog.countries import BLOC_ID, BLOC_MEMBERS
from supplywatch.indicators import composite, production, signals, supply_risk, trade

IMPORTERS = ["KOR", "JPN", "BLOC"]
#: The core tables compute_frames reads (what an engine must be given).
INDICATOR_TABLES = (
    "core_baci__yearly_trade",
    "core_supplywatch__material_products",
    "core_wmd__yearly_production",
    "core_wgi__yearly_governance",
    "core_supplywatch__materials",
    "core_pinksheet__monthly_prices",
)


@dataclass
class Frames:
    """Indicator tables pulled from the engine (small: items x importers x years)."""

    dep: pd.DataFrame
    gov: pd.DataFrame
    prod: pd.DataFrame
    prices: pd.DataFrame
    materials: pd.DataFrame
    releases: pd.DataFrame
    supply_risk: pd.DataFrame
    consumption: pd.DataFrame


def compute_frames(
    con: Any, importers: list[str] | None = None, items: str = "materials"
) -> Frames:
    """Run every indicator on the engine ``con`` (an Ibis backend over the core tables).

    ``items``: "materials" (the catalog, each over its HS codes) or "hs" (every HS1992 code on
    its own, named by its description, linked to a WMD commodity where the map gives one).
    """
    imps = importers or IMPORTERS
    if items == "hs":
        flows = trade.code_flows(con.table("core_baci__yearly_trade"))
        materials = _hs_items(con)
    else:
        links = con.table("core_supplywatch__material_products").rename(item_id="material_id")
        flows = trade.item_flows(con.table("core_baci__yearly_trade"), links)
        materials = con.table("core_supplywatch__materials")
    imports = trade.importer_flows(flows, imps)
    dep = trade.screens(trade.dependence(imports), trade.item_exports(flows, imps))
    dep = signals.totals_changes(dep)
    wgi = con.table("core_wgi__yearly_governance")
    gov = composite.sourcing_governance(trade.supplier_shares(imports), wgi)
    conc = production.production_concentration(con.table("core_wmd__yearly_production"))
    prod = composite.material_production(materials, conc)
    prices = signals.price_signals(con.table("core_pinksheet__monthly_prices"))
    prices = prices.select(
        "commodity_name_wb",
        "period_start_date",
        "price_change_z",
        "price_nominal",
        "unit_code",
        "available_date",
    )
    releases = wgi.group_by("wgi_release_code").aggregate(vintage_date=wgi.vintage_date.max())
    sr, rel = _supply_risk(con, imps, dep, trade.supplier_shares(imports), materials, wgi)

    def pull(e: Any) -> pd.DataFrame:
        df = e.to_pyarrow().to_pandas()
        for c in df.columns:
            if c.endswith("_date"):
                df[c] = pd.to_datetime(df[c])
        return df

    return Frames(
        pull(dep),
        pull(gov),
        pull(prod),
        pull(prices),
        pull(
            materials.select(
                "material_id",
                "name_en",
                "name_ko",
                "name_ja",
                "eol_rir_share",
                "commodity_name_wmd",
            )
        ),
        pull(releases),
        pull(sr),
        pull(rel),
    )


def _hs_items(con: Any) -> Any:
    """HS1992 codes as items, shaped like core_supplywatch__materials."""
    p = con.table("core_hs__products")
    p = p.filter(p.hs_revision_code == "H0")
    c = con.table("core_wmd__commodities")
    c = c.filter(c.product_id_hs6.notnull())
    c = c.group_by("product_id_hs6").aggregate(
        commodity_name_wmd=c.commodity_name_wmd.min(), eol_rir_share=c.eol_rir_share.min()
    )
    j = p.left_join(c, "product_id_hs6")
    null = ibis.null().cast("string")
    return j.select(
        material_id=j.product_id_hs6,
        name_en=j.product_description,
        name_ko=null,
        name_ja=null,
        eol_rir_share=j.eol_rir_share,
        commodity_name_wmd=j.commodity_name_wmd,
    )


def _supply_risk(
    con: Any, imps: list[str], dep: Any, shares: Any, materials: Any, wgi: Any
) -> tuple[Any, Any]:
    """EU supply risk per (material, importer, year), and apparent consumption."""
    ps = production.production_shares(con.table("core_wmd__yearly_production"))
    m = materials.filter(materials.commodity_name_wmd.notnull()).select(
        "material_id", "commodity_name_wmd"
    )
    ps = ps.join(m, "commodity_name_wmd").rename(item_id="material_id")
    countries = [c for c in imps if c != BLOC_ID]
    mine = ps.filter(ps.country_id_iso3.isin(countries))
    dom = mine.select(
        "item_id", "ref_year", importer_id=mine.country_id_iso3, production_t=mine.production_t
    )
    if BLOC_ID in imps:
        b = ps.filter(ps.country_id_iso3.isin(list(BLOC_MEMBERS)))
        b = b.group_by(["item_id", "ref_year"]).aggregate(production_t=b.production_t.sum())
        dom = dom.union(
            b.select(
                "item_id",
                "ref_year",
                importer_id=ibis.literal(BLOC_ID),
                production_t=b.production_t,
            )
        )
    rel = supply_risk.apparent_consumption(
        dep.select("item_id", "importer_id", "ref_year", "import_qty_t", "available_date"),
        dep.select("item_id", "importer_id", "ref_year", "export_qty_t"),
        dom,
    )
    return supply_risk.supply_risk(shares, ps, materials, wgi, rel), rel


def _latest(df: pd.DataFrame, keys: list[str], when: pd.Timestamp, order: str) -> pd.DataFrame:
    known = df[df["available_date"] <= when]
    if known.empty:
        return known
    idx = known.groupby(keys, sort=False)[order].idxmax()
    return known.loc[idx.to_numpy()]


def _release(frames: Frames, when: pd.Timestamp) -> str:
    r = frames.releases.sort_values("vintage_date")
    published = r[r["vintage_date"] <= when]
    return str((published if not published.empty else r.head(1)).iloc[-1]["wgi_release_code"])


def factors_as_of(frames: Frames, when: date, ladder: Ladder) -> pd.DataFrame:
    """Per (item, importer): the factors known on ``when``, with their evidence columns.

    Items whose latest trade row is stale (older than ``max_trade_age_days`` after it became
    available) are left out: nothing current is known about them.
    """
    ts = pd.Timestamp(when)
    dep = _latest(frames.dep, ["item_id", "importer_id"], ts, "ref_year")
    dep = dep[(ts - dep["available_date"]).dt.days <= ladder.max_trade_age_days]
    if dep.empty:
        return pd.DataFrame()
    out = dep.rename(columns={"ref_year": "trade_year", "available_date": "trade_available_date"})
    gov = frames.gov[frames.gov["wgi_release_code"] == _release(frames, ts)]
    out = out.merge(
        gov.rename(columns={"ref_year": "trade_year"}),
        on=["item_id", "importer_id", "trade_year"],
        how="left",
        validate="1:1",
    )
    prod = _latest(frames.prod, ["item_id"], ts, "ref_year").rename(
        columns={"ref_year": "production_year", "available_date": "production_available_date"}
    )
    out = out.merge(prod, on="item_id", how="left", validate="m:1")
    out = out.merge(
        frames.materials.rename(columns={"material_id": "item_id"})[
            ["item_id", "eol_rir_share", "name_en"]
        ],
        on="item_id",
        how="left",
        validate="m:1",
    )
    out = out.merge(_price_factor(frames, ts, ladder), on="item_id", how="left", validate="m:1")
    f = pd.DataFrame(index=out.index)
    f["supplier_concentration"] = out["top_supplier_share"]
    f["sourcing_governance"] = out["sourcing_governance_hhi"]
    f["production_concentration"] = out["production_hhi"]
    f["recycling_gap"] = 1.0 - out["eol_rir_share"]
    drop = (1.0 - out["import_value_vs_mean3_ratio"]).clip(0, 1)
    surge = np.where(out["is_import_surge"].fillna(False).astype(bool), 0.5, 0.0)
    jump = (out["top_share_change"] * 5).clip(0, 1)
    f["import_dynamics"] = pd.concat([drop, pd.Series(surge, index=out.index), jump], axis=1).max(
        axis=1, skipna=True
    )
    f.loc[
        out["import_value_vs_mean3_ratio"].isna() & out["top_share_change"].isna(),
        "import_dynamics",
    ] = np.nan
    f["price_shock"] = out["price_factor"]
    f["screens"] = np.select(
        [out["is_absolute_dependence"].astype(bool), out["is_kita_screen"].astype(bool)],
        [1.0, 0.75],
        0.0,
    )
    immaterial = out["import_value_kusd"] < ladder.min_import_kusd
    f.loc[immaterial, ["supplier_concentration", "sourcing_governance", "screens"]] = 0.0
    out["is_immaterial_imports"] = immaterial
    for name in FACTORS:
        out[f"f_{name}"] = f[name].astype(float)
    out["as_of_date"] = ts
    return out.reset_index(drop=True)


def _price_factor(frames: Frames, ts: pd.Timestamp, ladder: Ladder) -> pd.DataFrame:
    rows = []
    known = frames.prices[frames.prices["available_date"] <= ts]
    for material, series in ladder.price_series.items():
        s = known[known["commodity_name_wb"] == series].sort_values("period_start_date").tail(3)
        z = s["price_change_z"].max() if not s.empty else np.nan
        rows.append(
            {
                "item_id": material,
                "price_series": series,
                "price_z_max3": z,
                "price_factor": np.nan if pd.isna(z) else float(np.clip(z / 4.0, 0, 1)),
                "price_month": s["period_start_date"].max() if not s.empty else pd.NaT,
            }
        )
    return pd.DataFrame(rows)


def score(factors: pd.DataFrame, ladder: Ladder) -> pd.DataFrame:
    """Add score (0-100), confidence (0-1), the main driver and the missing factors."""
    if factors.empty:
        return factors
    w = pd.Series(ladder.weights)
    vals = factors[[f"f_{n}" for n in FACTORS]].set_axis(list(FACTORS), axis=1)
    have = vals.notna()
    filled = vals.fillna(ladder.neutral)
    contrib = filled.mul(w, axis=1)
    out = factors.copy()
    out["score"] = 100.0 * contrib.sum(axis=1) / w.sum()
    out["confidence"] = have.mul(w, axis=1).sum(axis=1) / w.sum()
    out["main_driver"] = contrib.where(have, -1.0).idxmax(axis=1)
    out["missing_factors"] = have.apply(lambda r: ";".join(c for c in FACTORS if not r[c]), axis=1)
    return out


def level_of(score_value: float, previous: int, ladder: Ladder) -> int:
    """Ladder step (0 = none, 1..4) with hysteresis: stay while above the exit threshold."""
    entered = 0
    for i, lv in enumerate(ladder.levels, start=1):
        if score_value >= lv.entry:
            entered = i
    if entered >= previous:
        return entered
    if score_value >= ladder.levels[previous - 1].exit:
        return previous
    return entered


def timeline(frames: Frames, dates: list[date], ladder: Ladder) -> pd.DataFrame:
    """Scores and levels on each date (ascending), levels carried with hysteresis."""
    parts = [score(factors_as_of(frames, d, ladder), ladder) for d in sorted(set(dates))]
    allf = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    allf = allf.sort_values(["item_id", "importer_id", "as_of_date"]).reset_index(drop=True)
    levels = np.zeros(len(allf), dtype=int)
    prev_key, prev = None, 0
    for i, (key, s) in enumerate(
        zip(zip(allf["item_id"], allf["importer_id"], strict=True), allf["score"], strict=True)
    ):
        if key != prev_key:
            prev_key, prev = key, 0
        prev = level_of(float(s), prev, ladder)
        levels[i] = prev
    allf["level"] = levels
    return allf


def monthly_dates(start: date, end: date) -> list[date]:
    """First day of each month from ``start`` to ``end``."""
    return [d.date() for d in pd.date_range(start, end, freq="MS")]


def level_name(level: int, ladder: Ladder, lang: str = "ko") -> str:
    if level == 0:
        return "-"
    lv = ladder.levels[level - 1]
    return str(getattr(lv, lang))
