"""Escalation signals: changes in trade and prices that precede or mark a disruption.

Pure Ibis expressions. Changes compare a year with the year before and with the mean of the
three years before (a gap year gives no comparison, never a zero).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

#: A year's imports at least this multiple of the 3-year trailing mean count as a surge
#: (anticipatory buying ahead of an expected restriction).
SURGE_RATIO = 1.5
#: Trailing window (months) for price-change z-scores.
PRICE_WINDOW_MONTHS = 36


def _pct(now: ir.NumericValue, base: ir.NumericValue) -> ir.NumericValue:
    return ibis.ifelse(base > 0, now / base - 1.0, None)


def flow_changes(imports: ir.Table) -> ir.Table:
    """Per (item, importer, partner, year): value, quantity and unit value, with their change
    against last year and against the mean of the three previous years."""
    f = imports.mutate(
        unit_value_usd_per_kg=ibis.ifelse(
            imports.qty_t > 0, imports.value_kusd / imports.qty_t, None
        )
    )
    w = ibis.window(group_by=[f.item_id, f.importer_id, f.exporter_id_iso3], order_by=f.ref_year)
    w3 = ibis.window(
        group_by=[f.item_id, f.importer_id, f.exporter_id_iso3], order_by=f.ref_year, rows=(-3, -1)
    )
    out = f.mutate(
        _prev_year=f.ref_year.lag(1).over(w),
        _prev_value=f.value_kusd.lag(1).over(w),
        _prev_qty=f.qty_t.lag(1).over(w),
        _prev_uv=f.unit_value_usd_per_kg.lag(1).over(w),
        _mean3_value=f.value_kusd.mean().over(w3),
        _n3=f.value_kusd.count().over(w3),
        _first3=f.ref_year.min().over(w3),
    )
    consecutive = out._prev_year == out.ref_year - 1
    full3 = (out._n3 == 3) & (out._first3 == out.ref_year - 3)
    return out.mutate(
        value_change_share=ibis.ifelse(consecutive, _pct(out.value_kusd, out._prev_value), None),
        qty_change_share=ibis.ifelse(consecutive, _pct(out.qty_t, out._prev_qty), None),
        unit_value_change_share=ibis.ifelse(
            consecutive, _pct(out.unit_value_usd_per_kg, out._prev_uv), None
        ),
        value_vs_mean3_share=ibis.ifelse(full3, _pct(out.value_kusd, out._mean3_value), None),
    ).drop("_prev_year", "_prev_value", "_prev_qty", "_prev_uv", "_mean3_value", "_n3", "_first3")


def totals_changes(dep: ir.Table) -> ir.Table:
    """Per (item, importer, year): change of total imports and of the top supplier's share,
    and the surge flag (imports >= SURGE_RATIO x the 3-year trailing mean)."""
    w = ibis.window(group_by=[dep.item_id, dep.importer_id], order_by=dep.ref_year)
    w3 = ibis.window(group_by=[dep.item_id, dep.importer_id], order_by=dep.ref_year, rows=(-3, -1))
    d = dep.mutate(
        _prev_year=dep.ref_year.lag(1).over(w),
        _prev_value=dep.import_value_kusd.lag(1).over(w),
        _prev_china=dep.china_share.lag(1).over(w),
        _prev_top=dep.top_supplier_share.lag(1).over(w),
        _mean3=dep.import_value_kusd.mean().over(w3),
        _n3=dep.import_value_kusd.count().over(w3),
        _first3=dep.ref_year.min().over(w3),
    )
    consecutive = d._prev_year == d.ref_year - 1
    full3 = (d._n3 == 3) & (d._first3 == d.ref_year - 3)
    ratio3 = ibis.ifelse(full3 & (d._mean3 > 0), d.import_value_kusd / d._mean3, None)
    return d.mutate(
        import_value_change_share=ibis.ifelse(
            consecutive, _pct(d.import_value_kusd, d._prev_value), None
        ),
        import_value_vs_mean3_ratio=ratio3,
        china_share_change=ibis.ifelse(consecutive, d.china_share - d._prev_china, None),
        top_share_change=ibis.ifelse(consecutive, d.top_supplier_share - d._prev_top, None),
        is_import_surge=(ratio3 >= SURGE_RATIO).fill_null(False),
    ).drop("_prev_year", "_prev_value", "_prev_china", "_prev_top", "_mean3", "_n3", "_first3")


def price_signals(prices: ir.Table) -> ir.Table:
    """Monthly price signals per series: log change, its z-score against the trailing
    PRICE_WINDOW_MONTHS months (before the month), and the change on a year earlier."""
    w = ibis.window(group_by=prices.commodity_name_wb, order_by=prices.period_start_date)
    p = prices.filter(prices.price_nominal > 0)
    p = p.mutate(
        log_change=p.price_nominal.ln() - p.price_nominal.lag(1).over(w).ln(),
        _price_12=p.price_nominal.lag(12).over(w),
    )
    wz = ibis.window(
        group_by=p.commodity_name_wb, order_by=p.period_start_date, rows=(-PRICE_WINDOW_MONTHS, -1)
    )
    mean, sd = p.log_change.mean().over(wz), p.log_change.std().over(wz)
    n = p.log_change.count().over(wz)
    return p.mutate(
        price_change_z=ibis.ifelse((n >= 24) & (sd > 0), (p.log_change - mean) / sd, None),
        price_yoy_change_share=_pct(p.price_nominal, p._price_12),
    ).drop("_price_12")
