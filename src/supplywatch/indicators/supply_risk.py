"""EU 2017 supply-risk construction and apparent consumption, per (material, importer, year).

SR = [HHI_WGI,GS x IR/2 + HHI_WGI,sourcing x (1 - IR/2)] x (1 - EoL-RIR) x SI
(Blengini et al. 2017, as implemented in public code; see docs/indicators.md), with:
- HHI_WGI,GS: world production shares^2 x WGI scaled 0-10 (six-dimension mean, one release);
- HHI_WGI,sourcing: the importer's supplier shares^2 x the same scaled WGI;
- IR (import reliance) = net imports / apparent consumption, in tonnes, clipped to [0, 1];
- SI (substitution index) and the trade factor t: no public data here, so the documented
  neutral value 1.0 (no reduction) is used and flagged (``is_si_neutral``).
A country absent from WMD's producer list of a commodity is taken to produce none of it.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from supplywatch.indicators import production

#: Release whose six dimensions are used (WGI-2025 in the bundle holds political stability
#: only; releases are never mixed).
SR_WGI_RELEASE = "WGI-2024"
SI_NEUTRAL = 1.0


def apparent_consumption(imports_t: ir.Table, exports_t: ir.Table, prod_t: ir.Table) -> ir.Table:
    """Per (item, importer, year): production + imports - exports, in tonnes.

    ``imports_t``: item_id, importer_id, ref_year, import_qty_t; ``exports_t``: item_id,
    importer_id, ref_year, export_qty_t; ``prod_t``: item_id, importer_id, ref_year,
    production_t (absent = none).
    """
    j = imports_t.left_join(exports_t, ["item_id", "importer_id", "ref_year"]).select(
        imports_t, export_qty_t=ibis._.export_qty_t
    )
    j = j.left_join(prod_t, ["item_id", "importer_id", "ref_year"]).select(
        j, domestic_production_t=ibis._.production_t
    )
    prod = j.domestic_production_t.fill_null(0.0)
    exp = j.export_qty_t.fill_null(0.0)
    consumption = prod + j.import_qty_t - exp
    reliance = ibis.ifelse(consumption > 0, (j.import_qty_t - exp) / consumption, None)
    return j.mutate(
        apparent_consumption_t=consumption, import_reliance=reliance.clip(lower=0.0, upper=1.0)
    )


def supply_risk(
    shares: ir.Table, prod_shares: ir.Table, materials: ir.Table, wgi: ir.Table, reliance: ir.Table
) -> ir.Table:
    """EU SR per (item, importer, year) with its parts and neutral-value flags.

    ``shares``: supplier shares (trade.supplier_shares); ``prod_shares``:
    production.production_shares joined to item_id; ``reliance``: apparent_consumption().
    """
    w = wgi.filter(wgi.wgi_release_code == SR_WGI_RELEASE)
    src = production.governance_weighted_hhi(
        shares, w, "supplier_share", ["item_id", "importer_id", "ref_year"], "exporter_id_iso3"
    ).rename(hhi_wgi_sourcing="hhi_wgi", wgi_imputed_sourcing="wgi_imputed_share")
    gs = production.governance_weighted_hhi(
        prod_shares, w, "production_share", ["item_id", "ref_year"], "country_id_iso3"
    ).rename(hhi_wgi_global="hhi_wgi", wgi_imputed_global="wgi_imputed_share")
    j = src.join(gs, ["item_id", "ref_year"])
    j = j.left_join(
        reliance.select("item_id", "importer_id", "ref_year", "import_reliance"),
        ["item_id", "importer_id", "ref_year"],
    ).select(j, import_reliance=ibis._.import_reliance)
    m = materials.select(item_id=materials.material_id, eol_rir_share=materials.eol_rir_share)
    j = j.left_join(m, "item_id").select(j, eol_rir_share=ibis._.eol_rir_share)
    ir_ = j.import_reliance
    sr = (
        (j.hhi_wgi_global * ir_ / 2 + j.hhi_wgi_sourcing * (1 - ir_ / 2))
        * (1 - j.eol_rir_share)
        * SI_NEUTRAL
    )
    return j.mutate(supply_risk_eu=sr, is_si_neutral=ibis.literal(True))
