"""Import-dependence indicators on the real bundle, checked against plain SQL on BACI."""

from __future__ import annotations

import duckdb
import ibis
import pytest

from supplywatch.indicators import trade


@pytest.fixture(scope="module")
def dep(bundle_store: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, int], dict[str, object]]:
    con = ibis.duckdb.from_connection(bundle_store)
    links = con.table("core_supplywatch__material_products").rename(item_id="material_id")
    flows = trade.item_flows(con.table("core_baci__yearly_trade"), links)
    d = trade.dependence(trade.importer_flows(flows, ["KOR", "JPN", "BLOC"]))
    df = d.filter(d.item_id.isin(["natural_graphite", "germanium"])).execute()
    return {
        (r.item_id, r.importer_id, int(r.ref_year)): r._asdict() for r in df.itertuples(index=False)
    }


def _sql_shares(
    con: duckdb.DuckDBPyConnection, codes: list[str], importers: list[str], year: int
) -> list[tuple[str, float]]:
    q = ", ".join(f"'{c}'" for c in codes)
    imp = ", ".join(f"'{c}'" for c in importers)
    return con.execute(f"""
        SELECT exporter_id_iso3, sum(value_kusd) v FROM core_baci__yearly_trade
        WHERE product_id_hs6 IN ({q}) AND importer_id_iso3 IN ({imp}) AND ref_year = {year}
          AND exporter_id_iso3 NOT IN ({imp if len(importers) > 1 else "''"})
        GROUP BY 1 ORDER BY v DESC""").fetchall()


@pytest.mark.parametrize(
    ("importer", "members"), [("KOR", ["KOR"]), ("JPN", ["JPN"]), ("BLOC", ["KOR", "JPN"])]
)
def test_graphite_dependence_matches_plain_sql(
    bundle_store: duckdb.DuckDBPyConnection,
    dep: dict[tuple[str, str, int], dict[str, object]],
    importer: str,
    members: list[str],
) -> None:
    rows = _sql_shares(bundle_store, ["250410", "250490"], members, 2023)
    total = sum(v for _, v in rows)
    got = dep[("natural_graphite", importer, 2023)]
    assert got["import_value_kusd"] == pytest.approx(total, rel=1e-12)
    assert got["top_supplier_id_iso3"] == rows[0][0] == "CHN"
    assert got["top_supplier_share"] == pytest.approx(rows[0][1] / total, rel=1e-12)
    assert got["supplier_hhi"] == pytest.approx(sum((v / total) ** 2 for _, v in rows), rel=1e-12)
    assert got["suppliers_above_5pct"] == sum(1 for _, v in rows if v / total >= 0.05)
    assert got["china_share"] == pytest.approx(dict(rows)["CHN"] / total, rel=1e-12)
    assert got["supplier_count"] == len(rows)


def test_bloc_excludes_intra_bloc_trade(dep: dict[tuple[str, str, int], dict[str, object]]) -> None:
    kor, jpn, bloc = (dep[("natural_graphite", i, 2023)] for i in ("KOR", "JPN", "BLOC"))
    assert float(bloc["import_value_kusd"]) < float(kor["import_value_kusd"]) + float(
        jpn["import_value_kusd"]
    )  # JPN->KOR and KOR->JPN flows are internal


def test_point_in_time_of_indicator_rows(
    dep: dict[tuple[str, str, int], dict[str, object]],
) -> None:
    assert str(dep[("natural_graphite", "JPN", 2016)]["available_date"])[:10] == "2018-01-31"
