"""Queries for what analysts hand on (issue #14): the value chain downstream of a material,
level changes in a window and probability histories (the briefing), and the stored-form trade
and world production the stockpile planner reads. All through the point-in-time rule."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from supplywatch.catalog.importers import encode_importer
from supplywatch.catalog.tables import TABLES
from supplywatch.services.risk import HS2022_TO_HS1992_SQL, L, RiskServices
from supplywatch.store.pit import as_of_sql, latest_sql


class ExposureServices(RiskServices):
    def value_chain(self, item: str, importer: str, as_of: date) -> dict[str, Any]:
        """Where a material goes: the curated value-chain graph downstream of it (every edge
        with its source), the industries of Korea and Japan it reaches, and, for each
        downstream node with HS codes, the importer's newest imports of those codes known on
        ``as_of`` where the store has them (else the link without a number, marked so)."""
        from supplywatch.items.valuechain import load_graph

        imp = encode_importer(importer)
        self.check_as_of(as_of)
        mid = self.resolve_item(item)
        g = load_graph()
        if mid not in {n.node_id for n in g.nodes}:
            return {
                "material_id": mid,
                "importer_id": imp,
                "as_of": as_of.isoformat(),
                "graph_version": g.version,
                "in_graph": False,
                "note": "no value chain curated for this material yet (items/data/valuechain.yaml)",
                "nodes": [],
                "edges": [],
                "industries": [],
            }
        order, edges = g.downstream(mid)
        codes = sorted({c for n in order for c in g.node(n).hs2022 if n != mid})
        t = TABLES["out_supplywatch__yearly_dependence"]
        with self._out([imp], "material") as con:
            h0 = con.execute(
                f"SELECT material_id AS h0, product_id_hs6 AS h6 FROM ({HS2022_TO_HS1992_SQL}) "
                f"WHERE product_id_hs6 IN ({', '.join('?' * len(codes)) or 'NULL'})",
                codes,
            ).df()
            trade = con.execute(
                f"SELECT item_id, ref_year, import_value_kusd, import_qty_t, available_date "
                f"FROM ({latest_sql(t, as_of, 'ref_year')}) WHERE item_kind_code = 'hs6' "
                "AND importer_id = ?",
                [imp],
            ).df()
        by_h0 = {str(r.item_id): r for r in trade.itertuples()}
        nodes = []
        for n in order:
            node = g.node(n)
            row: dict[str, Any] = {
                "node_id": n,
                "kind": node.kind,
                "names": node.names,
                "hs2022": node.hs2022,
                "countries": node.countries,
                "note": node.note,
                "trade": None,
                "trade_note": None,
            }
            if n != mid and node.hs2022:
                olds = sorted(set(h0.loc[h0["h6"].isin(node.hs2022), "h0"]))
                got = [by_h0[c] for c in olds if c in by_h0]
                if got:
                    row["trade"] = {
                        "hs1992": [str(r.item_id) for r in got],
                        "ref_year": int(max(r.ref_year for r in got)),
                        "import_value_kusd": round(sum(float(r.import_value_kusd) for r in got), 1),
                        "import_qty_t": round(
                            sum(
                                0.0 if pd.isna(r.import_qty_t) else float(r.import_qty_t)
                                for r in got
                            ),
                            1,
                        ),
                        "source": "BACI (out_supplywatch__yearly_dependence, HS code items)",
                        "available_date": str(max(r.available_date for r in got))[:10],
                    }
                else:
                    reporter = imp if imp != "BLOC" else "KOR"
                    row["trade_note"] = (
                        f"no data: imports of HS {', '.join(node.hs2022)} are not in the store "
                        f"(`supplywatch fetch comtrade --reporter {reporter} "
                        f"--hs {node.hs2022[0]}`); the link is shown without a number"
                    )
            elif n != mid and node.kind != "industry":
                row["trade_note"] = "no HS code maps clearly to this stage: link only"
            nodes.append(row)
        return {
            "material_id": mid,
            "importer_id": imp,
            "as_of": as_of.isoformat(),
            "graph_version": g.version,
            "in_graph": True,
            "note": None,
            "nodes": nodes,
            "edges": [
                {
                    "from": e.from_,
                    "to": e.to,
                    "relation": e.relation,
                    "source_url": e.source_url,
                    "source_kind": e.source_kind,
                    "quote": e.quote,
                    "note": e.note,
                }
                for e in edges
            ],
            "industries": [
                {"node_id": r["node_id"], "names": r["names"], "countries": r["countries"]}
                for r in nodes
                if r["kind"] == "industry"
            ],
        }

    def level_changes(self, importer: str, since: date, until: date) -> pd.DataFrame:
        """Level changes of the catalog's materials for one importer known after ``since``
        and on or before ``until`` (oldest first)."""
        with self._out([importer], "material") as con:
            return con.execute(
                f"SELECT * FROM {L} WHERE item_kind_code = 'material' AND importer_id = ? "
                "AND is_level_change AND available_date > ? AND available_date <= ? "
                "ORDER BY available_date, item_id",
                [importer, since, until],
            ).df()

    def probability_history(
        self, importer: str, items: list[str], as_of: date, months: int
    ) -> dict[str, list[dict[str, Any]]]:
        """Per item: the probability and level in force at each month start of the last
        ``months`` months up to ``as_of`` (the rule on a grid of dates)."""
        if not items:
            return {}
        grid = [
            (pd.Timestamp(as_of) - pd.DateOffset(months=k)).date() for k in range(months, -1, -1)
        ]
        marks = ", ".join("?" * len(items))
        with self._out([importer], "material") as con:
            df = con.execute(
                f"SELECT item_id, available_date, risk_probability_share, alert_level, "
                f"item_state_code FROM {L} WHERE item_kind_code = 'material' "
                f"AND importer_id = ? AND item_id IN ({marks}) AND available_date <= ? "
                "ORDER BY item_id, available_date",
                [importer, *items, as_of],
            ).df()
        out: dict[str, list[dict[str, Any]]] = {}
        for item, g in df.groupby("item_id"):
            dates = pd.to_datetime(g["available_date"]).to_numpy()
            rows = []
            for d in grid:
                k = int(dates.searchsorted(pd.Timestamp(d).to_datetime64(), side="right")) - 1
                if k < 0:
                    rows.append({"date": d.isoformat(), "probability": None, "level": 0})
                    continue
                r = g.iloc[k]
                p = r["risk_probability_share"]
                rows.append(
                    {
                        "date": d.isoformat(),
                        "probability": None if pd.isna(p) else round(float(p), 4),
                        "level": int(r["alert_level"]),
                    }
                )
            out[str(item)] = rows
        return out

    def stored_form_trade(
        self, as_of: date, importers: list[str]
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """For the stockpile planner, as known on ``as_of``: per HS1992 code (the items of
        kind hs6) and importer, the newest year of imports and exports; each supplier's value
        in that year; and the H0 codes of every material and value-chain stage."""
        t = TABLES["out_supplywatch__yearly_dependence"]
        s = TABLES["out_supplywatch__supplier_shares"]
        marks = ", ".join("?" * len(importers))
        with self._out(importers, "material") as con:
            trade = con.execute(
                f"SELECT item_id AS product_id_hs6, importer_id, ref_year, import_value_kusd, "
                f"import_qty_t, export_value_kusd, export_qty_t, available_date "
                f"FROM ({latest_sql(t, as_of, 'ref_year')}) "
                f"WHERE item_kind_code = 'hs6' AND importer_id IN ({marks})",
                importers,
            ).df()
            sup = con.execute(
                f"SELECT s.item_id AS product_id_hs6, s.importer_id, s.exporter_id_iso3, "
                f"s.value_kusd FROM ({as_of_sql(s, as_of)}) s "
                f"JOIN ({latest_sql(t, as_of, 'ref_year')}) d "
                f"ON d.item_kind_code = s.item_kind_code AND d.item_id = s.item_id "
                f"AND d.importer_id = s.importer_id AND d.ref_year = s.ref_year "
                f"WHERE s.item_kind_code = 'hs6' AND s.importer_id IN ({marks})",
                importers,
            ).df()
            links = con.execute(
                "SELECT material_id, stage_code, product_id_hs6, hs_revision_code "
                "FROM core_supplywatch__material_products WHERE hs_revision_code IN ('H0', 'H6')"
            ).df()
        return trade, sup, links

    def world_production(self, as_of: date) -> pd.DataFrame:
        """Per World Mining Data commodity: the newest year's world production (tonnes of
        content, the sum over countries) known on ``as_of``."""
        with self._store(read_only=True) as con:
            self._require_current(con)
            return con.execute(
                "SELECT * FROM (SELECT commodity_name_wmd, ref_year, "
                "sum(production_t) AS world_production_t FROM core_wmd__yearly_production "
                "WHERE available_date <= ? AND production_t IS NOT NULL GROUP BY ALL) "
                "QUALIFY row_number() OVER (PARTITION BY commodity_name_wmd "
                "ORDER BY ref_year DESC) = 1",
                [as_of],
            ).df()
