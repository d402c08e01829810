"""Explain one item for one importer from the out layer's rows: state, factors, supplier
shares over time, production concentration, coverage, level history, and the evidence (rows,
sources, freshness) behind them. Pure functions over rows the services read as of a date."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from supplywatch.alerts.model import Ladder
from supplywatch.catalog.countries import country_name
from supplywatch.catalog.out import factor_column


def _num(v: Any, nd: int = 4) -> float | None:
    return None if v is None or pd.isna(v) else round(float(v), nd)


def _day(v: Any) -> str | None:
    return None if v is None or pd.isna(v) else str(pd.Timestamp(v).date())


def _int(v: Any) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def jsonable(v: Any) -> Any:
    """``v`` with every missing value as None and numpy scalars as Python ones (valid JSON:
    PostgreSQL refuses NaN in a JSON column, and SQLite would store it unreadable)."""
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [jsonable(x) for x in v]
    if v is None or (not isinstance(v, str) and _isna(v)):
        return None
    if hasattr(v, "item") and not isinstance(v, str):
        return v.item()
    return v


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _floors(r: dict[str, Any], ladder: Ladder) -> list[dict[str, Any]]:
    """The floors under the level, each with why: an active supply measure, a disruption
    visible in the newest monthly figures (detection)."""
    out = []
    floor = _int(r.get("measure_floor_level")) or 0
    if floor:
        out.append(
            {
                "kind": "measure",
                "level": ladder.level_name(floor, "en"),
                "why": r.get("active_measures_text"),
            }
        )
    det = _int(r.get("detection_floor_level")) or 0
    if det:
        why = []
        when, vint = r.get("available_date"), r.get("monthly_available_date")
        fresh = (
            not _isna(vint)
            and (pd.Timestamp(when) - pd.Timestamp(vint)).days <= ladder.max_monthly_trade_age_days
        )
        if fresh and (_num(r.get("monthly_signal_share")) or 0) >= ladder.model.event_signal_share:
            why.append(f"monthly trade: {r['monthly_signal_text']}")
        z = _num(r.get("price_change_z"), 2)
        if z is not None and z >= ladder.model.detection.price_z:
            why.append(
                f"price: {r.get('commodity_name_wb')} z {z:+.2f} (month "
                f"{_day(r.get('price_period_start_date'))})"
            )
        out.append(
            {"kind": "detection", "level": ladder.level_name(det, "en"), "why": "; ".join(why)}
        )
    return out


def level_change_evidence(
    r: dict[str, Any], ladder: Ladder, snapshots: dict[str, str]
) -> dict[str, Any]:
    """The evidence bundle of one level (or state) change: the factor values, the rows and
    sources behind them (table, data year, snapshot), their freshness, and the confidence."""
    r = {k: (None if not isinstance(v, str) and _isna(v) else v) for k, v in r.items()}
    when = pd.Timestamp(r["available_date"])
    level = int(r["alert_level"])
    trade_avail = r.get("trade_available_date")
    out: dict[str, Any] = jsonable(
        {
            "date": _day(when),
            "state": r["item_state_code"],
            "state_reason": r.get("state_reason_text"),
            "score": _num(r.get("score_points"), 1),
            "probability": _num(r.get("risk_probability_share"), 4),
            "level": ladder.level_name(level, "en"),
            "level_ko": ladder.level_name(level, "ko"),
            "confidence": _num(r.get("confidence_share"), 2),
            "main_driver": r.get("main_driver_code"),
            "factors": {f: _num(r.get(factor_column(f))) for f in ladder.weights},
            "model_terms": {t["feature"]: t["logit_term"] for t in model_table(r, ladder)},
            "floors": _floors(r, ladder),
            "momentum": r.get("momentum_text"),
            "missing_factors": r.get("missing_factors_text"),
            "sources": {
                "trade": None
                if _int(r.get("trade_year")) is None
                else {
                    "table": "core_customs__trade_flows"
                    if r.get("trade_source_text") == "UN Comtrade"
                    else "core_baci__yearly_trade",
                    "source": r.get("trade_source_text"),
                    "year": _int(r.get("trade_year")),
                    "available_date": _day(trade_avail),
                    "freshness_days": int((when - pd.Timestamp(trade_avail)).days),
                    "snapshot_id": snapshots.get("baci"),
                    "shared_with": r.get("shared_with_text"),
                },
                "production": None
                if _int(r.get("production_year")) is None
                else {
                    "table": "core_wmd__yearly_production",
                    "year": _int(r.get("production_year")),
                    "available_date": _day(r.get("production_available_date")),
                    "snapshot_id": snapshots.get("wmd"),
                },
                "governance": {
                    "table": "core_wgi__yearly_governance",
                    "release": r.get("wgi_release_code"),
                    "snapshot_id": snapshots.get("wgi"),
                },
                "monthly_trade": None
                if _day(r.get("monthly_available_date")) is None
                else {
                    "table": "out_supplywatch__monthly_signals",
                    "month": _day(r.get("monthly_period_start_date")),
                    "available_date": _day(r.get("monthly_available_date")),
                    "signal": _num(r.get("monthly_signal_share")),
                    "text": r.get("monthly_signal_text"),
                },
                "price": None
                if _day(r.get("price_period_start_date")) is None
                else {
                    "table": "core_pinksheet__monthly_prices",
                    "series": r.get("commodity_name_wb"),
                    "month": _day(r.get("price_period_start_date")),
                    "snapshot_id": snapshots.get("pinksheet"),
                },
            },
            "ladder_version": r.get("ladder_version_code") or ladder.version,
        }
    )
    return out


def factors_table(r: dict[str, Any], ladder: Ladder) -> list[dict[str, Any]]:
    """Each factor's value, weight and contribution in points (missing: the neutral value)."""
    total = sum(ladder.weights.values())
    scored = r.get("item_state_code") in {"scored", "partial"}
    out = []
    for name, weight in ladder.weights.items():
        v = r.get(factor_column(name))
        have = v is not None and not pd.isna(v)
        out.append(
            {
                "factor": name,
                "value": _num(v),
                "weight": weight,
                "contribution_points": round(
                    100 * weight * (float(v) if have and v is not None else ladder.neutral) / total,
                    2,
                )
                if scored
                else None,
                "has_data": have,
            }
        )
    return out


def model_table(r: dict[str, Any], ladder: Ladder) -> list[dict[str, Any]]:
    """The risk model's terms: each feature's value, coefficient and term of the logit
    (logit = intercept + the terms; probability = 1 / (1 + exp(-logit))); empty when the row
    is not scored."""
    from supplywatch.alerts.riskmodel import FEATURES

    if r.get("item_state_code") not in {"scored", "partial"}:
        return []
    fit = ladder.model.production
    rows = []
    for f in FEATURES:
        if f == "imposer_momentum":
            v = r.get("imposer_momentum_share")
        elif f == "data_gap":
            c = r.get("confidence_share")
            v = None if c is None or _isna(c) else 1.0 - float(c)
        else:
            v = r.get(factor_column(f))
        have = v is not None and not _isna(v)
        x = float(v) if have and v is not None else ladder.neutral
        rows.append(
            {
                "feature": f,
                "value": _num(x),
                "has_data": have,
                "coefficient": fit.coefficients[f],
                "logit_term": round(fit.coefficients[f] * x, 4),
            }
        )
    return rows


def coverage_summary(cov: pd.DataFrame, stages: pd.DataFrame) -> dict[str, Any]:
    """Which HS codes and value-chain stages carry data (as of the date asked), which codes
    other materials share, and the unit value of each stage on its own."""
    codes = [
        {
            "hs6": r.product_id_hs6,
            "stage": r.stage_code,
            "has_data": bool(r.has_data),
            "years": None if not r.has_data else f"{int(r.first_year)}-{int(r.last_year)}",
            "shared_with": None if not r.shared_with_text else str(r.shared_with_text).split(";"),
        }
        for r in cov.itertuples()
    ]
    with_data = sorted({c["stage"] for c in codes if c["has_data"]})
    without = sorted({c["stage"] for c in codes} - set(with_data))
    parts = []
    for stage in [*with_data, *without]:
        got = [c["hs6"] for c in codes if c["stage"] == stage and c["has_data"]]
        lack = [c["hs6"] for c in codes if c["stage"] == stage and not c["has_data"]]
        bit = stage + ": " + (f"HS {', '.join(got)}" if got else "no data")
        if lack:
            bit += f" (HS {', '.join(lack)} not in the store)"
        parts.append(bit)
    shared = sorted({m for c in codes if c["has_data"] for m in (c["shared_with"] or [])})
    text = "; ".join(parts) if parts else "no HS codes"
    if shared:
        text += f"; data codes shared with {len(shared)} other material(s)"
    unit_values = [
        {
            "stage": r.stage_code,
            "year": int(r.ref_year),
            "import_value_kusd": _num(r.import_value_kusd, 1),
            "import_qty_t": _num(r.import_qty_t, 1),
            "unit_value_usd_per_t": _num(r.unit_value_usd_per_t, 1),
            "hs6": str(r.product_codes_text).split(";"),
            "is_shared_code": bool(r.is_shared_code),
        }
        for r in stages.itertuples()
    ]
    return {
        "codes": codes,
        "stages_with_data": with_data,
        "stages_without_data": without,
        "shared_with": shared,
        "text": text,
        "unit_values_by_stage": unit_values,
    }


def explain(
    now: dict[str, Any] | None,
    changes: pd.DataFrame,
    history: pd.DataFrame,
    shares: pd.DataFrame,
    production: pd.DataFrame,
    coverage: dict[str, Any] | None,
    item: str,
    names: dict[str, str | None],
    importer: str,
    when: date,
    ladder: Ladder,
    snapshots: dict[str, str],
) -> dict[str, Any]:
    """Everything an analyst needs to check the state and level of ``item`` for ``importer``."""
    base: dict[str, Any] = {
        "item_id": item,
        "importer_id": importer,
        "as_of": when.isoformat(),
        "name_en": names.get("en"),
        "name_ko": names.get("ko"),
        "name_ja": names.get("ja"),
        "ladder_version": ladder.version,
        "coverage": coverage,
    }
    if now is None:
        return {
            **base,
            "state": "no_data",
            "state_reason": f"nothing was known on {when} (the level history starts "
            f"{ladder.history_start})",
            "fill_command": None,
            "score": None,
            "level": 0,
            "factors": [],
            "supplier_shares": [],
            "production_concentration": [],
            "level_history": [],
            "score_history": [],
            "evidence": None,
        }
    level = int(now["alert_level"])
    ev = level_change_evidence(now, ladder, snapshots)["sources"]
    ev["missing_factors"] = now.get("missing_factors_text")
    ev["trade"] = ev["trade"] and {
        **ev["trade"],
        "import_value_kusd": _num(now.get("import_value_kusd"), 1),
        "top_supplier_id_iso3": now.get("top_supplier_id_iso3"),
        "top_supplier_name": country_name(now.get("top_supplier_id_iso3")),
        "freshness_days": int(
            (pd.Timestamp(when) - pd.Timestamp(now["trade_available_date"])).days
        ),
    }
    sh = shares.sort_values(["ref_year", "supplier_share"], ascending=[True, False])
    top5 = sh.groupby("ref_year").head(5)
    return {
        **base,
        "state": now["item_state_code"],
        "state_reason": now.get("state_reason_text"),
        "fill_command": now.get("fill_command_text"),
        "data_as_of": _day(now["available_date"]),
        "score": _num(now.get("score_points"), 1),
        "probability": _num(now.get("risk_probability_share"), 4),
        "baseline_level": int(now.get("baseline_alert_level") or 0),
        "floors": _floors(now, ladder),
        "level": level,
        "level_ko": ladder.level_name(level, "ko"),
        "level_en": ladder.level_name(level, "en"),
        "level_ja": ladder.level_name(level, "ja"),
        "level_since": _day(now.get("level_since_date")),
        "confidence": _num(now.get("confidence_share"), 2),
        "main_driver": now.get("main_driver_code"),
        "is_shared_code": bool(now.get("is_shared_code")),
        "shared_with": None
        if not now.get("shared_with_text")
        else str(now["shared_with_text"]).split(";"),
        "factors": factors_table(now, ladder),
        "model": {
            "intercept": ladder.model.production.intercept,
            "terms": model_table(now, ladder),
            "momentum": now.get("momentum_text"),
            "monthly_trade": now.get("monthly_signal_text"),
        },
        "evidence": ev,
        "supplier_shares": [
            {
                "year": int(r.ref_year),
                "supplier": r.exporter_id_iso3,
                "supplier_name": country_name(r.exporter_id_iso3),
                "share": _num(r.supplier_share),
                "value_kusd": _num(r.value_kusd, 1),
            }
            for r in top5.itertuples()
        ],
        "production_concentration": [
            {
                "year": int(r.ref_year),
                "hhi": _num(r.production_hhi),
                "top_producer": r.top_producer_id_iso3,
                "top_producer_name": country_name(r.top_producer_id_iso3),
                "top_share": _num(r.top_producer_share),
                "china_share": _num(r.china_production_share),
            }
            for r in production.sort_values("ref_year").itertuples()
        ],
        "level_history": [
            level_change_evidence(r, ladder, snapshots) for r in changes.to_dict("records")
        ],
        "score_history": [
            {
                "date": _day(r.available_date),
                "state": r.item_state_code,
                "score": _num(r.score_points, 1),
                "level": int(r.alert_level),
            }
            for r in history.itertuples()
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
        for sup, g in sh.groupby("supplier_name"):
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
            f"{exp.get('name_en') or exp['item_id']} — {exp['importer_id']} — as of "
            f"{exp['as_of']}: {exp.get('state')} {exp.get('level_ko', '')} "
            f"{exp.get('level_en', '')} (score {exp.get('score')})"
        ),
    )
    return str(fig.to_html(include_plotlyjs=True, full_html=True))
