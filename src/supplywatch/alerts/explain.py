"""Explain one item for one importer: factors, supplier shares over time, production
concentration, level history, and the evidence (rows, sources, freshness) behind them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from supplywatch.alerts.evaluate import Frames, level_name, monthly_dates, timeline
from supplywatch.alerts.model import Ladder


def _num(v: Any, nd: int = 4) -> float | None:
    return None if v is None or pd.isna(v) else round(float(v), nd)


def level_change_evidence(r: Any, ladder: Ladder, snapshots: dict[str, str]) -> dict[str, Any]:
    """The evidence bundle of one level change: factor values, the rows and sources behind
    them (table, data year, snapshot), their freshness, and the confidence."""
    when = pd.Timestamp(r.as_of_date)
    prod_year = getattr(r, "production_year", None)
    return {
        "date": str(when.date()),
        "score": _num(r.score, 1),
        "level": level_name(int(r.level), ladder, "en"),
        "level_ko": level_name(int(r.level), ladder, "ko"),
        "confidence": _num(r.confidence, 2),
        "main_driver": r.main_driver,
        "factors": {f: _num(getattr(r, f"f_{f}")) for f in ladder.weights},
        "missing_factors": r.missing_factors or None,
        "sources": {
            "trade": {
                "table": "core_baci__yearly_trade",
                "year": int(r.trade_year),
                "available_date": str(pd.Timestamp(r.trade_available_date).date()),
                "freshness_days": int((when - r.trade_available_date).days),
                "snapshot_id": snapshots.get("baci"),
            },
            "production": None
            if prod_year is None or pd.isna(prod_year)
            else {
                "table": "core_wmd__yearly_production",
                "year": int(prod_year),
                "snapshot_id": snapshots.get("wmd"),
            },
            "governance": {
                "table": "core_wgi__yearly_governance",
                "release": r.wgi_release_code,
                "snapshot_id": snapshots.get("wgi"),
            },
        },
        "ladder_version": ladder.version,
    }


def explain(
    frames: Frames,
    shares: pd.DataFrame,
    item: str,
    importer: str,
    when: date,
    ladder: Ladder,
    snapshots: dict[str, str],
) -> dict[str, Any]:
    """Everything an analyst needs to check the level of ``item`` for ``importer``."""
    tl = timeline(frames, [*monthly_dates(date(2000, 1, 1), when), when], ladder)
    mine = tl[(tl["item_id"] == item) & (tl["importer_id"] == importer)].sort_values("as_of_date")
    if mine.empty:
        return {
            "item_id": item,
            "importer_id": importer,
            "as_of": when.isoformat(),
            "status": "no data",
        }
    now = mine.iloc[-1]
    factors = []
    for name, weight in ladder.weights.items():
        v = now[f"f_{name}"]
        have = not pd.isna(v)
        factors.append(
            {
                "factor": name,
                "value": _num(v),
                "weight": weight,
                "contribution_points": round(
                    100
                    * weight
                    * (float(v) if have else ladder.neutral)
                    / sum(ladder.weights.values()),
                    2,
                ),
                "has_data": have,
            }
        )
    changes = mine[mine["level"].diff().fillna(mine["level"]) != 0]
    history = [level_change_evidence(r, ladder, snapshots) for r in changes.itertuples()]
    sh = shares[(shares["item_id"] == item) & (shares["importer_id"] == importer)]
    supplier_years = (
        sh.sort_values(["ref_year", "supplier_share"], ascending=[True, False])
        .groupby("ref_year")
        .head(5)
    )
    prod = frames.prod[frames.prod["item_id"] == item].sort_values("ref_year")
    return {
        "item_id": item,
        "importer_id": importer,
        "as_of": when.isoformat(),
        "name_en": now["name_en"],
        "score": _num(now["score"], 1),
        "level": int(now["level"]),
        "level_ko": level_name(int(now["level"]), ladder, "ko"),
        "level_en": level_name(int(now["level"]), ladder, "en"),
        "confidence": _num(now["confidence"], 2),
        "main_driver": now["main_driver"],
        "ladder_version": ladder.version,
        "factors": factors,
        "evidence": {
            "trade": {
                "table": "core_baci__yearly_trade",
                "year": int(now["trade_year"]),
                "available_date": str(now["trade_available_date"].date()),
                "snapshot_id": snapshots.get("baci"),
                "import_value_kusd": _num(now["import_value_kusd"], 1),
                "top_supplier_id_iso3": now["top_supplier_id_iso3"],
                "freshness_days": int((pd.Timestamp(when) - now["trade_available_date"]).days),
            },
            "production": None
            if pd.isna(now.get("production_year"))
            else {
                "table": "core_wmd__yearly_production",
                "year": int(now["production_year"]),
                "commodity": now["commodity_name_wmd"],
                "snapshot_id": snapshots.get("wmd"),
            },
            "governance": {
                "table": "core_wgi__yearly_governance",
                "release": now["wgi_release_code"],
                "snapshot_id": snapshots.get("wgi"),
            },
            "price": None
            if pd.isna(now.get("price_month"))
            else {
                "table": "core_pinksheet__monthly_prices",
                "series": now["price_series"],
                "month": str(pd.Timestamp(now["price_month"]).date()),
                "snapshot_id": snapshots.get("pinksheet"),
            },
            "missing_factors": now["missing_factors"] or None,
        },
        "supplier_shares": [
            {
                "year": int(r.ref_year),
                "supplier": r.exporter_id_iso3,
                "share": _num(r.supplier_share),
                "value_kusd": _num(r.value_kusd, 1),
            }
            for r in supplier_years.itertuples()
        ],
        "production_concentration": [
            {
                "year": int(r.ref_year),
                "hhi": _num(r.production_hhi),
                "top_producer": r.top_producer_id_iso3,
                "top_share": _num(r.top_producer_share),
            }
            for r in prod.itertuples()
        ],
        "level_history": history,
        "score_history": [
            {"date": str(r.as_of_date.date()), "score": _num(r.score, 1), "level": int(r.level)}
            for r in mine.itertuples()
        ],
    }


def chart_html(exp: dict[str, Any]) -> str:
    """A self-contained HTML page (Plotly inlined, works offline) with three charts."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=3,
        cols=1,
        subplot_titles=(
            "Supplier shares (top 5 per year)",
            "Score and level history",
            "Factor contributions",
        ),
        vertical_spacing=0.09,
    )
    sh = pd.DataFrame(exp.get("supplier_shares", []))
    if not sh.empty:
        for sup, g in sh.groupby("supplier"):
            fig.add_trace(go.Bar(x=g["year"], y=g["share"], name=str(sup)), row=1, col=1)
    hist = pd.DataFrame(exp.get("score_history", []))
    if not hist.empty:
        fig.add_trace(
            go.Scatter(x=hist["date"], y=hist["score"], name="score", mode="lines"), row=2, col=1
        )
    f = pd.DataFrame(exp.get("factors", []))
    if not f.empty:
        fig.add_trace(
            go.Bar(
                x=f["factor"],
                y=f["contribution_points"],
                name="points",
                marker_color=["#888" if not h else "#c0392b" for h in f["has_data"]],
            ),
            row=3,
            col=1,
        )
    fig.update_layout(
        barmode="stack",
        height=1000,
        title=(
            f"{exp.get('name_en', exp['item_id'])} — {exp['importer_id']} — as of {exp['as_of']}: "
            f"{exp.get('level_ko', '')} {exp.get('level_en', '')} (score {exp.get('score')})"
        ),
    )
    return str(fig.to_html(include_plotlyjs=True, full_html=True))
