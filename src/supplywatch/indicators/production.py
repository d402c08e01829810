"""World production concentration per (commodity, year), and its governance-weighted form.

Pure Ibis expressions over core_wmd__yearly_production and core_wgi__yearly_governance.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from supplywatch.indicators.exact import SHARE, xsum

#: EU 2017 method: WGI rescaled to 0-10, 10 = worst governance.
#: The six-dimension average (about -2.5..2.5) maps linearly: scaled = (2.5 - wgi) * 2,
#: clipped to [0, 10].
WGI_SCALE_MAX = 10.0
#: Documented neutral value for a producer with no WGI estimate (the scale's midpoint); rows
#: that use it are counted and flagged, never hidden.
WGI_NEUTRAL_SCALED = 5.0


def production_shares(prod: ir.Table) -> ir.Table:
    """Each country's share of world production (commodity, year); world totals excluded.

    Uses production in tonnes where the unit is a mass, else the amount in its own unit
    (shares are unit-free). Rows without a value do not count.
    """
    amount = prod.production_t.fill_null(prod.production_amount)
    p = prod.filter(amount.notnull() & (amount > 0)).mutate(amount=amount)
    w = ibis.window(group_by=[p.commodity_name_wmd, p.ref_year])
    return p.mutate(
        world_amount=xsum(p.amount).over(w), production_share=p.amount / xsum(p.amount).over(w)
    )


def production_concentration(prod: ir.Table) -> ir.Table:
    """Per (commodity, year): HHI of production shares, top producer and its share, China's
    share, number of producers."""
    s = production_shares(prod)
    rank_w = ibis.window(
        group_by=[s.commodity_name_wmd, s.ref_year],
        order_by=[ibis.desc(s.amount), s.country_id_iso3],
    )
    s = s.mutate(producer_rank=ibis.row_number().over(rank_w))
    return s.group_by(["commodity_name_wmd", "ref_year"]).aggregate(
        world_production=xsum(s.amount),
        producer_count=s.country_id_iso3.nunique(),
        production_hhi=xsum(s.production_share * s.production_share, SHARE),
        top_producer_id_iso3=s.country_id_iso3.arbitrary(where=s.producer_rank == 0),
        top_producer_share=s.production_share.max(),
        china_production_share=xsum(
            s.production_share, SHARE, where=s.country_id_iso3 == "CHN"
        ).fill_null(0.0),
        available_date=s.available_date.max(),
    )


def wgi_scaled(wgi: ir.Table) -> ir.Table:
    """Per (country, year): the six-dimension WGI average rescaled 0-10 (10 = worst).

    ``wgi`` must already hold one release per key (use the store's 'as of' view). A
    country-year needs all six dimensions, else it has no value.
    """
    g = wgi.group_by(["country_id_iso3", "ref_year"]).aggregate(
        wgi_mean=wgi.wgi_estimate.mean(),
        dims=wgi.wgi_estimate.count(),
        available_date=wgi.available_date.max(),
    )
    g = g.filter(g.dims == 6)
    scaled = ((2.5 - g.wgi_mean) * 2).clip(lower=0.0, upper=WGI_SCALE_MAX)
    return g.select("country_id_iso3", "ref_year", "available_date", wgi_scaled=scaled)


def governance_weighted_hhi(
    shares: ir.Table, wgi: ir.Table, share_col: str, group: list[str], country_col: str
) -> ir.Table:
    """EU HHI_WGI = sum_i share_i^2 * WGI_scaled_i over suppliers (producers or exporters).

    Missing WGI uses the neutral value and is counted in ``wgi_imputed_share`` (the share of
    supply whose governance was imputed), so a reader sees how much rests on it.
    """
    ws = wgi_scaled(wgi)
    j = shares.left_join(
        ws, [shares[country_col] == ws.country_id_iso3, shares.ref_year == ws.ref_year]
    )
    share = j[share_col]
    g = j.wgi_scaled.fill_null(WGI_NEUTRAL_SCALED)
    return j.group_by(group).aggregate(
        hhi_wgi=xsum(share * share * g, SHARE),
        wgi_imputed_share=xsum(share, SHARE, where=j.wgi_scaled.isnull()).fill_null(0.0),
    )
