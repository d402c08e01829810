"""Import dependence per (item, importer, year), from bilateral trade.

Every function takes Ibis tables and returns an Ibis expression; nothing here executes a query,
so the same definitions run on DuckDB and on Spark.

Items are materials (via core_supplywatch__material_products) or single HS codes. The importer
is a country (ISO3) or the KR+JP bloc: the bloc's imports are the members' imports from
outside the bloc (flows between members are internal and reported apart as intra-bloc value).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from supplywatch.catalog.importers import BLOC_ID, BLOC_MEMBERS
from supplywatch.indicators.exact import SHARE, xsum

CHINA = "CHN"
KEY = ["item_id", "importer_id", "ref_year"]


def item_flows(trade: ir.Table, links: ir.Table, revision: str = "H0") -> ir.Table:
    """Bilateral flows per item: trade joined to item <-> HS6 links of one HS revision.

    ``trade``: hs_revision_code, ref_year, exporter_id_iso3, importer_id_iso3, product_id_hs6,
    value_kusd, qty_t, available_date. ``links``: item_id, hs_revision_code, product_id_hs6.
    An item with several codes sums them (codes of one material never overlap).
    """
    lk = links.filter(links.hs_revision_code == revision).select("item_id", "product_id_hs6")
    tr = trade.filter(trade.hs_revision_code == revision)
    j = tr.join(lk, "product_id_hs6")
    return j.group_by(["item_id", "ref_year", "exporter_id_iso3", "importer_id_iso3"]).aggregate(
        value_kusd=xsum(j.value_kusd),
        qty_t=xsum(j.qty_t),
        n_codes=j.product_id_hs6.nunique(),
        available_date=j.available_date.max(),
    )


#: Customs statistics the trade indicators read: annual imports reported by the importer in
#: an HS revision (UN Comtrade). Monthly national statistics (HSK, Japan's 9-digit codes) feed
#: the monthly signals, not these yearly figures.
HS_REVISIONS = ("H0", "H1", "H2", "H3", "H4", "H5", "H6")
BACI = "BACI"
COMTRADE = "UN Comtrade"


def customs_item_flows(customs: ir.Table, links: ir.Table) -> ir.Table:
    """Annual imports per item from the customs table (UN Comtrade, reported by the
    importer), shaped like ``item_flows``: each row's code matched to the item's codes of the
    row's own HS revision; the partner-World aggregate never counts; tonnes from the net
    weight (or a quantity in kg), else unknown."""
    c = customs.filter(
        (customs.freq_code == "A")
        & (customs.flow_code == "M")
        & customs.classification_code.isin(list(HS_REVISIONS))
        & (customs.partner_id_iso3 != "WLD")
        & customs.value_usd.notnull()
    )
    lk = links.select("item_id", "hs_revision_code", "product_id_hs6")
    j = c.join(
        lk,
        [c.classification_code == lk.hs_revision_code, c.product_id_hs6 == lk.product_id_hs6],
    )
    kg = j.net_weight_kg.fill_null(ibis.ifelse(j.qty_unit_code == "kg", j.qty, None))
    return j.group_by(
        [
            j.item_id,
            j.ref_year.cast("int16").name("ref_year"),
            j.partner_id_iso3.name("exporter_id_iso3"),
            j.reporter_id_iso3.name("importer_id_iso3"),
        ]
    ).aggregate(
        value_kusd=xsum(j.value_usd / 1000.0),
        qty_t=xsum(kg / 1000.0),
        n_codes=j.product_code.nunique(),
        available_date=j.available_date.max(),
    )


def with_customs(flows: ir.Table, customs: ir.Table) -> ir.Table:
    """BACI's flows, and the customs flows of every (item, importer, year) BACI lacks;
    ``trade_source`` says which each row comes from. BACI (reconciled mirror data) wins
    where both have the year."""
    have = flows.select("item_id", "importer_id_iso3", "ref_year").distinct()
    extra = customs.anti_join(have, ["item_id", "importer_id_iso3", "ref_year"])
    return _aligned(flows, BACI).union(_aligned(extra, COMTRADE))


def _aligned(f: ir.Table, source: str) -> ir.Table:
    return f.select(
        item_id=f.item_id.cast("string"),
        ref_year=f.ref_year.cast("int16"),
        exporter_id_iso3=f.exporter_id_iso3.cast("string"),
        importer_id_iso3=f.importer_id_iso3.cast("string"),
        value_kusd=f.value_kusd.cast("float64"),
        qty_t=f.qty_t.cast("float64"),
        n_codes=f.n_codes.cast("int64"),
        available_date=f.available_date.cast("date"),
        trade_source=ibis.literal(source).cast("string"),
    )


def importer_flows(flows: ir.Table, importers: list[str]) -> ir.Table:
    """Flows into each requested importer; ``BLOC`` sums KOR and JPN imports from non-members.

    Returns item_id, ref_year, importer_id, exporter_id_iso3, value_kusd, qty_t, available_date.
    """
    parts = []
    countries = [c for c in importers if c != BLOC_ID]
    if countries:
        f = flows.filter(flows.importer_id_iso3.isin(countries))
        parts.append(
            f.select(
                "item_id",
                "ref_year",
                importer_id=f.importer_id_iso3,
                exporter_id_iso3=f.exporter_id_iso3,
                value_kusd=f.value_kusd,
                qty_t=f.qty_t,
                available_date=f.available_date,
                trade_source=_source(f),
            )
        )
    if BLOC_ID in importers:
        members = list(BLOC_MEMBERS)
        f = flows.filter(
            flows.importer_id_iso3.isin(members) & ~flows.exporter_id_iso3.isin(members)
        )
        f = f.mutate(trade_source=_source(f))
        g = f.group_by(["item_id", "ref_year", "exporter_id_iso3"]).aggregate(
            value_kusd=xsum(f.value_kusd),
            qty_t=xsum(f.qty_t),
            available_date=f.available_date.max(),
            _src_min=f.trade_source.min(),
            _src_max=f.trade_source.max(),
        )
        parts.append(
            g.select(
                "item_id",
                "ref_year",
                importer_id=ibis.literal(BLOC_ID),
                exporter_id_iso3=g.exporter_id_iso3,
                value_kusd=g.value_kusd,
                qty_t=g.qty_t,
                available_date=g.available_date,
                trade_source=_both(g._src_min, g._src_max),
            )
        )
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p)
    return out


def _source(f: ir.Table) -> ir.StringValue:
    """The flows' source (BACI where a table has no ``trade_source`` column)."""
    if "trade_source" in f.columns:
        return f.trade_source.cast("string")
    return ibis.literal(BACI).cast("string")


def _both(lo: ir.StringValue, hi: ir.StringValue) -> ir.StringValue:
    return ibis.ifelse(lo == hi, lo, lo + " + " + hi)


def intra_bloc(flows: ir.Table) -> ir.Table:
    """Trade between bloc members per item and year (reported apart, never in bloc imports)."""
    members = list(BLOC_MEMBERS)
    f = flows.filter(flows.importer_id_iso3.isin(members) & flows.exporter_id_iso3.isin(members))
    return f.group_by(["item_id", "ref_year"]).aggregate(intra_bloc_value_kusd=xsum(f.value_kusd))


def supplier_shares(imports: ir.Table) -> ir.Table:
    """Each supplier's share of an importer's imports of an item in a year (shares sum to 1).

    The total is an aggregate joined back, not a window sum: a window's sum depends on the
    order of the rows within the partition, and the shares must not change in the last bits
    from one build to the next."""
    total = imports.group_by(KEY).aggregate(import_value_kusd=xsum(imports.value_kusd))
    j = imports.join(total, KEY)
    return j.mutate(supplier_share=j.value_kusd / j.import_value_kusd)


def dependence(imports: ir.Table) -> ir.Table:
    """Per (item, importer, year): imports, top supplier and share, HHI, suppliers above 5%,
    China's share. HHI is on supplier shares, in [1/n, 1]. ``imports`` has one row per
    (item, importer, year, exporter), as importer_flows gives.

    Two hash aggregates and one join, no window: HHI = the sum of squared shares, top share =
    max(v) / sum(v), every sum exact (indicators/exact.py); the top supplier is the first
    code (alphabetically) among those with the largest value, so ties resolve the same on
    every engine.
    """
    v = imports.value_kusd
    agg = imports.group_by(KEY).aggregate(
        import_value_kusd=xsum(v),
        import_qty_t=xsum(imports.qty_t),
        supplier_count=imports.count(),  # one row per supplier (see docstring)
        _max=v.max(),
        _china=xsum(v, where=imports.exporter_id_iso3 == CHINA),
        available_date=imports.available_date.max(),
        _src_min=imports.trade_source.min(),
        _src_max=imports.trade_source.max(),
    )
    j = imports.join(agg.select(*KEY, "import_value_kusd", "_max"), KEY)
    second = j.group_by(KEY).aggregate(
        top_supplier_id_iso3=j.exporter_id_iso3.min(where=j.value_kusd == j._max),
        _hhi=xsum(
            ibis.ifelse(j.import_value_kusd > 0, (j.value_kusd / j.import_value_kusd) ** 2, 0.0),
            SHARE,
        ),
        suppliers_above_5pct=(j.value_kusd >= 0.05 * j.import_value_kusd).sum(),
    )
    out = agg.join(second, KEY)
    total = out.import_value_kusd
    positive = total > 0
    return out.select(
        *KEY,
        "import_value_kusd",
        "import_qty_t",
        "supplier_count",
        "top_supplier_id_iso3",
        top_supplier_share=ibis.ifelse(positive, out._max / total, None),
        supplier_hhi=ibis.ifelse(positive, out._hhi.clip(upper=1.0), None),
        suppliers_above_5pct=out.suppliers_above_5pct,
        china_share=ibis.ifelse(positive, out._china.fill_null(0.0) / total, None),
        trade_source_text=_both(out._src_min, out._src_max),
        available_date=out.available_date,
    )


def code_flows(trade: ir.Table, revision: str = "H0") -> ir.Table:
    """Bilateral flows with each HS6 code as its own item (no join, no aggregation: a trade
    table has one row per year, exporter, importer and code)."""
    t = trade.filter(trade.hs_revision_code == revision)
    return t.select(  # nullable types, as item_flows gives (so unions line up)
        item_id=t.product_id_hs6.cast("string"),
        ref_year=t.ref_year.cast("int16"),
        exporter_id_iso3=t.exporter_id_iso3.cast("string"),
        importer_id_iso3=t.importer_id_iso3.cast("string"),
        value_kusd=t.value_kusd.cast("float64"),
        qty_t=t.qty_t.cast("float64"),
        n_codes=ibis.literal(1).cast("int64"),
        available_date=t.available_date.cast("date"),
    )


def world_export_shares(flows: ir.Table) -> ir.Table:
    """Each exporter's share of world exports of each item and year (every BACI flow):
    item_id, ref_year, country_id_iso3, export_share, available_date."""
    by = flows.group_by(["item_id", "ref_year", "exporter_id_iso3"]).aggregate(
        v=xsum(flows.value_kusd), available_date=flows.available_date.max()
    )
    w = ibis.window(group_by=[by.item_id, by.ref_year])
    tot = by.v.sum().over(w)
    return by.select(
        "item_id",
        "ref_year",
        "available_date",
        country_id_iso3=by.exporter_id_iso3,
        export_share=ibis.ifelse(tot > 0, by.v / tot, None),
    )


def item_exports(flows: ir.Table, countries: list[str]) -> ir.Table:
    """Exports of each country (or the bloc, to non-members) per item and year."""
    parts = []
    plain = [c for c in countries if c != BLOC_ID]
    if plain:
        f = flows.filter(flows.exporter_id_iso3.isin(plain))
        g = f.group_by(["item_id", "ref_year", "exporter_id_iso3"]).aggregate(
            export_value_kusd=xsum(f.value_kusd), export_qty_t=xsum(f.qty_t)
        )
        parts.append(
            g.select(
                "item_id",
                "ref_year",
                "export_value_kusd",
                "export_qty_t",
                importer_id=g.exporter_id_iso3,
            )
        )
    if BLOC_ID in countries:
        members = list(BLOC_MEMBERS)
        f = flows.filter(
            flows.exporter_id_iso3.isin(members) & ~flows.importer_id_iso3.isin(members)
        )
        g = f.group_by(["item_id", "ref_year"]).aggregate(
            export_value_kusd=xsum(f.value_kusd), export_qty_t=xsum(f.qty_t)
        )
        parts.append(
            g.select(
                "item_id",
                "ref_year",
                "export_value_kusd",
                "export_qty_t",
                importer_id=ibis.literal(BLOC_ID),
            )
        )
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p)
    return out


#: KITA screen (Korea International Trade Association): China the top source three years
#: running, China's share >= 70%, imports >= USD 5 million a year, and a trade deficit.
KITA_MIN_CHINA_SHARE = 0.70
KITA_MIN_IMPORTS_KUSD = 5_000.0
#: "Absolute dependence": one country >= 90% of imports worth more than USD 10 million.
ABSOLUTE_MIN_SHARE = 0.90
ABSOLUTE_MIN_IMPORTS_KUSD = 10_000.0


def screens(dep: ir.Table, exports: ir.Table) -> ir.Table:
    """Add the KITA and absolute-dependence screens (booleans) to ``dependence`` rows.

    A year without trade data breaks the "three years running" condition (a gap is never
    read as a pass).
    """
    j = dep.left_join(exports, ["item_id", "importer_id", "ref_year"])
    j = j.select(
        dep, export_value_kusd=j.export_value_kusd.fill_null(0.0), export_qty_t=j.export_qty_t
    )
    w = ibis.window(group_by=[j.item_id, j.importer_id], order_by=j.ref_year)
    china_top = (j.top_supplier_id_iso3 == CHINA).cast("int8")
    j = j.mutate(
        _prev1_year=j.ref_year.lag(1).over(w),
        _prev2_year=j.ref_year.lag(2).over(w),
        _prev1_top=china_top.lag(1).over(w),
        _prev2_top=china_top.lag(2).over(w),
        trade_balance_kusd=j.export_value_kusd - j.import_value_kusd,
    )
    running = (
        (china_top == 1)
        & (j._prev1_top == 1)
        & (j._prev2_top == 1)
        & (j._prev1_year == j.ref_year - 1)
        & (j._prev2_year == j.ref_year - 2)
    )
    kita = (
        running.fill_null(False)
        & (j.china_share >= KITA_MIN_CHINA_SHARE)
        & (j.import_value_kusd >= KITA_MIN_IMPORTS_KUSD)
        & (j.trade_balance_kusd < 0)
    )
    absolute = (j.top_supplier_share >= ABSOLUTE_MIN_SHARE) & (
        j.import_value_kusd > ABSOLUTE_MIN_IMPORTS_KUSD
    )
    return j.mutate(is_kita_screen=kita, is_absolute_dependence=absolute).drop(
        "_prev1_year", "_prev2_year", "_prev1_top", "_prev2_top"
    )


def stage_imports(
    trade: ir.Table, links: ir.Table, importers: list[str], revision: str = "H0"
) -> ir.Table:
    """Per (item, importer, year, value-chain stage): imports over the item's codes of that
    stage alone, their unit value (USD/t), the codes, and whether one is shared with other
    materials. ``links``: item_id, hs_revision_code, product_id_hs6, stage_code, is_lumped.
    The bloc counts its members' imports from outside it."""
    lk = links.filter(links.hs_revision_code == revision).select(
        "item_id", "product_id_hs6", "stage_code", "is_lumped"
    )
    tr = trade.filter(trade.hs_revision_code == revision)
    countries = [c for c in importers if c != BLOC_ID]
    parts = []
    if countries:
        f = tr.filter(tr.importer_id_iso3.isin(countries))
        parts.append(f.mutate(importer_id=f.importer_id_iso3.cast("string")))
    if BLOC_ID in importers:
        members = list(BLOC_MEMBERS)
        f = tr.filter(tr.importer_id_iso3.isin(members) & ~tr.exporter_id_iso3.isin(members))
        parts.append(f.mutate(importer_id=ibis.literal(BLOC_ID).cast("string")))
    flows = parts[0]
    for p in parts[1:]:
        flows = flows.union(p)
    j = flows.join(lk, "product_id_hs6")
    stage = j.stage_code.fill_null("unknown")
    g = j.mutate(stage_code=stage).group_by(["item_id", "importer_id", "ref_year", "stage_code"])
    out = g.aggregate(
        import_value_kusd=xsum(j.value_kusd),
        import_qty_t=xsum(j.qty_t),
        product_codes_text=j.product_id_hs6.group_concat(";"),
        is_shared_code=j.is_lumped.any(),
        available_date=j.available_date.max(),
    )
    return out.mutate(
        unit_value_usd_per_t=ibis.ifelse(
            out.import_qty_t > 0, out.import_value_kusd * 1000.0 / out.import_qty_t, None
        )
    )


def code_years(trade: ir.Table, revision: str = "H0") -> ir.Table:
    """Per HS6 code: first and last year with trade, and when the first became available."""
    t = trade.filter(trade.hs_revision_code == revision)
    return t.group_by("product_id_hs6").aggregate(
        first_year=t.ref_year.min(),
        last_year=t.ref_year.max(),
        first_available_date=t.available_date.min(),
    )
