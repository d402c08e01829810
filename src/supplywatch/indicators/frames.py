"""Run every indicator on an engine and pull the results as small pandas frames.

The indicator definitions are Ibis expressions (this package), so the same code runs on DuckDB
and on Spark; what comes back is small (items x importers x years) and feeds the out layer's
build (pipeline/out.py) and the engines' equality test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from supplywatch.catalog.importers import BLOC_ID, BLOC_MEMBERS, SERVICE_IMPORTER_IDS
from supplywatch.catalog.tables import TABLES
from supplywatch.indicators import composite, monthly, production, signals, supply_risk, trade

#: The core tables compute_frames reads (what an engine must be given).
INDICATOR_TABLES = (
    "core_baci__yearly_trade",
    "core_supplywatch__material_products",
    "core_wmd__yearly_production",
    "core_wgi__yearly_governance",
    "core_supplywatch__materials",
    "core_pinksheet__monthly_prices",
    "core_hs__products",
    "core_wmd__commodities",
    "core_customs__trade_flows",
    "core_measures__measures",
    "core_measures__clauses",
    "core_measures__clause_materials",
    "core_measures__status_events",
)
ITEM_KINDS = ("material", "hs6")


@dataclass
class Frames:
    """Indicator tables pulled from the engine for one kind of item."""

    kind: str
    dep: pd.DataFrame  # item x importer x year (with apparent consumption)
    shares: pd.DataFrame  # item x importer x year x supplier
    stages: pd.DataFrame  # item x importer x year x value-chain stage
    gov: pd.DataFrame  # WGI release x item x importer x year
    prod: pd.DataFrame  # item x year (world production concentration)
    prices: pd.DataFrame  # Pink Sheet series x month (price signals)
    items: pd.DataFrame  # the items: item_id, names, eol_rir_share, commodity_name_wmd
    releases: pd.DataFrame  # WGI release x vintage date
    supply_risk: pd.DataFrame  # EU 2017 supply risk per item x importer x year
    coverage: pd.DataFrame  # item x HS code: stage, sharing, years with data
    importers: list[str]  # the importers asked for (some may have no trade at all)
    hs2022: dict[str, list[str]]  # item -> its HS2022 codes (what a fetch would ask for)
    prod_shares: pd.DataFrame  # item x year x producing country: share of world production
    measure_clauses: pd.DataFrame  # registry clause x material, with its measure's fields
    measure_events: pd.DataFrame  # registry status changes (suspended from/to, lifted, ...)
    monthly: pd.DataFrame  # monthly trade signals per vintage x item x importer x supplier
    export_shares: pd.DataFrame  # item x year x exporter: share of world exports (BACI)


def _pull(e: Any) -> pd.DataFrame:
    df = e.to_pyarrow().to_pandas()
    for c in df.columns:
        if c.endswith("_date"):
            df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
    return df


def compute_frames(con: Any, importers: list[str] | None = None, items: str = "material") -> Frames:
    """Every indicator on the engine ``con`` (an Ibis backend over the core tables).

    ``items``: "material" (the catalog, each over its HS codes) or "hs6" (every HS1992 code
    with trade data on its own, named by its description).
    """
    if items not in ITEM_KINDS:
        raise ValueError(f"unknown item kind {items!r}")
    imps = importers or list(SERVICE_IMPORTER_IDS)
    trade_t = con.table("core_baci__yearly_trade")
    links_all = con.table("core_supplywatch__material_products")
    if items == "hs6":
        flows = trade.code_flows(trade_t)
        item_t = _hs_items(con)
        links = None
    else:
        links = links_all.rename(item_id="material_id")
        flows = trade.with_customs(
            trade.item_flows(trade_t, links),
            trade.customs_item_flows(con.table("core_customs__trade_flows"), links),
        )
        m = con.table("core_supplywatch__materials")
        item_t = m.select(
            item_id=m.material_id,
            name_en=m.name_en,
            name_ko=m.name_ko,
            name_ja=m.name_ja,
            eol_rir_share=m.eol_rir_share,
            commodity_name_wmd=m.commodity_name_wmd,
        )
    imports = trade.importer_flows(flows, imps)
    shares = trade.supplier_shares(imports)
    dep = trade.screens(trade.dependence(imports), trade.item_exports(flows, imps))
    dep = signals.totals_changes(dep)
    wgi = con.table("core_wgi__yearly_governance")
    gov = composite.sourcing_governance(shares, wgi)
    conc = production.production_concentration(con.table("core_wmd__yearly_production"))
    prod = composite.material_production(item_t.rename(material_id="item_id"), conc)
    prices = signals.price_signals(con.table("core_pinksheet__monthly_prices")).select(
        "commodity_name_wb",
        "period_start_date",
        "price_change_z",
        "price_nominal",
        "unit_code",
        "available_date",
    )
    releases = wgi.group_by("wgi_release_code").aggregate(vintage_date=wgi.vintage_date.max())
    sr, rel = _supply_risk(con, imps, dep, shares, item_t, wgi)
    # Stages are those of a material's codes; an HS code as item is its own stage.
    stages = None if links is None else trade.stage_imports(trade_t, links, imps)
    dep_df = _pull(dep).merge(
        _pull(rel)[
            [
                "item_id",
                "importer_id",
                "ref_year",
                "domestic_production_t",
                "apparent_consumption_t",
                "import_reliance",
            ]
        ].rename(columns={"import_reliance": "import_reliance_share"}),
        on=["item_id", "importer_id", "ref_year"],
        how="left",
        validate="1:1",
    )
    items_df = _pull(item_t)
    links_df = _pull(links_all)
    return Frames(
        kind=items,
        dep=dep_df,
        shares=_pull(
            shares.select(
                "item_id",
                "importer_id",
                "ref_year",
                "exporter_id_iso3",
                "value_kusd",
                "qty_t",
                "supplier_share",
                "available_date",
            )
        ),
        stages=pd.DataFrame() if stages is None else _pull(stages),
        gov=_pull(gov),
        prod=_pull(prod),
        prices=_pull(prices),
        items=items_df,
        releases=_pull(releases),
        supply_risk=_pull(sr),
        coverage=_coverage(_pull(trade.code_years(trade_t)), links_df, items),
        importers=imps,
        hs2022=_hs2022(links_df, items_df, items),
        prod_shares=_pull(_production_shares(con, item_t)),
        measure_clauses=_measure_clauses(con, items),
        measure_events=_pull(con.table("core_measures__status_events"))
        if items == "material"
        else pd.DataFrame(),
        monthly=_monthly(con, links, imps, shares) if links is not None else _no_monthly(),
        export_shares=_pull(trade.world_export_shares(trade.item_flows(trade_t, links)))
        if links is not None
        else pd.DataFrame(),
    )


def _no_monthly() -> pd.DataFrame:
    return pd.DataFrame(columns=monthly.SIGNAL_COLUMNS)


def _monthly(con: Any, links: Any, imps: list[str], shares: Any) -> pd.DataFrame:
    """Monthly trade signals of the catalog materials (indicators/monthly.py), point in time."""
    flows = _pull(monthly.item_monthly_flows(con.table("core_customs__trade_flows"), links, imps))
    if flows.empty:
        return _no_monthly()
    annual = _pull(
        shares.select(
            "item_id",
            "importer_id",
            "ref_year",
            "exporter_id_iso3",
            "supplier_share",
            "available_date",
        )
    )
    return monthly.signals(flows, imps, annual)


def _hs_items(con: Any) -> Any:
    """HS1992 codes with trade data as items, shaped like the materials."""
    t = con.table("core_baci__yearly_trade")
    codes = t.filter(t.hs_revision_code == "H0").select("product_id_hs6").distinct()
    p = con.table("core_hs__products")
    p = p.filter(p.hs_revision_code == "H0").select("product_id_hs6", "product_description")
    c = con.table("core_wmd__commodities")
    c = c.filter(c.product_id_hs6.notnull())
    c = c.group_by("product_id_hs6").aggregate(
        commodity_name_wmd=c.commodity_name_wmd.min(), eol_rir_share=c.eol_rir_share.min()
    )
    j = codes.left_join(p, "product_id_hs6").select(codes, ibis._.product_description)
    j = j.left_join(c, "product_id_hs6").select(j, ibis._.commodity_name_wmd, ibis._.eol_rir_share)
    null = ibis.null().cast("string")
    return j.select(
        item_id=j.product_id_hs6,
        name_en=j.product_description.fill_null(j.product_id_hs6),
        name_ko=null,
        name_ja=null,
        eol_rir_share=j.eol_rir_share,
        commodity_name_wmd=j.commodity_name_wmd,
    )


def _hs2022(links: pd.DataFrame, items: pd.DataFrame, kind: str) -> dict[str, list[str]]:
    if kind != "material":  # an HS1992 code as item: the code itself
        return {str(i): [str(i)] for i in items["item_id"]}
    h6 = links[links["hs_revision_code"] == "H6"]
    return {
        str(k): sorted(set(g["product_id_hs6"].astype(str))) for k, g in h6.groupby("material_id")
    }


def _coverage(years: pd.DataFrame, links: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Per material and HS1992 code: stage, the other materials on the code, years with
    data (none for codes the bundle lacks). HS codes as items have no coverage rows."""
    cols = [c for c in TABLES["out_supplywatch__item_coverage"].fields if c != "item_kind_code"]
    if kind != "material":
        return pd.DataFrame(columns=cols)
    lk = links[links["hs_revision_code"] == "H0"]
    carried = lk.groupby("product_id_hs6")["material_id"].apply(lambda s: sorted(set(s)))
    rows = []
    for r in lk.sort_values(["material_id", "product_id_hs6"]).itertuples():
        others = [m for m in carried[r.product_id_hs6] if m != r.material_id]
        rows.append(
            {
                "item_id": r.material_id,
                "product_id_hs6": r.product_id_hs6,
                "stage_code": r.stage_code,
                "is_shared_code": bool(others),
                "shared_count": len(others) + 1,
                "shared_with_text": ";".join(others) or None,
            }
        )
    out = pd.DataFrame(rows, columns=cols[:6])
    out = out.merge(years, on="product_id_hs6", how="left", validate="m:1")
    return out[cols]


def _production_shares(con: Any, items: Any) -> Any:
    """Each producing country's share of world production of each item (WMD)."""
    ps = production.production_shares(con.table("core_wmd__yearly_production"))
    m = items.filter(items.commodity_name_wmd.notnull()).select("item_id", "commodity_name_wmd")
    j = ps.join(m, "commodity_name_wmd")
    return j.select("item_id", "ref_year", "country_id_iso3", "production_share", "available_date")


def _measure_clauses(con: Any, kind: str) -> pd.DataFrame:
    """Registry clauses x the catalog materials they cover, with their measure's fields
    (materials only: an HS code as item carries no measure)."""
    if kind != "material":
        return pd.DataFrame()
    m = con.table("core_measures__measures").select(
        "measure_id",
        "imposer_id_iso3",
        "targets_text",
        "legal_reference_text",
        "source_url",
        "available_date",
    )
    c = con.table("core_measures__clauses").select(
        "measure_id", "clause_id", "measure_type_code", "measure_class_code", "effective_date"
    )
    cm = con.table("core_measures__clause_materials").select(
        "measure_id", "clause_id", item_id="material_id"
    )
    return _pull(cm.join(c, ["measure_id", "clause_id"]).join(m, "measure_id"))


def _supply_risk(
    con: Any, imps: list[str], dep: Any, shares: Any, items: Any, wgi: Any
) -> tuple[Any, Any]:
    """EU supply risk per (item, importer, year), and apparent consumption."""
    ps = production.production_shares(con.table("core_wmd__yearly_production"))
    m = items.filter(items.commodity_name_wmd.notnull()).select("item_id", "commodity_name_wmd")
    ps = ps.join(m, "commodity_name_wmd")
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
    mat = items.select(material_id=items.item_id, eol_rir_share=items.eol_rir_share)
    return supply_risk.supply_risk(shares, ps, mat, wgi, rel), rel
