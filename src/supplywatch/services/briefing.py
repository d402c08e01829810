"""The weekly briefing's contents for one importer as of a date: what changed since the last
briefing, one card per item at 주의 (caution) or above, the items that went quiet, data
freshness, and the source and date of every figure. Plain data, read through the one
point-in-time rule (the out layer and the registry as of the date); reports/briefing.py
renders it (HTML, PDF). Each organisation's confidential figures (days of cover) come in as
``cover`` from the workspace, for that organisation's own briefing only."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from supplywatch.alerts.model import load_ladder
from supplywatch.catalog.importers import encode_importer
from supplywatch.errors import ConfigError

#: Cards: items at this level or above (2 = 주의 caution).
CARD_LEVEL = 2
#: Chart: months of probability history on each card.
CHART_MONTHS = 24
#: Monthly trade and price signals shown: a trade signal share at least this, or a price
#: factor at least this (the price z mapped to 0..1 by the ladder).
SIGNAL_MIN = 0.5


def _level_names(level: int) -> dict[str, str]:
    ladder = load_ladder()
    if level <= 0:
        return {"code": "none", "ko": "-", "ja": "-", "en": "none"}
    lv = ladder.levels[min(level, len(ladder.levels)) - 1]
    return {"code": lv.code, "ko": lv.ko, "ja": lv.ja, "en": lv.en}


def _f(v: Any) -> float | None:
    return None if v is None or (isinstance(v, float) and v != v) else float(v)


def briefing_data(
    svc: Any,
    importer: str,
    as_of: date,
    since: date | None = None,
    cover: dict[str, float | None] | None = None,
    cover_basis: str | None = None,
    watched: set[str] | None = None,
) -> dict[str, Any]:
    """The briefing of ``importer`` (KOR, JPN or BLOC) on ``as_of``; changes are those known
    after ``since`` (default a week earlier) and on or before ``as_of``."""
    imp = encode_importer(importer)
    if imp not in ("KOR", "JPN", "BLOC"):
        raise ConfigError(f"a briefing is for KOR, JPN or BLOC, not {importer!r}", field="importer")
    svc.check_as_of(as_of)
    since = since or as_of - timedelta(days=7)
    if since >= as_of:
        raise ConfigError(f"since ({since}) must be before as_of ({as_of})", field="since")
    ladder = load_ladder()
    now = {r["item_id"]: r for r in svc.screen(imp, as_of)}
    changes = svc.level_changes(imp, since, as_of)
    level_rows = []
    quiet = []
    for r in changes.to_dict("records"):
        item = now.get(r["item_id"], {})
        row = {
            "item_id": r["item_id"],
            "names": {k: item.get(f"name_{k}") or r["item_id"] for k in ("en", "ko", "ja")},
            "date": pd.Timestamp(r["available_date"]).date().isoformat(),
            "from_level": int(r["previous_alert_level"]),
            "to_level": int(r["alert_level"]),
            "from_names": _level_names(int(r["previous_alert_level"])),
            "to_names": _level_names(int(r["alert_level"])),
            "probability": _f(r["risk_probability_share"]),
            "main_driver": item.get("main_driver_code"),
            "state": r["item_state_code"],
            "source": f"out_supplywatch__monthly_levels (ladder {r['ladder_version_code']})",
        }
        level_rows.append(row)
        if row["to_level"] < CARD_LEVEL <= row["from_level"]:
            quiet.append(row)
    before = {m["measure_id"]: m for m in svc.measures(since)}
    after = svc.measures(as_of)
    new, moved = [], []
    for m in after:
        mine = {
            "measure_id": m["measure_id"],
            "imposer": m["imposer_id_iso3"],
            "legal_reference": m.get("legal_reference") or m["measure_id"],
            "title": m.get("title"),
            "types": m.get("types") or [],
            "targets": m.get("targets") or [],
            "materials": m.get("materials") or [],
            "known_since": m.get("known_since"),
            "effective_date": m.get("effective_date"),
            "status": m.get("status_on_date"),
            "source_url": m.get("source_url"),
            "source_kind": m.get("source_kind"),
        }
        old = before.get(m["measure_id"])
        if old is None:
            new.append(mine)
        elif old.get("status_on_date") != m.get("status_on_date"):
            moved.append({**mine, "status_before": old.get("status_on_date")})
    signals = []
    for r in now.values():
        ms = _f(r.get("monthly_signal_share"))
        pz = _f(r.get("price_shock_factor"))
        if ms is not None and ms >= SIGNAL_MIN:
            signals.append(
                {
                    "item_id": r["item_id"],
                    "kind": "monthly_trade",
                    "share": ms,
                    "text": r.get("monthly_signal_text"),
                    "period": r.get("monthly_period_start_date"),
                    "source": "out_supplywatch__monthly_signals (fetched monthly customs data)",
                }
            )
        if pz is not None and pz >= SIGNAL_MIN:
            signals.append(
                {
                    "item_id": r["item_id"],
                    "kind": "price",
                    "share": pz,
                    "text": f"price factor {pz:.2f} (Pink Sheet monthly price change z-score)",
                    "period": None,
                    "source": "core_pinksheet__monthly_prices (World Bank Pink Sheet)",
                }
            )
    card_ids = [
        i
        for i, r in sorted(
            now.items(),
            key=lambda kv: (
                -(kv[1].get("alert_level") or 0),
                -(_f(kv[1].get("risk_probability_share")) or 0.0),
                kv[0],
            ),
        )
        if (r.get("alert_level") or 0) >= CARD_LEVEL
        and r["item_state_code"] in ("scored", "partial")
    ]
    history = svc.probability_history(imp, card_ids, as_of, CHART_MONTHS)
    active: dict[str, list[str]] = {}
    for m in after:
        if m.get("is_active"):
            for mat in m.get("materials") or []:
                active.setdefault(mat, []).append(m.get("legal_reference") or m["measure_id"])
    from supplywatch.items.valuechain import load_graph

    graph = load_graph()
    in_graph = {n.node_id for n in graph.nodes}
    cards = []
    for i in card_ids:
        touched = []
        if i in in_graph:
            reach, _ = graph.downstream(i)
            touched = [
                {"node_id": n, "names": graph.node(n).names, "countries": graph.node(n).countries}
                for n in reach
                if graph.node(n).kind == "industry"
            ]
        r = now[i]
        factors = [
            (f, _f(r.get(f"{f}_factor")), w)
            for f, w in ladder.weights.items()
            if _f(r.get(f"{f}_factor")) is not None
        ]
        drivers = sorted(factors, key=lambda x: -(x[1] or 0) * x[2])[:3]
        h = history.get(i, [])
        cards.append(
            {
                "item_id": i,
                "names": {k: r.get(f"name_{k}") or i for k in ("en", "ko", "ja")},
                "level": int(r["alert_level"]),
                "level_names": _level_names(int(r["alert_level"])),
                "level_since": r.get("level_since_date"),
                "probability": _f(r.get("risk_probability_share")),
                "state": r["item_state_code"],
                "state_reason": r.get("state_reason_text"),
                "drivers": [
                    {"factor": f, "value": round(v or 0.0, 3), "weight": w} for f, v, w in drivers
                ],
                "top_supplier": r.get("top_supplier_id_iso3"),
                "top_supplier_name": r.get("top_supplier_name"),
                "top_supplier_share": _f(r.get("top_supplier_share")),
                "china_share": _f(r.get("china_share")),
                "china_production_share": _f(r.get("china_production_share")),
                "trade_year": r.get("trade_year"),
                "trade_available_date": r.get("trade_available_date"),
                "production_year": r.get("production_year"),
                "is_shared_code": bool(r.get("is_shared_code")),
                "shared_with": r.get("shared_with_text"),
                "measures": active.get(i, []),
                "measures_text": r.get("active_measures_text"),
                "momentum_text": r.get("momentum_text"),
                "monthly_signal_text": r.get("monthly_signal_text"),
                "cover_days": None if cover is None else cover.get(i),
                "cover_basis": cover_basis if cover is not None else None,
                "watched": bool(watched and i in watched),
                "industries": touched,
                "in_value_chain": i in in_graph,
                "history": h,
                "sources": [
                    s
                    for s in (
                        f"trade: BACI {r['trade_year']} (available {r['trade_available_date']})"
                        if r.get("trade_year")
                        else None,
                        f"production: World Mining Data {r['production_year']}"
                        if r.get("production_year")
                        else None,
                        "measures: supplywatch registry (data/measures), official texts"
                        if active.get(i)
                        else None,
                        f"industries: value-chain graph {graph.version} (sourced edges)"
                        if touched
                        else None,
                        f"level and probability: out_supplywatch__monthly_levels, ladder "
                        f"{r.get('ladder_version_code')}",
                    )
                    if s
                ],
            }
        )
    fresh = [s.as_dict() for s in svc.status()]
    names = {i: {k: r.get(f"name_{k}") or i for k in ("en", "ko", "ja")} for i, r in now.items()}
    return {
        "names": names,
        "importer": imp,
        "as_of": as_of.isoformat(),
        "since": since.isoformat(),
        "ladder_version": ladder.version,
        "level_changes": level_rows,
        "measures_new": new,
        "measures_status": moved,
        "signals": signals,
        "cards": cards,
        "quiet": quiet,
        "freshness": [
            {
                "source": s["source"],
                "title": s.get("title"),
                "latest_available_date": s.get("latest_available_date"),
                "vintage": s.get("vintage"),
                "snapshot_id": s.get("snapshot_id"),
                "licence": s.get("licence"),
                "attribution": s.get("attribution"),
            }
            for s in fresh
        ],
        "counts": {
            "items": len(now),
            "at_caution_or_above": len(cards),
            "level_changes": len(level_rows),
            "measures_new": len(new),
            "measures_status": len(moved),
        },
    }


def write_briefing(
    svc: Any,
    importer: str,
    as_of: date,
    lang: str,
    out: Path,
    since: date | None = None,
) -> dict[str, Any]:
    """Compute the briefing and write it to ``out`` (.html or .pdf); returns its contents."""
    from supplywatch.reports import briefing as rb

    rb.check_target(lang, out)  # before the work: a bad request costs nothing
    data = briefing_data(svc, importer, as_of, since)
    rb.write(data, lang, out)
    return data


def render_briefing(data: dict[str, Any], lang: str, fmt: str) -> bytes:
    """A computed briefing as HTML or PDF bytes (the service's downloads)."""
    from supplywatch.reports import briefing as rb

    html = rb.render_html(data, lang)
    return html.encode("utf-8") if fmt == "html" else rb.pdf_bytes(html)
