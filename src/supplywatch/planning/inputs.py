"""Planner inputs from the risk engine's frames, known on a date (point in time).

The planner builds its inputs in the stored form (planning/units.py); this module keeps the
Monte Carlo arrays (``mc_input``), the users' CSV files (``read_user_inputs``) and
``build_inputs`` below: the apparent-consumption inputs of issue #5, on which
benchmarks/bench_montecarlo.py still times the kernels (its recorded figures rest on them).

Per material and side (KR = importer KOR, JP = JPN): daily consumption = apparent consumption
(production + imports - exports, latest year available on the date) / 365; the alert level of
the engine on the date; the top supplier and its share; China's share; the unit value = the two
sides' import value / import tonnes (latest year, USD/t). A material without a positive
consumption on either side, or without a unit value, is left out and listed as "no data".
"""

from __future__ import annotations

import csv
import math
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplywatch.catalog.importers import SIDE_IMPORTER
from supplywatch.errors import DataError
from supplywatch.planning.model import Assumptions, MaterialInput, Scenario
from supplywatch.planning.montecarlo import MCInput


def latest_by_key(latest: pd.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    """(item, importer) -> its row, from a frame holding the latest row of each."""
    return {(str(r["item_id"]), str(r["importer_id"])): r for r in latest.to_dict("records")}


def _num(v: Any) -> float:
    return 0.0 if v is None or pd.isna(v) else float(v)


def build_inputs(
    latest: pd.DataFrame,
    levels: dict[tuple[str, str], int],
    when: date,
    materials: list[str] | None = None,
    consumption_t_per_year: dict[tuple[str, int], float] | None = None,
    existing_t: dict[str, tuple[float, float, float]] | None = None,
    importance: float = 1.0,
    importance_by_material: dict[str, float] | None = None,
) -> tuple[list[MaterialInput], dict[str, tuple[float, float]], dict[str, str]]:
    """(inputs, China shares per material, skipped material -> reason). ``latest``: the
    newest year of import dependence (with apparent consumption) of each material and
    importer known on ``when``. A material's weight is ``importance_by_material[id]`` where
    given, else ``importance``."""
    del when  # ``latest`` is already as of the plan's date
    rows_by = latest_by_key(latest)
    ids = materials or sorted(set(latest["item_id"]))
    out: list[MaterialInput] = []
    china: dict[str, tuple[float, float]] = {}
    skipped: dict[str, str] = {}
    for mid in ids:
        got = [rows_by.get((mid, imp)) for imp in SIDE_IMPORTER]
        cgot = got
        rows = [r for r in got if r is not None]
        if len(rows) < 2:
            skipped[mid] = "no trade data for KOR or JPN on the date"
            continue
        entered = consumption_t_per_year or {}
        c_t, basis = [], []
        for side, crec in enumerate(cgot):
            if (mid, side) in entered:
                c_t.append(entered[(mid, side)])
                basis.append("entered")
            elif crec is not None:
                c_t.append(_num(crec["apparent_consumption_t"]))
                basis.append(f"apparent {int(crec['ref_year'])}")
            else:
                c_t.append(float("nan"))
                basis.append("no data")
        if any(pd.isna(x) or x <= 0 for x in c_t):
            skipped[mid] = "consumption missing or not positive on a side (net exporter?)"
            continue
        value = sum(float(r["import_value_kusd"]) * 1000 for r in rows)
        qty = sum(_num(r["import_qty_t"]) for r in rows)
        if qty <= 0 or value <= 0:
            skipped[mid] = "no unit value (import tonnes missing)"
            continue
        share = []
        for r, c in zip(rows, c_t, strict=True):
            imp_t = _num(r["import_qty_t"])
            reliance = min(1.0, imp_t / c)
            share.append(_num(r["top_supplier_share"]) * reliance)
        chn = []
        for r, c in zip(rows, c_t, strict=True):
            imp_t = _num(r["import_qty_t"])
            chn.append(_num(r["china_share"]) * min(1.0, imp_t / c))
        out.append(
            MaterialInput(
                material_id=mid,
                consumption_t_per_day=(c_t[0] / 365.0, c_t[1] / 365.0),
                consumption_basis=(basis[0], basis[1]),
                unit_value_usd_per_t=value / qty,
                unit_value_basis=f"KOR+JPN imports {int(rows[0]['ref_year'])}",
                level=(levels.get((mid, "KOR"), 0), levels.get((mid, "JPN"), 0)),
                top_supplier=(rows[0]["top_supplier_id_iso3"], rows[1]["top_supplier_id_iso3"]),
                share_lost=(share[0], share[1]),
                existing_t=(existing_t or {}).get(mid, (0.0, 0.0, 0.0)),
                importance=(importance_by_material or {}).get(mid, importance),
            )
        )
        china[mid] = (chn[0], chn[1])
    return out, china, skipped


def mc_input(
    materials: list[MaterialInput],
    scenarios: list[Scenario],
    a: Assumptions,
    stock: dict[str, dict[str, float]],
) -> MCInput:
    """The Monte Carlo arrays for a plan: one event per (material, supplier) of the scenario
    list (durations are drawn, so the per-duration scenarios fold back into one event)."""
    idx = {m.material_id: i for i, m in enumerate(materials)}
    events: dict[tuple[str, tuple[float, float]], float] = {}
    for s in scenarios:
        key = (s.material_id, s.share_lost)
        events[key] = events.get(key, 0.0) + s.probability
    ev = list(events.items())
    cons = np.array([m.consumption_t_per_day for m in materials])
    return MCInput(
        consumption=cons,
        level=np.array([m.level for m in materials], dtype=np.int64),
        stock=np.array(
            [[stock[m.material_id][h] for h in ("KR", "JP", "POOL")] for m in materials]
        ),
        ev_material=np.array([idx[k[0]] for k, _ in ev], dtype=np.int64),
        ev_p=np.array([p for _, p in ev]),
        ev_lost=np.array([[cons[idx[k[0]], c] * k[1][c] for c in (0, 1)] for k, _ in ev]).reshape(
            len(ev), 2
        ),
        dur_days=np.array(a.duration_days, dtype=np.int64),
        dur_cdf=np.cumsum(a.duration_probability),
        horizon=a.horizon_days,
        release_level=a.pool.release_level,
        max_draw_share=a.pool.max_draw_share,
        lend_below_level=a.pool.lend_below_level,
        max_lend_share=a.pool.max_lend_share,
    )


def read_user_inputs(
    stocks: Path | None, consumption: Path | None, known: set[str]
) -> tuple[dict[tuple[str, int], float], dict[str, tuple[float, float, float]]]:
    """Users' own figures (not public): consumption CSV ``material_id,side,tonnes_per_year``
    (side KR or JP) and stock CSV ``material_id,holder,quantity_t`` (holder KR, JP or POOL).
    Errors name the file, row (header = 1) and column."""
    cons: dict[tuple[str, int], float] = {}
    held: dict[str, list[float]] = {}
    for path, cols, key in (
        (consumption, ("material_id", "side", "tonnes_per_year"), ("KR", "JP")),
        (stocks, ("material_id", "holder", "quantity_t"), ("KR", "JP", "POOL")),
    ):
        if path is None:
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in cols if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(str(path), f"missing column(s) {', '.join(missing)}", row=1)
            for r in reader:
                row = reader.line_num
                mid = (r[cols[0]] or "").strip()
                if mid not in known:
                    raise DataError(str(path), "unknown material", row, cols[0], mid)
                who = (r[cols[1]] or "").strip()
                if who not in key:
                    raise DataError(str(path), f"one of {', '.join(key)}", row, cols[1], who)
                try:
                    v = float(r[cols[2]])
                except (TypeError, ValueError):
                    raise DataError(str(path), "not a number", row, cols[2], r[cols[2]]) from None
                if not math.isfinite(v) or v < 0 or (key == ("KR", "JP") and v == 0):
                    raise DataError(
                        str(path),
                        "must be a finite number > 0"
                        if key == ("KR", "JP")
                        else "must be a finite number >= 0",
                        row,
                        cols[2],
                        str(v),
                    )
                if key == ("KR", "JP"):
                    cons[(mid, key.index(who))] = v
                else:
                    held.setdefault(mid, [0.0, 0.0, 0.0])[key.index(who)] += v
    return cons, {k: (v[0], v[1], v[2]) for k, v in held.items()}
