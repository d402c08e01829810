"""Plans: the joint stockpile planner over the out layer, and the days-of-cover rules the
service applies to users' stock entries (one definition, planning/cover.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

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
from supplywatch.services.exposure import ExposureServices

if TYPE_CHECKING:  # the planner's modules load on first use (Numba, HiGHS)
    from supplywatch.planning.agency import AgencyLists
    from supplywatch.planning.model import Assumptions, MaterialInput, Scenario
    from supplywatch.planning.units import UnitMeta

__all__ = [
    "HOLDERS",
    "Cover",
    "StockRecord",
    "cover_for",
    "latest_known",
    "latest_stocks",
    "PlanInputs",
    "plan_inputs",
    "plan_stockpile",
]


@dataclass(frozen=True)
class PlanInputs:
    """What a plan is computed on, known on its date: the assumptions, the agencies' lists,
    the materials asked, the planned units (stored form) with their metadata and China's
    shares, the skipped materials with their reasons, and the supply scenarios."""

    assumptions: Assumptions
    ladder_version: str
    agencies: AgencyLists
    asked: list[str]
    units: list[MaterialInput]
    metas: dict[str, UnitMeta]
    china: dict[str, tuple[float, float]]
    skipped: dict[str, str]
    scenarios: list[Scenario]


def plan_inputs(
    svc: ExposureServices,
    as_of: date,
    *,
    materials: list[str] | None = None,
    lists: list[str] | None = None,
    probability_source: str | None = None,
    stocks_csv: Path | None = None,
    consumption_csv: Path | None = None,
    consumption_t_per_year: dict[tuple[str, int], float] | None = None,
    held_t: dict[str, tuple[float, float, float]] | None = None,
) -> PlanInputs:
    """The planner's inputs as of ``as_of`` (one builder for the plan and its benchmark):
    the materials the agencies stockpile (``lists`` narrows them, ``materials`` replaces
    them), each in its stored form (planning/units.py), with levels, probabilities and trade
    from the out layer. Unknown lists or materials raise ConfigError naming them; a material
    without the data a plan needs is in ``skipped`` with the reason, and none planned at all
    is a ConfigError listing every reason."""
    from supplywatch.planning import agency as ag
    from supplywatch.planning import inputs as pin
    from supplywatch.planning import units as pu
    from supplywatch.planning.model import load_assumptions
    from supplywatch.planning.scenarios import scenarios_for

    a = load_assumptions()
    if probability_source is not None:
        if probability_source not in ("model", "level"):
            raise ConfigError(
                f"probability source must be model or level, not {probability_source!r}",
                field="probability_source",
            )
        a = a.model_copy(update={"probability_source": probability_source})
    ladder = load_ladder()
    cat = loader.load_materials()
    known = {m.material_id for m in cat}
    agencies = ag.load_agency_lists(known_materials=known)
    for lid in lists or []:
        if lid not in agencies.by_id():
            raise ConfigError(
                f"unknown agency list {lid!r}: one of {', '.join(agencies.by_id())}",
                field="lists",
            )
    for mid in materials or []:
        if mid not in known:
            raise ConfigError(f"unknown material {mid!r}: see `supplywatch items`")
    for mid in a.importance:
        if mid not in known:
            raise ConfigError(f"assumptions.yml importance: unknown material {mid!r}")
    asked = list(dict.fromkeys(materials)) if materials else agencies.materials(lists)
    sides = list(SIDE_IMPORTER)
    now = svc.current_levels(as_of, sides)
    levels = {(str(r.item_id), str(r.importer_id)): int(r.alert_level) for r in now.itertuples()}
    probs = {
        (str(r.item_id), str(r.importer_id)): (
            None if pd.isna(r.risk_probability_share) else float(r.risk_probability_share)
        )
        for r in now.itertuples()
    }
    trade, sup, links = svc.stored_form_trade(as_of, sides)
    world = svc.world_production(as_of)
    csv_entered, csv_held = pin.read_user_inputs(stocks_csv, consumption_csv, known)
    entered = {**(consumption_t_per_year or {}), **csv_entered}
    held = {**(held_t or {}), **csv_held}
    mats, metas, china, skipped = pu.build_units(
        asked,
        agencies,
        trade,
        sup,
        links,
        levels,
        probs,
        as_of,
        a,
        ladder.max_trade_age_days,
        {m.material_id: m.wmd_commodity for m in cat},
        dict(zip(world["commodity_name_wmd"], world["world_production_t"], strict=True)),
        entered,
        held,
    )
    if not mats:
        raise ConfigError(
            "no material asked has the data a plan needs: "
            + "; ".join(f"{m}: {why}" for m, why in sorted(skipped.items()))
        )
    scen = [s for m in mats for s in scenarios_for(m, a, china[m.material_id])]
    return PlanInputs(a, ladder.version, agencies, asked, mats, metas, china, skipped, scen)


def plan_stockpile(
    svc: ExposureServices,
    *,
    budget_krw: float,
    budget_jpy: float,
    krw_per_usd: float,
    jpy_per_usd: float,
    as_of: date,
    materials: list[str] | None = None,
    lists: list[str] | None = None,
    probability_source: str | None = None,
    paths: int = 100_000,
    seed: int = 0,
    pool_share_kr: float = 0.5,
    stocks_csv: Path | None = None,
    consumption_csv: Path | None = None,
    consumption_t_per_year: dict[tuple[str, int], float] | None = None,
    held_t: dict[str, tuple[float, float, float]] | None = None,
) -> dict[str, Any]:
    """The joint stockpile plan (HiGHS) for KR, JP and the pool, its Monte Carlo evaluation,
    the marginal value of each budget, and two baselines at the same budgets: the agencies'
    own rule (days of cover on their lists, funded in their order) and uniform days of cover.

    The materials are those the agencies stockpile (KOMIR, JOGMEC, PPS; ``lists`` narrows
    them, ``materials`` replaces them), each planned in its stored form (planning/units.py);
    every material asked and not planned is in ``skipped`` with the reason. Budgets and
    exchange rates are the user's inputs (the bundled demo labels them illustrative).

    Users' own figures come from CSV files (the CLI) or, from the service, as
    ``consumption_t_per_year`` {(material, side 0=KR 1=JP): t} and ``held_t`` {material:
    (KR, JP, POOL) t}; a CSV row wins over the same key given directly. Levels,
    probabilities and trade come from the out layer as of ``as_of``."""
    from supplywatch.planning import inputs as pin
    from supplywatch.planning import solver
    from supplywatch.planning import units as pu
    from supplywatch.planning.mc_kernel import simulate_fused

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
    pi = plan_inputs(
        svc,
        as_of,
        materials=materials,
        lists=lists,
        probability_source=probability_source,
        stocks_csv=stocks_csv,
        consumption_csv=consumption_csv,
        consumption_t_per_year=consumption_t_per_year,
        held_t=held_t,
    )
    a, agencies, asked, mats, metas = pi.assumptions, pi.agencies, pi.asked, pi.units, pi.metas
    skipped, scen = pi.skipped, pi.scenarios
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

    # The agencies' rule: each side's agencies, in file order, each list in its funding order.
    unit_by_material = pu.unit_of(metas)
    order: dict[str, list[tuple[str, float]]] = {"KR": [], "JP": []}
    rules = []
    for agc in agencies.agencies:
        if lists and agc.agency_id not in lists:
            continue
        items, basis = agc.funding_order()
        rules.append(
            {
                "agency": agc.agency_id,
                "side": agc.side,
                "target_days": agc.rule.target_days,
                "order_basis": basis,
                "source_url": agc.rule.source_url,
                "applied": agc.rule.target_days is not None,
                "note": None
                if agc.rule.target_days is not None
                else "no published target days: the agency's items are not funded by the rule",
            }
        )
        if agc.rule.target_days is None:
            continue
        for mid in items:
            uid = unit_by_material.get(mid)
            if uid is not None and uid not in {u for u, _ in order[agc.side]}:
                order[agc.side].append((uid, agc.rule.target_days))
    baselines: dict[str, dict[str, dict[str, float]]] = {
        "agency_rule": solver.agency_rule(mats, bud, order),
    }
    uni, uni_days = solver.uniform_days(mats, bud)
    baselines["uniform_days"] = uni
    valued = {
        k: solver.solve_plan(mats, scen, a, bud, fixed_stock=b_st) for k, b_st in baselines.items()
    }
    mc = {"plan": simulate_fused(pin.mc_input(mats, scen, a, best.stock_t), paths, seed)}
    for k, b_st in baselines.items():
        mc[k] = simulate_fused(pin.mc_input(mats, scen, a, b_st), paths, seed)

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

    def days(t: float, per_day: float) -> float | None:
        return round(t / per_day, 1) if per_day > 0 else None

    rows = []
    flags = []
    for i, m in enumerate(mats):
        st = best.stock_t[m.material_id]
        ckr, cjp = m.consumption_t_per_day
        meta = metas[m.material_id]
        total = sum(st.values())
        at_guard = m.cap_t is not None and total >= m.cap_t * (1 - 1e-6) and total > 0
        if at_guard:
            flags.append(
                {
                    "unit_id": m.material_id,
                    "target_t": round(total, 3),
                    "limit_t": round(float(m.cap_t or 0.0), 3),
                    "limit_basis": meta.cap_basis,
                }
            )
        rows.append(
            {
                "material_id": m.material_id,
                "members": meta.members,
                "is_shared": meta.is_shared,
                "lists": meta.lists,
                "stored_form": meta.stored_form,
                "stage": meta.stage,
                "codes_hs1992": meta.codes_h0,
                "codes_hs2022": meta.codes_hs2022,
                "trade_year": meta.ref_year,
                "level": {"KOR": m.level[0], "JPN": m.level[1]},
                "annual_probability": {
                    "KOR": None
                    if m.annual_probability[0] is None
                    else round(m.annual_probability[0], 4),
                    "JPN": None
                    if m.annual_probability[1] is None
                    else round(m.annual_probability[1], 4),
                },
                "top_supplier": {"KOR": m.top_supplier[0], "JPN": m.top_supplier[1]},
                "consumption_t_per_day": {"KR": round(ckr, 3), "JP": round(cjp, 3)},
                "consumption_basis": list(m.consumption_basis),
                "unit_value_usd_per_t": round(m.unit_value_usd_per_t, 1),
                "unit_value_basis": m.unit_value_basis,
                "importance": m.importance,
                "existing_t": dict(zip(("KR", "JP", "POOL"), m.existing_t, strict=True)),
                "target_t": {h: round(v, 3) for h, v in st.items()},
                "days_of_cover": {
                    "KR": days(st["KR"], ckr),
                    "JP": days(st["JP"], cjp),
                    "POOL": days(st["POOL"], ckr + cjp),
                },
                "guard": {
                    "limit_t": None if m.cap_t is None else round(m.cap_t, 3),
                    "basis": meta.cap_basis,
                    "at_limit": at_guard,
                },
                "baselines_t": {
                    k: {h: round(x, 3) for h, x in v[m.material_id].items()}
                    for k, v in baselines.items()
                },
                "monte_carlo": {k: mc_rows(res, i) for k, res in mc.items()},
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
        "agency_lists_version": agencies.version,
        "ladder_version": pi.ladder_version,
        "probability_source": a.probability_source,
        "inputs_note": "budgets and exchange rates are user inputs; demand is the net imports "
        "of the stored form (a proxy) unless entered; stocks held are the user's entries "
        "(default none)",
        "material_list": {
            "source": "given"
            if materials
            else "agency lists: " + ", ".join(lists or list(agencies.by_id())),
            "asked": asked,
        },
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
        "baselines": {
            "agency_rule": {**usd(valued["agency_rule"]), "rules": rules},
            "uniform_days": {
                **usd(valued["uniform_days"]),
                "days": {k: None if v is None else round(v, 1) for k, v in uni_days.items()},
            },
        },
        "marginal_value_per_usd_of_budget": {k: round(v, 4) for k, v in marginal.items()},
        "monte_carlo": {
            "paths": paths,
            "seed": seed,
            "expected_unserved_usd": {k: mc_total(res) for k, res in mc.items()},
        },
        "guard_flags": flags,
        "materials": rows,
        "skipped": pu.as_rows(skipped, agencies),
    }
