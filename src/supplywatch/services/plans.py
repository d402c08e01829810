"""Plans: the joint stockpile planner over the out layer, and the days-of-cover rules the
service applies to users' stock entries (one definition, planning/cover.py)."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from supplywatch.alerts.model import load_ladder
from supplywatch.catalog.importers import SIDE_IMPORTER
from supplywatch.errors import ConfigError
from supplywatch.items import loader
from supplywatch.planning.cover import (
    HOLDERS,
    Cover,
    StockRecord,
    cover_for,
    latest_known,
    latest_stocks,
)
from supplywatch.services.risk import RiskServices

__all__ = [
    "HOLDERS",
    "Cover",
    "StockRecord",
    "cover_for",
    "latest_known",
    "latest_stocks",
    "plan_stockpile",
]


def plan_stockpile(
    svc: RiskServices,
    *,
    budget_krw: float,
    budget_jpy: float,
    krw_per_usd: float,
    jpy_per_usd: float,
    as_of: date,
    materials: list[str] | None = None,
    paths: int = 100_000,
    seed: int = 0,
    pool_share_kr: float = 0.5,
    stocks_csv: Path | None = None,
    consumption_csv: Path | None = None,
    consumption_t_per_year: dict[tuple[str, int], float] | None = None,
    held_t: dict[str, tuple[float, float, float]] | None = None,
) -> dict[str, Any]:
    """The joint stockpile plan (HiGHS) for KR, JP and the pool, its Monte Carlo evaluation,
    the marginal value of each budget, and the "60 days of everything" rule at the same
    budgets. Budgets and exchange rates are the user's inputs (the bundled demo labels them
    illustrative).

    Users' own figures come from CSV files (the CLI) or, from the service, as
    ``consumption_t_per_year`` {(material, side 0=KR 1=JP): t} and ``held_t`` {material:
    (KR, JP, POOL) t}; a CSV row wins over the same key given directly. Levels and the
    newest trade and consumption come from the out layer as of ``as_of``."""
    from supplywatch.planning import inputs as pin
    from supplywatch.planning import solver
    from supplywatch.planning.mc_kernel import simulate_fused
    from supplywatch.planning.model import load_assumptions
    from supplywatch.planning.scenarios import scenarios_for

    for name, v in (
        ("budget_krw", budget_krw),
        ("budget_jpy", budget_jpy),
        ("krw_per_usd", krw_per_usd),
        ("jpy_per_usd", jpy_per_usd),
    ):
        if not v > 0:
            raise ConfigError(f"{name} must be > 0, not {v}")
    for name, dollars in (
        ("budget_krw / krw_per_usd", budget_krw / krw_per_usd),
        ("budget_jpy / jpy_per_usd", budget_jpy / jpy_per_usd),
    ):
        if not math.isfinite(dollars):
            raise ConfigError(f"{name} is not a finite number of US dollars: check the rate")
    a = load_assumptions()
    ladder = load_ladder()
    sides = list(SIDE_IMPORTER)
    now = svc.current_levels(as_of, sides)
    levels = {(str(r.item_id), str(r.importer_id)): int(r.alert_level) for r in now.itertuples()}
    latest = svc.latest_dependence(as_of, sides)
    known = {m.material_id for m in loader.load_materials()}
    for mid in materials or []:
        if mid not in known:
            raise ConfigError(f"unknown material {mid!r}: see `supplywatch items`")
    for mid in a.importance:
        if mid not in known:
            raise ConfigError(f"assumptions.yml importance: unknown material {mid!r}")
    csv_entered, csv_held = pin.read_user_inputs(stocks_csv, consumption_csv, known)
    entered = {**(consumption_t_per_year or {}), **csv_entered}
    held = {**(held_t or {}), **csv_held}
    mats, china, skipped = pin.build_inputs(
        latest, levels, as_of, materials, entered, held, a.importance_default, a.importance
    )
    if not mats:
        raise ConfigError("no material has the data a plan needs (see skipped)")
    scen = [s for m in mats for s in scenarios_for(m, a, china[m.material_id])]
    bud = solver.Budget(budget_krw / krw_per_usd, budget_jpy / jpy_per_usd, pool_share_kr)
    best = solver.solve_plan(mats, scen, a, bud)
    marginal = {}
    for side in ("KR", "JP"):
        more = solver.Budget(
            bud.kr_usd * (1.01 if side == "KR" else 1.0),
            bud.jp_usd * (1.01 if side == "JP" else 1.0),
            pool_share_kr,
        )
        r = solver.solve_plan(mats, scen, a, more)
        d_budget = 0.01 * (bud.kr_usd if side == "KR" else bud.jp_usd)
        marginal[side] = (best.objective_usd - r.objective_usd) / d_budget
    rule_stock = solver.days_rule(mats, bud, 60.0)
    rule = solver.solve_plan(mats, scen, a, bud, fixed_stock=rule_stock)
    mc_best = simulate_fused(pin.mc_input(mats, scen, a, best.stock_t), paths, seed)
    mc_rule = simulate_fused(pin.mc_input(mats, scen, a, rule_stock), paths, seed)

    def mc_rows(res: Any, i: int) -> dict[str, Any]:
        return {
            side: {
                "shortfall_probability": round(float(res.shortfall_probability[i, c]), 6),
                "expected_unserved_t": round(float(res.expected_unserved_t[i, c]), 3),
                "days_to_exhaustion": None
                if np.isnan(res.days_to_exhaustion[i, c])
                else round(float(res.days_to_exhaustion[i, c]), 1),
            }
            for c, side in enumerate(("KR", "JP"))
        }

    rows = []
    for i, m in enumerate(mats):
        st = best.stock_t[m.material_id]
        ckr, cjp = m.consumption_t_per_day
        rows.append(
            {
                "material_id": m.material_id,
                "level": {"KOR": m.level[0], "JPN": m.level[1]},
                "top_supplier": {"KOR": m.top_supplier[0], "JPN": m.top_supplier[1]},
                "consumption_t_per_day": {"KR": round(ckr, 3), "JP": round(cjp, 3)},
                "consumption_basis": list(m.consumption_basis),
                "unit_value_usd_per_t": round(m.unit_value_usd_per_t, 1),
                "unit_value_basis": m.unit_value_basis,
                "importance": m.importance,
                "existing_t": dict(zip(("KR", "JP", "POOL"), m.existing_t, strict=True)),
                "target_t": {h: round(v, 3) for h, v in st.items()},
                "days_of_cover": {
                    "KR": round(st["KR"] / ckr, 1),
                    "JP": round(st["JP"] / cjp, 1),
                    "POOL": round(st["POOL"] / (ckr + cjp), 1),
                },
                "rule_60_days_t": {h: round(v, 3) for h, v in rule_stock[m.material_id].items()},
                "monte_carlo": mc_rows(mc_best, i),
                "monte_carlo_rule_60_days": mc_rows(mc_rule, i),
            }
        )

    def usd(r: Any) -> dict[str, Any]:
        return {
            "objective_usd": round(r.objective_usd, 2),
            "expected_unserved_usd": round(r.expected_unserved_usd, 2),
            "holding_usd": round(r.holding_usd, 2),
            "spend_usd": {k: round(v, 2) for k, v in r.spend_usd.items()},
        }

    def mc_total(res: Any) -> float:
        w = np.array([m.unit_value_usd_per_t * a.price_shock * m.importance for m in mats])
        return round(float((res.expected_unserved_t * w[:, None]).sum()), 2)

    return {
        "as_of": as_of.isoformat(),
        "assumptions_version": a.version,
        "ladder_version": ladder.version,
        "inputs_note": "budgets and exchange rates are user inputs; consumption is apparent "
        "(public data) unless entered; stocks held are the user's entries (default none)",
        "budget": {
            "KRW": budget_krw,
            "JPY": budget_jpy,
            "KRW_per_USD": krw_per_usd,
            "JPY_per_USD": jpy_per_usd,
            "KR_usd": round(bud.kr_usd, 2),
            "JP_usd": round(bud.jp_usd, 2),
            "pool_share_kr": pool_share_kr,
        },
        "solver": {
            "status": best.status,
            "seconds": round(best.solve_s, 4),
            "variables": best.n_vars,
            "rows": best.n_rows,
            "mip": best.is_mip,
            "scenarios": len(scen),
        },
        "plan": usd(best),
        "rule_60_days": usd(rule),
        "marginal_value_per_usd_of_budget": {k: round(v, 4) for k, v in marginal.items()},
        "monte_carlo": {
            "paths": paths,
            "seed": seed,
            "expected_unserved_usd_plan": mc_total(mc_best),
            "expected_unserved_usd_rule_60_days": mc_total(mc_rule),
        },
        "materials": rows,
        "skipped": skipped,
    }
