"""GeoPolRisk as computed by geopolrisk-py 2.0.1, reimplemented from its documented method
(docs/geopolrisk-method-notes.md; its GPL code was read, never copied) — pure Ibis.

Score = HHI x N / (T + P); CF = Score x price / 0.409412948, for an importer (BACI numeric
code), a commodity (WMD sheet; the library's name is the map's Reference ID) and a year, with
N = sum over partners of tonnes x normalised political instability, T = tonnes imported,
P = the importer's own production, HHI of world production (each value truncated to an
integer first), price = all trade value / T. The library's conventions are kept on purpose
(for parity): partners without a WGI row weigh 0.5 (Taiwan, recorded by BACI as 490 "Other
Asia, nes", among them), the importer as its own partner weighs 0, a stored missing score
makes the case missing, the first of two rows for one code wins. Inputs are the raw tables,
which keep the files as published (the library uses them so).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

CF_COPPER = 0.409412948
#: The per-case outputs compared with geopolrisk-py.
OUTPUTS = (
    "hhi",
    "import_risk",
    "score",
    "cf",
    "price",
    "weighted_import_qty",
    "total_import_qty",
    "domestic_production",
)
UNMATCHED_SCORE = 0.5


def material_codes(commodities: ir.Table) -> ir.Table:
    """(reference_id_text, commodity_name_wmd, hs6 as integer) for every assessable material:
    the map's HS code plus its ';'-separated complementary codes; rows without a code or a
    symbol are dropped, as the library does."""
    c = commodities.filter(commodities.product_code.notnull() & commodities.symbol.notnull())
    main = c.select("reference_id_text", "commodity_name_wmd", code=c.product_code.strip())
    comp = c.filter(c.complementary_hs_codes_text.notnull())
    comp = comp.select(
        "reference_id_text",
        "commodity_name_wmd",
        code=comp.complementary_hs_codes_text.split(";").unnest().strip(),
    )
    allc = main.union(comp)
    allc = allc.filter(allc.code != "")
    return allc.select(
        "reference_id_text", "commodity_name_wmd", hs6=allc.code.cast("int64")
    ).distinct()


def pv_scores(pv: ir.Table) -> ir.Table:
    """Normalised political instability per (BACI code, year): the first row of a code wins;
    a row whose stored value is missing keeps NULL (the case becomes missing)."""
    p = pv.filter(pv.country_id_baci.notnull())
    w = ibis.window(group_by=[p.country_id_baci, p.ref_year], order_by=p.source_row_number)
    p = p.mutate(_n=ibis.row_number().over(w))
    p = p.filter(p._n == 0)
    return p.select(
        partner=p.country_id_baci.cast("int64"),
        year=p.ref_year.cast("int64"),
        pv_score=p.wgi_pv_normalized_share,
        has_row=ibis.literal(True),
    )


def world_hhi(production: ir.Table) -> ir.Table:
    """HHI per (commodity, year) over every WMD row but the world total, missing = 0, each
    value truncated toward zero to an integer before squaring."""
    p = production.filter(production.country_iso3_reported != "DELETE")
    x = p.production_amount.fill_null(0.0)
    x = ibis.ifelse(x >= 0, x.floor(), x.ceil()).cast("float64")
    g = (
        p.mutate(x=x)
        .group_by(["commodity_name_wmd", "ref_year"])
        .aggregate(_s=ibis._.x.sum(), _s2=(ibis._.x * ibis._.x).sum())
    )
    return g.select(
        "commodity_name_wmd",
        year=g.ref_year.cast("int64"),
        hhi=ibis.ifelse(g._s > 0, g._s2 / (g._s * g._s), None),
    )


def domestic_production(production: ir.Table, importers: list[int]) -> ir.Table:
    """Importer's production in tonnes (first matching row; kg / 1000; other units as
    printed, like the library)."""
    p = production.filter(production.country_code_reported.isin([str(c) for c in importers]))
    w = ibis.window(
        group_by=[p.commodity_name_wmd, p.country_code_reported, p.ref_year],
        order_by=p.source_row_number,
    )
    p = p.mutate(_n=ibis.row_number().over(w))
    p = p.filter(p._n == 0)
    amount = p.production_amount.fill_null(0.0)
    tonnes = ibis.ifelse(p.unit_code == "kg", amount / 1000.0, amount)
    return p.select(
        "commodity_name_wmd",
        importer=p.country_code_reported.cast("int64"),
        year=p.ref_year.cast("int64"),
        production=tonnes,
    )


def geopolrisk(
    trade: ir.Table,
    commodities: ir.Table,
    pv: ir.Table,
    production: ir.Table,
    importers: list[int],
    years: list[int],
) -> ir.Table:
    """Score, CF, HHI, import risk, price and their parts per (material, importer, year).

    ``trade``: raw_baci__yearly_trade; ``commodities``: raw_wmd__commodities; ``pv``:
    raw_wgi__yearly_political_stability; ``production``: raw_wmd__yearly_production.
    """
    codes = material_codes(commodities)
    t = trade.filter(trade.importer_id_baci.isin(importers) & trade.ref_year.isin(years))
    t = t.select(
        year=t.ref_year.cast("int64"),
        importer=t.importer_id_baci.cast("int64"),
        partner=t.exporter_id_baci.cast("int64"),
        hs6=t.product_id_hs6.cast("int64"),
        q=t.qty_t.fill_null(0.0),
        v=t.value_kusd,
    )
    j = t.join(codes, "hs6")
    # one row per (material, importer, partner, year), summed over the material's codes
    f = j.group_by(
        ["reference_id_text", "commodity_name_wmd", "year", "importer", "partner"]
    ).aggregate(q=j.q.sum(), v=j.v.sum())
    s = pv_scores(pv)
    f = f.left_join(s, [f.partner == s.partner, f.year == s.year]).select(
        f, pv_score=s.pv_score, has_row=s.has_row
    )
    score = ibis.cases(
        (f.partner == f.importer, 0.0), (f.has_row.isnull(), UNMATCHED_SCORE), else_=f.pv_score
    )
    f = f.mutate(
        w=score,
        missing=(f.has_row.notnull() & f.pv_score.isnull() & (f.partner != f.importer)).cast(
            "int64"
        ),
    )
    agg = f.group_by(["reference_id_text", "commodity_name_wmd", "year", "importer"]).aggregate(
        weighted_import_qty=(f.q * f.w).sum(),
        total_import_qty=f.q.sum(),
        value_kusd=f.v.sum(),
        _missing=f.missing.sum(),
    )
    cases = _cases(codes, importers, years)
    agg = cases.left_join(
        agg, ["reference_id_text", "commodity_name_wmd", "year", "importer"]
    ).select(
        cases,
        weighted_import_qty=ibis._.weighted_import_qty,
        total_import_qty=ibis._.total_import_qty,
        value_kusd=ibis._.value_kusd,
        _missing=ibis._._missing,
    )
    hhi = world_hhi(production)
    dom = domestic_production(production, importers)
    out = agg.left_join(hhi, ["commodity_name_wmd", "year"]).select(agg, hhi=ibis._.hhi)
    out = out.left_join(dom, ["commodity_name_wmd", "importer", "year"]).select(
        out, domestic_production=ibis._.production.fill_null(0.0)
    )
    n = out.weighted_import_qty.fill_null(0.0)
    tq = out.total_import_qty.fill_null(0.0)
    denom = tq + out.domestic_production
    risk = ibis.ifelse(out._missing.fill_null(0) > 0, None, ibis.ifelse(denom != 0, n / denom, 0.0))
    price = ibis.ifelse(tq != 0, out.value_kusd.fill_null(0.0) / tq, 0.0)
    score = out.hhi * risk
    return out.select(
        "reference_id_text",
        "commodity_name_wmd",
        "year",
        "importer",
        "hhi",
        weighted_import_qty=n,
        total_import_qty=tq,
        domestic_production=out.domestic_production,
        denominator=denom,
        import_risk=risk,
        price=price,
        score=score,
        cf=score * price / CF_COPPER,
    )


def _cases(codes: ir.Table, importers: list[int], years: list[int]) -> ir.Table:
    m = codes.select("reference_id_text", "commodity_name_wmd").distinct()
    imp = ibis.memtable({"importer": importers}).cast({"importer": "int64"})
    yr = ibis.memtable({"year": years}).cast({"year": "int64"})
    return m.cross_join(imp).cross_join(yr)
