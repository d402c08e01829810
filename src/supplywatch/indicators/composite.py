"""Inputs of the composite score that join several sources (pure Ibis)."""

from __future__ import annotations

import ibis.expr.types as ir

from supplywatch.indicators.exact import SHARE, xsum

#: Political stability (WGI pv, about -2.5..2.5) rescaled to 0..1, 1 = least stable.
#: Applied within one WGI release at a time (releases are never mixed).
PV_MIN, PV_MAX = -2.5, 2.5


def pv_risk(wgi: ir.Table) -> ir.Table:
    """Per (release, country, year): political-instability risk in [0, 1]."""
    pv = wgi.filter(wgi.wgi_dimension_code == "pv")
    risk = ((PV_MAX - pv.wgi_estimate) / (PV_MAX - PV_MIN)).clip(lower=0.0, upper=1.0)
    return pv.select(
        "wgi_release_code", "country_id_iso3", "ref_year", "vintage_date", pv_risk=risk
    )


def sourcing_governance(shares: ir.Table, wgi: ir.Table) -> ir.Table:
    """Per (release, item, importer, year): sum over suppliers of share^2 x pv_risk
    (a governance-weighted supplier HHI in [0, 1]), and the share of imports whose supplier
    has no estimate (imputed with the neutral 0.5 and reported)."""
    risk = pv_risk(wgi)
    releases = risk.select("wgi_release_code").distinct()
    s = shares.cross_join(releases)
    j = s.left_join(
        risk,
        [
            s.wgi_release_code == risk.wgi_release_code,
            s.exporter_id_iso3 == risk.country_id_iso3,
            s.ref_year == risk.ref_year,
        ],
    )
    r = j.pv_risk.fill_null(0.5)
    return j.group_by(["wgi_release_code", "item_id", "importer_id", "ref_year"]).aggregate(
        sourcing_governance_hhi=xsum(j.supplier_share * j.supplier_share * r, SHARE),
        pv_imputed_share=xsum(j.supplier_share, SHARE, where=j.pv_risk.isnull())
        .fill_null(0.0)
        .clip(lower=0.0, upper=1.0),  # a sum of shares: 1 + rounding at most
    )


def material_production(materials: ir.Table, concentration: ir.Table) -> ir.Table:
    """Production concentration per (material, year) via the material's WMD commodity."""
    m = materials.filter(materials.commodity_name_wmd.notnull())
    j = m.join(concentration, "commodity_name_wmd")
    return j.select(
        item_id=j.material_id,
        ref_year=j.ref_year,
        commodity_name_wmd=j.commodity_name_wmd,
        production_hhi=j.production_hhi,
        top_producer_id_iso3=j.top_producer_id_iso3,
        top_producer_share=j.top_producer_share,
        china_production_share=j.china_production_share,
        producer_count=j.producer_count,
        available_date=j.available_date,
    )
