"""Stockpile plans run through the service (docs/decisions/0003-plans-in-the-service.md).

A plan is computed from public data plus the *calling organisation's own* entries (its
national stock and its consumption, latest known on the plan's date); the other side's
confidential figures are never read. The result is kept, visible to that organisation only,
so colleagues can open it later and compare runs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from supplywatch.access import Principal
from supplywatch.catalog.importers import JOINT_ORG, PLAN_SIDES
from supplywatch.clock import today
from supplywatch.services import plan_stockpile
from supplywatch.state import db
from supplywatch.state.models import Plan
from supplywatch.workspace.base import (
    InputError,
    NotFound,
    Page,
    _aware,
)
from supplywatch.workspace.stocks import StocksMixin

#: Which planner slot an organisation's own entries fill: (consumption side, stock holder).
#: KR / JP: their national side; JOINT: the joint pool (it has no consumption of its own).
#: Per organisation: its side in the planner's consumption (None: the pool has none) and its
#: slot among the stocks held (the national sides, then the joint pool).
ORG_SLOT: dict[str, tuple[int | None, int]] = {
    **{org: (i, i) for i, org in enumerate(PLAN_SIDES)},
    JOINT_ORG: (None, len(PLAN_SIDES)),
}
OTHER_SIDE = {
    org: " and ".join(o for o in PLAN_SIDES if o != org) for org in (*PLAN_SIDES, JOINT_ORG)
}
EARLIEST = date(2000, 1, 1)
MAX_PATHS = 200_000


class PlansMixin(StocksMixin):
    def create_plan(self, p: Principal, params: dict[str, Any]) -> dict[str, Any]:
        """Run the planner (analyst or admin) and keep the result for the organisation."""
        p.require("analyst")
        now_day = today(self.clock)
        when: date = params.get("as_of") or now_day
        errors: list[dict[str, Any]] = []
        if not EARLIEST <= when <= now_day:
            errors.append(
                {"loc": ["body", "as_of"], "msg": f"between {EARLIEST} and today ({now_day})"}
            )
        known = self._known_items()
        for i, mid in enumerate(params.get("materials") or []):
            if mid not in known:
                errors.append({"loc": ["body", "materials", i], "msg": f"unknown item {mid!r}"})
        if not 1 <= int(params.get("paths", 20_000)) <= MAX_PATHS:
            errors.append({"loc": ["body", "paths"], "msg": f"between 1 and {MAX_PATHS}"})
        if errors:
            raise InputError(errors)
        cons_side, stock_slot = ORG_SLOT[p.org]
        with self.sessions() as s:
            stocks = self._stock_levels(s, (p.org,), when)
            entered = self._entered_consumption(s, (p.org,), when)
        held: dict[str, tuple[float, float, float]] = {}
        for (_org, item, holder), q in stocks.items():
            if holder != "national":  # firms' working stock and shipments: not strategic
                continue
            slot = [0.0, 0.0, 0.0]
            slot[stock_slot] = q
            held[item] = (slot[0], slot[1], slot[2])
        consumption = (
            {} if cons_side is None else {(item, cons_side): t for (_o, item), t in entered.items()}
        )
        res = plan_stockpile(
            self.services,
            budget_krw=float(params["budget_krw"]),
            budget_jpy=float(params["budget_jpy"]),
            krw_per_usd=float(params["krw_per_usd"]),
            jpy_per_usd=float(params["jpy_per_usd"]),
            as_of=when,
            materials=params.get("materials") or None,
            lists=params.get("lists") or None,
            probability_source=params.get("probability_source"),
            paths=int(params.get("paths", 20_000)),
            seed=int(params.get("seed", 0)),
            pool_share_kr=float(params.get("pool_share_kr", 0.5)),
            consumption_t_per_year=consumption,
            held_t=held,
        )
        res["inputs_used"] = {
            "org": p.org,
            "entered_consumption_t_per_year": {
                item: consumption[(item, side)] for item, side in sorted(consumption)
            },
            "entered_national_stock_t": {k: held[k][stock_slot] for k in sorted(held)},
            "not_read": f"{OTHER_SIDE[p.org]}'s stocks and consumption are confidential to "
            "them: this plan assumes no stock held there and uses apparent consumption",
        }
        stored_params = {
            k: (v.isoformat() if isinstance(v, date) else v) for k, v in params.items()
        }
        stored_params["as_of"] = when.isoformat()
        with db.transaction(self.sessions) as s:
            plan = Plan(
                org_code=p.org,
                created_by=p.username,
                created_at=self.clock.now(),
                as_of_date=when,
                assumptions_version=res["assumptions_version"],
                label=params.get("label"),
                params=stored_params,
                result=res,
            )
            s.add(plan)
            s.flush()
            self._audit(
                s,
                p,
                "plan.created",
                "plan",
                str(plan.id),
                {"as_of": when.isoformat(), "materials": len(res["materials"])},
            )
            return _plan_public(plan, with_result=True)

    def plans(self, p: Principal, limit: int, offset: int) -> Page:
        """The organisation's plans, newest first (summaries)."""
        with self.sessions() as s:
            q = select(Plan).where(Plan.org_code == p.org)
            total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
            rows = s.scalars(q.order_by(Plan.id.desc()).limit(limit).offset(offset))
            return Page([_plan_public(r, with_result=False) for r in rows], total, limit, offset)

    def plan(self, p: Principal, plan_id: int) -> dict[str, Any]:
        with self.sessions() as s:
            plan = s.get(Plan, plan_id)
            if plan is None or plan.org_code != p.org:
                raise NotFound(f"no plan {plan_id}")
            return _plan_public(plan, with_result=True)


def _plan_public(plan: Plan, *, with_result: bool) -> dict[str, Any]:
    r = plan.result
    out: dict[str, Any] = {
        "id": plan.id,
        "org": plan.org_code,
        "created_by": plan.created_by,
        "created_at": _aware(plan.created_at).isoformat(),
        "as_of": plan.as_of_date.isoformat(),
        "label": plan.label,
        "assumptions_version": plan.assumptions_version,
        "params": plan.params,
        "materials": len(r["materials"]),
        "objective_usd": r["plan"]["objective_usd"],
        "agency_rule_objective_usd": (r.get("baselines") or {})
        .get("agency_rule", {})
        .get("objective_usd"),
    }
    if with_result:
        out["result"] = r
    return out
